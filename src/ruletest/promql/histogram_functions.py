"""Native histogram samples in the engine: reading them from storage, and what the range
functions, element functions and operators do with them.

The arithmetic itself is :mod:`ruletest.promql.histograms`; this module is the engine's side,
after Prometheus 3.14's ``promql/functions.go`` (``histogramRate``, ``instantValue``,
``funcResets``/``funcChanges``, the ``*_over_time`` family, ``simpleHistogramFunc``,
``funcHistogramQuantile``...), ``promql/engine.go`` (``vectorElemBinop``, ``resetHistograms``,
``detectHistogramStatsDecoding``) and ``promql/histogram_stats_iterator.go``. The engine calls in
here only where a sample or a range holds a histogram, so float evaluation is unchanged.

Every function that Prometheus would annotate takes ``note`` and calls it with the
:class:`~ruletest.promql.histograms.Annotation` (warnings and infos are data, not errors).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ruletest.errors import PromQLEvalError
from ruletest.promql import ast as A
from ruletest.promql import histograms as H
from ruletest.promql.histograms import Annotation, CounterResetHint, FloatHistogram
from ruletest.promql.nhcb import parse_le
from ruletest.promql.values import (
    BUCKET_LABEL,
    METRIC_NAME,
    Labels,
    Matrix,
    RangeSeries,
    Sample,
    Value,
    Vector,
    finish_labels,
    get_label,
    set_label,
)
from ruletest.promql.vector_functions import Evaluator, check_unique

if TYPE_CHECKING:
    from ruletest.promql.functions import RangeArgs
    from ruletest.promql.storage import StoredSeries

Note = Callable[[Annotation], None]
GAUGE = CounterResetHint.GAUGE


def _ignore(_: Annotation) -> None:
    return None


# --- reading from storage ---------------------------------------------------------------------


def stats_selectors(node: A.Expr) -> frozenset[int]:
    """Ids of the vector selectors whose histograms Prometheus decodes as count and sum only
    (``detectHistogramStatsDecoding``): those under ``histogram_count``/``sum``/``avg`` with no
    subquery, ``histogram_quantile(s)``/``histogram_fraction`` or trim operator in between."""
    out: set[int] = set()

    def walk(n: A.Expr, path: tuple[A.Expr, ...]) -> None:
        if isinstance(n, A.VectorSelector):
            skip = False
            for p in reversed(path):
                if isinstance(p, A.Subquery):
                    skip = False
                    break
                if isinstance(p, A.Call):
                    if p.func in ("histogram_count", "histogram_sum", "histogram_avg"):
                        skip = True
                    elif p.func in ("histogram_quantile", "histogram_quantiles", "histogram_fraction"):
                        skip = False
                        break
                if isinstance(p, A.Binary) and p.op in A.TRIM_OPS:
                    skip = False
                    break
            if skip:
                out.add(id(n))
            return
        for c in A.children(n):
            walk(c, (*path, n))

    walk(node, ())
    return frozenset(out)


def _stats_only(h: FloatHistogram, hint: CounterResetHint) -> FloatHistogram:
    return FloatHistogram(counter_reset_hint=hint, schema=h.schema, count=h.count, sum=h.sum)


def stored_sample(s: StoredSeries, t: int, skip_buckets: bool, seek_from: int) -> Sample:
    """The sample of stored series ``s`` at ``t`` as an instant selector returns it.

    Read as count and sum only (``skip_buckets``), an ``unknown`` counter reset hint is replaced
    by what comparing the histogram in full with the sample before it says, when the iterator
    went through that one: Prometheus' ``HistogramStatsIterator`` does this on the fly, and the
    instant selector's iterator starts at the first sample at or after ``seek_from`` (the
    evaluation time minus the lookback delta)."""
    sample = s.sample_at_time(t)
    h = sample.histogram
    if h is None or not skip_buckets:
        return sample
    return Sample(sample.labels, 0.0, _stats_only(h, _stats_hint(s, t, h, seek_from)))


def _stats_hint(s: StoredSeries, t: int, h: FloatHistogram, seek_from: int) -> CounterResetHint:
    if h.counter_reset_hint is not CounterResetHint.UNKNOWN or s.hist is None:
        return h.counter_reset_hint
    i = bisect_left(s.ts, t)
    if i == 0 or s.ts[i - 1] < seek_from:
        return h.counter_reset_hint
    prev = s.hist.get(i - 1)
    if prev is None:
        return h.counter_reset_hint
    return CounterResetHint.RESET if h.detect_reset(prev) else CounterResetHint.NOT_RESET


def stored_range(s: StoredSeries, lo: int, hi: int, skip_buckets: bool, window_start: int) -> RangeSeries:
    """Samples ``lo`` to ``hi`` of ``s`` as a range selector returns them. Read as count and sum
    only, histograms get their hints as :func:`stored_sample` says; the range's iterator starts
    at the window's (excluded) start, so a sample exactly there is compared with too."""
    rs = s.range_series(lo, hi)
    if not skip_buckets or not rs.h_values:
        return rs
    out = []
    prev: FloatHistogram | None = None
    if lo > 0 and s.ts[lo - 1] == window_start and s.hist is not None:
        prev = s.hist.get(lo - 1)
    for h in rs.h_values:
        hint = h.counter_reset_hint
        if hint is CounterResetHint.UNKNOWN and prev is not None:
            hint = CounterResetHint.RESET if h.detect_reset(prev) else CounterResetHint.NOT_RESET
        out.append(_stats_only(h, hint))
        prev = h
    return RangeSeries(rs.labels, rs.timestamps, rs.values, rs.h_timestamps, tuple(out))


