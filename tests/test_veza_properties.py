"""Threshold properties of the Veza alerts, proved over generated series: above the documented
threshold for longer than ``for`` the alert fires (and not earlier); on the quiet side it never
fires."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruletest import strategies as rs
from ruletest.api import Scenario

REPO = Path(__file__).resolve().parent.parent
RULES = [REPO / "rules" / "recording_rules.yml", REPO / "rules" / "alerts.yml"]
STEP = 15
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scenario() -> Scenario:
    return Scenario(RULES, interval="15s", evaluation_interval="15s")


@SETTINGS
@given(rs.gauge_crossing(threshold=80, above=True, hold_s=150, interval_s=STEP, spread=40))
def test_database_connections_fire_above_80_after_2m(g: rs.Crossing) -> None:
    run = scenario().series('veza_db_connections{instance="db"}', g.values).run(until=g.end_s)
    rs.assert_fires_after(run, "DatabaseConnectionsHigh", g.crossed_at_s, for_s=120, step_s=STEP)


@SETTINGS
@given(rs.gauge_within(low=0, high=80, steps=40))
def test_database_connections_never_fire_at_or_below_80(values: tuple[float, ...]) -> None:
    run = scenario().series('veza_db_connections{instance="db"}', values).run(until=40 * STEP)
    rs.assert_never_fires(run, "DatabaseConnectionsHigh")


@SETTINGS
@given(total=st.floats(min_value=0.5, max_value=5000), share=st.floats(min_value=0.101, max_value=1.0))
def test_high_error_rate_fires_above_10_percent(total: float, share: float) -> None:
    steps = 30
    s = scenario()
    s.series('http_requests_total{job="api", status="200"}', _counter((1 - share) * total, steps))
    s.series('http_requests_total{job="api", status="500"}', _counter(share * total, steps))
    run = s.run(until=(steps - 1) * STEP)
    # Both counters start together, so the 5xx share is exact from the first evaluation with
    # two samples (15s); the alert is due 2m later.
    rs.assert_fires_after(run, "HighErrorRate", STEP, for_s=120, step_s=STEP)


@SETTINGS
@given(total=st.floats(min_value=0.5, max_value=5000), share=st.floats(min_value=0.0, max_value=0.099))
def test_high_error_rate_silent_below_10_percent(total: float, share: float) -> None:
    steps = 30
    s = scenario()
    s.series('http_requests_total{job="api", status="200"}', _counter((1 - share) * total, steps))
    s.series('http_requests_total{job="api", status="503"}', _counter(share * total, steps))
    rs.assert_never_fires(s.run(until=(steps - 1) * STEP), "HighErrorRate")


@SETTINGS
@given(total=st.floats(min_value=1, max_value=10000), ratio=st.floats(min_value=0.0, max_value=0.799))
def test_cache_hit_rate_low_fires_below_80_percent(total: float, ratio: float) -> None:
    steps = 30
    s = scenario()
    s.series('veza_cache_hits_total{instance="a"}', _counter(ratio * total, steps))
    s.series('veza_cache_misses_total{instance="a"}', _counter((1 - ratio) * total, steps))
    rs.assert_fires_after(s.run(until=(steps - 1) * STEP), "CacheHitRateLow", STEP, for_s=300, step_s=STEP)


@SETTINGS
@given(total=st.floats(min_value=1, max_value=10000), ratio=st.floats(min_value=0.801, max_value=1.0),
       gap=st.integers(min_value=0, max_value=29))
def test_cache_hit_rate_low_silent_above_80_percent(total: float, ratio: float, gap: int) -> None:
    steps = 30
    s = scenario()
    hits: list[float | str | None] = list(_counter(ratio * total, steps))
    hits[gap] = None  # a missed scrape does not change the verdict
    s.series('veza_cache_hits_total{instance="a"}', hits)
    s.series('veza_cache_misses_total{instance="a"}', _counter((1 - ratio) * total, steps))
    rs.assert_never_fires(s.run(until=(steps - 1) * STEP), "CacheHitRateLow")


def _counter(rate: float, steps: int) -> tuple[float, ...]:
    return tuple(rate * STEP * i for i in range(steps))


@SETTINGS
@given(rate=st.floats(min_value=0.01, max_value=1e4), resets=st.booleans(), data=st.data())
def test_rate_of_generated_counter_is_its_rate(rate: float, resets: bool, data: st.DataObject) -> None:
    values = data.draw(rs.counter_values(rate_per_s=rate, interval_s=STEP, steps=40, resets=resets))
    run = Scenario([], interval="15s").series("c", values).run(until=39 * STEP)
    got = run.query("rate(c[5m])", at=39 * STEP)["{}"]
    # 20 evenly spaced samples in (34m-5m, 39m]: extrapolation reconstructs the exact slope, and
    # a reset only adds back the value before it.
    assert abs(got - rate) <= 1e-6 * rate


@SETTINGS
@given(data=st.data())
def test_stale_gaps_keep_length_and_markers(data: st.DataObject) -> None:
    values = data.draw(rs.counter_values(rate_per_s=1, steps=10, start=0))
    gapped = data.draw(rs.with_stale_gaps(values))
    assert len(gapped) == len(values)
    assert all(g in (None, "stale") or g == v for g, v in zip(gapped, values, strict=True))
