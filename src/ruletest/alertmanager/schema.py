"""Alertmanager's configuration types as decoding schemas (``config/config.go``,
``config/notifiers.go``, ``timeinterval``, prometheus/common's HTTP client config, 0.25): their
fields, defaults, and the checks their ``UnmarshalYAML`` methods make, with Alertmanager's
messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ruletest.alertmanager.goregex import RegexError, compile_anchored
from ruletest.alertmanager.matchers import Matcher, MatcherError, parse_matchers
from ruletest.alertmanager.timeinterval import (
    IntervalError,
    check_location,
    parse_day_of_month_range,
    parse_month_range,
    parse_time_range,
    parse_weekday_range,
    parse_year_range,
)
from ruletest.alertmanager.yamlv2 import (
    Abort,
    Decoder,
    FieldFn,
    Problem,
    Schema,
    dec_any,
    dec_bool,
    dec_duration,
    dec_go_duration,
    dec_hostport,
    dec_int,
    dec_str,
    dec_str_list,
    dec_str_map,
    dec_struct,
    dec_struct_list,
    dec_url,
    is_null,
    node_line,
    pairs,
    scalar_text,
)
from ruletest.gocompat import go_quote

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

def _matchers(d: Decoder, n: Node) -> list[tuple[str, int, tuple[Matcher, ...]]] | None:
    """``config.Matchers``: a list of strings, each parsed into one or more matchers."""
    if is_null(n):
        return None
    if not isinstance(n, SequenceNode):
        d.terror(n, "[]string")
        return None
    texts = []
    for item in n.value:
        s = dec_str(d, item)
        texts.append((s or "", node_line(item)))
    if len(d.terrors):
        return []
    out = []
    for text, line in texts:
        try:
            parsed = parse_matchers(text, d.mode)
        except MatcherError as exc:
            raise Abort(line, exc.message) from None
        if parsed.incompatible:
            d.warnings.append(Problem(line, f"'{text}': {parsed.incompatible}" +
                                      (f" (suggestion: {parsed.suggestion})" if parsed.suggestion else "")))
        out.append((text, line, parsed.matchers))
    return out


def _match_map(d: Decoder, n: Node) -> dict[str, str] | None:
    m = dec_str_map(d, n)
    return m


def _match_re(d: Decoder, n: Node) -> dict[str, str] | None:
    """``MatchRegexps``: names must be label names, each value a regexp (anchored)."""
    if is_null(n):
        return None
    if not isinstance(n, MappingNode):
        d.terror(n, "config.plain")
        return None
    out: dict[str, str | None] = {}
    before = len(d.terrors)
    for k, v in pairs(n):
        key = str(k.value) if isinstance(k, ScalarNode) else ""
        if key in out:
            d.terrors.append(Problem(node_line(k), f"key {go_quote(key)} already set in map"))
            continue
        if is_null(v):
            out[key] = None
            continue
        text = scalar_text(d, v)
        if text is None:
            continue
        try:
            compile_anchored(text)
        except RegexError as exc:
            raise Abort(node_line(v), exc.message) from None
        out[key] = text
    if len(d.terrors) > before:
        return {}
    for key, value in out.items():
        if not LABEL_NAME.fullmatch(key):
            raise Abort(node_line(n), f"invalid label name {go_quote(key)}")
        if value is None:
            raise Abort(node_line(n), f"invalid regexp value for {go_quote(key)}")
    return {k: v for k, v in out.items() if v is not None}


# --- schemas --------------------------------------------------------------------------------

_S, _B, _SL, _SM, _D = dec_str, dec_bool, dec_str_list, dec_str_map, dec_duration
_URL, _SURL = dec_url(False), dec_url(True)


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
                                    "token_url": _S, "endpoint_params": _SM, "tls_config": dec_struct(_tls),
                                    "proxy_url": _S})


def _check_http(d: Decoder, o: dict[str, Any], n: Node) -> None:
    line = node_line(n)
    bearer = o.get("bearer_token") or o.get("bearer_token_file")
    if o.get("bearer_token") and o.get("bearer_token_file"):
        raise Abort(line, "at most one of bearer_token & bearer_token_file must be configured")
    if (o.get("basic_auth") is not None or o.get("oauth2") is not None) and bearer:
        raise Abort(line, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
    ba = o.get("basic_auth")
    if ba is not None and ba.get("password") and ba.get("password_file"):
        raise Abort(line, "at most one of basic_auth password & password_file must be configured")
    auth = o.get("authorization")
    if auth is not None:
        if bearer:
            raise Abort(line, "authorization is not compatible with bearer_token & bearer_token_file")
        if auth.get("credentials") and auth.get("credentials_file"):
            raise Abort(line, "at most one of authorization credentials & credentials_file must be configured")
        if (auth.get("type") or "").strip().lower() == "basic":
            raise Abort(line, 'authorization type cannot be set to "basic", use "basic_auth" instead')
        if ba is not None or o.get("oauth2") is not None:
            raise Abort(line, "at most one of basic_auth, oauth2 & authorization must be configured")
    elif bearer:
        o["authorization"] = {"type": "Bearer"}
    oa = o.get("oauth2")
    if oa is not None:
        if ba is not None:
            raise Abort(line, "at most one of basic_auth, oauth2 & authorization must be configured")
        if not oa.get("client_id"):
            raise Abort(line, "oauth2 client_id must be configured")
        if not oa.get("client_secret") and not oa.get("client_secret_file"):
            raise Abort(line, "either oauth2 client_secret or client_secret_file must be configured")
        if not oa.get("token_url"):
            raise Abort(line, "oauth2 token_url must be configured")
        if oa.get("client_secret") and oa.get("client_secret_file"):
            raise Abort(line, "at most one of oauth2 client_secret & client_secret_file must be configured")


def _http() -> Schema:
    return Schema("config.plain", {
        "basic_auth": dec_struct(_basic_auth), "authorization": dec_struct(_authorization), "oauth2": dec_struct(_oauth2),
        "bearer_token": _S, "bearer_token_file": _S, "proxy_url": _S, "tls_config": dec_struct(_tls),
        "follow_redirects": _B, "enable_http2": _B, "no_proxy": _S, "proxy_from_environment": _B,
        "proxy_connect_header": _SM,
    }, {"follow_redirects": True, "enable_http2": True}, _check_http)


DEFAULT_GLOBAL: dict[str, Any] = {
    "resolve_timeout": 300_000, "smtp_hello": "localhost", "smtp_require_tls": True,
    "pagerduty_url": "https://events.pagerduty.com/v2/enqueue", "opsgenie_api_url": "https://api.opsgenie.com/",
    "wechat_api_url": "https://qyapi.weixin.qq.com/cgi-bin/",
    "victorops_api_url": "https://alert.victorops.com/integrations/generic/20131114/alert/",
    "telegram_api_url": "https://api.telegram.org", "webex_api_url": "https://webexapis.com/v1/messages",
}


def _global() -> Schema:
    return Schema("config.plain", {
        "resolve_timeout": _D, "http_config": dec_struct(_http), "smtp_from": _S, "smtp_hello": _S,
        "smtp_smarthost": dec_hostport, "smtp_auth_username": _S, "smtp_auth_password": _S,
        "smtp_auth_password_file": _S, "smtp_auth_secret": _S, "smtp_auth_identity": _S, "smtp_require_tls": _B,
        "slack_api_url": _SURL, "slack_api_url_file": _S, "pagerduty_url": _URL, "opsgenie_api_url": _URL,
        "opsgenie_api_key": _S, "opsgenie_api_key_file": _S, "wechat_api_url": _URL, "wechat_api_secret": _S,
        "wechat_api_corp_id": _S, "victorops_api_url": _URL, "victorops_api_key": _S, "victorops_api_key_file": _S,
        "telegram_api_url": _URL, "webex_api_url": _URL,
        **dict.fromkeys(_LATER_GLOBAL, dec_any),
    }, DEFAULT_GLOBAL, None, dict.fromkeys(_LATER_GLOBAL, 27))


_LATER_GLOBAL = ("smtp_tls_config", "smtp_force_implicit_tls", "smtp_auth_secret_file", "slack_app_token",
                 "slack_app_token_file", "slack_app_url", "jira_api_url", "rocketchat_api_url", "rocketchat_token",
                 "rocketchat_token_id", "rocketchat_token_file", "rocketchat_token_id_file", "telegram_bot_token",
                 "telegram_bot_token_file", "wechat_api_secret_file", "mattermost_webhook_url",
                 "mattermost_webhook_url_file")


def _check_route(d: Decoder, o: dict[str, Any], n: Node) -> None:
    line = node_line(n)
    for k in (o.get("match") or {}):
        if not LABEL_NAME.fullmatch(k):
            raise Abort(o.get("_line_match", line), f"invalid label name {go_quote(k)}")
    names: list[str] = []
    group_all = False
    for name in o.get("group_by") or []:
        if name == "...":
            group_all = True
            continue
        valid = bool(name) if d.version.utf8_label_names else bool(LABEL_NAME.fullmatch(name))
        if not valid:
            raise Abort(o.get("_line_group_by", line), f"invalid label name {go_quote(name)} in group_by list")
        names.append(name)
    if names and group_all:
        raise Abort(o.get("_line_group_by", line),
                     "cannot have wildcard group_by (`...`) and other other labels at the same time")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise Abort(o.get("_line_group_by", line), f"duplicated label {go_quote(name)} in group_by")
        seen.add(name)
    if o.get("group_interval") == 0:
        raise Abort(o.get("_line_group_interval", line), "group_interval cannot be zero")
    if o.get("repeat_interval") == 0:
        raise Abort(o.get("_line_repeat_interval", line), "repeat_interval cannot be zero")


def _route() -> Schema:
    fields: dict[str, FieldFn] = {
        "receiver": _S, "group_by": _SL, "match": _match_map, "match_re": _match_re, "matchers": _matchers,
        "mute_time_intervals": _SL, "active_time_intervals": _SL, "continue": _B,
        "routes": dec_struct_list(_route, "[]*config.Route"), "group_wait": _D, "group_interval": _D,
        "repeat_interval": _D, "labels": _SM,
    }
    return Schema("config.plain", fields, {}, _check_route, {"labels": 34})


def _check_inhibit(d: Decoder, o: dict[str, Any], n: Node) -> None:
    for key in ("source_match", "target_match"):
        for k in (o.get(key) or {}):
            if not LABEL_NAME.fullmatch(k):
                raise Abort(o.get("_line_" + key, node_line(n)), f"invalid label name {go_quote(k)}")


def _label_names(d: Decoder, n: Node) -> list[str] | None:
    """``model.LabelNames``: each must be a valid label name."""
    items = dec_str_list(d, n)
    if items is None:
        return None
    for i, name in enumerate(items):
        valid = bool(name) if d.version.at_least(28) else bool(LABEL_NAME.fullmatch(name))
        if not valid:
            item_line = node_line(n.value[i]) if isinstance(n, SequenceNode) else node_line(n)
            if d.version.at_least(28):
                raise Abort(item_line, f"invalid label name {go_quote(name)} in equal list")
            raise Abort(item_line, f"{go_quote(name)} is not a valid label name")
    return items


def _inhibit() -> Schema:
    fields: dict[str, FieldFn] = {
        "source_match": _match_map, "source_match_re": _match_re, "source_matchers": _matchers,
        "target_match": _match_map, "target_match_re": _match_re, "target_matchers": _matchers,
        "equal": _label_names, "name": _S,
    }
    return Schema("config.plain", fields, {}, _check_inhibit, {"name": 30})




# --- time intervals ---------------------------------------------------------------------------


def _ranges(parse: Callable[[str], tuple[int, int]]) -> FieldFn:
    def dec(d: Decoder, n: Node) -> list[tuple[int, int]] | None:
        if is_null(n):
            return None
        if not isinstance(n, SequenceNode):
            d.terror(n, "[]timeinterval.Range")
            return None
        out = []
        for item in n.value:
            text = scalar_text(d, item)
            if text is None:
                continue
            try:
                out.append(parse(text))
            except IntervalError as exc:
                raise Abort(node_line(item), exc.message) from None
        return out
    return dec


def _time_range_schema() -> Schema:
    return Schema("timeinterval.yamlTimeRange", {"start_time": _S, "end_time": _S})


def _times(d: Decoder, n: Node) -> list[tuple[int, int]] | None:
    if is_null(n):
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
            raise Abort(node_line(item), exc.message) from None
    return out


def _location(d: Decoder, n: Node) -> str | None:
    text = scalar_text(d, n)
    if text is None:
        return None
    try:
        return check_location(text)
    except IntervalError as exc:
        raise Abort(node_line(n), exc.message) from None


def _interval_entry() -> Schema:
    return Schema("timeinterval.TimeInterval", {
        "times": _times, "weekdays": _ranges(parse_weekday_range), "days_of_month": _ranges(parse_day_of_month_range),
        "months": _ranges(parse_month_range), "years": _ranges(parse_year_range), "location": _location,
    })


def _check_named_interval(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("name"):
        raise Abort(node_line(n), "missing name in " + ("mute time interval" if o.get("_mute") else "time interval"))


def _named_interval(mute: bool) -> Callable[[], Schema]:
    def schema() -> Schema:
        return Schema("config.plain", {"name": _S, "time_intervals": dec_struct_list(_interval_entry,
                                                                                    "[]timeinterval.TimeInterval")},
                      {"_mute": mute}, _check_named_interval)
    return schema


# --- receivers -----------------------------------------------------------------------------

_HTTP = dec_struct(_http)


def _pd_image() -> Schema:
    return Schema("config.PagerdutyImage", {"src": _S, "alt": _S, "href": _S})


def _pd_link() -> Schema:
    return Schema("config.PagerdutyLink", {"href": _S, "text": _S})


def _check_slack_field(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("title"):
        raise Abort(node_line(n), "missing title in Slack field configuration")
    if not o.get("value"):
        raise Abort(node_line(n), "missing value in Slack field configuration")


def _slack_field() -> Schema:
    return Schema("config.plain", {"title": _S, "value": _S, "short": _B}, {}, _check_slack_field)


def _check_confirm(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("text"):
        raise Abort(node_line(n), "missing text in Slack confirmation configuration")


def _slack_confirm() -> Schema:
    return Schema("config.plain", {"text": _S, "title": _S, "ok_text": _S, "dismiss_text": _S}, {}, _check_confirm)


def _check_action(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("type"):
        raise Abort(node_line(n), "missing type in Slack action configuration")
    if not o.get("text"):
        raise Abort(node_line(n), "missing text in Slack action configuration")
    if o.get("url"):
        o["name"] = o["value"] = ""
        o["confirm"] = None
    elif not o.get("name"):
        raise Abort(node_line(n), "missing name or url in Slack action configuration")


def _slack_action() -> Schema:
    return Schema("config.plain", {"type": _S, "text": _S, "url": _S, "style": _S, "name": _S, "value": _S,
                                   "confirm": dec_struct(_slack_confirm)}, {}, _check_action)


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


def _check_email(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("to"):
        raise Abort(node_line(n), "missing to address in email config")
    headers: dict[str, str] = {}
    for h, v in (o.get("headers") or {}).items():
        c = _canonical_header(h)
        if c in headers:
            raise Abort(o.get("_line_headers", node_line(n)), f"duplicate header {go_quote(c)} in email config")
        headers[c] = v
    o["headers"] = headers


def _check_pagerduty(d: Decoder, o: dict[str, Any], n: Node) -> None:
    line = node_line(n)
    if not (o.get("routing_key") or o.get("service_key") or o.get("routing_key_file") or o.get("service_key_file")):
        raise Abort(line, "missing service or routing key in PagerDuty config")
    if o.get("routing_key") and o.get("routing_key_file"):
        raise Abort(line, "at most one of routing_key & routing_key_file must be configured")
    if o.get("service_key") and o.get("service_key_file"):
        raise Abort(line, "at most one of service_key & service_key_file must be configured")
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


def _check_slack(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if o.get("api_url") and o.get("api_url_file"):
        raise Abort(node_line(n), "at most one of api_url & api_url_file must be configured")


def _check_webhook(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("url"):
        raise Abort(node_line(n), "missing URL in webhook config")


def _check_wechat(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("message_type"):
        o["message_type"] = "text"
    if o["message_type"] not in ("text", "markdown"):
        raise Abort(node_line(n), f"weChat message type {go_quote(o['message_type'])} does not match valid options "
                               "^(text|markdown)$")


def _check_opsgenie(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if o.get("api_key") and o.get("api_key_file"):
        raise Abort(node_line(n), "at most one of api_key & api_key_file must be configured")
    for r in o.get("responders") or []:
        if r is None:
            continue
        desc = "{" + " ".join((r.get("id") or "", r.get("name") or "", r.get("username") or "",
                               r.get("type") or "")) + "}"
        if not (r.get("id") or r.get("username") or r.get("name")):
            raise Abort(r["_line"], f"opsGenieConfig responder {desc} has to have at least one of id, username "
                                     "or name specified")
        rtype = r.get("type") or ""
        if "{{" not in rtype:
            r["type"] = rtype.lower()
            if r["type"] not in ("team", "teams", "user", "escalation", "schedule"):
                raise Abort(r["_line"], f"opsGenieConfig responder {desc} type does not match valid options "
                                         "^(team|teams|user|escalation|schedule)$")


def _check_victorops(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("routing_key"):
        raise Abort(node_line(n), "missing Routing key in VictorOps config")
    if o.get("api_key") and o.get("api_key_file"):
        raise Abort(node_line(n), "at most one of api_key & api_key_file must be configured")
    for v in ("routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool",
              "entity_id", "entity_state"):
        if v in (o.get("custom_fields") or {}):
            raise Abort(node_line(n), f"victorOps config contains custom field {v} which cannot be used as it "
                                   "conflicts with the fixed/static fields")


def _check_pushover(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("user_key"):
        raise Abort(node_line(n), "missing user key in Pushover config")
    if not o.get("token"):
        raise Abort(node_line(n), "missing token in Pushover config")


def _check_sns(d: Decoder, o: dict[str, Any], n: Node) -> None:
    a, b, c = (not o.get("target_arn"), not o.get("topic_arn"), not o.get("phone_number"))
    if (a != b) != c:
        raise Abort(node_line(n), "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config")


def _check_telegram(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("bot_token"):
        raise Abort(node_line(n), "missing bot_token on telegram_config")
    if not o.get("chat_id"):
        raise Abort(node_line(n), "missing chat_id on telegram_config")
    if o.get("parse_mode") not in ("", None, "Markdown", "MarkdownV2", "HTML"):
        raise Abort(node_line(n), "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or "
                               "empty string")


def _check_webex(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("room_id"):
        raise Abort(node_line(n), "missing room_id on webex_config")
    http = o.get("http_config")
    if http is None or http.get("authorization") is None:
        raise Abort(node_line(n), "missing webex_configs.http_config.authorization")


def _tpl(name: str) -> str:
    return '{{ template "' + name + '" . }}'


# kind -> (fields, defaults, check). Defaults are config/notifiers.go's Default*Config.
_INTEGRATIONS: dict[str, tuple[dict[str, FieldFn], dict[str, Any], Any]] = {
    "webhook": ({"url": _URL, "max_alerts": dec_int("uint64", unsigned=True)}, {"send_resolved": True, "max_alerts": 0},
                _check_webhook),
    "email": ({"to": _S, "from": _S, "hello": _S, "smarthost": dec_hostport, "auth_username": _S, "auth_password": _S,
               "auth_password_file": _S, "auth_secret": _S, "auth_identity": _S, "headers": _SM, "html": _S,
               "text": _S, "require_tls": _B, "tls_config": dec_struct(_tls)},
              {"send_resolved": False, "html": _tpl("email.default.html"), "text": ""}, _check_email),
    "pagerduty": ({"service_key": _S, "service_key_file": _S, "routing_key": _S, "routing_key_file": _S,
                   "url": _URL, "client": _S, "client_url": _S, "description": _S, "details": _SM,
                   "images": dec_struct_list(_pd_image, "[]config.PagerdutyImage"),
                   "links": dec_struct_list(_pd_link, "[]config.PagerdutyLink"), "source": _S, "severity": _S,
                   "class": _S, "component": _S, "group": _S},
                  {"send_resolved": True, "description": '{{ template "pagerduty.default.description" .}}',
                   "client": _tpl("pagerduty.default.client"), "client_url": _tpl("pagerduty.default.clientURL")},
                  _check_pagerduty),
    "opsgenie": ({"api_key": _S, "api_key_file": _S, "api_url": _URL, "message": _S, "description": _S,
                  "source": _S, "details": _SM, "entity": _S,
                  "responders": dec_struct_list(_og_responder, "[]config.OpsGenieConfigResponder"),
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
               "title_link": _S, "pretext": _S, "text": _S, "fields": dec_struct_list(_slack_field, "[]*config.SlackField"),
               "short_fields": _B, "footer": _S, "fallback": _S, "callback_id": _S, "icon_emoji": _S, "icon_url": _S,
               "image_url": _S, "thumb_url": _S, "link_names": _B, "mrkdwn_in": _SL,
               "actions": dec_struct_list(_slack_action, "[]*config.SlackAction")},
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
                  "priority": _S, "retry": dec_go_duration, "expire": dec_go_duration, "html": _B},
                 {"send_resolved": True, "title": _tpl("pushover.default.title"),
                  "message": _tpl("pushover.default.message"), "url": _tpl("pushover.default.url"),
                  "priority": '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}', "retry": 60 * 10**9,
                  "expire": 3600 * 10**9, "html": False}, _check_pushover),
    "sns": ({"api_url": _S, "sigv4": dec_struct(_sigv4), "topic_arn": _S, "phone_number": _S, "target_arn": _S,
             "subject": _S, "message": _S, "attributes": _SM},
            {"send_resolved": True, "subject": _tpl("sns.default.subject"), "message": _tpl("sns.default.message")},
            _check_sns),
    "telegram": ({"api_url": _URL, "bot_token": _S, "chat_id": dec_int("int64"), "message": _S,
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


def _check_receiver(d: Decoder, o: dict[str, Any], n: Node) -> None:
    if not o.get("name"):
        raise Abort(node_line(n), "missing name in receiver")


def _receiver() -> Schema:
    fields: dict[str, FieldFn] = {"name": _S}
    for kind in INTEGRATION_ORDER:
        fields[kind + "_configs"] = dec_struct_list(_integration(kind), f"[]*config.{kind.capitalize()}Config")
    since = {}
    for kind, minor in _LATER_INTEGRATIONS.items():
        fields[kind + "_configs"] = dec_any
        since[kind + "_configs"] = minor
    fields["labels"] = dec_any
    since["labels"] = 33
    return Schema("config.plain", fields, {}, _check_receiver, since)


# Receivers of later releases: accepted (not rendered) when emulating them.
_LATER_INTEGRATIONS = {"msteams": 26, "msteamsv2": 28, "jira": 28, "rocketchat": 28, "incidentio": 29,
                       "mattermost": 30}


def config_schema() -> Schema:
    """The top-level ``config.Config``."""
    return Schema("config.plain", {
        "tracing": dec_any, "event_recorder": dec_any,
        "global": dec_struct(_global), "route": dec_struct(_route), "inhibit_rules": dec_struct_list(_inhibit,
                                                                                            "[]*config.InhibitRule"),
        "receivers": dec_struct_list(_receiver, "[]*config.Receiver"), "templates": _SL,
        "mute_time_intervals": dec_struct_list(_named_interval(True), "[]config.MuteTimeInterval"),
        "time_intervals": dec_struct_list(_named_interval(False), "[]config.TimeInterval"),
    }, {}, None, {"tracing": 34, "event_recorder": 34})
