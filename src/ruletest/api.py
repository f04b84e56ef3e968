"""Python testing API: build series, evaluate rules over time, assert on alerts and queries.

    from ruletest.api import Scenario

    s = Scenario(["rules/recording_rules.yml", "rules/alerts.yml"], interval="15s")
    s.series('up{job="api", instance="a"}', "1x3 0x12")          # promtool notation
    s.series('veza_db_connections', [50, 50, 81, 81, 81])          # or Python values
    run = s.run(until="5m")
    assert run.firing("ServiceDown", at="2m") == [{"alertname": "ServiceDown", "job": "api", ...}]
    assert run.query("up", at="1m") == {'up{instance="a", job="api"}': 0.0}

Evaluation is the simulation ``ruletest test`` uses (:mod:`ruletest.rules.simulation`): rule
groups are evaluated every ``evaluation_interval`` in order, alerts move through pending and
firing, and the state at a time is the state of the last evaluation at or before it. The API is
as strict as the CLI: asking about an alert no rule defines, or about a time the run did not
reach, is an error, never an empty answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruletest.durations import parse_duration
from ruletest.errors import RuletestError
from ruletest.promql.values import STALE, Labels, Stale, format_labels, format_series, labels_from
from ruletest.rules.alerting import AlertState
from ruletest.rules.loader import LoadOptions, load_rule_file
from ruletest.rules.model import RuleGroup
from ruletest.rules.simulation import AlertSnapshot, InputSeries, Simulation, SimulationOptions
from ruletest.semantics import Semantics
from ruletest.series import SeriesValue, count_values, expand_values, parse_series_description

__all__ = ["Alert", "Run", "Scenario", "ScenarioError"]


class ScenarioError(RuletestError):
    """A scenario that cannot run (bad rules, bad series), an evaluation error, or a question
    the run cannot answer (an alert no rule defines, a time after ``until``)."""


def _ms(value: str | int | float) -> int:
    if isinstance(value, str):
        return parse_duration(value)
    return round(value * 1000)


@dataclass(frozen=True)
class Alert:
    """An active alert at a point in time."""

    labels: dict[str, str]
    annotations: dict[str, str]
    state: str  # "pending" or "firing"
    active_at_s: float
    value: float

    def __repr__(self) -> str:
        return f"Alert({self.state} {format_labels(labels_from(self.labels))} since {self.active_at_s:g}s)"


_Values = str | Iterable[float | str | None]


@dataclass
class Scenario:
    """Input series plus rule files; :meth:`run` evaluates them like promtool."""

    rule_files: Sequence[str | Path] = ()
    interval: str | int | float = "1m"  # step of input series
    evaluation_interval: str | int | float | None = None  # defaults to ``interval``
    prometheus: int = 3
    features: Sequence[str] = ()  # --enable-feature values
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    groups: list[RuleGroup] = field(default_factory=list)
    _series: list[tuple[Labels, _Values]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.semantics = Semantics.of(self.prometheus, self.features)
        opts = LoadOptions(self.semantics)
        for f in self.rule_files:
            self.groups.extend(load_rule_file(f, opts))

    def series(self, description: str, values: str | Iterable[float | str | None]) -> Scenario:
        """Add a series: ``values`` in promtool notation, or Python numbers (``None`` = missing,
        ``math.nan`` is a NaN sample; use the string ``"stale"`` for a stale marker). The notation
        is checked now and expanded when the scenario runs, as far as ``until`` needs (the same
        limits as ``ruletest test``)."""
        labels = parse_series_description(description)
        if isinstance(values, str):
            count_values(values)  # syntax errors now, not at run time
            self._series.append((labels, values))
        else:
            self._series.append((labels, list(values)))
        return self

    def run(self, until: str | int | float) -> Run:
        step = _ms(self.evaluation_interval if self.evaluation_interval is not None else self.interval)
        interval = _ms(self.interval)
        end = _ms(until)
        if step <= 0:
            raise ScenarioError("evaluation_interval must be positive")
        if interval <= 0:
            raise ScenarioError("interval must be positive")
        limit = end // interval + 1
        inputs = []
        for labels, values in self._series:
            expanded: Sequence[SeriesValue] = (
                expand_values(values, limit) if isinstance(values, str) else [_python_value(v) for v in values])
            ts: list[int] = []
            vs: list[float | Stale] = []
            for i, v in enumerate(expanded):
                if v is not None and i * interval <= end:
                    ts.append(i * interval)
                    vs.append(v)
            inputs.append(InputSeries(labels, ts, vs))
        sim = Simulation(self.groups, inputs, SimulationOptions(self.semantics, step, dict(self.external_labels),
                                                                self.external_url))
        run = Run(sim, step, end)
        for outcome in sim.run(0, end):
            if outcome.load_error is not None:
                raise ScenarioError(outcome.load_error)
            if outcome.errors:
                e = outcome.errors[0]
                raise ScenarioError(f"rule {e.rule.name} ({e.rule.where}) failed at {outcome.t / 1000:g}s: {e.message}")
        return run


def _python_value(v: float | str | None) -> SeriesValue:
    if v is None:
        return None
    if isinstance(v, str):
        if v == "stale":
            return STALE
        raise ScenarioError(f"unknown series value {v!r} (use a number, None or 'stale')")
    return float(v)


@dataclass
class Run:
    """The outcome of a scenario: alert states per evaluation, and queries on the final data."""

    simulation: Simulation
    step_ms: int
    until_ms: int

    def _check(self, name: str, at: str | int | float | None = None) -> int:
        known = self.simulation.alert_names()
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(f"no rule in the scenario defines alert {name!r}{hint}")
        if at is None:
            return self.until_ms
        t = _ms(at)
        if t > self.until_ms:
            raise ScenarioError(f"{at!r} is after the end of the run ({self.until_ms / 1000:g}s): "
                                "run the scenario further (until=...)")
        if t < 0:
            raise ScenarioError(f"{at!r} is before the start of the run")
        return t

    def _snapshots(self, name: str, t: int) -> list[AlertSnapshot]:
        chosen: tuple[AlertSnapshot, ...] = ()
        for step in self.simulation.history(name):
            if step.t > t:
                break
            chosen = step.alerts
        return [a for a in chosen if a.state != AlertState.INACTIVE]

    def alerts(self, name: str, at: str | int | float) -> list[Alert]:
        """Active (pending or firing) alerts of ``name`` at ``at``."""
        t = self._check(name, at)
        out = [Alert(dict(a.labels), dict(a.annotations), a.state.value, a.active_at_ms / 1000, a.value)
               for a in self._snapshots(name, t)]
        return sorted(out, key=lambda a: sorted(a.labels.items()))

    def firing(self, name: str, at: str | int | float) -> list[dict[str, str]]:
        """Label sets of the firing alerts of ``name`` at ``at`` (as promtool compares them)."""
        return [a.labels for a in self.alerts(name, at) if a.state == "firing"]

    def first_firing(self, name: str) -> float | None:
        """Seconds at which ``name`` first fired, or ``None`` if it never fired in the run."""
        self._check(name)
        for step in self.simulation.history(name):
            if any(a.state == AlertState.FIRING for a in step.alerts):
                return step.t / 1000
        return None

    def query(self, expr: str, at: str | int | float) -> dict[str, float]:
        """Evaluate ``expr`` at ``at``: ``{series: value}`` (``{}`` for a scalar's key)."""
        t = _ms(at)
        if t > self.until_ms:
            raise ScenarioError(f"{at!r} is after the end of the run ({self.until_ms / 1000:g}s)")
        samples = self.simulation.query(expr, t)
        return {format_series(s.labels) if s.labels else "{}": s.value for s in samples}
