"""Checks on alert label and annotation templates."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check

Out = Iterator[tuple[str, int | None, str]]
_LABEL_REF = re.compile(r"\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*)|"
                        r"index\s+\$labels\s+\"([^\"]+)\"")
_VALUE_REF = re.compile(r"\$value\b|\.Value\b")


@check("template/missing-label", Severity.ERROR, "template uses a label the expression cannot return")
def missing_label(ctx: RuleContext) -> Out:
    """`{{ $labels.instance }}` renders empty when the alert's series has no `instance`, e.g.
    after `sum by (job)`. The label flow of the expression tells which labels can exist."""
    if not ctx.rule.is_alert or ctx.flow.possible is None:
        return
    rule_labels = dict(ctx.rule.labels)
    for where, mapping in (("annotation", ctx.rule.annotations), ("label", ctx.rule.labels)):
        for key, text in mapping:
            for m in _LABEL_REF.finditer(text):
                label = m.group(1) or m.group(2) or m.group(3)
                if label and label not in ctx.flow.possible and label not in rule_labels:
                    yield (f"{where} {key} uses $labels.{label}, but the expression's result cannot have "
                           f"that label (it can have: {', '.join(sorted(ctx.flow.possible)) or 'none'})"), \
                        ctx.rule.line, m.group(0)


@check("template/value-in-label", Severity.ERROR, "$value in an alert label")
def value_in_label(ctx: RuleContext) -> Out:
    """Alert labels identify the alert; a label that changes with the value makes a new alert at
    every evaluation, so `for` never completes and notifications flap. Use annotations."""
    if not ctx.rule.is_alert:
        return
    for key, text in ctx.rule.labels:
        if _VALUE_REF.search(text):
            yield f"label {key} uses $value: the alert's identity changes with its value", ctx.rule.line, text


_EXT_REF = re.compile(r"\$externalLabels\.([A-Za-z_][A-Za-z0-9_]*)|\.ExternalLabels\.([A-Za-z_][A-Za-z0-9_]*)")


@check("template/external-label", Severity.WARNING, "template uses an external label that is not declared")
def external_label(ctx: RuleContext) -> Out:
    """With `external_labels` declared in the configuration, `{{ $externalLabels.x }}` for an
    undeclared x renders empty."""
    declared = ctx.config.external_labels
    if declared is None or not ctx.rule.is_alert:
        return
    for where, mapping in (("annotation", ctx.rule.annotations), ("label", ctx.rule.labels)):
        for key, text in mapping:
            for m in _EXT_REF.finditer(text):
                name = m.group(1) or m.group(2)
                if name not in declared:
                    yield f"{where} {key} uses $externalLabels.{name}, which is not declared", ctx.rule.line, m.group(0)