def subquery_argument(series: list[RangeSeries]) -> list[RangeSeries]:
    """A subquery's series as a function reads them (``evalSubquery``): ``reset`` and
    ``not_reset`` hints become ``unknown``, so a sample the subquery returns several times is
    not counted as several resets and resets between its steps are still detected."""
    if not any(rs.h_values for rs in series):
        return series
    clear = (CounterResetHint.RESET, CounterResetHint.NOT_RESET)
    return [rs if not rs.h_values else RangeSeries(
        rs.labels, rs.timestamps, rs.values, rs.h_timestamps,
        [h.with_hint(CounterResetHint.UNKNOWN) if h.counter_reset_hint in clear else h for h in rs.h_values])
        for rs in series]


def negate(s: Sample, drop: Callable[[Labels], Labels]) -> Sample:
    """Unary minus: the histogram times -1 (a gauge), not compacted."""
    assert s.histogram is not None
    return Sample(drop(s.labels), 0.0, s.histogram.mul(-1))


def merge_range(floats: dict[Labels, tuple[list[int], list[float]]],
                histograms: dict[Labels, tuple[list[int], list[FloatHistogram]]]) -> list[RangeSeries]:
    """A subquery's series from its steps' float and histogram samples."""
    out = []
    for labels in {**dict.fromkeys(floats), **dict.fromkeys(histograms)}:
        f = floats.get(labels, ([], []))
        h = histograms.get(labels, ([], []))
        out.append(RangeSeries(labels, f[0], f[1], h[0], h[1]))
    return out


def finish_matrix_names(value: Matrix) -> Matrix:
    """``finish_delayed_names`` for a matrix holding histograms: flagged names dropped, series
    that then collide merged unless they overlap in time."""
    merged: dict[Labels, list[tuple[int, float, FloatHistogram | None]]] = {}
    for rs in value.series:
        points = merged.setdefault(finish_labels(rs.labels), [])
        points.extend((t, v, None) for t, v in zip(rs.timestamps, rs.values, strict=True))
        points.extend((t, 0.0, h) for t, h in zip(rs.h_timestamps, rs.h_values, strict=True))
    series = []
    for labels, points in merged.items():
        points.sort(key=lambda p: p[0])
        if any(points[i][0] == points[i - 1][0] for i in range(1, len(points))):
            raise PromQLEvalError("vector cannot contain metrics with the same labelset")
        series.append(RangeSeries(labels, [p[0] for p in points if p[2] is None],
                                  [p[1] for p in points if p[2] is None],
                                  [p[0] for p in points if p[2] is not None],
                                  [p[2] for p in points if p[2] is not None]))
    return Matrix(tuple(series))


def metric_name(labels: Labels) -> str:
    return get_label(labels, METRIC_NAME)


# --- range functions ------------------------------------------------------------------------------

# Functions that read float samples only: with histograms in the range they compute over the
# floats and say the histograms were ignored (an info), and give nothing without floats.
_FLOATS_ONLY = frozenset({"max_over_time", "min_over_time", "quantile_over_time", "stddev_over_time",
                          "stdvar_over_time", "mad_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
                          "deriv", "predict_linear", "double_exponential_smoothing", "holt_winters"})


