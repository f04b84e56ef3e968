"""PromQL checks on selectors, regexes and literals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import Flow, selectors
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.promql.ast import metric_name
from ruletest.promql.function_table import lookup, names, returns_no_labels

_REGEX_META = re.compile(r"[.*+?()\[\]{}|\\^$]")
Out = Iterator[tuple[Any, ...]]


@check("promql/impossible-matchers", Severity.ERROR, "contradictory matchers in one selector")
def impossible_matchers(ctx: RuleContext) -> Out:
    """A selector whose matchers can never all hold (two different `=` values for one label,
    `a="x"` with `a!="x"`, or `!~".*"`) selects nothing, so the rule silently never returns."""
    for vs, _ in selectors(ctx.expr):
        eq: dict[str, str] = {}
        for m in vs.matchers:
            if m.op == "=":
                if m.name in eq and eq[m.name] != m.value:
                    yield f'{m.name} cannot equal both "{eq[m.name]}" and "{m.value}"', None, A.to_promql(vs)
                eq[m.name] = m.value
        for m in vs.matchers:
            if m.op == "!=" and eq.get(m.name) == m.value:
                yield f'{m.name}="{m.value}" and {m.name}!="{m.value}" exclude each other', None, A.to_promql(vs)
            if m.op == "!~" and m.value in (".*", "(.*)"):
                yield f'{m.name}!~"{m.value}" matches no series', None, A.to_promql(vs)
            if m.op == "=~" and m.name in eq and not m.matches(eq[m.name], ctx.config.semantics.regex_dot_all):
                yield f'{m.name}="{eq[m.name]}" does not match {m.name}=~"{m.value}"', None, A.to_promql(vs)


@check("promql/regex-literal", Severity.INFO, "regex matcher without regex syntax")
def regex_literal(ctx: RuleContext) -> Out:
    """`label=~"value"` with no regex characters is an equality match written the slow way;
    use `label="value"` (and `!~` -> `!=`). Correct either way, so only a hint (info)."""
    for vs, _ in selectors(ctx.expr):
        for m in vs.matchers:
            if m.op in ("=~", "!~") and m.value and not _REGEX_META.search(m.value):
                eq = "=" if m.op == "=~" else "!="
                yield f'use {m.name}{eq}"{m.value}" instead of {m}', None, str(m)


@check("promql/regex-anchors", Severity.INFO, "redundant ^ or $ in a label regex")
def regex_anchors(ctx: RuleContext) -> Out:
    """Prometheus anchors label regexes itself (`^(?:re)$`), so a leading `^` or trailing `$`
    is redundant and suggests the author expected a substring match. The match is the same
    either way, so only a hint (info)."""
    for vs, _ in selectors(ctx.expr):
        for m in vs.matchers:
            if m.op in ("=~", "!~") and (m.value.startswith("^") or (m.value.endswith("$")
                                                                     and not m.value.endswith("\\$"))):
                yield f"regex {m} is anchored already; remove ^ and $", None, str(m)


@check("promql/regex-match-all", Severity.WARNING, "regex matcher that matches everything")
def regex_match_all(ctx: RuleContext) -> Out:
    """`label=~".*"` matches every series, including those without the label: it filters
    nothing. (`=~".+"` is the same as `!=""`.)"""
    for vs, _ in selectors(ctx.expr):
        for m in vs.matchers:
            if m.op == "=~" and m.value in (".*", "(.*)", "^.*$"):
                yield f"{m} matches every series; remove it", None, str(m)


@check("promql/selector-no-name", Severity.INFO, "selector without a metric name")
def selector_no_name(ctx: RuleContext) -> Out:
    """A selector without a metric name (`{job="x"}`) reads every metric of its targets: slow,
    and its result changes whenever a new metric appears."""
    for vs, _ in selectors(ctx.expr):
        name = next((m for m in vs.matchers if m.name == "__name__"), None)
        if name is None:
            yield f"{A.to_promql(vs)} selects metrics of any name", None, A.to_promql(vs)


@check("promql/quantile-range", Severity.ERROR, "quantile outside [0, 1]")
def quantile_range(ctx: RuleContext) -> Out:
    """`histogram_quantile`, `quantile` and `quantile_over_time` take φ in [0, 1]; outside it
    they return ±Inf."""
    stack = [ctx.expr]
    while stack:
        e = stack.pop()
        stack.extend(A.children(e))
        phi: A.Expr | None = None
        if isinstance(e, A.Call) and e.func in ("histogram_quantile", "quantile_over_time") and e.args:
            phi = e.args[0]
        elif isinstance(e, A.Aggregate) and e.op == "quantile":
            phi = e.param
        if isinstance(phi, A.NumberLiteral) and not 0 <= phi.value <= 1:
            yield f"quantile {A.to_promql(phi)} is outside [0, 1]", None, A.to_promql(e)


@check("promql/sort-in-rule", Severity.INFO, "sort function in a rule")
def sort_in_rule(ctx: RuleContext) -> Out:
    """Rule results are sets; `sort`, `sort_desc` and `sort_by_label` only cost time there."""
    stack = [ctx.expr]
    while stack:
        e = stack.pop()
        stack.extend(A.children(e))
        if isinstance(e, A.Call) and e.func.startswith("sort"):
            yield f"{e.func}() has no effect in a rule", None, e.func


@check("promql/unknown-metric", Severity.WARNING, "metric not in the declared inventory")
def unknown_metric(ctx: RuleContext) -> Out:
    """With a metric inventory declared (`inventory = "metrics.txt"` in `[tool.ruletest]`, e.g. a
    saved `/metrics` exposition), a selected metric that no target exports and no rule records
    can never return data: the rule never fires or records nothing."""
    inv = ctx.config.inventory
    if inv is None:
        return
    for vs, _ in selectors(ctx.expr):
        name = metric_name(vs)
        if name is None or name in ctx.lint.recorded or name in ("ALERTS", "ALERTS_FOR_STATE", "up"):
            continue
        if not inv.knows(name):
            yield f"metric {name} is not exported by any declared target (inventory)", None, name


@check("promql/join-label-missing", Severity.ERROR, "matching or grouping on a label that cannot exist")
def join_label_missing(ctx: RuleContext) -> Out:
    """`on(l)`, `ignoring(l)`, `group_left(l)` or `by (l)` naming a label the operand cannot
    carry (removed by an earlier aggregation, say) matches or groups on the empty string."""
    from ruletest.lint.flow import flow

    stack = [ctx.expr]
    while stack:
        e = stack.pop()
        stack.extend(A.children(e))
        if isinstance(e, A.Binary) and e.matching is not None and e.matching.on:
            for side in (e.lhs, e.rhs):
                f = flow(side)
                if e.op == "or" and _labelless(f):
                    continue  # promql/phantom-series
                for label in e.matching.labels:
                    if not f.can_have(label) and label != "__name__":
                        yield f"on({label}): {A.to_promql(side)} cannot have label {label}", None, A.to_promql(e)
        if isinstance(e, A.Binary) and e.matching is not None and e.matching.include:
            one = e.rhs if e.matching.card == "many-to-one" else e.lhs
            f = flow(one)
            for label in e.matching.include:
                if not f.can_have(label) and label != "__name__":
                    yield f"group_x({label}): {A.to_promql(one)} cannot have label {label}", None, A.to_promql(e)
        if isinstance(e, A.Aggregate) and not e.without:
            f = flow(e.expr)
            for label in e.grouping:
                if not f.can_have(label) and label != "__name__":
                    yield f"by ({label}): {A.to_promql(e.expr)} cannot have label {label}", None, A.to_promql(e)


def _reaching_output(e: A.Expr) -> Iterator[A.Expr]:
    """``e`` and the sub-expressions whose every series reaches the result unchanged in number:
    through parentheses, label functions, `or`, arithmetic and `bool` comparisons with a
    number, not through aggregations or filtering comparisons (which may absorb or drop one)."""
    yield e
    if isinstance(e, A.Paren):
        yield from _reaching_output(e.expr)
    elif isinstance(e, A.Call) and (fd := lookup(e.func)) is not None and fd.one_to_one and e.args:
        yield from _reaching_output(e.args[0])
    elif isinstance(e, A.Binary) and (e.op == "or" or (e.matching is None and (
            e.op not in A.COMPARISON_OPS or e.return_bool))):
        for side in (e.lhs, e.rhs):
            if side.type == "vector":
                yield from _reaching_output(side)


def _labelless(f: Flow) -> bool:
    return f.possible is not None and not f.possible - {"__name__"}


@check("promql/phantom-series", Severity.WARNING, "`or` with a label-less side that adds a permanent series")
def phantom_series(ctx: RuleContext) -> Out:
    """`sum by (job) (x) or vector(0)`, `... or on(cluster) vector(1)`: `or` adds the right side's
    series only where no left series has the same matching labels. `vector()` has no labels, so
    it is added whenever every left series has one of them, that is whenever the left side has
    data: a permanent label-less series next to the real ones (a phantom), never a fallback per
    job or cluster. The fallback idiom needs a label-less left side (`sum(x) or vector(0)`) or
    `on()`. Alerts that always fire because of it are `alert/always-fires`' business."""
    from ruletest.lint.flow import flow

    if ctx.rule.is_alert and ctx.flow.always_returns:
        return
    for e in _reaching_output(ctx.expr):
        if not (isinstance(e, A.Binary) and e.op == "or" and e.matching is not None):
            continue
        left, right = flow(e.lhs), flow(e.rhs)
        # `x or absent(x)` adds its series only when x is gone: a fallback, not a phantom.
        if not (_labelless(right) and right.always_returns) or _labelless(left):
            continue
        m = e.matching
        if m.on:
            keys = [label for label in m.labels if label != "__name__" and left.can_have(label)]
            if not keys:
                continue  # on(l) with l absent on both sides: a whole-result fallback
            what = f"has no {', '.join(keys)} label, so or on({', '.join(m.labels)})"
        else:
            if left.possible is not None and not left.possible - {"__name__"} - set(m.labels):
                continue
            what = "has no labels, so or"
        yield (f"{A.to_promql(e.rhs)} {what} adds it whenever the left side has data: a permanent series "
               f"without labels next to the real ones, not a fallback for a missing one"), None, A.to_promql(e)


