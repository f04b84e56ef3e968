"""Evaluate the same cases with ruletest and compare with promtool's answers."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ruletest.errors import RuletestError
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import Scalar, Vector
from ruletest.semantics import Semantics
from ruletest.series import parse_series

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


# promtool loads input series from a Go map, so the order in which an aggregation visits series
# (and which of several tied series topk/bottomk keeps) changes from run to run: sums can differ
# in the last bits between two promtool runs. Go's math library also differs from C's libm by an
# ulp for transcendental functions. Only for those expressions is a 1e-12 relative tolerance
# allowed; everything else must match bit for bit.
_ORDER_DEPENDENT = re.compile(r"\b(sum|avg|stddev|stdvar|quantile|count_values)\b\s*(by|without|\()")
_TRANSCENDENTAL = re.compile(
    r"\b(exp|ln|log2|log10|sin|cos|tan|asin|acos|atan|sinh|cosh|tanh|asinh|acosh|atanh|atan2|deg|rad)\b|\^")
_TIES = re.compile(r"\b(topk|bottomk)\b")


def same_float(a: float, b: float, rel_tol: float) -> bool:
    if (math.isnan(a) and math.isnan(b)) or a == b:
        return True
    return rel_tol > 0 and math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-15)


def agree(expr: str, ours: Ours, theirs: OracleResult) -> bool:
    if theirs.samples is None or ours.samples is None:
        return theirs.samples is None and ours.samples is None
    order, trans = bool(_ORDER_DEPENDENT.search(expr)), bool(_TRANSCENDENTAL.search(expr))
    # An ulp from a transcendental function, then a cancelling sum, can grow to ~1e-7.
    tolerant = 1e-6 if order and trans else 1e-12 if order or trans else 0.0
    if _TIES.search(expr):
        # Tied values make the kept series depend on promtool's series order: compare values.
        va = sorted(v for _, v in ours.samples if not math.isnan(v))
        vb = sorted(v for _, v in theirs.samples if not math.isnan(v))
        na = sum(1 for _, v in ours.samples if math.isnan(v))
        nb = sum(1 for _, v in theirs.samples if math.isnan(v))
        return na == nb and len(va) == len(vb) and all(
            same_float(x, y, tolerant) for x, y in zip(va, vb, strict=True))
    a = sorted(ours.samples)
    b = sorted(theirs.samples)
    if len(a) != len(b):
        return False
    return all(la == lb and same_float(va, vb, tolerant) for (la, va), (lb, vb) in zip(a, b, strict=True))


def engine_for(series: list[tuple[str, str]], interval_ms: int, prometheus: int = 2) -> Engine:
    return Engine(load(series, interval_ms), EngineOptions(Semantics.of(prometheus), default_step_ms=60_000))
