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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from ruletest.alertmanager.matchers import Matcher, MatcherError, Matchers, ParserMode, default_mode
from ruletest.alertmanager.schema import DEFAULT_GLOBAL, INTEGRATION_ORDER, config_schema
from ruletest.alertmanager.timeinterval import TimeInterval
from ruletest.alertmanager.version import DEFAULT, Version
from ruletest.alertmanager.yamlv2 import Abort, Decoder, Problem, YamlSyntaxError, first_document, node_line
from ruletest.errors import RuletestError
from ruletest.gocompat import go_quote


class ConfigError(RuletestError):
    """A configuration Alertmanager refuses. ``amtool`` is the text ``amtool check-config``
    prints after ``FAILED:``; ``problems`` locate each part of it. Codes: ``am/invalid-config``,
    ``yaml/parse`` (not YAML), ``am/unreadable``."""

    code = "am/invalid-config"

    def __init__(self, amtool: str, problems: Sequence[Problem], *, file: str | None = None,
                 code: str | None = None) -> None:
        first = problems[0] if problems else Problem(None, amtool)
        message = "; ".join(p.message for p in problems) if len(problems) > 1 else first.message
        super().__init__(message, file=file, line=first.line, code=code)
        self.amtool = amtool
        self.problems = tuple(problems)

    def located(self) -> list[str]:
        """One ``file:line: message`` line per problem."""
        where = self.file or ""
        return [f"{where}:{p.line}: {p.message}" if p.line else f"{where}: {p.message}" for p in self.problems]

@dataclass
class LoadOptions:
    version: Version = DEFAULT
    matcher_mode: ParserMode | None = None  # default: the version's (classic for 0.25)
    # Absolute template globs as deployed (e.g. /etc/alertmanager/template/*.tmpl) -> a local
    # directory or glob, so a config written for the server finds its templates in the repository.
    template_paths: Mapping[str, str] = field(default_factory=dict)


# --- whole-file checks (Config.UnmarshalYAML and Load) ----------------------------------------


def _check_config(c: dict[str, Any]) -> None:
    g = c.get("global")
    if g is None:
        g = dict(DEFAULT_GLOBAL)
        g["_line"] = None
        c["global"] = g
    gl = g.get("_line")
    for a, b in (("slack_api_url", "slack_api_url_file"), ("opsgenie_api_key", "opsgenie_api_key_file"),
                 ("victorops_api_key", "victorops_api_key_file"), ("smtp_auth_password", "smtp_auth_password_file")):
        if g.get(a) and g.get(b):
            raise Abort(gl, f"at most one of {a} & {b} must be configured")
    names: set[str] = set()
    for rcv in c.get("receivers") or []:
        if rcv is None:
            continue
        line = rcv["_line"]
        if rcv["name"] in names:
            raise Abort(line, f"notification config name {go_quote(rcv['name'])} is not unique")
        for ec in rcv.get("email_configs") or []:
            if not ec.get("smarthost"):
                if not g.get("smtp_smarthost"):
                    raise Abort(ec["_line"], "no global SMTP smarthost set")
                ec["smarthost"] = g["smtp_smarthost"]
            if not ec.get("from"):
                if not g.get("smtp_from"):
                    raise Abort(ec["_line"], "no global SMTP from set")
                ec["from"] = g["smtp_from"]
            if ec.get("require_tls") is None:
                ec["require_tls"] = g.get("smtp_require_tls", True)
        for sc in rcv.get("slack_configs") or []:
            if not sc.get("api_url") and not sc.get("api_url_file") and not g.get("slack_api_url") \
                    and not g.get("slack_api_url_file"):
                raise Abort(sc["_line"], "no global Slack API URL set either inline or in a file")
        for oc in rcv.get("opsgenie_configs") or []:
            if not oc.get("api_key") and not oc.get("api_key_file") and not g.get("opsgenie_api_key") \
                    and not g.get("opsgenie_api_key_file"):
                raise Abort(oc["_line"], "no global OpsGenie API Key set either inline or in a file")
        for wc in rcv.get("wechat_configs") or []:
            if not wc.get("api_secret") and not g.get("wechat_api_secret"):
                raise Abort(wc["_line"], "no global Wechat ApiSecret set")
            if not wc.get("corp_id") and not g.get("wechat_api_corp_id"):
                raise Abort(wc["_line"], "no global Wechat CorpID set")
        for vc in rcv.get("victorops_configs") or []:
            if not vc.get("api_key") and not vc.get("api_key_file") and not g.get("victorops_api_key") \
                    and not g.get("victorops_api_key_file"):
                raise Abort(vc["_line"], "no global VictorOps API Key set")
        for dc in rcv.get("discord_configs") or []:
            if not dc.get("webhook_url"):
                raise Abort(dc["_line"], "no discord webhook URL provided")
        names.add(rcv["name"])
    route = c.get("route")
    if route is None:
        raise Abort(None, "no routes provided")
    rl = route["_line"]
    if not route.get("receiver"):
        raise Abort(rl, "root route must specify a default receiver")
    if route.get("match") or route.get("match_re") or route.get("matchers"):
        raise Abort(rl, "root route must not have any matchers")
    if route.get("mute_time_intervals"):
        raise Abort(rl, "root route must not have any mute time intervals")
    if route.get("active_time_intervals"):
        raise Abort(rl, "root route must not have any active time intervals")
    _check_receivers_used(route, names)
    ti: set[str] = set()
    for mt in c.get("mute_time_intervals") or []:
        if mt is not None:
            if mt["name"] in ti:
                raise Abort(mt["_line"], f"mute time interval {go_quote(mt['name'])} is not unique")
            ti.add(mt["name"])
    for t in c.get("time_intervals") or []:
        if t is not None:
            if t["name"] in ti:
                raise Abort(t["_line"], f"time interval {go_quote(t['name'])} is not unique")
            ti.add(t["name"])
    _check_intervals_used(route, ti)


