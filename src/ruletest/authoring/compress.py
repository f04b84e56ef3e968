"""Sample values → promtool's expanding notation (``0+15x20 _x3 7x10``), exactly.

promtool expands ``a+bxn`` by adding ``b`` to ``a`` ``n`` times in floating point, so a run is only
written that way when that repeated addition gives back every value bit for bit; anything else is
written value by value. ``_xn`` stands for ``n`` missing samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ruletest.authoring.numbers import fmt


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _run(values: Sequence[float | None], i: int) -> tuple[int, float]:
    """How many values after ``i`` continue a constant-step run from it, and that step."""
    first = values[i]
    assert first is not None
    if i + 1 >= len(values) or values[i + 1] is None:
        return 0, 0.0
    second = values[i + 1]
    assert second is not None
    if math.isnan(first) or math.isnan(second) or math.isinf(first) or math.isinf(second):
        n = 0
        while i + n + 1 < len(values) and values[i + n + 1] is not None and _same(values[i + n + 1], first):  # type: ignore[arg-type]
            n += 1
        return n, 0.0
    step = second - first
    if not math.isfinite(step):
        return 0, 0.0
    n = 0
    current = first
    while i + n + 1 < len(values):
        nxt = values[i + n + 1]
        if nxt is None:
            break
        current = current + step
        if current != nxt:
            break
        n += 1
    return n, step


def compress(values: Sequence[float | None]) -> str:
    """One value per step (``None``: missing) as expanding notation that expands back exactly."""
    out: list[str] = []
    i = 0
    while i < len(values):
        v = values[i]
        if v is None:
            n = 0
            while i + n < len(values) and values[i + n] is None:
                n += 1
            out.append("_" if n == 1 else f"_x{n}")
            i += n
            continue
        n, step = _run(values, i)
        if n == 0:
            out.append(_num(v))
            i += 1
            continue
        if step == 0 or math.isnan(v) or math.isinf(v):
            token = f"{_num(v)}x{n}"
        else:
            token = f"{_num(v)}{'+' if step > 0 else '-'}{_num(abs(step))}x{n}"
        # A short run with a long, noisy step reads better value by value.
        plain = " ".join(_num(x) for x in values[i:i + n + 1])  # type: ignore[arg-type]
        out.append(token if len(token) < len(plain) else plain)
        i += n + 1
    return " ".join(out)


def _num(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return fmt(v)