def range_function(call: A.Call, rs: RangeSeries, a: RangeArgs, note: Note) -> Sample | None:
    """A range function over one series whose range holds native histograms (and maybe floats):
    the sample it produces with the series' labels (the caller drops ``__name__``), or None."""
    name = call.func
    labels = rs.labels
    metric = metric_name(labels)
    if name in _FLOATS_ONLY:
        if not rs.values:
            return None
        note(H.histogram_ignored_in_mixed_range_info(metric))
        from ruletest.promql.function_table import FUNCTIONS

        impl = FUNCTIONS[name].range_impl
        assert impl is not None
        v = impl(rs.timestamps, rs.values, a)
        return None if v is None else Sample(labels, v)
    if name in ("rate", "increase", "delta"):
        if rs.values:
            note(H.mixed_floats_histograms_warning(metric))
            return None
        h = extrapolated_histogram_rate(rs.h_timestamps, rs.h_values, a, name != "delta", name == "rate", metric,
                                        note)
        return None if h is None else Sample(labels, 0.0, h)
    if name in ("irate", "idelta"):
        return _instant_value(rs, name == "irate", note)
    if name in ("resets", "changes"):
        v = resets_or_changes(rs.timestamps, rs.values, rs.h_timestamps, rs.h_values, name == "resets", 0, 0)
        return Sample(labels, v)
    if name in ("sum_over_time", "avg_over_time"):
        if rs.values:
            note(H.mixed_floats_histograms_warning(metric))
            return None
        h = (sum_over_time if name == "sum_over_time" else avg_over_time)(rs.h_values, metric, note)
        return None if h is None else Sample(labels, 0.0, h)
    if name == "count_over_time":
        return Sample(labels, float(len(rs.values) + len(rs.h_values)))
    if name == "present_over_time":
        return Sample(labels, 1.0)
    if name in ("last_over_time", "first_over_time"):
        last = name == "last_over_time"
        ht = rs.h_timestamps[-1 if last else 0]
        if rs.values:
            ft = rs.timestamps[-1 if last else 0]
            if (ht < ft) if last else (ft < ht):
                return Sample(labels, rs.values[-1 if last else 0])
        return Sample(labels, 0.0, rs.h_values[-1 if last else 0])
    if name == "ts_of_last_over_time":
        return Sample(labels, max(rs.timestamps[-1] if rs.timestamps else 0, rs.h_timestamps[-1]) / 1000)
    if name == "ts_of_first_over_time":
        return Sample(labels, min(rs.timestamps[0] if rs.timestamps else 2**63 - 1, rs.h_timestamps[0]) / 1000)
    raise PromQLEvalError(f"function {name}() does not support native histograms")


def note_range_parameters(func: str, params: Sequence[float], note: Note) -> None:
    """The warning about ``quantile_over_time``'s quantile outside [0, 1] (once a series gave
    a value: without float samples there is none)."""
    if func == "quantile_over_time":
        q = params[0]
        if math.isnan(q) or q < 0 or q > 1:
            note(H.invalid_quantile_warning(q))


def histogram_rate(points: Sequence[FloatHistogram], is_counter: bool, metric: str, note: Note
                   ) -> FloatHistogram | None:
    """Go's ``histogramRate``: the last histogram minus the first at the lowest schema seen,
    plus (for counters) every histogram before a counter reset; a gauge, compacted. None when
    the histograms cannot be combined (exponential mixed with custom buckets)."""
    notes: list[Annotation] = []
    prev = points[0]
    last = points[-1]
    custom = prev.uses_custom_buckets
    if is_counter and (prev.counter_reset_hint is GAUGE or last.counter_reset_hint is GAUGE):
        notes.append(H.native_histogram_not_counter_warning(metric))
    if is_counter:
        second = points[1]
        if second.detect_reset(prev):
            # A reset right after the first sample: the first one's layout does not matter.
            prev = FloatHistogram(schema=second.schema, custom_values=second.custom_values)
            custom = second.uses_custom_buckets
    if last.uses_custom_buckets != custom:
        note(H.mixed_exponential_custom_histograms_warning(metric))
        return None
    min_schema = min(last.schema, prev.schema)
    for curr in points[1:-1]:
        if not is_counter:
            continue
        if curr.counter_reset_hint is GAUGE:
            notes.append(H.native_histogram_not_counter_warning(metric))
        min_schema = min(min_schema, curr.schema)
        if curr.uses_custom_buckets != custom:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
    res = last.copy_to_schema(min_schema).sub(prev)
    if res.histogram is None:
        note(H.mixed_exponential_custom_histograms_warning(metric))
        return None
    if res.nhcb_bounds_reconciled:
        notes.append(H.mismatched_custom_buckets_info("subtraction"))
    h = res.histogram
    if is_counter:
        for curr in points[1:]:
            if curr.detect_reset(prev):
                added = h.add(prev)
                if added.histogram is None:
                    note(H.mixed_exponential_custom_histograms_warning(metric))
                    return None
                if added.nhcb_bounds_reconciled:
                    notes.append(H.mismatched_custom_buckets_info("addition"))
                h = added.histogram
            prev = curr
    elif points[0].counter_reset_hint is not GAUGE or last.counter_reset_hint is not GAUGE:
        notes.append(H.native_histogram_not_gauge_warning(metric))
    for n in notes:
        note(n)
    return h.with_hint(GAUGE).compact(0)


def extrapolated_histogram_rate(ts: Sequence[int], hs: Sequence[FloatHistogram], a: RangeArgs, is_counter: bool,
                                is_rate: bool, metric: str, note: Note) -> FloatHistogram | None:
    """``extrapolatedRate`` over histogram samples (Prometheus 3's extrapolation)."""
    if len(hs) < 2:
        return None
    result = histogram_rate(hs, is_counter, metric, note)
    if result is None:
        return None
    first_t, last_t = ts[0], ts[-1]
    to_start = (first_t - a.range_start) / 1000
    to_end = (a.range_end - last_t) / 1000
    sampled = (last_t - first_t) / 1000
    average = sampled / (len(hs) - 1)
    threshold = average * 1.1
    if to_start >= threshold:
        to_start = average / 2
    if is_counter:
        to_zero = to_start
        if result.count > 0 and hs[0].count >= 0:
            to_zero = sampled * (hs[0].count / result.count)
        if to_zero < to_start:
            to_start = to_zero
    if to_end >= threshold:
        to_end = average / 2
    factor = (sampled + to_start + to_end) / sampled if sampled != 0 else 1.0
    if is_rate:
        factor /= a.range_ms / 1000
    return result.mul(factor)