def _check_receivers_used(r: dict[str, Any], names: set[str]) -> None:
    for sub in r.get("routes") or []:
        if sub is not None:
            _check_receivers_used(sub, names)
    if r.get("receiver") and r["receiver"] not in names:
        raise Abort(r.get("_line_receiver", r["_line"]), f"undefined receiver {go_quote(r['receiver'])} used in route")


def _check_intervals_used(r: dict[str, Any], names: set[str]) -> None:
    for sub in r.get("routes") or []:
        if sub is not None:
            _check_intervals_used(sub, names)
    for key in ("active_time_intervals", "mute_time_intervals"):
        for name in r.get(key) or []:
            if name not in names:
                raise Abort(r.get("_line_" + key, r["_line"]), f"undefined time interval {go_quote(name)} used in route")


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
        match=tuple((o.get("match") or {}).items()), match_re=tuple((o.get("match_re") or {}).items()),
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
        node = first_document(text)
    except YamlSyntaxError as exc:
        # amtool's text as yaml.v2 words it (its line is 0-based for parser errors); ruletest's
        # own location is where the problem is.
        raise ConfigError(exc.amtool, [Problem(exc.line, f"invalid YAML: {exc.problem}")], file=path,
                          code="yaml/parse") from None
    d = Decoder(opts.version, opts.matcher_mode or default_mode(opts.version))
    if node is None:
        raise ConfigError("no route provided in config", [Problem(None, "no route provided in config")], file=path)
    try:
        c = d.struct(node, config_schema())
        if d.terrors:
            raise ConfigError("yaml: unmarshal errors:\n" + "\n".join(f"  line {p.line}: {p.message}"
                                                                     for p in d.terrors), d.terrors, file=path)
        assert c is not None
        _check_config(c)
        if c.get("route") is None:
            raise Abort(None, "no route provided in config")
        if c["route"].get("continue"):
            raise Abort(c["route"].get("_line_continue", c["route"]["_line"]), "cannot have continue in root route")
        route = _build_route(c["route"])
        receivers = tuple(_build_receiver(r) for r in (c.get("receivers") or []) if r is not None)
        inhibit = tuple(_build_inhibit(r) for r in (c.get("inhibit_rules") or []) if r is not None)
        intervals = tuple([_build_interval(t, True) for t in (c.get("mute_time_intervals") or []) if t is not None]
                          + [_build_interval(t, False) for t in (c.get("time_intervals") or []) if t is not None])
    except Abort as exc:
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
                return tuple(node_line(x) for x in v.value)
    return tuple([0] * n)


def load_config_file(path: str | Path, opts: LoadOptions | None = None) -> Config:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"open {path}: {reason.lower()}", [Problem(None, f"cannot read file: {reason}")],
                          file=str(path), code="am/unreadable") from None
    return load_config_text(text, str(path), opts)
