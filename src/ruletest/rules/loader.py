"""Load Prometheus rule files (and Kubernetes ``PrometheusRule`` manifests) with the validation
``promtool`` applies (``model/rulefmt``): strict fields, rule kinds, durations, names, PromQL and
template syntax. Every error names file and line."""

from __future__ import annotations

import re
from pathlib import Path

from yaml.nodes import MappingNode, Node

from ruletest.durations import DurationError, parse_duration
from ruletest.errors import PromQLSyntaxError, RuletestError
from ruletest.promql.ast import parse
from ruletest.promql.parse_options import ParseOptions
from ruletest.promql.values import labels_from
from ruletest.records import record
from ruletest.rules.model import Rule, RuleGroup
from ruletest.semantics import Semantics
from ruletest.yamlnodes import Decoder, Source, YamlError, line_of, parse_source
from ruletest.yamlpos import scalar_position

GROUP_FIELDS = frozenset({"name", "interval", "query_offset", "limit", "rules", "labels"})
# Prometheus 2.42 (the 2.x we mirror) has neither group `labels` (3.0) nor `query_offset` (2.53).
GROUP_FIELDS_2 = GROUP_FIELDS - {"labels", "query_offset"}
RULE_FIELDS = frozenset({"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"})
_LEGACY_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_LEGACY_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


class RuleFileError(RuletestError):
    """A rule file that Prometheus would refuse to load. ``problems`` lists each error (one
    :class:`RuleFileError` per problem, each with its code and position; a single problem lists
    itself); ``promtool_message`` is promtool's wording where it differs from ours."""

    code = "schema/invalid"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, code: str | None = None, promtool_message: str | None = None) -> None:
        super().__init__(message, file=file, line=line, column=column, code=code)
        self.promtool_message = promtool_message
        self.problems: list[RuleFileError] = [self]


@record
class LoadOptions:
    """How rule files are read: the semantics that validate them, and whether unknown fields are allowed."""

    semantics: Semantics
    ignore_unknown_fields: bool = False


def load_rule_file(path: str | Path, options: LoadOptions) -> list[RuleGroup]:
    """Parse one rule file; raises :class:`RuleFileError` listing every problem found."""
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"cannot read rule file: {exc.strerror or exc}", file=p, code="yaml/parse") from None
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"rule file is not valid UTF-8: {exc}", file=p, code="yaml/parse") from None
    return load_rule_text(text, p, options)


def _from_yaml(e: YamlError, path: str) -> RuleFileError:
    return RuleFileError(e.message, file=e.file or path, line=e.line, column=e.column, code=e.code,
                         promtool_message=e.promtool_message)


def load_rule_text(text: str, path: str, options: LoadOptions) -> list[RuleGroup]:
    return load_rule_source(parse_source(text, path), options)


def load_rule_source(src: Source, options: LoadOptions) -> list[RuleGroup]:
    """Load an already composed rule file (see :class:`ruletest.yamlnodes.Source`)."""
    opts = options
    path = src.path
    try:
        docs = src.documents()
    except YamlError as exc:
        raise _from_yaml(exc, path) from None
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
            group = _load_group(gnode, path, opts, problems, src.text)
            if group is None:
                continue
            if group.name in seen:
                problems.append(RuleFileError(
                    f'groupname: "{group.name}" is repeated in the same file (first at line {seen[group.name]})',
                    file=path, line=group.line, code="group/name"))
                continue
            seen[group.name] = group.line
            groups.append(group)
    # The file's own structure errors (top level, `groups` not a list) come first.
    problems = [_from_yaml(e, path) for e in dec.errors] + problems
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
                            file=first.file, line=first.line, code=first.code)
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
        problems.append(RuleFileError(f"{what}: {exc.message}", file=path, line=line_of(node),
                                      column=node.start_mark.column + 1))
        return 0


def _valid_label_name(name: str, utf8: bool) -> bool:
    if utf8:
        return bool(name)
    return bool(_LEGACY_LABEL.match(name))


def _valid_metric_name(name: str, utf8: bool) -> bool:
    if utf8:
        return bool(name)
    return bool(_LEGACY_METRIC.match(name))


def _load_group(gnode: Node, path: str, opts: LoadOptions, problems: list[RuleFileError],
                text: str = "") -> RuleGroup | None:
    dec = Decoder(path, opts.ignore_unknown_fields)
    sem = opts.semantics
    fields = dec.mapping(gnode, "rulefmt.RuleGroup", GROUP_FIELDS if sem.group_labels_and_query_offset else GROUP_FIELDS_2)
    name = dec.string(fields["name"][1], "name") if "name" in fields else ""
    line = line_of(gnode)
    if not name:
        problems.append(RuleFileError("Groupname must not be empty", file=path, line=line, code="group/name"))
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
    for e in dec.errors:
        err = _from_yaml(e, path)
        if e.code == "schema/unknown-field" and e.key in GROUP_FIELDS - GROUP_FIELDS_2:
            err.code = "compat/group-field"  # a Prometheus 3 field the target version does not know
        problems.append(err)
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
    sem = opts.semantics

    def bad(message: str, node: Node | None = None, at: tuple[int, int] | None = None,
            code: str = "schema/invalid") -> None:
        where = f'group "{group}", rule {index + 1}, "{name}": ' if name else f'group "{group}", rule {index + 1}: '
        column = at[1] if at else node.start_mark.column + 1 if node is not None else None
        problems.append(RuleFileError(where + message, file=path,
                                      line=at[0] if at else line_of(node) if node is not None else line,
                                      column=column, code=code))

    if record and alert:
        bad("only one of 'record' and 'alert' must be set")
    elif not record and not alert:
        bad("one of 'record' or 'alert' must be set")
    if not expr.strip():
        bad("field 'expr' must be set in rule")
    else:
        try:
            parse(expr, ParseOptions.for_semantics(opts.semantics))
        except PromQLSyntaxError as exc:
            bad(f"could not parse expression: {exc.message}", expr_node, _expr_location(text, expr_node, exc),
                code=exc.code)
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
        if not _valid_metric_name(record, sem.utf8_names):
            bad(f"invalid recording rule name: {record}", fields["record"][1])
    for k in labels:
        if not _valid_label_name(k, sem.utf8_names) or k == "__name__":
            bad(f"invalid label name: {k}", fields["labels"][1])
    for k in annotations:
        if not _valid_label_name(k, sem.utf8_names):
            bad(f"invalid annotation name: {k}", fields["annotations"][1])
    if alert:
        for what, mapping in (("label", labels), ("annotation", annotations)):
            for k, v in mapping.items():
                if "{{" not in v:
                    continue  # text alone: Prometheus' definitions before it always parse
                from ruletest.templates import TemplateError, parse_alert_text

                try:
                    parse_alert_text(v, alert, sem)
                except TemplateError as exc:
                    bad(f'{what} "{k}": {exc.message}', fields["labels" if what == "label" else "annotations"][1],
                        code="template/syntax")
    problems.extend(_from_yaml(e, path) for e in dec.errors)
    if len(problems) > before:
        return None
    merged = dict(glabels)
    merged.update(labels)
    return Rule("record" if record else "alert", name, expr, labels_from(merged),
                tuple(sorted(annotations.items())), for_ms, kff_ms, path, group, line,
                line_of(expr_node) if expr_node is not None else line, index)
