"""Checks on alerting rules: conditions, labels and annotations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A

Out = Iterator[tuple[str, int | None, str]]


@check("alert/no-condition", Severity.WARNING, "alert expression without a condition")
def no_condition(ctx: RuleContext) -> Out:
    """An alert fires for every series its expression returns; without a filtering comparison,
    `and`/`unless` or `absent()`, it fires whenever the metric exists. Heartbeat alerts named
    Watchdog/DeadMansSwitch are exempt."""
    if not ctx.rule.is_alert or re.match(ctx.config.heartbeat_alerts, ctx.rule.name):
        return
    from ruletest.lint.flow import metric_name, selectors

    reads_alerts = any(metric_name(vs) in ("ALERTS", "ALERTS_FOR_STATE") for vs, _ in selectors(ctx.expr))
    if not ctx.flow.filters and not reads_alerts:
        yield "the expression has no condition: it fires for every series it returns", None, ctx.rule.expr


@check("alert/always-fires", Severity.WARNING, "alert expression that always returns a value")
def always_fires(ctx: RuleContext) -> Out:
    """`vector(1)`, `x or vector(0)` and literals always return a sample: the alert is always
    firing (fine for a heartbeat, named Watchdog/DeadMansSwitch/Heartbeat)."""
    if not ctx.rule.is_alert or re.match(ctx.config.heartbeat_alerts, ctx.rule.name):
        return
    if ctx.flow.always_returns:
        yield "the expression always returns a sample, so the alert always fires", None, ctx.rule.expr


@check("alert/missing-label", Severity.WARNING, "alert without a required label")
def missing_label(ctx: RuleContext) -> Out:
    """Routing needs labels such as `severity` (configure `required_labels`)."""
    if not ctx.rule.is_alert:
        return
    have = dict(ctx.rule.labels)
    for name in ctx.config.required_labels:
        if name not in have:
            yield f"alert has no {name} label", ctx.rule.line, name


@check("alert/severity-value", Severity.WARNING, "severity not in the allowed set")
def severity_value(ctx: RuleContext) -> Out:
    """Receivers route on severity; a value outside `allowed_severities` reaches none of them."""
    sev = dict(ctx.rule.labels).get("severity")
    if ctx.rule.is_alert and sev is not None and "{{" not in sev and sev not in ctx.config.allowed_severities:
        yield f"severity {sev!r} is not one of {', '.join(ctx.config.allowed_severities)}", ctx.rule.line, sev


@check("alert/missing-annotation", Severity.WARNING, "alert without a required annotation")
def missing_annotation(ctx: RuleContext) -> Out:
    """People need a `summary` (and usually a description or runbook) to act on a page
    (configure `required_annotations`)."""
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


@check("alert/never-fires-empty-count", Severity.WARNING, "count(...) compared to 0 without a fallback")
def never_fires_empty_count(ctx: RuleContext) -> Out:
    """`count(x) == 0` never fires: when nothing matches, count() returns nothing rather than 0.
    Use `absent(x)` or `count(x) or vector(0)`."""
    from ruletest.promql import ast as A

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


@check("alert/for-below-interval", Severity.WARNING, "for shorter than the evaluation interval")
def for_below_interval(ctx: RuleContext) -> Out:
    """`for` is checked at evaluations only: a `for` shorter than the group's interval (or the
    declared evaluation interval) acts like one full interval."""
    if not ctx.rule.is_alert or ctx.rule.for_ms <= 0:
        return
    interval = ctx.group.interval_ms or ctx.config.evaluation_interval_ms
    if ctx.rule.for_ms < interval:
        from ruletest.promql.ast import format_duration

        yield (f"for: {format_duration(ctx.rule.for_ms)} is shorter than the {format_duration(interval)} "
               "evaluation interval; it behaves like one interval"), ctx.rule.line, "for"


@check("alert/label-collision", Severity.WARNING, "static alert label overwrites a label of the result")
def label_collision(ctx: RuleContext) -> Out:
    """A static label in the rule replaces the label the expression returns; series that differed
    only there collapse ("vector contains metrics with the same labelset after applying alert
    labels") and the alert stops evaluating."""
    if not ctx.rule.is_alert:
        return
    from ruletest.lint.flow import selectors

    # A label pinned by an equality matcher has one value in every result series, so replacing it
    # cannot make two series collide (gardener's `type="shoot"` on `{type="shoot"}`).
    pinned = {m.name for vs, _ in selectors(ctx.expr) for m in vs.matchers if m.op == "="}
    for key, value in ctx.rule.labels:
        if "{{" in value or key == "alertname" or key in pinned:
            continue
        if key in ctx.flow.guaranteed and key != "__name__":
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


@check("alert/absent-without-for", Severity.WARNING, "absent() alert that fires on one missed scrape")
def absent_without_for(ctx: RuleContext) -> Out:
    """`absent(up{job="x"})` becomes true for a moment whenever one scrape is late or a target
    restarts; without a `for` of at least two scrape intervals the alert pages on noise."""
    if not ctx.rule.is_alert:
        return
    from ruletest.lint.flow import walk
    from ruletest.promql.ast import format_duration

    if not any(isinstance(e, A.Call) and e.func == "absent" for e in walk(ctx.expr)):
        return
    needed = 2 * ctx.config.scrape_interval_ms
    if ctx.rule.for_ms < needed:
        yield (f"absent() alert with for: {format_duration(ctx.rule.for_ms)}; use at least "
               f"{format_duration(needed)} (two scrape intervals)"), ctx.rule.line, "for"


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