@check("promql/result-type", Severity.ERROR, "rule expression is a range vector or string")
def result_type(ctx: RuleContext) -> Out:
    """Rules must return an instant vector or a scalar; `x[5m]` or a string literal fails at
    every evaluation ("rule result is not a vector or scalar")."""
    if ctx.expr.type in ("matrix", "string"):
        yield f"the expression returns a {'range vector' if ctx.expr.type == 'matrix' else 'string'}", None, \
            ctx.rule.expr


def _drops_name(node: A.Expr) -> bool:
    if isinstance(node, A.Call):
        fd = lookup(node.func)
        return fd is not None and not fd.keeps_name and not returns_no_labels(fd, len(node.args))
    return (isinstance(node, A.Binary) and node.op in ("+", "-", "*", "/", "%", "^", "atan2")) or isinstance(node, A.Unary)


@check("promql/name-only-series", Severity.WARNING, "series that may differ only in their metric name")
def name_only_series(ctx: RuleContext) -> Out:
    """A selector matching several metric names (`{__name__=~"a|b"}`, or no name) fed to an
    operation that drops `__name__` (rate(), arithmetic) fails with "vector cannot contain
    metrics with the same labelset" as soon as two metrics share their other labels."""
    from ruletest.lint.flow import literal_alternatives, selectors

    for vs, path in selectors(ctx.expr):
        if metric_name(vs) is not None:
            continue
        # `{__name__=~"snmp_x_sysUpTime"}` names one metric, however it is written.
        names = [literal_alternatives(m.value) for m in vs.matchers if m.name == "__name__" and m.op == "=~"]
        if any(n is not None and len(n) == 1 for n in names):
            continue
        aggregated = False
        for node in reversed(path):
            if isinstance(node, A.Aggregate) and node.op not in ("topk", "bottomk", "limitk", "limit_ratio"):
                aggregated = True
                break
            if _drops_name(node) and not aggregated:
                yield (f"{A.to_promql(vs)} can match several metrics; {_op_name(node)} drops __name__, so two "
                       "of them with the same labels make the evaluation fail"), None, A.to_promql(vs)
                break


