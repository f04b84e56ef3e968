"""Native histograms: Prometheus 3.14's ``FloatHistogram`` and the arithmetic PromQL does on it.

The spec is ``model/histogram/{float_histogram,generic,histogram}.go`` and ``promql/quantile.go``
at v3.14.0 (and ``promql/functions.go`` for ``histogram_stddev``/``stdvar``). Results must match
promtool bit for bit, because promtool compares expected samples exactly and prints histograms
in its test notation; so bucket layouts (which buckets exist, including empty ones, and how the
spans are split) follow Go's algorithms too: ``==`` between histograms and ``changes()`` compare
layouts, and the ``{{...}} + {{...}}xN`` series notation keeps Go's uncompacted sums.

Everything here is pure: histograms are immutable, every operation returns a new one, and where
Prometheus attaches an annotation (a warning or info) the result says so as data instead of
raising, so the engine decides which annotation to attach and where.

Bucket indexes work as in Prometheus: for exponential schemas bucket ``i`` of the positive side
holds values in ``(bound(i-1), bound(i)]`` with ``bound(i) = 2**(i * 2**-schema)``; the negative
side mirrors it; the zero bucket holds ``[-zero_threshold, zero_threshold]``. Custom-bucket
histograms (NHCB, schema -53) use ``custom_values`` as upper bounds, bucket ``len(custom_values)``
being the ``+Inf`` one, and have no negative or zero buckets.
"""

from __future__ import annotations

import bisect
import enum
import math
import operator
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Literal, NamedTuple

from ruletest.gocompat import go_quote
from ruletest.promql.gomath import LN2_HI, LN2_LO, go_log2
from ruletest.promql.kahan import kahan_inc
from ruletest.records import record

CUSTOM_BUCKETS_SCHEMA = -53
EXPONENTIAL_SCHEMA_MIN = -4
EXPONENTIAL_SCHEMA_MAX = 8

_MAX_FLOAT = 1.7976931348623157e308
_STALE_NAN_BITS = 0x7FF0000000000002
# promqltest's tolerance (``defaultEpsilon`` in promql/promqltest/test.go).
DEFAULT_EPSILON = 1e-6


class CounterResetHint(enum.Enum):
    """What is known about a counter reset at this sample (``counter_reset_hint:`` in the notation)."""

    UNKNOWN = "unknown"
    RESET = "reset"
    NOT_RESET = "not_reset"
    GAUGE = "gauge"


class Span(NamedTuple):
    """A run of consecutive buckets: ``offset`` is the gap after the previous span (for the first
    span, the index of its first bucket), ``length`` the number of buckets."""

    offset: int
    length: int


@record(slots=True)
class Bucket:
    """One bucket with its bounds (``histogram.Bucket[float64]``)."""

    lower: float
    upper: float
    lower_inclusive: bool
    upper_inclusive: bool
    count: float
    index: int = 0

    def fraction_below(self, v: float, linear: bool) -> float:
        """Go's ``Bucket.FractionBelow``: the share of the bucket's width at or below ``v`` (which
        must lie strictly inside finite bounds), on a linear or (``linear=False``) log scale."""
        if linear:
            return _fdiv(v - self.lower, self.upper - self.lower)
        log_lower = go_log2(abs(self.lower))
        log_upper = go_log2(abs(self.upper))
        log_v = go_log2(abs(v))
        if v > 0:
            return _fdiv(log_v - log_lower, log_upper - log_lower)
        return 1 - _fdiv(log_v - log_upper, log_lower - log_upper)

    def __str__(self) -> str:
        """Go's ``Bucket.String()``: ``(0.5,1]:3``."""
        return (("[" if self.lower_inclusive else "(") + f"{_g(self.lower)},{_g(self.upper)}"
                + ("]" if self.upper_inclusive else ")") + f":{_g(self.count)}")


@record(slots=True)
class Annotation:
    """A PromQL warning or info as Prometheus words it (``util/annotations``), without the
    position suffix (`` (1:10)``) the engine adds from the expression."""

    level: Literal["warning", "info"]
    message: str

    def text(self, position: str | None = None) -> str:
        base = f"PromQL {self.level}: {self.message}"
        return f"{base} ({position})" if position else base


# --- annotations Prometheus attaches around native histograms (util/annotations/annotations.go)

HistogramOperation = Literal["addition", "subtraction", "aggregation"]


def _with_metric_name(message: str, metric_name: str) -> str:
    return f"{message} for metric name {go_quote(metric_name)}" if metric_name else message


def mixed_floats_histograms_warning(metric_name: str) -> Annotation:
    return Annotation("warning", f"encountered a mix of histograms and floats for metric name {go_quote(metric_name)}")


def mixed_floats_histograms_aggregation_warning() -> Annotation:
    return Annotation("warning", "encountered a mix of histograms and floats for aggregation")


def mixed_classic_native_histograms_warning(metric_name: str) -> Annotation:
    return Annotation("warning", _with_metric_name("vector contains a mix of classic and native histograms", metric_name))


def native_histogram_not_counter_warning(metric_name: str) -> Annotation:
    return Annotation("warning", f"this native histogram metric is not a counter: {go_quote(metric_name)}")


def native_histogram_not_gauge_warning(metric_name: str) -> Annotation:
    return Annotation("warning", f"this native histogram metric is not a gauge: {go_quote(metric_name)}")


def mixed_exponential_custom_histograms_warning(metric_name: str) -> Annotation:
    return Annotation("warning", "vector contains a mix of histograms with exponential and custom buckets schemas "
                      f"for metric name {go_quote(metric_name)}")


def incompatible_bucket_layout_in_binop_warning(operator: str) -> Annotation:
    return Annotation("warning", f"incompatible bucket layout encountered for binary operator {operator}")


def incompatible_types_in_binop_info(lhs_type: str, operator: str, rhs_type: str) -> Annotation:
    return Annotation("info", f"incompatible sample types encountered for binary operator {go_quote(operator)}: "
                      f"{lhs_type} {operator} {rhs_type}")


def histogram_ignored_in_aggregation_info(aggregation: str) -> Annotation:
    return Annotation("info", f"ignored histogram in {aggregation} aggregation")


def histogram_ignored_in_mixed_range_info(metric_name: str) -> Annotation:
    return Annotation("info", "ignored histograms in a range containing both floats and histograms for metric name "
                      f"{go_quote(metric_name)}")


def histogram_counter_reset_collision_warning(operation: HistogramOperation) -> Annotation:
    return Annotation("warning", f"conflicting counter resets during histogram {operation}")


def mismatched_custom_buckets_info(operation: HistogramOperation) -> Annotation:
    return Annotation("info", f"mismatched custom buckets were reconciled during {operation}")


def invalid_quantile_warning(q: float) -> Annotation:
    return Annotation("warning", f"quantile value should be between 0 and 1, got {_g(q)}")


def quantile_nan_result_info(metric_name: str) -> Annotation:
    return Annotation("info", _with_metric_name("input to histogram_quantile has NaN observations, result is NaN",
                                                metric_name))


def quantile_nan_skew_info(metric_name: str) -> Annotation:
    return Annotation("info", _with_metric_name(
        "input to histogram_quantile has NaN observations, result is skewed higher", metric_name))


def forced_monotonicity_info(metric_name: str) -> Annotation:
    return Annotation("info", _with_metric_name(
        "input to histogram_quantile needed to be fixed for monotonicity (see "
        "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)", metric_name))


def invalid_ratio_warning(ratio: float, capped: float) -> Annotation:
    return Annotation("warning", f"ratio value should be between -1 and 1, got {_g(ratio)}, capping to {_g(capped)}")


def sort_in_range_query_warning() -> Annotation:
    return Annotation("warning", "sort is ineffective for range queries since results are always ordered by labels")


def bad_bucket_label_warning(metric_name: str, label: str) -> Annotation:
    return Annotation("warning", _with_metric_name(
        f'bucket label "le" is missing or has a malformed value of {go_quote(label)}', metric_name))


def fraction_nans_info(metric_name: str) -> Annotation:
    return Annotation("info", _with_metric_name(
        "input to histogram_fraction has NaN observations, which are excluded from all fractions", metric_name))


# Go's ErrHistogramsIncompatibleSchema: what Add/Sub/KahanAdd return for a mix of exponential and
# custom-bucket histograms (the engine turns it into one of the warnings above).
INCOMPATIBLE_SCHEMA_ERROR = ("cannot apply this operation on histograms with a mix of exponential and custom "
                             "bucket schemas")


@record(slots=True)
class Combined:
    """The result of ``add``/``sub``: ``histogram`` is None when one operand uses custom buckets
    and the other does not (Prometheus's ``ErrHistogramsIncompatibleSchema``); the flags say
    which annotation the caller owes (counter-reset collision warning, NHCB reconciliation info)."""

    histogram: FloatHistogram | None
    counter_reset_collision: bool = False
    nhcb_bounds_reconciled: bool = False


@record(slots=True)
class KahanCombined:
    """The result of ``kahan_add``: the running sum and its compensation histogram (to be added to
    the sum at the end, as Prometheus's ``sum``/``avg`` and ``*_over_time`` do)."""

    histogram: FloatHistogram | None
    compensation: FloatHistogram | None
    counter_reset_collision: bool = False
    nhcb_bounds_reconciled: bool = False


