"""Team policy from ``[tool.ruletest.policy]`` (pint's and promruval's rule policies): name
patterns, allowed label and annotation values, `for` bounds, forbidden metrics. Every check is
silent until its setting is given."""

from __future__ import annotations

from collections.abc import Iterator

import re2

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import selectors
from ruletest.lint.model import Severity, check
from ruletest.promql.ast import format_duration, metric_name

Out = Iterator[tuple[str, int | None, str]]


def _full(pattern: str, value: str) -> bool:
    # Anchored like Prometheus' label matchers, with RE2 as everywhere else.
    return re2.fullmatch(pattern, value) is not None


@check("policy/name", Severity.WARNING, "rule name does not match the policy pattern")
def name(ctx: RuleContext) -> Out:
    """`alert_name` / `record_name` in `[tool.ruletest.policy]`: regexes (fully anchored) every
    alert or recording rule name must match, e.g. `alert_name = "[A-Z][A-Za-z0-9]*"`."""
    pattern = ctx.config.policy.alert_name if ctx.rule.is_alert else ctx.config.policy.record_name
    if pattern and not _full(pattern, ctx.rule.name):
        yield f"{ctx.rule.kind} name {ctx.rule.name} does not match {pattern!r}", ctx.rule.line, ctx.rule.name


@check("policy/label-value", Severity.WARNING, "alert label value not allowed by the policy")
def label_value(ctx: RuleContext) -> Out:
    """`label_values = {team = "backend|database"}`: each listed label, when an alert sets it,
    must match its regex (fully anchored); templated values are not checked."""
    if not ctx.rule.is_alert:
        return
    for key, value in ctx.rule.labels:
        pattern = ctx.config.policy.label_values.get(key)
        if pattern is not None and "{{" not in value and not _full(pattern, value):
            yield f"label {key}={value!r} does not match {pattern!r}", ctx.rule.line, value


@check("policy/annotation-value", Severity.WARNING, "annotation value not allowed by the policy")
def annotation_value(ctx: RuleContext) -> Out:
    """`annotation_values = {runbook_url = "https://runbooks\\\\.example\\\\.com/.*"}`: each listed
    annotation, when an alert sets it, must match its regex (fully anchored)."""
    if not ctx.rule.is_alert:
        return
    for key, value in ctx.rule.annotations:
        pattern = ctx.config.policy.annotation_values.get(key)
        if pattern is not None and not _full(pattern, value):
            yield f"annotation {key}={value!r} does not match {pattern!r}", ctx.rule.line, value


@check("policy/for-range", Severity.WARNING, "alert `for` outside the policy's bounds")
def for_range(ctx: RuleContext) -> Out:
    """`for_min` / `for_max`: alerts must wait at least (at most) this long before firing."""
    if not ctx.rule.is_alert:
        return
    p = ctx.config.policy
    if p.for_min_ms is not None and ctx.rule.for_ms < p.for_min_ms:
        yield f"for: {format_duration(ctx.rule.for_ms)} is below the policy minimum {format_duration(p.for_min_ms)}", \
            ctx.rule.line, "for"
    if p.for_max_ms is not None and ctx.rule.for_ms > p.for_max_ms:
        yield f"for: {format_duration(ctx.rule.for_ms)} is above the policy maximum {format_duration(p.for_max_ms)}", \
            ctx.rule.line, "for"


@check("policy/forbidden-metric", Severity.ERROR, "rule reads a metric the policy forbids")
def forbidden_metric(ctx: RuleContext) -> Out:
    """`forbidden_metrics = ["apiserver_request_duration_seconds_bucket"]`: regexes (fully
    anchored) of metric names rules must not read, e.g. series too expensive to query."""
    for vs, _ in selectors(ctx.expr):
        metric = metric_name(vs)
        if metric is None:
            continue
        for pattern in ctx.config.policy.forbidden_metrics:
            if _full(pattern, metric):
                yield f"{metric} is forbidden by the policy ({pattern!r})", None, metric
                break