def _op_name(node: A.Expr) -> str:
    return f"{node.func}()" if isinstance(node, A.Call) else f"'{node.op}'" if isinstance(node, A.Binary) else "it"


@check("promql/fragile-topk", Severity.WARNING, "topk/bottomk/limitk in an alerting rule")
def fragile_topk(ctx: RuleContext) -> Out:
    """Which series `topk`, `bottomk`, `limitk` or `limit_ratio` return can change between
    evaluations when values tie or shift, so the alert's series (its identity) changes and `for`
    restarts: the alert flaps or never fires."""
    if not ctx.rule.is_alert:
        return

    for e, path in _with_ancestors(ctx.expr):
        if not (isinstance(e, A.Aggregate) and e.op in ("topk", "bottomk", "limitk", "limit_ratio")):
            continue
        # `topk by (pod, ...) (1, x)` keeps one series per identity: the deduplication idiom
        # (kubernetes-mixin), not a ranking.
        if e.grouping and not e.without and isinstance(e.param, A.NumberLiteral) and e.param.value == 1:
            continue
        if not _identity_reaches_result(e, path):
            continue
        yield f"{e.op}() picks different series between evaluations: the alert's identity changes", \
            None, A.to_promql(e)


def _with_ancestors(e: A.Expr, path: tuple[A.Expr, ...] = ()) -> Iterator[tuple[A.Expr, tuple[A.Expr, ...]]]:
    yield e, path
    for c in A.children(e):
        yield from _with_ancestors(c, (*path, e))


