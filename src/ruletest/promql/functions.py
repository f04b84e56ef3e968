"""PromQL function implementations, after Prometheus' ``promql/functions.go``.

Three kinds, one table each:

* ``RANGE_FUNCTIONS``: take one range of samples of one series (``rate``, ``*_over_time``...),
  return a float or ``None`` (no output for that series);
* ``FLOAT_FUNCTIONS``: map each sample value (``abs``, ``ln``...), dropping the metric name;
* ``DATE_FUNCTIONS``: calendar fields of a Unix time (``hour``, ``day_of_week``...).

Functions that need the evaluator (``label_replace``, ``absent``, ``timestamp``...) are wired in
``engine.py``; the numeric work they do lives here.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from functools import lru_cache

from ruletest.errors import PromQLEvalError
from ruletest.gocompat import CivilTime, civil_time, days_in_month, go_int64
from ruletest.promql.gomath import go_log, go_log2, go_log10
from ruletest.promql.kahan import kahan_inc
from ruletest.promql.operators import go_div
from ruletest.promql.quantiles import quantile
from ruletest.records import record
from ruletest.semantics import Semantics


@record(slots=True)
class RangeArgs:
    """What a range function knows besides the samples. (reuse.RangeMemo keys some functions'
    results by the fields they read: a new field read by one of them must join its key there.)"""

    range_start: int  # ms, exclusive in Prometheus 3
    range_end: int  # ms, inclusive
    range_ms: int
    t: int  # evaluation time, ms
    params: tuple[float, ...]  # scalar arguments, in call order (without the range)
    semantics: Semantics


RangeFn = Callable[[Sequence[int], Sequence[float], RangeArgs], float | None]

_INFS = (math.inf, -math.inf)


# --- rate / increase / delta ---------------------------------------------------------------


def extrapolated_rate(ts: Sequence[int], vs: Sequence[float], a: RangeArgs, is_counter: bool,
                      is_rate: bool) -> float | None:
    n = len(vs)
    if n < 2:
        return None
    result = vs[-1] - vs[0]
    if is_counter:
        prev = vs[0]
        for cur in vs[1:]:
            if cur < prev:
                result += prev
            prev = cur
    first_t, last_t = ts[0], ts[-1]
    duration_to_start = (first_t - a.range_start) / 1000
    duration_to_end = (a.range_end - last_t) / 1000
    sampled = (last_t - first_t) / 1000
    avg_between = sampled / (n - 1)
    threshold = avg_between * 1.1
    if a.semantics.rate_threshold_before_zero_point:
        if duration_to_start >= threshold:
            duration_to_start = avg_between / 2
        if is_counter and result > 0 and vs[0] >= 0:
            duration_to_zero = sampled * (vs[0] / result)
            if duration_to_zero < duration_to_start:
                duration_to_start = duration_to_zero
        if duration_to_end >= threshold:
            duration_to_end = avg_between / 2
        factor = (sampled + duration_to_start + duration_to_end) / sampled
    else:
        if is_counter and result > 0 and vs[0] >= 0:
            duration_to_zero = sampled * (vs[0] / result)
            if duration_to_zero < duration_to_start:
                duration_to_start = duration_to_zero
        extrapolate_to = sampled
        extrapolate_to += duration_to_start if duration_to_start < threshold else avg_between / 2
        extrapolate_to += duration_to_end if duration_to_end < threshold else avg_between / 2
        factor = extrapolate_to / sampled
    if is_rate:
        factor /= a.range_ms / 1000
    return result * factor


def _rate(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return extrapolated_rate(ts, vs, a, True, True)


def _increase(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return extrapolated_rate(ts, vs, a, True, False)


def _delta(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return extrapolated_rate(ts, vs, a, False, False)


def _instant_value(ts: Sequence[int], vs: Sequence[float], is_rate: bool) -> float | None:
    if len(vs) < 2:
        return None
    last, prev = vs[-1], vs[-2]
    interval = ts[-1] - ts[-2]
    if interval == 0:
        return None
    result = last if is_rate and last < prev else last - prev
    if is_rate:
        result /= interval / 1000
    return result


def _irate(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return _instant_value(ts, vs, True)


def _idelta(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return _instant_value(ts, vs, False)


# --- regression ----------------------------------------------------------------------------


def linear_regression(ts: Sequence[int], vs: Sequence[float], intercept_time: int,
                      kahan_sums: bool) -> tuple[float, float]:
    """Prometheus' ``linearRegression``: four compensated sums (``kahansum.Inc`` in 3.x,
    ``kahanSumInc`` in 2.42). The sums are independent, so those of x and x² (functions of the
    timestamps alone) are taken apart from those of y and xy, and shared where windows repeat."""
    init_y = vs[0]
    if init_y == init_y and vs.count(init_y) == len(vs):
        # Every value equal (a NaN never is; 0.0 and -0.0 are, as in the loop's v != init_y):
        # the result needs none of the sums.
        return _regression_result(float(len(vs)), True, init_y, 0.0, 0.0, 0.0, 0.0)
    count = len(ts)
    step = ts[1] - ts[0] if count >= _GRID_MIN else 0
    if step > 0 and ts[-1] - ts[0] == step * (count - 1) and _on_grid(ts, step):
        xs, sum_x, sum_x2 = _grid_xs(ts[0] - intercept_time, step, count, kahan_sums)
    else:
        xs = tuple((t - intercept_time) / 1e3 for t in ts)
        sum_x, sum_x2 = _x_sums(xs, kahan_sums)
    return _regression_y(xs, vs, sum_x, sum_x2, kahan_sums)


# Windows of at least this many samples are checked for a regular grid (a cheap check in C).
_GRID_MIN = 16


def _on_grid(ts: Sequence[int], step: int) -> bool:
    """Whether ``ts`` is ``ts[0], ts[0] + step, ...`` (compared in C: arrays or lists only)."""
    grid = range(ts[0], ts[-1] + 1, step)
    if isinstance(ts, array):
        return ts == array(ts.typecode, grid)
    return isinstance(ts, list) and ts == list(grid)


@lru_cache(maxsize=64)
def _grid_xs(offset_ms: int, step_ms: int, n: int, v3: bool) -> tuple[tuple[float, ...], float, float]:
    """The x of each sample of a regular window whose first sample is ``offset_ms`` from the
    intercept time, with their sums (:func:`_x_sums`). Rule outputs and test inputs lie on regular
    grids, at the same offsets from each evaluation time: consecutive evaluations share these."""
    xs = tuple((offset_ms + i * step_ms) / 1e3 for i in range(n))
    return (xs, *_x_sums(xs, v3))


def _x_sums(xs: tuple[float, ...], v3: bool) -> tuple[float, float]:
    """The compensated sums of x and x², compensation added (inline, as in :func:`_regression_y`)."""
    sum_x = c_x = sum_x2 = c_x2 = 0.0
    infs = _INFS
    for x in xs:
        s = sum_x + x
        if v3 and s in infs:
            c_x = 0.0
        elif abs(sum_x) >= abs(x):
            c_x += (sum_x - s) + x
        else:
            c_x += (x - s) + sum_x
        sum_x = s
        xx = x * x
        s = sum_x2 + xx
        if v3 and s in infs:
            c_x2 = 0.0
        elif abs(sum_x2) >= abs(xx):
            c_x2 += (sum_x2 - s) + xx
        else:
            c_x2 += (xx - s) + sum_x2
        sum_x2 = s
    return sum_x + c_x, sum_x2 + c_x2


def _regression_y(xs: tuple[float, ...], vs: Sequence[float], sum_x: float, sum_x2: float,
                  v3: bool) -> tuple[float, float]:
    """The sums of y and xy (written out inline: a hot loop), then the regression."""
    n = 0.0
    sum_y = c_y = sum_xy = c_xy = 0.0
    init_y = vs[0]
    const_y = True
    infs = _INFS
    for x, v in zip(xs, vs, strict=True):
        if const_y and n > 0 and v != init_y:
            const_y = False
        n += 1.0
        s = sum_y + v
        if v3 and s in infs:
            c_y = 0.0
        elif abs(sum_y) >= abs(v):
            c_y += (sum_y - s) + v
        else:
            c_y += (v - s) + sum_y
        sum_y = s
        xv = x * v
        s = sum_xy + xv
        if v3 and s in infs:
            c_xy = 0.0
        elif abs(sum_xy) >= abs(xv):
            c_xy += (sum_xy - s) + xv
        else:
            c_xy += (xv - s) + sum_xy
        sum_xy = s
    return _regression_result(n, const_y, init_y, sum_x, sum_y + c_y, sum_xy + c_xy, sum_x2)


def _regression_result(n: float, const_y: bool, init_y: float, sum_x: float, sum_y: float, sum_xy: float,
                       sum_x2: float) -> tuple[float, float]:
    if const_y:
        if math.isinf(init_y):
            return math.nan, math.nan
        return 0.0, init_y
    cov_xy = sum_xy - sum_x * sum_y / n
    var_x = sum_x2 - sum_x * sum_x / n
    slope = go_div(cov_xy, var_x)
    intercept = sum_y / n - slope * sum_x / n
    return slope, intercept


def _deriv(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if len(vs) < 2:
        return None
    slope, _ = linear_regression(ts, vs, ts[0], a.semantics.kahan_sums)
    return slope


def _predict_linear(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if len(vs) < 2:
        return None
    slope, intercept = linear_regression(ts, vs, a.t, a.semantics.kahan_sums)
    return slope * a.params[0] + intercept


def _double_exponential_smoothing(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    sf, tf = a.params
    if sf <= 0 or sf >= 1:
        raise PromQLEvalError(f"invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:f}")
    if tf <= 0 or tf >= 1:
        raise PromQLEvalError(f"invalid trend factor. Expected: 0 < tf < 1, got: {tf:f}")
    n = len(vs)
    if n < 2:
        return None
    s0 = 0.0
    s1 = vs[0]
    b = vs[1] - vs[0]
    for i in range(1, n):
        x = sf * vs[i]
        # calcTrendValue(i-1, ...)
        if i - 1 != 0:
            b = tf * (s1 - s0) + (1 - tf) * b
        y = (1 - sf) * (s1 + b)
        s0, s1 = s1, x + y
    return s1


# --- *_over_time ---------------------------------------------------------------------------


def _avg_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    if a.semantics.kahan_sums:
        return _avg_kahan(vs)
    # Prometheus 2.x: incremental mean, each step added with kahanSumInc (no compensation reset);
    # an infinite mean is kept where the subtraction would give NaN. Written out inline: this
    # loop is the hot path of long windows.
    mean = comp = 0.0
    count = 0.0
    for f in vs:
        count += 1
        if f == mean and mean not in _INFS:
            # The step adds exactly 0.0 (f/count - mean/count) to the mean and the compensation,
            # which changes neither: both start at +0.0 and a sum is -0.0 only when both of its
            # terms are. Constant runs cost no division.
            continue
        if mean in _INFS:
            if f in _INFS:
                if (mean > 0) == (f > 0):
                    continue
            elif f == f:
                continue
        inc = f / count - mean / count
        t = mean + inc
        if abs(mean) >= abs(inc):
            comp += (mean - t) + inc
        else:
            comp += (inc - t) + mean
        mean = t
    if mean in _INFS:
        return mean
    return mean + comp


def _avg_kahan(vs: Sequence[float]) -> float:
    """Prometheus 3: Kahan-Neumaier sum divided by the count, switching to an incremental mean
    once the sum would overflow. The sum is written out inline (the common case); the rare
    overflow restarts in the general version, which computes the same prefix identically."""
    total = vs[0]
    comp = 0.0
    for f in vs[1:]:
        t = total + f
        if t in _INFS:
            return _avg_kahan_general(vs)
        if abs(total) >= abs(f):
            comp += (total - t) + f
        else:
            comp += (f - t) + total
        total = t
    count = float(len(vs))
    return total / count + comp / count


def _avg_kahan_general(vs: Sequence[float]) -> float:
    total, count = vs[0], 1.0
    mean = comp = 0.0
    incremental = False
    for i, f in enumerate(vs[1:]):
        count = float(i + 2)
        if not incremental:
            new_sum, new_c = kahan_inc(f, total, comp)
            if not math.isinf(new_sum):
                total, comp = new_sum, new_c
                continue
            incremental = True
            mean = total / (count - 1)
            comp /= count - 1
        q = (count - 1) / count
        mean, comp = kahan_inc(f / count, q * mean, q * comp)
    if incremental:
        return mean + comp
    return total / count + comp / count


def _sum_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    # kahanSumInc in 2.x, kahansum.Inc in 3.x: the same except that 3.x zeroes the compensation
    # when the sum overflows. That cannot change the result: once the sum is infinite it stays
    # infinite (returned without the compensation) or becomes NaN (NaN either way). So one
    # inline loop serves both.
    total = comp = 0.0
    for f in vs:
        t = total + f
        if abs(total) >= abs(f):
            comp += (total - t) + f
        else:
            comp += (f - t) + total
        total = t
    if total in _INFS:
        return total
    return total + comp


def _count_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return float(len(vs)) if vs else None


def _max_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    # Go: `if cur > max || math.IsNaN(max) { max = cur }` from max = vs[0]. Without NaN that is
    # Python's max(), which also keeps the first of equal values (0 and -0 among them). A NaN
    # anywhere makes the plain sum NaN (so may +Inf with -Inf: then the loop decides).
    total = sum(vs)
    if total == total:
        return max(vs)
    best = vs[0]
    for f in vs:
        if f > best or best != best:
            best = f
    return best


def _min_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    total = sum(vs)
    if total == total:
        return min(vs)
    best = vs[0]
    for f in vs:
        if f < best or best != best:
            best = f
    return best


def _ts_of_compare(ts: Sequence[int], vs: Sequence[float], better: Callable[[float, float], bool]) -> float | None:
    if not vs:
        return None
    best, best_t = vs[0], ts[0]
    for t, f in zip(ts, vs, strict=True):
        if better(f, best) or math.isnan(best):
            best, best_t = f, t
    return best_t / 1000


def _ts_of_max_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return _ts_of_compare(ts, vs, lambda cur, m: cur >= m)


def _ts_of_min_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return _ts_of_compare(ts, vs, lambda cur, m: cur <= m)


def _last_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return vs[-1] if vs else None


def _first_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return vs[0] if vs else None


def _ts_of_last_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return ts[-1] / 1000 if vs else None


def _ts_of_first_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return ts[0] / 1000 if vs else None


def _present_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return 1.0 if vs else None


def _quantile_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    return quantile(a.params[0], vs)


def _variance(vs: Sequence[float], kahan_sums: bool) -> float:
    # Welford's algorithm with compensated sums (kahanSumInc in 2.x; kahansum.Inc in 3.x, which
    # zeroes a compensation when its sum overflows), written out inline.
    count = 0.0
    mean = c_mean = aux = c_aux = 0.0
    reset = kahan_sums
    for f in vs:
        count += 1
        delta = f - (mean + c_mean)
        inc = delta / count
        t = mean + inc
        if reset and t in _INFS:
            c_mean = 0.0
        elif abs(mean) >= abs(inc):
            c_mean += (mean - t) + inc
        else:
            c_mean += (inc - t) + mean
        mean = t
        inc = delta * (f - (mean + c_mean))
        t = aux + inc
        if reset and t in _INFS:
            c_aux = 0.0
        elif abs(aux) >= abs(inc):
            c_aux += (aux - t) + inc
        else:
            c_aux += (inc - t) + aux
        aux = t
    return (aux + c_aux) / count


def _stdvar_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return _variance(vs, a.semantics.kahan_sums) if vs else None


def _stddev_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    return FLOAT_FUNCTIONS["sqrt"](_variance(vs, a.semantics.kahan_sums)) if vs else None


def _mad_over_time(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    if any(math.isnan(f) for f in vs):
        return math.nan  # a NaN makes the median undefined (Prometheus 3.14)
    median = quantile(0.5, vs)
    return quantile(0.5, [abs(f - median) for f in vs])


def _changes(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    changes = 0
    prev = vs[0]
    for cur in vs[1:]:
        if cur != prev and not (math.isnan(cur) and math.isnan(prev)):
            changes += 1
        prev = cur
    return float(changes)


def _resets(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
    if not vs:
        return None
    resets = 0
    prev = vs[0]
    for cur in vs[1:]:
        if cur < prev:
            resets += 1
        prev = cur
    return float(resets)


RANGE_FUNCTIONS: dict[str, RangeFn] = {
    "rate": _rate,
    "increase": _increase,
    "delta": _delta,
    "irate": _irate,
    "idelta": _idelta,
    "deriv": _deriv,
    "predict_linear": _predict_linear,
    "double_exponential_smoothing": _double_exponential_smoothing,
    "holt_winters": _double_exponential_smoothing,
    "avg_over_time": _avg_over_time,
    "sum_over_time": _sum_over_time,
    "count_over_time": _count_over_time,
    "max_over_time": _max_over_time,
    "min_over_time": _min_over_time,
    "last_over_time": _last_over_time,
    "first_over_time": _first_over_time,
    "ts_of_max_over_time": _ts_of_max_over_time,
    "ts_of_min_over_time": _ts_of_min_over_time,
    "ts_of_last_over_time": _ts_of_last_over_time,
    "ts_of_first_over_time": _ts_of_first_over_time,
    "present_over_time": _present_over_time,
    "quantile_over_time": _quantile_over_time,
    "stddev_over_time": _stddev_over_time,
    "stdvar_over_time": _stdvar_over_time,
    "mad_over_time": _mad_over_time,
    "changes": _changes,
    "resets": _resets,
}


# --- float functions -----------------------------------------------------------------------

def _safe(fn: Callable[[float], float],
          on_overflow: Callable[[float], float] | None = None) -> Callable[[float], float]:
    def wrapped(x: float) -> float:
        if math.isnan(x):
            return math.nan
        try:
            return fn(x)
        except OverflowError:
            return on_overflow(x) if on_overflow else math.inf
        except ValueError:
            return math.nan

    return wrapped


def _sgn(v: float) -> float:
    if v < 0:
        return -1.0
    if v > 0:
        return 1.0
    return v


def _atanh(x: float) -> float:
    if x == 1:
        return math.inf
    if x == -1:
        return -math.inf
    return math.atanh(x)


FLOAT_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "ceil": lambda v: float(math.ceil(v)) if math.isfinite(v) else v,
    "floor": lambda v: float(math.floor(v)) if math.isfinite(v) else v,
    "exp": _safe(math.exp, lambda x: math.inf),
    "sqrt": _safe(math.sqrt),
    "ln": go_log,
    "log2": go_log2,
    "log10": go_log10,
    "sin": _safe(math.sin),
    "cos": _safe(math.cos),
    "tan": _safe(math.tan),
    "asin": _safe(math.asin),
    "acos": _safe(math.acos),
    "atan": _safe(math.atan),
    "sinh": _safe(math.sinh, lambda x: math.copysign(math.inf, x)),
    "cosh": _safe(math.cosh, lambda x: math.inf),
    "tanh": _safe(math.tanh),
    "asinh": _safe(math.asinh),
    "acosh": _safe(math.acosh),
    "atanh": _safe(_atanh),
    "rad": lambda v: v * math.pi / 180,
    "deg": lambda v: v * 180 / math.pi,
    "sgn": _sgn,
}


def round_to(v: float, to_nearest: float) -> float:
    """``math.Floor(v*(1/toNearest)+0.5) / (1/toNearest)`` with float64 division: ``round(x, Inf)``
    divides 0 by 0 (NaN), ``round(x, 0)`` Inf by Inf."""
    inverse = go_div(1.0, to_nearest)
    x = v * inverse + 0.5
    floored = float(math.floor(x)) if math.isfinite(x) else x
    return go_div(floored, inverse)


def go_min(x: float, y: float) -> float:
    """Go ``math.Min``: -Inf wins over NaN, NaN over everything else."""
    if x == -math.inf or y == -math.inf:
        return -math.inf
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if x == 0 and x == y:
        return x if math.copysign(1.0, x) < 0 else y
    return x if x < y else y


def go_max(x: float, y: float) -> float:
    """Go ``math.Max``: +Inf wins over NaN, NaN over everything else."""
    if x == math.inf or y == math.inf:
        return math.inf
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if x == 0 and x == y:
        return y if math.copysign(1.0, x) < 0 else x
    return x if x > y else y


def clamp(v: float, lo: float, hi: float) -> float:
    return go_max(lo, go_min(hi, v))


# --- date functions ------------------------------------------------------------------------


DATE_FUNCTIONS: dict[str, Callable[[CivilTime], float]] = {
    "day_of_month": lambda d: float(d.day),
    "day_of_week": lambda d: float(d.weekday),
    "day_of_year": lambda d: float(d.yday),
    "days_in_month": lambda d: float(days_in_month(d.year, d.month)),
    "hour": lambda d: float(d.hour),
    "minute": lambda d: float(d.minute),
    "month": lambda d: float(d.month),
    "year": lambda d: float(d.year),
}


def date_value(func: str, seconds: float, go_1_23_time: bool) -> float:
    """``time.Unix(int64(v), 0).UTC()``'s field, with Go's conversions: NaN, +-Inf and values
    beyond int64 become the minimum int64 (amd64), whose date wraps to the year 292277026596;
    Prometheus 2.42 was built with Go 1.19, whose absolute epoch differs from Go 1.23's."""
    return DATE_FUNCTIONS[func](civil_time(go_int64(seconds), go_before_1_23=not go_1_23_time))


# --- natural sort (sort_by_label) ----------------------------------------------------------


def natural_key(s: str) -> tuple[tuple[int, int | str], ...]:
    parts: list[tuple[int, int | str]] = []
    i = 0
    while i < len(s):
        j = i
        if s[i].isdigit():
            while j < len(s) and s[j].isdigit():
                j += 1
            parts.append((0, int(s[i:j])))
        else:
            while j < len(s) and not s[j].isdigit():
                j += 1
            parts.append((1, s[i:j]))
        i = j
    return tuple(parts)
