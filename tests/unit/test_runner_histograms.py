"""Test files with native histograms (issue 11): input series in promtool 3.x's notation, recording
rules that record histograms, and ``exp_samples[].histogram`` compared as promtool 3.14 compares
it (cmd/promtool/unittest.go: the expected histogram parsed, then both sides printed with
``HistogramTestExpression`` and compared as strings, the float ``value`` too) or, with ruletest's
tolerances, field by field. Expected histograms are worked out by hand in the comments."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ruletest.promtool_format import load_test_file
from ruletest.reporting import detail, message
from ruletest.reporting.promtool import file_text
from ruletest.results import ExprError, ExprMismatch, FileResult, LoadProblem
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import Semantics

RULES = """
groups:
  - name: g
    interval: 1m
    rules:
      - record: h:copy
        expr: h
      - record: h:count
        expr: histogram_count(h)
"""

# h at 0, 1m, 2m: {{sum:3 count:2 buckets:[2]}} plus {{sum:1.3 count:1 buckets:[1]}} per step,
# so at 2m: count 2+1+1 = 4, sum 3+1.3+1.3 = 5.6, the one bucket (schema 0, offset 0: (0.5,1])
# 2+1+1 = 4. Stored as a counter, the samples after the first get the counter reset hint
# not_reset (no bucket went down), which promtool's notation prints: the expectation in
# Prometheus' own cmd/promtool/testdata/unittest.yml is "{{count:4 sum:5.6
# counter_reset_hint:not_reset buckets:[4]}}".
INPUT = """
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: h
        values: "{{sum:3 count:2 buckets:[2]}}+{{sum:1.3 count:1 buckets:[1]}}x2"
    promql_expr_test:
"""
AT_2M = "{{count:4 sum:5.6 counter_reset_hint:not_reset buckets:[4]}}"


def run(tmp: Path, tests: str, *, prometheus: int = 3, debug: bool = False) -> FileResult:
    (tmp / "rules.yml").write_text(textwrap.dedent(RULES))
    path = tmp / "t.yml"
    path.write_text(INPUT + textwrap.indent(textwrap.dedent(tests), "      "))
    return run_test_file(load_test_file(path), RunOptions(Semantics.of(prometheus), debug=debug))


def only_problem(result: FileResult) -> object:
    problems = result.all_problems()
    assert len(problems) == 1, [message(p) for p in problems]
    return problems[0]


def test_histograms_compare_by_promtools_notation(tmp_path: Path) -> None:
    # Field order in the file does not matter (the expectation is parsed, then printed), and a
    # recording rule records the histogram itself.
    result = run(tmp_path, f"""
        - expr: h
          eval_time: 2m
          exp_samples:
            - labels: h
              histogram: "{AT_2M}"
        - expr: h:copy
          eval_time: 2m
          exp_samples:
            - labels: h:copy
              histogram: "{{{{buckets:[4] counter_reset_hint:not_reset sum:5.6 count:4}}}}"
        - expr: h:count
          eval_time: 2m
          exp_samples:
            - labels: h:count
              value: 4
    """)
    assert result.passed, [message(p) for p in result.all_problems()]


def test_a_different_histogram_fails_naming_the_fields(tmp_path: Path) -> None:
    # count 5 instead of 4, and no hint written (so "unknown", which promtool's notation leaves
    # out): the strings differ, in count and in counter_reset_hint.
    p = only_problem(run(tmp_path, """
        - expr: h
          eval_time: 2m
          exp_samples:
            - labels: h
              histogram: "{{count:5 sum:5.6 buckets:[4]}}"
    """))
    assert isinstance(p, ExprMismatch)
    assert message(p, promtool_compat=True) == (
        '    expr: "h", time: 2m,\n'
        '        exp: {__name__="h"} {{count:5 sum:5.6 buckets:[4]}}\n'
        f'        got: {{__name__="h"}} {AT_2M}')
    assert detail(p) == ('  ~ {__name__="h"}: count expected 5, got 4; '
                         "counter_reset_hint expected unknown, got not_reset")


def test_float_value_and_histogram_are_not_the_same(tmp_path: Path) -> None:
    # promtool compares Value too: a histogram sample's float value is 0, so `value: 4` for a
    # histogram fails (as does a histogram expected where a float comes back).
    result = run(tmp_path, f"""
        - expr: h
          eval_time: 2m
          exp_samples:
            - labels: h
              value: 4
        - expr: h:count
          eval_time: 2m
          exp_samples:
            - labels: h:count
              histogram: "{AT_2M}"
        - expr: h
          eval_time: 2m
          exp_samples:
            - labels: h
              value: 1
              histogram: "{AT_2M}"
    """)
    problems = result.all_problems()
    assert [type(p) for p in problems] == [ExprMismatch] * 3
    assert "expected float 4.0, got histogram" in detail(problems[0])
    assert "expected histogram " in detail(problems[1]) and "got float 4.0" in detail(problems[1])


def test_tolerances_compare_histograms_field_by_field(tmp_path: Path) -> None:
    # With ruletest's tolerance, count/sum/buckets compare within it (4.001 vs 4 passes with
    # tolerance 0.01, 4.1 does not), and the hint only when written.
    result = run(tmp_path, """
        - expr: h
          eval_time: 2m
          tolerance: 0.01
          exp_samples:
            - labels: h
              histogram: "{{count:4.001 sum:5.6 buckets:[4.001]}}"
        - expr: h
          eval_time: 2m
          tolerance: 0.01
          exp_samples:
            - labels: h
              histogram: "{{count:4.1 sum:5.6 buckets:[4]}}"
        - expr: h
          eval_time: 2m
          tolerance: 0.01
          exp_samples:
            - labels: h
              histogram: "{{count:4 sum:5.6 buckets:[4] counter_reset_hint:reset}}"
    """)
    problems = result.all_problems()
    # The second and third expression tests (the lines of their `- expr:`).
    assert [p.where.line for p in problems] == [17, 23]  # type: ignore[attr-defined]


def test_bad_histograms_are_located_errors(tmp_path: Path) -> None:
    # promtool parses "{} " + the histogram: its column counts those three characters.
    p = only_problem(run(tmp_path, """
        - expr: h
          eval_time: 2m
          exp_samples:
            - labels: h
              histogram: "{{count:4"
    """))
    assert isinstance(p, ExprError)
    assert p.where.line == 14
    assert "1:4: parse error: unclosed histogram description" in message(p)
    p = only_problem(run(tmp_path, """
        - expr: h
          eval_time: 2m
          exp_samples:
            - labels: h
              histogram: "4"
    """))
    assert "expected histogram, got 4.000000" in message(p)


def test_bad_input_histograms_are_located(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(textwrap.dedent(RULES))
    path = tmp_path / "t.yml"
    path.write_text(textwrap.dedent("""\
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: h
                values: "1 {{schema:9 count:1}}"
            promql_expr_test:
              - expr: h
                eval_time: 1m
                exp_samples: []
    """))
    p = only_problem(run_test_file(load_test_file(path), RunOptions(Semantics.of(3))))
    assert isinstance(p, LoadProblem)
    # The TSDB's validation message (model/histogram: ErrHistogramsInvalidSchema), at the
    # histogram's column (3) in the values.
    assert (p.where.line, p.where.column) == (5, 3)
    assert "histogram has an invalid schema, which must be between -4 and 8" in p.message


def test_prometheus_2_cannot_load_histograms(tmp_path: Path) -> None:
    # promtool 2.42's series parser has no histogram notation.
    p = only_problem(run(tmp_path, """
        - expr: h
          eval_time: 2m
          exp_samples: []
    """, prometheus=2))
    assert isinstance(p, LoadProblem)
    assert "unexpected character in series sequence: '{'" in p.message


def test_debug_shows_histograms_and_annotations(tmp_path: Path) -> None:
    # --debug dumps histogram samples as Prometheus' FloatHistogram.String() does, and the
    # warnings a query's result carries (rate over a float series named like a histogram
    # bucket is fine; histogram_quantile of a float series without `le` gets Prometheus'
    # "bucket label le is missing or has a malformed value" warning).
    result = run(tmp_path, """
        - expr: histogram_quantile(0.5, h:count)
          eval_time: 2m
          exp_samples: []
    """, debug=True)
    out = "".join(file_text(result))
    assert "{count:4, sum:5.6, (0.5,1]:4} @[120000]" in out
    assert 'DEBUG: expr: "histogram_quantile(0.5, h:count)", time: 2m:' in out
    assert "bucket label \"le\" is missing or has a malformed value" in out


def test_histogram_diff_shows_the_differing_fields_in_the_notation() -> None:
    # Bucket lists carry their offset; a field the notation leaves out shows its default.
    from ruletest.reporting.histogram_diff import histogram_samples_diff
    from ruletest.results import Location
    from ruletest.series import parse_histogram

    e = parse_histogram("{{count:1 buckets:[1] offset:2}}").histogram
    g = parse_histogram("{{count:1 z_bucket:1 buckets:[1]}}").histogram
    labels = (("job", "a"),)
    p = ExprMismatch("x", 0, ((labels, 0.0),), ((labels, 0.0),), Location("t.yml", 1),
                     expected_histograms=(e,), got_histograms=(g,))
    assert histogram_samples_diff(p) == ('  ~ {job="a"}: z_bucket expected 0, got 1; '
                                         "buckets expected [1] offset:2, got [1]")


def test_alerts_on_histograms_render_them_as_prometheus(tmp_path: Path) -> None:
    # An alerting rule whose expression returns histograms fires for each (any sample is
    # active); templates see the histogram itself (template/template.go: Value is smpl.H when
    # set), printed by FloatHistogram.String(): "{count:C, sum:S, <bucket>:N...}" with a
    # schema 0 bucket of index 0 written (0.5,1]. Its fields are readable (.Count), a query
    # result's .Value is the histogram too, and humanize fails on it (ConvertToFloat's
    # "can't convert <type> to float").
    (tmp_path / "rules.yml").write_text(textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - alert: Histogram
                expr: h
                annotations:
                  v: '{{ $value }}'
                  c: '{{ $value.Count }}'
                  q: '{{ with query "h" }}{{ (. | first).Value }}{{ end }}'
                  bad: '{{ $value | humanize }}'
    """))
    path = tmp_path / "t.yml"
    path.write_text(textwrap.dedent("""\
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: h
                values: "{{sum:3 count:2 buckets:[2]}}+{{sum:1.3 count:1 buckets:[1]}}x2"
            promql_expr_test:
              - expr: ALERTS
                eval_time: 2m
                exp_samples:
                  - labels: 'ALERTS{alertname="Histogram", alertstate="firing"}'
                    value: 1
            alert_rule_test:
              - alertname: Histogram
                eval_time: 2m
                exp_alerts:
                  - exp_labels: {}
                    exp_annotations:
                      v: '{count:4, sum:5.6, (0.5,1]:4}'
                      c: '4'
                      q: '{count:4, sum:5.6, (0.5,1]:4}'
                      bad: 'x'
    """))
    p = only_problem(run_test_file(load_test_file(path), RunOptions(Semantics.of(3))))
    # Only `bad` differs: it holds the template error.
    text = message(p)
    assert "error calling humanize: can't convert *histogram.FloatHistogram to float" in text
    for shown in ("v=\"{count:4, sum:5.6, (0.5,1]:4}\"", 'c="4"', "q=\"{count:4, sum:5.6, (0.5,1]:4}\""):
        assert text.count(shown) == 2, text  # expected and got alike


