"""Aggregation operators (``sum``, ``avg``, ``topk``, ``quantile``, ``count_values``...).

Follows ``aggregation()`` / ``aggregationK()`` / ``aggregationCountValues()`` in Prometheus'
``promql/engine.go``: Kahan-compensated ``sum``/``avg`` in Prometheus 3 (plain sums in 2.x),
Welford's algorithm for ``stddev``/``stdvar``, Go's ``container/heap`` for ``topk``/``bottomk`` so
that ties pick the same series as Prometheus.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from ruletest.errors import PromQLEvalError
from ruletest.gocompat import format_float_f, format_float_g, go_quote
from ruletest.promql.hashing import labels_hash
from ruletest.promql.histograms import Annotation
from ruletest.promql.kahan import kahan_inc
from ruletest.promql.quantiles import quantile
from ruletest.promql.values import (
    METRIC_NAME,
    Labels,
    Sample,
    is_utf8_label_name,
    mark_name,
    name_is_marked,
    set_label,
    unmark_name,
)
from ruletest.semantics import Semantics

MAX_INT64 = 2**63 - 1
_PARAMETERLESS = frozenset({"sum", "avg", "max", "min", "count", "group", "stddev", "stdvar"})


def grouping_key_fn(grouping: Sequence[str], without: bool) -> Callable[[Labels], Labels]:
    names = frozenset(grouping)
    if without:
        drop = names | {METRIC_NAME}
        return lambda ls: tuple(p for p in ls if p[0] not in drop)
    return lambda ls: tuple(p for p in ls if p[0] in names)


def _go_sqrt(v: float) -> float:
    return math.sqrt(v) if v >= 0 or math.isnan(v) else math.nan


def _int_param(k: float) -> int:
    if k <= -(2**63):
        raise PromQLEvalError(f"Scalar value {_go_g(k)} underflows int64")
    if k >= 2**63 - 1:
        raise PromQLEvalError(f"Scalar value {_go_g(k)} overflows int64")
    return int(k)


def _go_g(v: float) -> str:
    return format_float_g(v)


def aggregate(op: str, samples: Sequence[Sample], grouping: Sequence[str], without: bool,
              param: float | str | None, semantics: Semantics,
              note: Callable[[Annotation], None] | None = None) -> list[Sample]:
    """``note`` receives the annotations of aggregating native histograms; a vector holding
    them is aggregated by :mod:`ruletest.promql.histogram_aggregations`."""
    if note is not None and isinstance(param, float):
        _note_parameter(op, param, note)
    if not samples and op in _PARAMETERLESS:
        return []  # (topk's and count_values' parameters are checked even over nothing)
    key_fn = grouping_key_fn(grouping, without)
    if note is not None and any(s.histogram is not None for s in samples):
        from ruletest.promql.histogram_aggregations import aggregate_with_histograms

        return aggregate_with_histograms(op, samples, grouping, without, param, semantics, note, key_fn)
    if op in ("topk", "bottomk", "limitk", "limit_ratio"):
        assert isinstance(param, float)
        return _aggregate_k(op, samples, key_fn, param, semantics)
    if op == "count_values":
        assert isinstance(param, str)
        counted = _count_values(samples, key_fn, param, without, semantics.utf8_names)
        if semantics.delayed_name_removal:
            # aggregationCountValues keeps no DropName flag: a name it groups by stays.
            return [Sample(unmark_name(s.labels), s.value) for s in counted]
        return counted
    if op == "quantile":
        assert isinstance(param, float)
        groups_q: dict[Labels, list[float]] = {}
        for s in samples:
            groups_q.setdefault(key_fn(s.labels), []).append(s.value)
        out_q = [Sample(k, quantile(param, vs)) for k, vs in groups_q.items()]
        if semantics.delayed_name_removal and not without and METRIC_NAME in grouping:
            return _flag_grouped_names(out_q, samples, key_fn)
        return out_q

    groups: dict[Labels, _Group] = {}
    kahan = semantics.kahan_sums
    for s in samples:
        key = key_fn(s.labels)
        g = groups.get(key)
        f = s.value
        if g is None:
            g = _Group(f)
            if op in ("stddev", "stdvar"):
                # 3.x: a NaN or infinite first sample makes the group NaN (Welford's update keeps it).
                g.value = math.nan if semantics.stddev_nan_first_sample and not math.isfinite(f) else 0.0
            groups[key] = g
            continue
        g.count += 1
        if op == "sum":
            if kahan:
                g.value, g.comp = kahan_inc(f, g.value, g.comp)
            else:
                g.value += f
        elif op == "avg":
            if kahan:
                _avg_kahan(g, f)
            else:
                _avg_incremental(g, f)
        elif op == "max":
            if g.value < f or math.isnan(g.value):
                g.value = f
        elif op == "min":
            if g.value > f or math.isnan(g.value):
                g.value = f
        elif op in ("stddev", "stdvar"):
            delta = f - g.mean
            g.mean += delta / g.count
            g.value += delta * (f - g.mean)
        elif op in ("count", "group"):
            pass
        else:
            raise PromQLEvalError(f"unknown aggregation {op!r}")
    out = []
    for key, g in groups.items():
        if op == "sum":
            v = g.value + g.comp if kahan and not math.isinf(g.value) else g.value
        elif op == "avg":
            if not kahan:
                v = g.mean
            elif g.incremental:
                v = g.mean + g.comp
            else:
                v = g.value / g.count + g.comp / g.count
        elif op == "count":
            v = float(g.count)
        elif op == "group":
            v = 1.0
        elif op == "stddev":
            v = _go_sqrt(g.value / g.count)
        elif op == "stdvar":
            v = g.value / g.count
        else:
            v = g.value
        out.append(Sample(key, v))
    if semantics.delayed_name_removal and not without and METRIC_NAME in grouping:
        return _flag_grouped_names(out, samples, key_fn)
    return out


def _note_parameter(op: str, param: float, note: Callable[[Annotation], None]) -> None:
    """The warnings about a parameter out of its range (``quantile``, ``limit_ratio``)."""
    from ruletest.promql import histograms as H

    if op == "quantile" and (math.isnan(param) or param < 0 or param > 1):
        note(H.invalid_quantile_warning(param))
    elif op == "limit_ratio" and (param < -1 or param > 1):
        note(H.invalid_ratio_warning(param, max(-1.0, min(1.0, param))))


def _flag_grouped_names(out: list[Sample], samples: Sequence[Sample],
                        key_fn: Callable[[Labels], Labels]) -> list[Sample]:
    """``by (__name__)`` with delayed name removal: a group's name is dropped at the end of the
    query when any of its samples' names was to be (``groupedAggregation.dropName``)."""
    flagged = {key_fn(s.labels) for s in samples if name_is_marked(s.labels)}
    return [Sample(mark_name(s.labels) if s.labels in flagged else unmark_name(s.labels), s.value) for s in out]


