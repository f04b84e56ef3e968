"""What Prometheus sends to Alertmanager and when (Prometheus 3.14 rules/alerting.go
needsSending/sendAlerts, rules/manager.go SendAlerts; reference §5). Expected times are worked
out by hand from those rules in each test."""

from __future__ import annotations

from ruletest.alertmanager.sending import EvalStep, RuleAlert, SendOptions, generator_url, posts, steps_from_outcome
from ruletest.rules.loader import LoadOptions, load_rule_text
from ruletest.rules.simulation import InputSeries, Simulation, SimulationOptions
from ruletest.semantics import PROMETHEUS_3

M = 60_000
LABELS = (("alertname", "A"), ("job", "api"))


def _firing(ts: int, fired: int = 0) -> EvalStep:
    return EvalStep(ts, (RuleAlert("A", LABELS, (), "firing", 0, fired),), M)


def test_firing_alert_is_resent_every_two_intervals_with_one_minute_resend_delay() -> None:
    # Sent when it fires (t=0); then when LastSentAt + 1m < ts, strictly: at 1m, 0+1m < 1m is
    # false, at 2m it is true. So 0, 2m, 4m, 6m.
    sent = posts([_firing(t * M) for t in range(7)])
    assert [p.ts_ms for p in sent] == [0, 2 * M, 4 * M, 6 * M]


def test_ends_at_is_four_times_the_larger_of_interval_and_resend_delay() -> None:
    p = posts([EvalStep(0, (RuleAlert("A", LABELS, (), "firing", 0, 0),), 30_000)],
              SendOptions(resend_delay_ms=2 * M))[0].alerts[0]
    assert (p.starts_at_ms, p.ends_at_ms) == (0, 8 * M)


def test_pending_is_never_sent_and_starts_at_is_when_it_fired() -> None:
    steps = [EvalStep(0, (RuleAlert("A", LABELS, (), "pending", 0),), M),
             EvalStep(M, (RuleAlert("A", LABELS, (), "pending", 0),), M),
             EvalStep(2 * M, (RuleAlert("A", LABELS, (), "firing", 0, 2 * M),), M)]
    sent = posts(steps)
    assert [(p.ts_ms, p.alerts[0].starts_at_ms) for p in sent] == [(2 * M, 2 * M)]


def test_resolved_alert_is_sent_at_once_then_with_the_resend_rule() -> None:
    resolved = RuleAlert("A", LABELS, (), "inactive", 0, 0, 3 * M)
    steps = [_firing(0), _firing(M), _firing(2 * M)] + [EvalStep(t * M, (resolved,), M) for t in range(3, 8)]
    sent = posts(steps)
    # Firing at 0 and 2m; resolved at 3m (ResolvedAt > LastSentAt), then 3m + 1m < ts: 5m, 7m.
    assert [(p.ts_ms, p.alerts[0].ends_at_ms) for p in sent] == [(0, 4 * M), (2 * M, 6 * M), (3 * M, 3 * M),
                                                                (5 * M, 3 * M), (7 * M, 3 * M)]


def test_external_labels_fill_only_missing_labels_and_generator_url() -> None:
    sent = posts([_firing(0)], SendOptions(external_labels={"job": "ext", "cluster": "c1"},
                                           external_url="http://prom:9090", exprs={"A": 'up{job="api"} == 0'}))
    a = sent[0].alerts[0]
    assert dict(a.labels) == {"alertname": "A", "job": "api", "cluster": "c1"}
    assert a.generator_url == "http://prom:9090/graph?g0.expr=up%7Bjob%3D%22api%22%7D+%3D%3D+0&g0.tab=1"
    assert generator_url("", "a b") == "/graph?g0.expr=a+b&g0.tab=1"


def test_timeline_from_the_rule_engine() -> None:
    rules = load_rule_text("groups:\n- name: g\n  interval: 1m\n  rules:\n  - alert: Down\n    expr: up == 0\n"
                           "    for: 2m\n    labels: {severity: page}\n", "r.yml", LoadOptions(PROMETHEUS_3))
    values = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]  # down from 0 to 3m, up from 4m
    up = InputSeries((("__name__", "up"), ("job", "api")), [i * M for i in range(6)], values)
    sim = Simulation(rules, [up], SimulationOptions(PROMETHEUS_3, M), record=(), record_groups=True)
    steps = [s for outcome in sim.run(0, 5 * M) for s in steps_from_outcome(outcome)]
    states = [(s.ts_ms, [(a.state, a.fired_at_ms, a.resolved_at_ms) for a in s.alerts]) for s in steps]
    assert states[2] == (2 * M, [("firing", 2 * M, None)])  # pending at 0 and 1m, fires at 2m (for: 2m)
    assert states[4] == (4 * M, [("inactive", 2 * M, 4 * M)])
    assert [(p.ts_ms, p.alerts[0].ends_at_ms) for p in posts(steps)] == [(2 * M, 6 * M), (4 * M, 4 * M)]
