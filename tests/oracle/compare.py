"""Evaluate the same cases with ruletest and compare with promtool's answers."""

from __future__ import annotations

from dataclasses import dataclass

from ruletest.errors import RuletestError
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import Scalar, Vector
from ruletest.semantics import Semantics
from ruletest.series import parse_series

from .outcomes import same_samples
from .promtool import OracleResult


def load(series: list[tuple[str, str]], interval_ms: int) -> Storage:
    storage = Storage()
    for desc, values in series:
        spec = parse_series(desc, values)
        storage.add_series(spec.labels, spec.values, 0, interval_ms)
    return storage


@dataclass(frozen=True)
class Ours:
    samples: tuple[tuple[tuple[tuple[str, str], ...], float], ...] | None
    error: str | None = None


def evaluate(engine: Engine, expr: str, t: int) -> Ours:
    try:
        value = engine.query(expr, t)
    except RuletestError as exc:
        return Ours(None, str(exc))
    if isinstance(value, Scalar):
        return Ours(((((), value.value)),))
    if isinstance(value, Vector):
        return Ours(tuple(sorted((s.labels, s.value) for s in value.samples)))
    return Ours(None, f"result is a {type(value).__name__}")


def agree(expr: str, ours: Ours, theirs: OracleResult) -> bool:
    """Same answer, allowing only for promtool's own non-determinism (see outcomes.same_samples)."""
    if theirs.samples is None or ours.samples is None:
        return theirs.samples is None and ours.samples is None
    return same_samples(expr, ours.samples, theirs.samples)


def engine_for(series: list[tuple[str, str]], interval_ms: int, prometheus: int = 2) -> Engine:
    return Engine(load(series, interval_ms), EngineOptions(Semantics.of(prometheus), default_step_ms=60_000))