def _identity_reaches_result(pick: A.Aggregate, path: tuple[A.Expr, ...]) -> bool:
    """Whether the labels telling topk()'s candidates apart reach the alert's labels: not when
    an aggregation above drops them, or when the pick only matches a side whose labels the
    result takes (`sum(x) - ignoring(project) topk(1, sum by (project) (y))`)."""
    from ruletest.lint.flow import flow

    inner = flow(pick.expr)
    apart = None if inner.possible is None else set(inner.possible) - {"__name__"} - set(
        pick.grouping if not pick.without else ())
    child: A.Expr = pick
    for node in reversed(path):
        if isinstance(node, A.Aggregate) and node.op not in ("topk", "bottomk", "limitk", "limit_ratio") and \
                not node.without and (not node.grouping or (apart is not None and not apart & set(node.grouping))):
            return False
        if isinstance(node, A.Binary) and node.matching is not None and node.op not in ("and", "unless", "or"):
            m = node.matching
            labels_from = node.rhs if m.card == "one-to-many" else node.lhs
            if child is not labels_from and apart is not None:
                compared = apart & set(m.labels) if m.on else apart - set(m.labels)
                if not compared:
                    return False
        child = node
    return True


_NAN_AGGREGATIONS = ("sum", "avg", "stddev", "stdvar")
# Divisors that are 0 whenever nothing happens (an idle endpoint), with the numerator 0 too.
_RATE_LIKE = names(lambda d: d.zero_when_idle)


def _zero_when_idle(e: A.Expr) -> bool:
    """Whether the divisor ``e`` is 0 when nothing happens: a rate, a recorded rate
    (`job:requests:rate5m`), or a histogram's `_count` (0 until the first observation)."""
    from ruletest.lint.flow import selectors, walk
    from ruletest.promql.ast import metric_name

    if any(isinstance(n, A.Call) and n.func in _RATE_LIKE for n in walk(e)):
        return True
    return any((":" in (name := metric_name(vs) or "") and ("rate" in name or "increase" in name))
               or name.endswith("_count") for vs, _ in selectors(e))


def _nan_stopped(path: list[A.Expr]) -> bool:
    """Whether a node between the aggregation and the division removes NaN: a filtering
    comparison other than `!=` (NaN compares false), or any `bool` comparison (0 or 1)."""
    return any(isinstance(n, A.Binary) and n.op in A.COMPARISON_OPS and (n.return_bool or n.op != "!=")
               for n in path)


def _divisions(e: A.Expr, path: list[A.Expr]) -> Iterator[tuple[A.Binary, list[A.Expr]]]:
    if isinstance(e, A.Binary) and e.op in ("/", "%") and e.matching is not None:
        yield e, path
    for c in A.children(e):
        yield from _divisions(c, [*path, e])


@check("promql/nan-aggregation", Severity.WARNING, "division inside sum/avg that can produce NaN")
def nan_aggregation(ctx: RuleContext) -> Out:
    """`sum(rate(a[5m]) / rate(b[5m]))`: one idle series (both rates 0) gives 0/0 = NaN, and one
    NaN makes the whole sum NaN, so the rule silently stops comparing true. Divide after
    aggregating (`sum(rate(a[5m])) / sum(rate(b[5m]))`), or filter the divisor (`b > 0`).
    Reported for divisors that are 0 when idle (rates, a histogram's `_count`), not for
    capacities such as `node_memory_MemTotal_bytes`; not when a comparison between the division and the aggregation
    drops NaN (`sum((a / b) < 10)`), nor when each group holds one series
    (`avg by (a) (sum by (a) (x) / sum by (a) (y))`)."""
    from ruletest.lint.flow import flow, unwrap, walk

    for e in walk(ctx.expr):
        if not (isinstance(e, A.Aggregate) and e.op in _NAN_AGGREGATIONS):
            continue
        inner_flow = flow(e.expr)
        if not e.without and inner_flow.possible is not None and inner_flow.possible - {"__name__"} <= set(e.grouping):
            continue  # every group holds one series: a NaN stays where it is
        for inner, path in _divisions(e.expr, []):
            rhs = unwrap(inner.rhs)
            guarded = (isinstance(rhs, A.Binary) and rhs.op in (">", "!=") and not rhs.return_bool) or (
                isinstance(rhs, A.Call) and rhs.func in ("clamp_min", "clamp"))
            if guarded or _nan_stopped(path) or not _zero_when_idle(rhs):
                continue
            yield (f"{e.op}() over {A.to_promql(inner)}: a zero divisor makes one NaN, and the whole "
                   f"{e.op} NaN"), None, A.to_promql(inner)
            break


