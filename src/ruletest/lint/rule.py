"""Checks across all linted rules: duplicates (promtool check rules parity)."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check

Out = Iterator[tuple[str, int | None, str]]


@check("rule/duplicate", Severity.ERROR, "two rules with the same name and labels")
def duplicate(ctx: RuleContext) -> Out:
    """Two recording rules writing the same series (same name and labels), or two alerts with
    the same name and labels, in one file overwrite each other (promtool check rules reports
    them too). Across files the same rule is often deployed to different Prometheus servers,
    so only one file is compared."""
    key = (ctx.rule.kind, ctx.rule.name, ctx.rule.labels)
    for g in ctx.lint.groups:
        if g.file != ctx.rule.file:
            continue
        for r in g.rules:
            if r is ctx.rule or (r.kind, r.name, r.labels) != key:
                continue
            if (r.file, r.line) < (ctx.rule.file, ctx.rule.line):
                yield f"{ctx.rule.kind} {ctx.rule.name} duplicates the rule at {r.file}:{r.line}", \
                    ctx.rule.line, ctx.rule.name
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
