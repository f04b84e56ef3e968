"""Quantiles: ``quantile`` over values and ``histogram_quantile``/``histogram_fraction`` over
classic buckets, after Prometheus' ``promql/quantile.go``."""

from __future__ import annotations

import math
from collections.abc import Sequence


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
    ordered = sorted(buckets, key=lambda b: b[0])
    if not ordered or not (math.isinf(ordered[-1][0]) and ordered[-1][0] > 0):
        return None
    merged: list[list[float]] = []
    for ub, c in ordered:  # coalesceBuckets
        if merged and merged[-1][0] == ub:
            merged[-1][1] += c
        else:
            merged.append([ub, c])
    return merged


def _correct_precision(buckets: list[list[float]], tolerance: float = 1e-12) -> None:
    prev = buckets[0][1]
    for b in buckets[1:]:
        curr = b[1]
        delta = abs(curr - prev)
        if delta == 0:
            continue
        if delta / curr <= tolerance:
            b[1] = prev
        else:
            prev = curr


def _ensure_monotonic(buckets: list[list[float]]) -> None:
    top = buckets[0][1]
    for b in buckets[1:]:
        if b[1] > top:
            top = b[1]
        elif b[1] < top:
            b[1] = top


def bucket_quantile(q: float, buckets: Sequence[Bucket], precision_fix: bool) -> float:
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
        _correct_precision(bs)
    _ensure_monotonic(bs)
    if len(bs) < 2:
        return math.nan
    observations = bs[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    # sort.Search over all but the +Inf bucket for the first count >= rank
    b = len(bs) - 1
    for i in range(len(bs) - 1):
        if bs[i][1] >= rank:
            b = i
            break
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
    return start + (end - start) * (rank / count)


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
        if not lower_set and lb < lower < ub:
            lower_rank, lower_set = _interpolate(rank, c, lb, ub, lower), True
        if not upper_set and lb < upper < ub:
            upper_rank, upper_set = _interpolate(rank, c, lb, ub, upper), True
        if lower_set and upper_set:
            break
        rank = c
    if not lower_set or lower_rank > count:
        lower_rank = count
    if not upper_set or upper_rank > count:
        upper_rank = count
    return (upper_rank - lower_rank) / count
