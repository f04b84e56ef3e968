"""Checks on alerting rules: conditions, labels and annotations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.promql.function_table import lookup, names

Out = Iterator[tuple[Any, ...]]


# Labels naming a state of the object a series describes (`state="Critical"`, `health!="OK"`).
_STATE_LABELS = frozenset({"state", "status", "health", "phase", "condition", "reason", "result", "ready",
                           "health_state", "operstate", "warnings", "deprecated"})
# Labels that say which target or object a series belongs to: selecting on them picks series,
# it does not test them.
_IDENTITY_LABELS = frozenset({"__name__", "job", "instance", "namespace", "pod", "container", "node", "cluster",
                              "service", "endpoint", "env", "environment", "region", "zone", "host", "hostname",
                              "source_cluster", "tenant", "team", "app", "le", "quantile"})


def _state_label(name: str) -> bool:
    low = name.lower()
    return name in _STATE_LABELS or low.endswith(("state", "status", "health", "phase", "condition", "reason"))


def condition_matcher(vs: A.VectorSelector) -> A.Matcher | None:
    """A matcher that is itself the alert's condition: a state label tested on a value metric
    (`ipmi_temperature_celsius{state=~"Warning|Critical"}`, `redfish_sensor_info{health!~"OK"}`),
    any label of an info metric (value always 1: `x_resource_info{ready!="True"}`), the label a
    metric is named after (an enum exported as a label: `x_sync_status{x_sync_status="Failed"}`),
    or a substring search (`{indexrelname=~".*ccnew.*"}`). Not on kube-state-metrics' series,
    which export every state valued 0 or 1 (`kube_pod_status_phase{phase="Failed"}` exists, valued
    0, for every pod that has not failed)."""
    from ruletest.promql.ast import metric_name

    name = metric_name(vs) or ""
    if name.startswith("kube_"):
        return None
    info = name.endswith(("_info", "_metadata"))
    for m in vs.matchers:
        if m.name in _IDENTITY_LABELS or (m.op == "=~" and m.value in (".*", ".+", "(.*)", "(.+)")):
            continue
        if info or _state_label(m.name) or name.endswith(m.name):
            return m
        if m.op == "=~" and m.value.startswith(".*") and m.value.endswith(".*") and len(m.value) > 4:
            return m
    return None


def _selects_state(vs: A.VectorSelector) -> bool:
    """Whether a selector picks series by something other than identity labels."""
    return any(m.name not in _IDENTITY_LABELS and not (m.op == "=~" and m.value in (".*", "(.*)"))
               for m in vs.matchers)


_ALWAYS_AT_LEAST_ONE = {"count": (1.0, float("inf")), "group": (1.0, 1.0)}


def _tautology(e: A.Expr) -> A.Aggregate | None:
    """`count(x) > 0`, `group(x) == 1`: a comparison every output of count()/group() passes,
    so it tests only that x exists. Returns the aggregation."""
    from ruletest.lint.flow import unwrap

    if not (isinstance(e, A.Binary) and e.op in A.COMPARISON_OPS and not e.return_bool and e.matching is None):
        return None
    agg, lit, op = unwrap(e.lhs), unwrap(e.rhs), e.op
    if isinstance(agg, A.NumberLiteral):
        agg, lit = lit, agg
        op = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)
    if not (isinstance(agg, A.Aggregate) and agg.op in _ALWAYS_AT_LEAST_ONE and isinstance(lit, A.NumberLiteral)):
        return None
    lo, hi = _ALWAYS_AT_LEAST_ONE[agg.op]
    c = float(lit.value)
    holds = {">": lo > c, ">=": lo >= c, "<": hi < c, "<=": hi <= c, "==": lo == hi == c,
             "!=": c < lo or c > hi}[op]
    return agg if holds else None


def _strip_tautologies(e: A.Expr, found: list[A.Aggregate]) -> A.Expr:
    from dataclasses import replace

    agg = _tautology(e)
    if agg is not None:
        found.append(agg)
        return _strip_tautologies(agg, found)
    if isinstance(e, A.Paren | A.Unary | A.Subquery | A.Aggregate):
        return replace(e, expr=_strip_tautologies(e.expr, found))
    if isinstance(e, A.Call):
        return replace(e, args=tuple(_strip_tautologies(a, found) for a in e.args))
    if isinstance(e, A.Binary):
        return replace(e, lhs=_strip_tautologies(e.lhs, found), rhs=_strip_tautologies(e.rhs, found))
    return e


@check("alert/no-condition", Severity.WARNING, "alert expression without a condition")
def no_condition(ctx: RuleContext) -> Out:
    """An alert fires for every series its expression returns; without a filtering comparison,
    `and`/`unless` or `absent()`, it fires whenever the metric exists. `count(x) > 0` is no
    condition either: count() of anything that exists is at least 1, so it fires whenever x
    exists, whatever its value (reported as a hint, info: right for a series exported only
    while something is wrong). A matcher can be the condition: a state label on a value metric
    (`{state=~"Warning|Critical"}`), any label of an info metric (`x_info{health!="OK"}`) or a
    substring search (`{name=~".*tmp.*"}`). Heartbeat alerts named Watchdog/DeadMansSwitch are
    exempt."""
    if not ctx.rule.is_alert or re.match(ctx.config.heartbeat_alerts, ctx.rule.name):
        return
    from ruletest.lint.flow import flow, selectors
    from ruletest.promql.ast import metric_name

    tautologies: list[A.Aggregate] = []
    expr = _strip_tautologies(ctx.expr, tautologies)
    if flow(expr).filters:
        return
    reads = selectors(expr)
    if any(metric_name(vs) in ("ALERTS", "ALERTS_FOR_STATE") or condition_matcher(vs) for vs, _ in reads):
        return
    # `count(kube_pod_container_status_terminated_reason{reason="OOMKilled"}) > 0`: a series
    # that exists only in the state the matcher selects makes presence the condition.
    if any(_selects_state(vs) for agg in tautologies for vs, _ in selectors(agg)):
        return
    if tautologies:
        # A hint: for a series exported only while something is wrong (Wikimedia's
        # gnmi_system_alarms_alarm_state_id, "the devices don't expose that metric" otherwise)
        # presence is the condition, and nothing in the expression tells the two apart.
        agg = A.to_promql(tautologies[0])
        yield (f"{agg} is at least 1 whenever its argument exists, so the comparison always holds: the alert "
               "fires whenever the series exist, whatever their values"), None, agg, Severity.INFO
    else:
        yield "the expression has no condition: it fires for every series it returns", None, ctx.rule.expr


@check("alert/always-fires", Severity.WARNING, "alert expression that always returns a value")
def always_fires(ctx: RuleContext) -> Out:
    """`vector(1)`, `x or vector(0)` and literals always return a sample: the alert is always
    firing (fine for a heartbeat, named Watchdog/DeadMansSwitch/Heartbeat)."""
    if not ctx.rule.is_alert or re.match(ctx.config.heartbeat_alerts, ctx.rule.name):
        return
    if ctx.flow.always_returns:
        yield "the expression always returns a sample, so the alert always fires", None, ctx.rule.expr


@check("alert/missing-label", Severity.WARNING, "alert without a label required_labels lists")
def missing_label(ctx: RuleContext) -> Out:
    """Routing needs labels such as `severity`: with `required_labels = ["severity"]` declared,
    an alert without one is reported. Silent until a policy is declared."""
    if not ctx.rule.is_alert:
        return
    have = dict(ctx.rule.labels)
    for name in ctx.config.required_labels:
        if name not in have:
            yield f"alert has no {name} label", ctx.rule.line, name


@check("alert/severity-value", Severity.WARNING, "severity outside allowed_severities")
def severity_value(ctx: RuleContext) -> Out:
    """Receivers route on severity; with `allowed_severities = [...]` declared, a value outside
    it reaches none of them. Silent until a policy is declared (`page`, `high`/`medium` and
    `critical`/`warning` are all in use)."""
    sev = dict(ctx.rule.labels).get("severity")
    allowed = ctx.config.allowed_severities
    if ctx.rule.is_alert and sev is not None and allowed and "{{" not in sev and sev not in allowed:
        yield f"severity {sev!r} is not one of {', '.join(ctx.config.allowed_severities)}", ctx.rule.line, sev


@check("alert/missing-annotation", Severity.WARNING, "alert without an annotation required_annotations lists")
def missing_annotation(ctx: RuleContext) -> Out:
    """People need a `summary` (and usually a description or runbook) to act on a page: with
    `required_annotations = ["summary"]` declared, an alert without one is reported. Silent until
    a policy is declared (mixins annotate with `message` or `description`)."""
    if not ctx.rule.is_alert:
        return
    have = dict(ctx.rule.annotations)
    for name in ctx.config.required_annotations:
        if not have.get(name):
            yield f"alert has no {name} annotation", ctx.rule.line, name


@check("alert/for-zero", Severity.INFO, "explicit for: 0s")
def for_zero(ctx: RuleContext) -> Out:
    """`for: 0s` is the default; writing it suggests a forgotten duration."""
    if ctx.rule.is_alert and ctx.rule.for_ms == 0 and re.search(r"\bfor:\s*0s?\b", _rule_text(ctx)):
        yield "for: 0s fires on the first evaluation; remove it or set a duration", ctx.rule.line, "for: 0s"


def _rule_text(ctx: RuleContext) -> str:
    try:
        lines = Path(ctx.rule.file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[ctx.rule.line - 1: ctx.rule.line + 12])


@check("alert/never-fires-empty-count", Severity.WARNING, "count(...) or sum(up) compared to 0 without a fallback")
def never_fires_empty_count(ctx: RuleContext) -> Out:
    """`count(x) == 0` never fires: when nothing matches, count() returns nothing rather than 0.
    Use `absent(x)` or `count(x) or vector(0)`. Likewise `sum(up{job="app"}) == 0` fires when
    every target is down but not when they all disappear from service discovery."""
    from ruletest.lint.flow import unwrap
    from ruletest.promql.ast import metric_name

    if not ctx.rule.is_alert:
        return
    e = ctx.expr
    while isinstance(e, A.Paren):
        e = e.expr
    if not (isinstance(e, A.Binary) and e.op in ("==", "<", "<=") and isinstance(e.rhs, A.NumberLiteral)):
        return
    lhs = e.lhs
    while isinstance(lhs, A.Paren):
        lhs = lhs.expr
    threshold = e.rhs.value
    small = (e.op == "==" and threshold == 0) or (e.op == "<" and threshold <= 1) or (e.op == "<=" and threshold < 1)
    if isinstance(lhs, A.Aggregate) and lhs.op == "count" and small:
        yield f"{A.to_promql(e)} never fires: count() of nothing returns nothing, not 0", None, A.to_promql(lhs)
    inner = unwrap(lhs.expr) if isinstance(lhs, A.Aggregate) else None
    if isinstance(lhs, A.Aggregate) and lhs.op in ("sum", "max", "min", "avg") and small and \
            isinstance(inner, A.VectorSelector) and metric_name(inner) == "up":
        yield (f"{A.to_promql(e)} fires when the targets are down, but not when they all vanish (no up series "
               f"left, so {lhs.op}() returns nothing): add `or absent({A.to_promql(inner)})`"), None, A.to_promql(lhs)


@check("alert/for-below-interval", Severity.WARNING, "for shorter than the evaluation interval")
def for_below_interval(ctx: RuleContext) -> Out:
    """`for` is checked at evaluations only: a `for` shorter than the group's interval (or the
    declared evaluation interval) acts like one full interval. Against the undeclared 1m default
    evaluation interval, only a hint (info)."""
    if not ctx.rule.is_alert or ctx.rule.for_ms <= 0:
        return
    interval = ctx.group.interval_ms or ctx.config.evaluation_interval_ms
    known = ctx.group.interval_ms is not None or ctx.config.evaluation_interval_declared
    if ctx.rule.for_ms < interval:
        from ruletest.promql.ast import format_duration

        yield (f"for: {format_duration(ctx.rule.for_ms)} is shorter than the {format_duration(interval)} "
               "evaluation interval; it behaves like one interval"), ctx.rule.line, "for", \
            None if known else Severity.INFO


LOOKBACK_MS = 300_000
# One sample in the range is enough for these to return something.
_OVER_TIME = names(lambda d: d.category == "over-time")


def _required_reads(e: A.Expr) -> Iterator[tuple[A.VectorSelector, int]]:
    """Selectors the result cannot do without, with how long one sample keeps them visible
    (the lookback for an instant selector, the range for `max_over_time(x[r])`). A series
    read on both sides of `or`, inside absent() or a subquery is not required."""
    if isinstance(e, A.VectorSelector):
        if e.at is None:
            yield e, LOOKBACK_MS
        return
    if isinstance(e, A.Paren | A.Unary | A.Aggregate):
        yield from _required_reads(e.expr)
    elif isinstance(e, A.Call):
        if e.func in _OVER_TIME:
            arg = e.args[-1]
            while isinstance(arg, A.Paren):
                arg = arg.expr
            if isinstance(arg, A.MatrixSelector) and arg.selector.at is None:
                yield arg.selector, arg.range_ms
        elif (fd := lookup(e.func)) is None or not (fd.category in ("absent", "sort") or fd.return_type == "scalar"
                                                    or fd.name == "vector"):
            for a in e.args:
                if a.type == "vector":
                    yield from _required_reads(a)
    elif isinstance(e, A.Binary) and e.op != "or":
        sides = [e.lhs] if e.op == "unless" else [e.lhs, e.rhs]
        for side in sides:
            if side.type == "vector":
                yield from _required_reads(side)


@check("alert/never-fires-gaps", Severity.ERROR, "alert whose `for` outlasts the presence of a series it reads")
def never_fires_gaps(ctx: RuleContext) -> Out:
    """A series recorded by a group that runs less often than every 5 minutes (or scraped so,
    with a declared `scrape_interval`) is seen by an instant selector for 5 minutes after each
    sample and then vanishes until the next one. An alert that needs it, evaluated in those gaps,
    loses its pending state at each gap, so a `for` of 5 minutes or more can never elapse: the
    alert never fires. Read it through `last_over_time(x[<interval>])`, or evaluate the alert
    in the recording group."""
    if not ctx.rule.is_alert or ctx.rule.for_ms <= 0:
        return
    from ruletest.promql.ast import format_duration, metric_name

    cfg = ctx.config
    alert_every = ctx.group.interval_ms or cfg.evaluation_interval_ms
    for vs, visible in _required_reads(ctx.expr):
        name = metric_name(vs)
        groups = [g for _, g in ctx.lint.recorders(vs)]
        if groups:
            if any(g is ctx.group for g in groups):
                continue  # evaluated right after it is recorded
            every = min(g.interval_ms or cfg.evaluation_interval_ms for g in groups)
            source = f"recorded every {format_duration(every)} (group {groups[0].name})"
        elif cfg.scrape_interval_declared:
            every = cfg.scrape_interval_ms
            source = f"scraped every {format_duration(every)}"
        else:
            continue
        gap = every - visible
        too_long = ctx.rule.for_ms >= visible if ctx.semantics.left_open_windows else ctx.rule.for_ms > visible
        if gap > 0 and alert_every < gap and too_long:
            yield (f"for: {format_duration(ctx.rule.for_ms)} never elapses: {name} is {source} and visible for "
                   f"{format_duration(visible)} after each sample, so the alert (evaluated every "
                   f"{format_duration(alert_every)}) sees it vanish and resets"), ctx.rule.line, name
            return


@check("alert/label-collision", Severity.WARNING, "static alert label overwrites a label of the result")
def label_collision(ctx: RuleContext) -> Out:
    """A static label in the rule replaces the label the expression returns; series that differed
    only there collapse ("vector contains metrics with the same labelset after applying alert
    labels") and the alert stops evaluating. A label the expression pins to one value (`job="a"`,
    `instance=~"host1"`, a constant label_replace) cannot make two series collide."""
    if not ctx.rule.is_alert:
        return
    for key, value in ctx.rule.labels:
        if "{{" in value or key == "alertname" or key == "__name__" or key not in ctx.flow.guaranteed:
            continue
        known = ctx.flow.known(key)
        if known is not None and len(known) <= 1:
            continue
        yield f"label {key}={value!r} overwrites the {key} label the expression returns", ctx.rule.line, key


@check("alert/absent-never-fires", Severity.ERROR, "absent() of an expression that always returns")
def absent_never_fires(ctx: RuleContext) -> Out:
    """`absent(sum(x) or vector(0))` or `absent(vector(1))`: the argument always returns
    something, so absent() never does and the alert can never fire."""
    from ruletest.lint.flow import flow, walk

    for e in walk(ctx.expr):
        if isinstance(e, A.Call) and e.func in ("absent", "absent_over_time") and e.args \
                and flow(e.args[0]).always_returns:
            yield f"{A.to_promql(e.args[0])} always returns a value: {e.func}() never does", None, A.to_promql(e)


def _alerting_nodes(e: A.Expr) -> Iterator[A.Expr]:
    """Nodes whose series can become the alert's: not the right side of `and`/`unless`, which
    only filters (`x and absent(y)` raises x, not absent(y))."""
    yield e
    children = [e.lhs] if isinstance(e, A.Binary) and e.op in ("and", "unless") else A.children(e)
    for c in children:
        yield from _alerting_nodes(c)


@check("alert/absent-without-for", Severity.WARNING, "absent() alert that fires on one missed scrape")
def absent_without_for(ctx: RuleContext) -> Out:
    """`absent(up{job="x"})` becomes true for a moment whenever one scrape is late or a target
    restarts; without a `for` of at least two scrape intervals the alert pages on noise. Without
    a declared `scrape_interval`, a `for` shorter than two default (1m) intervals is only a hint
    (info); no `for` at all is always a warning."""
    if not ctx.rule.is_alert:
        return
    from ruletest.promql.ast import format_duration

    if not any(isinstance(e, A.Call) and e.func == "absent" for e in _alerting_nodes(ctx.expr)):
        return
    needed = 2 * ctx.config.scrape_interval_ms
    if ctx.rule.for_ms < needed:
        hint = ctx.rule.for_ms > 0 and not ctx.config.scrape_interval_declared
        yield (f"absent() alert with for: {format_duration(ctx.rule.for_ms)}; use at least "
               f"{format_duration(needed)} (two scrape intervals)"), ctx.rule.line, "for", \
            Severity.INFO if hint else None


@check("alert/never-fires-sum-of-filter", Severity.ERROR, "aggregation of a constant filter compared so it never holds")
def never_fires_sum_of_filter(ctx: RuleContext) -> Out:
    """`sum(x == 0) > 0`: the filter keeps only series whose value is 0, so their sum (or avg,
    min, max) is 0 and `> 0` never holds. Count them instead: `count(x == 0) > 0`."""
    from ruletest.lint.flow import unwrap, walk

    ops = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__,
           "==": float.__eq__, "!=": float.__ne__}
    for e in walk(ctx.expr):
        if not (isinstance(e, A.Binary) and e.op in ops and not e.return_bool and e.matching is None):
            continue
        agg, threshold = unwrap(e.lhs), unwrap(e.rhs)
        if not (isinstance(agg, A.Aggregate) and isinstance(threshold, A.NumberLiteral)):
            continue
        inner = unwrap(agg.expr)
        if not (isinstance(inner, A.Binary) and inner.op == "==" and not inner.return_bool
                and isinstance(unwrap(inner.rhs), A.NumberLiteral)):
            continue
        kept = unwrap(inner.rhs)
        assert isinstance(kept, A.NumberLiteral)
        if agg.op in ("avg", "min", "max") or (agg.op == "sum" and kept.value == 0):
            value = float(kept.value)
            if not ops[e.op](value, float(threshold.value)):
                yield (f"{agg.op}() of series filtered to == {A.to_promql(kept)} is always "
                       f"{A.to_promql(kept)}: {e.op} {A.to_promql(threshold)} never holds"), None, A.to_promql(e)


@check("alert/name-style", Severity.INFO, "alert name not in CamelCase", default=False)
def name_style(ctx: RuleContext) -> Out:
    """Off by default (`enable = ["alert/name-style"]`). Alert names in CamelCase
    (`KubePodCrashLooping`) are the convention of the Prometheus mixins and most runbooks."""
    if ctx.rule.is_alert and not re.fullmatch(r"[A-Z][A-Za-z0-9]*", ctx.rule.name):
        yield f"alert name {ctx.rule.name} is not CamelCase", ctx.rule.line, ctx.rule.name


@check("alert/runbook-url", Severity.INFO, "alert without a valid runbook_url", default=False)
def runbook_url(ctx: RuleContext) -> Out:
    """Off by default (`enable = ["alert/runbook-url"]`). The `runbook_url` annotation should
    be an absolute http(s) URL (templates allowed); it is not fetched."""
    if not ctx.rule.is_alert:
        return
    url = dict(ctx.rule.annotations).get("runbook_url")
    if url is None:
        yield "alert has no runbook_url annotation", ctx.rule.line, ctx.rule.name
    elif "{{" not in url and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", url):
        yield f"runbook_url {url!r} is not an absolute http(s) URL", ctx.rule.line, url
