"""The hot range functions are written out inline (and ``max``/``min`` use Python's builtins when
no NaN is present); they must give the same bits as a plain transcription of Prometheus' Go code
(``promql/functions.go``: ``funcAvgOverTime``, ``funcSumOverTime``, ``linearRegression``,
``funcStdvarOverTime``, ``funcMaxOverTime``; ``kahanSumInc`` in 2.42, ``kahansum.Inc`` in 3.x)
on any input: infinities, NaN, signed zeros, overflowing sums."""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Callable, Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ruletest.promql import functions as F
from ruletest.promql.functions import RangeArgs
from ruletest.semantics import Semantics

# --- Go, transcribed ------------------------------------------------------------------------


def go_kahan_2(inc: float, total: float, comp: float) -> tuple[float, float]:
    t = total + inc
    if abs(total) >= abs(inc):
        comp += (total - t) + inc
    else:
        comp += (inc - t) + total
    return t, comp


def go_kahan_3(inc: float, total: float, comp: float) -> tuple[float, float]:
    t = total + inc
    if math.isinf(t):
        comp = 0.0
    elif abs(total) >= abs(inc):
        comp += (total - t) + inc
    else:
        comp += (inc - t) + total
    return t, comp


def go_avg(vs: Sequence[float], v3: bool) -> float:
    if v3:
        total, count = vs[0], 1.0
        mean = comp = 0.0
        incremental = False
        for i, f in enumerate(vs[1:]):
            count = float(i + 2)
            if not incremental:
                new_sum, new_c = go_kahan_3(f, total, comp)
                if not math.isinf(new_sum):
                    total, comp = new_sum, new_c
                    continue
                incremental = True
                mean = total / (count - 1)
                comp /= count - 1
            q = (count - 1) / count
            mean, comp = go_kahan_3(f / count, q * mean, q * comp)
        if incremental:
            return mean + comp
        return total / count + comp / count
    mean = comp = 0.0
    count = 0.0
    for f in vs:
        count += 1
        if math.isinf(mean):
            if math.isinf(f) and (mean > 0) == (f > 0):
                continue
            if not math.isinf(f) and not math.isnan(f):
                continue
        mean, comp = go_kahan_2(f / count - mean / count, mean, comp)
    if math.isinf(mean):
        return mean
    return mean + comp


def go_sum(vs: Sequence[float], v3: bool) -> float:
    inc = go_kahan_3 if v3 else go_kahan_2
    total = comp = 0.0
    for f in vs:
        total, comp = inc(f, total, comp)
    if math.isinf(total):
        return total
    return total + comp


def go_regression(ts: Sequence[int], vs: Sequence[float], intercept: int, v3: bool) -> tuple[float, float]:
    inc = go_kahan_3 if v3 else go_kahan_2
    n = 0.0
    sx = cx = sy = cy = sxy = cxy = sx2 = cx2 = 0.0
    init_y = vs[0]
    const_y = True
    for i, (t, v) in enumerate(zip(ts, vs, strict=True)):
        if const_y and i > 0 and v != init_y:
            const_y = False
        n += 1.0
        x = (t - intercept) / 1e3
        sx, cx = inc(x, sx, cx)
        sy, cy = inc(v, sy, cy)
        sxy, cxy = inc(x * v, sxy, cxy)
        sx2, cx2 = inc(x * x, sx2, cx2)
    if const_y:
        if math.isinf(init_y):
            return math.nan, math.nan
        return 0.0, init_y
    sx += cx
    sy += cy
    sxy += cxy
    sx2 += cx2
    cov = sxy - sx * sy / n
    var = sx2 - sx * sx / n
    slope = F.go_div(cov, var)
    return slope, sy / n - slope * sx / n


def go_variance(vs: Sequence[float], v3: bool) -> float:
    inc = go_kahan_3 if v3 else go_kahan_2
    count = 0.0
    mean = c_mean = aux = c_aux = 0.0
    for f in vs:
        count += 1
        delta = f - (mean + c_mean)
        mean, c_mean = inc(delta / count, mean, c_mean)
        aux, c_aux = inc(delta * (f - (mean + c_mean)), aux, c_aux)
    return (aux + c_aux) / count


def go_extreme(vs: Sequence[float], better: Callable[[float, float], bool]) -> float:
    best = vs[0]
    for f in vs:
        if better(f, best) or math.isnan(best):
            best = f
    return best


