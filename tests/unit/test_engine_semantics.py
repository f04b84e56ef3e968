"""Engine behaviour with expected values from the Prometheus documentation, the Prometheus 3
migration guide, or hand calculation (shown in comments)."""

from __future__ import annotations

import math

import pytest

from ruletest.errors import PromQLEvalError, PromQLSyntaxError
from ruletest.promql.values import Vector
from tests.unit.helpers import MIN, engine, result


@pytest.mark.parametrize(("prometheus", "expected"), [(3, {}), (2, {'{__name__="m"}': 1.0})])
def test_lookback_window_is_left_open_in_prometheus_3(prometheus: int, expected: dict[str, float]) -> None:
    # Migration guide: a sample exactly at t-5m is no longer part of the lookback window.
    e = engine({"m": "1"}, prometheus)
    assert result(e, "m", 5 * MIN) == expected


@pytest.mark.parametrize(("prometheus", "count"), [(3, 5.0), (2, 6.0)])
def test_range_selector_is_left_open_in_prometheus_3(prometheus: int, count: float) -> None:
    e = engine({"m": "0+1x10"}, prometheus)
    assert result(e, "count_over_time(m[5m])", 10 * MIN) == {"{}": count}


@pytest.mark.parametrize(("prometheus", "count"), [(3, 5.0), (2, 6.0)])
def test_subquery_steps_align_like_prometheus(prometheus: int, count: float) -> None:
    # Steps are multiples of the step after t-range: (5m, 10m] in 3.x, [5m, 10m] in 2.x.
    e = engine({"m": "0+1x10"}, prometheus)
    assert result(e, "count_over_time(m[5m:1m])", 10 * MIN) == {"{}": count}
    # At 10m30s with step 2m the steps are 6m, 8m, 10m in both versions.
    assert result(e, "count_over_time(m[5m:2m])", 10 * MIN + 30_000) == {"{}": 3.0}


@pytest.mark.parametrize(("prometheus", "matches"), [(3, True), (2, False)])
def test_regex_dot_matches_newline_only_in_prometheus_3(prometheus: int, matches: bool) -> None:
    e = engine({'m{a="x\\ny"}': "1"}, prometheus)
    assert bool(result(e, 'm{a=~"x.y"}', 0)) is matches


def test_rate_extrapolation_by_hand() -> None:
    # 0+10x10 at 1m steps; rate(m[5m]) at 5m sees (0, 5m] = 10..50: increase 40 over 240s,
    # extrapolated 60s to the start (within 1.1 * the 60s average) and 0s to the end:
    # 40 * 300/240 / 300s = 1/6 per second.
    e = engine({"m": "0+10x10"})
    assert result(e, "rate(m[5m])", 5 * MIN) == {"{}": pytest.approx(1 / 6, rel=1e-15)}
    assert result(e, "increase(m[5m])", 5 * MIN) == {"{}": pytest.approx(50.0, rel=1e-15)}


def test_counter_reset_is_added_back() -> None:
    # 5 10 2 7: reset between 10 and 2 adds 10, so the raw increase 7-5=2 becomes 12.
    e = engine({"m": "5 10 2 7"})
    assert result(e, "resets(m[5m])", 3 * MIN) == {"{}": 1.0}
    # idelta/irate use the last two samples only: 7-2 over 60s.
    assert result(e, "irate(m[5m])", 3 * MIN) == {"{}": 5 / 60}
    assert result(e, "delta(m[3m30s])", 3 * MIN)["{}"] == pytest.approx((7 - 5) * 210 / 180)


def test_kahan_summation_in_prometheus_3_only() -> None:
    series = {'m{i="1"}': "1e100", 'm{i="2"}': "1", 'm{i="3"}': "-1e100"}
    # The exact sum is 1; Kahan-Neumaier recovers it, naive summation loses it.
    assert result(engine(series, 3), "sum(m)", 0) == {"{}": 1.0}
    assert result(engine(series, 2), "sum(m)", 0) == {"{}": 0.0}


def test_absent_labels_follow_the_documentation() -> None:
    e = engine({"present": "1"})
    assert result(e, 'absent(nonexistent{job="myjob"})', 0) == {'{job="myjob"}': 1.0}
    assert result(e, 'absent(nonexistent{job="myjob",instance=~".*"})', 0) == {'{job="myjob"}': 1.0}
    assert result(e, 'absent(sum(nonexistent{job="myjob"}))', 0) == {"{}": 1.0}
    assert result(e, "absent(present)", 0) == {}
    assert result(e, 'absent_over_time(nonexistent{job="x"}[5m])', 0) == {'{job="x"}': 1.0}


