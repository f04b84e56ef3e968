"""Quantiles: ``quantile`` over values and ``histogram_quantile``/``histogram_fraction`` over
classic buckets, after Prometheus' ``promql/quantile.go``."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

from ruletest.promql.operators import go_div


def quantile(q: float, values: Sequence[float]) -> float:
    if not values or math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    # NaN sorts first (vectorByValueHeap.Less).
    ordered = sorted(values, key=lambda v: (not math.isnan(v), v if not math.isnan(v) else 0.0))
    n = float(len(ordered))
    rank = q * (n - 1)
    lower = max(0.0, math.floor(rank))
    upper = min(n - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[int(lower)] * (1 - weight) + ordered[int(upper)] * weight


Bucket = tuple[float, float]  # (upper bound, cumulative count)


def _prepare(buckets: Sequence[Bucket]) -> list[list[float]] | None:
    """Sorted by upper bound as Go sorts them, then coalesced; None when the last bound is not +Inf."""
    ordered = [list(b) for b in buckets]
    _go_small_sort(ordered)
    if not ordered or not (math.isinf(ordered[-1][0]) and ordered[-1][0] > 0):
        return None
    merged: list[list[float]] = []
    for ub, c in ordered:  # coalesceBuckets
        if merged and merged[-1][0] == ub:
            merged[-1][1] += c
        else:
            merged.append([ub, c])
    return merged


def _go_small_sort(buckets: list[list[float]]) -> None:
    """Go's insertion sort (what sort.Sort and slices.SortFunc do for up to 12 elements): a
    ``le="NaN"`` bound compares neither less nor greater, so it stays where the input put it
    and the buckets on each side are sorted separately. Without NaN bounds any sort agrees."""
    for i in range(1, len(buckets)):
        j = i
        while j > 0 and buckets[j][0] < buckets[j - 1][0]:
            buckets[j], buckets[j - 1] = buckets[j - 1], buckets[j]
            j -= 1


def _almost_equal(a: float, b: float, epsilon: float) -> bool:
    """Prometheus' ``util/almost.Equal``."""
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    if a == 0 or b == 0 or abs_sum < _MIN_NORMAL:
        return diff < epsilon * _MIN_NORMAL
    return diff / min(abs_sum, sys.float_info.max) < epsilon


_MIN_NORMAL = sys.float_info.min  # 2**-1022


def _monotonic_ignoring_small_deltas(buckets: list[list[float]], tolerance: float = 1e-12) -> None:
    """Prometheus 3 ``ensureMonotonicAndIgnoreSmallDeltas``: counts within a relative
    ``tolerance`` of the previous one are set to it, decreases are removed."""
    prev = buckets[0][1]
    for b in buckets[1:]:
        curr = b[1]
        if curr == prev:
            continue
        if _almost_equal(prev, curr, tolerance) or curr < prev:
            b[1] = prev
            continue
        prev = curr


def _ensure_monotonic(buckets: list[list[float]]) -> None:
    """Prometheus 2 ``ensureMonotonic``: the running maximum (a NaN count stays NaN)."""
    top = buckets[0][1]
    for b in buckets[1:]:
        if b[1] > top:
            top = b[1]
        elif b[1] < top:
            b[1] = top


def _search(n: int, pred: Callable[[int], bool]) -> int:
    """Go's ``sort.Search``: the binary search for the first index where ``pred`` holds,
    assuming it is monotonic (with a NaN count it is not, and the answer is where Go's
    halving lands)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if not pred(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo


def bucket_quantile(q: float, buckets: Sequence[Bucket], precision_fix: bool) -> float:
    """``bucketQuantile`` of Prometheus 2.42 / ``BucketQuantile`` of 3.x (``promql/quantile.go``)."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    bs = _prepare(buckets)
    if bs is None:
        return math.nan
    if precision_fix:
        _monotonic_ignoring_small_deltas(bs)
    else:
        _ensure_monotonic(bs)
    if len(bs) < 2:
        return math.nan
    observations = bs[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = _search(len(bs) - 1, lambda i: bs[i][1] >= rank)
    if b == len(bs) - 1:
        return bs[-2][0]
    if b == 0 and bs[0][0] <= 0:
        return bs[0][0]
    start = 0.0
    end = bs[b][0]
    count = bs[b][1]
    if b > 0:
        start = bs[b - 1][0]
        count -= bs[b - 1][1]
        rank -= bs[b - 1][1]
    return start + (end - start) * go_div(rank, count)


def _interpolate(rank: float, count: float, lower: float, upper: float, v: float) -> float:
    return rank + (count - rank) * (v - lower) / (upper - lower)


def bucket_fraction(lower: float, upper: float, buckets: Sequence[Bucket]) -> float:
    bs = _prepare(buckets)
    if bs is None:
        return math.nan
    count = bs[-1][1]
    if count == 0 or math.isnan(lower) or math.isnan(upper):
        return math.nan
    if lower >= upper:
        return 0.0
    rank = 0.0
    lower_rank = upper_rank = 0.0
    lower_set = upper_set = False
    for i, (ub, c) in enumerate(bs):
        lb = bs[i - 1][0] if i > 0 else (0.0 if ub > 0 else -math.inf)

        if not lower_set and lb >= lower:
            lower_rank, lower_set = rank, True
        if not upper_set and lb >= upper:
            upper_rank, upper_set = rank, True
        if lower_set and upper_set:
            break
        # Nothing is interpolated into a bucket of infinite width: below its upper bound the
        # first bucket (lower bound -Inf) counts whole, as the +Inf bucket counts nothing.
        if not lower_set and lb < lower < ub:
            lower_rank, lower_set = (c if lb == -math.inf else _interpolate(rank, c, lb, ub, lower)), True
        if not upper_set and lb < upper < ub:
            upper_rank, upper_set = (c if lb == -math.inf else _interpolate(rank, c, lb, ub, upper)), True
        if lower_set and upper_set:
            break
        rank = c
    if not lower_set or lower_rank > count:
        lower_rank = count
    if not upper_set or upper_rank > count:
        upper_rank = count
    return (upper_rank - lower_rank) / count
