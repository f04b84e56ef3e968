"""Load Prometheus rule files (and Kubernetes ``PrometheusRule`` manifests) with the validation
``promtool`` applies (``model/rulefmt``): strict fields, rule kinds, durations, names, PromQL and
template syntax. Every error names file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node

from ruletest.durations import DurationError, parse_duration
from ruletest.errors import PromQLSyntaxError, RuletestError
from ruletest.promql.ast import parse
from ruletest.promql.values import labels_from
from ruletest.rules.model import Rule, RuleGroup
from ruletest.templates import TemplateError, parse_alert_text
from ruletest.yamlnodes import Decoder, YamlError, compose_all, line_of
from ruletest.yamlpos import scalar_position

GROUP_FIELDS = frozenset({"name", "interval", "query_offset", "limit", "rules", "labels"})
# Prometheus 2.42 (the 2.x we mirror) has neither group `labels` (3.0) nor `query_offset` (2.53).
GROUP_FIELDS_2 = GROUP_FIELDS - {"labels", "query_offset"}
RULE_FIELDS = frozenset({"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"})
_LEGACY_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_LEGACY_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


class RuleFileError(RuletestError):
    """A rule file that Prometheus would refuse to load (``problems`` lists each error)."""

    problems: list[RuleFileError]


@dataclass(frozen=True)
class LoadOptions:
    ignore_unknown_fields: bool = False
    prometheus: int = 3


def load_rule_file(path: str | Path, options: LoadOptions | None = None) -> list[RuleGroup]:
    """Parse one rule file; raises :class:`RuleFileError` listing every problem found."""
    opts = options or LoadOptions()
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"cannot read rule file: {exc.strerror or exc}", file=p) from None
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"rule file is not valid UTF-8: {exc}", file=p) from None
    return load_rule_text(text, p, opts)


def load_rule_text(text: str, path: str, options: LoadOptions | None = None) -> list[RuleGroup]:
    opts = options or LoadOptions()
    try:
        docs = compose_all(text, path)
    except YamlError as exc:
        raise RuleFileError(exc.message, file=path, line=exc.line) from None
    dec = Decoder(path, opts.ignore_unknown_fields)
    group_lists: list[Node] = []
    for i, doc in enumerate(docs):
        if _is_prometheus_rule(doc):
            spec = Decoder(path, True).mapping(doc, "PrometheusRule").get("spec")
            crd_groups = Decoder(path, True).mapping(spec[1], "spec").get("groups") if spec else None
            if crd_groups is not None:
                group_lists.append(crd_groups[1])
        elif i == 0:
            # A plain rule file: Prometheus reads only its first YAML document.
            top = dec.mapping(doc, "rulefmt.RuleGroups", frozenset({"groups"}))
            if "groups" in top:
                group_lists.append(top["groups"][1])
    problems: list[RuleFileError] = []
    groups: list[RuleGroup] = []
    seen: dict[str, int] = {}
    for groups_node in group_lists:
        for gnode in dec.sequence(groups_node, "groups"):
            group = _load_group(gnode, path, opts, problems, text)
            if group is None:
                continue
            if group.name in seen:
                problems.append(RuleFileError(
                    f'groupname: "{group.name}" is repeated in the same file (first at line {seen[group.name]})',
                    file=path, line=group.line))
                continue
            seen[group.name] = group.line
            groups.append(group)
    # The file's own structure errors (top level, `groups` not a list) come first.
    problems = [RuleFileError(e.message, file=path, line=e.line) for e in dec.errors] + problems
    if problems:
        raise _combine(problems)
    return groups


def _expr_location(text: str, node: Node | None, exc: PromQLSyntaxError) -> tuple[int, int] | None:
    """The file line and column of the character a PromQL error points at."""
    if node is None:
        return None
    offset = getattr(exc, "offset", None)
    if offset is None or not text:
        return line_of(node), node.start_mark.column + 1
    return scalar_position(text, node, offset)


def _is_prometheus_rule(doc: Node) -> bool:
    if not isinstance(doc, MappingNode):
        return False
    keys = {k.value for k, _ in doc.value}
    return "spec" in keys and ("kind" in keys or "apiVersion" in keys)


def _combine(problems: list[RuleFileError]) -> RuleFileError:
    if len(problems) == 1:
        err = problems[0]
    else:
        first = problems[0]
        err = RuleFileError("; ".join(f"line {p.line}: {p.message}" if p.line else p.message for p in problems),
                            file=first.file, line=first.line)
    err.problems = problems
    return err


def _duration(dec: Decoder, node: Node | None, what: str, problems: list[RuleFileError], path: str) -> int:
    if node is None:
        return 0
    text = dec.string(node, what)
    if text == "":
        return 0
    try:
        return parse_duration(text)
    except DurationError as exc:
        problems.append(RuleFileError(f"{what}: {exc.message}", file=path, line=line_of(node)))
        return 0


def _valid_label_name(name: str, prometheus: int) -> bool:
    if prometheus >= 3:
        return bool(name)
    return bool(_LEGACY_LABEL.match(name))


def _valid_metric_name(name: str, prometheus: int) -> bool:
    if prometheus >= 3:
        return bool(name)
    return bool(_LEGACY_METRIC.match(name))


def _load_group(gnode: Node, path: str, opts: LoadOptions, problems: list[RuleFileError],
                text: str = "") -> RuleGroup | None:
    dec = Decoder(path, opts.ignore_unknown_fields)
    fields = dec.mapping(gnode, "rulefmt.RuleGroup", GROUP_FIELDS if opts.prometheus >= 3 else GROUP_FIELDS_2)
    name = dec.string(fields["name"][1], "name") if "name" in fields else ""
    line = line_of(gnode)
    if not name:
        problems.append(RuleFileError("Groupname must not be empty", file=path, line=line))
    interval = _duration(dec, fields.get("interval", (None, None))[1], "interval", problems, path) \
        if "interval" in fields else None
    query_offset = _duration(dec, fields.get("query_offset", (None, None))[1], "query_offset", problems, path)
    limit = dec.int_(fields["limit"][1], "limit") if "limit" in fields else 0
    glabels = dec.string_map(fields["labels"][1], "labels") if "labels" in fields else {}
    rules: list[Rule] = []
    rule_nodes = dec.sequence(fields["rules"][1], "rules") if "rules" in fields else []
    for i, rnode in enumerate(rule_nodes):
        rule = _load_rule(rnode, i, name, glabels, path, opts, problems, text)
        if rule is not None:
            rules.append(rule)
    problems.extend(RuleFileError(e.message, file=path, line=e.line) for e in dec.errors)
    if not name:
        return None
    return RuleGroup(name, path, line, interval if interval else None, query_offset, limit,
                     labels_from(glabels), tuple(rules))


def _load_rule(rnode: Node, index: int, group: str, glabels: dict[str, str], path: str, opts: LoadOptions,
               problems: list[RuleFileError], text: str = "") -> Rule | None:
    dec = Decoder(path, opts.ignore_unknown_fields)
    fields = dec.mapping(rnode, "rulefmt.Rule", RULE_FIELDS)
    line = line_of(rnode)
    record = dec.string(fields["record"][1], "record") if "record" in fields else ""
    alert = dec.string(fields["alert"][1], "alert") if "alert" in fields else ""
    expr_node = fields.get("expr", (None, None))[1]
    expr = dec.string(expr_node, "expr") if expr_node is not None else ""
    name = record or alert
    before = len(problems)

    def bad(message: str, node: Node | None = None, at: tuple[int, int] | None = None) -> None:
        where = f'group "{group}", rule {index + 1}, "{name}": ' if name else f'group "{group}", rule {index + 1}: '
        problems.append(RuleFileError(where + message, file=path,
                                      line=at[0] if at else line_of(node) if node is not None else line,
                                      column=at[1] if at else None))

    if record and alert:
        bad("only one of 'record' and 'alert' must be set")
    elif not record and not alert:
        bad("one of 'record' or 'alert' must be set")
    if not expr.strip():
        bad("field 'expr' must be set in rule")
    else:
        try:
            parse(expr, opts.prometheus)
        except PromQLSyntaxError as exc:
            bad(f"could not parse expression: {exc.message}", expr_node, _expr_location(text, expr_node, exc))
    for_ms = _duration(dec, fields.get("for", (None, None))[1], "for", problems, path)
    kff_ms = _duration(dec, fields.get("keep_firing_for", (None, None))[1], "keep_firing_for", problems, path)
    labels = dec.string_map(fields["labels"][1], "labels") if "labels" in fields else {}
    annotations = dec.string_map(fields["annotations"][1], "annotations") if "annotations" in fields else {}
    if record:
        if "annotations" in fields:
            bad("invalid field 'annotations' in recording rule", fields["annotations"][0])
        if "for" in fields:
            bad("invalid field 'for' in recording rule", fields["for"][0])
        if "keep_firing_for" in fields:
            bad("invalid field 'keep_firing_for' in recording rule", fields["keep_firing_for"][0])
        if not _valid_metric_name(record, opts.prometheus):
            bad(f"invalid recording rule name: {record}", fields["record"][1])
    for k in labels:
        if not _valid_label_name(k, opts.prometheus) or k == "__name__":
            bad(f"invalid label name: {k}", fields["labels"][1])
    for k in annotations:
        if not _valid_label_name(k, opts.prometheus):
            bad(f"invalid annotation name: {k}", fields["annotations"][1])
    if alert:
        for what, mapping in (("label", labels), ("annotation", annotations)):
            for k, v in mapping.items():
                try:
                    parse_alert_text(v, alert, opts.prometheus)
                except TemplateError as exc:
                    bad(f'{what} "{k}": {exc.message}', fields["labels" if what == "label" else "annotations"][1])
    problems.extend(RuleFileError(e.message, file=path, line=e.line) for e in dec.errors)
    if len(problems) > before:
        return None
    merged = dict(glabels)
    merged.update(labels)
    return Rule("record" if record else "alert", name, expr, labels_from(merged),
                tuple(sorted(annotations.items())), for_ms, kff_ms, path, group, line,
                line_of(expr_node) if expr_node is not None else line, index)
