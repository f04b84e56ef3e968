"""The ``anchored`` and ``smoothed`` selector modifiers (``promql-extended-range-selectors``).

``rate(x[5m] anchored)`` measures from the last sample at or before the window's start (found
within the lookback delta before it) to the last sample in the window, without extrapolation;
``increase(x[5m] smoothed)`` interpolates the series at both edges of the window (looking one
lookback delta past each), and ``x smoothed`` interpolates an instant selector at the
evaluation time. Follows ``extendedRate``, ``pickFirstSampleIndices``, ``smoothSeries`` and
``extendFloats`` in Prometheus' ``promql/functions.go`` and ``promql/engine.go`` (float samples).

Only a few functions accept the modifiers; any other refuses the query with Prometheus' message.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from ruletest.errors import PromQLEvalError

# AnchoredSafeFunctions / SmoothedSafeFunctions.
ANCHORED_FUNCTIONS = frozenset({"resets", "changes", "rate", "increase", "delta"})
SMOOTHED_FUNCTIONS = frozenset({"rate", "increase", "delta"})


def check_function(func: str, anchored: bool) -> None:
    """Refuse a function that does not accept the modifier, as Prometheus does."""
    allowed = ANCHORED_FUNCTIONS if anchored else SMOOTHED_FUNCTIONS
    if func not in allowed:
        which = "anchored" if anchored else "smoothed"
        raise PromQLEvalError(f"{which} modifier can only be used with: {', '.join(sorted(allowed))} - not with {func}")


def window(range_start: int, range_end: int, lookback: int, smoothed: bool) -> tuple[int, int]:
    """The samples a function sees, ``(lo, hi]``: the range plus one lookback delta before it
    (for the anchor), and after it when smoothed."""
    return range_start - lookback, range_end + (lookback if smoothed else 0)


def _search(n: int, pred: object) -> int:
    """Go's ``sort.Search(n, pred)``: the first index in [0, n) where ``pred`` holds, else n."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if not pred(mid):  # type: ignore[operator]
            lo = mid + 1
        else:
            hi = mid
    return lo


def interpolate(t1: int, y1: float, t2: int, y2: float, t: int, is_counter: bool) -> float:
    """The value at ``t`` on the line between two samples; a counter that reset in between
    restarts from 0."""
    if is_counter and y2 < y1:
        y1 = 0.0
    return y1 + (y2 - y1) * float(t - t1) / float(t2 - t1)


def _left(ts: Sequence[int], vs: Sequence[float], first: int, range_start: int, smoothed: bool,
          is_counter: bool) -> float:
    if smoothed and ts[first] < range_start:
        return interpolate(ts[first], vs[first], ts[first + 1], vs[first + 1], range_start, is_counter)
    return vs[first]


def _right(ts: Sequence[int], vs: Sequence[float], last: int, range_end: int, smoothed: bool,
           is_counter: bool) -> float:
    if smoothed and last > 0 and ts[last] > range_end:
        return interpolate(ts[last - 1], vs[last - 1], ts[last], vs[last], range_end, is_counter)
    return vs[last]


def _bounds(ts: Sequence[int], range_start: int, range_end: int, smoothed: bool) -> tuple[int, int]:
    last = len(ts) - 1
    first = max(0, _search(last, lambda i: ts[i] > range_start) - 1)
    if smoothed:
        last = _search(last, lambda i: ts[i] >= range_end)
    return first, last


def extended_rate(ts: Sequence[int], vs: Sequence[float], range_start: int, range_end: int, range_ms: int,
                  smoothed: bool, is_counter: bool, is_rate: bool) -> float | None:
    """``extendedRate``: rate/increase/delta of an anchored or smoothed window, or None."""
    if not vs:
        return None
    first, last = _bounds(ts, range_start, range_end, smoothed)
    if ts[last] <= range_start:
        return None
    if smoothed and ts[first] > range_end:
        return None
    left = _left(ts, vs, first, range_start, smoothed, is_counter)
    right = _right(ts, vs, last, range_end, smoothed, is_counter)
    result = right - left
    if is_counter:
        # Resets at the edges are in left and right already; count those strictly inside.
        if ts[first] <= range_start:
            first += 1
        if ts[last] >= range_end:
            last -= 1
        correction = 0.0
        prev = left
        for v in vs[first:last + 1]:
            if v < prev:
                correction += prev
            prev = v
        if right < prev:
            correction += prev
        result += correction
    if is_rate:
        result /= range_ms / 1000
    return result


def anchor_index(ts: Sequence[int], range_start: int) -> int | None:
    """``pickFirstSampleIndices`` for floats: the last sample at or before the range start
    (the anchor), or the first sample when there is none; None when no sample is after it."""
    last_le = bisect_right(ts, range_start) - 1
    if last_le + 1 >= len(ts):
        return None
    return max(last_le, 0)


def smoothed_value(ts: Sequence[int], vs: Sequence[float], at: int) -> float | None:
    """``smoothSeries`` at one time: the sample at ``at``, the line between its neighbours, or
    the last earlier value; None before the first sample."""
    i = bisect_left(ts, at)
    if i < len(ts) and ts[i] == at:
        return vs[i]
    if 0 < i < len(ts):
        return interpolate(ts[i - 1], vs[i - 1], ts[i], vs[i], at, False)
    if i > 0:
        return vs[i - 1]
    return None


def extend_floats(ts: Sequence[int], vs: Sequence[float], mint: int, maxt: int,
                  smoothed: bool) -> tuple[list[int], list[float]]:
    """``extendFloats``: an anchored or smoothed range vector, with points at both edges."""
    if not ts:
        # Prometheus indexes the empty slice here and the query fails with this runtime error.
        raise PromQLEvalError("unexpected error: runtime error: index out of range [-1]")
    first, last = _bounds(ts, mint, maxt, smoothed)
    if ts[last] <= mint:
        return [], []
    left = _left(ts, vs, first, mint, smoothed, False)
    right = _right(ts, vs, last, maxt, smoothed, False)
    if ts[first] <= mint:
        first += 1
    if ts[last] >= maxt:
        last -= 1
    inner = range(first, last + 1)
    return [mint, *(ts[i] for i in inner), maxt], [left, *(vs[i] for i in inner), right]
