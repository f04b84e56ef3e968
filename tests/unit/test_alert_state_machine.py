"""The alert state machine on its own (rules/alerting.go's Eval), fed expression results by hand.

Expected states follow Prometheus' rules: an alert is pending from the first evaluation that
returns it, firing once ``ts - activeAt >= for``, inactive (resolved, kept 15 minutes) when the
expression stops returning it, unless ``keep_firing_for`` holds a firing alert."""

from __future__ import annotations

from ruletest.promql.values import Sample
from ruletest.rules.alerting import AlertingRuleState, AlertState, TemplateEnv
from ruletest.rules.model import Rule
from ruletest.semantics import PROMETHEUS_3

MIN = 60_000
ENV = TemplateEnv({}, "", PROMETHEUS_3)
HIT = [Sample((("__name__", "up"), ("job", "a")), 0.0)]


def rule(for_ms: int = 0, keep_firing_for_ms: int = 0) -> Rule:
    return Rule("alert", "Down", "up == 0", (("severity", "page"),), (("summary", "{{ $labels.job }} down"),),
                for_ms, keep_firing_for_ms, "r.yml", "g", 1, 2, 0)


def states(st: AlertingRuleState) -> list[tuple[str, int | None]]:
    return [(a.state.value, a.resolved_at) for a in st.instances()]


def test_pending_then_firing_after_for() -> None:
    st = AlertingRuleState(rule(for_ms=2 * MIN))
    for t in (0, MIN):
        st.eval(HIT, t, t, ENV, 0, None)
        assert states(st) == [("pending", None)]
    st.eval(HIT, 2 * MIN, 2 * MIN, ENV, 0, None)  # 2m - 0 >= for
    (a,) = st.instances()
    assert a.state == AlertState.FIRING and a.fired_at == 2 * MIN and a.active_at == 0


def test_zero_for_fires_at_the_first_evaluation() -> None:
    st = AlertingRuleState(rule())
    out = st.eval(HIT, 0, 0, ENV, 0, None)
    assert states(st) == [("firing", None)]
    # ALERTS{alertstate="firing"} and ALERTS_FOR_STATE (value: activeAt in seconds).
    assert sorted((dict(s.labels)["__name__"], s.value) for s in out) == [("ALERTS", 1.0), ("ALERTS_FOR_STATE", 0.0)]


def test_pending_alert_that_disappears_is_forgotten() -> None:
    st = AlertingRuleState(rule(for_ms=5 * MIN))
    st.eval(HIT, 0, 0, ENV, 0, None)
    st.eval([], MIN, MIN, ENV, 0, None)
    assert st.instances() == []


def test_resolved_alert_is_kept_fifteen_minutes() -> None:
    st = AlertingRuleState(rule())
    st.eval(HIT, 0, 0, ENV, 0, None)
    st.eval([], MIN, MIN, ENV, 0, None)
    assert states(st) == [("inactive", MIN)]
    st.eval([], 16 * MIN, 16 * MIN, ENV, 0, None)  # 16m - 1m = 15m: not more than 15m yet
    assert states(st) == [("inactive", MIN)]
    st.eval([], 17 * MIN, 17 * MIN, ENV, 0, None)
    assert st.instances() == []


def test_keep_firing_for() -> None:
    st = AlertingRuleState(rule(keep_firing_for_ms=2 * MIN))
    st.eval(HIT, 0, 0, ENV, 0, None)
    st.eval([], MIN, MIN, ENV, 0, None)  # keepFiringSince = 1m
    st.eval([], 2 * MIN, 2 * MIN, ENV, 0, None)  # 2m - 1m < 2m: still firing
    assert states(st) == [("firing", None)]
    st.eval([], 3 * MIN, 3 * MIN, ENV, 0, None)  # 3m - 1m = 2m: resolves
    assert states(st) == [("inactive", 3 * MIN)]


def test_annotations_are_expanded_when_read() -> None:
    st = AlertingRuleState(rule())
    st.eval(HIT, 0, 0, ENV, 0, None)
    (a,) = st.instances()
    assert a.annotations == (("summary", "a down"),)
    assert a.labels == (("alertname", "Down"), ("job", "a"), ("severity", "page"))


def test_limit_counts_active_alerts() -> None:
    import pytest

    from ruletest.errors import PromQLEvalError

    st = AlertingRuleState(rule())
    two = [*HIT, Sample((("__name__", "up"), ("job", "b")), 0.0)]
    with pytest.raises(PromQLEvalError, match="exceeded limit of 1 with 2 alerts"):
        st.eval(two, 0, 0, ENV, 1, None)
