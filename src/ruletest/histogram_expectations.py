"""Expected native histograms (``exp_samples[].histogram``) against what a query returned.

promtool 3.x compares a histogram sample by its test notation (``FloatHistogram.TestExpression``,
compacted, fields in a fixed order) as a string, and its float ``value`` too (0 for a
histogram), so a histogram matches only one written exactly as promtool prints it. That is the
comparison unless the expression test uses ruletest's tolerances (``tolerance``,
``relative_tolerance``, ``nan_equal``): then histograms compare field by field as Prometheus'
engine tests compare them (``compareNativeHistogram``): the same schema, zero threshold, custom
bounds and bucket layout after compaction, counts, sum and buckets within the tolerance, and the
counter reset hint only when the expectation spells it out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ruletest.promql.histograms import FloatHistogram, custom_bucket_bounds_match, histogram_differences, spans_match
from ruletest.series import ExpectedHistogram

FloatCompare = Callable[[float, float], bool]


def test_expression(h: FloatHistogram | ExpectedHistogram | None) -> str:
    """promtool's ``HistogramTestExpression``: the notation, or "" for a float sample."""
    if h is None:
        return ""
    return (h.histogram if isinstance(h, ExpectedHistogram) else h).test_expression()


def histograms_equal(expected: ExpectedHistogram | None, got: FloatHistogram | None,
                     same: FloatCompare | None = None) -> bool:
    """Whether the histogram parts of an expected and a returned sample agree: by promtool's
    notation, or (``same`` given: ruletest's tolerances) field by field with ``same``."""
    if expected is None or got is None:
        return expected is None and got is None
    if same is None:
        return expected.histogram.test_expression() == got.test_expression()
    e = expected.histogram.compact(0)
    g = got.compact(0)
    if e.schema != g.schema or e.zero_threshold != g.zero_threshold:
        return False
    if (e.uses_custom_buckets or g.uses_custom_buckets) and not custom_bucket_bounds_match(e.custom_values,
                                                                                           g.custom_values):
        return False
    if not (same(e.count, g.count) and same(e.sum, g.sum) and same(e.zero_count, g.zero_count)):
        return False
    for es, eb, gs, gb in ((e.positive_spans, e.positive_buckets, g.positive_spans, g.positive_buckets),
                           (e.negative_spans, e.negative_buckets, g.negative_spans, g.negative_buckets)):
        if not spans_match(es, gs) or len(eb) != len(gb) or not all(same(x, y) for x, y in zip(eb, gb, strict=True)):
            return False
    return not expected.hint_given or e.counter_reset_hint is g.counter_reset_hint


def differing_fields(expected: FloatHistogram, got: FloatHistogram) -> list[str]:
    """The notation fields (``count``, ``buckets``, ``counter_reset_hint``...) that differ."""
    return histogram_differences(expected, got)


def nan_aware(same: FloatCompare) -> FloatCompare:
    """``same`` for histogram fields: a NaN sum (from NaN observations) equals a NaN sum."""
    def compare(a: float, b: float) -> bool:
        return (math.isnan(a) and math.isnan(b)) or same(a, b)

    return compare


def all_histograms(values: Sequence[FloatHistogram | None]) -> bool:
    return any(v is not None for v in values)
