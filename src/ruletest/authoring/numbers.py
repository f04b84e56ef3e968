"""Short, exact decimal numbers for thresholds and series values people read."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal


def fmt(v: float) -> str:
    """A float as the shortest text that reads back as the same float (``80``, ``0.09``, ``1e-06``)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def round_sig(v: float, digits: int, rounding: str = ROUND_HALF_EVEN) -> float:
    """``v`` rounded to ``digits`` significant decimal digits (``rounding`` from :mod:`decimal`)."""
    if v == 0 or not math.isfinite(v):
        return v
    d = Decimal(v)
    return float(d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=rounding))


def nice(v: float) -> float:
    """``v`` without float noise: ``0.1 * 0.9`` is ``0.09``, not ``0.09000000000000001``."""
    return round_sig(v, 12)


def shortest_near(v: float, ok: Callable[[float], bool]) -> float | None:
    """The decimal with the fewest significant digits for which ``ok`` holds, the closest to ``v``
    among those: ``4`` just below ``5``, ``0.12`` just above ``0.11``."""
    if v == 0 or not math.isfinite(v):
        return next((c for c in (v, 1.0, -1.0) if math.isfinite(c) and ok(c)), None)
    d = Decimal(v)
    for digits in range(1, 18):
        unit = Decimal(1).scaleb(d.adjusted() - digits + 1)
        base = d.quantize(unit, rounding=ROUND_FLOOR)
        found = [float(base + k * unit) for k in (-1, 0, 1, 2)]
        good = [c for c in found if ok(c)]
        if good:
            return min(good, key=lambda c: (abs(c - v), c))
    for c in (math.nextafter(v, math.inf), math.nextafter(v, -math.inf)):
        if ok(c):
            return c
    return None
