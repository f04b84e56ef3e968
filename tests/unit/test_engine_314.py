"""The engine half of Prometheus 3.14's syntax and semantics: duration expressions and the query
context, ``anchored``/``smoothed``, fill modifiers, delayed name removal, ``info()``, and what moved
since 3.0. Expected values are worked out by hand in the comments (from the Go sources named),
so these run without ``../shared``; Prometheus' own cases are in test_prometheus_conformance.py.
"""

from __future__ import annotations

import math

import pytest

from ruletest.errors import PromQLEvalError
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import DroppedName, Matrix, Scalar, Vector, format_labels
from ruletest.semantics import (
    FEATURE_BINOP_FILL_MODIFIERS,
    FEATURE_DELAYED_NAME_REMOVAL,
    FEATURE_EXPERIMENTAL_FUNCTIONS,
    FEATURE_EXTENDED_RANGE_SELECTORS,
    Semantics,
)
from ruletest.series import parse_series
from tests.unit.helpers import MIN

ALL = (FEATURE_EXPERIMENTAL_FUNCTIONS, FEATURE_EXTENDED_RANGE_SELECTORS, FEATURE_BINOP_FILL_MODIFIERS)


def make(series: dict[str, str], features: tuple[str, ...] = ALL, version: int = 3, interval: int = MIN) -> Engine:
    st = Storage()
    for desc, values in series.items():
        spec = parse_series(desc, values)
        st.add_series(spec.labels, spec.values, 0, interval)
    return Engine(st, EngineOptions(Semantics.of(version, features)))


def values(v: object) -> dict[str, float] | float:
    if isinstance(v, Scalar):
        return v.value
    assert isinstance(v, Vector)
    return {format_labels(s.labels): s.value for s in v.samples}


# m is the minute number: 0 at 0, 1 at 1m, ... 10 at 10m.
M = {"m": "0+1x10"}


# --- duration expressions and the query context (PreprocessExpr, durations.go) ------------------


def test_step_and_range_are_the_query_s() -> None:
    e = make(M)
    # A range query over [5m, 9m] with a 2m step, at its 9m step: [step()] is (7m, 9m]: 8, 9.
    assert values(e.query("count_over_time(m[step()])", 9 * MIN, start_ms=5 * MIN, end_ms=9 * MIN,
                          step_ms=2 * MIN)) == {"{}": 2.0}
    # offset range() = 4m: at 9m, m at 5m.
    assert values(e.query("m offset range()", 9 * MIN, start_ms=5 * MIN, end_ms=9 * MIN,
                          step_ms=2 * MIN)) == {'{__name__="m"}': 5.0}
    # min_of(step(), 1m) = 1m; max_of(...) = 2m.
    assert values(e.query("m offset min_of(step(), 1m)", 9 * MIN, start_ms=5 * MIN, end_ms=9 * MIN,
                          step_ms=2 * MIN)) == {'{__name__="m"}': 8.0}
    assert values(e.query("m offset max_of(step(), 1m)", 9 * MIN, start_ms=5 * MIN, end_ms=9 * MIN,
                          step_ms=2 * MIN)) == {'{__name__="m"}': 7.0}
    # The functions: step() and range() in seconds, start() and end() as Unix times.
    ctx = {"start_ms": 5 * MIN, "end_ms": 9 * MIN, "step_ms": 2 * MIN}
    assert values(e.query("step()", 7 * MIN, **ctx)) == 120.0
    assert values(e.query("range()", 7 * MIN, **ctx)) == 240.0
    assert values(e.query("end() - start()", 7 * MIN, **ctx)) == 240.0
    # A subquery step from step(): [4m:step()] at 9m evaluates m at 6m and 8m (aligned to 2m).
    assert values(e.query("sum_over_time(m[4m:step()])", 9 * MIN, **ctx)) == {"{}": 14.0}


def test_an_instant_query_has_no_step_or_range() -> None:
    e = make(M)
    # foldQueryContextFunctions: step() is 0 when start = end; range() is 0.
    assert values(e.query("step()", 5 * MIN)) == 0.0
    assert values(e.query("range()", 5 * MIN)) == 0.0
    assert values(e.query("start()", 5 * MIN)) == 300.0
    assert values(e.query("m offset range()", 5 * MIN)) == {'{__name__="m"}': 5.0}
    # durationVisitor.calculateDuration: a range must be greater than 0 (positions: the
    # duration's, 0-based, as Prometheus' PositionRange prints them).
    with pytest.raises(PromQLEvalError, match=r"^\d+:\d+: duration must be greater than 0$"):
        e.query("count_over_time(m[step()])", 5 * MIN)


