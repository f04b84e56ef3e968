"""Checks on counters and gauges and the functions applied to them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import range_calls, selectors, unwrap, walk
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.promql.ast import format_duration, metric_name
from ruletest.promql.function_table import names

Out = Iterator[tuple[Any, ...]]
COUNTER_FUNCS = names(lambda d: d.expects == "counter")
GAUGE_FUNCS = names(lambda d: d.expects == "gauge")
_COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")


def _is_counter(ctx: RuleContext, name: str) -> bool | None:
    inv = ctx.config.inventory
    kind = inv.type_of(name) if inv is not None else None
    if kind is not None:
        return kind in ("counter", "native_histogram")  # native histograms are counters (gauge ones are rare)
    if ":" in name:
        return None  # recording rules: unknown
    return name.endswith(_COUNTER_SUFFIXES)


@check("counter/rate-on-gauge", Severity.WARNING, "counter function applied to a gauge")
def rate_on_gauge(ctx: RuleContext) -> Out:
    """rate(), irate(), increase() and resets() treat every decrease as a counter reset; on a
    gauge they return nonsense. With a metric inventory the metric's declared type decides;
    without one, only the name heuristic Prometheus itself uses (`_total`, `_count`, `_sum`,
    `_bucket`) is available and many real counters miss those suffixes, so the finding is then
    reported as info."""
    for call, ms in range_calls(ctx.expr):
        name = metric_name(ms.selector)
        if call.func in COUNTER_FUNCS and name and _is_counter(ctx, name) is False:
            declared = ctx.config.inventory is not None and ctx.config.inventory.knows(name)
            how = "declared a " + str(ctx.config.inventory.type_of(name)) if declared and ctx.config.inventory \
                else "not named like a counter"
            yield (f"{call.func}() over {name}, which is {how}", None, f"{call.func}({name}[...])",
                   None if declared else Severity.INFO)


@check("counter/gauge-func", Severity.WARNING, "gauge function applied to a counter")
def gauge_func(ctx: RuleContext) -> Out:
    """delta(), deriv(), predict_linear() and friends do not handle counter resets; use rate()
    or increase() on counters. A warning when the inventory declares the metric a counter; from
    the name alone (`_total`, `_count`...) only a hint (info): exporters name gauges so too
    (TiKV's `tikv_scheduler_contex_total`, promscale's `chunks_uncompressed_count`)."""
    inv = ctx.config.inventory
    for call, ms in range_calls(ctx.expr):
        name = metric_name(ms.selector)
        if call.func in GAUGE_FUNCS and name and _is_counter(ctx, name) is True:
            declared = inv is not None and inv.type_of(name) == "counter"
            yield (f"{call.func}() over counter {name}: use rate() or increase()", None, f"{call.func}({name}[...])",
                   None if declared else Severity.INFO)


@check("counter/irate-in-alert", Severity.WARNING, "irate() in an alerting rule")
def irate_in_alert(ctx: RuleContext) -> Out:
    """irate() looks at the last two samples only; in an alert it makes `for` flap on every
    spike. Use rate() over a few scrape intervals."""
    if not ctx.rule.is_alert:
        return
    for call, _ in range_calls(ctx.expr):
        if call.func == "irate":
            yield "irate() in an alert reacts to single scrapes; prefer rate()", None, "irate"


# The shortest scrape interval commonly configured: without a declared one, only windows too
# short even for it are likely wrong.
_COMMON_SCRAPE_MS = 15_000


@check("counter/rate-window", Severity.ERROR, "rate window too short for the scrape interval")
def rate_window(ctx: RuleContext) -> Out:
    """rate() needs two samples in its window; with the declared scrape interval a window shorter
    than two intervals often holds one and returns nothing (always in Prometheus 3, whose windows
    are left-open). Four intervals make it robust to a missed scrape. Without a declared
    `scrape_interval` the finding is a warning for windows under 30s (too short even at a 15s
    scrape) and info for windows under 2m (too short at Prometheus' default 1m)."""
    declared = ctx.config.scrape_interval_declared
    scrape = ctx.config.scrape_interval_ms
    for call, ms in range_calls(ctx.expr):
        if call.func not in ("rate", "irate", "increase", "delta", "idelta", "deriv") or ms.range_ms >= 2 * scrape:
            continue
        window = format_duration(ms.range_ms)
        if declared:
            yield (f"{call.func}() over [{window}] with a {format_duration(scrape)} scrape interval sees fewer than "
                   "two samples"), None, f"[{window}]"
        elif ms.range_ms < 2 * _COMMON_SCRAPE_MS:
            yield (f"{call.func}() over [{window}] sees fewer than two samples at any scrape interval of 15s or more",
                   None, f"[{window}]", Severity.WARNING)
        else:
            yield (f"{call.func}() over [{window}] sees fewer than two samples at Prometheus' default 1m scrape "
                   "interval (declare scrape_interval to check it)", None, f"[{window}]", Severity.INFO)


_RATE_FAMILY = names(lambda d: d.category == "counter-rate")
# Functions that pass their argument's values through unchanged (those that keep __name__:
# they only select, relabel or reorder samples).
_PASS_THROUGH = names(lambda d: d.keeps_name)


def aggregated_counter(e: A.Expr, ops: tuple[str, ...] = ("sum", "avg", "max", "min")) -> A.Aggregate | None:
    """The aggregation whose values ``e`` passes on (through parentheses, subqueries, `or`,
    arithmetic and label functions) when it aggregates raw series, not their rates."""
    e = unwrap(e)
    if isinstance(e, A.Subquery):
        return aggregated_counter(e.expr, ops)
    if isinstance(e, A.Aggregate):
        rated = any(isinstance(n, A.Call) and n.func in _RATE_FAMILY for n in walk(e))
        return e if e.op in ops and not rated else None
    if isinstance(e, A.Binary):
        sides = [e.lhs] if e.op in ("and", "unless") else [e.lhs, e.rhs]
        for side in sides:
            if side.type in ("vector", "matrix"):
                found = aggregated_counter(side, ops)
                if found is not None:
                    return found
        return None
    if isinstance(e, A.Call) and e.func in _PASS_THROUGH and e.args:
        return aggregated_counter(e.args[0], ops)
    return None


@check("counter/rate-after-aggregation", Severity.ERROR, "rate() over an aggregation")
def rate_after_aggregation(ctx: RuleContext) -> Out:
    """`rate(sum(x)[5m:])`, `increase((sum(x) or vector(0))[1h:])`, or rate() over a recorded
    `sum(...)`: the sum of counters drops whenever any one of them resets, and rate() reads every
    such drop as a full reset. Take the rate first, then aggregate: `sum(rate(x[5m]))`."""
    for e in walk(ctx.expr):
        if not (isinstance(e, A.Call) and e.func in _RATE_FAMILY and e.args):
            continue
        arg = unwrap(e.args[0])
        if isinstance(arg, A.Subquery):
            inner = aggregated_counter(arg.expr)
            if inner is not None:
                yield f"{e.func}() over {inner.op}(...): aggregate after {e.func}() instead", None, A.to_promql(e)
        elif isinstance(arg, A.MatrixSelector):
            for r, _ in ctx.lint.recorders(arg.selector):
                parsed = ctx.lint.parsed(r.expr)
                if parsed is not None and aggregated_counter(parsed, ("sum",)) is not None:
                    yield f"{e.func}() over {r.name}, a recorded sum of counters: record the rate instead", None, r.name
                    break


# Uses of a counter that do not depend on its raw value.
_COUNTER_SAFE = names(lambda d: not d.reads_raw_value)


@check("counter/raw-value", Severity.WARNING, "counter compared or aggregated without rate()")
def raw_value(ctx: RuleContext) -> Out:
    """A counter's raw value only grows and restarts from 0 when the process restarts: `x_total >
    100` fires after enough uptime, and stops after a restart. Use `rate()`/`increase()`; only
    `count`, `absent` and label matching (`and`/`unless`) may read a counter as it is. A warning
    when the inventory declares the metric a counter; from the `_total` suffix alone, info."""
    for vs, path in selectors(ctx.expr):
        name = metric_name(vs)
        if name is None or not name.endswith("_total") or _is_counter(ctx, name) is not True:
            continue
        if _safe_use(vs, path):
            continue
        inv = ctx.config.inventory
        declared = inv is not None and inv.type_of(name) == "counter"
        # Exporters name gauges `_total` too (metallb_allocator_addresses_total): without an
        # inventory saying it is a counter, this is only a hint.
        yield (f"{name} is a counter used by its raw value; wrap it in rate() or increase()", None, name,
               None if declared else Severity.INFO)


def _safe_use(vs: A.VectorSelector, path: list[A.Expr]) -> bool:
    child: A.Expr = vs
    for node in reversed(path):
        if isinstance(node, A.Call) and node.func in _COUNTER_SAFE:
            return True
        if isinstance(node, A.Aggregate) and node.op in ("count", "group", "count_values"):
            return True
        if isinstance(node, A.Binary) and node.op in ("and", "unless") and node.rhs is child:
            return True  # only the right side's labels matter
        child = node
    return False
