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
from ruletest.expectations import (
    AlertPattern,
    alerts_match,
    check_lifecycle,
    first_time,
    selected,
    state_of,
    step_at,
    values_equal,
)
from ruletest.history import alert_timeline, lifecycle_steps
from ruletest.promql.values import STALE, Labels, Stale, format_labels, format_series, labels_from
from ruletest.promtool_format import format_matchers
from ruletest.reporting.explain import timeline_lines
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

    # --- lifecycle: the same checks as alert_state_test ---------------------------------------

    def state(self, name: str, at: str | int | float, labels: Mapping[str, str] | None = None,
              labels_re: Mapping[str, str] | None = None) -> str:
        """``inactive``, ``pending``, ``firing`` or ``resolved`` (fired, then resolved in the last 15
        minutes): the state of the instances of ``name`` with ``labels`` (a subset) at ``at``."""
        t = self._check(name, at)
        steps = lifecycle_steps(self.simulation, name, 0)
        i = step_at(steps, t)
        return "inactive" if i is None else state_of(selected(steps[i][1], labels or {}, labels_re or {}))

    def resolves_at(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        """Seconds at which the instances of ``name`` with ``labels`` first stop firing after
        having fired, or ``None``."""
        self._check(name)
        t = first_time(lifecycle_steps(self.simulation, name, 0), labels or {}, {}, "resolves")
        return None if t is None else t / 1000

    def assert_state(self, name: str, state: str, *, at: str | int | float | None = None,
                     between: tuple[str | int | float, str | int | float] | None = None,
                     labels: Mapping[str, str] | None = None, labels_re: Mapping[str, str] | None = None) -> None:
        """Assert the state of ``name`` at a time (``at=``), or at every evaluation of a window
        (``between=(start, end)``). Fails with the alert's state timeline."""
        if (at is None) == (between is None):
            raise ScenarioError("assert_state needs exactly one of at= and between=")
        if at is not None:
            t = self._check(name, at)
            self._lifecycle(name, f"{name} is {state} at {at}", labels, labels_re, at=t, state=state)
        else:
            assert between is not None
            start, end = self._check(name, between[0]), self._check(name, between[1])
            self._lifecycle(name, f"{name} is {state} between {between[0]} and {between[1]}", labels, labels_re,
                            start=start, end=end, state=state)

    def assert_never(self, name: str, state: str = "firing", *,
                     between: tuple[str | int | float, str | int | float] | None = None,
                     labels: Mapping[str, str] | None = None, labels_re: Mapping[str, str] | None = None) -> None:
        """Assert that ``name`` is never ``state`` (firing or pending) in a window (default: the run)."""
        start, end = (self._check(name, between[0]), self._check(name, between[1])) if between else (0, self.until_ms)
        self._lifecycle(name, f"{name} is never {state}" + (f" between {between[0]} and {between[1]}" if between else ""),
                        labels, labels_re, start=start, end=end, never=state)

    def assert_fires_at(self, name: str, at: str | int | float, *, labels: Mapping[str, str] | None = None) -> None:
        """Assert that ``name`` first fires at the evaluation step of ``at``."""
        self._lifecycle(name, f"{name} first fires at {at}", labels, None, fires_at=self._check(name, at))

    def assert_resolves_at(self, name: str, at: str | int | float, *, labels: Mapping[str, str] | None = None) -> None:
        """Assert that ``name`` first stops firing (after having fired) at the evaluation step of ``at``."""
        self._lifecycle(name, f"{name} resolves at {at}", labels, None, resolves_at=self._check(name, at))

    def _lifecycle(self, name: str, expectation: str, labels: Mapping[str, str] | None,
                   labels_re: Mapping[str, str] | None, **when: object) -> None:
        steps = lifecycle_steps(self.simulation, name, 0)
        try:
            check = check_lifecycle(steps, self.step_ms, labels or {}, labels_re or {}, **when)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
        if not check.ok:
            timeline = "\n".join(timeline_lines(alert_timeline(self.simulation, name), self.until_ms))
            raise AssertionError(f"expected {expectation}{format_matchers(dict(labels or {}), dict(labels_re or {}))}: "
                                 f"{check.message}\n{timeline}")

    # --- matching: the same rules as alert_rule_test / promql_expr_test additions --------------

    def assert_firing(self, name: str, at: str | int | float, expected: Sequence[Mapping[str, str]], *,
                      subset: bool = False, count: int | None = None,
                      labels_re: Sequence[Mapping[str, str]] | None = None) -> None:
        """Assert the firing alerts of ``name`` at ``at``: ``expected`` label sets (``alertname``
        may be left out), with ``subset=True`` only the listed labels must match; ``count`` the
        number of firing alerts; ``labels_re`` per expected alert, values matching RE2 regexes."""
        t = self._check(name, at)
        got = sorted((a.labels, a.annotations) for a in self._snapshots(name, t) if a.state == AlertState.FIRING)
        regexes = list(labels_re or [{} for _ in expected])
        patterns = [AlertPattern({k: v for k, v in e.items() if k != "alertname"}, {}, r)
                    for e, r in zip(expected, regexes, strict=True)]
        # Annotations are not compared here; patterns list none, so only label subsets matter for them.
        ok = alerts_match(patterns, [(labels, ()) for labels, _ in got], subset=subset, count=count)
        if not ok:
            shown = "\n".join(f"  {format_labels(labels)}" for labels, _ in got) or "  (none)"
            raise AssertionError(f"firing {name} alerts at {at} do not match {list(expected)}"
                                 f"{' (subset)' if subset else ''}{f', count {count}' if count is not None else ''};"
                                 f" firing:\n{shown}\n" + "\n".join(timeline_lines(alert_timeline(self.simulation, name), t)))

    def assert_query(self, expr: str, at: str | int | float, expected: Mapping[str, float], *, tolerance: float = 0.0,
                     relative_tolerance: float = 0.0, nan_equal: bool = True) -> None:
        """Assert ``query(expr, at)`` equals ``expected`` (series notation -> value), within a
        tolerance; NaN equals NaN unless ``nan_equal=False``."""
        got = self.query(expr, at)
        keys_ok = set(got) == set(expected)
        ok = keys_ok and all(values_equal(expected[k], got[k], tolerance=tolerance, relative=relative_tolerance,
                                          nan_equal=nan_equal) for k in expected)
        if not ok:
            raise AssertionError(f"{expr} at {at}: expected {dict(expected)}, got {got}"
                                 + (f" (tolerance {tolerance:g})" if tolerance else "")
                                 + (f" (relative tolerance {relative_tolerance:g})" if relative_tolerance else ""))