# --- comparison ------------------------------------------------------------------------------


def bits(v: float | None) -> bytes | None:
    return None if v is None else struct.pack("<d", v)


SPECIAL = st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1.0, 0.1, 3.0])
VALUES = st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), SPECIAL, st.integers(-10, 10).map(float)),
                  min_size=1, max_size=40)


def args(v3: bool, t: int = 0) -> RangeArgs:
    return RangeArgs(t - 300_000, t, 300_000, t, (), Semantics.of(3 if v3 else 2))


@settings(max_examples=400, deadline=None)
@given(VALUES, st.booleans())
@example([1e308, 1e308, -1e308, 1.0], True)
@example([1e308, 1e308, -1e308, 1.0], False)
@example([math.inf, 1.0, -math.inf], False)
@example([-0.0, -0.0], False)
@example([-0.0, -0.0], True)
@example([-0.0, 0.0, -0.0, 0.0, 1.6, 1.6, 1.6, 0.0, 0.0], False)  # runs equal to the mean (2.x skips them)
@example([0.0, -0.0, -5.0, 5.0, 0.0, 0.0], False)
def test_over_time_sums_match_go(vs: list[float], v3: bool) -> None:
    for seq in (vs, array("d", vs)):
        assert bits(F.RANGE_FUNCTIONS["avg_over_time"]([], seq, args(v3))) == bits(go_avg(vs, v3))
        assert bits(F.RANGE_FUNCTIONS["sum_over_time"]([], seq, args(v3))) == bits(go_sum(vs, v3))
        assert bits(F.RANGE_FUNCTIONS["stdvar_over_time"]([], seq, args(v3))) == bits(go_variance(vs, v3))
        assert bits(F.RANGE_FUNCTIONS["max_over_time"]([], seq, args(v3))) == bits(go_extreme(vs, lambda c, m: c > m))
        assert bits(F.RANGE_FUNCTIONS["min_over_time"]([], seq, args(v3))) == bits(go_extreme(vs, lambda c, m: c < m))


@settings(max_examples=300, deadline=None)
@given(VALUES.filter(lambda vs: len(vs) >= 2), st.booleans(), st.integers(1, 100_000))
@example([math.nan, math.nan], False, 1)
@example([1e308, 1e308, 1e308], True, 1)
@example([1e308, 1e308, 1e308], False, 1)
@example([-0.0, 0.0, -0.0], True, 1)  # equal values: no sums needed
@example([math.inf, math.inf], False, 1)
@example([2.5, 2.5, 2.5, 2.5], True, 60_000)
@example([2.5, 2.5, math.nan], True, 1)
@example([float(k % 5) for k in range(20)], True, 15_000)  # 16 samples or more on a grid
@example([k * 0.1 - 3 for k in range(40)], False, 60_000)
@example([float(k % 5) for k in range(20)] + [1e308, 1e308], True, 15_000)  # on a grid, overflowing
@example([float(k % 5) for k in range(20)] + [1e308, 1e308], False, 15_000)
def test_regression_matches_go(vs: list[float], v3: bool, spacing: int) -> None:
    # Regular windows (16 samples or more take the grid path) and the same window with one
    # timestamp moved (not a grid), as lists and arrays.
    regular = [k * spacing for k in range(len(vs))]
    moved = [*regular[:-1], regular[-1] + 1]
    for ts in (regular, moved, array("q", regular), array("q", moved)):
        t = ts[-1] + 7
        want = go_regression(list(ts), vs, t, v3)
        for seq in (vs, array("d", vs)):
            got = F.linear_regression(ts, seq, t, v3)
            assert (bits(got[0]), bits(got[1])) == (bits(want[0]), bits(want[1])), ts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=16, max_size=60), st.booleans(), st.integers(1, 120_000),
       st.integers(-10**6, 10**6))
def test_regression_on_a_grid_matches_go(vs: list[float], v3: bool, spacing: int, intercept_shift: int) -> None:
    # Finite values on a regular grid: the path that reuses the sums of x and x² per offset.
    ts = array("q", [1_000_000 + k * spacing for k in range(len(vs))])
    t = ts[-1] + intercept_shift
    got = F.linear_regression(ts, array("d", vs), t, v3)
    want = go_regression(list(ts), vs, t, v3)
    assert (bits(got[0]), bits(got[1])) == (bits(want[0]), bits(want[1]))
