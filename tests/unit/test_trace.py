"""The run trace reports draw from (``RunOptions(trace=True)``): thresholds found in alerting
expressions, the compared side at every step, what each alert test was checked against.
Expected values are worked out by hand in the comments."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ruletest.promql.ast import parse, to_promql
from ruletest.promtool_format import load_test_file
from ruletest.results import AlertMismatch, FileResult
from ruletest.rules.threshold import find_threshold
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import Semantics


@pytest.mark.parametrize(("expr", "compared", "op", "value"), [
    ("m > 5", "m", ">", 5.0),
    ("rate(x[5m]) >= 0.1", "rate(x[5m])", ">=", 0.1),
    ("0.1 < rate(x[5m])", "rate(x[5m])", ">", 0.1),  # seen from the compared side
    ("(up == 0)", "up", "==", 0.0),
    ("m < -(3)", "m", "<", -3.0),
    ("sum by (job) (m) > 5 and on (job) n", "sum by (job) (m)", ">", 5.0),  # `and` keeps the left values
    ("m > 5 unless n", "m", ">", 5.0),
    ("count(m > 5) > 3", "count(m > 5)", ">", 3.0),
])
def test_threshold_of_a_comparison_with_a_constant(expr: str, compared: str, op: str, value: float) -> None:
    th = find_threshold(parse(expr))
    assert th is not None
    assert (to_promql(th.compared), th.op, th.value) == (compared, op, value)


@pytest.mark.parametrize("expr", ["m", "m > n", "m > bool 5", "m > 5 or n > 3", "absent(m)", "m * 100", "vector(1) < m"])
def test_no_threshold(expr: str) -> None:
    assert find_threshold(parse(expr)) is None


RULES = """
groups:
  - name: g
    query_offset: 1m
    rules:
      - alert: Big
        expr: m > 5
        labels:
          severity: page
        annotations:
          summary: "m is {{ $value }}"
"""

TEST = """
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - name: grid
    interval: 1m
    input_series:
      - series: m
        values: 0+1x10
    alert_rule_test:
      - alertname: Big
        eval_time: 6m30s
        exp_alerts: []
      - alertname: Big
        eval_time: 8m
        exp_alerts: []
    promql_expr_test:
      - expr: m * 2
        eval_time: 3m
        exp_samples:
          - labels: '{}'
            value: 6
"""


def traced(tmp: Path) -> FileResult:
    (tmp / "rules.yml").write_text(textwrap.dedent(RULES))
    (tmp / "t.yml").write_text(textwrap.dedent(TEST))
    return run_test_file(load_test_file(tmp / "t.yml"), RunOptions(Semantics.of(3), trace=True))


def test_trace_holds_compared_values_checks_and_case_ids(tmp_path: Path) -> None:
    g = traced(tmp_path).groups[0]
    tr = g.trace
    assert tr is not None
    assert (tr.start_ms, tr.end_ms, tr.evaluation_interval_ms, tr.input_interval_ms) == (0, 480_000, 60_000, 60_000)
    (alert,) = tr.alerts
    (cmp,) = alert.compared
    assert (cmp.rule, cmp.expr, cmp.op, cmp.threshold) == (0, "m", ">", 5.0)
    # query_offset 1m: the evaluation at k minutes reads m at k-1 minutes, which is k-1 (m
    # has nothing before 0, so the first evaluation sees nothing).
    values = {t: [s.value for s in samples] for t, samples in cmp.values}
    assert values[0] == []
    assert all(values[k * 60_000] == [k - 1.0] for k in range(1, 9))
    # Checks: 6m30s is checked against the 6m evaluation (m(5m) = 5, not > 5: nothing);
    # at 8m m(7m) = 7 > 5, and without `for` the alert fires at once, with its annotation.
    first, second = alert.checks
    assert (first.case_id, first.eval_time_ms, first.checked_at_ms, first.firing) == ("grid::Big@6m30s", 390_000,
                                                                                      360_000, ())
    assert second.case_id == "grid::Big@8m"
    assert second.firing == (((("alertname", "Big"), ("severity", "page")), (("summary", "m is 7"),)),)
    failed = next(c for c in g.cases if c.id == "grid::Big@8m")
    assert isinstance(failed.problem, AlertMismatch) and failed.problem.got == second.firing
    (expr,) = tr.exprs
    assert expr.case_id == "grid::m * 2@3m"
    # Ten steps either side of 3m, within the run (0 .. 8m): 0m .. 8m.
    assert [t for t, _ in expr.points] == [k * 60_000 for k in range(9)]
    assert [s.value for s in dict(expr.points)[180_000]] == [6.0]


def test_no_trace_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(textwrap.dedent(RULES))
    (tmp_path / "t.yml").write_text(textwrap.dedent(TEST))
    result = run_test_file(load_test_file(tmp_path / "t.yml"), RunOptions(Semantics.of(3)))
    assert result.groups[0].trace is None