def test_constant_durations_refused_at_query_time() -> None:
    e = make(M)
    # 5m - 10m is folded to nothing by the parser; the query refuses the negative range.
    with pytest.raises(PromQLEvalError, match="duration must be greater than 0"):
        e.query("count_over_time(m[5m - 10m])", 5 * MIN)
    # An offset may be negative: m offset (5m - 10m) at 1m reads m at 6m.
    assert values(e.query("m offset (5m - 10m)", MIN)) == {'{__name__="m"}': 6.0}


# --- anchored and smoothed (extendedRate, pickFirstSampleIndices, smoothSeries) -----------------

# g: 1 at 0, 2 at 1m, nothing at 2m, 4 at 3m, 5 at 4m.
G = {"g": "1 2 _ 4 5"}


def test_anchored_increase_measures_from_the_sample_before_the_window() -> None:
    e = make(G)
    # At 4m, [1m] is (3m, 4m]; the anchor is the last sample at or before 3m (4 at 3m): 5 - 4.
    assert values(e.query("increase(g[1m] anchored)", 4 * MIN)) == {"{}": 1.0}
    # Without the modifier the window holds one sample: no rate.
    assert values(e.query("increase(g[1m])", 4 * MIN)) == {}
    # rate divides by the range: 1 / 60.
    assert values(e.query("rate(g[1m] anchored)", 4 * MIN)) == {"{}": 1 / 60}
    # changes: anchored counts 4 -> 5; the plain window (3m, 4m] holds 5 alone.
    assert values(e.query("changes(g[1m] anchored)", 4 * MIN)) == {"{}": 1.0}
    assert values(e.query("changes(g[1m])", 4 * MIN)) == {"{}": 0.0}


def test_smoothed_interpolates_at_the_edges() -> None:
    e = make(G)
    # At 2m30s, [1m] is (1m30s, 2m30s]. Left edge on the line 2 (1m) -> 4 (3m) at 1m30s: 2.5;
    # right edge at 2m30s: 3.5. increase = 1, rate = 1/60.
    assert values(e.query("increase(g[1m] smoothed)", 150_000)) == {"{}": 1.0}
    assert values(e.query("rate(g[1m] smoothed)", 150_000)) == {"{}": 1 / 60}
    # An instant selector: at 2m, on the line 2 (1m) -> 4 (3m): 3; the name stays.
    assert values(e.query("g smoothed", 2 * MIN)) == {'{__name__="g"}': 3.0}


def test_smoothed_counter_reset_restarts_from_zero() -> None:
    # c: 10 at 0, 2 at 1m (a reset). At 1m, [30s] smoothed: left edge at 30s on the counter's
    # line from 0 (after the reset) to 2: 1; right edge 2; increase 1.
    e = make({"c": "10 2"})
    assert values(e.query("increase(c[30s] smoothed)", MIN)) == {"{}": 1.0}


def test_functions_that_refuse_the_modifiers() -> None:
    e = make(G)
    with pytest.raises(PromQLEvalError, match=r"^anchored modifier can only be used with: changes, delta, increase, "
                                              r"rate, resets - not with deriv$"):
        e.query("deriv(g[1m] anchored)", 4 * MIN)
    with pytest.raises(PromQLEvalError, match=r"^smoothed modifier can only be used with: delta, increase, rate - "
                                              r"not with absent_over_time$"):
        e.query("absent_over_time(g[1m] smoothed)", 4 * MIN)


# --- fill modifiers (VectorBinop) -----------------------------------------------------------------

AB = {'a{x="1"}': "1", 'a{x="2"}': "2", 'b{x="2"}': "10", 'b{x="3"}': "20"}


def test_fill_modifiers() -> None:
    e = make(AB)
    # A missing side takes the fill value; the result has the matching labels.
    assert values(e.query("a + fill(0) b", 0)) == {'{x="1"}': 1.0, '{x="2"}': 12.0, '{x="3"}': 20.0}
    assert values(e.query("a + fill_left(5) b", 0)) == {'{x="2"}': 12.0, '{x="3"}': 25.0}
    assert values(e.query("a + fill_right(5) b", 0)) == {'{x="1"}': 6.0, '{x="2"}': 12.0}
    # A filter keeps the left side's sample: 1 < 1.5 and 2 < 10.
    assert values(e.query("a < fill_right(1.5) b", 0)) == {'{__name__="a", x="1"}': 1.0,
                                                           '{__name__="a", x="2"}': 2.0}


def test_fill_with_one_side_empty() -> None:
    e = make(AB)
    assert values(e.query("nothing + fill(1) b", 0)) == {'{x="2"}': 11.0, '{x="3"}': 21.0}
    assert values(e.query("nothing + b", 0)) == {}


