"""Checks on classic histograms and histogram_quantile."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import flow, metric_name, value_selectors
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.promql.function_table import names

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


def _is_bucket_name(name: str) -> bool:
    return name.endswith("_bucket") or "_bucket:" in name or (":" in name and "bucket" in name)


@check("histogram/quantile-without-le", Severity.ERROR, "histogram_quantile input has no `le` label")
def quantile_without_le(ctx: RuleContext) -> Out:
    """Classic buckets are told apart by `le`; aggregating them without keeping `le`
    (`sum by (job) (rate(x_bucket[5m]))`, `sum without (le) (...)`) leaves histogram_quantile
    nothing to work with."""
    for call in _quantile_calls(ctx.expr):
        arg = call.args[-1]
        f = flow(arg)
        if not f.can_have("le"):
            yield f"the argument of {call.func}() cannot carry the le label (aggregate by (le, ...))", None, \
                A.to_promql(arg)


@check("histogram/quantile-wrong-series", Severity.ERROR, "histogram_quantile over a series that is not a bucket")
def quantile_wrong_series(ctx: RuleContext) -> Out:
    """histogram_quantile needs the `_bucket` series of a classic histogram. A histogram named
    `x` is exported as `x_bucket`, `x_sum` and `x_count`; `x` itself has no `le` label, so the
    function returns nothing and an alert built on it can never fire."""
    inv = ctx.config.inventory
    for call in _quantile_calls(ctx.expr):
        for vs, _ in value_selectors(call.args[-1]):
            name = metric_name(vs)
            if name is None or _is_bucket_name(name):
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
