"""The one table of PromQL functions: what each takes and returns, how it treats ``__name__``
and native histograms, which Prometheus versions and feature flags have it, and its
implementation. The engine dispatches from it; the linter, the parser front layer and
``ruletest lint --explain`` read it. Signatures are those of Prometheus 3.14's
``promql/parser/functions.go`` (2.42's for ``holt_winters``); behaviour follows
``promql/functions.go`` and ``promql/engine.go``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from ruletest.promql import functions as F
from ruletest.promql import histogram_functions as HF
from ruletest.promql import vector_functions as V
from ruletest.promql.info import fn_info
from ruletest.records import record
from ruletest.semantics import FEATURE_EXPERIMENTAL_FUNCTIONS, Semantics

ValueType = Literal["scalar", "vector", "matrix", "string"]
# How a function treats the value kinds of its (instant or range) vector argument.
#   ignored: native histogram samples are skipped (float-only function)
#   accepted: floats and native histograms both have a meaning
#   required: only native histograms produce output (histogram_count...); float samples are skipped
HistogramUse = Literal["ignored", "accepted", "required", "none"]
Kind = Literal["range", "float", "date", "special", "context"]
Category = Literal["counter-rate", "gauge-rate", "counter-events", "over-time", "absent", "math", "date", "label",
                   "sort", "histogram", "conversion", "context", "info"]


@record
class FunctionDef:
    """One PromQL function: signature, kind, what it does with names and histograms, and its implementation."""

    name: str
    arg_types: tuple[ValueType, ...]
    # Go parser.Function.Variadic: 0 exactly ``arg_types``; n > 0 up to n optional trailing
    # arguments of the last type; -1 any number of them.
    variadic: int
    return_type: ValueType
    kind: Kind
    # Whether the result keeps the input's ``__name__`` (functions that only select or reorder
    # samples keep it; everything that computes a new value drops it).
    keeps_name: bool
    histograms: HistogramUse
    # What the documentation says the input should be: rate() & co. expect counters, delta() &
    # co. gauges (they mishandle the other kind); "any" for the rest.
    expects: Literal["counter", "gauge", "any"] = "any"
    # False for functions whose result does not depend on the sample values' level (presence,
    # timestamps, counts, changes): a counter may be read by them as it is.
    reads_raw_value: bool = True
    experimental: bool = False  # 3.x: needs --enable-feature=promql-experimental-functions
    in_2x: bool = True  # exists in Prometheus 2.42
    in_3x: bool = True
    range_impl: F.RangeFn | None = None
    float_impl: Callable[[float], float] | None = None
    special_impl: V.SpecialFn | None = None

    @property
    def takes_range(self) -> bool:
        return "matrix" in self.arg_types

    @property
    def category(self) -> Category:
        """The family the Prometheus documentation groups the function in."""
        return _CATEGORY[self.name]

    @property
    def one_to_one(self) -> bool:
        """Every input series gives exactly one output series (element-wise maths, dates, labels,
        ordering): the number of series reaching the result is unchanged."""
        return self.category in ("math", "date", "label", "sort")

    @property
    def zero_when_idle(self) -> bool:
        """The result is 0 over a series that does not change (a rate or a difference): as a
        divisor it is 0 whenever nothing happens."""
        return self.category in ("counter-rate", "counter-events") or self.name in ("delta", "idelta", "deriv")

    @property
    def feature(self) -> str | None:
        """The feature flag a 3.x server needs for this function."""
        return FEATURE_EXPERIMENTAL_FUNCTIONS if self.experimental else None

    def exists_in(self, semantics: Semantics) -> bool:
        return self.in_3x if semantics.v3 else self.in_2x

    def enabled_in(self, semantics: Semantics) -> bool:
        """Whether a server with these semantics accepts a call (exists and, if experimental,
        the feature is on)."""
        if not self.exists_in(semantics):
            return False
        return not (semantics.v3 and self.experimental and not semantics.experimental_functions)

    def min_args(self) -> int:
        return len(self.arg_types) - (1 if self.variadic != 0 else 0)

    def max_args(self) -> int | None:
        if self.variadic < 0:
            return None
        return len(self.arg_types) + max(self.variadic - 1, 0) if self.variadic > 0 else len(self.arg_types)


def _range(name: str, impl: F.RangeFn, *, params: tuple[ValueType, ...] = (), first: tuple[ValueType, ...] = (),
           keeps_name: bool = False, histograms: HistogramUse = "ignored", expects: Literal["counter", "gauge", "any"] = "any",
           reads_raw_value: bool = True, experimental: bool = False, in_2x: bool = True, in_3x: bool = True
           ) -> FunctionDef:
    return FunctionDef(name, (*first, "matrix", *params), 0, "vector", "range", keeps_name, histograms, expects,
                       reads_raw_value, experimental, in_2x, in_3x, range_impl=impl)


def _float(name: str, impl: Callable[[float], float]) -> FunctionDef:
    return FunctionDef(name, ("vector",), 0, "vector", "float", False, "ignored", float_impl=impl)


def returns_no_labels(fd: FunctionDef, nargs: int) -> bool:
    """Whether a call's result never has labels (``vector(1)``, ``time()``, ``hour()``)."""
    return fd.return_type == "scalar" or fd.name == "vector" or (fd.kind == "date" and nargs == 0)


