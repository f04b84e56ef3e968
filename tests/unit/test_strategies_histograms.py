"""Invariants of ``ruletest.strategies.native_histogram_series``: the histograms are what the
drawn observations make them, checked against the observations themselves (bucket by bucket,
with the bounds' definition ``(bound(i-1), bound(i)]``), not against our own arithmetic."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruletest import strategies as rs
from ruletest.promql import histograms as H
from ruletest.series import expand_values

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LATENCIES = st.floats(min_value=0.0, max_value=8.0)
SIGNED = st.floats(min_value=-100.0, max_value=100.0)


def _since_reset(s: rs.HistogramSeries, step: int) -> list[float]:
    start = s.reset_at if s.reset_at is not None and step >= s.reset_at else 0
    return [v for k in range(start, step + 1) for v in s.observations[k]]


def _check_buckets(h: H.FloatHistogram, seen: list[float]) -> None:
    """Every bucket holds exactly the observations within its bounds; the rest are in the zero
    bucket (exponential) and nowhere else."""
    outside_zero = [v for v in seen if h.uses_custom_buckets or abs(v) > h.zero_threshold]
    in_buckets = 0.0
    for b in [*h.positive_bucket_list(), *h.negative_bucket_list()]:
        # Positive buckets include their upper bound, negative ones their lower bound.
        inside = sum(1 for v in outside_zero if (b.lower < v <= b.upper if b.upper > 0 else b.lower <= v < b.upper))
        assert b.count == inside, (b, seen)
        in_buckets += b.count
    assert h.count == len(seen) == in_buckets + h.zero_count
    assert h.zero_count == len(seen) - len(outside_zero)


@FAST
@given(rs.native_histogram_series(observations=SIGNED, schema=1, steps=8, resets=True))
def test_exponential_histograms_hold_the_observations(s: rs.HistogramSeries) -> None:
    for step, h in enumerate(s.histograms):
        assert h.validate() is None
        seen = _since_reset(s, step)
        _check_buckets(h, seen)
        assert h.sum == pytest.approx(math.fsum(seen), abs=1e-9)


@FAST
@given(rs.native_histogram_series(observations=LATENCIES, custom_bounds=[0.25, 0.5, 1, 2, 4], steps=8))
def test_custom_bucket_histograms_hold_the_observations(s: rs.HistogramSeries) -> None:
    for step, h in enumerate(s.histograms):
        assert h.validate() is None
        assert h.custom_values == (0.25, 0.5, 1, 2, 4)
        _check_buckets(h, _since_reset(s, step))


@FAST
@given(rs.native_histogram_series(observations=LATENCIES, steps=10, resets=True))
def test_only_the_reset_is_a_counter_reset(s: rs.HistogramSeries) -> None:
    # A counter never goes down between scrapes, except where it restarted (and says so).
    assert s.reset_at is not None
    for i in range(1, len(s.histograms)):
        assert s.histograms[i].detect_reset(s.histograms[i - 1]) is (i == s.reset_at)
    assert s.histograms[s.reset_at].counter_reset_hint is H.CounterResetHint.RESET


@FAST
@given(rs.native_histogram_series(observations=LATENCIES, custom_bounds=[0.5, 1, 2, 4], steps=10),
       st.data())
def test_increase_counts_the_observations_in_between(s: rs.HistogramSeries, data: st.DataObject) -> None:
    # What `increase` computes without extrapolation: the difference of two scrapes. The share
    # above a bucket bound is exact: histogram_fraction(2, +Inf) of the difference equals the
    # share of observations slower than 2 in that window (the property an SLO alert relies on).
    first = data.draw(st.integers(min_value=0, max_value=len(s.histograms) - 2))
    last = data.draw(st.integers(min_value=first + 1, max_value=len(s.histograms) - 1))
    diff = s.histograms[last].sub(s.histograms[first]).histogram
    assert diff is not None
    window = s.observed_between(first, last)
    assert diff.count == len(window)
    fraction, _ = H.histogram_fraction(2, math.inf, diff)
    if window:
        assert fraction == s.fraction_above(2, first, last)
    else:
        assert math.isnan(fraction) and math.isnan(s.fraction_above(2, first, last))


@FAST
@given(rs.native_histogram_series(observations=SIGNED, schema=0, steps=5))
def test_notation_reads_back(s: rs.HistogramSeries) -> None:
    back = expand_values(s.values, histograms=True)
    assert [h.test_expression() for h in back] == [h.test_expression() for h in s.histograms]  # type: ignore[union-attr]
    assert s.end_s == 4 * s.interval_s


@pytest.mark.parametrize("kwargs", [{"schema": 9}, {"custom_bounds": [2, 1]}, {"custom_bounds": [1, math.inf]},
                                    {"steps": 0}, {"per_step": (3, 1)}])
@settings(max_examples=1, deadline=None)
@given(data=st.data())
def test_bad_arguments_are_refused(kwargs: dict[str, object], data: st.DataObject) -> None:
    with pytest.raises(ValueError):
        data.draw(rs.native_histogram_series(**kwargs))  # type: ignore[arg-type]


@FAST
@given(rs.native_histogram_series(observations=LATENCIES, custom_bounds=[0.5, 1, 2, 4], steps=12, per_step=(0, 30)),
       st.data())
def test_p95_above_2s_iff_more_than_5_percent_slower(s: rs.HistogramSeries, data: st.DataObject) -> None:
    # The property an SLO alert states, at the level of one window's increase: with 2 s a
    # bucket bound, histogram_quantile(0.95, ...) > 2 exactly when more than 5% of the window's
    # requests took longer than 2 s.
    first = data.draw(st.integers(min_value=0, max_value=len(s.histograms) - 2))
    last = data.draw(st.integers(min_value=first + 1, max_value=len(s.histograms) - 1))
    window = s.histograms[last].sub(s.histograms[first]).histogram
    assert window is not None
    p95, _ = H.histogram_quantile(0.95, window)
    assert (p95 > 2) is (s.fraction_above(2, first, last) > 0.05)
