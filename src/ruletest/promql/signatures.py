"""PromQL function signatures as the parser checks them: Prometheus 3.14's
``promql/parser/functions.go`` and, for ``--prometheus 2``, 2.42's (which lacks the functions
listed in ``ONLY_IN_3`` and still has ``holt_winters``). The engine's behaviour lives elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ValueType = Literal["scalar", "vector", "matrix", "string"]


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    arg_types: tuple[ValueType, ...]
    # Go's Function.Variadic: 0 exactly arg_types; n > 0 up to n more of the last type;
    # -1 any number of them.
    variadic: int
    return_type: ValueType
    experimental: bool = False  # needs --enable-feature=promql-experimental-functions (3.x)


def _sig(name: str, args: tuple[ValueType, ...], variadic: int, returns: ValueType,
         experimental: bool = False) -> Signature:
    return Signature(name, args, variadic, returns, experimental)


FUNCTIONS_3: dict[str, Signature] = {s.name: s for s in (
    _sig("abs", ("vector",), 0, "vector"),
    _sig("absent", ("vector",), 0, "vector"),
    _sig("absent_over_time", ("matrix",), 0, "vector"),
    _sig("acos", ("vector",), 0, "vector"),
    _sig("acosh", ("vector",), 0, "vector"),
    _sig("asin", ("vector",), 0, "vector"),
    _sig("asinh", ("vector",), 0, "vector"),
    _sig("atan", ("vector",), 0, "vector"),
    _sig("atanh", ("vector",), 0, "vector"),
    _sig("avg_over_time", ("matrix",), 0, "vector"),
    _sig("ceil", ("vector",), 0, "vector"),
    _sig("changes", ("matrix",), 0, "vector"),
    _sig("clamp", ("vector", "scalar", "scalar"), 0, "vector"),
    _sig("clamp_max", ("vector", "scalar"), 0, "vector"),
    _sig("clamp_min", ("vector", "scalar"), 0, "vector"),
    _sig("cos", ("vector",), 0, "vector"),
    _sig("cosh", ("vector",), 0, "vector"),
    _sig("count_over_time", ("matrix",), 0, "vector"),
    _sig("day_of_month", ("vector",), 1, "vector"),
    _sig("day_of_week", ("vector",), 1, "vector"),
    _sig("day_of_year", ("vector",), 1, "vector"),
    _sig("days_in_month", ("vector",), 1, "vector"),
    _sig("deg", ("vector",), 0, "vector"),
    _sig("delta", ("matrix",), 0, "vector"),
    _sig("deriv", ("matrix",), 0, "vector"),
    _sig("double_exponential_smoothing", ("matrix", "scalar", "scalar"), 0, "vector", experimental=True),
    _sig("end", (), 0, "scalar", experimental=True),
    _sig("exp", ("vector",), 0, "vector"),
    _sig("first_over_time", ("matrix",), 0, "vector"),
    _sig("floor", ("vector",), 0, "vector"),
    _sig("histogram_avg", ("vector",), 0, "vector"),
    _sig("histogram_count", ("vector",), 0, "vector"),
    _sig("histogram_fraction", ("scalar", "scalar", "vector"), 0, "vector"),
    _sig("histogram_quantile", ("scalar", "vector"), 0, "vector"),
    _sig("histogram_quantiles", ("vector", "string", "scalar", "scalar"), 9, "vector", experimental=True),
    _sig("histogram_stddev", ("vector",), 0, "vector"),
    _sig("histogram_stdvar", ("vector",), 0, "vector"),
    _sig("histogram_sum", ("vector",), 0, "vector"),
    _sig("hour", ("vector",), 1, "vector"),
    _sig("idelta", ("matrix",), 0, "vector"),
    _sig("increase", ("matrix",), 0, "vector"),
    _sig("info", ("vector", "vector"), 1, "vector", experimental=True),
    _sig("irate", ("matrix",), 0, "vector"),
    _sig("label_join", ("vector", "string", "string", "string"), -1, "vector"),
    _sig("label_replace", ("vector", "string", "string", "string", "string"), 0, "vector"),
    _sig("last_over_time", ("matrix",), 0, "vector"),
    _sig("ln", ("vector",), 0, "vector"),
    _sig("log10", ("vector",), 0, "vector"),
    _sig("log2", ("vector",), 0, "vector"),
    _sig("mad_over_time", ("matrix",), 0, "vector", experimental=True),
    _sig("max_of", ("scalar", "scalar"), 0, "scalar", experimental=True),
    _sig("max_over_time", ("matrix",), 0, "vector"),
    _sig("min_of", ("scalar", "scalar"), 0, "scalar", experimental=True),
    _sig("min_over_time", ("matrix",), 0, "vector"),
    _sig("minute", ("vector",), 1, "vector"),
    _sig("month", ("vector",), 1, "vector"),
    _sig("pi", (), 0, "scalar"),
    _sig("predict_linear", ("matrix", "scalar"), 0, "vector"),
    _sig("present_over_time", ("matrix",), 0, "vector"),
    _sig("quantile_over_time", ("scalar", "matrix"), 0, "vector"),
    _sig("rad", ("vector",), 0, "vector"),
    _sig("range", (), 0, "scalar", experimental=True),
    _sig("rate", ("matrix",), 0, "vector"),
    _sig("resets", ("matrix",), 0, "vector"),
    _sig("round", ("vector", "scalar"), 1, "vector"),
    _sig("scalar", ("vector",), 0, "scalar"),
    _sig("sgn", ("vector",), 0, "vector"),
    _sig("sin", ("vector",), 0, "vector"),
    _sig("sinh", ("vector",), 0, "vector"),
    _sig("sort", ("vector",), 0, "vector"),
    _sig("sort_by_label", ("vector", "string"), -1, "vector", experimental=True),
    _sig("sort_by_label_desc", ("vector", "string"), -1, "vector", experimental=True),
    _sig("sort_desc", ("vector",), 0, "vector"),
    _sig("sqrt", ("vector",), 0, "vector"),
    _sig("start", (), 0, "scalar", experimental=True),
    _sig("start_timestamp", ("vector",), 0, "vector", experimental=True),
    _sig("stddev_over_time", ("matrix",), 0, "vector"),
    _sig("stdvar_over_time", ("matrix",), 0, "vector"),
    _sig("step", (), 0, "scalar", experimental=True),
    _sig("sum_over_time", ("matrix",), 0, "vector"),
    _sig("tan", ("vector",), 0, "vector"),
    _sig("tanh", ("vector",), 0, "vector"),
    _sig("time", (), 0, "scalar"),
    _sig("timestamp", ("vector",), 0, "vector"),
    _sig("ts_of_first_over_time", ("matrix",), 0, "vector", experimental=True),
    _sig("ts_of_last_over_time", ("matrix",), 0, "vector", experimental=True),
    _sig("ts_of_max_over_time", ("matrix",), 0, "vector", experimental=True),
    _sig("ts_of_min_over_time", ("matrix",), 0, "vector", experimental=True),
    _sig("vector", ("scalar",), 0, "vector"),
    _sig("year", ("vector",), 1, "vector"),
)}
ONLY_IN_3 = frozenset({
    "double_exponential_smoothing", "end", "first_over_time", "histogram_avg", "histogram_quantiles",
    "histogram_stddev", "histogram_stdvar", "info", "mad_over_time", "max_of", "min_of", "range",
    "sort_by_label", "sort_by_label_desc", "start", "start_timestamp", "step", "ts_of_first_over_time",
    "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
})
FUNCTIONS_2: dict[str, Signature] = {
    **{k: Signature(s.name, s.arg_types, s.variadic, s.return_type) for k, s in FUNCTIONS_3.items()
       if k not in ONLY_IN_3},
    "holt_winters": _sig("holt_winters", ("matrix", "scalar", "scalar"), 0, "vector"),
}


def functions(version: int) -> dict[str, Signature]:
    return FUNCTIONS_3 if version >= 3 else FUNCTIONS_2
