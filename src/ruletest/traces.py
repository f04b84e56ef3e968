"""What a test group's run looked like, for reports that draw it (``RunOptions.trace``): the
inputs, each tested alerting rule's timeline and compared values, and the expression tests'
values around their eval_time. Built by :mod:`ruletest.report_trace`; a run without reports
never loads this module.
"""

from __future__ import annotations

from ruletest.promql.values import Labels, Sample
from ruletest.records import record
from ruletest.results import AlertTimeline, ExpectedAlert, Location


@record
class SeriesTrace:
    """One input series as the test loaded it; ``None`` values are stale markers."""

    labels: Labels
    timestamps: tuple[int, ...]
    values: tuple[float | None, ...]


@record
class ComparedTrace:
    """An alerting rule that compares a value with a constant (``x > 0.1``): the constant and the
    compared side at every evaluation, values that do not pass included (the rule's own result
    holds only those that do)."""

    rule: int  # index in AlertRuleTrace.rules
    expr: str  # the compared side
    op: str  # the comparison, with the compared side on the left
    threshold: float
    values: tuple[tuple[int, tuple[Sample, ...]], ...]  # (time ms, the compared side's result)


@record
class AlertCheckTrace:
    """An alert_rule_test entry: the evaluation it was checked against and what fired then
    (passed or not; a failure's expectation is in its AlertMismatch)."""

    case_id: str  # CaseResult.id
    eval_time_ms: int
    checked_at_ms: int  # relative to the group's start, like eval_time_ms
    firing: tuple[ExpectedAlert, ...]  # sorted (labels incl. alertname, rendered annotations)


@record
class StateCheckTrace:
    """An alert_state_test entry, for charts: the time it is about (``at``, a window's ``from``,
    the expected ``fires_at`` / ``resolves_at``) and a window's end, relative to the group's start."""

    case_id: str  # CaseResult.id
    t_ms: int
    end_ms: int | None
    expectation: str  # "HighErrorRate is pending from 15s to 2m"


@record
class AlertRuleTrace:
    """An alert name the group tests: its rules and what they did at every evaluation."""

    name: str
    rules: tuple[tuple[str, Location, int], ...]  # (expression, where, for in ms) of each rule with this name
    timeline: AlertTimeline
    compared: tuple[ComparedTrace, ...] = ()  # the rules that compare with a constant
    checks: tuple[AlertCheckTrace, ...] = ()  # the alert_rule_test entries for this name
    states: tuple[StateCheckTrace, ...] = ()  # the alert_state_test entries for this name


@record
class ExprTrace:
    """A promql_expr_test expression evaluated around its eval_time (for charts)."""

    expr: str
    eval_time_ms: int
    points: tuple[tuple[int, tuple[Sample, ...]], ...]  # (time, result) on the evaluation grid
    case_id: str = ""  # CaseResult.id


@record
class GroupTrace:
    """What a test group's run looked like, for reports that draw it (``RunOptions.trace``)."""

    start_ms: int
    end_ms: int
    evaluation_interval_ms: int
    inputs: tuple[SeriesTrace, ...]
    alerts: tuple[AlertRuleTrace, ...]
    exprs: tuple[ExprTrace, ...]
    input_interval_ms: int = 0  # the group's `interval`: input samples further apart leave a gap
