"""Aggregations over vectors that hold native histograms (``aggregation()`` and
``aggregationK()`` in Prometheus 3.14's ``promql/engine.go``).

Groups without histograms are aggregated by :func:`ruletest.promql.aggregations.aggregate`
as usual; this module decides what happens to the others:

- ``sum`` and ``avg`` add histograms (compensated, reducing schemas and reconciling zero
  buckets and custom bounds); a group mixing floats and histograms gives nothing and a warning;
- ``count`` and ``group`` count histograms like floats;
- ``min``, ``max``, ``stddev``, ``stdvar``, ``quantile``, ``topk`` and ``bottomk`` ignore them
  (an info says so); ``limitk`` and ``limit_ratio`` keep them; ``count_values`` counts them by
  their printed form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ruletest.promql import histograms as H
from ruletest.promql.histogram_functions import Note, _mean, _ResetTracker, metric_name
from ruletest.promql.histograms import FloatHistogram
from ruletest.promql.values import METRIC_NAME, Labels, Sample
from ruletest.semantics import Semantics

# Aggregations that skip histogram samples (with an info naming the aggregation).
_IGNORING = frozenset({"min", "max", "stddev", "stdvar", "quantile", "topk", "bottomk"})


def aggregate_with_histograms(op: str, samples: Sequence[Sample], grouping: Sequence[str], without: bool,
                              param: float | str | None, semantics: Semantics, note: Note,
                              key_fn: Callable[[Labels], Labels]) -> list[Sample]:
    """``aggregate`` for a vector with at least one histogram sample."""
    from ruletest.promql.aggregations import _flag_grouped_names, aggregate

    if op in _IGNORING:
        if any(s.histogram is not None for s in samples):
            note(H.histogram_ignored_in_aggregation_info(op))
        floats = [s for s in samples if s.histogram is None]
        return aggregate(op, floats, grouping, without, param, semantics)
    if op in ("limitk", "limit_ratio", "count_values", "count", "group"):
        return aggregate(op, samples, grouping, without, param, semantics)
    # sum and avg: groups of floats only go the float way; groups with a histogram here.
    order: dict[Labels, list[Sample]] = {}
    for s in samples:
        order.setdefault(key_fn(s.labels), []).append(s)
    float_samples = [s for group in order.values() if all(x.histogram is None for x in group) for s in group]
    results = {s.labels: s for s in aggregate(op, float_samples, grouping, without, param, semantics)}
    hist_out: list[Sample] = []
    for key, group in order.items():
        if all(s.histogram is None for s in group):
            continue
        if any(s.histogram is None for s in group):
            note(H.mixed_floats_histograms_aggregation_warning())
            continue
        hs = [s.histogram for s in group if s.histogram is not None]
        h = _sum(hs, note, group) if op == "sum" else _avg(hs, note, group)
        if h is not None:
            hist_out.append(Sample(key, 0.0, h))
    if semantics.delayed_name_removal and not without and METRIC_NAME in grouping:
        hist_out = _flag_grouped_names(hist_out, [s for g in order.values() for s in g], key_fn)
    results.update((s.labels, s) for s in hist_out)
    return list(results.values())


def _sum(hs: Sequence[FloatHistogram], note: Note, group: Sequence[Sample]) -> FloatHistogram | None:
    """``sum`` of a group's histograms: KahanAdd in input order, compensation added, compacted."""
    track = _ResetTracker()
    total = hs[0]
    track.see(total)
    comp: FloatHistogram | None = None
    for i, h in enumerate(hs[1:], start=1):
        track.see(h)
        r = total.kahan_add(h, comp)
        if r.histogram is None:
            note(H.mixed_exponential_custom_histograms_warning(metric_name(group[i].labels)))
            return None
        if r.nhcb_bounds_reconciled:
            note(H.mismatched_custom_buckets_info("aggregation"))
        total, comp = r.histogram, r.compensation
    if comp is not None:
        added = total.add(comp)
        if added.histogram is not None:
            total = added.histogram
    if track.reset and track.not_reset:
        note(H.histogram_counter_reset_collision_warning("aggregation"))
    return total.compact(0)


def _avg(hs: Sequence[FloatHistogram], note: Note, group: Sequence[Sample]) -> FloatHistogram | None:
    track = _ResetTracker()
    mean = _mean(hs, track)
    if mean is None:
        note(H.mixed_exponential_custom_histograms_warning(metric_name(group[-1].labels)))
        return None
    if track.reconciled:
        note(H.mismatched_custom_buckets_info("aggregation"))
    if track.reset and track.not_reset:
        note(H.histogram_counter_reset_collision_warning("aggregation"))
    return mean.compact(0)