@record(slots=True)
class FloatHistogram:
    """An immutable native histogram with float counts (Go's ``histogram.FloatHistogram``).

    ``==`` compares fields as Python values (convenient in tests); PromQL's ``==`` is
    :meth:`equals` (Go's ``Equals``: bit patterns, bucket layout)."""

    counter_reset_hint: CounterResetHint = CounterResetHint.UNKNOWN
    schema: int = 0
    zero_threshold: float = 0.0
    zero_count: float = 0.0
    count: float = 0.0
    sum: float = 0.0
    positive_spans: tuple[Span, ...] = ()
    positive_buckets: tuple[float, ...] = ()
    negative_spans: tuple[Span, ...] = ()
    negative_buckets: tuple[float, ...] = ()
    custom_values: tuple[float, ...] = ()

    # --- basic properties --------------------------------------------------------------------

    @property
    def uses_custom_buckets(self) -> bool:
        return self.schema == CUSTOM_BUCKETS_SCHEMA

    def with_hint(self, hint: CounterResetHint) -> FloatHistogram:
        return replace(self, counter_reset_hint=hint)

    def has_overflow(self) -> bool:
        """Any infinite field (Go's ``HasOverflow``)."""
        values = (self.zero_count, self.count, self.sum, *self.positive_buckets, *self.negative_buckets,
                  *self.custom_values)
        return any(math.isinf(v) for v in values)

    def validate(self) -> str | None:
        """Prometheus's ``Validate()`` error message, or None. The TSDB refuses (and promtool
        fails to load) a histogram with an error."""
        if self.uses_custom_buckets:
            err = _check_custom_bounds(self.custom_values, self.positive_spans, len(self.positive_buckets))
            if err:
                return "custom buckets: " + err
            if self.zero_count != 0:
                return "custom buckets: must have zero count of 0"
            if self.zero_threshold != 0:
                return "custom buckets: must have zero threshold of 0"
            if self.negative_spans:
                return "custom buckets: must not have negative spans"
            if self.negative_buckets:
                return "custom buckets: must not have negative buckets"
        elif is_exponential_schema(self.schema):
            err = _check_spans(self.positive_spans, len(self.positive_buckets))
            if err:
                return "positive side: " + err
            err = _check_spans(self.negative_spans, len(self.negative_buckets))
            if err:
                return "negative side: " + err
            err = _check_buckets(self.negative_buckets)
            if err:
                return "negative side: " + err
            if self.zero_count < 0:
                return (f"zero bucket has observation count of {_g(self.zero_count)}: "
                        "histogram has a bucket whose observation count is negative")
            if self.custom_values:
                return "histogram with exponential schema must not have custom bounds"
        else:
            return (f"histogram has an invalid schema, which must be between {EXPONENTIAL_SCHEMA_MIN} and "
                    f"{EXPONENTIAL_SCHEMA_MAX} for exponential buckets, or {CUSTOM_BUCKETS_SCHEMA} for custom "
                    f"buckets, got schema {self.schema}")
        if self.count < 0:
            return f"observation count is  {_g(self.count)}: histogram's observation count is negative"
        err = _check_buckets(self.positive_buckets)
        if err:
            return "positive side: " + err
        return None

    # --- buckets -------------------------------------------------------------------------------

    def zero_bucket(self) -> Bucket:
        if self.uses_custom_buckets:
            raise ValueError("histograms with custom buckets have no zero bucket")
        return Bucket(-self.zero_threshold, self.zero_threshold, True, True, self.zero_count)

    def positive_bucket_list(self) -> list[Bucket]:
        """Positive buckets, ascending (``PositiveBucketIterator``); empty ones included."""
        return [_bucket(i, c, True, self.schema, self.custom_values)
                for i, c in _iter_side(self.positive_spans, self.positive_buckets)]

    def negative_bucket_list(self) -> list[Bucket]:
        """Negative buckets from the zero bucket downwards (``NegativeBucketIterator``)."""
        return [_bucket(i, c, False, self.schema, ())
                for i, c in _iter_side(self.negative_spans, self.negative_buckets)]

    def buckets_at_schema(self, target_schema: int, positive: bool = True) -> list[Bucket]:
        """One side's buckets merged into a lower-resolution schema (Go's ``floatBucketIterator``
        with a target schema), as counter-reset detection compares them."""
        spans, buckets = ((self.positive_spans, self.positive_buckets) if positive
                          else (self.negative_spans, self.negative_buckets))
        custom = self.custom_values if positive else ()
        return [_bucket(i, c, positive, target_schema, custom)
                for i, c in _iter_target(spans, buckets, self.schema, target_schema, 0.0)]

    def all_buckets(self) -> list[Bucket]:
        """Negative, zero (if populated) and positive buckets in ascending order
        (``AllBucketIterator``): buckets overlapping the zero bucket end at its threshold."""
        zt = self.zero_threshold
        out = []
        for b in reversed(self.negative_bucket_list()):
            if -zt < b.upper < 0:
                b = _with_bounds(b, b.lower, -zt)
            out.append(b)
        if self.zero_count > 0:
            out.append(self.zero_bucket())
        for b in self.positive_bucket_list():
            if 0 < b.lower < zt:
                b = _with_bounds(b, zt, b.upper)
            out.append(b)
        return out

    def all_buckets_reverse(self) -> list[Bucket]:
        """``all_buckets`` in descending order (``AllReverseBucketIterator``)."""
        zt = self.zero_threshold
        out = []
        for b in reversed(self.positive_bucket_list()):
            if 0 < b.lower < zt:
                b = _with_bounds(b, zt, b.upper)
            out.append(b)
        if self.zero_count > 0:
            out.append(self.zero_bucket())
        for b in self.negative_bucket_list():
            if -zt < b.upper < 0:
                b = _with_bounds(b, b.lower, -zt)
            out.append(b)
        return out

    # --- arithmetic ----------------------------------------------------------------------------

    def mul(self, factor: float) -> FloatHistogram:
        """Scale counts, sum and buckets; a negative factor makes it a gauge (Go's ``Mul``)."""
        w = _Work.of(self)
        w.zc *= factor
        w.count *= factor
        w.sum *= factor
        for r in (*w.pos, *w.neg):
            r.vals = [v * factor for v in r.vals]
        if factor < 0:
            w.hint = CounterResetHint.GAUGE
        return w.histogram()

    def div(self, scalar: float) -> FloatHistogram:
        """Go's ``Div``: dividing by zero drops all buckets (counts become ±Inf or NaN)."""
        w = _Work.of(self)
        w.zc = _fdiv(w.zc, scalar)
        w.count = _fdiv(w.count, scalar)
        w.sum = _fdiv(w.sum, scalar)
        if scalar == 0:
            w.pos, w.neg = [], []
            return w.histogram()
        for r in (*w.pos, *w.neg):
            r.vals = [_fdiv(v, scalar) for v in r.vals]
        if scalar < 0:
            w.hint = CounterResetHint.GAUGE
        return w.histogram()

    def add(self, other: FloatHistogram) -> Combined:
        """``self + other`` as Go's ``Add``: the zero buckets are widened to cover both, the
        finer schema is reduced to the coarser one, NHCBs with different bounds are mapped onto
        the bounds they share. The result is not compacted (call ``compact(0)`` as the engine
        does). Counter reset hints combine as Go's ``adjustCounterReset``."""
        return _add_sub(self, other, negative=False)

    def sub(self, other: FloatHistogram) -> Combined:
        """``self - other`` (Go's ``Sub``; the PromQL ``-`` operator then makes the result a gauge)."""
        return _add_sub(self, other, negative=True)

    def kahan_add(self, other: FloatHistogram, compensation: FloatHistogram | None = None) -> KahanCombined:
        """Go's ``KahanAdd``: ``self + other`` with the rounding errors kept in ``compensation``
        (whose layout follows the sum's). Start with ``compensation=None``."""
        return _kahan_add(self, other, compensation)

    def compact(self, max_empty_buckets: int = 0) -> FloatHistogram:
        """Go's ``Compact``: drop empty buckets at the ends of spans and runs of more than
        ``max_empty_buckets`` empty ones inside them, then join spans at most that far apart."""
        w = _Work.of_exact(self)
        w.pos = _compact_runs(w.pos, max_empty_buckets)
        w.neg = _compact_runs(w.neg, max_empty_buckets)
        return w.histogram()

    def trim_buckets(self, rhs: float, upper: bool) -> FloatHistogram:
        """Go's ``TrimBuckets``, the ``</`` (``upper``: keep observations below ``rhs``) and
        ``>/`` operators of Prometheus 3: buckets beyond ``rhs`` are emptied, the one containing
        it keeps its interpolated share, and count and sum are re-estimated from bucket midpoints
        (only when something was trimmed)."""
        w = _Work.of(self)
        custom = w.custom_buckets
        updated_count = updated_sum = 0.0
        trimmed = has_positive = has_negative = False
        for runs, positive in ((w.pos, True), (w.neg, False)):
            for r in runs:
                for k, count in enumerate(r.vals):
                    if count == 0:
                        continue
                    if positive:
                        has_positive = True
                    else:
                        has_negative = True
                    b = _bucket(r.start + k, count, positive, w.schema, w.custom if positive else ())
                    keep_all = b.upper <= rhs if upper else b.lower >= rhs
                    partial = b.lower < rhs if upper else b.upper > rhs
                    if keep_all:
                        updated_count += count
                        updated_sum += _midpoint(b.lower, b.upper, positive, custom) * count
                    elif partial:
                        keep, mid = _bucket_trim(b, rhs, upper, positive, custom)
                        updated_count += keep
                        updated_sum += mid * keep
                        if count != keep:
                            r.vals[k] = keep
                            trimmed = True
                    else:
                        r.vals[k] = 0.0
                        trimmed = True
        if w.zc > 0:
            keep, mid = _zero_bucket_trim(w.zt, w.zc, rhs, has_negative, has_positive, upper)
            if w.zc != keep:
                w.zc = keep
                trimmed = True
            updated_sum += mid * keep
            updated_count += keep
        if not trimmed:
            return w.histogram()
        w.count, w.sum = updated_count, updated_sum
        w.pos = _compact_runs(w.pos, 0)
        w.neg = _compact_runs(w.neg, 0)
        return w.histogram()

    def copy_to_schema(self, target_schema: int) -> FloatHistogram:
        """Go's ``CopyToSchema``: the same histogram at a lower resolution (the hint is not kept)."""
        if target_schema == self.schema:
            return _Work.of(self).histogram()
        if self.uses_custom_buckets:
            raise ValueError(f"cannot reduce resolution to {target_schema} when there are custom buckets")
        if target_schema == CUSTOM_BUCKETS_SCHEMA:
            raise ValueError("cannot reduce resolution to custom buckets schema")
        if target_schema > self.schema:
            raise ValueError(f"cannot copy from schema {self.schema} to {target_schema}")
        w = _Work.of(self)
        w.hint = CounterResetHint.UNKNOWN
        w.pos = _reduce_runs(w.pos, self.schema, target_schema)
        w.neg = _reduce_runs(w.neg, self.schema, target_schema)
        w.schema = target_schema
        return w.histogram()

    def reduce_resolution(self, target_schema: int) -> FloatHistogram:
        """Go's ``ReduceResolution`` (checks the spans; raises ValueError with Go's message)."""
        if self.uses_custom_buckets:
            raise ValueError("cannot reduce resolution when there are custom buckets")
        if target_schema == CUSTOM_BUCKETS_SCHEMA:
            raise ValueError("cannot reduce resolution to custom buckets schema")
        if target_schema >= self.schema:
            raise ValueError(f"cannot reduce resolution from schema {self.schema} to {target_schema}")
        for spans, buckets in ((self.positive_spans, self.positive_buckets),
                               (self.negative_spans, self.negative_buckets)):
            err = _check_spans_for_reduction(spans, len(buckets))
            if err:
                raise ValueError(err)
        w = _Work.of_exact(self)
        w.pos = _reduce_runs(w.pos, self.schema, target_schema)
        w.neg = _reduce_runs(w.neg, self.schema, target_schema)
        w.schema = target_schema
        return w.histogram()

    # --- comparisons ---------------------------------------------------------------------------

    def equals(self, other: FloatHistogram) -> bool:
        """Go's ``Equals`` (PromQL ``==`` and ``changes()``): same schema, bit-identical counts,
        sum and buckets, and the same bucket layout (empty buckets count)."""
        if (self.schema != other.schema or not _same_bits(self.count, other.count)
                or not _same_bits(self.sum, other.sum)):
            return False
        if self.uses_custom_buckets and self.custom_values != other.custom_values:
            return False
        if self.zero_threshold != other.zero_threshold or not _same_bits(self.zero_count, other.zero_count):
            return False
        return (spans_match(self.negative_spans, other.negative_spans)
                and _buckets_same_bits(self.negative_buckets, other.negative_buckets)
                and spans_match(self.positive_spans, other.positive_spans)
                and _buckets_same_bits(self.positive_buckets, other.positive_buckets))

    def detect_reset(self, previous: FloatHistogram) -> bool:
        """Go's ``DetectReset``: did a counter reset happen between ``previous`` and this one?
        The hint decides when it is ``reset`` or ``not_reset``; otherwise any count that went
        down, any populated bucket that vanished, a finer schema or a narrower zero bucket is a
        reset (gauge histograms are treated as counters, as Prometheus does)."""
        return _detect_reset(self, previous)

    # --- printed forms -------------------------------------------------------------------------

    def test_expression(self) -> str:
        """promtool's notation (Go's ``TestExpression``): how ``exp_samples[].histogram`` is
        compared and how failures print histograms."""
        m = _Work.of(self).histogram().compact(2**63 - 1)
        parts = []
        if m.schema != 0:
            parts.append(f"schema:{m.schema}")
        if m.count != 0:
            parts.append(f"count:{_g(m.count)}")
        if m.sum != 0:
            parts.append(f"sum:{_g(m.sum)}")
        if m.zero_count != 0:
            parts.append(f"z_bucket:{_g(m.zero_count)}")
        if m.zero_threshold != 0:
            parts.append(f"z_bucket_w:{_g(m.zero_threshold)}")
        if m.uses_custom_buckets:
            parts.append("custom_values:[" + " ".join(_g(v) for v in m.custom_values) + "]")
        if m.counter_reset_hint is not CounterResetHint.UNKNOWN:
            parts.append(f"counter_reset_hint:{m.counter_reset_hint.value}")
        for spans, buckets, offset_key, buckets_key in ((m.positive_spans, m.positive_buckets, "offset", "buckets"),
                                                        (m.negative_spans, m.negative_buckets, "n_offset",
                                                         "n_buckets")):
            for span in spans:
                if span.offset != 0:
                    parts.append(f"{offset_key}:{span.offset}")
            if buckets:
                parts.append(f"{buckets_key}:[" + " ".join(_g(b) for b in buckets) + "]")
        return "{{" + " ".join(parts) + "}}"

    def go_string(self) -> str:
        """Go's ``String()``: ``{count:3, sum:5, [-0.001,0.001]:1, (1,2]:2}`` (populated buckets only)."""
        parts = [f"count:{_g(self.count)}", f"sum:{_g(self.sum)}"]
        parts += [str(b) for b in reversed(self.negative_bucket_list()) if b.count != 0]
        if self.zero_count != 0 and not self.uses_custom_buckets:
            parts.append(str(self.zero_bucket()))
        parts += [str(b) for b in self.positive_bucket_list() if b.count != 0]
        return "{" + ", ".join(parts) + "}"

    def __str__(self) -> str:
        return self.go_string()


