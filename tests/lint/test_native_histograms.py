"""Lint checks that know native histograms (issue 11). The inventory declares a native histogram
as ``native_histogram`` (Prometheus' metadata says "histogram" for both kinds); then
histogram_quantile needs no `le` and no `_bucket` series for it, mixing it with classic buckets
in one quantile is flagged, and so are the functions and aggregations that skip histogram
samples, as the function table says (Prometheus' functions.go: e.g. `abs` and `max_over_time`
take floats only; aggregation.go: `max`, `topk`, `quantile`... skip histograms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruletest.lint.config import Inventory, LintConfig, load_inventory
from tests.lint.builders import alert, findings, record, rules

NATIVE = LintConfig(inventory=Inventory({"rpc_seconds": "native_histogram", "http_seconds": "histogram",
                                         "x_total": "counter"}))
NATIVE_HISTOGRAM_CHECKS = {"histogram/mixed-classic-native", "histogram/native-ignored"}


@pytest.mark.parametrize(("expr", "unexpected"), [
    # The native histogram's own series, aggregated without le: a correct native quantile.
    ("histogram_quantile(0.9, sum by (job) (rate(rpc_seconds[5m]))) > 1",
     {"histogram/quantile-without-le", "histogram/quantile-wrong-series", "histogram/quantile-without-rate",
      "histogram/native-ignored", "counter/rate-on-gauge"}),
    ("histogram_fraction(0, 0.5, rate(rpc_seconds[5m])) < 0.9", {"histogram/quantile-wrong-series"}),
    ("histogram_count(rate(rpc_seconds[5m])) > 1", {"histogram/native-ignored"}),
])
def test_native_histograms_are_not_classic_mistakes(expr: str, unexpected: set[str], tmp_path: Path) -> None:
    assert not findings(tmp_path, rules(alert(expr)), NATIVE) & unexpected
    # Without the declaration the same name reads as a classic histogram's base name.
    if "quantile" in expr:
        assert "histogram/quantile-wrong-series" in findings(tmp_path, rules(alert(expr)))


def test_quantile_over_a_raw_native_histogram_needs_rate(tmp_path: Path) -> None:
    assert "histogram/quantile-without-rate" in findings(tmp_path, rules(alert("histogram_quantile(0.9, rpc_seconds) "
                                                                               "> 1")), NATIVE)


def test_mixing_classic_and_native_in_one_quantile(tmp_path: Path) -> None:
    mixed = "histogram_quantile(0.9, sum by (le) (rate(http_seconds_bucket[5m])) or sum(rate(rpc_seconds[5m]))) > 1"
    apart = ("histogram_quantile(0.9, sum by (le) (rate(http_seconds_bucket[5m]))) > 1 or "
             "histogram_quantile(0.9, sum(rate(rpc_seconds[5m]))) > 1")
    assert "histogram/mixed-classic-native" in findings(tmp_path, rules(alert(mixed)), NATIVE)
    assert "histogram/mixed-classic-native" not in findings(tmp_path, rules(alert(apart)), NATIVE)


@pytest.mark.parametrize(("expr", "flagged"), [
    ("max_over_time(rpc_seconds[5m])", True),        # float-only range function
    ("abs(rpc_seconds)", True),                      # float-only maths
    ("max(rate(rpc_seconds[5m]))", True),            # max skips histograms, also after rate()
    ("topk(3, sum by (job) (rate(rpc_seconds[5m])))", True),
    ("sum(rate(rpc_seconds[5m]))", False),           # sum and rate accept histograms
    ("last_over_time(rpc_seconds[5m])", False),
    ("max(histogram_count(rate(rpc_seconds[5m])))", False),  # a float by then
    ("max_over_time(x_total[5m])", False),           # not a native histogram
])
def test_functions_that_skip_native_histograms(expr: str, flagged: bool, tmp_path: Path) -> None:
    got = findings(tmp_path, rules(records=record("a:b:c", expr)), NATIVE)
    assert ("histogram/native-ignored" in got) is flagged, got


def test_the_inventory_file_declares_native_histograms(tmp_path: Path) -> None:
    p = tmp_path / "metrics.txt"
    p.write_text('rpc_seconds = "native_histogram"\n')
    assert load_inventory(p).type_of("rpc_seconds") == "native_histogram"


def test_recording_rules_of_native_histograms_are_native(tmp_path: Path) -> None:
    # sum(increase(x[5m])) of a native x records native histograms (sum and increase keep them):
    # a quantile over the recorded series is fine; histogram_count() of it records floats.
    text = rules(alert("histogram_quantile(0.9, job:rpc_seconds:increase5m) > 1")
                 + alert("histogram_quantile(0.9, job:rpc_seconds:count5m) > 1", name="B"),
                 records=record("job:rpc_seconds:increase5m", "sum by (job) (increase(rpc_seconds[5m]))")
                 + record("job:rpc_seconds:count5m", "histogram_count(sum by (job) (increase(rpc_seconds[5m])))"))
    p = tmp_path / "rules.yml"
    p.write_text(text)
    from ruletest.lint import lint_paths

    wrong = [f.rule for f in lint_paths([str(p)], NATIVE).findings if f.check == "histogram/quantile-wrong-series"]
    assert wrong == ["B"]


def test_histogram_input_series_count_in_test_files(tmp_path: Path) -> None:
    # "{{count:1}}x2" is three samples (0, 1m, 2m): an evaluation at 30m is after the input.
    import textwrap

    from ruletest.lint import lint_paths

    (tmp_path / "rules.yml").write_text(rules(alert("histogram_count(rpc_seconds) > 0")))
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: rpc_seconds
                values: "{{count:1}}x2"
            alert_rule_test:
              - alertname: A
                eval_time: 2m
              - alertname: A
                eval_time: 30m
    """))
    got = [(f.check, f.line) for f in lint_paths([str(tmp_path)]).findings if f.check.startswith(("test/", "schema/"))]
    assert got == [("test/eval-after-input", 11)]  # the second alert test