# --- delayed name removal (DropName, cleanupMetricLabels) ----------------------------------------


def test_delayed_name_removal_lets_label_functions_read_the_name() -> None:
    series = {'m{x="1"}': "0+60x5"}
    on = make(series, (*ALL, FEATURE_DELAYED_NAME_REMOVAL))
    off = make(series)
    q = 'label_replace(rate(m[5m]), "name", "$1", "__name__", "(.*)")'
    # rate over 0..300 in 5m: 1/s. The name is still there when label_replace reads it.
    assert values(on.query(q, 5 * MIN)) == {'{name="m", x="1"}': 1.0}
    assert values(off.query(q, 5 * MIN)) == {'{x="1"}': 1.0}
    # Setting __name__ keeps the name: it is no longer to be dropped.
    keep = 'label_replace(rate(m[5m]), "__name__", "rate_$1", "__name__", "(.*)")'
    assert values(on.query(keep, 5 * MIN)) == {'{__name__="rate_m", x="1"}': 1.0}


def test_delayed_name_removal_collisions_at_the_end_only() -> None:
    series = {"a": "1", "b": "2"}
    on = make(series, (*ALL, FEATURE_DELAYED_NAME_REMOVAL))
    off = make(series)
    # -a and -b collide once their names go: an error at the end of the query.
    for e in (on, off):
        with pytest.raises(PromQLEvalError, match="vector cannot contain metrics with the same labelset"):
            e.query('-{__name__=~"a|b"}', 0)
    # Summed before the end, they do not collide with delayed removal: -3.
    assert values(on.query('sum(-{__name__=~"a|b"})', 0)) == {"{}": -3.0}
    with pytest.raises(PromQLEvalError, match="same labelset"):
        off.query('sum(-{__name__=~"a|b"})', 0)


def test_delayed_name_removal_results_are_plain_labels() -> None:
    on = make({"m": "1 2"}, (*ALL, FEATURE_DELAYED_NAME_REMOVAL))
    for q in ("m * 2", "last_over_time(abs(m)[2m:])", "sum by (__name__) (rate(m[2m]))", "m"):
        v = on.query(q, MIN)
        assert isinstance(v, Vector)
        assert not any(isinstance(k, DroppedName) for s in v.samples for k, _ in s.labels)
    # by (__name__): a group whose sample's name was to be dropped drops it at the end.
    assert values(on.query("sum by (__name__) (rate(m[2m]))", MIN)) == {"{}": pytest.approx(1 / 60)}
    assert values(on.query("sum by (__name__) (m)", MIN)) == {'{__name__="m"}': 2.0}
    # A subquery of a name-dropping function: last_over_time keeps what it is given.
    assert values(on.query("last_over_time(abs(m)[2m:])", MIN)) == {"{}": 2.0}
    matrix = on.query("abs(m)[2m:1m]", MIN)
    assert isinstance(matrix, Matrix) and [rs.labels for rs in matrix.series] == [()]


# --- info() (info.go) --------------------------------------------------------------------------------

INFO = {
    'm{instance="a", job="1"}': "5",
    'm{instance="b", job="1"}': "6",
    'target_info{instance="a", job="1", region="eu", tier="web"}': "1",
    'build_info{instance="a", job="1", version="v2"}': "1",
}


def test_info_adds_target_info_data_labels() -> None:
    e = make(INFO)
    assert values(e.query("info(m)", 0)) == {
        '{__name__="m", instance="a", job="1", region="eu", tier="web"}': 5.0,
        '{__name__="m", instance="b", job="1"}': 6.0,  # no target_info for b: kept as it is
    }
    # A data-label matcher picks labels; one that needs a value drops series without a match.
    assert values(e.query('info(m, {region=~"e.*"})', 0)) == {'{__name__="m", instance="a", job="1", region="eu"}': 5.0}
    # Other info metrics by name.
    assert values(e.query('info(m, {__name__="build_info"})', 0)) == {
        '{__name__="m", instance="a", job="1", version="v2"}': 5.0, '{__name__="m", instance="b", job="1"}': 6.0}
    # Info series themselves are not enriched.
    assert values(e.query("info(target_info)", 0)) == {
        '{__name__="target_info", instance="a", job="1", region="eu", tier="web"}': 1.0}


def test_info_conflicting_labels() -> None:
    e = make({**INFO, 'other_info{instance="a", job="1", region="us"}': "1"})
    with pytest.raises(PromQLEvalError, match=r"^conflicting label: region$"):
        e.query('info(m, {__name__=~".+_info"})', 0)