def _pinned(e: A.Expr) -> dict[str, str] | None:
    """Labels pinned by `=` matchers of the selector ``e`` reads, when ``e`` is a selector or a
    label-preserving function of one (rate(x[5m]), abs(x)...); None otherwise."""
    from ruletest.lint.flow import unwrap

    e = unwrap(e)
    while isinstance(e, A.Call) and e.func not in ("label_replace", "label_join", "vector", "absent",
                                                    "absent_over_time", "scalar", "time"):
        arg = next((a for a in e.args if a.type in ("vector", "matrix")), None)
        if arg is None:
            return None
        e = unwrap(arg)
    if isinstance(e, A.MatrixSelector):
        e = e.selector
    if isinstance(e, A.VectorSelector):
        return {m.name: m.value for m in e.matchers if m.op == "=" and m.name != "__name__"}
    return None


@check("promql/static-join-mismatch", Severity.ERROR, "binary operation whose sides pin a label to different values")
def static_join_mismatch(ctx: RuleContext) -> Out:
    """`a{env="prod"} / b{env="staging"}` matches series on all their labels (or the `on()`
    list): `env` can never be equal on both sides, so the result is always empty."""
    from ruletest.lint.flow import walk

    for e in walk(ctx.expr):
        if not (isinstance(e, A.Binary) and e.matching is not None and e.op != "or"):
            continue
        left, right = _pinned(e.lhs), _pinned(e.rhs)
        if left is None or right is None:
            continue
        m = e.matching
        for label, value in left.items():
            considered = label in m.labels if m.on else label not in m.labels
            if considered and label in right and right[label] != value:
                yield (f'{label}="{value}" on the left and {label}="{right[label]}" on the right: '
                       f"{e.op} never matches"), None, A.to_promql(e)
                break


@check("promql/join-never-matches", Severity.ERROR, "binary operation between a label-less and a labelled side")
def join_never_matches(ctx: RuleContext) -> Out:
    """`sum(a) / b` matches on all labels: the left side has none, `b` always has some, so no
    pair ever matches and the result is empty. Aggregate both sides the same way, or use
    `on()` with `group_left`."""
    from ruletest.lint.flow import NAME, flow, walk

    for e in walk(ctx.expr):
        if not (isinstance(e, A.Binary) and e.matching is not None and e.op != "or"):
            continue
        if e.matching.on or e.matching.labels:
            continue
        lf, rf = flow(e.lhs), flow(e.rhs)
        for empty, other, side in ((lf, rf, "left"), (rf, lf, "right")):
            labelled = other.guaranteed - {NAME}
            if empty.possible is not None and not (empty.possible - {NAME}) and labelled:
                yield (f"the {side} side has no labels, the other always has {', '.join(sorted(labelled))}: "
                       f"{e.op} never matches"), None, A.to_promql(e)
                break


@check("promql/range-too-long", Severity.WARNING, "range or offset beyond the data retention")
def range_too_long(ctx: RuleContext) -> Out:
    """Prometheus keeps `retention` of data (15d by default; declare yours in `[tool.ruletest]`):
    a range, subquery or offset reaching further back reads data that no longer exists. Against
    the undeclared 15d default, only a hint (info)."""
    from ruletest.lint.flow import walk
    from ruletest.promql.ast import format_duration

    limit = ctx.config.retention_ms
    for e in walk(ctx.expr):
        reach = 0
        if isinstance(e, A.MatrixSelector):
            reach = e.range_ms + e.selector.offset_ms
        elif isinstance(e, A.Subquery):
            reach = e.range_ms + e.offset_ms
        elif isinstance(e, A.VectorSelector):
            reach = e.offset_ms
        if reach > limit:
            yield f"{A.to_promql(e)} reaches {format_duration(reach)} back, beyond the " \
                  f"{format_duration(limit)} retention", None, A.to_promql(e), \
                None if ctx.config.retention_declared else Severity.INFO
