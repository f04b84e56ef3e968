"""Hypothesis strategies for rule tests: counters with a given rate, gauges that cross a
threshold and stay there, stale gaps, and helpers to state threshold properties.

    from hypothesis import given
    from ruletest import strategies as rs

    @given(rs.gauge_crossing(threshold=80, above=True, hold_s=180, interval_s=15))
    def test_fires(g):
        run = Scenario(RULES, interval="15s").series("veza_db_connections", g.values).run(until=g.end_s)
        rs.assert_fires_after(run, "DatabaseConnectionsHigh", g.crossed_at_s, for_s=120, step_s=15)

Import-light: hypothesis is imported here, so install ``ruletest[hypothesis]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import strategies as st

from ruletest.api import Run

__all__ = ["Crossing", "assert_fires_after", "assert_never_fires", "counter_values", "gauge_crossing",
           "gauge_within", "with_stale_gaps"]


@dataclass(frozen=True)
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
