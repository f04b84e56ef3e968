"""Every lint check with a rule that triggers it and a near miss that must not (checks tested
elsewhere are named here, so that the catalog is covered), off-by-default checks, and checks
that depend on the inventory or the target version."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ruletest.lint import CATALOG, lint_paths
from ruletest.lint.config import LintConfig
from tests.lint.builders import INV, alert, findings, record, rules
from tests.lint.test_grafana import GRAFANA_CHECKS
from tests.lint.test_policy import DECLARED_CASES, POLICY_CASES
from tests.lint.test_precision import PRECISION_CHECKS

CASES = [
    # (check, triggering rules, near miss)
    ("promql/impossible-matchers", rules(alert('up{job="a",job="b"} == 0')), rules(alert('up{job="a"} == 0'))),
    ("promql/regex-literal", rules(alert('up{job=~"api"} == 0')), rules(alert('up{job=~"api|web"} == 0'))),
    ("promql/regex-anchors", rules(alert('up{job=~"^api.*"} == 0')), rules(alert('up{job=~"api.*"} == 0'))),
    ("promql/regex-match-all", rules(alert('up{job=~".*"} == 0')), rules(alert('up{job=~".+"} == 0'))),
    ("promql/selector-no-name", rules(alert('{job="a"} == 0')), rules(alert('up{job="a"} == 0'))),
    ("promql/quantile-range", rules(alert("histogram_quantile(95, sum by (le) (rate(h_bucket[5m]))) > 1")),
     rules(alert("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m]))) > 1"))),
    ("promql/sort-in-rule", rules(records=record("a:b:c", "sort(up)")), rules(records=record("a:b:c", "up"))),
    ("histogram/quantile-without-le", rules(alert("histogram_quantile(0.9, sum by (job) (rate(h_bucket[5m]))) > 1")),
     rules(alert("histogram_quantile(0.9, sum by (job, le) (rate(h_bucket[5m]))) > 1"))),
    ("histogram/quantile-wrong-series", rules(alert("histogram_quantile(0.9, rate(h[5m])) > 1")),
     rules(alert("histogram_quantile(0.9, rate(h_bucket[5m]) * on() group_left vector(1)) > 1"))),
    ("histogram/quantile-without-rate", rules(alert("histogram_quantile(0.9, h_bucket) > 1")),
     rules(alert("histogram_quantile(0.9, rate(h_bucket[5m])) > 1"))),
    ("counter/rate-on-gauge", rules(alert("rate(temperature[5m]) > 1")), rules(alert("rate(x_total[5m]) > 1"))),
    ("counter/gauge-func", rules(alert("deriv(x_total[5m]) > 1")), rules(alert("deriv(temperature[5m]) > 1"))),
    ("counter/irate-in-alert", rules(alert("irate(x_total[5m]) > 1")), rules(alert("rate(x_total[5m]) > 1"))),
    ("counter/rate-window", rules(alert("rate(x_total[1m]) > 1")), rules(alert("rate(x_total[2m]) > 1"))),
    ("alert/no-condition", rules(alert("up")), rules(alert("up == 0"))),
    ("alert/always-fires", rules(alert("vector(1)")), rules(alert("vector(1)", name="Watchdog"))),
    ("alert/for-zero", rules(alert("up == 0", extra="\n  for: 0s")), rules(alert("up == 0", extra="\n  for: 5m"))),
    ("template/missing-label", rules(alert("sum by (job) (up) == 0", annotations="summary: '{{ $labels.instance }}'")),
     rules(alert("sum by (job) (up) == 0", annotations="summary: '{{ $labels.job }}'"))),
    ("template/value-in-label", rules(alert("up == 0", labels="severity: warning, v: '{{ $value }}'")),
     rules(alert("up == 0", annotations="summary: '{{ $value }}'"))),
    ("template/syntax", rules(alert("up == 0", annotations="summary: '{{ nosuch }}'")), rules(alert("up == 0"))),
    ("record/name-convention", rules(records=record("uptime", "up")), rules(records=record("job:up:sum", "sum by (job) (up)"))),
    ("record/templated-label", rules(records="- record: a:b:c\n  expr: up\n  labels: {x: '{{ $labels.job }}'}\n"),
     rules(records="- record: a:b:c\n  expr: up\n  labels: {x: y}\n")),
    ("deps/undefined-recording", rules(alert("job:nope:rate5m > 1")),
     rules(alert("job:up:sum > 1"), records=record("job:up:sum", "sum by (job) (up)"))),
    ("deps/unknown-alertname", rules(alert('ALERTS{alertname="Nope"} == 1')),
     rules(alert('ALERTS{alertname="A"} == 1'))),
    ("deps/order-in-group", rules(alert("job:up:sum > 1") + record("job:up:sum", "sum by (job) (up)")),
     rules(alert("job:up:sum > 1"), records=record("job:up:sum", "sum by (job) (up)"))),
    ("compat/removed-function", rules(alert("holt_winters(g[5m], 0.5, 0.5) > 1")),
     rules(alert("double_exponential_smoothing(g[5m], 0.5, 0.5) > 1"))),
    ("promql/syntax", rules(alert("up ==")), rules(alert("up == 0"))),
    ("schema/unknown-field", rules(alert("up == 0", extra="\n  anotations: {}")), rules(alert("up == 0"))),
    ("schema/invalid", rules(records="- record: a:b:c\n  alert: X\n  expr: up\n"), rules(records=record("a:b:c", "up"))),
    ("yaml/parse", "groups: [\n", rules(alert("up == 0"))),
    # Only groups that record: Alertmanager keeps an alert-only group's alerts for 4 intervals.
    ("group/interval-too-long", rules(records=record("a:b:c", "up")).replace("- name: g", "- name: g\n    interval: 10m"),
     rules(alert("up == 0")).replace("- name: g", "- name: g\n    interval: 10m")),
    ("labels/typo", rules(alert("up == 0", annotations="summary: s, sumary: x")), rules(alert("up == 0"))),
    ("counter/rate-after-aggregation", rules(alert("rate(sum(x_total)[5m:]) > 1")),
     rules(alert("sum(rate(x_total[5m])) > 1"))),
    ("alert/never-fires-empty-count", rules(alert('count(up{job="a"} == 1) == 0')),
     rules(alert('count(up{job="a"} == 1) or vector(0) == 0'))),
    ("promql/result-type", rules(records=record("a:b:c", "up[5m]")), rules(records=record("a:b:c", "up"))),
    ("promql/name-only-series", rules(alert('rate({__name__=~"a_total|b_total"}[5m]) > 1')),
     rules(alert('sum({__name__=~"a_total|b_total"}) * 2 > 1'))),
    ("alert/for-below-interval", rules(alert("up == 0", extra="\n  for: 30s")),
     rules(alert("up == 0", extra="\n  for: 2m"))),
    ("alert/label-collision", rules(alert('up{job=~"a|c"} == 0', labels="severity: warning, job: b")),
     rules(alert('sum by (instance) (up{job=~"a|c"}) == 0', labels="severity: warning, job: b"))),
    # A label pinned by `=` has a single value: overwriting it cannot collapse two series.
    ("alert/label-collision", rules(alert('up{job=~"a|c"} == 0', labels="severity: warning, job: b")),
     rules(alert('up{job="a"} == 0', labels="severity: warning, job: b"))),
    # up < 1 and up < 0.5 hold together on the same series (up == 0 and up == 1 never do).
    ("rule/duplicate", rules(alert("up < 1") + alert("up < 0.5")), rules(alert("up < 1") + alert("up < 0.5", name="B"))),
    ("promql/join-label-missing", rules(alert("sum by (job) (up) / on(instance) sum by (job) (up) > 1")),
     rules(alert("sum by (job) (up) / on(job) sum by (job) (up) > 1"))),
    ("promql/fragile-topk", rules(alert("topk(3, rate(x_total[5m])) > 1")),
     rules(records=record("a:b:c", "topk(3, rate(x_total[5m]))"))),
    # One series per identity: kubernetes-mixin's deduplication idiom.
    ("promql/fragile-topk", rules(alert("topk(3, rate(x_total[5m])) > 1")),
     rules(alert("topk by (namespace, pod) (1, max by (namespace, pod, owner) (x_owner)) > 0"))),
    ("promql/nan-aggregation", rules(alert("sum(rate(a_total[5m]) / rate(b_total[5m])) > 1")),
     rules(alert("sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 1"))),
    ("promql/static-join-mismatch", rules(alert('rate(a_total{env="prod"}[5m]) / rate(b_total{env="dev"}[5m]) > 1')),
     rules(alert('rate(a_total{env="prod"}[5m]) / ignoring(env) rate(b_total{env="dev"}[5m]) > 1'))),
    ("promql/join-never-matches", rules(alert('sum(rate(a_total[5m])) / rate(b_total{job="x"}[5m]) > 1')),
     rules(alert('sum(rate(a_total[5m])) / sum(rate(b_total{job="x"}[5m])) > 1'))),
    ("promql/range-too-long", rules(alert("max_over_time(up[30d]) == 0")), rules(alert("max_over_time(up[1d]) == 0"))),
    ("alert/absent-never-fires", rules(alert("absent(sum(up) or vector(0))", extra="\n  for: 5m")),
     rules(alert('absent(up{job="a"})', extra="\n  for: 5m"))),
    ("alert/absent-without-for", rules(alert('absent(up{job="a"})')),
     rules(alert('absent(up{job="a"})', extra="\n  for: 5m"))),
    ("alert/never-fires-sum-of-filter", rules(alert("sum(up == 0) > 0")), rules(alert("count(up == 0) > 0"))),
    ("counter/raw-value", rules(alert("x_total > 100")), rules(alert("rate(x_total[5m]) > 1"))),
    # Label matching reads only the labels of the right side.
    ("counter/raw-value", rules(alert("x_total > 100")), rules(alert("rate(y_total[5m]) > 1 unless x_total"))),
    ("compat/feature-flag", rules(alert("mad_over_time(up[5m]) > 1")), rules(alert("stddev_over_time(up[5m]) > 1"))),
    ("compat/left-open-range", rules(alert("max_over_time(up[1m]) == 0")), rules(alert("max_over_time(up[5m]) == 0"))),
    ("deps/cycle", rules(records=record("a:b:c", "d:e:f + 1") + record("d:e:f", "a:b:c * 2")),
     rules(records=record("d:e:f", "up * 2") + record("a:b:c", "d:e:f + 1"))),
    # A rule reading its own previous value is a deliberate accumulator (gardener's metering).
    ("deps/cycle", rules(records=record("a:b:c", "d:e:f + 1") + record("d:e:f", "a:b:c * 2")),
     rules(records=record("a:b:c", "up or last_over_time(a:b:c[30m])"))),
    ("deps/cross-group", rules(records=record("a:b:c", "up")) + "  - name: h\n    rules:\n"
     + textwrap.indent(record("d:e:f", "a:b:c * 2"), "      "),
     rules(records=record("a:b:c", "up") + record("d:e:f", "a:b:c * 2"))),
    ("group/interval-too-short", rules(alert("up == 0")).replace("- name: g", "- name: g\n    interval: 15s"),
     rules(alert("up == 0")).replace("- name: g", "- name: g\n    interval: 1m")),
    ("template/humanize", rules(alert("up == 0", annotations="summary: '{{ $value }}'")),
     rules(alert("up == 0", annotations="summary: '{{ $value | humanize }}'"))),
    ("template/query", rules(alert("up == 0", annotations="summary: '{{ query \"up ==\" }}'")),
     rules(alert("up == 0", annotations="summary: '{{ query \"up\" }}'"))),
    ("template/render", rules(alert("up == 0", annotations="summary: '{{ humanizeDuration \"abc\" }}'")),
     rules(alert("up == 0", annotations="summary: '{{ humanizeDuration 60 }}'"))),
    ("yaml/duplicate-key", rules(alert("up == 0", extra="\n  expr: up == 1")), rules(alert("up == 0"))),
    ("yaml/multi-document", rules(alert("up == 0")) + "---\ngroups: []\n", rules(alert("up == 0"))),
    ("group/name", rules(alert("up == 0")) + "  - name: g\n    rules: []\n",
     rules(alert("up == 0")) + "  - name: h\n    rules:\n" + textwrap.indent(alert("up == 1", name="B"), "      ")),
    ("group/empty", "groups:\n  - name: g\n    rules: []\n", rules(alert("up == 0"))),
    ("labels/empty-value", rules(alert("up == 0", labels="severity: warning, team: ''")),
     rules(alert("up == 0", labels="severity: warning, team: db"))),
]

TEST_CHECKS = {"test/unknown-alertname", "test/missing-rule-file", "test/eval-after-input", "test/untested-alert",
               "test/untested-recording", "test/unknown-group-order", "test/impossible-exp-labels",
               "test/interval-mismatch", "template/external-label", "rule/duplicate-identical", "compat/group-field",
               "deps/removed-still-used"}


def test_every_catalog_check_is_tested() -> None:
    tested = {c for c, _, _ in CASES} | {"promql/unknown-metric", "lint/unused-suppression"} | TEST_CHECKS | {
        c for c, _, _, _ in POLICY_CASES} | {c for c, _, _ in OFF_BY_DEFAULT_CASES} | {"test/no-negative-case"} | {
        c for c, _, _, _ in DECLARED_CASES} | PRECISION_CHECKS | GRAFANA_CHECKS
    # Alertmanager config checks (am/...) are tested in tests/alertmanager/test_lint.py.
    assert tested == {c for c in CATALOG if not c.startswith("am/")}


@pytest.mark.parametrize(("check", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_check_triggers_and_near_miss_does_not(check: str, bad: str, good: str, tmp_path: Path) -> None:
    cfg = LintConfig()
    assert check in findings(tmp_path, bad, cfg)
    assert check not in findings(tmp_path, good, cfg)


def test_unknown_metric_needs_an_inventory(tmp_path: Path) -> None:
    text = rules(alert("missing_metric > 1"))
    assert "promql/unknown-metric" not in findings(tmp_path, text)
    assert "promql/unknown-metric" in findings(tmp_path, text, LintConfig(inventory=INV))
    assert "promql/unknown-metric" not in findings(tmp_path, rules(alert("node_load1 > 1")), LintConfig(inventory=INV))


def test_inventory_decides_counter_type(tmp_path: Path) -> None:
    # "g" has no counter suffix: without an inventory that is only a hint (info).
    p = tmp_path / "r.yml"
    p.write_text(rules(alert("rate(g[5m]) > 1")))
    (finding,) = [f for f in lint_paths([str(p)]).findings if f.check == "counter/rate-on-gauge"]
    assert str(finding.severity) == "info"
    (finding,) = [f for f in lint_paths([str(p)], LintConfig(inventory=INV)).findings
                  if f.check == "counter/rate-on-gauge"]
    assert str(finding.severity) == "warning" and "declared a gauge" in finding.message


def test_rate_over_recorded_sum(tmp_path: Path) -> None:
    text = rules(alert("rate(job:x:sum[5m]) > 1"), records=record("job:x:sum", "sum by (job) (x_total)"))
    assert "counter/rate-after-aggregation" in findings(tmp_path, text)


def test_identical_rules_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(rules(alert("up == 0")))
    (tmp_path / "b.yml").write_text(rules(alert("up == 0")))
    (tmp_path / "c.yml").write_text(rules(alert("up == 1")))
    found = [(f.check, Path(f.file).name) for f in lint_paths([str(tmp_path)]).findings
             if f.check == "rule/duplicate-identical"]
    assert found == [("rule/duplicate-identical", "b.yml")]


def test_external_label_needs_declared_labels(tmp_path: Path) -> None:
    text = rules(alert("up == 0", annotations="summary: '{{ $externalLabels.site }} {{ $externalLabels.dc }}'"))
    assert "template/external-label" not in findings(tmp_path, text)
    p = tmp_path / "rules.yml"
    p.write_text(text)
    result = lint_paths([str(p)], LintConfig(external_labels={"site": "eqiad"}))
    assert [f.message for f in result.findings if f.check == "template/external-label"] == [
        "annotation summary uses $externalLabels.dc, which is not declared"]


def test_group_fields_of_prometheus_3_are_errors_for_prometheus_2(tmp_path: Path) -> None:
    text = rules(alert("up == 0")).replace("- name: g", "- name: g\n    query_offset: 1m\n    labels: {team: x}")
    assert "compat/group-field" not in findings(tmp_path, text)
    assert "compat/group-field" in findings(tmp_path, text, LintConfig(prometheus=2))


def test_experimental_functions_are_allowed_once_declared(tmp_path: Path) -> None:
    text = rules(alert("mad_over_time(up[5m]) > 1") + alert("limitk(2, up) == 0", name="B"))
    p = tmp_path / "rules.yml"
    p.write_text(text)
    # A server without the flag refuses to load these rules (Prometheus' parse error names each).
    flagged = [f.message for f in lint_paths([str(p)]).findings if f.check == "compat/feature-flag"]
    assert len(flagged) == 2
    assert 'function "mad_over_time" is not enabled' in flagged[0]
    assert "limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions" in flagged[1]
    cfg = LintConfig(features=frozenset({"promql-experimental-functions"}))
    assert "compat/feature-flag" not in findings(tmp_path, text, cfg)

OFF_BY_DEFAULT_CASES = [
    ("alert/name-style", rules(alert("up == 0", name="instance_down")), rules(alert("up == 0", name="InstanceDown"))),
    ("alert/runbook-url", rules(alert("up == 0", annotations="summary: s, runbook_url: 'wiki page'")),
     rules(alert("up == 0", annotations="summary: s, runbook_url: 'https://runbooks.example/up'"))),
    ("group/size", rules("".join(alert("up == 0", name=f"A{i}") for i in range(3))),
     rules("".join(alert("up == 0", name=f"A{i}") for i in range(2)))),
    ("deps/use-recording-rule", rules(alert("sum by (job) (up) == 0"), records=record("job:up:sum", "sum by (job) (up)")),
     rules(alert("job:up:sum == 0"), records=record("job:up:sum", "sum by (job) (up)"))),
]


@pytest.mark.parametrize(("check", "bad", "good"), OFF_BY_DEFAULT_CASES, ids=[c[0] for c in OFF_BY_DEFAULT_CASES])
def test_off_by_default_check_runs_only_when_enabled(check: str, bad: str, good: str, tmp_path: Path) -> None:
    assert CATALOG[check].default is False
    assert check not in findings(tmp_path, bad)
    cfg = LintConfig(enabled=frozenset({check}), group_max_rules=2)
    assert check in findings(tmp_path, bad, cfg)
    assert check not in findings(tmp_path, good, cfg)
