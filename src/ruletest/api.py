"""Python testing API: build series, evaluate rules over time, assert on alerts and queries.

    from ruletest.api import Scenario

    s = Scenario(["rules/recording_rules.yml", "rules/alerts.yml"], interval="15s")
    s.series('up{job="api", instance="a"}', "1x3 0x12")          # promtool notation
    s.series('veza_db_connections', [50, 50, 81, 81, 81])          # or Python values
    run = s.run(until="5m")
    assert run.firing("ServiceDown", at="2m") == [{"alertname": "ServiceDown", "job": "api", ...}]
    assert run.query("up", at="1m") == {'up{instance="a", job="api"}': 0.0}

Evaluation follows ``promtool test rules`` (see :mod:`ruletest.runner`): rule groups are
evaluated every ``evaluation_interval`` in order, alerts move through pending and firing, and
the state at a time is the state of the last evaluation at or before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruletest.durations import parse_duration
from ruletest.errors import RuletestError
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import Labels, format_labels, format_series, labels_from
from ruletest.rules.alerting import AlertState, TemplateEnv
from ruletest.rules.group import GroupState, query_vector
from ruletest.rules.loader import LoadOptions, load_rule_file
from ruletest.rules.model import RuleGroup
from ruletest.series import STALE, SeriesValue, expand_values, parse_series_description

__all__ = ["Alert", "Run", "Scenario", "ScenarioError"]


class ScenarioError(RuletestError):
    """A scenario that cannot run (bad rules, bad series) or an evaluation error."""


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


@dataclass
class Scenario:
    """Input series plus rule files; :meth:`run` evaluates them like promtool."""

    rule_files: Sequence[str | Path] = ()
    interval: str | int | float = "1m"  # step of input series
    evaluation_interval: str | int | float | None = None  # defaults to ``interval``
    prometheus: int = 3
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    groups: list[RuleGroup] = field(default_factory=list)
    _series: list[tuple[Labels, tuple[SeriesValue, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        opts = LoadOptions(prometheus=self.prometheus)
        for f in self.rule_files:
            self.groups.extend(load_rule_file(f, opts))

    def series(self, description: str, values: str | Iterable[float | str | None]) -> Scenario:
        """Add a series: ``values`` in promtool notation, or Python numbers (``None`` = missing,
        ``math.nan`` is a NaN sample; use the string ``"stale"`` for a stale marker)."""
        labels = parse_series_description(description)
        if isinstance(values, str):
            expanded = expand_values(values)
        else:
            expanded = tuple(STALE if isinstance(v, str) and v == "stale" else (None if v is None else float(v))
                             for v in values)
        self._series.append((labels, expanded))
        return self

    def run(self, until: str | int | float) -> Run:
        step = _ms(self.evaluation_interval if self.evaluation_interval is not None else self.interval)
        interval = _ms(self.interval)
        end = _ms(until)
        if step <= 0:
            raise ScenarioError("evaluation_interval must be positive")
        storage = Storage()
        pending: list[tuple[Labels, list[tuple[int, SeriesValue]]]] = []
        for labels, values in self._series:
            pending.append((labels, [(i * interval, v) for i, v in enumerate(values) if v is not None]))
        engine = Engine(storage, EngineOptions(prometheus=self.prometheus, default_step_ms=step))
        env = TemplateEnv(dict(self.external_labels), self.external_url, self.prometheus)
        states = [GroupState.create(g, self.prometheus) for g in self.groups]
        run = Run(engine, step)
        positions = [0] * len(pending)
        ts = 0
        while ts <= end:
            for i, (labels, samples) in enumerate(pending):
                p = positions[i]
                while p < len(samples) and samples[p][0] <= ts:
                    t, v = samples[p]
                    storage.append(labels, t, v)  # type: ignore[arg-type]
                    p += 1
                positions[i] = p
            for st in states:
                errors = st.eval(ts, engine, storage, env)
                if errors:
                    e = errors[0]
                    raise ScenarioError(f"rule {e.rule.name} ({e.rule.where}) failed at {ts / 1000:g}s: {e.message}")
            snapshot: dict[str, list[Alert]] = {}
            for st in states:
                for a in st.alerts.values():
                    for x in a.active.values():
                        if x.state == AlertState.INACTIVE:
                            continue
                        snapshot.setdefault(a.rule.name, []).append(Alert(
                            dict(x.labels), dict(x.annotations), x.state.value, x.active_at / 1000, x.value))
            run.steps.append((ts, snapshot))
            ts += step
        return run


@dataclass
class Run:
    """The outcome of a scenario: alert states per evaluation, and queries on the final data."""

    engine: Engine
    step_ms: int
    steps: list[tuple[int, dict[str, list[Alert]]]] = field(default_factory=list)

    def _at(self, at: str | int | float) -> dict[str, list[Alert]]:
        t = _ms(at)
        chosen: dict[str, list[Alert]] = {}
        for ts, snap in self.steps:
            if ts > t:
                break
            chosen = snap
        return chosen

    def alerts(self, name: str, at: str | int | float) -> list[Alert]:
        """Active (pending or firing) alerts of ``name`` at ``at``."""
        return sorted(self._at(at).get(name, []), key=lambda a: sorted(a.labels.items()))

    def firing(self, name: str, at: str | int | float) -> list[dict[str, str]]:
        """Label sets of the firing alerts of ``name`` at ``at`` (as promtool compares them)."""
        return [a.labels for a in self.alerts(name, at) if a.state == "firing"]

    def first_firing(self, name: str) -> float | None:
        """Seconds at which ``name`` first fired, or ``None``."""
        for ts, snap in self.steps:
            if any(a.state == "firing" for a in snap.get(name, [])):
                return ts / 1000
        return None

    def query(self, expr: str, at: str | int | float) -> dict[str, float]:
        """Evaluate ``expr`` at ``at``: ``{series: value}`` (``{}`` for a scalar's key)."""
        samples = query_vector(self.engine, self.engine.parse(expr), _ms(at))
        return {format_series(s.labels) if s.labels else "{}": s.value for s in samples}

