"""What reports draw of a test group's run: its own trace (:func:`run_trace`), then the value each
tested alerting rule compares with its threshold at every evaluation, what fired at the
evaluation each alert test was checked against, where each alert_state_test sits, and which
case each trace belongs to.

Computed after the run from the same simulation (only when ``RunOptions.trace`` asks for it).
"""

from __future__ import annotations

from dataclasses import replace

from ruletest.errors import RuletestError
from ruletest.history import alert_timeline
from ruletest.promql import ast
from ruletest.promtool_format import StateTest, TestFile, TestGroup, case_refs
from ruletest.results import Location
from ruletest.rules.alerting import AlertState
from ruletest.rules.group import query_vector
from ruletest.rules.model import RuleGroup
from ruletest.rules.simulation import InputSeries, RuleStep, Simulation
from ruletest.rules.threshold import find_threshold
from ruletest.semantics import Semantics
from ruletest.traces import AlertCheckTrace, AlertRuleTrace, ComparedTrace, ExprTrace, GroupTrace, SeriesTrace, StateCheckTrace


def run_trace(tf: TestFile, tg: TestGroup, sim: Simulation, inputs: list[InputSeries], mint: int,
              maxt: int) -> GroupTrace:
    """The run's own trace: its inputs, the tested alerts' timelines, and each expression test's
    value at the evaluations around its eval_time."""
    step = tf.evaluation_interval_ms
    alerts = []
    names = list(dict.fromkeys([at.alertname for at in tg.alert_tests] + [st.alertname for st in tg.state_tests]))
    if tg.notification_tests:  # the alerts that were pending or firing at some step, so could be sent
        names += sorted(n for n in sim.alert_names() - set(names)
                        if any(a.state != AlertState.INACTIVE for h in sim.history(n) for a in h.alerts))
    for name in names:
        rules = tuple((r.expr, Location(r.file, r.line), r.for_ms) for r in sim.rules() if r.is_alert and r.name == name)
        alerts.append(AlertRuleTrace(name, rules, alert_timeline(sim, name)))
    exprs = []
    for et in tg.expr_tests:
        points = []
        t0 = mint + et.eval_time_ms
        for k in range(-10, 11):  # ten evaluation steps either side of eval_time
            t = t0 + k * step
            if t < mint or t > maxt or (step <= 0 and k != 0):
                continue  # the simulation has data (and rule outputs) only up to the last evaluation
            try:
                points.append((t, tuple(s for s in sim.query(et.expr, t) if s.histogram is None)))
            except RuletestError:
                break
        exprs.append(ExprTrace(et.expr, et.eval_time_ms, tuple(points)))
    series = tuple(SeriesTrace(s.labels, tuple(s.timestamps),
                               # Charts draw floats: stale markers and native histograms are gaps.
                               tuple(v if isinstance(v, float) else None for v in s.values)) for s in inputs)
    # The rules may have run on past the last time the test names (alert_state_test's fires_at and
    # resolves_at, notification tests): the charts show the whole run.
    end = max(maxt, sim.last_time if sim.last_time is not None else maxt)
    return GroupTrace(mint, end, step, series, tuple(alerts), tuple(exprs))


def for_report(trace: GroupTrace, tg: TestGroup, sim: Simulation, rule_groups: list[RuleGroup],
               input_interval_ms: int, semantics: Semantics) -> GroupTrace:
    refs = case_refs(tg)
    alert_ids = [r.id for r in refs if r.kind == "alert"]
    expr_ids = [r.id for r in refs if r.kind == "expr"]
    state_ids = [r.id for r in refs if r.kind == "state"]
    offsets = {id(r): g.query_offset_ms for g in rule_groups for r in g.rules}
    alerts = []
    for a in trace.alerts:
        named = [r for r in sim.rules() if r.is_alert and r.name == a.name]
        history = sim.history(a.name)
        times = [s.t for s in history]
        compared = tuple(c for i, r in enumerate(named)
                         if (c := _compared(sim, i, r.expr, times, offsets.get(id(r), 0), semantics)) is not None)
        checks = tuple(_check(alert_ids[i], at.eval_time_ms, history, trace.start_ms)
                       for i, at in enumerate(tg.alert_tests) if at.alertname == a.name)
        states = tuple(StateCheckTrace(state_ids[i], _state_time(st), st.to_ms, st.describe())
                       for i, st in enumerate(tg.state_tests) if st.alertname == a.name)
        alerts.append(replace(a, compared=compared, checks=checks, states=states))
    exprs = tuple(replace(e, case_id=expr_ids[i]) for i, e in enumerate(trace.exprs))
    return replace(trace, alerts=tuple(alerts), exprs=exprs, input_interval_ms=input_interval_ms)


def _compared(sim: Simulation, index: int, expr: str, times: list[int], offset: int,
              semantics: Semantics) -> ComparedTrace | None:
    """The side of the rule's comparison with a constant, at every evaluation time of the run.
    Evaluated after the run, over the same storage: instant and range selectors at ``t`` read
    only samples up to ``t``, as during the run (a negative ``offset`` or ``@`` could read later
    ones; charts of such rules may show what the rule could not see yet)."""
    try:
        threshold = find_threshold(ast.parse(expr, semantics.version))
    except RuletestError:
        return None
    if threshold is None:
        return None
    values = []
    for t in times:
        try:
            values.append((t, tuple(query_vector(sim.engine, threshold.compared, t - offset))))
        except RuletestError:
            break  # the rule failed here too: the run reports it
    return ComparedTrace(index, ast.to_promql(threshold.compared), threshold.op, threshold.value, tuple(values))


def _check(case_id: str, eval_time: int, history: list[RuleStep], mint: int) -> AlertCheckTrace:
    """What fired at the evaluation an alert test is checked against: the last one at or before
    its eval_time (as the runner checks)."""
    at = None
    for s in history:
        if s.t - mint > eval_time:
            break
        at = s
    if at is None:
        return AlertCheckTrace(case_id, eval_time, eval_time, ())
    firing = tuple(sorted((a.labels, a.annotations) for a in at.alerts if a.state == AlertState.FIRING))
    return AlertCheckTrace(case_id, eval_time, at.t - mint, firing)


def _state_time(st: StateTest) -> int:
    """Where an alert_state_test sits on the time axis."""
    return next(t for t in (st.at_ms, st.from_ms, st.fires_at_ms, st.resolves_at_ms, 0) if t is not None)