def _date(name: str) -> FunctionDef:
    # Implemented by functions.date_value(name, seconds).
    return FunctionDef(name, ("vector",), 1, "vector", "date", False, "ignored")


def _special(name: str, impl: V.SpecialFn | None, args: tuple[ValueType, ...], *, variadic: int = 0,
             returns: ValueType = "vector", keeps_name: bool = False, histograms: HistogramUse = "ignored",
             reads_raw_value: bool = True, experimental: bool = False, in_2x: bool = True,
             kind: Kind = "special") -> FunctionDef:
    return FunctionDef(name, args, variadic, returns, kind, keeps_name, histograms, "any", reads_raw_value,
                       experimental, in_2x, special_impl=impl)


def _table() -> dict[str, FunctionDef]:
    defs: list[FunctionDef] = [
        # Counters and gauges over a range.
        _range("rate", F.RANGE_FUNCTIONS["rate"], histograms="accepted", expects="counter", reads_raw_value=False),
        _range("increase", F.RANGE_FUNCTIONS["increase"], histograms="accepted", expects="counter",
               reads_raw_value=False),
        _range("irate", F.RANGE_FUNCTIONS["irate"], histograms="accepted", expects="counter", reads_raw_value=False),
        _range("resets", F.RANGE_FUNCTIONS["resets"], histograms="accepted", expects="counter", reads_raw_value=False),
        _range("delta", F.RANGE_FUNCTIONS["delta"], histograms="accepted", expects="gauge"),
        _range("idelta", F.RANGE_FUNCTIONS["idelta"], histograms="accepted", expects="gauge"),
        _range("deriv", F.RANGE_FUNCTIONS["deriv"], expects="gauge"),
        _range("predict_linear", F.RANGE_FUNCTIONS["predict_linear"], params=("scalar",), expects="gauge"),
        _range("double_exponential_smoothing", F.RANGE_FUNCTIONS["double_exponential_smoothing"],
               params=("scalar", "scalar"), expects="gauge", experimental=True, in_2x=False),
        _range("holt_winters", F.RANGE_FUNCTIONS["holt_winters"], params=("scalar", "scalar"), expects="gauge",
               in_3x=False),
        _range("changes", F.RANGE_FUNCTIONS["changes"], histograms="accepted", reads_raw_value=False),
        # *_over_time.
        _range("avg_over_time", F.RANGE_FUNCTIONS["avg_over_time"], histograms="accepted"),
        _range("sum_over_time", F.RANGE_FUNCTIONS["sum_over_time"], histograms="accepted"),
        _range("count_over_time", F.RANGE_FUNCTIONS["count_over_time"], histograms="accepted",
               reads_raw_value=False),
        _range("max_over_time", F.RANGE_FUNCTIONS["max_over_time"]),
        _range("min_over_time", F.RANGE_FUNCTIONS["min_over_time"]),
        _range("last_over_time", F.RANGE_FUNCTIONS["last_over_time"], keeps_name=True, histograms="accepted"),
        _range("first_over_time", F.RANGE_FUNCTIONS["first_over_time"], keeps_name=True, histograms="accepted",
               in_2x=False),
        _range("present_over_time", F.RANGE_FUNCTIONS["present_over_time"], histograms="accepted",
               reads_raw_value=False),
        _range("quantile_over_time", F.RANGE_FUNCTIONS["quantile_over_time"], first=("scalar",)),
        _range("stddev_over_time", F.RANGE_FUNCTIONS["stddev_over_time"]),
        _range("stdvar_over_time", F.RANGE_FUNCTIONS["stdvar_over_time"]),
        _range("mad_over_time", F.RANGE_FUNCTIONS["mad_over_time"], experimental=True, in_2x=False),
        _range("ts_of_max_over_time", F.RANGE_FUNCTIONS["ts_of_max_over_time"], experimental=True, in_2x=False),
        _range("ts_of_min_over_time", F.RANGE_FUNCTIONS["ts_of_min_over_time"], experimental=True, in_2x=False),
        _range("ts_of_last_over_time", F.RANGE_FUNCTIONS["ts_of_last_over_time"], histograms="accepted",
               reads_raw_value=False, experimental=True, in_2x=False),
        _range("ts_of_first_over_time", F.RANGE_FUNCTIONS["ts_of_first_over_time"], histograms="accepted",
               reads_raw_value=False, experimental=True, in_2x=False),
        _special("absent_over_time", V.fn_absent_over_time, ("matrix",), histograms="accepted", reads_raw_value=False),
        # Element-wise maths.
        *(_float(name, fn) for name, fn in F.FLOAT_FUNCTIONS.items()),
        _special("clamp", V.fn_clamp, ("vector", "scalar", "scalar")),
        _special("clamp_min", V.fn_clamp, ("vector", "scalar")),
        _special("clamp_max", V.fn_clamp, ("vector", "scalar")),
        _special("round", V.fn_round, ("vector", "scalar"), variadic=1),
        *(_date(name) for name in F.DATE_FUNCTIONS),
        # Conversions and constants.
        _special("time", V.fn_time, (), returns="scalar", histograms="none"),
        _special("pi", V.fn_pi, (), returns="scalar", histograms="none"),
        _special("vector", V.fn_vector, ("scalar",), histograms="none"),
        _special("scalar", V.fn_scalar, ("vector",), returns="scalar"),
        _special("timestamp", V.fn_timestamp, ("vector",), histograms="accepted", reads_raw_value=False),
        _special("start_timestamp", V.fn_start_timestamp, ("vector",), experimental=True, in_2x=False,
                 histograms="accepted", reads_raw_value=False),
        # Query context (duration expressions): folded into numbers before evaluation.
        _special("step", None, (), returns="scalar", experimental=True, in_2x=False, kind="context", histograms="none"),
        _special("range", None, (), returns="scalar", experimental=True, in_2x=False, kind="context",
                 histograms="none"),
        _special("start", None, (), returns="scalar", experimental=True, in_2x=False, kind="context",
                 histograms="none"),
        _special("end", None, (), returns="scalar", experimental=True, in_2x=False, kind="context", histograms="none"),
        _special("min_of", V.fn_min_of, ("scalar", "scalar"), returns="scalar", experimental=True, in_2x=False,
                 kind="context", histograms="none"),
        _special("max_of", V.fn_max_of, ("scalar", "scalar"), returns="scalar", experimental=True, in_2x=False,
                 kind="context", histograms="none"),
        # Selection, ordering and labels: they keep __name__.
        _special("absent", V.fn_absent, ("vector",), histograms="accepted", reads_raw_value=False),
        _special("sort", V.fn_sort, ("vector",), keeps_name=True),
        _special("sort_desc", V.fn_sort, ("vector",), keeps_name=True),
        _special("sort_by_label", V.fn_sort_by_label, ("vector", "string"), variadic=-1, keeps_name=True,
                 histograms="accepted", experimental=True, in_2x=False),
        _special("sort_by_label_desc", V.fn_sort_by_label, ("vector", "string"), variadic=-1, keeps_name=True,
                 histograms="accepted", experimental=True, in_2x=False),
        _special("label_replace", V.fn_label_replace, ("vector", "string", "string", "string", "string"),
                 keeps_name=True, histograms="accepted"),
        _special("label_join", V.fn_label_join, ("vector", "string", "string", "string"), variadic=-1,
                 keeps_name=True, histograms="accepted"),
        _special("info", fn_info, ("vector", "vector"), variadic=1, keeps_name=True, histograms="accepted",
                 experimental=True, in_2x=False),
        # Histograms (classic buckets as floats; native histograms).
        _special("histogram_quantile", HF.fn_histogram_quantile, ("scalar", "vector"), histograms="accepted"),
        _special("histogram_fraction", HF.fn_histogram_fraction, ("scalar", "scalar", "vector"), histograms="accepted"),
        _special("histogram_quantiles", HF.fn_histogram_quantiles, ("vector", "string", "scalar", "scalar"), variadic=9,
                 histograms="accepted", experimental=True, in_2x=False),
        *(_special(name, HF.fn_histogram_element, ("vector",), histograms="required", in_2x=name in _HISTOGRAM_2X)
          for name in ("histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar")),
    ]
    return {d.name: d for d in defs}