class _Group:
    __slots__ = ("comp", "count", "incremental", "mean", "value")

    def __init__(self, first: float) -> None:
        self.count = 1
        self.value = first
        self.comp = 0.0
        self.mean = first
        self.incremental = False


def _avg_kahan(g: _Group, f: float) -> None:
    # Prometheus 3: direct mean with Kahan summation, switching to an incremental mean once
    # the running sum would overflow.
    if not g.incremental:
        new_sum, new_c = kahan_inc(f, g.value, g.comp)
        if not math.isinf(new_sum):
            g.value, g.comp = new_sum, new_c
            return
        g.incremental = True
        g.mean = g.value / (g.count - 1)
        g.comp = g.comp / (g.count - 1)
    q = (g.count - 1) / g.count
    g.mean, g.comp = kahan_inc(f / g.count, q * g.mean, q * g.comp)


def _avg_incremental(g: _Group, f: float) -> None:
    # Prometheus 2.x: incremental mean, keeping an infinite mean where subtraction would give NaN.
    if math.isinf(g.mean):
        if math.isinf(f) and (g.mean > 0) == (f > 0):
            return
        if not math.isinf(f) and not math.isnan(f):
            return
    g.mean += f / g.count - g.mean / g.count


def _count_values(samples: Sequence[Sample], key_fn: Callable[[Labels], Labels], label: str, without: bool,
                  utf8_names: bool) -> list[Sample]:
    if not _valid_label_name(label, utf8_names):
        raise PromQLEvalError(f"invalid label name {go_quote(label)}")
    counts: dict[Labels, float] = {}
    for s in samples:
        value = format_float_f(s.value) if s.histogram is None else s.histogram.go_string()
        if without:
            # The value label is set before grouping, so `without` can remove it again
            # (count_values without (job) ("job", x) counts by the remaining labels).
            key = key_fn(set_label(s.labels, label, value))
        else:
            key = set_label(key_fn(s.labels), label, value)
        counts[key] = counts.get(key, 0.0) + 1.0
    return [Sample(k, v) for k, v in counts.items()]


