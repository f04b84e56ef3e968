"""Checks on the rule file's YAML itself, for what the rule model no longer shows: extra YAML
documents, empty groups, empty label values (dropped on load)."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from ruletest.lint.model import Finding, Severity, register
from ruletest.yamlnodes import Source

register("yaml/duplicate-key", Severity.ERROR, "duplicate mapping key",
         "A key given twice in one mapping (two `expr:` in a rule): Prometheus rejects the file.")
register("yaml/multi-document", Severity.WARNING, "more than one YAML document in a rule file",
         "Prometheus reads only the first document of a rule file; later `---` documents are ignored "
         "(Kubernetes PrometheusRule manifests are exempt).")
register("group/name", Severity.ERROR, "group name repeated in a file",
         "Two groups with one name in a file: Prometheus rejects the file.")
register("group/empty", Severity.INFO, "group without rules", "A group with no rules does nothing; remove it.")
register("labels/empty-value", Severity.WARNING, "label with an empty value",
         "Prometheus drops labels whose value is empty: `team: \"\"` adds nothing, and a receiver "
         "routing on `team` never sees it.")


def _get(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found: yaml.Node = v
            return found
    return None


def source_checks(src: Source) -> Iterator[Finding]:
    if src.error is not None:
        return  # yaml/parse is reported by the loader
    docs = src.docs
    path = src.path
    crd = any(_get(d, "spec") is not None or _get(d, "kind") is not None for d in docs)
    if len(docs) > 1 and not crd:
        second = docs[1]
        yield Finding("yaml/multi-document", Severity.WARNING,
                      f"{len(docs)} YAML documents: Prometheus reads only the first", path,
                      second.start_mark.line + 1)
    for doc in docs if crd else docs[:1]:
        holder = _get(doc, "spec") if crd else doc
        groups = _get(holder, "groups") if holder is not None else None
        if not isinstance(groups, yaml.SequenceNode):
            continue
        for g in groups.value:
            if not isinstance(g, yaml.MappingNode):
                continue  # schema/invalid
            rules = _get(g, "rules")
            name = _get(g, "name")
            if rules is None or (isinstance(rules, yaml.SequenceNode) and not rules.value):
                label = name.value if isinstance(name, yaml.ScalarNode) else "?"
                yield Finding("group/empty", Severity.INFO, f"group {label} has no rules", path,
                              g.start_mark.line + 1)
            for mapping in [_get(g, "labels")] + ([_get(r, "labels") for r in rules.value]
                                                  if isinstance(rules, yaml.SequenceNode) else []):
                if not isinstance(mapping, yaml.MappingNode):
                    continue
                for k, v in mapping.value:
                    if isinstance(v, yaml.ScalarNode) and v.value == "" and v.tag.endswith(":str"):
                        yield Finding("labels/empty-value", Severity.WARNING,
                                      f"label {k.value} has an empty value: Prometheus drops it", path,
                                      k.start_mark.line + 1, fragment=str(k.value))
