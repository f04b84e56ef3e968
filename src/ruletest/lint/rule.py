"""Checks across all linted rules: duplicates (promtool check rules parity)."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import NAME, Flow, flow
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.rules.model import Rule

Out = Iterator[tuple[str, int | None, str]]


def _same_definition(ctx: RuleContext) -> Iterator[Rule]:
    """Earlier rules of the same file with this rule's kind, name and static labels: what
    promtool check rules calls duplicates."""
    key = (ctx.rule.kind, ctx.rule.name, ctx.rule.labels)
    for g in ctx.lint.groups:
        if g.file != ctx.rule.file:
            continue
        for r in g.rules:
            if r is not ctx.rule and (r.kind, r.name, r.labels) == key and \
                    (r.file, r.line) < (ctx.rule.file, ctx.rule.line):
                yield r


def separating_label(a: Flow, b: Flow, static: frozenset[str]) -> str | None:
    """A label on which every output series of ``a`` differs from every output series of ``b``
    (so the two never write the same series), or None when they can overlap. ``static`` labels
    are set by both rules to the same value, so they separate nothing."""
    labels = {k for k, _ in a.values} | {k for k, _ in b.values} | a.guaranteed | b.guaranteed
    for label in sorted(labels - static - {NAME}):
        va, vb = a.known(label), b.known(label)
        if va is not None and vb is not None and not va & vb:
            return label
        if (va is not None and va <= b.cannot_be(label)) or (vb is not None and vb <= a.cannot_be(label)):
            return label
        # One side never has the label, the other always does.
        if (va == frozenset({""}) and label in b.guaranteed) or (vb == frozenset({""}) and label in a.guaranteed):
            return label
    return None


def shape(e: A.Expr) -> str:
    """``e`` with its label matchers (but the metric name) and numbers blanked: two rules with
    the same shape are one rule written twice, for other series or thresholds."""
    if isinstance(e, A.VectorSelector):
        return e.name or "{}"
    if isinstance(e, A.NumberLiteral):
        return "N"
    if isinstance(e, A.MatrixSelector):
        return f"{shape(e.selector)}[{e.range_ms}]"
    if isinstance(e, A.Paren):
        return shape(e.expr)
    parts = ",".join(shape(c) for c in A.children(e))
    head = e.func if isinstance(e, A.Call) else getattr(e, "op", type(e).__name__)
    if isinstance(e, A.Aggregate):
        head += f"{'without' if e.without else 'by'}({','.join(sorted(e.grouping))})"
    if isinstance(e, A.Binary) and e.matching is not None:
        m = e.matching
        head += f"{m.card}{'on' if m.on else 'ignoring'}({','.join(sorted(m.labels))})"
    return f"{head}({parts})"


def _overlap(ctx: RuleContext, other: Rule) -> tuple[bool, str | None]:
    """Whether ``other`` can write the series this rule writes: (same shape or certain to
    collide, the label that keeps them apart if any)."""
    expr = ctx.lint.parsed(other.expr)
    if expr is None:
        return False, None
    theirs = flow(expr)
    mine = ctx.flow
    # Two recording rules whose results have no labels at all write one series, whatever they read.
    labelless = not ctx.rule.is_alert and all(
        f.possible is not None and not f.possible - {NAME} for f in (mine, theirs))
    alike = labelless or shape(ctx.expr) == shape(expr)
    return alike, separating_label(mine, theirs, frozenset(k for k, _ in ctx.rule.labels))


@check("rule/duplicate", Severity.ERROR, "the same rule written twice for overlapping series")
def duplicate(ctx: RuleContext) -> Out:
    """Two rules with the same name and labels and the same expression shape (the same rule
    copied, with other selectors or thresholds), whose results can share a label set: two
    recording rules then write the same series and overwrite each other, two alerts raise the
    same alert twice. Label-less recording rules of one name always collide, whatever their
    expressions. Not reported: rules kept apart by a label their expressions pin to different
    values (`job="a"` vs `job="b"`, `handler="x"` vs `handler!="x"`, a constant
    `label_replace`), and one alert or series defined by several different expressions (an
    alert with several conditions, a series recorded from several metrics), which promtool
    check rules reports since it compares only names and labels (`rule/promtool-duplicate`).
    Only rules of one file are compared: across files the same rule is often deployed to
    different Prometheus servers."""
    for r in _same_definition(ctx):
        alike, apart = _overlap(ctx, r)
        if alike and apart is None:
            yield f"{ctx.rule.kind} {ctx.rule.name} duplicates the rule at {r.file}:{r.line}: both can " \
                  "write the same series", ctx.rule.line, ctx.rule.name
            return


@check("rule/promtool-duplicate", Severity.WARNING, "same name and static labels, as promtool reports",
       default=False)
def promtool_duplicate(ctx: RuleContext) -> Out:
    """Off by default (`enable = ["rule/promtool-duplicate"]`), for parity with `promtool check
    rules`, which warns about two rules of a file with the same name and static labels whatever
    their expressions. Reports the pairs `rule/duplicate` leaves out (different expressions, or
    results that can never overlap); all of them when `rule/duplicate` is disabled."""
    for r in _same_definition(ctx):
        alike, label = _overlap(ctx, r)
        if label is not None or not alike or not ctx.config.runs("rule/duplicate", True):
            apart = f" (their {label} labels differ, so they write different series)" if label else ""
            yield f"{ctx.rule.kind} {ctx.rule.name} has the name and labels of the rule at {r.file}:{r.line}" \
                  f"{apart}", ctx.rule.line, ctx.rule.name
            return


@check("rule/duplicate-identical", Severity.WARNING, "the same rule defined twice")
def duplicate_identical(ctx: RuleContext) -> Out:
    """The same rule (kind, name, labels and expression) in two files of one directory, which a
    server usually loads together (`rule_files: [rules/*.yml]`): the copies double the work and
    the notifications. Copies in different directories are taken to be deployed to different
    servers and are not reported."""
    from pathlib import Path

    key = (ctx.rule.kind, ctx.rule.name, ctx.rule.labels, ctx.rule.expr.strip())
    here = Path(ctx.rule.file).parent
    for r in ctx.lint.rules_by_identity.get(key, []):
        if r is ctx.rule or r.file == ctx.rule.file or Path(r.file).parent != here:
            continue  # same file: rule/duplicate reports it
        if (r.file, r.line) < (ctx.rule.file, ctx.rule.line):
            yield f"{ctx.rule.kind} {ctx.rule.name} is identical to the rule at {r.file}:{r.line}", \
                ctx.rule.line, ctx.rule.name
            return
