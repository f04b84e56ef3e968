"""Which fields of each integration are templates, with which engine, and how Alertmanager
renders them for one notification (``notify/<integration>/*.go``, 0.25): every field against
the same data; the first template error fails the notification; some fields are truncated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruletest.alertmanager.config import Integration
from ruletest.alertmanager.template_data import TemplateData, go_json, to_go
from ruletest.alertmanager.template_set import TemplateSet
from ruletest.alertmanager.version import Version
from ruletest.records import record
from ruletest.templates.parse import TemplateError

# kind -> [(field path, html?)]; a path is "name", "name.*" (every value of a map) or
# "name[].sub" (a field of every list element).
_TEXT = False
_HTML = True
TEMPLATED: dict[str, list[tuple[str, bool]]] = {
    "webhook": [],
    "email": [("to", _TEXT), ("from", _TEXT), ("headers.*", _TEXT), ("html", _HTML), ("text", _TEXT)],
    "pagerduty": [("routing_key", _TEXT), ("service_key", _TEXT), ("client", _TEXT), ("client_url", _TEXT),
                  ("description", _TEXT), ("severity", _TEXT), ("source", _TEXT), ("class", _TEXT),
                  ("component", _TEXT), ("group", _TEXT), ("details.*", _TEXT), ("images[].src", _TEXT),
                  ("images[].alt", _TEXT), ("images[].href", _TEXT), ("links[].href", _TEXT),
                  ("links[].text", _TEXT)],
    "opsgenie": [("message", _TEXT), ("description", _TEXT), ("source", _TEXT), ("details.*", _TEXT),
                 ("entity", _TEXT), ("actions", _TEXT), ("tags", _TEXT), ("note", _TEXT), ("priority", _TEXT),
                 ("responders[].id", _TEXT), ("responders[].name", _TEXT), ("responders[].username", _TEXT),
                 ("responders[].type", _TEXT)],
    "wechat": [("message", _TEXT), ("to_user", _TEXT), ("to_party", _TEXT), ("to_tag", _TEXT), ("agent_id", _TEXT)],
    "slack": [("channel", _TEXT), ("username", _TEXT), ("color", _TEXT), ("title", _TEXT), ("title_link", _TEXT),
              ("pretext", _TEXT), ("text", _TEXT), ("fallback", _TEXT), ("callback_id", _TEXT), ("footer", _TEXT),
              ("icon_emoji", _TEXT), ("icon_url", _TEXT), ("image_url", _TEXT), ("thumb_url", _TEXT),
              ("fields[].title", _TEXT), ("fields[].value", _TEXT), ("actions[].type", _TEXT),
              ("actions[].text", _TEXT), ("actions[].url", _TEXT), ("actions[].style", _TEXT),
              ("actions[].name", _TEXT), ("actions[].value", _TEXT)],
    "victorops": [("message_type", _TEXT), ("state_message", _TEXT), ("entity_display_name", _TEXT),
                  ("monitoring_tool", _TEXT), ("custom_fields.*", _TEXT)],
    "pushover": [("title", _TEXT), ("message", _TEXT), ("url", _TEXT), ("url_title", _TEXT), ("sound", _TEXT),
                 ("priority", _TEXT)],
    "sns": [("subject", _TEXT), ("message", _TEXT), ("topic_arn", _TEXT), ("phone_number", _TEXT),
            ("target_arn", _TEXT), ("api_url", _TEXT), ("attributes.*", _TEXT)],
    "telegram": [("message", _TEXT)],
    "discord": [("title", _TEXT), ("message", _TEXT)],
    "webex": [("message", _TEXT)],
}

# Rune limits Alertmanager truncates to (notify.TruncateInRunes; "…" marks the cut).
TRUNCATE_RUNES: dict[tuple[str, str], int] = {
    ("slack", "title"): 1024, ("pagerduty", "description"): 1024, ("opsgenie", "message"): 130,
    ("victorops", "state_message"): 20480, ("pushover", "title"): 250, ("pushover", "message"): 1024,
    ("pushover", "url"): 512, ("telegram", "message"): 4096, ("discord", "title"): 256,
    ("discord", "message"): 4096,
}


def _html(kind: str, path: str, fields: Mapping[str, Any]) -> bool:
    if kind == "pushover" and path == "message":
        return bool(fields.get("html"))
    if kind == "telegram" and path == "message":
        return fields.get("parse_mode") == "HTML"
    return any(p == path and h for p, h in TEMPLATED.get(kind, []))


def templated_fields(integration: Integration) -> dict[str, tuple[str, bool]]:
    """Rendered field name (``title``, ``details.firing``, ``fields[0].value``) -> (template
    text, html?) for one integration, defaults included."""
    out: dict[str, tuple[str, bool]] = {}
    f = integration.fields
    for path, _ in TEMPLATED.get(integration.kind, []):
        html = _html(integration.kind, path, f)
        if path.endswith(".*"):
            name = path[:-2]
            for k, v in sorted((f.get(name) or {}).items()):
                out[f"{name}.{k}"] = (str(v), html)
        elif "[]." in path:
            name, sub = path.split("[].")
            for i, item in enumerate(f.get(name) or []):
                if isinstance(item, Mapping) and item.get(sub):
                    out[f"{name}[{i}].{sub}"] = (str(item[sub]), html)
        elif f.get(path) is not None:
            out[path] = (str(f[path]), html)
    if integration.kind == "email":
        headers = dict(f.get("headers") or {})
        if "Subject" not in headers:
            out["headers.Subject"] = ('{{ template "email.default.subject" . }}', False)
        if "To" not in headers:
            out["headers.To"] = (str(f.get("to") or ""), False)
        if "From" not in headers:
            out["headers.From"] = (str(f.get("from") or ""), False)
    return out


def truncate_runes(s: str, n: int) -> str:
    """``notify.TruncateInRunes``."""
    if len(s) <= n:
        return s
    if n <= 3:
        return s[:n]
    return s[:n - 1] + "…"


@record
class Rendered:
    fields: dict[str, str]
    error: str | None = None  # the first template error: the notification fails


def render(integration: Integration, templates: TemplateSet, data: TemplateData, now_ms: int,
           group_key: str = "") -> Rendered:
    """Every templated field of ``integration`` against ``data`` (the webhook's JSON body for
    webhooks), truncated as Alertmanager does."""
    out: dict[str, str] = {}
    error: str | None = None
    if integration.kind == "webhook":
        out["body"] = webhook_body(data, templates.version, integration, group_key)
        return Rendered(out)
    for name, (text, html) in templated_fields(integration).items():
        try:
            value = templates.execute(text, data, html=html, now_ms=now_ms)
        except TemplateError as exc:
            if error is None:
                error = f"{integration.kind} field {name}: {exc.message}"
            value = ""
        limit = TRUNCATE_RUNES.get((integration.kind, name))
        out[name] = truncate_runes(value, limit) if limit else value
    if integration.kind == "pagerduty" and not out.get("severity"):
        out["severity"] = "error"
    return Rendered(out, error)


def webhook_body(data: TemplateData, version: Version, integration: Integration, group_key: str) -> str:
    """The webhook payload (``notify/webhook``): Data as JSON plus version, groupKey and
    truncatedAlerts; ``max_alerts`` cuts the alert list."""
    value = to_go(data, version)
    max_alerts = int(integration.fields.get("max_alerts") or 0)
    alerts = value.fields["Alerts"]
    truncated = 0
    if max_alerts and len(alerts) > max_alerts:
        truncated = len(alerts) - max_alerts
        del alerts[max_alerts:]
    body = go_json(value)
    extra = f',"version":"4","groupKey":{go_json(group_key)},"truncatedAlerts":{truncated}}}'
    return body[:-1] + extra