# --- schemas and bucket bounds ------------------------------------------------------------------


def is_exponential_schema(schema: int) -> bool:
    return EXPONENTIAL_SCHEMA_MIN <= schema <= EXPONENTIAL_SCHEMA_MAX


def is_valid_schema(schema: int) -> bool:
    return schema == CUSTOM_BUCKETS_SCHEMA or is_exponential_schema(schema)


def bucket_bound(index: int, schema: int, custom_values: Sequence[float] = ()) -> float:
    """Upper bound of bucket ``index`` (Go's ``getBound``)."""
    if schema == CUSTOM_BUCKETS_SCHEMA:
        n = len(custom_values)
        if index > n or index < -1:
            raise ValueError(f"index {index} out of bounds for custom bounds of length {n}")
        if index == n:
            return math.inf
        if index == -1:
            return -math.inf
        return custom_values[index]
    return _bound_exponential(index, schema)


def _bound_exponential(idx: int, schema: int) -> float:
    # The last finite bucket ends at MaxFloat64 instead of overflowing (see generic.go).
    if schema < 0:
        exp = idx << -schema
        if exp == 1024:
            return _MAX_FLOAT
        return _ldexp(1.0, exp)
    frac = _EXPONENTIAL_BOUNDS[schema][idx & ((1 << schema) - 1)]
    exp = (idx >> schema) + 1
    if frac == 0.5 and exp == 1025:
        return _MAX_FLOAT
    return _ldexp(frac, exp)


def bucket_index(value: float, schema: int, custom_values: Sequence[float] = ()) -> int:
    """Index of the bucket an observation of ``|value|`` falls in (the instrumentation side of
    native histograms: client_golang's key computation); not for values in the zero bucket."""
    if schema == CUSTOM_BUCKETS_SCHEMA:
        return bisect.bisect_left(custom_values, value)
    frac, exp = math.frexp(abs(value))
    if schema > 0:
        return bisect.bisect_left(_EXPONENTIAL_BOUNDS[schema], frac) + (exp - 1) * len(_EXPONENTIAL_BOUNDS[schema])
    key = exp - 1 if frac == 0.5 else exp
    offset = (1 << -schema) - 1
    return (key + offset) >> -schema