_HISTOGRAM_2X = frozenset({"histogram_count", "histogram_sum"})


def _categories() -> dict[str, Category]:
    out: dict[str, Category] = {}
    groups: dict[Category, tuple[str, ...]] = {
        "counter-rate": ("rate", "irate", "increase"),
        "gauge-rate": ("delta", "idelta", "deriv", "predict_linear", "double_exponential_smoothing", "holt_winters"),
        "counter-events": ("resets", "changes"),
        "absent": ("absent", "absent_over_time"),
        "math": (*F.FLOAT_FUNCTIONS, "round", "clamp", "clamp_min", "clamp_max"),
        "date": tuple(F.DATE_FUNCTIONS),
        "label": ("label_replace", "label_join"),
        "sort": ("sort", "sort_desc", "sort_by_label", "sort_by_label_desc"),
        "conversion": ("vector", "scalar", "timestamp", "start_timestamp", "time", "pi"),
        "context": ("step", "range", "start", "end", "min_of", "max_of"),
        "info": ("info",),
    }
    for category, names_ in groups.items():
        for n in names_:
            out[n] = category
    for n in F.RANGE_FUNCTIONS:
        out.setdefault(n, "over-time")  # the *_over_time family
    for n in ("histogram_quantile", "histogram_fraction", "histogram_quantiles", "histogram_count", "histogram_sum",
              "histogram_avg", "histogram_stddev", "histogram_stdvar"):
        out[n] = "histogram"
    return out


_CATEGORY = _categories()

FUNCTIONS: Mapping[str, FunctionDef] = _table()


def lookup(name: str) -> FunctionDef | None:
    return FUNCTIONS.get(name)


def names(predicate: Callable[[FunctionDef], bool]) -> frozenset[str]:
    """Names of the functions for which ``predicate`` holds (for checks that reason by kind)."""
    return frozenset(name for name, d in FUNCTIONS.items() if predicate(d))
