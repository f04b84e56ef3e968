"""Checks on alert label and annotation templates."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check
from ruletest.semantics import Semantics

Out = Iterator[tuple[str, int | None, str]]
_LABEL_REF = re.compile(r"\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*)|"
                        r"index\s+\$labels\s+\"([^\"]+)\"")
_VALUE_REF = re.compile(r"\$value\b|\.Value\b")


_ACTION = re.compile(r"{{-?\s*(.*?)\s*-?}}", re.S)


def label_refs(text: str) -> Iterator[tuple[str, str]]:
    """(label, reference) for each alert label a template reads: `$labels.x`, `index $labels
    "x"`, and `.Labels.x` outside `range`/`with` blocks (which rebind the dot: in
    `{{ range query "..." }}{{ .Labels.x }}{{ end }}` x is a label of the query's result)."""
    blocks: list[bool] = []  # open blocks; True where the dot is rebound
    for action in _ACTION.finditer(text):
        body = action.group(1)
        for m in _LABEL_REF.finditer(body):
            if m.group(2) and any(blocks):
                continue
            label = m.group(1) or m.group(2) or m.group(3)
            if label:
                yield label, m.group(0)
        word = body.split(None, 1)[0] if body.split() else ""
        if word in ("range", "with"):
            blocks.append(True)
        elif word in ("if", "block", "define"):
            blocks.append(False)
        elif word == "end" and blocks:
            blocks.pop()


@check("template/missing-label", Severity.ERROR, "template uses a label the expression cannot return")
def missing_label(ctx: RuleContext) -> Out:
    """`{{ $labels.instance }}` renders empty when the alert's series has no `instance`, e.g.
    after `sum by (job)` or `sum without (instance)`. The label flow of the expression tells
    which labels can exist."""
    if not ctx.rule.is_alert:
        return
    rule_labels = dict(ctx.rule.labels)
    for where, mapping in (("annotation", ctx.rule.annotations), ("label", ctx.rule.labels)):
        for key, text in mapping:
            for label, ref in label_refs(text):
                if not ctx.flow.can_have(label) and label not in rule_labels:
                    yield (f"{where} {key} uses $labels.{label}, but the expression's result cannot have "
                           f"that label (it can have: {ctx.flow.describe()})"), ctx.rule.line, ref


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


def _template_nodes(text: str, rule_name: str, semantics: Semantics) -> list[object]:
    """Every node of the parsed template ``text`` (empty when it does not parse: template/syntax
    reports that)."""
    from ruletest.templates import TemplateError, parse_alert_text
    from ruletest.templates.parse import ActionNode, BranchNode, CommandNode, ListNode, PipeNode, TemplateNode

    try:
        tmpl = parse_alert_text(text, rule_name, semantics)
    except TemplateError:
        return []
    out: list[object] = []
    stack: list[object] = [tmpl.root, *tmpl.defines.values()]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, ListNode):
            stack.extend(n.nodes)
        elif isinstance(n, ActionNode):
            stack.append(n.pipe)
        elif isinstance(n, PipeNode):
            stack.extend(n.cmds)
        elif isinstance(n, CommandNode):
            stack.extend(n.args)
        elif isinstance(n, BranchNode):
            stack.extend([n.pipe, n.body] + ([n.else_list] if n.else_list else []))
        elif isinstance(n, TemplateNode) and n.pipe is not None:
            stack.append(n.pipe)
    return out


@check("template/humanize", Severity.INFO, "$value printed without formatting")
def humanize(ctx: RuleContext) -> Out:
    """`{{ $value }}` prints Go's full float: `1.234567e+06`, `0.30000000000000004`. Use
    `humanize`, `humanizePercentage`, `humanizeDuration` or `printf "%.2f"`."""
    if not ctx.rule.is_alert:
        return
    from ruletest.templates.parse import ActionNode, FieldNode, VariableNode

    for key, text in ctx.rule.annotations:
        if "{{" not in text:
            continue
        for n in _template_nodes(text, ctx.rule.name, ctx.semantics):
            if not (isinstance(n, ActionNode) and not n.pipe.decl and len(n.pipe.cmds) == 1
                    and len(n.pipe.cmds[0].args) == 1):
                continue
            arg = n.pipe.cmds[0].args[0]
            if (isinstance(arg, VariableNode) and arg.idents == ["$value"]) or (
                    isinstance(arg, FieldNode) and arg.idents == ["Value"]):
                yield f"annotation {key} prints the raw value; pipe it to humanize or printf", ctx.rule.line, str(n)
                break


@check("template/query", Severity.ERROR, "template query that is not valid PromQL")
def template_query(ctx: RuleContext) -> Out:
    """`{{ query "..." }}` runs its PromQL when the alert fires; a syntax error there only shows
    up as `<error expanding template: ...>` in the notification."""
    from ruletest.errors import RuletestError
    from ruletest.promql import ast as A
    from ruletest.templates.parse import CommandNode, IdentifierNode, PipeNode, StringNode

    for where, mapping in (("annotation", ctx.rule.annotations), ("label", ctx.rule.labels)):
        for key, text in mapping:
            if "query" not in text:
                continue
            for n in _template_nodes(text, ctx.rule.name, ctx.semantics):
                queries: list[str] = []
                if isinstance(n, CommandNode) and len(n.args) == 2 and isinstance(n.args[0], IdentifierNode) \
                        and n.args[0].name == "query" and isinstance(n.args[1], StringNode):
                    queries.append(n.args[1].value)
                if isinstance(n, PipeNode):
                    for prev, cmd in zip(n.cmds, n.cmds[1:], strict=False):
                        if len(cmd.args) == 1 and isinstance(cmd.args[0], IdentifierNode) and \
                                cmd.args[0].name == "query" and len(prev.args) == 1 and \
                                isinstance(prev.args[0], StringNode):
                            queries.append(prev.args[0].value)
                for q in queries:
                    if "{{" in q:
                        continue
                    try:
                        A.parse(q, ctx.lint.parse_options)
                    except RuletestError as exc:
                        yield f"{where} {key}: query {q!r} does not parse: {exc.message}", ctx.rule.line, q


@check("template/render", Severity.WARNING, "template that fails when rendered")
def render(ctx: RuleContext) -> Out:
    """Each label and annotation template is rendered with the labels the expression returns
    (set to "1") and a value of 1; an execution error (wrong argument type, missing key on a
    nil map, unknown field) would put `<error expanding template: ...>` in every notification.
    Templates that call `query` are skipped: their data is not known offline."""
    if not ctx.rule.is_alert:
        return
    from ruletest.templates import AlertTemplateData, TemplateError, expand_alert_text, parse_alert_text

    labels = {name: "1" for name in ctx.flow.guaranteed if name != "__name__"}
    labels.update(dict(ctx.rule.labels))
    data = AlertTemplateData(labels, dict(ctx.config.external_labels or {}), "http://prometheus.example", 1.0)
    for where, mapping in (("annotation", ctx.rule.annotations), ("label", ctx.rule.labels)):
        for key, text in mapping:
            if "{{" not in text or "query" in text:
                continue
            try:
                parse_alert_text(text, ctx.rule.name, ctx.semantics)
            except TemplateError:
                continue  # template/syntax
            out = expand_alert_text(text, ctx.rule.name, data, now_ms=0, semantics=ctx.semantics)
            if out.startswith("<error expanding template:"):
                yield f"{where} {key} fails to render: {out}", ctx.rule.line, text