def custom_bucket_bounds_match(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(x == y for x, y in zip(a, b, strict=True))


def spans_match(s1: Sequence[Span], s2: Sequence[Span]) -> bool:
    """Go's ``spansMatch``: the same layout once zero-length spans are folded into the next one
    (adjacent spans are *not* joined)."""
    return _fold_empty_spans(s1) == _fold_empty_spans(s2)


def _fold_empty_spans(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    carry = 0
    for off, length in spans:
        if length == 0:
            carry += off
            continue
        out.append(Span(off + carry, length))
        carry = 0
    return out


def _bucket(index: int, count: float, positive: bool, schema: int, custom: Sequence[float]) -> Bucket:
    if positive:
        upper = bucket_bound(index, schema, custom)
        lower = bucket_bound(index - 1, schema, custom)
    else:
        lower = -bucket_bound(index, schema, custom)
        upper = -bucket_bound(index - 1, schema, custom)
    if schema == CUSTOM_BUCKETS_SCHEMA:
        return Bucket(lower, upper, index == 0, True, count, index)
    return Bucket(lower, upper, lower < 0, upper > 0, count, index)


def _with_bounds(b: Bucket, lower: float, upper: float) -> Bucket:
    return Bucket(lower, upper, b.lower_inclusive, b.upper_inclusive, b.count, b.index)


def _iter_side(spans: Sequence[Span], buckets: Sequence[float]) -> Iterator[tuple[int, float]]:
    """(index, count) of each bucket; stops early on a layout that needs more buckets than given."""
    idx = 0
    b = 0
    n = len(buckets)
    for off, length in spans:
        idx += off
        for _ in range(length):
            if b >= n:
                return
            yield idx, buckets[b]
            idx += 1
            b += 1


def _target_idx(idx: int, origin: int, target: int) -> int:
    return ((idx - 1) >> (origin - target)) + 1


def _iter_target(spans: Sequence[Span], buckets: Sequence[float], schema: int, target: int,
                 absolute_start: float) -> Iterator[tuple[int, float]]:
    """Go's ``floatBucketIterator``: buckets merged into ``target`` schema, leading buckets whose
    upper bound is at most ``absolute_start`` skipped (exponential schemas only)."""
    if schema == CUSTOM_BUCKETS_SCHEMA and target != schema:
        raise ValueError("cannot merge from custom buckets schema to exponential schema")
    if schema != CUSTOM_BUCKETS_SCHEMA and target == CUSTOM_BUCKETS_SCHEMA:
        raise ValueError("cannot merge from exponential buckets schema to custom schema")
    if target > schema:
        raise ValueError(f"cannot merge from schema {schema} to {target}")
    merged: Iterable[tuple[int, float]]
    if target == schema:
        merged = _iter_side(spans, buckets)
    else:
        merged = _merge_to_target(_iter_side(spans, buckets), schema, target)
    skipping = absolute_start != 0 and is_exponential_schema(target)
    for idx, count in merged:
        if skipping and _bound_exponential(idx, target) <= absolute_start:
            continue
        skipping = False
        yield idx, count


def _merge_to_target(items: Iterator[tuple[int, float]], schema: int, target: int) -> Iterator[tuple[int, float]]:
    current: int | None = None
    total = 0.0
    for idx, count in items:
        t = _target_idx(idx, schema, target)
        if current is None:
            current, total = t, count
        elif t == current:
            total += count
        else:
            yield current, total
            current, total = t, count
    if current is not None:
        yield current, total


# --- validation -----------------------------------------------------------------------------


def _check_spans(spans: Sequence[Span], n_buckets: int) -> str | None:
    total = 0
    for n, span in enumerate(spans):
        if n > 0 and span.offset < 0:
            return f"span number {n + 1} with offset {span.offset}: histogram has a span whose offset is negative"
        total += span.length
    if total != n_buckets:
        return (f"spans need {total} buckets, have {n_buckets} buckets: "
                "histogram spans specify different number of buckets than provided")
    return None


def _check_spans_for_reduction(spans: Sequence[Span], n_buckets: int) -> str | None:
    """The checks (and words) of Go's ``reduceResolution``."""
    seen = 0
    for n, span in enumerate(spans):
        if n > 0 and span.offset < 0:
            return f"span number {n + 1} with offset {span.offset}: histogram has a span whose offset is negative"
        for _ in range(span.length):
            if seen >= n_buckets:
                return (f"have {n_buckets} buckets but spans need more: "
                        "histogram spans specify different number of buckets than provided")
            seen += 1
    if seen != n_buckets:
        return (f"spans need {seen} buckets, have {n_buckets} buckets: "
                "histogram spans specify different number of buckets than provided")
    return None


def _check_buckets(buckets: Sequence[float]) -> str | None:
    for i, c in enumerate(buckets):
        if c < 0:
            return (f"bucket number {i + 1} has observation count of {_g(c)}: "
                    "histogram has a bucket whose observation count is negative")
    return None


def _check_custom_bounds(bounds: Sequence[float], spans: Sequence[Span], n_buckets: int) -> str | None:
    prev = -math.inf
    for i, curr in enumerate(bounds):
        if math.isnan(curr):
            return "histogram custom bounds must not be NaN"
        if i > 0 and curr <= prev:
            return (f"previous bound is {_go_f(prev)} and current is {_go_f(curr)}: "
                    "histogram custom bounds must be in strictly increasing order")
        prev = curr
    if prev == math.inf:
        return "last +Inf bound must not be explicitly defined: histogram custom bounds must be finite"
    total = 0
    total_span = 0
    for n, span in enumerate(spans):
        if span.offset < 0:
            return f"span number {n + 1} with offset {span.offset}: histogram has a span whose offset is negative"
        total += span.length
        total_span += span.length + span.offset
    if total != n_buckets:
        return (f"spans need {total} buckets, have {n_buckets} buckets: "
                "histogram spans specify different number of buckets than provided")
    if len(bounds) + 1 < total_span:
        return (f"only {len(bounds)} custom bounds defined which is insufficient to cover total span length of "
                f"{total_span}: histogram custom bounds are too few")
    return None


# --- working copies -------------------------------------------------------------------------
#
# Arithmetic works on a mutable copy whose buckets are kept as runs (one per span, with absolute
# start indexes), so inserting a bucket or merging spans is list surgery instead of offset
# bookkeeping. A run may carry Kahan compensation values alongside its counts.


class _Run:
    __slots__ = ("comps", "start", "vals")

    def __init__(self, start: int, vals: list[float], comps: list[float] | None = None) -> None:
        self.start = start
        self.vals = vals
        self.comps = comps

    @property
    def end(self) -> int:
        return self.start + len(self.vals)


def _runs(spans: Sequence[Span], buckets: Sequence[float], comps: Sequence[float] | None = None) -> list[_Run]:
    runs: list[_Run] = []
    idx = 0
    b = 0
    for off, length in spans:
        idx += off
        if length == 0:
            continue
        vals = list(buckets[b:b + length])
        runs.append(_Run(idx, vals, None if comps is None else list(comps[b:b + length])))
        idx += length
        b += length
    return runs


def _spans_from_runs(runs: Sequence[_Run]) -> tuple[tuple[Span, ...], tuple[float, ...], tuple[float, ...]]:
    spans: list[Span] = []
    vals: list[float] = []
    comps: list[float] = []
    end = 0
    for r in runs:
        if not r.vals:
            continue
        spans.append(Span(r.start - end if spans else r.start, len(r.vals)))
        vals.extend(r.vals)
        if r.comps is not None:
            comps.extend(r.comps)
        end = r.end
    return tuple(spans), tuple(vals), tuple(comps)


class _Work:
    """A mutable histogram (optionally with the Kahan compensation of every field)."""

    __slots__ = ("ccount", "count", "csum", "custom", "czc", "hint", "kahan", "neg", "pos", "schema", "sum", "zc",
                 "zt")

    def __init__(self) -> None:
        self.hint = CounterResetHint.UNKNOWN
        self.schema = 0
        self.zt = 0.0
        self.zc = 0.0
        self.count = 0.0
        self.sum = 0.0
        self.pos: list[_Run] = []
        self.neg: list[_Run] = []
        self.custom: tuple[float, ...] = ()
        self.kahan = False
        self.czc = 0.0
        self.ccount = 0.0
        self.csum = 0.0

    @classmethod
    def of(cls, h: FloatHistogram, kahan: bool = False, comp: FloatHistogram | None = None) -> _Work:
        """Go's ``Copy()``: a custom-buckets histogram keeps no zero bucket or negative side, an
        exponential one no custom values."""
        w = cls._base(h)
        w.kahan = kahan
        pos_comps = (comp.positive_buckets if comp is not None else (0.0,) * len(h.positive_buckets)) if kahan else None
        w.pos = _runs(h.positive_spans, h.positive_buckets, pos_comps)
        if h.uses_custom_buckets:
            w.custom = h.custom_values
        else:
            w.zt = h.zero_threshold
            w.zc = h.zero_count
            neg_comps = ((comp.negative_buckets if comp is not None else (0.0,) * len(h.negative_buckets))
                         if kahan else None)
            w.neg = _runs(h.negative_spans, h.negative_buckets, neg_comps)
        if kahan and comp is not None:
            w.czc, w.ccount, w.csum = comp.zero_count, comp.count, comp.sum
        return w

    @classmethod
    def of_exact(cls, h: FloatHistogram) -> _Work:
        """Every field as it is (for in-place Go operations such as ``Compact``)."""
        w = cls._base(h)
        w.zt, w.zc, w.custom = h.zero_threshold, h.zero_count, h.custom_values
        w.pos = _runs(h.positive_spans, h.positive_buckets)
        w.neg = _runs(h.negative_spans, h.negative_buckets)
        return w

    @classmethod
    def _base(cls, h: FloatHistogram) -> _Work:
        w = cls()
        w.hint, w.schema, w.count, w.sum = h.counter_reset_hint, h.schema, h.count, h.sum
        return w

    @property
    def custom_buckets(self) -> bool:
        return self.schema == CUSTOM_BUCKETS_SCHEMA

    def histogram(self) -> FloatHistogram:
        ps, pb, _ = _spans_from_runs(self.pos)
        ns, nb, _ = _spans_from_runs(self.neg)
        return FloatHistogram(self.hint, self.schema, self.zt, self.zc, self.count, self.sum, ps, pb, ns, nb,
                              self.custom)

    def compensation(self, hint: CounterResetHint) -> FloatHistogram:
        ps, _, pc = _spans_from_runs(self.pos)
        ns, _, nc = _spans_from_runs(self.neg)
        return FloatHistogram(hint, self.schema, self.zt, self.czc, self.ccount, self.csum, ps, pc, ns, nc,
                              self.custom)

    def items(self, positive: bool) -> Iterator[tuple[int, float, float]]:
        for r in self.pos if positive else self.neg:
            comps = r.comps
            for k, v in enumerate(r.vals):
                yield r.start + k, v, comps[k] if comps is not None else 0.0


# --- compaction and resolution ----------------------------------------------------------------


def _compact_runs(runs: list[_Run], max_empty: int) -> list[_Run]:
    kahan = bool(runs) and runs[0].comps is not None
    joined: list[_Run] = []
    for r in runs:
        if not r.vals:
            continue
        if joined and joined[-1].end == r.start:  # adjacent spans become one
            last = joined[-1]
            last.vals = last.vals + r.vals
            if kahan:
                last.comps = (last.comps or []) + (r.comps or [])
        else:
            joined.append(_Run(r.start, list(r.vals), list(r.comps) if kahan and r.comps is not None else None))
    pieces: list[_Run] = []
    for r in joined:
        vals, comps = r.vals, r.comps
        n = len(vals)

        def empty(k: int, vals: list[float] = vals, comps: list[float] | None = comps) -> bool:
            return vals[k] == 0 and (comps is None or comps[k] == 0)

        cur: _Run | None = None
        j = 0
        while j < n:
            if empty(j):
                k = j
                while k < n and empty(k):
                    k += 1
                if cur is not None and k < n and k - j <= max_empty:
                    cur.vals.extend(vals[j:k])
                    if cur.comps is not None and comps is not None:
                        cur.comps.extend(comps[j:k])
                else:
                    cur = None
                j = k
                continue
            if cur is None:
                cur = _Run(r.start + j, [], [] if comps is not None else None)
                pieces.append(cur)
            cur.vals.append(vals[j])
            if cur.comps is not None and comps is not None:
                cur.comps.append(comps[j])
            j += 1
    if max_empty <= 0 or not pieces:
        return pieces
    out = [pieces[0]]
    for r in pieces[1:]:
        last = out[-1]
        gap = r.start - last.end
        if gap > max_empty:
            out.append(r)
            continue
        last.vals = last.vals + [0.0] * gap + r.vals
        if last.comps is not None and r.comps is not None:
            last.comps = last.comps + [0.0] * gap + r.comps
    return out


def _reduce_runs(runs: list[_Run], origin: int, target: int) -> list[_Run]:
    """Go's ``reduceResolution`` (``kahanReduceResolution`` when the runs carry compensation)."""
    out: list[_Run] = []
    last_t: int | None = None
    for r in runs:
        for k, v in enumerate(r.vals):
            c = r.comps[k] if r.comps is not None else None
            t = _target_idx(r.start + k, origin, target)
            if last_t is not None and t == last_t:
                cur = out[-1]
                if cur.comps is not None and c is not None:
                    cur.vals[-1], cur.comps[-1] = kahan_inc(v, cur.vals[-1], cur.comps[-1])
                    cur.vals[-1], cur.comps[-1] = kahan_inc(c, cur.vals[-1], cur.comps[-1])
                else:
                    cur.vals[-1] += v
            elif last_t is not None and t == last_t + 1:
                out[-1].vals.append(v)
                if c is not None:
                    comps = out[-1].comps
                    assert comps is not None
                    comps.append(c)
            else:
                out.append(_Run(t, [v], None if c is None else [c]))
            last_t = t
    return out


# --- zero buckets ----------------------------------------------------------------------------


def _zero_count_for_larger_threshold(w: _Work, larger: float, with_comp: bool) -> tuple[float, float, float]:
    """Go's ``zeroCountForLargerThreshold``: what the zero count would be with a zero bucket of
    (at least) ``larger`` width, widened further when it would cut a populated bucket."""
    czc = w.czc if with_comp else 0.0
    if larger == w.zt:
        return w.zc, larger, czc
    if larger < w.zt:
        raise ValueError(f"new threshold {larger} is less than old threshold {w.zt}")
    while True:
        zc = w.zc
        for idx, count, comp in w.items(True):
            b = _bucket(idx, count, True, w.schema, w.custom)
            if b.lower >= larger:
                break
            zc, czc = kahan_inc(count, zc, czc)
            if with_comp:
                zc, czc = kahan_inc(comp, zc, czc)
            if b.upper > larger:
                if count != 0:
                    larger = b.upper
                break
        restart = False
        for idx, count, comp in w.items(False):
            b = _bucket(idx, count, False, w.schema, ())
            if b.upper <= -larger:
                break
            zc, czc = kahan_inc(count, zc, czc)
            if with_comp:
                zc, czc = kahan_inc(comp, zc, czc)
            if b.lower < -larger:
                if count != 0:
                    larger = -b.lower
                    restart = True
                break
        if not restart:
            return zc, larger, czc


def _trim_buckets_in_zero_bucket(w: _Work) -> None:
    for runs, positive in ((w.pos, True), (w.neg, False)):
        done = False
        for r in runs:
            for k in range(len(r.vals)):
                b = _bucket(r.start + k, r.vals[k], positive, w.schema, w.custom if positive else ())
                if (b.lower >= w.zt) if positive else (b.upper <= -w.zt):
                    done = True
                    break
                r.vals[k] = 0.0
                if r.comps is not None:
                    r.comps[k] = 0.0
            if done:
                break
    w.pos = _compact_runs(w.pos, 0)
    w.neg = _compact_runs(w.neg, 0)


def _reconcile_zero_buckets(w: _Work, other: _Work) -> tuple[float, float]:
    """Go's ``reconcileZeroBuckets``: widen the receiver's zero bucket to cover the other's (and
    vice versa); returns the other's zero count (and its compensation) at the common width."""
    other_zc = other.zc
    other_zt = other.zt
    other_czc = 0.0
    while other_zt != w.zt:
        if w.zt > other_zt:
            other_zc, other_zt, other_czc = _zero_count_for_larger_threshold(other, w.zt, False)
        if other_zt > w.zt:
            w.zc, w.zt, czc = _zero_count_for_larger_threshold(w, other_zt, w.kahan)
            if w.kahan:
                w.czc = czc
            _trim_buckets_in_zero_bucket(w)
    return other_zc, other_czc


# --- addition and subtraction -------------------------------------------------------------------


def _adjust_counter_reset(h: CounterResetHint, other: CounterResetHint) -> tuple[CounterResetHint, bool]:
    """Go's ``adjustCounterReset``: the receiver's new hint and whether reset and not_reset met."""
    if other == h or h is CounterResetHint.GAUGE:
        return h, False
    if other is CounterResetHint.GAUGE:
        return CounterResetHint.GAUGE, False
    if h is CounterResetHint.UNKNOWN or other is CounterResetHint.UNKNOWN:
        return CounterResetHint.UNKNOWN, False
    return CounterResetHint.UNKNOWN, True


def _add_into(runs: list[_Run], schema: int, threshold: float, negative: bool,
              items: Iterable[tuple[int, float, float]], kahan: bool) -> None:
    """Go's ``addBuckets``/``kahanAddBuckets``: add (or subtract) buckets into ``runs``, creating
    missing ones; a new bucket extends the span it directly follows, else the span it directly
    precedes, else starts a span. Leading buckets within the zero bucket are skipped."""
    below = is_exponential_schema(schema)
    p = 0
    for idx, val, cval in items:
        if below and _bound_exponential(idx, schema) <= threshold:
            continue
        below = False
        if negative:
            val, cval = -val, -cval
        while p < len(runs) and (runs[p].end < idx or (runs[p].end == idx and p + 1 < len(runs)
                                                         and runs[p + 1].start == idx)):
            p += 1  # (a bucket that starts the next, adjacent span belongs to that span)
        r = runs[p] if p < len(runs) else None
        if r is not None and r.start <= idx < r.end:
            k = idx - r.start
            if kahan:
                assert r.comps is not None
                r.vals[k], r.comps[k] = kahan_inc(val, r.vals[k], r.comps[k])
                if cval != 0:
                    r.vals[k], r.comps[k] = kahan_inc(cval, r.vals[k], r.comps[k])
            else:
                r.vals[k] += val
        elif r is not None and r.end == idx:
            r.vals.append(val)
            if kahan:
                assert r.comps is not None
                r.comps.append(cval)
        elif r is not None and r.start == idx + 1:
            r.start -= 1
            r.vals.insert(0, val)
            if kahan:
                assert r.comps is not None
                r.comps.insert(0, cval)
        else:
            runs.insert(p, _Run(idx, [val], [cval] if kahan else None))


def _intersect_bounds(a: Sequence[float], b: Sequence[float]) -> tuple[float, ...]:
    out: list[float] = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append(a[i])
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _add_mismatched_custom(w: _Work, other: _Work, negative: bool) -> None:
    """Go's ``addCustomBucketsWithMismatches``: both NHCBs mapped onto the bounds they share
    (each bucket goes to the first shared bound at or above its own), empty results dropped."""
    bounds = _intersect_bounds(w.custom, other.custom)
    target = [0.0] * (len(bounds) + 1)
    ctarget = [0.0] * (len(bounds) + 1)

    def map_side(src: _Work, own_bounds: Sequence[float], subtract: bool, with_comp: bool) -> None:
        j = 0
        for idx, val, cval in src.items(True):
            t = len(target) - 1
            if idx < len(own_bounds):
                while j < len(bounds):
                    if bounds[j] >= own_bounds[idx]:
                        t = j
                        break
                    j += 1
            if subtract:
                target[t], ctarget[t] = kahan_inc(-val, target[t], ctarget[t])
            else:
                target[t], ctarget[t] = kahan_inc(val, target[t], ctarget[t])
                if with_comp:
                    target[t], ctarget[t] = kahan_inc(cval, target[t], ctarget[t])

    map_side(w, w.custom, False, w.kahan)
    map_side(other, other.custom, negative, False)
    runs: list[_Run] = []
    for i, (v, c) in enumerate(zip(target, ctarget, strict=True)):
        if v == 0 and c == 0:
            continue
        if runs and runs[-1].end == i:
            runs[-1].vals.append(v)
            comps = runs[-1].comps
            if comps is not None:
                comps.append(c)
        else:
            runs.append(_Run(i, [v], [c] if w.kahan else None))
    w.pos = runs
    w.custom = bounds


def _same_layout(h: FloatHistogram, o: FloatHistogram) -> bool:
    """Whether adding ``o`` to ``h`` touches every bucket of ``h`` and nothing else (the common
    case of two samples of one series), so the general algorithm can be skipped."""
    if (h.schema != o.schema or h.positive_spans != o.positive_spans or h.negative_spans != o.negative_spans
            or len(h.positive_buckets) != len(o.positive_buckets)
            or len(h.negative_buckets) != len(o.negative_buckets)):
        return False
    for spans, buckets in ((h.positive_spans, h.positive_buckets), (h.negative_spans, h.negative_buckets)):
        if sum(s.length for s in spans) != len(buckets) or any(s.length == 0 for s in spans):
            return False
    if h.uses_custom_buckets:
        return (h.custom_values == o.custom_values and not (h.zero_threshold or h.zero_count or h.negative_spans)
                and not (o.zero_threshold or o.zero_count or o.negative_spans))
    if h.zero_threshold != o.zero_threshold or h.custom_values or o.custom_values:
        return False
    # Buckets inside the zero bucket are skipped by the general algorithm.
    return all(not spans or _bound_exponential(spans[0].offset, h.schema) > h.zero_threshold
               for spans in (h.positive_spans, h.negative_spans))


def _add_sub(h: FloatHistogram, other: FloatHistogram, negative: bool, shortcut: bool = True) -> Combined:
    if h.uses_custom_buckets != other.uses_custom_buckets:
        return Combined(None)
    if shortcut and _same_layout(h, other):
        hint, collision = _adjust_counter_reset(h.counter_reset_hint, other.counter_reset_hint)
        if negative:
            return Combined(FloatHistogram(
                hint, h.schema, h.zero_threshold, h.zero_count - other.zero_count, h.count - other.count,
                h.sum - other.sum, h.positive_spans,
                tuple(a - b for a, b in zip(h.positive_buckets, other.positive_buckets, strict=True)),
                h.negative_spans, tuple(a - b for a, b in zip(h.negative_buckets, other.negative_buckets, strict=True)),
                h.custom_values), collision)
        return Combined(FloatHistogram(
            hint, h.schema, h.zero_threshold, h.zero_count + other.zero_count, h.count + other.count,
            h.sum + other.sum, h.positive_spans,
            tuple(a + b for a, b in zip(h.positive_buckets, other.positive_buckets, strict=True)),
            h.negative_spans, tuple(a + b for a, b in zip(h.negative_buckets, other.negative_buckets, strict=True)),
            h.custom_values), collision)
    w = _Work.of(h)
    o = _Work.of(other)
    w.hint, collision = _adjust_counter_reset(w.hint, o.hint)
    if not w.custom_buckets:
        other_zc, _ = _reconcile_zero_buckets(w, o)
        w.zc = w.zc - other_zc if negative else w.zc + other_zc
    w.count = w.count - o.count if negative else w.count + o.count
    w.sum = w.sum - o.sum if negative else w.sum + o.sum
    if w.custom_buckets:
        if custom_bucket_bounds_match(w.custom, o.custom):
            _add_into(w.pos, w.schema, w.zt, negative, o.items(True), False)
            return Combined(w.histogram(), collision, False)
        _add_mismatched_custom(w, o, negative)
        return Combined(w.histogram(), collision, True)
    _align_schemas(w, o)
    _add_into(w.pos, w.schema, w.zt, negative, o.items(True), False)
    _add_into(w.neg, w.schema, w.zt, negative, o.items(False), False)
    return Combined(w.histogram(), collision, False)


def _align_schemas(w: _Work, o: _Work) -> None:
    if o.schema < w.schema:
        w.pos = _reduce_runs(w.pos, w.schema, o.schema)
        w.neg = _reduce_runs(w.neg, w.schema, o.schema)
        w.schema = o.schema
    elif o.schema > w.schema:
        o.pos = _reduce_runs(o.pos, o.schema, w.schema)
        o.neg = _reduce_runs(o.neg, o.schema, w.schema)
        o.schema = w.schema


def _kahan_add(h: FloatHistogram, other: FloatHistogram, comp: FloatHistogram | None) -> KahanCombined:
    if h.uses_custom_buckets != other.uses_custom_buckets:
        return KahanCombined(None, None)
    w = _Work.of(h, kahan=True, comp=comp)
    w.hint, collision = _adjust_counter_reset(w.hint, other.counter_reset_hint)
    # A new compensation histogram takes the sum's hint at the time it is created; a given one keeps its own.
    comp_hint = comp.counter_reset_hint if comp is not None else w.hint
    o = _Work.of(other, kahan=True)
    if not w.custom_buckets:
        other_zc, other_czc = _reconcile_zero_buckets(w, o)
        w.zc, w.czc = kahan_inc(other_zc, w.zc, w.czc)
        w.zc, w.czc = kahan_inc(other_czc, w.zc, w.czc)
    w.count, w.ccount = kahan_inc(o.count, w.count, w.ccount)
    w.sum, w.csum = kahan_inc(o.sum, w.sum, w.csum)
    reconciled = False
    if w.custom_buckets:
        if custom_bucket_bounds_match(w.custom, o.custom):
            _add_into(w.pos, w.schema, w.zt, False, o.items(True), True)
        else:
            _add_mismatched_custom(w, o, False)
            reconciled = True
    else:
        _align_schemas(w, o)
        _add_into(w.pos, w.schema, w.zt, False, o.items(True), True)
        _add_into(w.neg, w.schema, w.zt, False, o.items(False), True)
    return KahanCombined(w.histogram(), w.compensation(comp_hint), collision, reconciled)


# --- trimming (the </ and >/ operators) ------------------------------------------------------------


def _midpoint(lower: float, upper: float, positive: bool, linear: bool) -> float:
    """Go's ``computeMidpoint``: where a (surviving part of a) bucket's observations are assumed."""
    if math.isinf(lower):
        if math.isinf(upper):
            return 0.0
        return upper / 2 if upper > 0 else upper
    if math.isinf(upper):
        return lower
    if linear:
        return (lower + upper) / 2
    geo = _sqrt(abs(lower * upper))
    return geo if positive else -geo


def _bucket_trim(b: Bucket, rhs: float, upper: bool, positive: bool, custom: bool) -> tuple[float, float]:
    """Go's ``computeBucketTrim``: the count kept of a bucket containing ``rhs`` and its midpoint."""
    if b.lower == -math.inf or b.upper == math.inf:
        return _infinite_bucket_trim(b, rhs, upper)
    if rhs <= b.lower:
        below = 0.0
    elif rhs >= b.upper:
        below = b.count
    else:
        below = b.count * b.fraction_below(rhs, custom)
    if upper:
        return below, _midpoint(b.lower, rhs, positive, custom)
    return b.count - below, _midpoint(rhs, b.upper, positive, custom)


def _infinite_bucket_trim(b: Bucket, rhs: float, upper: bool) -> tuple[float, float]:
    """Go's ``handleInfinityBuckets``: observations in an infinitely wide bucket cannot be
    interpolated, so such a bucket is kept or dropped whole (NHCB's first bucket is taken to
    start at 0 when its upper bound is positive)."""
    def finite(x: float) -> float:
        return 0.0 if math.isinf(x) else x

    if b.lower == -math.inf:
        if upper:
            if rhs >= b.upper:
                return b.count, 0.0
            if rhs > 0 and b.upper > 0 and b.upper != math.inf:
                return b.count * rhs / b.upper, rhs / 2
            if b.upper <= 0:
                return b.count, rhs
            return 0.0, finite(b.upper)
        if rhs <= b.lower:
            return b.count, 0.0
        if rhs >= 0 and b.upper > rhs and b.upper != math.inf:
            return b.count * (1 - rhs / b.upper), (rhs + b.upper) / 2
        return 0.0, finite(b.upper)
    if upper:
        return 0.0, finite(b.lower)
    if rhs >= b.lower:
        return b.count, rhs
    return 0.0, finite(b.lower)


def _zero_bucket_trim(zt: float, zc: float, rhs: float, has_negative: bool, has_positive: bool,
                      upper: bool) -> tuple[float, float]:
    """Go's ``computeZeroBucketTrim``: the zero bucket is linear, and only as wide on the side
    the histogram has buckets on."""
    lower, up = -zt, zt
    if has_negative and not has_positive:
        up = 0.0
    if has_positive and not has_negative:
        lower = 0.0
    if upper:
        if rhs <= lower:
            return 0.0, 0.0
        if rhs >= up:
            return zc, (lower + up) / 2
        return zc * _fdiv(rhs - lower, up - lower), (lower + rhs) / 2
    if rhs <= lower:
        return zc, (lower + up) / 2
    if rhs >= up:
        return 0.0, 0.0
    return zc * _fdiv(up - rhs, up - lower), (rhs + up) / 2


# --- counter resets --------------------------------------------------------------------------


def _detect_reset(h: FloatHistogram, previous: FloatHistogram) -> bool:
    if h.counter_reset_hint is CounterResetHint.RESET:
        return True
    if h.counter_reset_hint is CounterResetHint.NOT_RESET:
        return False
    return detect_reset_by_content(h, previous)


def detect_reset_by_content(h: FloatHistogram, previous: FloatHistogram) -> bool:
    """``DetectReset`` as if ``h``'s hint were ``unknown``: from the counts and layouts alone."""
    if h.count < previous.count:
        return True
    if (h.schema == previous.schema and h.zero_threshold == previous.zero_threshold
            and h.positive_spans == previous.positive_spans and h.negative_spans == previous.negative_spans
            and h.custom_values == previous.custom_values and _no_bucket_within_zero(h)):
        # The common case (the same layout): bucket by bucket, no index arithmetic needed.
        return (h.zero_count < previous.zero_count
                or any(map(operator.lt, h.positive_buckets, previous.positive_buckets))
                or any(map(operator.lt, h.negative_buckets, previous.negative_buckets)))
        return True
    if h.uses_custom_buckets:
        if not previous.uses_custom_buckets:
            return True
        if not custom_bucket_bounds_match(h.custom_values, previous.custom_values):
            return _detect_reset_mismatched_custom(h, previous)
    if h.schema > previous.schema:
        return True
    if h.zero_threshold < previous.zero_threshold:
        return True
    prev_zc, new_threshold, _ = _zero_count_for_larger_threshold(_Work.of(previous), h.zero_threshold, False)
    if new_threshold != h.zero_threshold:
        return True
    if h.zero_count < prev_zc:
        return True
    for spans_h, buckets_h, spans_p, buckets_p in ((h.positive_spans, h.positive_buckets, previous.positive_spans,
                                                    previous.positive_buckets),
                                                   (h.negative_spans, h.negative_buckets, previous.negative_spans,
                                                    previous.negative_buckets)):
        cur = _iter_target(spans_h, buckets_h, h.schema, h.schema, h.zero_threshold)
        prev = _iter_target(spans_p, buckets_p, previous.schema, h.schema, h.zero_threshold)
        if _buckets_reset(cur, prev):
            return True
    return False


def _no_bucket_within_zero(h: FloatHistogram) -> bool:
    """No bucket lies within the zero bucket (which reset detection would skip)."""
    if h.zero_threshold == 0 or h.uses_custom_buckets:
        return True
    return all(not spans or (spans[0].length > 0 and _bound_exponential(spans[0].offset, h.schema) > h.zero_threshold)
               for spans in (h.positive_spans, h.negative_spans))


def _buckets_reset(cur: Iterator[tuple[int, float]], prev: Iterator[tuple[int, float]]) -> bool:
    """A populated bucket of ``prev`` missing from ``cur``, or a bucket whose count went down."""
    p = next(prev, None)
    while p is not None:
        c = next(cur, None)
        while c is not None and c[0] < p[0]:
            c = next(cur, None)
        if c is None:
            # Every remaining bucket of prev is missing from cur.
            while p is not None:
                if p[1] != 0:
                    return True
                p = next(prev, None)
            return False
        # c is at or after p: walk prev up to c.
        while p is not None and p[0] < c[0]:
            if p[1] != 0:
                return True
            p = next(prev, None)
        if p is None:
            return False
        if p[0] == c[0]:
            if c[1] < p[1]:
                return True
            p = next(prev, None)
    return False


def _detect_reset_mismatched_custom(h: FloatHistogram, previous: FloatHistogram) -> bool:
    """Go's ``detectResetWithMismatchedCustomBounds``: compare cumulative counts at the bounds
    both NHCBs share (buckets below a shared bound rolled up into it)."""
    def cumulative_at(hist: FloatHistogram, bound: float) -> float:
        total = 0.0
        for b in hist.positive_bucket_list():
            if b.upper <= bound:
                total += b.count
        return total

    def rollups(hist: FloatHistogram, shared: Sequence[float]) -> list[float]:
        out = []
        consumed = 0.0
        for bound in shared:
            at = cumulative_at(hist, bound)
            out.append(at - consumed)
            consumed = at
        return out

    shared = [*_intersect_bounds(h.custom_values, previous.custom_values), math.inf]
    return any(c < p for c, p in zip(rollups(h, shared), rollups(previous, shared), strict=True))


# --- comparison helpers ----------------------------------------------------------------------


def _bits(v: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", v))[0])


def _same_bits(a: float, b: float) -> bool:
    return _bits(a) == _bits(b)


def _buckets_same_bits(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(_same_bits(x, y) for x, y in zip(a, b, strict=True))


def almost_equal(a: float, b: float, epsilon: float = DEFAULT_EPSILON) -> bool:
    """``util/almost.Equal``: relative difference below ``epsilon``; NaN equals NaN, StaleNaN
    only StaleNaN."""
    a_stale = math.isnan(a) and _bits(a) == _STALE_NAN_BITS
    b_stale = math.isnan(b) and _bits(b) == _STALE_NAN_BITS
    if a_stale or b_stale:
        return a_stale and b_stale
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    min_normal = 2.2250738585072014e-308
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    if a == 0 or b == 0 or abs_sum < min_normal:
        return diff < epsilon * min_normal
    return diff / min(abs_sum, _MAX_FLOAT) < epsilon


def histograms_match(expected: FloatHistogram, actual: FloatHistogram, *, compare_hint: bool,
                     epsilon: float = DEFAULT_EPSILON) -> bool:
    """promqltest's ``compareNativeHistogram`` after ``Compact(0)`` of both: the same schema,
    zero threshold, custom bounds and bucket layout, counts within ``epsilon``; the counter
    reset hint only when the expected one was written out (``compare_hint``)."""
    e = expected.compact(0)
    a = actual.compact(0)
    if e.schema != a.schema or not almost_equal(e.count, a.count, epsilon) or not almost_equal(e.sum, a.sum, epsilon):
        return False
    if e.uses_custom_buckets and not custom_bucket_bounds_match(e.custom_values, a.custom_values):
        return False
    if e.zero_threshold != a.zero_threshold or not almost_equal(e.zero_count, a.zero_count, epsilon):
        return False
    for es, eb, as_, ab in ((e.negative_spans, e.negative_buckets, a.negative_spans, a.negative_buckets),
                            (e.positive_spans, e.positive_buckets, a.positive_spans, a.positive_buckets)):
        if not spans_match(es, as_) or len(eb) != len(ab):
            return False
        if not all(almost_equal(x, y, epsilon) for x, y in zip(eb, ab, strict=True)):
            return False
    return not compare_hint or e.counter_reset_hint is a.counter_reset_hint


def histogram_differences(expected: FloatHistogram, actual: FloatHistogram, *, compare_hint: bool = True,
                          epsilon: float | None = None) -> list[str]:
    """Which notation fields differ (for failure messages): ``count``, ``sum``, ``schema``,
    ``z_bucket``, ``z_bucket_w``, ``custom_values``, ``counter_reset_hint``, ``buckets``,
    ``n_buckets``. Compares exactly unless ``epsilon`` is given."""
    e = expected.compact(0)
    a = actual.compact(0)

    def same(x: float, y: float) -> bool:
        if epsilon is None:
            return x == y or (math.isnan(x) and math.isnan(y))
        return almost_equal(x, y, epsilon)

    out = []
    if e.schema != a.schema:
        out.append("schema")
    if not same(e.count, a.count):
        out.append("count")
    if not same(e.sum, a.sum):
        out.append("sum")
    if not same(e.zero_count, a.zero_count):
        out.append("z_bucket")
    if e.zero_threshold != a.zero_threshold:
        out.append("z_bucket_w")
    if (e.uses_custom_buckets or a.uses_custom_buckets) and not custom_bucket_bounds_match(e.custom_values,
                                                                                           a.custom_values):
        out.append("custom_values")
    if compare_hint and e.counter_reset_hint is not a.counter_reset_hint:
        out.append("counter_reset_hint")
    for name, es, eb, as_, ab in (("buckets", e.positive_spans, e.positive_buckets, a.positive_spans,
                                   a.positive_buckets),
                                  ("n_buckets", e.negative_spans, e.negative_buckets, a.negative_spans,
                                   a.negative_buckets)):
        if (not spans_match(es, as_) or len(eb) != len(ab)
                or not all(same(x, y) for x, y in zip(eb, ab, strict=True))):
            out.append(name)
    return out


# --- PromQL functions over one histogram (promql/quantile.go, promql/functions.go) ---------------


def histogram_count(h: FloatHistogram) -> float:
    return h.count


def histogram_sum(h: FloatHistogram) -> float:
    return h.sum


def histogram_avg(h: FloatHistogram) -> float:
    return _fdiv(h.sum, h.count)


def histogram_stdvar(h: FloatHistogram) -> float:
    """Variance estimated from bucket midpoints (arithmetic for custom buckets and the zero
    bucket, geometric for exponential buckets), as ``histogramVariance``."""
    mean = _fdiv(h.sum, h.count)
    variance = 0.0
    comp = 0.0
    for b in h.all_buckets():
        if b.count == 0:
            continue
        if h.uses_custom_buckets:
            val = (b.upper + b.lower) / 2.0
        elif b.lower <= 0 <= b.upper:
            val = 0.0
        else:
            val = _sqrt(b.upper * b.lower)
            if b.upper < 0:
                val = -val
        delta = val - mean
        variance, comp = kahan_inc(b.count * delta * delta, variance, comp)
    variance += comp
    return _fdiv(variance, h.count)


def histogram_stddev(h: FloatHistogram) -> float:
    return _sqrt(histogram_stdvar(h))


def histogram_quantile(q: float, h: FloatHistogram, metric_name: str = "") -> tuple[float, tuple[Annotation, ...]]:
    """Go's ``HistogramQuantile``: the ``q`` quantile, interpolating exponentially within
    exponential buckets and linearly within custom buckets and the zero bucket. The infos it
    may return are about NaN observations (``metric_name`` goes into their text). The caller
    adds the invalid-quantile warning for q outside [0, 1] (see :func:`invalid_quantile_warning`)."""
    if q < 0:
        return -math.inf, ()
    if q > 1:
        return math.inf, ()
    if h.count == 0 or math.isnan(q):
        return math.nan, ()
    annos: list[Annotation] = []
    forward = math.isnan(h.sum) or q < 0.5
    buckets = h.all_buckets() if forward else h.all_buckets_reverse()
    rank = q * h.count if forward else (1 - q) * h.count
    bucket = Bucket(0.0, 0.0, False, False, 0.0)
    count = 0.0
    pos = 0
    while pos < len(buckets):
        bucket = buckets[pos]
        pos += 1
        if bucket.count == 0:
            continue
        count += bucket.count
        if count >= rank:
            break
    lower, upper = bucket.lower, bucket.upper
    if not h.uses_custom_buckets and lower < 0 < upper:
        if not h.negative_buckets and h.positive_buckets:
            lower = 0.0
        elif not h.positive_buckets and h.negative_buckets:
            upper = 0.0
    elif h.uses_custom_buckets:
        if lower == -math.inf:
            if upper <= 0:
                return upper, ()
            lower = 0.0
        elif upper == math.inf:
            return lower, ()
    count = min(count, h.count)
    if count < rank:
        if math.isnan(h.sum):
            return math.nan, (quantile_nan_result_info(metric_name),)
        return upper, ()
    if forward:
        rank -= count - bucket.count
    else:
        rank = count - rank
    if math.isnan(h.sum):
        for b in buckets[pos:]:
            count += b.count
        if count < h.count:
            annos.append(quantile_nan_skew_info(metric_name))
    fraction = _fdiv(rank, bucket.count)
    if h.uses_custom_buckets or (lower <= 0 <= upper):
        return lower + (upper - lower) * fraction, tuple(annos)
    log_lower = go_log2(abs(lower))
    log_upper = go_log2(abs(upper))
    if lower > 0:
        return _exp2(log_lower + (log_upper - log_lower) * fraction), tuple(annos)
    return -_exp2(log_upper + (log_lower - log_upper) * (1 - fraction)), tuple(annos)


def histogram_quantiles(qs: Sequence[float], h: FloatHistogram, metric_name: str = ""
                        ) -> tuple[list[tuple[str, float]], tuple[Annotation, ...]]:
    """The experimental ``histogram_quantiles``: for each q, the label value Prometheus gives
    it (``FormatOpenMetricsFloat``) and the quantile; plus the infos of all of them."""
    out = []
    annos: list[Annotation] = []
    for q in qs:
        value, a = histogram_quantile(q, h, metric_name)
        out.append((format_openmetrics_float(q), value))
        annos.extend(x for x in a if x not in annos)
    return out, tuple(annos)


def histogram_fraction(lower: float, upper: float, h: FloatHistogram, metric_name: str = ""
                       ) -> tuple[float, tuple[Annotation, ...]]:
    """Go's ``HistogramFraction``: the estimated share of observations in ``(lower, upper]``."""
    if h.count == 0 or math.isnan(lower) or math.isnan(upper):
        return math.nan, ()
    if lower >= upper:
        return 0.0, ()
    buckets = h.all_buckets()
    count = rank = lower_rank = upper_rank = 0.0
    lower_set = upper_set = False
    pos = 0
    while pos < len(buckets):
        b = buckets[pos]
        pos += 1
        count += b.count
        b_lower, b_upper = b.lower, b.upper
        zero_bucket = False
        if b_lower <= 0 <= b_upper:
            zero_bucket = True
            if not h.negative_buckets and h.positive_buckets:
                b_lower = 0.0
            elif not h.positive_buckets and h.negative_buckets:
                b_upper = 0.0
        linear = h.uses_custom_buckets or zero_bucket
        clamped = _with_bounds(b, b_lower, b_upper)

        if not lower_set and b_lower >= lower:
            lower_rank, lower_set = rank, True
        if not upper_set and b_lower >= upper:
            upper_rank, upper_set = rank, True
        if lower_set and upper_set:
            break
        if not lower_set and b_lower < lower < b_upper:
            lower_rank, lower_set = _rank_at(clamped, lower, linear, rank), True
        if not upper_set and b_lower < upper < b_upper:
            upper_rank, upper_set = _rank_at(clamped, upper, linear, rank), True
        if lower_set and upper_set:
            break
        rank += b.count
    annos: tuple[Annotation, ...] = ()
    if math.isnan(h.sum):
        for b in buckets[pos:]:
            count += b.count
        if count < h.count:
            annos = (fraction_nans_info(metric_name),)
    else:
        count = h.count
    if not lower_set or lower_rank > count:
        lower_rank = count
    if not upper_set or upper_rank > count:
        upper_rank = count
    return _fdiv(upper_rank - lower_rank, h.count), annos


def _rank_at(b: Bucket, v: float, linear: bool, rank: float) -> float:
    """The cumulative count at ``v`` inside ``b`` (``interpolateLinearly``/``Exponentially``);
    nothing of a bucket reaching down to -Inf is counted, as nothing of the +Inf one is."""
    if linear and b.lower == -math.inf:
        return b.count
    return rank + b.count * b.fraction_below(v, linear)


def format_openmetrics_float(f: float) -> str:
    """``labels.FormatOpenMetricsFloat``: Go's %g, with ``.0`` added to integral values."""
    if f == 1:
        return "1.0"
    if f == 0:
        return "0.0"
    if f == -1:
        return "-1.0"
    s = _g(f)
    if math.isnan(f) or math.isinf(f) or "e" in s or "." in s:
        return s
    return s + ".0"


# --- Go float helpers ---------------------------------------------------------------------


def _g(v: float) -> str:
    """Go's ``%g``/``%v`` for a float64."""
    from ruletest.gocompat import format_float_g

    return format_float_g(v)


def _go_f(v: float) -> str:
    """Go's ``%f``."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return f"{v:.6f}"


def _fdiv(a: float, b: float) -> float:
    """IEEE division (Python raises on a zero divisor, Go does not)."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _ldexp(frac: float, exp: int) -> float:
    try:
        return math.ldexp(frac, exp)
    except OverflowError:
        return math.copysign(math.inf, frac)


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 or math.isnan(x) else math.nan


# Go's Log2 and Exp2 are the FreeBSD msun (fdlibm) algorithms, not correctly rounded; promtool
# compares expected values bit for bit, so histogram_quantile must round as Go does (e.g. the
# median of a histogram with one bucket (1,2] is 1.414213562373095, not 1.4142135623730951).


def _exp2(x: float) -> float:
    if math.isnan(x) or x == math.inf:
        return x
    if x == -math.inf:
        return 0.0
    if x > 1.0239999999999999e03:
        return math.inf
    if x < -1.0740e03:
        return 0.0
    k = int(x + 0.5) if x > 0 else (int(x - 0.5) if x < 0 else 0)
    t = x - k
    hi = t * LN2_HI
    lo = -t * LN2_LO
    r = hi - lo
    tt = r * r
    c = r - tt * (1.66666666666666657415e-01 + tt * (-2.77777777770155933842e-03 + tt * (
        6.61375632143793436117e-05 + tt * (-1.65339022054652515390e-06 + tt * 4.13813679705723846039e-08))))
    y = 1 - ((lo - (r * c) / (2 - c)) - hi)
    return _ldexp(y, k)


# Bucket boundaries in [0.5, 1) for schemas 0..8, exactly as Prometheus has them
# (``exponentialBounds`` in model/histogram/generic.go). They are not the correctly rounded
# values of 2**(i/2**schema - 1) (some are off by up to 4 ulp), and String() and the quantile
# interpolation print and use them, so they are transcribed rather than computed.
_EXPONENTIAL_BOUNDS: tuple[tuple[float, ...], ...] = (
    # schema 0
    (0.5,),
    # schema 1
    (0.5, 0.7071067811865475),
    # schema 2
    (0.5, 0.5946035575013605, 0.7071067811865475, 0.8408964152537144),
    # schema 3
    (0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048, 0.7071067811865475, 0.7711054127039704,
     0.8408964152537144, 0.9170040432046711),
    # schema 4
    (0.5, 0.5221368912137069, 0.5452538663326288, 0.5693943173783458, 0.5946035575013605, 0.620928906036742,
     0.6484197773255048, 0.6771277734684463, 0.7071067811865475, 0.7384130729697496, 0.7711054127039704,
     0.805245165974627, 0.8408964152537144, 0.8781260801866495, 0.9170040432046711, 0.9576032806985735),
    # schema 5
    (0.5, 0.5109485743270583, 0.5221368912137069, 0.5335702003384117, 0.5452538663326288, 0.5571933712979462,
     0.5693943173783458, 0.5818624293887887, 0.5946035575013605, 0.6076236799902344, 0.620928906036742,
     0.6345254785958666, 0.6484197773255048, 0.6626183215798706, 0.6771277734684463, 0.6919549409819159,
     0.7071067811865475, 0.7225904034885232, 0.7384130729697496, 0.7545822137967112, 0.7711054127039704,
     0.7879904225539431, 0.805245165974627, 0.8228777390769823, 0.8408964152537144, 0.8593096490612387,
     0.8781260801866495, 0.8973545375015533, 0.9170040432046711, 0.9370838170551498, 0.9576032806985735,
     0.9785720620876999),
    # schema 6
    (0.5, 0.5054446430258502, 0.5109485743270583, 0.5165124395106142, 0.5221368912137069, 0.5278225891802786,
     0.5335702003384117, 0.5393803988785598, 0.5452538663326288, 0.5511912916539204, 0.5571933712979462,
     0.5632608093041209, 0.5693943173783458, 0.5755946149764913, 0.5818624293887887, 0.5881984958251406,
     0.5946035575013605, 0.6010783657263515, 0.6076236799902344, 0.6142402680534349, 0.620928906036742,
     0.6276903785123455, 0.6345254785958666, 0.6414350080393891, 0.6484197773255048, 0.6554806057623822,
     0.6626183215798706, 0.6698337620266515, 0.6771277734684463, 0.6845012114872953, 0.6919549409819159,
     0.6994898362691555, 0.7071067811865475, 0.7148066691959849, 0.7225904034885232, 0.7304588970903234,
     0.7384130729697496, 0.7464538641456323, 0.7545822137967112, 0.762799075372269, 0.7711054127039704,
     0.7795022001189185, 0.7879904225539431, 0.7965710756711334, 0.805245165974627, 0.8140137109286738,
     0.8228777390769823, 0.8318382901633681, 0.8408964152537144, 0.8500531768592616, 0.8593096490612387,
     0.8686669176368529, 0.8781260801866495, 0.8876882462632604, 0.8973545375015533, 0.9071260877501991,
     0.9170040432046711, 0.9269895625416926, 0.9370838170551498, 0.9472879907934827, 0.9576032806985735,
     0.9680308967461471, 0.9785720620876999, 0.9892280131939752),
    # schema 7
    (0.5, 0.5027149505564014, 0.5054446430258502, 0.5081891574554764, 0.5109485743270583, 0.5137229745593818,
     0.5165124395106142, 0.5193170509806894, 0.5221368912137069, 0.5249720429003435, 0.5278225891802786,
     0.5306886136446309, 0.5335702003384117, 0.5364674337629877, 0.5393803988785598, 0.5423091811066545,
     0.5452538663326288, 0.5482145409081883, 0.5511912916539204, 0.5541842058618393, 0.5571933712979462,
     0.5602188762048033, 0.5632608093041209, 0.5663192597993595, 0.5693943173783458, 0.572486072215902,
     0.5755946149764913, 0.5787200368168754, 0.5818624293887887, 0.585021884841625, 0.5881984958251406,
     0.5913923554921704, 0.5946035575013605, 0.5978321960199137, 0.6010783657263515, 0.6043421618132907,
     0.6076236799902344, 0.6109230164863786, 0.6142402680534349, 0.6175755319684665, 0.620928906036742,
     0.6243004885946023, 0.6276903785123455, 0.6310986751971253, 0.6345254785958666, 0.637970889198196,
     0.6414350080393891, 0.6449179367033329, 0.6484197773255048, 0.6519406325959679, 0.6554806057623822,
     0.659039800633032, 0.6626183215798706, 0.6662162735415805, 0.6698337620266515, 0.6734708931164728,
     0.6771277734684463, 0.6808045103191123, 0.6845012114872953, 0.688217985377265, 0.6919549409819159,
     0.6957121878859629, 0.6994898362691555, 0.7032879969095076, 0.7071067811865475, 0.7109463010845827,
     0.7148066691959849, 0.718687998724491, 0.7225904034885232, 0.7265139979245261, 0.7304588970903234,
     0.7344252166684908, 0.7384130729697496, 0.7424225829363761, 0.7464538641456323, 0.7505070348132126,
     0.7545822137967112, 0.7586795205991071, 0.762799075372269, 0.7669409989204777, 0.7711054127039704,
     0.7752924388424999, 0.7795022001189185, 0.7837348199827764, 0.7879904225539431, 0.7922691326262467,
     0.7965710756711334, 0.8008963778413465, 0.805245165974627, 0.8096175675974316, 0.8140137109286738,
     0.8184337248834821, 0.8228777390769823, 0.8273458838280969, 0.8318382901633681, 0.8363550898207981,
     0.8408964152537144, 0.8454623996346523, 0.8500531768592616, 0.8546688815502312, 0.8593096490612387,
     0.8639756154809185, 0.8686669176368529, 0.8733836930995842, 0.8781260801866495, 0.8828942179666361,
     0.8876882462632604, 0.8925083056594671, 0.8973545375015533, 0.9022270839033115, 0.9071260877501991,
     0.9120516927035263, 0.9170040432046711, 0.9219832844793128, 0.9269895625416926, 0.9320230241988943,
     0.9370838170551498, 0.9421720895161669, 0.9472879907934827, 0.9524316709088368, 0.9576032806985735,
     0.9628029718180622, 0.9680308967461471, 0.9732872087896164, 0.9785720620876999, 0.9838856116165875,
     0.9892280131939752, 0.9945994234836328),
    # schema 8
    (0.5, 0.5013556375251013, 0.5027149505564014, 0.5040779490592088, 0.5054446430258502, 0.5068150424757447,
     0.5081891574554764, 0.509566998038869, 0.5109485743270583, 0.5123338964485679, 0.5137229745593818,
     0.5151158188430205, 0.5165124395106142, 0.5179128468009786, 0.5193170509806894, 0.520725062344158,
     0.5221368912137069, 0.5235525479396449, 0.5249720429003435, 0.526395386502313, 0.5278225891802786,
     0.5292536613972564, 0.5306886136446309, 0.5321274564422321, 0.5335702003384117, 0.5350168559101208,
     0.5364674337629877, 0.5379219445313954, 0.5393803988785598, 0.5408428074966075, 0.5423091811066545,
     0.5437795304588847, 0.5452538663326288, 0.5467321995364429, 0.5482145409081883, 0.549700901315111,
     0.5511912916539204, 0.5526857228508706, 0.5541842058618393, 0.5556867516724088, 0.5571933712979462,
     0.5587040757836845, 0.5602188762048033, 0.5617377836665098, 0.5632608093041209, 0.564787964283144,
     0.5663192597993595, 0.5678547070789026, 0.5693943173783458, 0.5709381019847808, 0.572486072215902,
     0.5740382394200894, 0.5755946149764913, 0.5771552102951081, 0.5787200368168754, 0.5802891060137493,
     0.5818624293887887, 0.5834400184762408, 0.585021884841625, 0.5866080400818185, 0.5881984958251406,
     0.5897932637314379, 0.5913923554921704, 0.5929957828304968, 0.5946035575013605, 0.5962156912915756,
     0.5978321960199137, 0.5994530835371903, 0.6010783657263515, 0.6027080545025619, 0.6043421618132907,
     0.6059806996384005, 0.6076236799902344, 0.6092711149137041, 0.6109230164863786, 0.6125793968185725,
     0.6142402680534349, 0.6159056423670379, 0.6175755319684665, 0.6192499490999082, 0.620928906036742,
     0.622612415087629, 0.6243004885946023, 0.6259931389331581, 0.6276903785123455, 0.6293922197748583,
     0.6310986751971253, 0.6328097572894031, 0.6345254785958666, 0.6362458516947014, 0.637970889198196,
     0.6397006037528346, 0.6414350080393891, 0.6431741147730128, 0.6449179367033329, 0.6466664866145447,
     0.6484197773255048, 0.6501778216898253, 0.6519406325959679, 0.6537082229673385, 0.6554806057623822,
     0.6572577939746774, 0.659039800633032, 0.6608266388015788, 0.6626183215798706, 0.6644148621029772,
     0.6662162735415805, 0.6680225691020727, 0.6698337620266515, 0.6716498655934177, 0.6734708931164728,
     0.6752968579460171, 0.6771277734684463, 0.6789636531064505, 0.6808045103191123, 0.6826503586020058,
     0.6845012114872953, 0.6863570825438342, 0.688217985377265, 0.690083933630119, 0.6919549409819159,
     0.6938310211492645, 0.6957121878859629, 0.6975984549830999, 0.6994898362691555, 0.7013863456101023,
     0.7032879969095076, 0.7051948041086352, 0.7071067811865475, 0.7090239421602076, 0.7109463010845827,
     0.7128738720527471, 0.7148066691959849, 0.7167447066838943, 0.718687998724491, 0.7206365595643126,
     0.7225904034885232, 0.7245495448210174, 0.7265139979245261, 0.7284837772007218, 0.7304588970903234,
     0.7324393720732029, 0.7344252166684908, 0.7364164454346837, 0.7384130729697496, 0.7404151139112358,
     0.7424225829363761, 0.7444354947621984, 0.7464538641456323, 0.7484777058836176, 0.7505070348132126,
     0.7525418658117031, 0.7545822137967112, 0.7566280937263048, 0.7586795205991071, 0.7607365094544071,
     0.762799075372269, 0.7648672334736434, 0.7669409989204777, 0.7690203869158282, 0.7711054127039704,
     0.7731960915705107, 0.7752924388424999, 0.7773944698885442, 0.7795022001189185, 0.7816156449856788,
     0.7837348199827764, 0.7858597406461707, 0.7879904225539431, 0.7901268813264122, 0.7922691326262467,
     0.7944171921585818, 0.7965710756711334, 0.7987307989543135, 0.8008963778413465, 0.8030678282083853,
     0.805245165974627, 0.8074284071024302, 0.8096175675974316, 0.8118126635086642, 0.8140137109286738,
     0.8162207259936375, 0.8184337248834821, 0.820652723822003, 0.8228777390769823, 0.8251087869603088,
     0.8273458838280969, 0.8295890460808079, 0.8318382901633681, 0.8340936325652911, 0.8363550898207981,
     0.8386226785089391, 0.8408964152537144, 0.8431763167241966, 0.8454623996346523, 0.8477546807446661,
     0.8500531768592616, 0.8523579048290255, 0.8546688815502312, 0.8569861239649629, 0.8593096490612387,
     0.8616394738731368, 0.8639756154809185, 0.8663180910111553, 0.8686669176368529, 0.871022112577578,
     0.8733836930995842, 0.8757516765159389, 0.8781260801866495, 0.8805069215187917, 0.8828942179666361,
     0.8852879870317771, 0.8876882462632604, 0.890095013257712, 0.8925083056594671, 0.8949281411607002,
     0.8973545375015533, 0.8997875124702672, 0.9022270839033115, 0.9046732696855155, 0.9071260877501991,
     0.909585556079304, 0.9120516927035263, 0.9145245157024483, 0.9170040432046711, 0.9194902933879467,
     0.9219832844793128, 0.9244830347552253, 0.9269895625416926, 0.92950288621441, 0.9320230241988943,
     0.9345499949706191, 0.9370838170551498, 0.93962450902828, 0.9421720895161669, 0.9447265771954693,
     0.9472879907934827, 0.9498563490882775, 0.9524316709088368, 0.9550139751351947, 0.9576032806985735,
     0.9601996065815236, 0.9628029718180622, 0.9654133954938133, 0.9680308967461471, 0.9706554947643201,
     0.9732872087896164, 0.9759260581154889, 0.9785720620876999, 0.9812252401044634, 0.9838856116165875,
     0.9865531961276168, 0.9892280131939752, 0.9919100824251095, 0.9945994234836328, 0.9972960560854698),
)
