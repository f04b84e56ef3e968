"""Version compatibility checks (the target Prometheus version is declared, default 3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.promql.function_table import lookup

Out = Iterator[tuple[Any, ...]]


@check("compat/removed-function", Severity.ERROR, "function removed in Prometheus 3")
def removed_function(ctx: RuleContext) -> Out:
    """`holt_winters` was renamed `double_exponential_smoothing` (behind a feature flag) in
    Prometheus 3; rule files using it no longer load."""
    sem = ctx.config.semantics
    if not sem.v3:
        return
    stack = [ctx.expr]
    while stack:
        e = stack.pop()
        stack.extend(A.children(e))
        if not isinstance(e, A.Call):
            continue
        fd = lookup(e.func)
        if fd is not None and not fd.exists_in(sem):
            hint = " (double_exponential_smoothing)" if e.func == "holt_winters" else ""
            yield f"{e.func}() does not exist in Prometheus 3{hint}", None, e.func


@check("compat/feature-flag", Severity.ERROR, "experimental function without its feature flag")
def feature_flag(ctx: RuleContext) -> Out:
    """`sort_by_label`, `limitk`, `limit_ratio`, `double_exponential_smoothing`, `mad_over_time`,
    `info` and the other experimental functions load only with
    `--enable-feature=promql-experimental-functions`; without it the rule file is rejected.
    Declare the server's features in `[tool.ruletest] features = [...]`."""
    sem = ctx.config.semantics
    if not sem.v3 or sem.experimental_functions:
        return
    from ruletest.lint.flow import walk

    for e in walk(ctx.expr):
        fd = lookup(e.func) if isinstance(e, A.Call) else None
        name = e.func if isinstance(e, A.Call) and fd is not None and fd.experimental else (
            e.op if isinstance(e, A.Aggregate) and e.op in ("limitk", "limit_ratio") else None)
        if name:
            yield f"{name}() is experimental: it needs --enable-feature=promql-experimental-functions", None, name


@check("compat/left-open-range", Severity.WARNING, "range that holds at most one sample in Prometheus 3")
def left_open_range(ctx: RuleContext) -> Out:
    """Prometheus 3 excludes the sample at the start of a range (`(t-r, t]`): a range no longer
    than the scrape interval holds one sample, where 2.x saw two on aligned data, so
    `changes(x[1m])` is always 0 and `avg_over_time(x[1m])` is just the last value. Without a
    declared `scrape_interval` (the 1m default is assumed), only a hint (info)."""
    if not ctx.config.semantics.left_open_windows:
        return
    from ruletest.lint.flow import range_calls
    from ruletest.promql.ast import format_duration

    scrape = ctx.config.scrape_interval_ms
    for call, ms in range_calls(ctx.expr):
        # rate() and the other two-sample functions are counter/rate-window's business.
        if call.func in ("rate", "irate", "increase", "delta", "idelta", "deriv"):
            continue
        if ms.range_ms <= scrape and call.func not in ("last_over_time", "present_over_time", "absent_over_time",
                                                       "count_over_time", "first_over_time"):
            yield (f"{call.func}() over [{format_duration(ms.range_ms)}] holds at most one sample at a "
                   f"{format_duration(scrape)} scrape interval in Prometheus 3"), None, A.to_promql(ms), \
                None if ctx.config.scrape_interval_declared else Severity.INFO
