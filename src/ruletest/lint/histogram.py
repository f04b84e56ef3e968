"""Checks on histograms and histogram_quantile: classic ones (``_bucket`` series with ``le``)
and native ones, which the metric inventory declares as ``native_histogram`` (Prometheus'
metadata calls both "histogram", and a text exposition cannot show native ones)."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import flow, value_selectors
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.promql.ast import metric_name
from ruletest.promql.function_table import lookup, names

Out = Iterator[tuple[str, int | None, str]]
# Anything that looks at a window of the buckets rather than their totals since process start.
_RATE_FUNCS = names(lambda d: d.takes_range)


def _quantile_calls(e: A.Expr) -> Iterator[A.Call]:
    stack = [e]
    while stack:
        n = stack.pop()
        stack.extend(A.children(n))
        if isinstance(n, A.Call) and n.func in ("histogram_quantile", "histogram_fraction"):
            yield n


# Aggregations that skip native histogram samples (Prometheus 3 adds an info annotation).
_AGGREGATIONS_IGNORING = frozenset({"min", "max", "topk", "bottomk", "quantile", "stddev", "stdvar"})


# Functions whose result over native histograms is native histograms again (the rest that accept
# them return floats: histogram_quantile, changes, count_over_time...).
_KEEP_HISTOGRAMS = frozenset({"rate", "increase", "irate", "delta", "idelta", "avg_over_time", "sum_over_time",
                              "last_over_time", "first_over_time", "sort", "sort_desc", "label_replace",
                              "label_join"})


def _is_native(ctx: RuleContext, name: str | None, depth: int = 0) -> bool:
    """Whether ``name`` holds native histograms: declared so in the inventory, or recorded by a
    rule whose expression returns native histograms (``sum(rate(x[5m]))`` of a native ``x``)."""
    if name is None:
        return False
    inv = ctx.config.inventory
    if inv is not None and inv.type_of(name) == "native_histogram":
        return True
    text = ctx.lint.recording_exprs.get(name)
    if text is None or depth > 8:
        return False
    expr = ctx.lint.parsed(text)
    return expr is not None and _returns_native(ctx, expr, depth + 1)


def _returns_native(ctx: RuleContext, expr: A.Expr, depth: int) -> bool:
    found = value_selectors(expr)
    if not found:
        return False
    for vs, path in found:
        if not _is_native(ctx, metric_name(vs), depth):
            return False
        for node in path:
            if isinstance(node, A.Call) and node.func not in _KEEP_HISTOGRAMS:
                return False
            if isinstance(node, A.Aggregate) and node.op not in ("sum", "avg", "limitk", "limit_ratio"):
                return False
            if isinstance(node, A.Binary) and node.op not in ("+", "-", "*", "/"):
                return False
    return True


def _is_bucket_name(name: str) -> bool:
    return name.endswith("_bucket") or "_bucket:" in name or (":" in name and "bucket" in name)


@check("histogram/quantile-without-le", Severity.ERROR, "histogram_quantile input has no `le` label")
def quantile_without_le(ctx: RuleContext) -> Out:
    """Classic buckets are told apart by `le`; aggregating them without keeping `le`
    (`sum by (job) (rate(x_bucket[5m]))`, `sum without (le) (...)`) leaves histogram_quantile
    nothing to work with."""
    for call in _quantile_calls(ctx.expr):
        arg = call.args[-1]
        if any(_is_native(ctx, metric_name(vs)) for vs, _ in value_selectors(arg)):
            continue  # a native histogram needs no le
        f = flow(arg)
        if not f.can_have("le"):
            yield f"the argument of {call.func}() cannot carry the le label (aggregate by (le, ...))", None, \
                A.to_promql(arg)


@check("histogram/quantile-wrong-series", Severity.ERROR, "histogram_quantile over a series that is not a bucket")
def quantile_wrong_series(ctx: RuleContext) -> Out:
    """histogram_quantile needs the `_bucket` series of a classic histogram. A histogram named
    `x` is exported as `x_bucket`, `x_sum` and `x_count`; `x` itself has no `le` label, so the
    function returns nothing and an alert built on it can never fire. A native histogram `x` is
    the series `x` itself: declare it in the metric inventory (`x = "native_histogram"`)."""
    inv = ctx.config.inventory
    for call in _quantile_calls(ctx.expr):
        for vs, _ in value_selectors(call.args[-1]):
            name = metric_name(vs)
            if name is None or _is_bucket_name(name) or _is_native(ctx, name):
                continue
            hint = f" (its buckets are {name}_bucket)" if not name.endswith(("_sum", "_count", "_total")) else ""
            if inv is not None and inv.type_of(name) == "histogram":
                hint = f" ({name} is a histogram: use {name}_bucket)"
            yield f"{call.func}() over {name}, which is not a bucket series{hint}", None, name


@check("histogram/quantile-without-rate", Severity.ERROR, "histogram_quantile over raw bucket counters")
def quantile_without_rate(ctx: RuleContext) -> Out:
    """Bucket series are counters since the process started; histogram_quantile over them
    without `rate()`/`increase()` describes all time, not the recent past, and barely moves."""
    for call in _quantile_calls(ctx.expr):
        for vs, path in value_selectors(call.args[-1]):
            name = metric_name(vs)
            if name is None or ":" in name:
                continue  # recording rules usually hold rates already
            inside = path[path.index(call) + 1:] if call in path else path
            if not any(isinstance(p, A.Call) and p.func in _RATE_FUNCS for p in inside):
                yield f"{call.func}() over {name} without rate() or increase()", None, name


@check("histogram/mixed-classic-native", Severity.WARNING, "classic buckets and native histograms in one quantile")
def mixed_classic_native(ctx: RuleContext) -> Out:
    """One histogram_quantile() over both classic `_bucket` series and native histograms
    computes a quantile per kind and series, and when they meet in an aggregation Prometheus
    drops the mixed group with a warning. While migrating, compute each kind in its own call and
    join them: `histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) or
    histogram_quantile(0.9, sum(rate(x[5m])))`."""
    for call in _quantile_calls(ctx.expr):
        names_ = [metric_name(vs) for vs, _ in value_selectors(call.args[-1])]
        classic = sorted({n for n in names_ if n is not None and _is_bucket_name(n)})
        native = sorted({n for n in names_ if n is not None and _is_native(ctx, n)})
        if classic and native:
            yield (f"{call.func}() over classic buckets ({', '.join(classic)}) and native histograms "
                   f"({', '.join(native)}) at once: use one call per kind, joined with or"), None, native[0]


@check("histogram/native-ignored", Severity.WARNING, "a function that skips native histograms over one")
def native_ignored(ctx: RuleContext) -> Out:
    """Float-only functions (`abs`, `deriv`, `max_over_time`, `predict_linear`, ...) and the
    aggregations `min`, `max`, `topk`, `bottomk`, `quantile`, `stddev`, `stdvar` skip native
    histogram samples: over a native histogram they return nothing. Read a number out of it
    first (`histogram_count`, `histogram_sum`, `histogram_quantile`, ...); the function table
    (`ruletest lint --explain`) says which functions accept histograms."""
    for vs, path in value_selectors(ctx.expr):
        name = metric_name(vs)
        if name is None or not _is_native(ctx, name):
            continue
        for node in reversed(path):  # from the selector outwards, while the value is a histogram
            if isinstance(node, A.MatrixSelector | A.Subquery | A.Paren):
                continue
            if isinstance(node, A.Aggregate):
                if node.op in _AGGREGATIONS_IGNORING:
                    yield f"{node.op}() skips native histogram samples: {name} gives it nothing", None, name
                    break
                if node.op in ("sum", "avg"):
                    continue
                break
            if isinstance(node, A.Call):
                fdef = lookup(node.func)
                if fdef is not None and fdef.histograms == "ignored":
                    yield f"{node.func}() skips native histogram samples: {name} gives it nothing", None, name
                    break
                if fdef is not None and fdef.histograms == "accepted" and fdef.name not in ("histogram_quantile",
                                                                                         "histogram_fraction"):
                    continue
            break
