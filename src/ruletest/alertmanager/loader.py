"""Strict loading of ``alertmanager.yml`` (``config.Load``/``LoadFile``), with line numbers.

The file is decoded the way ``gopkg.in/yaml.v2``'s ``UnmarshalStrict`` decodes it into
Alertmanager's types: unknown fields and type mismatches are collected (``yaml: unmarshal
errors:``), a failed check inside a type's ``UnmarshalYAML`` stops the load at once, and the
checks of the whole file (receivers, root route, undefined names) run last. Messages are
Alertmanager's own text, so ``ruletest alertmanager check`` prints what ``amtool check-config``
prints; every error also carries the line it is about.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ruletest.alertmanager.config import (
    Config,
    GlobalConfig,
    InhibitRule,
    Integration,
    NamedInterval,
    Receiver,
    RouteConfig,
)
from ruletest.alertmanager.goregex import RegexError, compile_anchored
from ruletest.alertmanager.gotime import TimeError, parse_go_duration, parse_model_duration
from ruletest.alertmanager.matchers import Matcher, MatcherError, Matchers, ParserMode, default_mode, parse_matchers
from ruletest.alertmanager.timeinterval import (
    IntervalError,
    TimeInterval,
    check_location,
    parse_day_of_month_range,
    parse_month_range,
    parse_time_range,
    parse_weekday_range,
    parse_year_range,
)
from ruletest.alertmanager.version import DEFAULT, Version
from ruletest.errors import RuletestError
from ruletest.goquote import go_quote
from ruletest.yamlnodes import YamlError, compose

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str


class ConfigError(RuletestError):
    """A configuration Alertmanager refuses. ``amtool`` is the text ``amtool check-config``
    prints after ``FAILED:``; ``problems`` locate each part of it."""

    def __init__(self, amtool: str, problems: Sequence[Problem], *, file: str | None = None) -> None:
        first = problems[0] if problems else Problem(None, amtool)
        message = "; ".join(p.message for p in problems) if len(problems) > 1 else first.message
        super().__init__(message, file=file, line=first.line)
        self.amtool = amtool
        self.problems = tuple(problems)

    def located(self) -> list[str]:
        """One ``file:line: message`` line per problem."""
        where = self.file or ""
        return [f"{where}:{p.line}: {p.message}" if p.line else f"{where}: {p.message}" for p in self.problems]


class _Abort(Exception):
    """A check inside an ``UnmarshalYAML`` failed: the load stops here."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class LoadOptions:
    version: Version = DEFAULT
    matcher_mode: ParserMode | None = None  # default: the version's (classic for 0.25)
    # Absolute template globs as deployed (e.g. /etc/alertmanager/template/*.tmpl) -> a local
    # directory or glob, so a config written for the server finds its templates in the repository.
    template_paths: Mapping[str, str] = field(default_factory=dict)


# --- YAML helpers (yaml.v2 decoding rules) ------------------------------------------------


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _short_tag(node: Node) -> str:
    tag = str(node.tag or "")
    if tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:"):]
    return tag


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null")


def _pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """Mapping pairs with merge keys (``<<: *anchor``) expanded; own keys win."""
    own: list[tuple[Node, Node]] = []
    merged: list[tuple[Node, Node]] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.tag == "tag:yaml.org,2002:merge":
            for src in (v.value if isinstance(v, SequenceNode) else [v]):
                if isinstance(src, MappingNode):
                    merged.extend(_pairs(src))
        else:
            own.append((k, v))
    keys = {k.value for k, _ in own if isinstance(k, ScalarNode)}
    return own + [(k, v) for k, v in merged if not (isinstance(k, ScalarNode) and k.value in keys)]


# A field decoder: (decoder, node) -> value. `None` is "absent" (yaml null).
FieldFn = Callable[["_Decoder", Node], Any]


@dataclass(frozen=True)
class Schema:
    go_type: str  # as yaml.v2 names it in "not found in type" (config.plain for types with UnmarshalYAML)
    fields: Mapping[str, FieldFn]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # Checks of the type's UnmarshalYAML: (decoder, decoded dict, node) -> None, raising _Abort.
    check: Callable[[_Decoder, dict[str, Any], Node], None] | None = None
    since: Mapping[str, int] = field(default_factory=dict)  # field -> first 0.x release that knows it
    # Integrations gained many fields after 0.25; when emulating a later release their unknown
    # keys are accepted rather than refused on incomplete knowledge.
    lenient_after_25: bool = False


class _Decoder:
    def __init__(self, opts: LoadOptions) -> None:
        self.opts = opts
        self.version = opts.version
        self.mode: ParserMode = opts.matcher_mode or default_mode(opts.version)
        self.terrors: list[Problem] = []
        self.warnings: list[Problem] = []

    def terror(self, node: Node, into: str) -> None:
        value = ""
        if isinstance(node, ScalarNode):
            raw = str(node.value)
            raw_b = raw.encode()
            value = " `" + (raw_b[:7].decode("utf-8", "replace") + "..." if len(raw_b) > 10 else raw) + "`"
        self.terrors.append(Problem(_line(node), f"cannot unmarshal {_short_tag(node)}{value} into {into}"))

    def struct(self, node: Node, schema: Schema) -> dict[str, Any] | None:
        if _is_null(node):
            return None
        if not isinstance(node, MappingNode):
            self.terror(node, schema.go_type)
            return None
        before = len(self.terrors)
        out: dict[str, Any] = dict(schema.defaults)
        out["_line"] = _line(node)
        seen: set[str] = set()
        for k, v in _pairs(node):
            key = str(k.value) if isinstance(k, ScalarNode) else ""
            fn = schema.fields.get(key)
            if fn is not None and key in schema.since and not self.version.at_least(schema.since[key]):
                fn = None
            if fn is None and schema.lenient_after_25 and self.version.at_least(26):
                continue
            if fn is None:
                self.terrors.append(Problem(_line(k), f"field {key} not found in type {schema.go_type}"))
                continue
            if key in seen:
                self.terrors.append(Problem(_line(k), f"field {key} already set in type {schema.go_type}"))
                continue
            seen.add(key)
            value = fn(self, v)
            if value is not None or key not in out:
                out[key] = value
            out["_line_" + key] = _line(v)
        out["_given"] = seen
        if schema.check is not None and len(self.terrors) == before:
            schema.check(self, out, node)
        return out