# --- what moved since 3.0 ------------------------------------------------------------------------------


def test_stddev_of_a_lone_nan_is_nan_in_3x() -> None:
    series = {'s{g="a"}': "NaN", 's{g="b"}': "1"}
    # engine.go aggregation: a NaN or Inf first sample starts the group at NaN (3.x), 0 in 2.42.
    assert math.isnan(values(make(series).query("stddev by (g) (s)", 0))['{g="a"}'])  # type: ignore[index]
    assert values(make(series, (), 2).query("stddev by (g) (s)", 0)) == {'{g="a"}': 0.0, '{g="b"}': 0.0}


def test_histogram_fraction_classic_buckets() -> None:
    # Cumulative buckets le=-3: 2, le=-2: 4, le=-1: 100, +Inf: 100. BucketFraction: the first
    # bucket spans (-Inf, -3]; nothing is interpolated into it, so a bound inside it (-4) ranks
    # the whole bucket below: 2. The upper bound -2 is a bucket bound: rank 4. (4 - 2) / 100.
    # [-2.5, -1.5]: -2.5 in (-3, -2]: 2 + 2 * 0.5 = 3; -1.5 in (-2, -1]: 4 + 96 * 0.5 = 52.
    series = {f'h_bucket{{le="{le}"}}': str(c) for le, c in (("-3", 2), ("-2", 4), ("-1", 100), ("+Inf", 100))}
    e = make(series)
    assert values(e.query("histogram_fraction(-4, -2, h_bucket)", 0)) == {"{}": pytest.approx(0.02)}
    assert values(e.query("histogram_fraction(-2.5, -1.5, h_bucket)", 0)) == {"{}": pytest.approx(0.49)}
    # 2.42 reads only native histograms: classic buckets give nothing.
    assert values(make(series, (), 2).query("histogram_fraction(-4, -2, h_bucket)", 0)) == {}


def test_histogram_quantiles() -> None:
    series = {f'h_bucket{{le="{le}"}}': str(c) for le, c in (("1", 50), ("2", 100), ("+Inf", 100))}
    # q=0.5: rank 50 in the first bucket (0, 1]: 1.0; q=0.75: rank 75, in (1, 2]: 1 + 25/50 = 1.5.
    assert values(make(series).query('histogram_quantiles(h_bucket, "q", 0.5, 0.75)', 0)) == {
        '{q="0.5"}': 1.0, '{q="0.75"}': 1.5}


def test_mad_over_time_of_a_nan_is_nan() -> None:
    assert math.isnan(values(make({"m": "1 NaN 3"}).query("mad_over_time(m[5m])", 2 * MIN))["{}"])  # type: ignore[index]


def test_filter_cardinality_is_checked_before_filtering() -> None:
    series = {'many{l="a", job="t"}': "0", 'many{l="b", job="t"}': "1", 'one{job="t"}': "1"}
    # Both "many" series match "one" on job; 3.9+ refuses even though both are filtered away.
    with pytest.raises(PromQLEvalError, match="multiple matches for labels"):
        make(series).query("many > on(job) one", 0)
    assert values(make(series, (), 2).query("many > on(job) one", 0)) == {}


def test_trim_operators_on_floats() -> None:
    e = make({"m": "1"})
    assert values(e.query("m </ 2", 0)) == {}  # a float sample is not a histogram: dropped
    with pytest.raises(PromQLEvalError, match=r'^operator "</" not allowed for Scalar operations$'):
        e.query("1 </ 2", 0)


def test_start_timestamp_is_empty_without_start_timestamps() -> None:
    assert values(make({"m": "1"}).query("start_timestamp(m)", 0)) == {}


def test_delayed_name_removal_in_quantile_and_count_values() -> None:
    on = make({'m{x="1"}': "0 60", 'm{x="2"}': "0 120"}, (*ALL, FEATURE_DELAYED_NAME_REMOVAL))
    # quantile by (__name__) groups flagged names and drops them at the end (groupedAggregation.dropName):
    # over (-1m, 1m] the counters start at 0, so nothing is extrapolated before the first sample:
    # increases 60 and 120 over the 2m range, rates 0.5 and 1, median 0.75.
    assert values(on.query("quantile by (__name__) (0.5, rate(m[2m]))", MIN)) == {"{}": 0.75}
    # count_values keeps no flag (aggregationCountValues): the name it groups by stays.
    assert values(on.query('count_values by (__name__) ("v", -m)', MIN)) == {
        '{__name__="m", v="-60"}': 1.0, '{__name__="m", v="-120"}': 1.0}