def test_label_replace_and_join_documentation_examples() -> None:
    e = engine({'up{job="api-server",service="a:c",src1="a",src2="b",src3="c"}': "1"})
    assert result(e, 'label_replace(up, "foo", "$1", "service", "(.*):.*")', 0) == {
        '{__name__="up", foo="a", job="api-server", service="a:c", src1="a", src2="b", src3="c"}': 1.0}
    assert result(e, 'label_join(up, "foo", ",", "src1", "src2", "src3")', 0) == {
        '{__name__="up", foo="a,b,c", job="api-server", service="a:c", src1="a", src2="b", src3="c"}': 1.0}
    # Go template expansion: "$1x" names group "1x", which does not exist.
    assert list(result(e, 'label_replace(up, "foo", "$1x-${1}x", "job", "(api).*")', 0)) == [
        '{__name__="up", foo="-apix", job="api-server", service="a:c", src1="a", src2="b", src3="c"}']


def test_histogram_quantile_by_hand() -> None:
    # Buckets 0.1:1 0.5:4 1:6 +Inf:7. q=0.5 -> rank 3.5 falls in (0.1, 0.5] holding 3
    # observations, 2.5 of them below: 0.1 + 0.4 * 2.5/3.
    e = engine({'b{le="0.1"}': "1", 'b{le="0.5"}': "4", 'b{le="1"}': "6", 'b{le="+Inf"}': "7"})
    assert result(e, "histogram_quantile(0.5, b)", 0) == {"{}": pytest.approx(0.1 + 0.4 * 2.5 / 3)}
    # Rank in the +Inf bucket returns the highest finite bound; q outside [0,1] gives +-Inf.
    assert result(e, "histogram_quantile(0.99, b)", 0) == {"{}": 1.0}
    assert result(e, "histogram_quantile(1.5, b)", 0) == {"{}": math.inf}
    assert result(e, "histogram_quantile(-1, b)", 0) == {"{}": -math.inf}


def test_metric_name_dropping() -> None:
    e = engine({'m{a="1"}': "2"})
    assert result(e, "m * 2", 0) == {'{a="1"}': 4.0}
    assert result(e, "m > 1", 0) == {'{__name__="m", a="1"}': 2.0}
    assert result(e, "m > bool 1", 0) == {'{a="1"}': 1.0}
    assert result(e, "last_over_time(m[1m])", 0) == {'{__name__="m", a="1"}': 2.0}
    assert result(e, "max_over_time(m[1m])", 0) == {'{a="1"}': 2.0}
    assert result(e, "-m", 0) == {'{a="1"}': -2.0}


def test_atan2_drops_the_name_only_in_prometheus_3() -> None:
    assert list(result(engine({"m": "1"}, 3), "m atan2 m", 0)) == ["{}"]
    assert list(result(engine({"m": "1"}, 2), "m atan2 m", 0)) == ['{__name__="m"}']


def test_same_labelset_error() -> None:
    e = engine({'a{x="1"}': "1", 'b{x="1"}': "2"})
    with pytest.raises(PromQLEvalError, match="vector cannot contain metrics with the same labelset"):
        e.query('{__name__=~"a|b"} * 2', 0)


def test_many_to_many_error() -> None:
    e = engine({'a{x="1",y="1"}': "1", 'a{x="1",y="2"}': "1", 'b{x="1"}': "1"})
    with pytest.raises(PromQLEvalError, match="many-to-many matching not allowed"):
        e.query("b + on(x) a", 0)
    with pytest.raises(PromQLEvalError, match="many-to-one matching must be explicit"):
        e.query("a + on(x) b", 0)
    assert result(e, "a + on(x) group_left b", 0) == {'{x="1", y="1"}': 2.0, '{x="1", y="2"}': 2.0}


def test_set_operators() -> None:
    e = engine({'a{x="1"}': "1", 'a{x="2"}': "2", 'b{x="2"}': "3", 'b{x="3"}': "4"})
    assert set(result(e, "a and b", 0)) == {'{__name__="a", x="2"}'}
    assert set(result(e, "a unless b", 0)) == {'{__name__="a", x="1"}'}
    assert set(result(e, "a or b", 0)) == {'{__name__="a", x="1"}', '{__name__="a", x="2"}', '{__name__="b", x="3"}'}


def test_operator_precedence_and_associativity() -> None:
    e = engine({})
    assert result(e, "2 ^ 3 ^ 2", 0) == {"scalar": 512.0}  # right-associative
    assert result(e, "-2 ^ 2", 0) == {"scalar": -4.0}  # unary minus binds looser than ^
    assert result(e, "1 + 2 * 3 % 4", 0) == {"scalar": 3.0}
    assert result(e, "1 / 0", 0) == {"scalar": math.inf}
    assert math.isnan(result(e, "0 / 0", 0)["scalar"])
    assert result(e, "-7 % 3", 0) == {"scalar": -1.0}  # Go math.Mod keeps the dividend's sign


