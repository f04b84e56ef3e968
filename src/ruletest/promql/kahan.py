"""Kahan-Neumaier compensated summation, as ``kahansum.Inc`` in Prometheus 3."""

from __future__ import annotations

import math


def kahan_inc(inc: float, total: float, comp: float) -> tuple[float, float]:
    """Add ``inc`` to ``total`` with compensation ``comp``; returns the new (total, comp)."""
    t = total + inc
    if math.isinf(t):
        comp = 0.0
    elif abs(total) >= abs(inc):
        comp += (total - t) + inc
    else:
        comp += (inc - t) + total
    return t, comp


def kahan_sum(values: list[float] | tuple[float, ...]) -> float:
    total, comp = 0.0, 0.0
    for v in values:
        total, comp = kahan_inc(v, total, comp)
    if math.isinf(total):
        return total
    return total + comp
