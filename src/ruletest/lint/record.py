"""Checks on recording rules."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check

Out = Iterator[tuple[str, int | None, str]]


@check("record/name-convention", Severity.INFO, "recording rule name not level:metric:operations")
def name_convention(ctx: RuleContext) -> Out:
    """Prometheus' naming convention `level:metric:operations` tells readers and linters that a
    series is recorded (and which aggregation level it has)."""
    if not ctx.rule.is_alert and ctx.rule.name.count(":") < 2:
        yield f"recording rule {ctx.rule.name} does not follow level:metric:operations", ctx.rule.line, \
            ctx.rule.name


@check("record/templated-label", Severity.WARNING, "template in a recording rule label")
def templated_label(ctx: RuleContext) -> Out:
    """Recording rule labels are not templated: `{{ $labels.x }}` is stored literally."""
    if ctx.rule.is_alert:
        return
    for key, text in ctx.rule.labels:
        if "{{" in text:
            yield f"label {key} of a recording rule is stored literally: {text!r}", ctx.rule.line, text