def _instant_value(rs: RangeSeries, is_rate: bool, note: Note) -> Sample | None:
    """``instantValue`` (irate/idelta) when the range holds histograms: the last two samples,
    whatever their kind."""
    merged: list[tuple[int, float, FloatHistogram | None]] = [
        (t, v, None) for t, v in zip(rs.timestamps[-2:], rs.values[-2:], strict=True)]
    merged += [(t, 0.0, h) for t, h in zip(rs.h_timestamps[-2:], rs.h_values[-2:], strict=True)]
    if len(merged) < 2:
        return None
    merged.sort(key=lambda p: p[0])
    (t0, f0, h0), (t1, f1, h1) = merged[-2], merged[-1]
    interval = t1 - t0
    if interval == 0:
        return None
    metric = metric_name(rs.labels)
    if h0 is None and h1 is None:
        value = f1 if is_rate and f1 < f0 else f1 - f0
        return Sample(rs.labels, value / (interval / 1000) if is_rate else value)
    if h0 is None or h1 is None:
        note(H.mixed_floats_histograms_warning(metric))
        return None
    if is_rate and (h1.counter_reset_hint is GAUGE or h0.counter_reset_hint is GAUGE):
        note(H.native_histogram_not_counter_warning(metric))
    if not is_rate and (h1.counter_reset_hint is not GAUGE or h0.counter_reset_hint is not GAUGE):
        note(H.native_histogram_not_gauge_warning(metric))
    result = h1
    if not is_rate or not h1.detect_reset(h0):
        res = h1.sub(h0)
        if res.histogram is None:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
        if res.nhcb_bounds_reconciled:
            note(H.mismatched_custom_buckets_info("subtraction"))
        result = res.histogram
    result = result.with_hint(GAUGE).compact(0)
    if is_rate:
        result = result.div(interval / 1000)
    return Sample(rs.labels, 0.0, result)


def resets_or_changes(f_ts: Sequence[int], f_vs: Sequence[float], h_ts: Sequence[int],
                      h_vs: Sequence[FloatHistogram], resets: bool, first_float: int, first_histogram: int) -> float:
    """``funcResets``/``funcChanges`` over floats and histograms in time order, from the given
    first indexes (the anchor of an anchored range): a change of kind counts as a reset and a
    change; histograms reset when ``DetectReset`` says so and change unless ``Equals``."""
    i, j = first_float, first_histogram
    count = 0
    prev: tuple[float, FloatHistogram | None] | None = None
    while i < len(f_ts) or j < len(h_ts):
        if j >= len(h_ts) or (i < len(f_ts) and f_ts[i] < h_ts[j]):
            cur: tuple[float, FloatHistogram | None] = (f_vs[i], None)
            i += 1
        else:
            cur = (0.0, h_vs[j])
            j += 1
        if prev is not None:
            pf, ph = prev
            cf, ch = cur
            if ph is None and ch is None:
                if resets:
                    count += cf < pf
                else:
                    count += cf != pf and not (math.isnan(cf) and math.isnan(pf))
            elif ph is None or ch is None:
                count += 1
            elif resets:
                count += ch.detect_reset(ph)
            else:
                count += not ch.equals(ph)
        prev = cur
    return float(count)


class _ResetTracker:
    """The counter reset hints seen while adding histograms, and whether NHCB bounds had to be
    reconciled: the annotations ``sum``, ``avg`` and their ``*_over_time`` owe."""

    def __init__(self) -> None:
        self.reset = self.not_reset = self.reconciled = False

    def see(self, h: FloatHistogram) -> None:
        if h.counter_reset_hint is CounterResetHint.RESET:
            self.reset = True
        elif h.counter_reset_hint is CounterResetHint.NOT_RESET:
            self.not_reset = True

    def notes(self, note: Note) -> None:
        if self.reset and self.not_reset:
            note(H.histogram_counter_reset_collision_warning("aggregation"))
        if self.reconciled:
            note(H.mismatched_custom_buckets_info("aggregation"))


def sum_over_time(hs: Sequence[FloatHistogram], metric: str, note: Note) -> FloatHistogram | None:
    """``sum_over_time`` of histograms: a compensated (Kahan) sum, not compacted."""
    track = _ResetTracker()
    total = hs[0]
    track.see(total)
    comp: FloatHistogram | None = None
    for h in hs[1:]:
        track.see(h)
        r = total.kahan_add(h, comp)
        if r.histogram is None:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
        track.reconciled |= r.nhcb_bounds_reconciled
        total, comp = r.histogram, r.compensation
    if comp is not None:
        added = total.add(comp)
        if added.histogram is None:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
        track.reconciled |= added.nhcb_bounds_reconciled
        total = added.histogram
    track.notes(note)
    return total


