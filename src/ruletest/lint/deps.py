"""Checks across rules: recording-rule and alert dependencies."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import selectors
from ruletest.lint.model import Severity, check
from ruletest.promql.ast import metric_name

Out = Iterator[tuple[str, int | None, str]]


@check("deps/undefined-recording", Severity.INFO, "recorded-looking series no rule records")
def undefined_recording(ctx: RuleContext) -> Out:
    """A selector named like a recording rule (`level:metric:ops`) that none of the linted rule
    files record is a typo or a rule that was removed — or recorded elsewhere (another
    repository, Thanos ruler), which offline linting cannot know: hence info, not warning."""
    for vs, _ in selectors(ctx.expr):
        name = metric_name(vs)
        if name and name.count(":") >= 1 and not name.startswith(":") and name not in ctx.lint.recorded:
            yield f"{name} looks recorded, but no rule in the linted files records it", None, name


@check("deps/unknown-alertname", Severity.ERROR, "ALERTS selector for an alert that does not exist")
def unknown_alertname(ctx: RuleContext) -> Out:
    """`ALERTS{alertname="X"}` or `ALERTS_FOR_STATE{alertname="X"}` for an X no rule defines
    never returns anything."""
    for vs, _ in selectors(ctx.expr):
        if metric_name(vs) not in ("ALERTS", "ALERTS_FOR_STATE"):
            continue
        for m in vs.matchers:
            if m.name == "alertname" and m.op == "=" and m.value not in ctx.lint.alert_names:
                yield f"no alerting rule named {m.value}", None, str(m)


@check("deps/order-in-group", Severity.INFO, "rule reads a series recorded later in its group")
def order_in_group(ctx: RuleContext) -> Out:
    """Rules run in order; reading a series recorded by a later rule of the same group sees the
    previous evaluation's value (one interval late)."""
    later = {r.name for r in ctx.group.rules[ctx.rule.index + 1:] if not r.is_alert}
    for vs, _ in selectors(ctx.expr):
        name = metric_name(vs)
        if name in later:
            yield f"{name} is recorded later in this group: this rule sees it one evaluation late", None, name


@check("deps/cycle", Severity.ERROR, "recording rules that depend on each other in a cycle")
def cycle(ctx: RuleContext) -> Out:
    """Recording rules that read each other's output in a cycle (a reads b, b reads a): each
    evaluation builds on values another group or an earlier step left behind, so the result
    depends on evaluation order. A rule reading its own previous value directly
    (`last_over_time(x[30m])` in x's own expression) is a deliberate accumulator and is not
    reported."""
    if ctx.rule.is_alert:
        return
    reads = ctx.lint.recording_reads
    start = ctx.rule.name
    seen: set[str] = set()
    stack = [(n, [start, n]) for n in reads.get(start, ()) if n != start]
    while stack:
        name, path = stack.pop()
        if name == start:
            yield f"{' -> '.join(path)}: the rule depends on itself", ctx.rule.line, start
            return
        if name in seen:
            continue
        seen.add(name)
        stack.extend((n, [*path, n]) for n in reads.get(name, ()) if n != name)


@check("deps/cross-group", Severity.INFO, "recording rule reads a series recorded in another group")
def cross_group(ctx: RuleContext) -> Out:
    """Groups run independently, each at its own time: a rule reading a series another group
    records sees a value up to one interval old (or none after a restart). Put dependent rules
    in one group, in order."""
    if ctx.rule.is_alert:
        return
    own = {r.name for r in ctx.group.rules if not r.is_alert}
    for vs, _ in selectors(ctx.expr):
        name = metric_name(vs)
        if not name or name in own:
            continue
        if any(g is not ctx.group and g.file == ctx.group.file for g in ctx.lint.recording_groups.get(name, ())):
            yield f"{name} is recorded by another group of this file: read it from the same group", None, name


@check("deps/removed-still-used", Severity.ERROR, "rule reads a recording rule this change removes")
def removed_still_used(ctx: RuleContext) -> Out:
    """With `--changed --base REF`: a recording rule that existed at REF and is gone now, while a
    rule still reads its series — which stops updating once the change is deployed, so the
    reader silently gets nothing (alerts stop firing)."""
    base = ctx.lint.base_recordings
    if base is None:
        return
    for vs, _ in selectors(ctx.expr):
        name = metric_name(vs)
        if name and name in base and name not in ctx.lint.recorded:
            yield f"{name} is no longer recorded (it was at {base[name]}), but this rule still reads it", None, name


@check("deps/use-recording-rule", Severity.INFO, "expression recomputes an existing recording rule", default=False)
def use_recording_rule(ctx: RuleContext) -> Out:
    """Off by default (`enable = ["deps/use-recording-rule"]`). A sub-expression identical to a
    recording rule's expression recomputes what is already recorded; read the recorded series."""
    from ruletest.lint.flow import walk
    from ruletest.promql import ast as A

    recorded = ctx.lint.recorded_exprs
    for e in walk(ctx.expr):
        if isinstance(e, A.VectorSelector | A.MatrixSelector | A.NumberLiteral | A.StringLiteral | A.Paren):
            continue
        name = recorded.get(A.to_promql(e))
        if name is not None and name != ctx.rule.name:
            yield f"{A.to_promql(e)} is what {name} records; read {name} instead", None, A.to_promql(e)
            return
