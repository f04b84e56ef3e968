"""Runner behaviour beyond what promtool 2.42 can check: Prometheus 3 fields and ruletest's own
strictness and explanations. Expected values are derived by hand in the comments."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ruletest.promtool_format import load_test_file
from ruletest.reporting import detail, message
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import PROMETHEUS_3, Semantics


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(textwrap.dedent(text))
    return p


RULES = """
groups:
  - name: g
    query_offset: 1m
    labels:
      team: core
    rules:
      - record: copy
        expr: m
      - alert: Big
        expr: m > 5
        labels:
          severity: page
"""


def run(tmp: Path, test: str, rules: str = RULES, **opts: object) -> object:
    write(tmp, "rules.yml", rules)
    tf = load_test_file(write(tmp, "t.yml", test))
    version = int(opts.pop("prometheus", 3))  # type: ignore[call-overload]
    return run_test_file(tf, RunOptions(Semantics.of(version), **opts))  # type: ignore[arg-type]


def test_query_offset_and_group_labels(tmp_path: Path) -> None:
    # m = 0,1,2,...; with query_offset 1m the evaluation at t reads m at t-1m and writes its
    # result at t-1m, so after the run copy(5m) = m(5m) = 5 (written by the 6m evaluation), and
    # the alert (m > 5) fires from the 7m evaluation. Group labels join the rule's labels.
    result = run(tmp_path, """
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: m
                values: 0+1x10
            alert_rule_test:
              - alertname: Big
                eval_time: 6m
                exp_alerts: []
              - alertname: Big
                eval_time: 7m
                exp_alerts:
                  - exp_labels: {severity: page, team: core}
            promql_expr_test:
              - expr: copy
                eval_time: 5m
                exp_samples:
                  - labels: 'copy{team="core"}'
                    value: 5
    """)
    assert result.passed, [message(p) for p in result.all_problems()]  # type: ignore[attr-defined]


def test_start_timestamp_and_default_interval(tmp_path: Path) -> None:
    # Without an interval the series step is the evaluation interval (Prometheus >= 2.49);
    # start_timestamp moves sample 0 to that instant, so time() at eval_time 2m is start+120.
    result = run(tmp_path, """
        rule_files: [rules.yml]
        evaluation_interval: 30s
        tests:
          - start_timestamp: '2024-01-01T00:00:00Z'
            input_series:
              - series: m
                values: 0 1 2 3 4
            promql_expr_test:
              - expr: m
                eval_time: 1m
                exp_samples:
                  - labels: m
                    value: 2
              - expr: time()
                eval_time: 2m
                exp_samples:
                  - labels: '{}'
                    value: 1704067320
    """)
    assert result.passed, [message(p) for p in result.all_problems()]  # type: ignore[attr-defined]


def test_prometheus2_mode_loads_without_interval_at_zero(tmp_path: Path) -> None:
    # promtool < 2.49 used a 0s step: every sample at t=0, the first one wins.
    result = run(tmp_path, """
        rule_files: [rules.yml]
        tests:
          - input_series:
              - series: m
                values: 7 8 9
            promql_expr_test:
              - expr: m
                eval_time: 1m
                exp_samples:
                  - labels: m
                    value: 7
    """, rules="groups: []\n", prometheus=2)
    assert result.passed, [message(p) for p in result.all_problems()]  # type: ignore[attr-defined]


def test_fuzzy_compare_accepts_one_ulp(tmp_path: Path) -> None:
    test = """
        rule_files: [rules.yml]
        fuzzy_compare: {fuzzy}
        tests:
          - interval: 1m
            input_series:
              - series: m
                values: 0.30000000000000004
            promql_expr_test:
              - expr: m
                eval_time: 0m
                exp_samples:
                  - labels: m
                    value: 0.3
    """
    assert run(tmp_path, test.replace("{fuzzy}", "true")).passed  # type: ignore[attr-defined]
    assert not run(tmp_path, test.replace("{fuzzy}", "false")).passed  # type: ignore[attr-defined]


def test_run_filter_and_unmatched_rule_files(tmp_path: Path) -> None:
    test = """
        rule_files: [rules.yml, missing/*.yml]
        tests:
          - name: a
            input_series: []
          - name: b
            input_series: []
    """
    result = run(tmp_path, test, run=("^b$",))
    assert [g.name for g in result.groups] == ["b"]  # type: ignore[attr-defined]
    assert [message(p) for p in result.problems] == [  # type: ignore[attr-defined]
        "rule_files entry 'missing/*.yml' matches no file"]
    assert run(tmp_path, test, strict=False).passed  # type: ignore[attr-defined]


def test_failure_explains_the_alert_timeline(tmp_path: Path) -> None:
    result = run(tmp_path, """
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: m
                values: 0+1x10
            alert_rule_test:
              - alertname: Big
                eval_time: 8m
                exp_alerts: []
    """)
    (problem,) = result.all_problems()  # type: ignore[attr-defined]
    assert problem.where.line == 9  # the alert_rule_test entry (dedented file: line 1 is blank)
    # m > 5 first holds for m at 6m, i.e. at the 7m evaluation (query offset 1m); no `for`.
    assert "      7m  firing   {alertname=\"Big\", severity=\"page\", team=\"core\"}" in detail(problem)
    assert "+ firing, not expected:" in detail(problem)


def test_failed_checks_get_the_timeline_up_to_their_own_step(tmp_path: Path) -> None:
    # Alert tests read the live state; the timelines explaining failures come from a replay. Two
    # failures of one alert at 8m and 9m: each timeline ends at its check, and equals the one a
    # run recording every step (trace=True) keeps.
    test = """
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: m
                values: 0+1x10
            alert_rule_test:
              - alertname: Big
                eval_time: 8m
                exp_alerts: []
              - alertname: Big
                eval_time: 2m
                exp_alerts: []
              - alertname: Big
                eval_time: 9m
                exp_alerts: []
    """
    replayed = run(tmp_path, test)
    recorded = run(tmp_path, test, trace=True)
    cases = replayed.groups[0].cases  # type: ignore[attr-defined]
    # In the order checked: 2m (passes: m > 5 fires from the 7m evaluation), 8m, 9m.
    assert [(c.label, c.passed) for c in cases] == [("Big@2m", True), ("Big@8m", False), ("Big@9m", False)]
    timelines = [c.problem.timeline if c.problem else None for c in cases]
    assert [t.states[-1][0] if t else None for t in timelines] == [None, 8 * 60_000, 9 * 60_000]
    assert timelines == [c.problem.timeline if c.problem else None
                         for c in recorded.groups[0].cases]  # type: ignore[attr-defined]
    assert "      7m  firing" in detail(cases[1].problem)


def test_timelines_are_relative_to_start_timestamp(tmp_path: Path) -> None:
    # The same run starting at Unix time 1000: the explanation keeps times from the start, so the
    # firing evaluation is still shown at 7m (it was cut off, or shown at 1000s + 7m, before).
    result = run(tmp_path, """
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            start_timestamp: 1000
            input_series:
              - series: m
                values: 0+1x10
            alert_rule_test:
              - alertname: Big
                eval_time: 8m
                exp_alerts: []
    """)
    (problem,) = result.all_problems()  # type: ignore[attr-defined]
    assert "      7m  firing   {alertname=\"Big\", severity=\"page\", team=\"core\"}" in detail(problem)


def test_prometheus_rule_manifest(tmp_path: Path) -> None:
    write(tmp_path, "crd.yml", """
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: x}
        spec:
          groups:
            - name: g
              rules:
                - alert: Up
                  expr: up == 1
    """)
    tf = load_test_file(write(tmp_path, "t.yml", """
        rule_files: [crd.yml]
        tests:
          - interval: 1m
            input_series:
              - series: up
                values: 1
            alert_rule_test:
              - alertname: Up
                eval_time: 0m
                exp_alerts:
                  - exp_labels: {}
    """))
    assert run_test_file(tf, RunOptions(PROMETHEUS_3)).passed


def test_trace_keeps_inputs_timelines_and_expression_values(tmp_path: Path) -> None:
    result = run(tmp_path, """
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: m
                values: 0+1x3 stale
            alert_rule_test:
              - alertname: Big
                eval_time: 4m
                exp_alerts: []
            promql_expr_test:
              - expr: m
                eval_time: 2m
                exp_samples: [{labels: m, value: 2}]
    """, trace=True)
    (group,) = result.groups  # type: ignore[attr-defined]
    trace = group.trace
    (series,) = trace.inputs
    assert series.timestamps == (0, 60_000, 120_000, 180_000, 240_000)
    assert series.values == (0.0, 1.0, 2.0, 3.0, None)  # None: the stale marker
    (alert,) = trace.alerts
    assert alert.name == "Big" and alert.rules[0][0] == "m > 5"
    assert [t for t, _ in alert.timeline.states] == [0, 60_000, 120_000, 180_000, 240_000]
    (expr,) = trace.exprs
    # Evaluated on the grid around eval_time, never after the last evaluation (4m).
    assert [(t, [s.value for s in samples]) for t, samples in expr.points] == [
        (0, [0.0]), (60_000, [1.0]), (120_000, [2.0]), (180_000, [3.0]), (240_000, [])]