def avg_over_time(hs: Sequence[FloatHistogram], metric: str, note: Note) -> FloatHistogram | None:
    """``avg_over_time`` of histograms: the compensated sum divided by the count, switching to
    an incremental mean when the sum would overflow."""
    track = _ResetTracker()
    mean = _mean(hs, track)
    if mean is None:
        note(H.mixed_exponential_custom_histograms_warning(metric))
        return None
    track.notes(note)
    return mean


def _mean(hs: Sequence[FloatHistogram], track: _ResetTracker) -> FloatHistogram | None:
    """The mean of ``hs`` as Prometheus computes it for ``avg`` and ``avg_over_time`` (None for
    a mix of exponential and custom buckets)."""
    total = hs[0]
    track.see(total)
    mean: FloatHistogram | None = None
    comp: FloatHistogram | None = None
    incremental = False
    count = 1.0
    for i, h in enumerate(hs[1:]):
        track.see(h)
        count = float(i + 2)
        if not incremental:
            r = total.kahan_add(h, comp)
            if r.histogram is None:
                return None
            track.reconciled |= r.nhcb_bounds_reconciled
            if not r.histogram.has_overflow():
                total, comp = r.histogram, r.compensation
                continue
            incremental = True
            mean = total.div(count - 1)
            if comp is not None:
                comp = comp.div(count - 1)
        assert mean is not None
        q = (count - 1) / count
        if comp is not None:
            comp = comp.mul(q)
        r = mean.mul(q).kahan_add(h.div(count), comp)
        if r.histogram is None:
            return None
        track.reconciled |= r.nhcb_bounds_reconciled
        mean, comp = r.histogram, r.compensation
    if incremental:
        assert mean is not None
        if comp is not None:
            return mean.add(comp).histogram
        return mean
    if comp is not None:
        return total.div(count).add(comp.div(count)).histogram
    return total.div(count)


# --- binary operators ------------------------------------------------------------------------------


def elem_binop(op: str, lhs: float, rhs: float, hl: FloatHistogram | None, hr: FloatHistogram | None,
               note: Note) -> tuple[float, FloatHistogram | None, bool, bool]:
    """``vectorElemBinop`` when at least one side is a histogram (or for a trim operator):
    (value, histogram, keep, error). ``error`` means the pair is dropped without counting as a
    match: Prometheus returns incompatible types, incompatible layouts and counter reset
    collisions from there as errors, which become the annotation."""
    if hl is None and hr is None:  # only the trim operators come here with two floats
        note(H.incompatible_types_in_binop_info("float", op, "float"))
        return 0.0, None, False, True
    if hl is None:
        assert hr is not None
        if op == "*":
            return 0.0, hr.mul(lhs).compact(0), True, False
        note(H.incompatible_types_in_binop_info("float", op, "histogram"))
        return 0.0, None, False, True
    if hr is None:
        if op == "*":
            return 0.0, hl.mul(rhs).compact(0), True, False
        if op == "/":
            return 0.0, hl.div(rhs).compact(0), True, False
        if op in A.TRIM_OPS:
            return 0.0, hl.trim_buckets(rhs, op == "</"), True, False
        note(H.incompatible_types_in_binop_info("histogram", op, "float"))
        return 0.0, None, False, True
    if op in ("+", "-"):
        res = hl.add(hr) if op == "+" else hl.sub(hr)
        operation: H.HistogramOperation = "addition" if op == "+" else "subtraction"
        if res.histogram is None:
            note(H.incompatible_bucket_layout_in_binop_warning(op))
            return 0.0, None, False, True
        if res.counter_reset_collision:
            note(H.histogram_counter_reset_collision_warning(operation))
            return 0.0, None, False, True
        if res.nhcb_bounds_reconciled:
            note(H.mismatched_custom_buckets_info(operation))
        out = res.histogram if op == "+" else res.histogram.with_hint(GAUGE)
        return 0.0, out.compact(0), True, False
    if op == "==":
        return 0.0, hl, hl.equals(hr), False
    if op == "!=":
        return 0.0, hl, not hl.equals(hr), False
    note(H.incompatible_types_in_binop_info("histogram", op, "histogram"))
    return 0.0, None, False, True


def scalar_elem_binop(op: str, vector: Sample, scalar: float, swap: bool, note: Note
                      ) -> tuple[FloatHistogram | None, bool]:
    """``VectorscalarBinop`` for a histogram sample (or a trim operator): (histogram, keep)."""
    h = vector.histogram
    if swap:
        _, out, keep, _ = elem_binop(op, scalar, vector.value, None, h, note)
    else:
        _, out, keep, _ = elem_binop(op, vector.value, scalar, h, None, note)
    return out, keep