def test_offset_at_and_timestamp() -> None:
    e = engine({"m": "0+1x20"})
    assert result(e, "m offset 5m", 10 * MIN) == {'{__name__="m"}': 5.0}
    assert result(e, "m offset -5m", 10 * MIN) == {'{__name__="m"}': 15.0}
    assert result(e, "m @ 120", 10 * MIN) == {'{__name__="m"}': 2.0}
    assert result(e, "m @ end()", 10 * MIN) == {'{__name__="m"}': 10.0}
    assert result(e, "timestamp(m offset 2m)", 10 * MIN + 30_000) == {"{}": 480.0}
    assert result(e, "time()", 10 * MIN) == {"scalar": 600.0}


def test_topk_and_friends() -> None:
    e = engine({'m{i="1"}': "1", 'm{i="2"}': "3", 'm{i="3"}': "2"})
    assert set(result(e, "topk(2, m)", 0)) == {'{__name__="m", i="2"}', '{__name__="m", i="3"}'}
    assert set(result(e, "bottomk(1, m)", 0)) == {'{__name__="m", i="1"}'}
    assert result(e, 'count_values("v", m)', 0) == {'{v="1"}': 1.0, '{v="2"}': 1.0, '{v="3"}': 1.0}
    assert result(e, "quantile(0.5, m)", 0) == {"{}": 2.0}
    assert len(result(e, "limitk(2, m)", 0)) == 2
    # 3.14 (aggregators.test: "topk(NaN, non_existent)"): k < 1 gives nothing before a NaN k is refused.
    with pytest.raises(PromQLEvalError, match=r"^Parameter value is NaN$"):
        e.query("topk(NaN, m)", 0)
    with pytest.raises(PromQLEvalError, match=r"^Ratio value is NaN$"):
        e.query("limit_ratio(NaN, m)", 0)
    assert result(e, "topk(-1e300, m)", 0) == {}
    with pytest.raises(PromQLEvalError, match=r"^Scalar value 1e\+300 overflows int64$"):
        e.query("topk(1e300, m)", 0)
    # 2.42 (engine.go aggregation: convertibleToInt64 before k < 1): NaN and -1e300 overflow.
    e2 = engine({'m{i="1"}': "1"}, 2)
    for k in ("NaN", "-1e300"):
        with pytest.raises(PromQLEvalError, match="overflows int64"):
            e2.query(f"topk({k}, m)", 0)


def test_version_specific_functions() -> None:
    e3 = engine({"m": "1 2 3"}, 3)
    e2 = engine({"m": "1 2 3"}, 2)
    assert result(e3, "double_exponential_smoothing(m[5m], 0.5, 0.5)", 2 * MIN) == {"{}": 3.0}
    assert result(e2, "holt_winters(m[5m], 0.5, 0.5)", 2 * MIN) == {"{}": 3.0}
    # Prometheus' own wording (generated_parser.y, function_call): each version lacks the other's name.
    with pytest.raises(PromQLSyntaxError, match='unknown function with name "holt_winters"'):
        e3.query("holt_winters(m[5m], 0.5, 0.5)", 0)
    with pytest.raises(PromQLSyntaxError, match='unknown function with name "double_exponential_smoothing"'):
        e2.query("double_exponential_smoothing(m[5m], 0.5, 0.5)", 0)


def test_syntax_errors_are_ours() -> None:
    e = engine({})
    with pytest.raises(PromQLSyntaxError, match="parse error"):
        e.query("sum(", 0)
    # Negative @ timestamps are valid (parse_test.go: "foo @ -100" has Timestamp -100000).
    assert e.query("m @ -100", 0) == Vector(())


def test_date_functions() -> None:
    e = engine({})
    # 2024-02-29T12:34:00Z = 1709210040 (a Thursday).
    ts = "vector(1709210040)"
    assert result(e, f"year({ts})", 0) == {"{}": 2024.0}
    assert result(e, f"month({ts})", 0) == {"{}": 2.0}
    assert result(e, f"day_of_month({ts})", 0) == {"{}": 29.0}
    assert result(e, f"days_in_month({ts})", 0) == {"{}": 29.0}
    assert result(e, f"day_of_week({ts})", 0) == {"{}": 4.0}
    assert result(e, f"day_of_year({ts})", 0) == {"{}": 60.0}
    assert result(e, f"hour({ts})", 0) == {"{}": 12.0}
    assert result(e, f"minute({ts})", 0) == {"{}": 34.0}