def test_html_report_shows_the_histogram_diff(tmp_path: Path) -> None:
    # The report's expression chart cannot draw histograms (their float value is 0): the detail
    # is the same field diff as in the terminal, and no 0-valued sample rows are invented.
    from ruletest.reporting.html import html_report

    (tmp_path / "rules.yml").write_text(textwrap.dedent(RULES))
    path = tmp_path / "t.yml"
    path.write_text(INPUT + textwrap.indent(textwrap.dedent("""
        - expr: h
          eval_time: 2m
          exp_samples:
            - labels: h
              histogram: "{{count:5 sum:5.6 buckets:[4]}}"
    """), "      "))
    result = run_test_file(load_test_file(path), RunOptions(Semantics.of(3), trace=True))
    page = html_report([result], root=str(tmp_path))
    assert "count expected 5, got 4; counter_reset_hint expected unknown, got not_reset" in page


def test_rules_over_changing_histograms_are_not_reused_wrongly(tmp_path: Path) -> None:
    # The evaluation loop reuses a rule's result when what it reads did not change (rules/
    # invariance.py, promql/reuse.py); a histogram sample's float value is always 0, so that
    # must not be taken for "unchanged". h doubles every minute: count 1, 2, 4, 8.
    # - h:last, the last step of a 1m subquery over h: histogram_count = 2^k at k minutes.
    # - h:rate, histogram_count(rate(h[2m])): at 2m the window (0, 2m] holds 2 and 4, extrapolated
    #   to the window start (60 s before the first sample, within 1.1 x the 60 s spacing, and not
    #   past the zero point 60*2/2 = 60 s away): increase 2 * 120/60 = 4, rate 4/120; at 3m,
    #   4 and 8: increase 4 * 2 = 8, rate 8/120.
    (tmp_path / "rules.yml").write_text(textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - record: h:last
                expr: last_over_time(h[2m:1m])
              - record: h:rate
                expr: histogram_count(rate(h[2m]))
    """))
    path = tmp_path / "t.yml"
    tests = "".join(f"""
          - expr: {expr}
            eval_time: {t}
            relative_tolerance: 1.0e-9
            exp_samples:
              - labels: '{labels}'
                value: {value}""" for expr, t, labels, value in [
        ("histogram_count(h:last)", "1m", "{}", 2), ("histogram_count(h:last)", "2m", "{}", 4),
        ("histogram_count(h:last)", "3m", "{}", 8), ("h:rate", "2m", "h:rate", 4 / 120), ("h:rate", "3m", "h:rate", 8 / 120)])
    path.write_text(textwrap.dedent("""\
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: h
                values: "{{count:1 buckets:[1]}} {{count:2 buckets:[2]}} {{count:4 buckets:[4]}} {{count:8 buckets:[8]}}"
            promql_expr_test:""") + tests + "\n")
    result = run_test_file(load_test_file(path), RunOptions(Semantics.of(3)))
    assert result.passed, [message(p) for p in result.all_problems()]