# --- element functions -------------------------------------------------------------------------


def simple_histogram_function(name: str, samples: Sequence[Sample], drop: Callable[[Labels], Labels]
                              ) -> list[Sample]:
    """``histogram_count``/``sum``/``avg``/``stddev``/``stdvar``: a float per histogram sample;
    float samples are ignored."""
    fn = _ELEMENT[name]
    return [Sample(drop(s.labels), fn(s.histogram)) for s in samples if s.histogram is not None]


_ELEMENT: dict[str, Callable[[FloatHistogram], float]] = {
    "histogram_count": H.histogram_count,
    "histogram_sum": H.histogram_sum,
    "histogram_avg": H.histogram_avg,
    "histogram_stddev": H.histogram_stddev,
    "histogram_stdvar": H.histogram_stdvar,
}


# --- histogram functions over instant vectors ------------------------------------------------------


def fn_histogram_element(q: Evaluator, e: A.Call, t: int) -> Value:
    """``histogram_count``, ``histogram_sum``, ``histogram_avg``, ``histogram_stddev``,
    ``histogram_stdvar``."""
    out = simple_histogram_function(e.func, q.vector(e.args[0], t), q.drop)
    check_unique(out)
    return Vector(tuple(out))


def reset_histograms(samples: Sequence[Sample], q: Evaluator
                     ) -> tuple[list[Sample], dict[Labels, tuple[Labels, list[tuple[float, float]]]]]:
    """``resetHistograms``: the native histogram samples, and the classic buckets grouped by
    histogram (every label but ``le``) with the result's labels. A float sample whose ``le`` is
    missing or not a number is skipped with a warning; a native histogram and classic buckets
    of the same series are both dropped, with a warning."""
    natives: list[Sample] = []
    groups: dict[Labels, tuple[Labels, list[tuple[float, float]]]] = {}
    named = q.semantics.delayed_name_removal
    for s in samples:
        if s.histogram is not None:
            natives.append(s)
            continue
        le_text = get_label(s.labels, BUCKET_LABEL)
        le = parse_le(le_text)
        if le is None:
            q.note(H.bad_bucket_label_warning(metric_name(s.labels) if named else "", le_text))
            continue
        key = tuple(p for p in s.labels if p[0] != BUCKET_LABEL)
        entry = groups.get(key)
        if entry is None:
            entry = (q.drop(key), [])
            groups[key] = entry
        entry[1].append((le, s.value))
    kept = []
    for s in natives:
        if s.labels in groups:
            q.note(H.mixed_classic_native_histograms_warning(metric_name(s.labels) if named else ""))
            del groups[s.labels]
            continue
        kept.append(s)
    return kept, groups


def _check_quantile(q: Evaluator, phi: float) -> None:
    if math.isnan(phi) or phi < 0 or phi > 1:
        q.note(H.invalid_quantile_warning(phi))


def fn_histogram_quantile(q: Evaluator, e: A.Call, t: int) -> Value:
    from ruletest.promql.quantiles import bucket_quantile

    phi = q.scalar(e.args[0], t)
    _check_quantile(q, phi)
    natives, groups = reset_histograms(q.vector(e.args[1], t), q)
    out = []
    for s in natives:
        assert s.histogram is not None
        value, notes = H.histogram_quantile(phi, s.histogram, metric_name(s.labels))
        for n in notes:
            q.note(n)
        out.append(Sample(q.drop(s.labels), value))
    fix = q.semantics.histogram_quantile_precision_fix
    out += [Sample(metric, bucket_quantile(phi, buckets, fix)) for metric, buckets in groups.values()]
    _note_forced_monotonicity(q, groups)
    check_unique(out)
    return Vector(tuple(out))


def _note_forced_monotonicity(q: Evaluator, groups: dict[Labels, tuple[Labels, list[tuple[float, float]]]]) -> None:
    from ruletest.promql.quantiles import forced_monotonicity

    if not q.semantics.histogram_quantile_precision_fix:
        return  # 2.x had neither the fix nor the info
    for metric, buckets in groups.values():
        if forced_monotonicity(buckets):
            q.note(H.forced_monotonicity_info(metric_name(metric) if q.semantics.delayed_name_removal else ""))


def fn_histogram_quantiles(q: Evaluator, e: A.Call, t: int) -> Value:
    """``histogram_quantiles(v, "label", q1, q2...)``: one series per quantile, told apart by
    ``label`` set to the quantile (``FormatOpenMetricsFloat``)."""
    from ruletest.promql.quantiles import bucket_quantile

    samples = q.vector(e.args[0], t)
    label = q.string(e.args[1])
    phis = [q.scalar(a, t) for a in e.args[2:]]
    for phi in phis:
        _check_quantile(q, phi)
    natives, groups = reset_histograms(samples, q)
    fix = q.semantics.histogram_quantile_precision_fix
    out = []
    for phi in phis:
        text = "NaN" if math.isnan(phi) else H.format_openmetrics_float(phi)
        for s in natives:
            assert s.histogram is not None
            value, notes = H.histogram_quantile(phi, s.histogram, metric_name(s.labels))
            for n in notes:
                q.note(n)
            out.append(Sample(set_label(q.drop(s.labels), label, text), value))
        out += [Sample(set_label(metric, label, text), bucket_quantile(phi, buckets, fix))
                for metric, buckets in groups.values()]
    if phis:
        _note_forced_monotonicity(q, groups)
    check_unique(out)
    return Vector(tuple(out))


