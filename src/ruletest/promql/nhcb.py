"""Classic histograms converted to native histograms with custom buckets (NHCB, schema -53), as
Prometheus does when it scrapes with ``convert_classic_histograms_to_nhcb`` and as its engine
tests' ``load_with_nhcb`` does (``util/convertnhcb/convertnhcb.go``).

The ``_bucket{le=...}`` series of one histogram (its labels but ``le``, under the base name),
its ``_count`` and its ``_sum`` give, at each timestamp, one histogram whose custom bounds are
the finite ``le`` values and whose buckets are the differences of the cumulative counts.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field

from ruletest.promql.histograms import CUSTOM_BUCKETS_SCHEMA, FloatHistogram, Span
from ruletest.promql.values import BUCKET_LABEL, METRIC_NAME, Labels, get_label

_SUFFIXES = ("_bucket", "_sum", "_count")


def parse_le(value: str) -> float | None:
    """An ``le`` label value as Go's ``strconv.ParseFloat`` reads it, or None."""
    if "_" in value or not value.isascii() or value != value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        return None


class ConversionError(ValueError):
    """Classic buckets that make no histogram (Prometheus' convertnhcb errors, same words)."""


def histogram_base(labels: Labels) -> tuple[str, Labels] | None:
    """``(suffix, base labels)`` of a classic histogram series (``GetHistogramMetricBaseName``):
    the name without ``_bucket``/``_sum``/``_count`` and no ``le``; None for other series."""
    name = get_label(labels, METRIC_NAME)
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            base = tuple(sorted([(k, v) for k, v in labels if k not in (METRIC_NAME, BUCKET_LABEL)]
                                + [(METRIC_NAME, name[: -len(suffix)])]))
            return suffix, base
    return None


@dataclass
class TempHistogram:
    """One histogram's classic parts at one timestamp, collected in any order (``TempHistogram``)."""

    buckets: list[tuple[float, float]] = field(default_factory=list)  # (le, cumulative count), sorted
    count: float = 0.0
    sum: float = 0.0
    has_count: bool = False
    error: str | None = None

    def set_bucket_count(self, le: float, count: float) -> None:
        if self.error is not None:
            return
        if math.isnan(le):
            self.error = "bucket boundary must not be NaN"
            return
        if count < 0:
            self.error = f"bucket count must be non-negative: le={_g(le)}, count={_g(count)}"
            return
        bounds = [b[0] for b in self.buckets]
        i = bisect_left(bounds, le)
        if i < len(bounds) and bounds[i] == le:
            return  # a duplicate sample
        if i > 0 and count < self.buckets[i - 1][1]:
            self.error = f"count is not cumulative: {_g(count)} < {_g(self.buckets[i - 1][1])}"
            return
        if i < len(bounds) and count > self.buckets[i][1]:
            self.error = f"count is not cumulative: {_g(count)} > {_g(self.buckets[i][1])}"
            return
        self.buckets.insert(i, (le, count))

    def set_count(self, count: float) -> None:
        if self.error is not None:
            return
        if count < 0:
            self.error = f"count must be non-negative: count={_g(count)}"
            return
        self.count = count
        self.has_count = True

    def set_sum(self, value: float) -> None:
        if self.error is None:
            self.sum = value

    def convert(self) -> FloatHistogram:
        """The native histogram (``Convert``); raises :class:`ConversionError`."""
        if self.error is not None:
            raise ConversionError(self.error)
        buckets = list(self.buckets)
        count = self.count
        if not self.has_count and buckets:
            count = buckets[-1][1]
        if not buckets or buckets[-1][0] != math.inf:
            buckets.append((math.inf, count))
        integral = all(_is_integral(c) for _, c in buckets) and _is_integral(count)
        if count != buckets[-1][1]:
            last_le, last = buckets[-1]
            shown = str(int(count)) if integral else _g(count)
            raise ConversionError(f"count mismatch: count={shown} != le={_g(last_le)} count={_g(last)}")
        deltas = []
        prev = 0.0
        for _, c in buckets:
            deltas.append(c - prev)
            prev = c
        h = FloatHistogram(schema=CUSTOM_BUCKETS_SCHEMA, count=count, sum=self.sum,
                           positive_spans=(Span(0, len(deltas)),), positive_buckets=tuple(deltas),
                           custom_values=tuple(le for le, _ in buckets if le != math.inf))
        # An integer histogram is compacted keeping runs of up to 2 empty buckets, a float one not.
        return h.compact(2 if integral else 0)


def _is_integral(v: float) -> bool:
    return math.isfinite(v) and v == round(v)


def _g(v: float) -> str:
    from ruletest.gocompat import format_float_g

    return format_float_g(v)
