"""Hypothesis strategies for rule tests: counters with a given rate, gauges that cross a
threshold and stay there, stale gaps, and helpers to state threshold properties.

    from hypothesis import given
    from ruletest import strategies as rs

    @given(rs.gauge_crossing(threshold=80, above=True, hold_s=180, interval_s=15))
    def test_fires(g):
        run = Scenario(RULES, interval="15s").series("veza_db_connections", g.values).run(until=g.end_s)
        rs.assert_fires_after(run, "DatabaseConnectionsHigh", g.crossed_at_s, for_s=120, step_s=15)

Native histograms are built from observations, so a property can relate what was observed to
what PromQL says about it::

    @given(rs.native_histogram_series(observations=st.floats(0.01, 5), custom_bounds=[0.5, 1, 2, 4]))
    def test_slow_share(s):
        slow = s.fraction_above(2, 0, len(s.histograms) - 1)  # then: p95 > 2s iff slow > 5%

Import-light: hypothesis is imported here, so install ``ruletest[hypothesis]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import strategies as st

from ruletest.api import Run
from ruletest.promql.histograms import (
    CUSTOM_BUCKETS_SCHEMA,
    CounterResetHint,
    FloatHistogram,
    Span,
    bucket_index,
    is_exponential_schema,
)
from ruletest.records import record

__all__ = ["Crossing", "HistogramSeries", "assert_fires_after", "assert_never_fires", "counter_values",
           "gauge_crossing", "gauge_within", "native_histogram_series", "with_stale_gaps"]

# client_golang's default zero bucket width (DefNativeHistogramZeroThreshold, 2**-128).
DEFAULT_ZERO_THRESHOLD = 2.938735877055719e-39


@record
class Crossing:
    """A gauge below (or above) a threshold, then on the other side from ``crossed_at_s``."""

    values: tuple[float, ...]
    interval_s: float
    crossed_at_s: float
    end_s: float


@st.composite
def gauge_crossing(draw: st.DrawFn, *, threshold: float, above: bool, hold_s: float, interval_s: float = 15,
                   max_before_steps: int = 20, margin: float = 1e-6, spread: float = 1.0) -> Crossing:
    """Values on the quiet side of ``threshold`` for a while, then strictly across it (by at
    least ``margin``, at most ``spread``) for ``hold_s`` seconds or more."""
    before = draw(st.integers(min_value=1, max_value=max_before_steps))
    after = math.ceil(hold_s / interval_s) + draw(st.integers(min_value=1, max_value=8))
    quiet_side = st.floats(min_value=threshold - spread, max_value=threshold) if above else \
        st.floats(min_value=threshold, max_value=threshold + spread)
    loud_side = st.floats(min_value=threshold + margin, max_value=threshold + spread) if above else \
        st.floats(min_value=threshold - spread, max_value=threshold - margin)
    values = [draw(quiet_side) for _ in range(before)] + [draw(loud_side) for _ in range(after)]
    return Crossing(tuple(values), interval_s, before * interval_s, (before + after - 1) * interval_s)


@st.composite
def gauge_within(draw: st.DrawFn, *, low: float, high: float, steps: int = 60) -> tuple[float, ...]:
    """A gauge that stays within ``[low, high]``."""
    return tuple(draw(st.floats(min_value=low, max_value=high)) for _ in range(steps))


@st.composite
def counter_values(draw: st.DrawFn, *, rate_per_s: float, interval_s: float = 15, steps: int = 60,
                   start: float | None = None, resets: bool = False) -> tuple[float, ...]:
    """A jitter-free counter growing ``rate_per_s``; with ``resets`` it restarts once, from zero
    just after a scrape, so the next sample holds one interval's increase and ``rate()`` (which
    adds back the value before a reset) still sees exactly ``rate_per_s``."""
    value = draw(st.floats(min_value=0, max_value=1e6)) if start is None else start
    reset_at = draw(st.integers(min_value=1, max_value=steps - 1)) if resets else -1
    out = []
    for i in range(steps):
        if i == reset_at:
            value = rate_per_s * interval_s
        out.append(value)
        value += rate_per_s * interval_s
    return tuple(out)


@st.composite
def with_stale_gaps(draw: st.DrawFn, values: tuple[float, ...], max_gaps: int = 3) -> tuple[float | str | None, ...]:
    """Replace a few samples by missing samples (``None``) or stale markers (``"stale"``)."""
    out: list[float | str | None] = list(values)
    for _ in range(draw(st.integers(min_value=0, max_value=max_gaps))):
        i = draw(st.integers(min_value=0, max_value=len(out) - 1))
        out[i] = draw(st.sampled_from([None, "stale"]))
    return tuple(out)


def assert_fires_after(run: Run, alert: str, true_from_s: float, *, for_s: float, step_s: float,
                       slack_steps: int = 0) -> None:
    """The alert is not firing before its condition held for ``for_s`` and fires at the first
    evaluation at or after ``true_from_s + for_s`` (``slack_steps`` more evaluations allowed for
    expressions that need samples to settle, such as ``rate()``)."""
    first = run.first_firing(alert)
    due = math.ceil((true_from_s + for_s) / step_s) * step_s
    assert first is not None, f"{alert} never fired (condition true from {true_from_s:g}s, for {for_s:g}s)"
    assert due <= first <= due + slack_steps * step_s, (
        f"{alert} fired at {first:g}s, expected at {due:g}s (+{slack_steps} steps)")


def assert_never_fires(run: Run, alert: str) -> None:
    first = run.first_firing(alert)
    assert first is None, f"{alert} fired at {first:g}s"


@record
class HistogramSeries:
    """A counter native histogram as a scraper sees it: ``histograms[i]`` is scrape ``i``
    (``interval_s`` apart) and holds everything observed since the start (or the reset);
    ``observations[i]`` is what was observed just before scrape ``i``."""

    histograms: tuple[FloatHistogram, ...]
    observations: tuple[tuple[float, ...], ...]
    interval_s: float
    reset_at: int | None = None

    @property
    def values(self) -> str:
        """The series in promtool notation (``{{...}} {{...}} ...``) for ``input_series``."""
        return " ".join(h.test_expression() for h in self.histograms)

    @property
    def end_s(self) -> float:
        return (len(self.histograms) - 1) * self.interval_s

    def observed_between(self, first: int, last: int) -> tuple[float, ...]:
        """What was observed after scrape ``first`` up to scrape ``last`` (what
        ``increase(h[...])`` over that window counts)."""
        return tuple(v for step in range(first + 1, last + 1) for v in self.observations[step])

    def fraction_above(self, threshold: float, first: int, last: int) -> float:
        """The share of observations in ``(first, last]`` above ``threshold`` (NaN if none)."""
        seen = self.observed_between(first, last)
        return sum(1 for v in seen if v > threshold) / len(seen) if seen else math.nan


@st.composite
def native_histogram_series(draw: st.DrawFn, *, observations: st.SearchStrategy[float] | None = None,
                            steps: int = 20, per_step: tuple[int, int] = (0, 20), interval_s: float = 15,
                            schema: int = 3, custom_bounds: Sequence[float] | None = None,
                            zero_threshold: float = DEFAULT_ZERO_THRESHOLD, resets: bool = False) -> HistogramSeries:
    """Observations drawn for each scrape interval (``per_step`` of them, from ``observations``:
    by default latencies of 0 to 10 s) accumulated into a counter histogram, of exponential
    ``schema`` or, with ``custom_bounds``, custom buckets (NHCB). Values within
    ``zero_threshold`` of zero go to the zero bucket. With ``resets`` the counter restarts once:
    that scrape holds only its own observations and says ``counter_reset_hint:reset``."""
    if custom_bounds is not None:
        bounds = tuple(float(b) for b in custom_bounds)
        if any(not math.isfinite(b) for b in bounds) or list(bounds) != sorted(set(bounds)):
            raise ValueError("custom_bounds must be finite and strictly increasing")
    elif not is_exponential_schema(schema):
        raise ValueError(f"schema must be between -4 and 8, got {schema}")
    if steps < 1 or per_step[0] < 0 or per_step[1] < per_step[0]:
        raise ValueError("steps must be positive and per_step a (min, max) range of counts")
    values = observations if observations is not None else st.floats(min_value=0, max_value=10)
    reset_at = draw(st.integers(min_value=1, max_value=steps - 1)) if resets and steps > 1 else None
    acc = _Accumulator(custom_bounds is not None, bounds if custom_bounds is not None else (), schema,
                       zero_threshold)
    histograms = []
    seen = []
    for step in range(steps):
        drawn = tuple(draw(st.lists(values, min_size=per_step[0], max_size=per_step[1])))
        if any(not math.isfinite(v) for v in drawn):
            raise ValueError("observations must be finite numbers")
        if step == reset_at:
            acc = _Accumulator(acc.custom, acc.bounds, acc.schema, acc.zero_threshold)
        for v in drawn:
            acc.observe(v)
        histograms.append(acc.histogram(CounterResetHint.RESET if step == reset_at else CounterResetHint.UNKNOWN))
        seen.append(drawn)
    return HistogramSeries(tuple(histograms), tuple(seen), interval_s, reset_at)


class _Accumulator:
    """A native histogram being observed into, as an instrumentation library keeps it."""

    def __init__(self, custom: bool, bounds: tuple[float, ...], schema: int, zero_threshold: float) -> None:
        self.custom = custom
        self.bounds = bounds
        self.schema = schema
        self.zero_threshold = zero_threshold
        self.count = 0.0
        self.sum = 0.0
        self.zero = 0.0
        self.positive: dict[int, float] = {}
        self.negative: dict[int, float] = {}

    def observe(self, v: float) -> None:
        self.count += 1
        self.sum += v
        if self.custom:
            i = bucket_index(v, CUSTOM_BUCKETS_SCHEMA, self.bounds)
            self.positive[i] = self.positive.get(i, 0.0) + 1
        elif abs(v) <= self.zero_threshold:
            self.zero += 1
        else:
            side = self.positive if v > 0 else self.negative
            i = bucket_index(v, self.schema)
            side[i] = side.get(i, 0.0) + 1

    def histogram(self, hint: CounterResetHint) -> FloatHistogram:
        pos_spans, pos = _dense(self.positive)
        if self.custom:
            return FloatHistogram(hint, CUSTOM_BUCKETS_SCHEMA, count=self.count, sum=self.sum,
                                  positive_spans=pos_spans, positive_buckets=pos, custom_values=self.bounds)
        neg_spans, neg = _dense(self.negative)
        return FloatHistogram(hint, self.schema, self.zero_threshold, self.zero, self.count, self.sum,
                              pos_spans, pos, neg_spans, neg)


def _dense(counts: dict[int, float]) -> tuple[tuple[Span, ...], tuple[float, ...]]:
    """One span from the lowest to the highest populated bucket."""
    if not counts:
        return (), ()
    lo, hi = min(counts), max(counts)
    return (Span(lo, hi - lo + 1),), tuple(counts.get(i, 0.0) for i in range(lo, hi + 1))
