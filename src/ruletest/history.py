"""What the simulation recorded for an alert name, in the shapes expectations and reports read:
lifecycle steps (for :mod:`ruletest.expectations`) and state timelines (for explanations)."""

from __future__ import annotations

from typing import Literal

from ruletest.expectations import InstanceState, Step
from ruletest.results import AlertInstanceState, AlertTimeline
from ruletest.rules.alerting import AlertState
from ruletest.rules.simulation import Simulation


def _active_state(s: AlertState) -> Literal["pending", "firing", "inactive"]:
    return "pending" if s == AlertState.PENDING else "firing" if s == AlertState.FIRING else "inactive"


def lifecycle_state(s: AlertState, resolved_at: int | None) -> Literal["pending", "firing", "inactive", "resolved"]:
    """An instance's lifecycle state; a resolved alert is kept (inactive) for 15 minutes."""
    if s == AlertState.INACTIVE and resolved_at is not None:
        return "resolved"
    return _active_state(s)


def lifecycle_steps(sim: Simulation, name: str, origin: int) -> list[Step]:
    """Every recorded evaluation of ``name``, at times relative to ``origin``."""
    return [(step.t - origin, [InstanceState(a.labels, lifecycle_state(a.state, a.resolved_at_ms), a.value)
                               for a in step.alerts])
            for step in sim.history(name)]


def alert_timeline(sim: Simulation, name: str, origin: int = 0, until: int | None = None) -> AlertTimeline:
    """What the rules named ``name`` did at each evaluation (up to the absolute time ``until``, when
    given), at times relative to ``origin``."""
    states = []
    values = []
    for step in sim.history(name):
        if until is not None and step.t > until:
            break
        states.append((step.t - origin, tuple(AlertInstanceState(a.labels, _active_state(a.state), a.value)
                                              for a in step.alerts)))
        values.append((step.t - origin, step.result))
    return AlertTimeline(tuple(states), tuple(values))