# --- field decoders -------------------------------------------------------------------------


def _str(d: _Decoder, n: Node) -> str | None:
    if _is_null(n):
        return None
    if isinstance(n, ScalarNode):
        return str(n.value)
    d.terror(n, "string")
    return None


def _bool(d: _Decoder, n: Node) -> bool | None:
    if _is_null(n):
        return None
    if isinstance(n, ScalarNode) and n.tag == "tag:yaml.org,2002:bool":
        return str(n.value).lower() in ("true", "yes", "on", "y")
    d.terror(n, "bool")
    return None


def _int(go: str, unsigned: bool = False) -> FieldFn:
    def dec(d: _Decoder, n: Node) -> int | None:
        if _is_null(n):
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


def _str_list(d: _Decoder, n: Node) -> list[str] | None:
    if _is_null(n):
        return None
    if not isinstance(n, SequenceNode):
        d.terror(n, "[]string")
        return None
    out = []
    for item in n.value:
        s = _str(d, item)
        out.append(s or "")
    return out


def _str_map(d: _Decoder, n: Node) -> dict[str, str] | None:
    if _is_null(n):
        return None
    if not isinstance(n, MappingNode):
        d.terror(n, "map[string]string")
        return None
    out: dict[str, str] = {}
    for k, v in _pairs(n):
        key = str(k.value) if isinstance(k, ScalarNode) else ""
        if not isinstance(k, ScalarNode):
            d.terror(k, "string")
            continue
        if key in out:
            d.terrors.append(Problem(_line(k), f"key {go_quote(key)} already set in map"))
            continue
        out[key] = _str(d, v) or ""
    return out


def _scalar_text(d: _Decoder, n: Node) -> str | None:
    """A value whose UnmarshalYAML reads a string first (durations, URLs, ...)."""
    if _is_null(n):
        return None
    if isinstance(n, ScalarNode):
        return str(n.value)
    d.terror(n, "string")
    return None


def _duration(d: _Decoder, n: Node) -> int | None:
    text = _scalar_text(d, n)
    if text is None:
        return None
    try:
        return parse_model_duration(text)
    except TimeError as exc:
        raise _Abort(_line(n), exc.message) from None


def _go_duration(d: _Decoder, n: Node) -> int | None:
    text = _scalar_text(d, n)
    if text is None:
        return None
    try:
        return parse_go_duration(text)
    except TimeError as exc:
        raise _Abort(_line(n), exc.message) from None


def check_url(text: str) -> str | None:
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


def _url(secret: bool) -> FieldFn:
    def dec(d: _Decoder, n: Node) -> str | None:
        text = _scalar_text(d, n)
        if text is None:
            return None
        if secret and text == "<secret>":
            return text
        err = check_url(text)
        if err is not None:
            raise _Abort(_line(n), err)
        return text
    return dec


def _hostport(d: _Decoder, n: Node) -> str | None:
    text = _scalar_text(d, n)
    if not text:
        return text
    err = _split_host_port(text)
    if err is not None:
        raise _Abort(_line(n), err)
    return text


def _split_host_port(s: str) -> str | None:
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


def _struct(schema_ref: Callable[[], Schema]) -> FieldFn:
    def dec(d: _Decoder, n: Node) -> Any:
        return d.struct(n, schema_ref())
    return dec


def _struct_list(schema_ref: Callable[[], Schema], go: str) -> FieldFn:
    def dec(d: _Decoder, n: Node) -> list[Any] | None:
        if _is_null(n):
            return None
        if not isinstance(n, SequenceNode):
            d.terror(n, go)
            return None
        return [d.struct(item, schema_ref()) for item in n.value]
    return dec


def _matchers(d: _Decoder, n: Node) -> list[tuple[str, int, tuple[Matcher, ...]]] | None:
    """``config.Matchers``: a list of strings, each parsed into one or more matchers."""
    if _is_null(n):
        return None
    if not isinstance(n, SequenceNode):
        d.terror(n, "[]string")
        return None
    texts = []
    for item in n.value:
        s = _str(d, item)
        texts.append((s or "", _line(item)))
    if len(d.terrors):
        return []
    out = []
    for text, line in texts:
        try:
            parsed = parse_matchers(text, d.mode)
        except MatcherError as exc:
            raise _Abort(line, exc.message) from None
        if parsed.incompatible:
            d.warnings.append(Problem(line, f"{text!r}: {parsed.incompatible}" +
                                      (f" (suggestion: {parsed.suggestion})" if parsed.suggestion else "")))
        out.append((text, line, parsed.matchers))
    return out


def _match_map(d: _Decoder, n: Node) -> dict[str, str] | None:
    m = _str_map(d, n)
    return m


def _match_re(d: _Decoder, n: Node) -> dict[str, str] | None:
    """``MatchRegexps``: names must be label names, each value a regexp (anchored)."""
    if _is_null(n):
        return None
    if not isinstance(n, MappingNode):
        d.terror(n, "config.plain")
        return None
    out: dict[str, str | None] = {}
    before = len(d.terrors)
    for k, v in _pairs(n):
        key = str(k.value) if isinstance(k, ScalarNode) else ""
        if key in out:
            d.terrors.append(Problem(_line(k), f"key {go_quote(key)} already set in map"))
            continue
        if _is_null(v):
            out[key] = None
            continue
        text = _scalar_text(d, v)
        if text is None:
            continue
        try:
            compile_anchored(text)
        except RegexError as exc:
            raise _Abort(_line(v), exc.message) from None
        out[key] = text
    if len(d.terrors) > before:
        return {}
    for key, value in out.items():
        if not _LABEL_NAME.fullmatch(key):
            raise _Abort(_line(n), f"invalid label name {go_quote(key)}")
        if value is None:
            raise _Abort(_line(n), f"invalid regexp value for {go_quote(key)}")
    return {k: v for k, v in out.items() if v is not None}


# --- schemas --------------------------------------------------------------------------------

_S, _B, _SL, _SM, _D = _str, _bool, _str_list, _str_map, _duration
_URL, _SURL = _url(False), _url(True)


def _tls() -> Schema:
    return Schema("config.plain", {"ca_file": _S, "cert_file": _S, "key_file": _S, "ca": _S, "cert": _S, "key": _S,
                                   "server_name": _S, "insecure_skip_verify": _B, "min_version": _S,
                                   "max_version": _S})


