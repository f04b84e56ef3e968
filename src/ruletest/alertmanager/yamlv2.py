"""Decoding YAML into Alertmanager's Go types the way ``gopkg.in/yaml.v2``'s ``UnmarshalStrict``
does: unknown fields and type mismatches are collected with their lines (``yaml: unmarshal
errors:``), string fields take any scalar's text, a type's ``UnmarshalYAML`` checks run only when
its own fields decoded cleanly and stop the load when they fail (:class:`Abort`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ruletest.alertmanager.gotime import TimeError, parse_go_duration, parse_model_duration
from ruletest.alertmanager.matchers import ParserMode
from ruletest.alertmanager.version import Version
from ruletest.gocompat import go_quote
from ruletest.records import record


@record
class Problem:
    line: int | None
    message: str


class Abort(Exception):
    """A check inside an ``UnmarshalYAML`` failed: the load stops here."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# --- parsing (yaml.v2's Unmarshal: the first document only, its error messages) ------------


class YamlSyntaxError(Exception):
    """Text yaml.v2 cannot parse. ``amtool`` is yaml.v2's message (what amtool prints),
    ``line`` the 1-based line of the problem, ``problem`` the parser's description."""

    def __init__(self, amtool: str, line: int | None, problem: str) -> None:
        super().__init__(amtool)
        self.amtool = amtool
        self.line = line
        self.problem = problem