def _valid_label_name(name: str, utf8_names: bool) -> bool:
    # 2.x: model.LabelName.IsValid, the legacy [a-zA-Z_][a-zA-Z0-9_]* set; 3.x: any non-empty
    # UTF-8 name (model.UTF8Validation).
    if utf8_names:
        return is_utf8_label_name(name)
    return bool(_LEGACY_LABEL.fullmatch(name))


_LEGACY_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


# --- topk / bottomk / limitk / limit_ratio ------------------------------------------------


def _less_topk(a: Sample, b: Sample) -> bool:  # vectorByValueHeap.Less
    if math.isnan(a.value):
        return True
    return a.value < b.value


def _less_bottomk(a: Sample, b: Sample) -> bool:  # vectorByReverseValueHeap.Less
    if math.isnan(a.value):
        return True
    return a.value > b.value


def _heap_up(h: list[Sample], j: int, less: Callable[[Sample, Sample], bool]) -> None:
    while True:
        i = (j - 1) // 2
        if i == j or j <= 0 or not less(h[j], h[i]):
            break
        h[i], h[j] = h[j], h[i]
        j = i


def _heap_down(h: list[Sample], i0: int, n: int, less: Callable[[Sample, Sample], bool]) -> bool:
    i = i0
    while True:
        j1 = 2 * i + 1
        if j1 >= n or j1 < 0:
            break
        j = j1
        j2 = j1 + 1
        if j2 < n and less(h[j2], h[j1]):
            j = j2
        if not less(h[j], h[i]):
            break
        h[i], h[j] = h[j], h[i]
        i = j
    return i > i0


def _heap_fix(h: list[Sample], i: int, less: Callable[[Sample, Sample], bool]) -> None:
    if not _heap_down(h, i, len(h), less):
        _heap_up(h, i, less)


def _go_sort(items: list[Sample], less: Callable[[Sample, Sample], bool], reverse: bool) -> list[Sample]:
    # Result order only matters for display; a stable sort by the same predicate suffices.
    import functools

    def cmp(a: Sample, b: Sample) -> int:
        if less(a, b):
            return -1
        if less(b, a):
            return 1
        return 0

    out = sorted(items, key=functools.cmp_to_key(cmp))
    if reverse:
        out.reverse()
    return out


def _aggregate_k(op: str, samples: Sequence[Sample], key_fn: Callable[[Labels], Labels],
                 param: float, semantics: Semantics) -> list[Sample]:
    if op == "limit_ratio":
        ratio = param
        if ratio == 0:
            return []
        if math.isnan(ratio):
            raise PromQLEvalError("Ratio value is NaN")
        ratio = max(-1.0, min(1.0, ratio))
        return [s for s in samples if _ratio_keep(ratio, s.labels)]
    if semantics.k_param_nan_check:
        # rangeEvalAgg (3.x): nothing when k < 1, then NaN, then the int64 range.
        if param < 1:
            return []
        if math.isnan(param):
            raise PromQLEvalError("Parameter value is NaN")
        k = _int_param(param)
    else:
        # 2.42: the int64 range first (NaN included), then k < 1.
        if math.isnan(param) or not -(2**63) <= param < 2**63:
            raise PromQLEvalError(f"Scalar value {_go_g(param)} overflows int64")
        k = int(param)
        if k < 1:
            return []
    groups: dict[Labels, list[Sample]] = {}
    order: list[Labels] = []
    for s in samples:
        key = key_fn(s.labels)
        h = groups.get(key)
        if h is None:
            h = []
            groups[key] = h
            order.append(key)
        if op == "limitk":
            if len(h) < k:
                h.append(s)
            continue
        less = _less_topk if op == "topk" else _less_bottomk
        if len(h) < k:
            h.append(s)
            _heap_up(h, len(h) - 1, less)
        elif (op == "topk" and (h[0].value < s.value or (math.isnan(h[0].value) and not math.isnan(s.value)))) or (
                op == "bottomk" and (h[0].value > s.value or (math.isnan(h[0].value) and not math.isnan(s.value)))):
            h[0] = s
            if k > 1:
                _heap_fix(h, 0, less)
    out: list[Sample] = []
    for key in order:
        h = groups[key]
        if op == "topk":
            out.extend(_go_sort(h, _less_topk, reverse=True))
        elif op == "bottomk":
            out.extend(_go_sort(h, _less_bottomk, reverse=True))
        else:
            out.extend(h)
    return out


def _ratio_keep(ratio: float, labels: Labels) -> bool:
    offset = labels_hash(labels) / float(2**64 - 1)
    return (ratio >= 0 and offset < ratio) or (ratio < 0 and offset >= 1.0 + ratio)