def _basic_auth() -> Schema:
    return Schema("config.plain", {"username": _S, "password": _S, "password_file": _S})


def _authorization() -> Schema:
    return Schema("config.Authorization", {"type": _S, "credentials": _S, "credentials_file": _S})


def _oauth2() -> Schema:
    return Schema("config.OAuth2", {"client_id": _S, "client_secret": _S, "client_secret_file": _S, "scopes": _SL,
                                    "token_url": _S, "endpoint_params": _SM, "tls_config": _struct(_tls),
                                    "proxy_url": _S})


def _check_http(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    line = _line(n)
    bearer = o.get("bearer_token") or o.get("bearer_token_file")
    if o.get("bearer_token") and o.get("bearer_token_file"):
        raise _Abort(line, "at most one of bearer_token & bearer_token_file must be configured")
    if (o.get("basic_auth") is not None or o.get("oauth2") is not None) and bearer:
        raise _Abort(line, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
    ba = o.get("basic_auth")
    if ba is not None and ba.get("password") and ba.get("password_file"):
        raise _Abort(line, "at most one of basic_auth password & password_file must be configured")
    auth = o.get("authorization")
    if auth is not None:
        if bearer:
            raise _Abort(line, "authorization is not compatible with bearer_token & bearer_token_file")
        if auth.get("credentials") and auth.get("credentials_file"):
            raise _Abort(line, "at most one of authorization credentials & credentials_file must be configured")
        if (auth.get("type") or "").strip().lower() == "basic":
            raise _Abort(line, 'authorization type cannot be set to "basic", use "basic_auth" instead')
        if ba is not None or o.get("oauth2") is not None:
            raise _Abort(line, "at most one of basic_auth, oauth2 & authorization must be configured")
    elif bearer:
        o["authorization"] = {"type": "Bearer"}
    oa = o.get("oauth2")
    if oa is not None:
        if ba is not None:
            raise _Abort(line, "at most one of basic_auth, oauth2 & authorization must be configured")
        if not oa.get("client_id"):
            raise _Abort(line, "oauth2 client_id must be configured")
        if not oa.get("client_secret") and not oa.get("client_secret_file"):
            raise _Abort(line, "either oauth2 client_secret or client_secret_file must be configured")
        if not oa.get("token_url"):
            raise _Abort(line, "oauth2 token_url must be configured")
        if oa.get("client_secret") and oa.get("client_secret_file"):
            raise _Abort(line, "at most one of oauth2 client_secret & client_secret_file must be configured")


def _http() -> Schema:
    return Schema("config.plain", {
        "basic_auth": _struct(_basic_auth), "authorization": _struct(_authorization), "oauth2": _struct(_oauth2),
        "bearer_token": _S, "bearer_token_file": _S, "proxy_url": _S, "tls_config": _struct(_tls),
        "follow_redirects": _B, "enable_http2": _B, "no_proxy": _S, "proxy_from_environment": _B,
        "proxy_connect_header": _SM,
    }, {"follow_redirects": True, "enable_http2": True}, _check_http)


_DEFAULT_GLOBAL: dict[str, Any] = {
    "resolve_timeout": 300_000, "smtp_hello": "localhost", "smtp_require_tls": True,
    "pagerduty_url": "https://events.pagerduty.com/v2/enqueue", "opsgenie_api_url": "https://api.opsgenie.com/",
    "wechat_api_url": "https://qyapi.weixin.qq.com/cgi-bin/",
    "victorops_api_url": "https://alert.victorops.com/integrations/generic/20131114/alert/",
    "telegram_api_url": "https://api.telegram.org", "webex_api_url": "https://webexapis.com/v1/messages",
}


def _global() -> Schema:
    return Schema("config.plain", {
        "resolve_timeout": _D, "http_config": _struct(_http), "smtp_from": _S, "smtp_hello": _S,
        "smtp_smarthost": _hostport, "smtp_auth_username": _S, "smtp_auth_password": _S,
        "smtp_auth_password_file": _S, "smtp_auth_secret": _S, "smtp_auth_identity": _S, "smtp_require_tls": _B,
        "slack_api_url": _SURL, "slack_api_url_file": _S, "pagerduty_url": _URL, "opsgenie_api_url": _URL,
        "opsgenie_api_key": _S, "opsgenie_api_key_file": _S, "wechat_api_url": _URL, "wechat_api_secret": _S,
        "wechat_api_corp_id": _S, "victorops_api_url": _URL, "victorops_api_key": _S, "victorops_api_key_file": _S,
        "telegram_api_url": _URL, "webex_api_url": _URL,
        **dict.fromkeys(_LATER_GLOBAL, _any),
    }, _DEFAULT_GLOBAL, None, dict.fromkeys(_LATER_GLOBAL, 27))


_LATER_GLOBAL = ("smtp_tls_config", "smtp_force_implicit_tls", "smtp_auth_secret_file", "slack_app_token",
                 "slack_app_token_file", "slack_app_url", "jira_api_url", "rocketchat_api_url", "rocketchat_token",
                 "rocketchat_token_id", "rocketchat_token_file", "rocketchat_token_id_file", "telegram_bot_token",
                 "telegram_bot_token_file", "wechat_api_secret_file", "mattermost_webhook_url",
                 "mattermost_webhook_url_file")


def _check_route(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    line = _line(n)
    for k in (o.get("match") or {}):
        if not _LABEL_NAME.fullmatch(k):
            raise _Abort(o.get("_line_match", line), f"invalid label name {go_quote(k)}")
    names: list[str] = []
    group_all = False
    for name in o.get("group_by") or []:
        if name == "...":
            group_all = True
            continue
        valid = bool(name) if d.version.utf8_label_names else bool(_LABEL_NAME.fullmatch(name))
        if not valid:
            raise _Abort(o.get("_line_group_by", line), f"invalid label name {go_quote(name)} in group_by list")
        names.append(name)
    if names and group_all:
        raise _Abort(o.get("_line_group_by", line),
                     "cannot have wildcard group_by (`...`) and other other labels at the same time")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _Abort(o.get("_line_group_by", line), f"duplicated label {go_quote(name)} in group_by")
        seen.add(name)
    if o.get("group_interval") == 0:
        raise _Abort(o.get("_line_group_interval", line), "group_interval cannot be zero")
    if o.get("repeat_interval") == 0:
        raise _Abort(o.get("_line_repeat_interval", line), "repeat_interval cannot be zero")


def _route() -> Schema:
    fields: dict[str, FieldFn] = {
        "receiver": _S, "group_by": _SL, "match": _match_map, "match_re": _match_re, "matchers": _matchers,
        "mute_time_intervals": _SL, "active_time_intervals": _SL, "continue": _B,
        "routes": _struct_list(_route, "[]*config.Route"), "group_wait": _D, "group_interval": _D,
        "repeat_interval": _D, "labels": _SM,
    }
    return Schema("config.plain", fields, {}, _check_route, {"labels": 34})


def _check_inhibit(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    for key in ("source_match", "target_match"):
        for k in (o.get(key) or {}):
            if not _LABEL_NAME.fullmatch(k):
                raise _Abort(o.get("_line_" + key, _line(n)), f"invalid label name {go_quote(k)}")


def _label_names(d: _Decoder, n: Node) -> list[str] | None:
    """``model.LabelNames``: each must be a valid label name."""
    items = _str_list(d, n)
    if items is None:
        return None
    for i, name in enumerate(items):
        valid = bool(name) if d.version.at_least(28) else bool(_LABEL_NAME.fullmatch(name))
        if not valid:
            item_line = _line(n.value[i]) if isinstance(n, SequenceNode) else _line(n)
            if d.version.at_least(28):
                raise _Abort(item_line, f"invalid label name {go_quote(name)} in equal list")
            raise _Abort(item_line, f"{go_quote(name)} is not a valid label name")
    return items


def _inhibit() -> Schema:
    fields: dict[str, FieldFn] = {
        "source_match": _match_map, "source_match_re": _match_re, "source_matchers": _matchers,
        "target_match": _match_map, "target_match_re": _match_re, "target_matchers": _matchers,
        "equal": _label_names, "name": _S,
    }
    return Schema("config.plain", fields, {}, _check_inhibit, {"name": 30})


def _any(d: _Decoder, n: Node) -> Any:
    """A field of a later release that ruletest accepts without interpreting it."""
    return None if _is_null(n) else True


# --- time intervals ---------------------------------------------------------------------------


def _ranges(parse: Callable[[str], tuple[int, int]]) -> FieldFn:
    def dec(d: _Decoder, n: Node) -> list[tuple[int, int]] | None:
        if _is_null(n):
            return None
        if not isinstance(n, SequenceNode):
            d.terror(n, "[]timeinterval.Range")
            return None
        out = []
        for item in n.value:
            text = _scalar_text(d, item)
            if text is None:
                continue
            try:
                out.append(parse(text))
            except IntervalError as exc:
                raise _Abort(_line(item), exc.message) from None
        return out
    return dec


def _time_range_schema() -> Schema:
    return Schema("timeinterval.yamlTimeRange", {"start_time": _S, "end_time": _S})


def _times(d: _Decoder, n: Node) -> list[tuple[int, int]] | None:
    if _is_null(n):
        return None
    if not isinstance(n, SequenceNode):
        d.terror(n, "[]timeinterval.TimeRange")
        return None
    out = []
    for item in n.value:
        before = len(d.terrors)
        o = d.struct(item, _time_range_schema())
        if o is None or len(d.terrors) > before:
            continue
        try:
            out.append(parse_time_range(o.get("start_time") or "", o.get("end_time") or ""))
        except IntervalError as exc:
            raise _Abort(_line(item), exc.message) from None
    return out


def _location(d: _Decoder, n: Node) -> str | None:
    text = _scalar_text(d, n)
    if text is None:
        return None
    try:
        return check_location(text)
    except IntervalError as exc:
        raise _Abort(_line(n), exc.message) from None


def _interval_entry() -> Schema:
    return Schema("timeinterval.TimeInterval", {
        "times": _times, "weekdays": _ranges(parse_weekday_range), "days_of_month": _ranges(parse_day_of_month_range),
        "months": _ranges(parse_month_range), "years": _ranges(parse_year_range), "location": _location,
    })


def _check_named_interval(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("name"):
        raise _Abort(_line(n), "missing name in " + ("mute time interval" if o.get("_mute") else "time interval"))


def _named_interval(mute: bool) -> Callable[[], Schema]:
    def schema() -> Schema:
        return Schema("config.plain", {"name": _S, "time_intervals": _struct_list(_interval_entry,
                                                                                    "[]timeinterval.TimeInterval")},
                      {"_mute": mute}, _check_named_interval)
    return schema


# --- receivers -----------------------------------------------------------------------------

_HTTP = _struct(_http)


def _pd_image() -> Schema:
    return Schema("config.PagerdutyImage", {"src": _S, "alt": _S, "href": _S})


def _pd_link() -> Schema:
    return Schema("config.PagerdutyLink", {"href": _S, "text": _S})


def _check_slack_field(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("title"):
        raise _Abort(_line(n), "missing title in Slack field configuration")
    if not o.get("value"):
        raise _Abort(_line(n), "missing value in Slack field configuration")


def _slack_field() -> Schema:
    return Schema("config.plain", {"title": _S, "value": _S, "short": _B}, {}, _check_slack_field)


def _check_confirm(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("text"):
        raise _Abort(_line(n), "missing text in Slack confirmation configuration")


def _slack_confirm() -> Schema:
    return Schema("config.plain", {"text": _S, "title": _S, "ok_text": _S, "dismiss_text": _S}, {}, _check_confirm)


def _check_action(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("type"):
        raise _Abort(_line(n), "missing type in Slack action configuration")
    if not o.get("text"):
        raise _Abort(_line(n), "missing text in Slack action configuration")
    if o.get("url"):
        o["name"] = o["value"] = ""
        o["confirm"] = None
    elif not o.get("name"):
        raise _Abort(_line(n), "missing name or url in Slack action configuration")


def _slack_action() -> Schema:
    return Schema("config.plain", {"type": _S, "text": _S, "url": _S, "style": _S, "name": _S, "value": _S,
                                   "confirm": _struct(_slack_confirm)}, {}, _check_action)


def _og_responder() -> Schema:
    return Schema("config.OpsGenieConfigResponder", {"id": _S, "name": _S, "username": _S, "type": _S})


def _sigv4() -> Schema:
    return Schema("sigv4.SigV4Config", {"region": _S, "access_key": _S, "secret_key": _S, "profile": _S,
                                        "role_arn": _S})


def _canonical_header(h: str) -> str:
    """``textproto.CanonicalMIMEHeaderKey`` (for valid header names)."""
    if not h or any(not (c.isalnum() or c in "!#$%&'*+-.^_`|~") or ord(c) > 127 for c in h):
        return h
    return "-".join(p[:1].upper() + p[1:].lower() for p in h.split("-"))


def _check_email(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("to"):
        raise _Abort(_line(n), "missing to address in email config")
    headers: dict[str, str] = {}
    for h, v in (o.get("headers") or {}).items():
        c = _canonical_header(h)
        if c in headers:
            raise _Abort(o.get("_line_headers", _line(n)), f"duplicate header {go_quote(c)} in email config")
        headers[c] = v
    o["headers"] = headers


def _check_pagerduty(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    line = _line(n)
    if not (o.get("routing_key") or o.get("service_key") or o.get("routing_key_file") or o.get("service_key_file")):
        raise _Abort(line, "missing service or routing key in PagerDuty config")
    if o.get("routing_key") and o.get("routing_key_file"):
        raise _Abort(line, "at most one of routing_key & routing_key_file must be configured")
    if o.get("service_key") and o.get("service_key_file"):
        raise _Abort(line, "at most one of service_key & service_key_file must be configured")
    details = dict(o.get("details") or {})
    if not o.get("source"):
        o["source"] = o.get("client", "")
    for k, v in _PD_DETAILS.items():
        details.setdefault(k, v)
    o["details"] = details


_PD_DETAILS = {
    "firing": '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
    "resolved": '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
    "num_firing": "{{ .Alerts.Firing | len }}",
    "num_resolved": "{{ .Alerts.Resolved | len }}",
}


def _check_slack(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if o.get("api_url") and o.get("api_url_file"):
        raise _Abort(_line(n), "at most one of api_url & api_url_file must be configured")


def _check_webhook(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("url"):
        raise _Abort(_line(n), "missing URL in webhook config")


def _check_wechat(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("message_type"):
        o["message_type"] = "text"
    if o["message_type"] not in ("text", "markdown"):
        raise _Abort(_line(n), f"weChat message type {go_quote(o['message_type'])} does not match valid options "
                               "^(text|markdown)$")


def _check_opsgenie(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if o.get("api_key") and o.get("api_key_file"):
        raise _Abort(_line(n), "at most one of api_key & api_key_file must be configured")
    for r in o.get("responders") or []:
        if r is None:
            continue
        desc = "{" + " ".join((r.get("id") or "", r.get("name") or "", r.get("username") or "",
                               r.get("type") or "")) + "}"
        if not (r.get("id") or r.get("username") or r.get("name")):
            raise _Abort(r["_line"], f"opsGenieConfig responder {desc} has to have at least one of id, username "
                                     "or name specified")
        rtype = r.get("type") or ""
        if "{{" not in rtype:
            r["type"] = rtype.lower()
            if r["type"] not in ("team", "teams", "user", "escalation", "schedule"):
                raise _Abort(r["_line"], f"opsGenieConfig responder {desc} type does not match valid options "
                                         "^(team|teams|user|escalation|schedule)$")


def _check_victorops(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("routing_key"):
        raise _Abort(_line(n), "missing Routing key in VictorOps config")
    if o.get("api_key") and o.get("api_key_file"):
        raise _Abort(_line(n), "at most one of api_key & api_key_file must be configured")
    for v in ("routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool",
              "entity_id", "entity_state"):
        if v in (o.get("custom_fields") or {}):
            raise _Abort(_line(n), f"victorOps config contains custom field {v} which cannot be used as it "
                                   "conflicts with the fixed/static fields")


def _check_pushover(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("user_key"):
        raise _Abort(_line(n), "missing user key in Pushover config")
    if not o.get("token"):
        raise _Abort(_line(n), "missing token in Pushover config")


def _check_sns(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    a, b, c = (not o.get("target_arn"), not o.get("topic_arn"), not o.get("phone_number"))
    if (a != b) != c:
        raise _Abort(_line(n), "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config")


def _check_telegram(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("bot_token"):
        raise _Abort(_line(n), "missing bot_token on telegram_config")
    if not o.get("chat_id"):
        raise _Abort(_line(n), "missing chat_id on telegram_config")
    if o.get("parse_mode") not in ("", None, "Markdown", "MarkdownV2", "HTML"):
        raise _Abort(_line(n), "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or "
                               "empty string")


def _check_webex(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("room_id"):
        raise _Abort(_line(n), "missing room_id on webex_config")
    http = o.get("http_config")
    if http is None or http.get("authorization") is None:
        raise _Abort(_line(n), "missing webex_configs.http_config.authorization")


def _tpl(name: str) -> str:
    return '{{ template "' + name + '" . }}'


# kind -> (fields, defaults, check). Defaults are config/notifiers.go's Default*Config.
_INTEGRATIONS: dict[str, tuple[dict[str, FieldFn], dict[str, Any], Any]] = {
    "webhook": ({"url": _URL, "max_alerts": _int("uint64", unsigned=True)}, {"send_resolved": True, "max_alerts": 0},
                _check_webhook),
    "email": ({"to": _S, "from": _S, "hello": _S, "smarthost": _hostport, "auth_username": _S, "auth_password": _S,
               "auth_password_file": _S, "auth_secret": _S, "auth_identity": _S, "headers": _SM, "html": _S,
               "text": _S, "require_tls": _B, "tls_config": _struct(_tls)},
              {"send_resolved": False, "html": _tpl("email.default.html"), "text": ""}, _check_email),
    "pagerduty": ({"service_key": _S, "service_key_file": _S, "routing_key": _S, "routing_key_file": _S,
                   "url": _URL, "client": _S, "client_url": _S, "description": _S, "details": _SM,
                   "images": _struct_list(_pd_image, "[]config.PagerdutyImage"),
                   "links": _struct_list(_pd_link, "[]config.PagerdutyLink"), "source": _S, "severity": _S,
                   "class": _S, "component": _S, "group": _S},
                  {"send_resolved": True, "description": '{{ template "pagerduty.default.description" .}}',
                   "client": _tpl("pagerduty.default.client"), "client_url": _tpl("pagerduty.default.clientURL")},
                  _check_pagerduty),
    "opsgenie": ({"api_key": _S, "api_key_file": _S, "api_url": _URL, "message": _S, "description": _S,
                  "source": _S, "details": _SM, "entity": _S,
                  "responders": _struct_list(_og_responder, "[]config.OpsGenieConfigResponder"),
                  "actions": _S, "tags": _S, "note": _S, "priority": _S, "update_alerts": _B},
                 {"send_resolved": True, "message": _tpl("opsgenie.default.message"),
                  "description": _tpl("opsgenie.default.description"), "source": _tpl("opsgenie.default.source")},
                 _check_opsgenie),
    "wechat": ({"api_secret": _S, "corp_id": _S, "message": _S, "api_url": _URL, "to_user": _S, "to_party": _S,
                "to_tag": _S, "agent_id": _S, "message_type": _S},
               {"send_resolved": False, "message": _tpl("wechat.default.message"),
                "to_user": _tpl("wechat.default.to_user"), "to_party": _tpl("wechat.default.to_party"),
                "to_tag": _tpl("wechat.default.to_tag"), "agent_id": _tpl("wechat.default.agent_id")}, _check_wechat),
    "slack": ({"api_url": _SURL, "api_url_file": _S, "channel": _S, "username": _S, "color": _S, "title": _S,
               "title_link": _S, "pretext": _S, "text": _S, "fields": _struct_list(_slack_field, "[]*config.SlackField"),
               "short_fields": _B, "footer": _S, "fallback": _S, "callback_id": _S, "icon_emoji": _S, "icon_url": _S,
               "image_url": _S, "thumb_url": _S, "link_names": _B, "mrkdwn_in": _SL,
               "actions": _struct_list(_slack_action, "[]*config.SlackAction")},
              {"send_resolved": False, "color": '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
               "username": _tpl("slack.default.username"), "title": _tpl("slack.default.title"),
               "title_link": _tpl("slack.default.titlelink"), "icon_emoji": _tpl("slack.default.iconemoji"),
               "icon_url": _tpl("slack.default.iconurl"), "pretext": _tpl("slack.default.pretext"),
               "text": _tpl("slack.default.text"), "fallback": _tpl("slack.default.fallback"),
               "callback_id": _tpl("slack.default.callbackid"), "footer": _tpl("slack.default.footer")}, _check_slack),
    "victorops": ({"api_key": _S, "api_key_file": _S, "api_url": _URL, "routing_key": _S, "message_type": _S,
                   "state_message": _S, "entity_display_name": _S, "monitoring_tool": _S, "custom_fields": _SM},
                  {"send_resolved": True, "message_type": "CRITICAL",
                   "state_message": _tpl("victorops.default.state_message"),
                   "entity_display_name": _tpl("victorops.default.entity_display_name"),
                   "monitoring_tool": _tpl("victorops.default.monitoring_tool")}, _check_victorops),
    "pushover": ({"user_key": _S, "token": _S, "title": _S, "message": _S, "url": _S, "url_title": _S, "sound": _S,
                  "priority": _S, "retry": _go_duration, "expire": _go_duration, "html": _B},
                 {"send_resolved": True, "title": _tpl("pushover.default.title"),
                  "message": _tpl("pushover.default.message"), "url": _tpl("pushover.default.url"),
                  "priority": '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}', "retry": 60 * 10**9,
                  "expire": 3600 * 10**9, "html": False}, _check_pushover),
    "sns": ({"api_url": _S, "sigv4": _struct(_sigv4), "topic_arn": _S, "phone_number": _S, "target_arn": _S,
             "subject": _S, "message": _S, "attributes": _SM},
            {"send_resolved": True, "subject": _tpl("sns.default.subject"), "message": _tpl("sns.default.message")},
            _check_sns),
    "telegram": ({"api_url": _URL, "bot_token": _S, "chat_id": _int("int64"), "message": _S,
                  "disable_notifications": _B, "parse_mode": _S},
                 {"send_resolved": True, "message": _tpl("telegram.default.message"), "parse_mode": "HTML"},
                 _check_telegram),
    "discord": ({"webhook_url": _SURL, "title": _S, "message": _S},
                {"send_resolved": True, "title": _tpl("discord.default.title"),
                 "message": _tpl("discord.default.message")}, None),
    "webex": ({"api_url": _URL, "message": _S, "room_id": _S},
              {"send_resolved": True, "message": _tpl("webex.default.message")}, _check_webex),
}
# The order in which Alertmanager builds a receiver's integrations (buildReceiverIntegrations).
INTEGRATION_ORDER = ("webhook", "email", "pagerduty", "opsgenie", "wechat", "slack", "victorops", "pushover", "sns",
                     "telegram", "discord", "webex")


def _integration(kind: str) -> Callable[[], Schema]:
    fields, defaults, check = _INTEGRATIONS[kind]

    def schema() -> Schema:
        return Schema("config.plain", {"send_resolved": _B, "http_config": _HTTP, **fields}, defaults, check,
                      lenient_after_25=True)
    return schema


def _check_receiver(d: _Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("name"):
        raise _Abort(_line(n), "missing name in receiver")


def _receiver() -> Schema:
    fields: dict[str, FieldFn] = {"name": _S}
    for kind in INTEGRATION_ORDER:
        fields[kind + "_configs"] = _struct_list(_integration(kind), f"[]*config.{kind.capitalize()}Config")
    since = {}
    for kind, minor in _LATER_INTEGRATIONS.items():
        fields[kind + "_configs"] = _any
        since[kind + "_configs"] = minor
    fields["labels"] = _any
    since["labels"] = 33
    return Schema("config.plain", fields, {}, _check_receiver, since)


# Receivers of later releases: accepted (not rendered) when emulating them.
_LATER_INTEGRATIONS = {"msteams": 26, "msteamsv2": 28, "jira": 28, "rocketchat": 28, "incidentio": 29,
                       "mattermost": 30}


def _config() -> Schema:
    return Schema("config.plain", {
        "tracing": _any, "event_recorder": _any,
        "global": _struct(_global), "route": _struct(_route), "inhibit_rules": _struct_list(_inhibit,
                                                                                            "[]*config.InhibitRule"),
        "receivers": _struct_list(_receiver, "[]*config.Receiver"), "templates": _SL,
        "mute_time_intervals": _struct_list(_named_interval(True), "[]config.MuteTimeInterval"),
        "time_intervals": _struct_list(_named_interval(False), "[]config.TimeInterval"),
    }, {}, None, {"tracing": 34, "event_recorder": 34})


# --- whole-file checks (Config.UnmarshalYAML and Load) ----------------------------------------


def _check_config(c: dict[str, Any]) -> None:
    g = c.get("global")
    if g is None:
        g = dict(_DEFAULT_GLOBAL)
        g["_line"] = None
        c["global"] = g
    gl = g.get("_line")
    for a, b in (("slack_api_url", "slack_api_url_file"), ("opsgenie_api_key", "opsgenie_api_key_file"),
                 ("victorops_api_key", "victorops_api_key_file"), ("smtp_auth_password", "smtp_auth_password_file")):
        if g.get(a) and g.get(b):
            raise _Abort(gl, f"at most one of {a} & {b} must be configured")
    names: set[str] = set()
    for rcv in c.get("receivers") or []:
        if rcv is None:
            continue
        line = rcv["_line"]
        if rcv["name"] in names:
            raise _Abort(line, f"notification config name {go_quote(rcv['name'])} is not unique")
        for ec in rcv.get("email_configs") or []:
            if not ec.get("smarthost"):
                if not g.get("smtp_smarthost"):
                    raise _Abort(ec["_line"], "no global SMTP smarthost set")
                ec["smarthost"] = g["smtp_smarthost"]
            if not ec.get("from"):
                if not g.get("smtp_from"):
                    raise _Abort(ec["_line"], "no global SMTP from set")
                ec["from"] = g["smtp_from"]
            if ec.get("require_tls") is None:
                ec["require_tls"] = g.get("smtp_require_tls", True)
        for sc in rcv.get("slack_configs") or []:
            if not sc.get("api_url") and not sc.get("api_url_file") and not g.get("slack_api_url") \
                    and not g.get("slack_api_url_file"):
                raise _Abort(sc["_line"], "no global Slack API URL set either inline or in a file")
        for oc in rcv.get("opsgenie_configs") or []:
            if not oc.get("api_key") and not oc.get("api_key_file") and not g.get("opsgenie_api_key") \
                    and not g.get("opsgenie_api_key_file"):
                raise _Abort(oc["_line"], "no global OpsGenie API Key set either inline or in a file")
        for wc in rcv.get("wechat_configs") or []:
            if not wc.get("api_secret") and not g.get("wechat_api_secret"):
                raise _Abort(wc["_line"], "no global Wechat ApiSecret set")
            if not wc.get("corp_id") and not g.get("wechat_api_corp_id"):
                raise _Abort(wc["_line"], "no global Wechat CorpID set")
        for vc in rcv.get("victorops_configs") or []:
            if not vc.get("api_key") and not vc.get("api_key_file") and not g.get("victorops_api_key") \
                    and not g.get("victorops_api_key_file"):
                raise _Abort(vc["_line"], "no global VictorOps API Key set")
        for dc in rcv.get("discord_configs") or []:
            if not dc.get("webhook_url"):
                raise _Abort(dc["_line"], "no discord webhook URL provided")
        names.add(rcv["name"])
    route = c.get("route")
    if route is None:
        raise _Abort(None, "no routes provided")
    rl = route["_line"]
    if not route.get("receiver"):
        raise _Abort(rl, "root route must specify a default receiver")
    if route.get("match") or route.get("match_re") or route.get("matchers"):
        raise _Abort(rl, "root route must not have any matchers")
    if route.get("mute_time_intervals"):
        raise _Abort(rl, "root route must not have any mute time intervals")
    if route.get("active_time_intervals"):
        raise _Abort(rl, "root route must not have any active time intervals")
    _check_receivers_used(route, names)
    ti: set[str] = set()
    for mt in c.get("mute_time_intervals") or []:
        if mt is not None:
            if mt["name"] in ti:
                raise _Abort(mt["_line"], f"mute time interval {go_quote(mt['name'])} is not unique")
            ti.add(mt["name"])
    for t in c.get("time_intervals") or []:
        if t is not None:
            if t["name"] in ti:
                raise _Abort(t["_line"], f"time interval {go_quote(t['name'])} is not unique")
            ti.add(t["name"])
    _check_intervals_used(route, ti)


def _check_receivers_used(r: dict[str, Any], names: set[str]) -> None:
    for sub in r.get("routes") or []:
        if sub is not None:
            _check_receivers_used(sub, names)
    if r.get("receiver") and r["receiver"] not in names:
        raise _Abort(r.get("_line_receiver", r["_line"]), f"undefined receiver {go_quote(r['receiver'])} used in route")


def _check_intervals_used(r: dict[str, Any], names: set[str]) -> None:
    for sub in r.get("routes") or []:
        if sub is not None:
            _check_intervals_used(sub, names)
    for key in ("active_time_intervals", "mute_time_intervals"):
        for name in r.get(key) or []:
            if name not in names:
                raise _Abort(r.get("_line_" + key, r["_line"]), f"undefined time interval {go_quote(name)} used in route")


# --- building the model ------------------------------------------------------------------------


def _build_route(o: dict[str, Any]) -> RouteConfig:
    matchers: list[Matcher] = []
    for name, value in (o.get("match") or {}).items():
        matchers.append(Matcher.new("=", name, value))
    for name, value in (o.get("match_re") or {}).items():
        # Alertmanager passes the compiled regexp's String(), i.e. the anchored text, to
        # NewMatcher: the matcher's value (and the route key) is "^(?:v)$".
        matchers.append(Matcher.new("=~", name, "^(?:" + value + ")$"))
    texts = []
    for text, line, ms in o.get("matchers") or []:
        matchers.extend(ms)
        texts.append((text, line))
    group_by_raw = o.get("group_by")
    names = tuple(n for n in (group_by_raw or []) if n != "...")
    group_all = "..." in (group_by_raw or [])
    return RouteConfig(
        line=o["_line"], receiver=o.get("receiver") or "",
        group_by=names if (names or (group_by_raw is not None and not group_all)) else None,
        group_by_all=group_all, group_by_given=group_by_raw is not None,
        matchers=Matchers.of(matchers), matcher_texts=tuple(texts),
        uses_match=bool(o.get("match") or o.get("match_re")), continue_=bool(o.get("continue")),
        routes=tuple(_build_route(r) for r in (o.get("routes") or []) if r is not None),
        group_wait_ms=o.get("group_wait"), group_interval_ms=o.get("group_interval"),
        repeat_interval_ms=o.get("repeat_interval"),
        mute_time_intervals=tuple(o.get("mute_time_intervals") or ()),
        active_time_intervals=tuple(o.get("active_time_intervals") or ()),
    )


def _side(o: dict[str, Any], side: str) -> tuple[Matchers, list[tuple[str, int]]]:
    ms: list[Matcher] = [Matcher.new("=", k, v) for k, v in (o.get(side + "_match") or {}).items()]
    ms += [Matcher.new("=~", k, "^(?:" + v + ")$") for k, v in (o.get(side + "_match_re") or {}).items()]
    texts = []
    for text, line, parsed in o.get(side + "_matchers") or []:
        ms.extend(parsed)
        texts.append((text, line))
    return Matchers(tuple(ms)), texts


def _build_inhibit(o: dict[str, Any]) -> InhibitRule:
    source, st = _side(o, "source")
    target, tt = _side(o, "target")
    uses = any(o.get(k) for k in ("source_match", "source_match_re", "target_match", "target_match_re"))
    return InhibitRule(source, target, tuple(o.get("equal") or ()), o["_line"], uses, tuple(st + tt),
                       o.get("name") or "")


def _clean(o: Any) -> Any:
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items() if not k.startswith("_")}
    if isinstance(o, list):
        return [_clean(v) for v in o]
    return o


def _build_receiver(o: dict[str, Any]) -> Receiver:
    integrations = []
    for kind in INTEGRATION_ORDER:
        for i, ic in enumerate(o.get(kind + "_configs") or []):
            if ic is None:
                continue
            send_resolved = ic.get("send_resolved")
            integrations.append(Integration(kind, i, bool(send_resolved), _clean(ic), ic["_line"]))
    return Receiver(o["name"], tuple(integrations), o["_line"])


def _tup(entry: dict[str, Any], key: str) -> tuple[tuple[int, int], ...] | None:
    v = entry.get(key)
    return None if v is None else tuple(v)


def _build_interval(o: dict[str, Any], deprecated: bool) -> NamedInterval:
    entries = []
    for e in o.get("time_intervals") or []:
        if e is None:
            entries.append(TimeInterval())
            continue

        entries.append(TimeInterval(_tup(e, "times"), _tup(e, "weekdays"), _tup(e, "days_of_month"),
                                    _tup(e, "months"), _tup(e, "years"), e.get("location")))
    return NamedInterval(o["name"], tuple(entries), o["_line"], deprecated)


def resolve_template_glob(pattern: str, config_dir: str, mapping: Mapping[str, str]) -> str:
    """A ``templates`` entry as the loader resolves it: absolute paths through ``mapping``
    (longest matching prefix), relative ones against the config's directory."""
    for prefix in sorted(mapping, key=len, reverse=True):
        if pattern == prefix or pattern.startswith(prefix.rstrip("/") + "/"):
            rest = pattern[len(prefix.rstrip("/")):].lstrip("/")
            target = mapping[prefix]
            base = target if os.path.isabs(target) else os.path.join(config_dir, target)
            return os.path.join(base, rest) if rest else base
    if pattern and not os.path.isabs(pattern):
        return os.path.join(config_dir, pattern)
    return pattern


def load_config_text(text: str, path: str = "alertmanager.yml", opts: LoadOptions | None = None) -> Config:
    """Decode ``text`` as ``config.LoadFile`` would; raise :class:`ConfigError` if
    Alertmanager would refuse it."""
    return _load(text, path, opts or LoadOptions())


def _load(text: str, path: str, opts: LoadOptions) -> Config:
    try:
        node = compose(text, path)
    except YamlError as exc:
        msg = exc.message.removeprefix("invalid YAML: ")
        raise ConfigError(f"yaml: line {exc.line}: {msg}" if exc.line else f"yaml: {msg}",
                          [Problem(exc.line, f"invalid YAML: {msg}")], file=path) from None
    d = _Decoder(opts)
    if node is None:
        raise ConfigError("no route provided in config", [Problem(None, "no route provided in config")], file=path)
    try:
        c = d.struct(node, _config())
        if d.terrors:
            raise ConfigError("yaml: unmarshal errors:\n" + "\n".join(f"  line {p.line}: {p.message}"
                                                                     for p in d.terrors), d.terrors, file=path)
        assert c is not None
        _check_config(c)
        if c.get("route") is None:
            raise _Abort(None, "no route provided in config")
        if c["route"].get("continue"):
            raise _Abort(c["route"].get("_line_continue", c["route"]["_line"]), "cannot have continue in root route")
        route = _build_route(c["route"])
        receivers = tuple(_build_receiver(r) for r in (c.get("receivers") or []) if r is not None)
        inhibit = tuple(_build_inhibit(r) for r in (c.get("inhibit_rules") or []) if r is not None)
        intervals = tuple([_build_interval(t, True) for t in (c.get("mute_time_intervals") or []) if t is not None]
                          + [_build_interval(t, False) for t in (c.get("time_intervals") or []) if t is not None])
    except _Abort as exc:
        raise ConfigError(exc.message, [Problem(exc.line, exc.message)], file=path) from None
    except MatcherError as exc:  # match: values are plain strings, but NewMatcher may still refuse
        raise ConfigError(exc.message, [Problem(None, exc.message)], file=path) from None
    g = c["global"]
    templates = tuple(c.get("templates") or ())
    tnode_lines = _template_lines(node, len(templates))
    config_dir = os.path.dirname(os.path.abspath(path))
    globs = tuple(resolve_template_glob(t, config_dir, opts.template_paths) for t in templates)
    return Config(
        path=path, version=opts.version,
        global_=GlobalConfig(g.get("resolve_timeout", 300_000), _clean(g)),
        route=route, receivers=receivers, inhibit_rules=inhibit, templates=templates, template_globs=globs,
        template_lines=tnode_lines, time_intervals=intervals, text=text,
        warnings=tuple((p.line or 0, p.message) for p in d.warnings),
    )


def _template_lines(node: Node, n: int) -> tuple[int, ...]:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == "templates" and isinstance(v, SequenceNode):
                return tuple(_line(x) for x in v.value)
    return tuple([0] * n)


def load_config_file(path: str | Path, opts: LoadOptions | None = None) -> Config:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"open {path}: {reason.lower()}", [Problem(None, f"cannot read file: {reason}")],
                          file=str(path)) from None
    return load_config_text(text, str(path), opts)