def fn_histogram_fraction(q: Evaluator, e: A.Call, t: int) -> Value:
    from ruletest.promql.quantiles import bucket_fraction

    lower = q.scalar(e.args[0], t)
    upper = q.scalar(e.args[1], t)
    samples = q.vector(e.args[2], t)
    if not q.semantics.histogram_fraction_classic:
        samples = tuple(s for s in samples if s.histogram is not None)  # 2.42 reads native histograms only
    natives, groups = reset_histograms(samples, q)
    out = []
    for s in natives:
        assert s.histogram is not None
        value, notes = H.histogram_fraction(lower, upper, s.histogram, metric_name(s.labels))
        for n in notes:
            q.note(n)
        out.append(Sample(q.drop(s.labels), value))
    out += [Sample(metric, bucket_fraction(lower, upper, buckets)) for metric, buckets in groups.values()]
    check_unique(out)
    return Vector(tuple(out))


# --- anchored and smoothed ranges (promql-extended-range-selectors) ---------------------------------


class _Incompatible(Exception):
    """Histograms that cannot be combined (exponential and custom buckets)."""


def _search(n: int, pred: Callable[[int], bool]) -> int:
    """Go's ``sort.Search``."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def interpolate(h1: FloatHistogram, t1: int, h2: FloatHistogram, t2: int, t: int, is_counter: bool,
                note: Note) -> FloatHistogram:
    """``interpolateHistograms``: the histogram at ``t`` on the line between two samples; a
    counter that reset in between restarts from zero. Raises :class:`_Incompatible`."""
    if t == t1:
        return h1
    if t == t2:
        return h2
    fraction = (t - t1) / (t2 - t1)
    if is_counter and h2.detect_reset(h1):
        return h2.mul(fraction)
    diff = h2.sub(h1)
    if diff.histogram is None:
        raise _Incompatible
    if diff.nhcb_bounds_reconciled:
        note(H.mismatched_custom_buckets_info("subtraction"))
    out = diff.histogram.mul(fraction).add(h1)
    if out.histogram is None:
        raise _Incompatible
    if out.nhcb_bounds_reconciled:
        note(H.mismatched_custom_buckets_info("addition"))
    return out.histogram


def extended_range_function(func: str, rs: RangeSeries, range_start: int, range_end: int, range_ms: int,
                            smoothed: bool, note: Note) -> Sample | None:
    """rate/increase/delta/resets/changes over an anchored or smoothed range holding histograms
    (``extendedHistogramRate``, ``pickFirstSampleIndices``); the sample has the series' labels."""
    metric = metric_name(rs.labels)
    if func in ("resets", "changes"):
        first = _first_indexes(rs, range_start)
        if first is None:
            return None
        return Sample(rs.labels, resets_or_changes(rs.timestamps, rs.values, rs.h_timestamps, rs.h_values,
                                                   func == "resets", *first))
    if rs.values:
        note(H.mixed_floats_histograms_warning(metric))
        return None
    h = extended_histogram_rate(rs.h_timestamps, rs.h_values, range_start, range_end, range_ms, smoothed,
                                func != "delta", func == "rate", metric, note)
    return None if h is None else Sample(rs.labels, 0.0, h)


def _first_indexes(rs: RangeSeries, range_start: int) -> tuple[int, int] | None:
    """``pickFirstSampleIndices`` for an anchored range: the anchor (the last sample at or
    before the range start, of either kind) and everything after it."""
    ft, ht = rs.timestamps, rs.h_timestamps
    last_float = _search(len(ft), lambda i: ft[i] > range_start) - 1
    last_hist = _search(len(ht), lambda i: ht[i] > range_start) - 1
    if last_float + 1 >= len(ft) and last_hist + 1 >= len(ht):
        return None
    if last_float < 0 and last_hist < 0:
        return 0, 0
    if last_hist < 0 or (last_float >= 0 and ft[last_float] >= ht[last_hist]):
        return last_float, last_hist + 1
    return last_float + 1, last_hist