class _DuplicateAnchorLoader(yaml.SafeLoader):
    """yaml.v2 lets an anchor be defined again (later aliases refer to the last one)."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if not self.check_event(AliasEvent):
            anchor = getattr(self.peek_event(), "anchor", None)  # type: ignore[no-untyped-call]
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


_ALIAS = re.compile(r"\*([^\s,\[\]{}]+)")


def first_document(text: str) -> Node | None:
    """The first YAML document (yaml.v2's Unmarshal does not read further); None when there is
    none. Raises :class:`YamlSyntaxError` with yaml.v2's message."""
    fast: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for attempt in (fast, _DuplicateAnchorLoader):
        loader = attempt(text)
        try:
            node: Node | None = loader.get_node() if loader.check_node() else None
            return node
        except yaml.composer.ComposerError as exc:
            if attempt is fast:
                continue  # perhaps an anchor defined twice, which yaml.v2 accepts: compose again
            raise _syntax_error(exc, text) from None
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(exc, text) from None
        except yaml.reader.ReaderError as exc:
            raise YamlSyntaxError(f"yaml: {exc.reason}", None, str(exc.reason)) from None
        finally:
            loader.dispose()
    return None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    problem = exc.problem or str(exc)
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    alias = _ALIAS.match(text, mark.index) if mark is not None else None
    if isinstance(exc, yaml.composer.ComposerError) and alias:
        # An alias whose anchor is not defined: yaml.v2 resolves aliases when decoding, with
        # its own message and no line.
        return YamlSyntaxError(f"yaml: unknown anchor '{alias.group(1)}' referenced", line, problem)
    # yaml.v2's parser.fail(): the problem mark's 0-based line, plus one for scanner errors only;
    # on the first line, the context mark's 0-based line; no line when that is 0 too.
    v2_line = 0
    if exc.problem_mark is not None and exc.problem_mark.line != 0:
        v2_line = exc.problem_mark.line + (1 if isinstance(exc, yaml.scanner.ScannerError) else 0)
    elif exc.context_mark is not None:
        v2_line = exc.context_mark.line
    return YamlSyntaxError(f"yaml: line {v2_line}: {problem}" if v2_line else f"yaml: {problem}", line, problem)


# --- YAML helpers (yaml.v2 decoding rules) ------------------------------------------------


def node_line(node: Node) -> int:
    return node.start_mark.line + 1


def short_tag(node: Node) -> str:
    tag = str(node.tag or "")
    if tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:"):]
    return tag


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null")


def pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """Mapping pairs with merge keys (``<<: *anchor``) expanded; own keys win."""
    own: list[tuple[Node, Node]] = []
    merged: list[tuple[Node, Node]] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.tag == "tag:yaml.org,2002:merge":
            for src in (v.value if isinstance(v, SequenceNode) else [v]):
                if isinstance(src, MappingNode):
                    merged.extend(pairs(src))
        else:
            own.append((k, v))
    keys = {k.value for k, _ in own if isinstance(k, ScalarNode)}
    return own + [(k, v) for k, v in merged if not (isinstance(k, ScalarNode) and k.value in keys)]


# A field decoder: (decoder, node) -> value. `None` is "absent" (yaml null).
FieldFn = Callable[["Decoder", Node], Any]


@record
class Schema:
    go_type: str  # as yaml.v2 names it in "not found in type" (config.plain for types with UnmarshalYAML)
    fields: Mapping[str, FieldFn]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # Checks of the type's UnmarshalYAML: (decoder, decoded dict, node) -> None, raising Abort.
    check: Callable[[Decoder, dict[str, Any], Node], None] | None = None
    since: Mapping[str, int] = field(default_factory=dict)  # field -> first 0.x release that knows it
    # Integrations gained many fields after 0.25; when emulating a later release their unknown
    # keys are accepted rather than refused on incomplete knowledge.
    lenient_after_25: bool = False


class Decoder:
    def __init__(self, version: Version, mode: ParserMode) -> None:
        self.version = version
        self.mode = mode
        self.terrors: list[Problem] = []
        self.warnings: list[Problem] = []

    def terror(self, node: Node, into: str) -> None:
        value = ""
        if isinstance(node, ScalarNode):
            raw = str(node.value)
            raw_b = raw.encode()
            value = " `" + (raw_b[:7].decode("utf-8", "replace") + "..." if len(raw_b) > 10 else raw) + "`"
        self.terrors.append(Problem(node_line(node), f"cannot unmarshal {short_tag(node)}{value} into {into}"))

    def struct(self, node: Node, schema: Schema) -> dict[str, Any] | None:
        if is_null(node):
            return None
        if not isinstance(node, MappingNode):
            self.terror(node, schema.go_type)
            return None
        before = len(self.terrors)
        out: dict[str, Any] = dict(schema.defaults)
        out["_line"] = node_line(node)
        seen: set[str] = set()
        for k, v in pairs(node):
            key = str(k.value) if isinstance(k, ScalarNode) else ""
            fn = schema.fields.get(key)
            if fn is not None and key in schema.since and not self.version.at_least(schema.since[key]):
                fn = None
            if fn is None and schema.lenient_after_25 and self.version.at_least(26):
                continue
            if fn is None:
                self.terrors.append(Problem(node_line(k), f"field {key} not found in type {schema.go_type}"))
                continue
            if key in seen:
                self.terrors.append(Problem(node_line(k), f"field {key} already set in type {schema.go_type}"))
                continue
            seen.add(key)
            value = fn(self, v)
            if value is not None or key not in out:
                out[key] = value
            out["_line_" + key] = node_line(v)
        out["_given"] = seen
        if schema.check is not None and len(self.terrors) == before:
            schema.check(self, out, node)
        return out


# --- field decoders -------------------------------------------------------------------------


def dec_str(d: Decoder, n: Node) -> str | None:
    if is_null(n):
        return None
    if isinstance(n, ScalarNode):
        return str(n.value)
    d.terror(n, "string")
    return None


def dec_bool(d: Decoder, n: Node) -> bool | None:
    if is_null(n):
        return None
    if isinstance(n, ScalarNode) and n.tag == "tag:yaml.org,2002:bool":
        return str(n.value).lower() in ("true", "yes", "on", "y")
    d.terror(n, "bool")
    return None


def dec_int(go: str, unsigned: bool = False) -> FieldFn:
    def dec(d: Decoder, n: Node) -> int | None:
        if is_null(n):
            return None
        if isinstance(n, ScalarNode) and n.tag == "tag:yaml.org,2002:int":
            try:
                v = int(str(n.value).replace("_", ""), 0)
            except ValueError:
                v = None
            if v is not None and not (unsigned and v < 0):
                return v
        d.terror(n, go)
        return None
    return dec


def dec_str_list(d: Decoder, n: Node) -> list[str] | None:
    if is_null(n):
        return None
    if not isinstance(n, SequenceNode):
        d.terror(n, "[]string")
        return None
    out = []
    for item in n.value:
        s = dec_str(d, item)
        out.append(s or "")
    return out


def dec_str_map(d: Decoder, n: Node) -> dict[str, str] | None:
    if is_null(n):
        return None
    if not isinstance(n, MappingNode):
        d.terror(n, "map[string]string")
        return None
    out: dict[str, str] = {}
    for k, v in pairs(n):
        key = str(k.value) if isinstance(k, ScalarNode) else ""
        if not isinstance(k, ScalarNode):
            d.terror(k, "string")
            continue
        if key in out:
            d.terrors.append(Problem(node_line(k), f"key {go_quote(key)} already set in map"))
            continue
        out[key] = dec_str(d, v) or ""
    return out


def scalar_text(d: Decoder, n: Node) -> str | None:
    """A value whose UnmarshalYAML reads a string first (durations, URLs, ...)."""
    if is_null(n):
        return None
    if isinstance(n, ScalarNode):
        return str(n.value)
    d.terror(n, "string")
    return None


def dec_duration(d: Decoder, n: Node) -> int | None:
    text = scalar_text(d, n)
    if text is None:
        return None
    try:
        return parse_model_duration(text)
    except TimeError as exc:
        raise Abort(node_line(n), exc.message) from None


def dec_go_duration(d: Decoder, n: Node) -> int | None:
    text = scalar_text(d, n)
    if text is None:
        return None
    try:
        return parse_go_duration(text)
    except TimeError as exc:
        raise Abort(node_line(n), exc.message) from None


def checkdec_url(text: str) -> str | None:
    """``parseURL``: the error message, or None."""
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        return f"parse {go_quote(text)}: {exc}"
    if " " in parts.netloc or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        bad = next(c for c in text if c == " " or ord(c) < 0x20 or c == "\x7f")
        if bad == " ":
            return f"parse {go_quote(text)}: invalid character \" \" in host name"
        return f"parse {go_quote(text)}: net/url: invalid control character in URL"
    if parts.scheme not in ("http", "https"):
        return f"unsupported scheme {go_quote(parts.scheme)} for URL"
    if not parts.netloc:
        return "missing host for URL"
    return None


def dec_url(secret: bool) -> FieldFn:
    def dec(d: Decoder, n: Node) -> str | None:
        text = scalar_text(d, n)
        if text is None:
            return None
        if secret and text == "<secret>":
            return text
        err = checkdec_url(text)
        if err is not None:
            raise Abort(node_line(n), err)
        return text
    return dec


def dec_hostport(d: Decoder, n: Node) -> str | None:
    text = scalar_text(d, n)
    if not text:
        return text
    err = split_host_port(text)
    if err is not None:
        raise Abort(node_line(n), err)
    return text


def split_host_port(s: str) -> str | None:
    """``net.SplitHostPort`` errors (and the empty-port check)."""
    def addr_err(why: str) -> str:
        return f"address {s}: {why}"

    if s.startswith("["):
        end = s.find("]")
        if end < 0:
            return addr_err("missing ']' in address")
        rest = s[end + 1:]
        if not rest:
            return addr_err("missing port in address")
        if not rest.startswith(":"):
            return addr_err("missing port in address") if rest else None
        port = rest[1:]
        if ":" in port:
            return addr_err("too many colons in address")
    else:
        i = s.rfind(":")
        if i < 0:
            return addr_err("missing port in address")
        if ":" in s[:i]:
            return addr_err("too many colons in address")
        port = s[i + 1:]
    if port == "":
        return f"address {go_quote(s)}: port cannot be empty"
    return None


def dec_struct(schema_ref: Callable[[], Schema]) -> FieldFn:
    def dec(d: Decoder, n: Node) -> Any:
        return d.struct(n, schema_ref())
    return dec


def dec_struct_list(schema_ref: Callable[[], Schema], go: str) -> FieldFn:
    def dec(d: Decoder, n: Node) -> list[Any] | None:
        if is_null(n):
            return None
        if not isinstance(n, SequenceNode):
            d.terror(n, go)
            return None
        return [d.struct(item, schema_ref()) for item in n.value]
    return dec

def dec_any(d: Decoder, n: Node) -> Any:
    """A field of a later release that ruletest accepts without interpreting it."""
    return None if is_null(n) else True
