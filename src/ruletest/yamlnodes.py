"""YAML with line numbers and Go-yaml-like strict decoding.

Files are composed into PyYAML nodes (which carry marks) and read through small helpers, so
every value keeps its line and unknown fields are reported like Go's ``yaml.UnmarshalStrict``.
Scalars decode like ``gopkg.in/yaml``: a string field takes any scalar's source text
(``severity: 5`` is ``"5"``), a float field takes ints and floats but not ``NaN`` (only
``.nan``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ruletest.errors import RuletestError
from ruletest.records import record

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"


# libyaml composes several times faster than the pure-Python parser, with the same nodes and marks.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(RuletestError):
    """A YAML syntax or structure problem, located at file:line. ``message`` speaks YAML;
    ``promtool_message`` is Go's wording for the same problem (``field x not found in type y``)."""

    code = "schema/invalid"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, code: str | None = None, promtool_message: str | None = None,
                 key: str | None = None) -> None:
        super().__init__(message, file=file, line=line, column=column, code=code)
        self.promtool_message = promtool_message if promtool_message is not None else message
        self.key = key  # the offending mapping key, for unknown or duplicate fields


# Go type names (as promtool prints them) -> what a YAML author calls the thing.
TYPE_NAMES = {
    "main.unitTestFile": "the test file", "main.testGroup": "a test group", "main.series": "an input_series entry",
    "main.alertTestCase": "an alert_rule_test entry", "main.alert": "an exp_alerts entry",
    "main.promqlTestCase": "a promql_expr_test entry", "main.sample": "an exp_samples entry",
    "rulefmt.RuleGroups": "the rule file", "rulefmt.RuleGroup": "a rule group", "rulefmt.Rule": "a rule",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib  # only a misspelt key needs it

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


@record
class Source:
    """One YAML text composed once: whoever sniffs, checks or loads a file reads these nodes
    (read-only) instead of composing the text again."""

    path: str
    text: str
    docs: tuple[Node, ...]
    error: YamlError | None  # the text is not valid YAML

    def documents(self) -> list[Node]:
        """The documents; raises the YAML error (with file and line) if there is one."""
        if self.error is not None:
            raise self.error
        return list(self.docs)

    def top_keys(self) -> set[str]:
        """Keys of the first document when it is a mapping (empty otherwise, or on error)."""
        if not self.docs or not isinstance(self.docs[0], MappingNode):
            return set()
        return {k.value for k, _ in self.docs[0].value if isinstance(k, ScalarNode)}


def parse_source(text: str, path: str) -> Source:
    try:
        return Source(path, text, tuple(n for n in yaml.compose_all(text, Loader=_LOADER) if n is not None), None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        return Source(path, text, (), YamlError(f"invalid YAML: {exc.problem or str(exc)}", file=path, line=line,
                                                column=column, code="yaml/parse"))
    except yaml.YAMLError as exc:
        return Source(path, text, (), YamlError(f"invalid YAML: {exc}", file=path, code="yaml/parse"))


@dataclass
class Decoder:
    """Collects decoding errors for one file (like yaml.v2's 'unmarshal errors' list)."""

    path: str
    ignore_unknown_fields: bool = False
    errors: list[YamlError] = field(default_factory=list)

    def error(self, node: Node | None, message: str, *, code: str = "schema/invalid",
              promtool_message: str | None = None, key: str | None = None) -> None:
        line = line_of(node) if node is not None else None
        column = node.start_mark.column + 1 if node is not None else None
        self.errors.append(YamlError(message, file=self.path, line=line, column=column, code=code,
                                     promtool_message=promtool_message, key=key))

    # --- structure -------------------------------------------------------------------------

    def mapping(self, node: Node | None, what: str, allowed: frozenset[str] | None = None
                ) -> dict[str, tuple[Node, Node]]:
        """Mapping keys -> (key node, value node); unknown keys and duplicates are errors."""
        if node is None or is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            self.error(node, f"expected a mapping for {what}, got {kind(node)}")
            return {}
        out: dict[str, tuple[Node, Node]] = {}
        for k, v in _merged_pairs(node):
            if not isinstance(k, ScalarNode):
                self.error(k, f"{what}: mapping keys must be scalars")
                continue
            key = k.value
            if key in out:
                self.error(k, f"{what}: key {key!r} already set in map (line {line_of(out[key][0])})",
                           code="yaml/duplicate-key", key=key)
                continue
            if allowed is not None and key not in allowed and not self.ignore_unknown_fields:
                self.error(k, f"unknown key {key!r} in {TYPE_NAMES.get(what, what)}{did_you_mean(key, allowed)}",
                           code="schema/unknown-field", promtool_message=f"field {key} not found in type {what}",
                           key=key)
                continue
            out[key] = (k, v)
        return out

    def sequence(self, node: Node | None, what: str) -> list[Node]:
        if node is None or is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            self.error(node, f"expected a list for {what}, got {kind(node)}")
            return []
        return list(node.value)

    # --- scalars ---------------------------------------------------------------------------

    def string(self, node: Node | None, what: str) -> str:
        if node is None or is_null(node):
            return ""
        if not isinstance(node, ScalarNode):
            self.error(node, f"cannot unmarshal {kind(node)} into string for {what}")
            return ""
        return str(node.value)

    def float_(self, node: Node | None, what: str) -> float:
        if node is None or is_null(node):
            return 0.0
        if isinstance(node, ScalarNode):
            text = str(node.value)
            if node.tag in (_INT, _FLOAT):
                return _yaml_float(text)
            if node.tag == _STR and node.style is None and text[:1] in "0123456789+-.":
                try:
                    return float(text)
                except ValueError:
                    pass
        self.error(node, f"cannot unmarshal {_describe(node)} into float64 for {what}")
        return 0.0

    def int_(self, node: Node | None, what: str) -> int:
        if node is None or is_null(node):
            return 0
        if isinstance(node, ScalarNode) and node.tag == _INT:
            try:
                return int(str(node.value).replace("_", ""), 0)
            except ValueError:
                pass
        self.error(node, f"cannot unmarshal {_describe(node)} into int for {what}")
        return 0

    def bool_(self, node: Node | None, what: str) -> bool:
        if node is None or is_null(node):
            return False
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return str(node.value).lower() in ("true", "yes", "on", "y")
        self.error(node, f"cannot unmarshal {_describe(node)} into bool for {what}")
        return False

    def string_map(self, node: Node | None, what: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, (_, v) in self.mapping(node, what).items():
            out[key] = self.string(v, f"{what}.{key}")
        return out

    def string_list(self, node: Node | None, what: str) -> list[str]:
        return [self.string(n, what) for n in self.sequence(node, what)]


_MERGE = "tag:yaml.org,2002:merge"


def _merged_pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """Key/value pairs with YAML merge keys (``<<: *anchor``) expanded; own keys win."""
    own: list[tuple[Node, Node]] = []
    merged: list[tuple[Node, Node]] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.tag == _MERGE:
            sources = v.value if isinstance(v, SequenceNode) else [v]
            for src in sources:
                if isinstance(src, MappingNode):
                    merged.extend(_merged_pairs(src))
        else:
            own.append((k, v))
    if not merged:
        return own
    own_keys = {k.value for k, _ in own if isinstance(k, ScalarNode)}
    seen: set[str] = set()
    out = []
    for k, v in merged:
        key = k.value if isinstance(k, ScalarNode) else None
        if key in own_keys or key in seen:
            continue
        if key is not None:
            seen.add(key)
        out.append((k, v))
    return own + out


def _yaml_float(text: str) -> float:
    t = text.strip().lower().replace("_", "")
    if t in (".nan",):
        return math.nan
    if t in (".inf", "+.inf"):
        return math.inf
    if t == "-.inf":
        return -math.inf
    try:
        return float(t)
    except ValueError:
        return float(int(t, 0))


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL


def kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"scalar {node.value!r}"


def _describe(node: Node) -> str:
    if isinstance(node, ScalarNode):
        tag = str(node.tag).rsplit(":", 1)[-1]
        return f"!!{tag} `{node.value}`"
    return kind(node)


def walk_mappings(node: Node) -> Iterator[MappingNode]:
    if isinstance(node, MappingNode):
        yield node
        for _, v in node.value:
            yield from walk_mappings(v)
    elif isinstance(node, SequenceNode):
        for v in node.value:
            yield from walk_mappings(v)