def extended_histogram_rate(ts: Sequence[int], hs: Sequence[FloatHistogram], range_start: int, range_end: int,
                            range_ms: int, smoothed: bool, is_counter: bool, is_rate: bool, metric: str,
                            note: Note) -> FloatHistogram | None:
    """``extendedHistogramRate``: from the histogram at (or, smoothed, interpolated at) the
    range's start to the one at its end, with counter resets in between added back."""
    last = len(hs) - 1
    first = max(0, _search(last, lambda i: ts[i] > range_start) - 1)
    if smoothed:
        last = _search(last, lambda i: ts[i] >= range_end)
    if ts[last] <= range_start or (smoothed and ts[first] > range_end):
        return None
    window = hs[first:last + 1]
    custom = window[0].uses_custom_buckets
    for h in window:
        if h.uses_custom_buckets != custom:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
        if is_counter and h.counter_reset_hint is GAUGE:
            note(H.native_histogram_not_counter_warning(metric))
    try:
        left = (interpolate(hs[first], ts[first], hs[first + 1], ts[first + 1], range_start, is_counter, note)
                if smoothed and ts[first] < range_start else hs[first])
        right = (interpolate(hs[last - 1], ts[last - 1], hs[last], ts[last], range_end, is_counter, note)
                 if smoothed and last > 0 and ts[last] > range_end else hs[last])
    except _Incompatible:
        note(H.mixed_exponential_custom_histograms_warning(metric))
        return None
    if not is_counter and (left.counter_reset_hint is not GAUGE or right.counter_reset_hint is not GAUGE):
        note(H.native_histogram_not_gauge_warning(metric))
    diff = right.sub(left)
    if diff.histogram is None:
        note(H.mixed_exponential_custom_histograms_warning(metric))
        return None
    if diff.nhcb_bounds_reconciled:
        note(H.mismatched_custom_buckets_info("subtraction"))
    result = diff.histogram
    if is_counter:
        try:
            correction = _reset_correction(ts, hs, first, last, left, right, range_start, smoothed, note)
        except _Incompatible:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
        if correction is not None:
            added = result.add(correction)
            if added.histogram is None:
                note(H.mixed_exponential_custom_histograms_warning(metric))
                return None
            if added.nhcb_bounds_reconciled:
                note(H.mismatched_custom_buckets_info("addition"))
            result = added.histogram
    if is_rate:
        result = result.div(range_ms / 1000)
    return result.with_hint(GAUGE).compact(0)


def _reset_correction(ts: Sequence[int], hs: Sequence[FloatHistogram], first_index: int, last_index: int,
                      left: FloatHistogram, right: FloatHistogram, range_start: int, smoothed: bool,
                      note: Note) -> FloatHistogram | None:
    """``correctForCounterResetsHistogram``: the sum of the histograms before each reset strictly
    inside the range (the boundaries' own resets are in ``left`` and ``right`` already)."""
    first = first_index + 1
    prev = left
    if smoothed and ts[first_index] < range_start and hs[first_index + 1].detect_reset(hs[first_index]):
        # The left interpolation spanned that reset already.
        prev = hs[first_index + 1]
        first += 1
    last = last_index - 1
    if first > last + 1:
        return None
    correction: FloatHistogram | None = None

    def add(h: FloatHistogram) -> None:
        nonlocal correction
        if correction is None:
            correction = h
            return
        r = correction.add(h)
        if r.histogram is None:
            raise _Incompatible
        if r.nhcb_bounds_reconciled:
            note(H.mismatched_custom_buckets_info("addition"))
        correction = r.histogram

    for h in hs[first:last + 1]:
        if h.detect_reset(prev):
            add(prev)
        prev = h
    if right.detect_reset(prev):
        add(prev)
    return correction


def smoothed_sample(rs: RangeSeries, at: int, note: Note) -> Sample | None:
    """``smoothSeries`` at one time for a series with histograms in the lookback window on both
    sides of ``at``: the sample at ``at``, the interpolation between its neighbours, or the last
    one before it (with an unknown hint); nothing and a warning for a mix with floats."""
    metric = metric_name(rs.labels)
    if not rs.h_values:
        from ruletest.promql.extended_ranges import smoothed_value

        v = smoothed_value(rs.timestamps, rs.values, at)
        return None if v is None else Sample(rs.labels, v)
    if rs.values:
        note(H.mixed_floats_histograms_warning(metric))
        return None
    ts, hs = rs.h_timestamps, rs.h_values
    i = _search(len(ts), lambda k: ts[k] >= at)
    if i < len(ts) and ts[i] == at:
        return Sample(rs.labels, 0.0, hs[i])
    if 0 < i < len(ts):
        prev, nxt = hs[i - 1], hs[i]
        if prev.uses_custom_buckets != nxt.uses_custom_buckets:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
        is_counter = prev.counter_reset_hint is not GAUGE or nxt.counter_reset_hint is not GAUGE
        try:
            h = interpolate(prev, ts[i - 1], nxt, ts[i], at, is_counter, note)
        except _Incompatible:
            note(H.mixed_exponential_custom_histograms_warning(metric))
            return None
        return Sample(rs.labels, 0.0, h)
    if i > 0:
        return Sample(rs.labels, 0.0, hs[i - 1].with_hint(CounterResetHint.UNKNOWN))
    return None
