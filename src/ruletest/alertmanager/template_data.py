"""The data Alertmanager's notification templates see (``template/template.go``): ``Data``,
``Alert``, ``KV`` with its methods, ``Pairs``, ``Alerts``; Go ``time.Time`` and
``time.Duration`` values; and ``toJson``'s encoding of them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ruletest.alertmanager.gotime import NS, GoTime
from ruletest.alertmanager.labelset import fingerprint_hex, sort_alert_labels
from ruletest.alertmanager.version import Version
from ruletest.gocompat import PLAIN, format_go_duration
from ruletest.records import record
from ruletest.templates.exec import FuncError
from ruletest.templates.gofmt import format_value, print_arg
from ruletest.templates.values import GoValue, LabelMap, StructValue, go_type_name


class _Method:
    """A bound Go method with its parameter count (for "wrong number of args")."""

    def __init__(self, fn: Callable[..., Any], arity: int) -> None:
        self.fn = fn
        self.go_arity = arity

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


def _method(fn: Callable[..., Any], arity: int) -> Callable[..., Any]:
    return _Method(fn, arity)


class StringSlice(list[str], GoValue):
    """A Go ``[]string`` (``Names``, ``Values``, ``stringSlice``); prints ``[a b]``."""

    type_name = "[]string"

    def go_format(self, verb: str) -> str:
        return "[" + " ".join(self) + "]"


class KV(LabelMap, GoValue):
    """``template.KV`` (``map[string]string``) with ``SortedPairs``, ``Names``, ``Values``,
    ``Remove`` and, from 0.26, ``String``."""

    type_name = "template.KV"

    def __init__(self, items: Mapping[str, str] | Sequence[tuple[str, str]] = (), version: Version | None = None
                 ) -> None:
        super().__init__(items)
        self.version = version or Version()

    def sorted_pairs(self) -> Pairs:
        keys = sorted(k for k in self if k != "alertname")
        if "alertname" in self:
            keys.insert(0, "alertname")
        return Pairs([pair(k, self[k]) for k in keys], self.version)

    def go_method(self, name: str) -> Callable[..., Any] | None:
        if name == "SortedPairs":
            return _method(self.sorted_pairs, 0)
        if name == "Names":
            return _method(lambda: StringSlice(p.fields["Name"] for p in self.sorted_pairs()), 0)
        if name == "Values":
            return _method(lambda: StringSlice(p.fields["Value"] for p in self.sorted_pairs()), 0)
        if name == "Remove":
            return _method(self._remove, 1)
        if name == "String" and self.version.kv_string:
            return _method(lambda: self.sorted_pairs().go_format("v"), 0)
        return None

    def _remove(self, keys: Any) -> KV:
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise FuncError(f"wrong type for value; expected []string; got {go_type_name(keys)}")
        return KV({k: v for k, v in self.items() if k not in keys}, self.version)

    def go_format(self, verb: str) -> str:
        if self.version.kv_string:
            return self.sorted_pairs().go_format(verb)
        return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(self.items())) + "]"

    def field(self, name: str) -> tuple[bool, Any]:
        return True, self.get(name, "")


def pair(name: str, value: str) -> StructValue:
    return StructValue("template.Pair", {"Name": name, "Value": value})


class Pairs(list[StructValue], GoValue):
    type_name = "template.Pairs"

    def __init__(self, items: Sequence[StructValue] = (), version: Version | None = None) -> None:
        super().__init__(items)
        self.version = version or Version()

    def go_method(self, name: str) -> Callable[..., Any] | None:
        if name == "Names":
            return _method(lambda: StringSlice(p.fields["Name"] for p in self), 0)
        if name == "Values":
            return _method(lambda: StringSlice(p.fields["Value"] for p in self), 0)
        if name == "String" and self.version.kv_string:
            return _method(lambda: self.go_format("v"), 0)
        return None

    def go_format(self, verb: str) -> str:
        if self.version.kv_string:
            return ", ".join(f"{p.fields['Name']}={p.fields['Value']}" for p in self)
        return "[" + " ".join(print_arg(p, verb, PLAIN, 1) for p in self) + "]"


class TimeValue(GoValue):
    """A Go ``time.Time`` with the methods templates use (``Format``, ``Unix``, ``UTC`` ...)."""

    type_name = "time.Time"

    def __init__(self, t: GoTime) -> None:
        self.t = t

    def go_format(self, verb: str) -> str:
        return str(self.t)

    def go_method(self, name: str) -> Callable[..., Any] | None:
        t = self.t
        simple: dict[str, Callable[[], Any]] = {
            "Unix": lambda: t.ns // NS, "UnixMilli": lambda: t.ns // 1_000_000, "UnixNano": lambda: t.ns,
            "UTC": lambda: TimeValue(GoTime(t.ns)), "Local": lambda: TimeValue(GoTime(t.ns)),
            "IsZero": lambda: t.is_zero, "String": lambda: str(t),
            "Year": lambda: int(t.format("2006")), "Day": lambda: int(t.format("2")),
            "Hour": lambda: int(t.format("15")), "Minute": lambda: int(t.format("4")),
            "Second": lambda: int(t.format("5")), "Month": lambda: GoEnum(t.format("January"), int(t.format("1"))),
            "Weekday": lambda: GoEnum(t.format("Monday"), ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
                                                            "Friday", "Saturday"].index(t.format("Monday"))),
        }
        if name in simple:
            return _method(simple[name], 0)
        if name == "Format":
            return _method(lambda layout: t.format(_need_str(layout)), 1)
        if name in ("Before", "After", "Equal", "Sub"):
            def compare(other: Any) -> Any:
                if not isinstance(other, TimeValue):
                    raise FuncError(f"wrong type for value; expected time.Time; got {go_type_name(other)}")
                o = other.t.ns
                return {"Before": t.ns < o, "After": t.ns > o, "Equal": t.ns == o,
                        "Sub": DurationValue(t.ns - o)}[name]
            return _method(compare, 1)
        if name == "Add":
            def add(d: Any) -> TimeValue:
                if not isinstance(d, DurationValue):
                    raise FuncError(f"wrong type for value; expected time.Duration; got {go_type_name(d)}")
                return TimeValue(GoTime(t.ns + d.ns, t.offset, t.zone, t.location))
            return _method(add, 1)
        return None


class GoEnum(GoValue):
    """``time.Month`` / ``time.Weekday``: prints its name, compares as its number."""

    type_name = "time.Month"

    def __init__(self, name: str, number: int) -> None:
        self.name = name
        self.number = number

    def go_format(self, verb: str) -> str:
        return self.name if verb in ("v", "s") else str(self.number)


class DurationValue(GoValue):
    type_name = "time.Duration"

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def go_format(self, verb: str) -> str:
        return format_go_duration(self.ns) if verb in ("v", "s") else str(self.ns)

    def go_method(self, name: str) -> Callable[..., Any] | None:
        ns = self.ns
        table: dict[str, Callable[[], Any]] = {
            "Seconds": lambda: ns / 1e9, "Minutes": lambda: ns / 6e10, "Hours": lambda: ns / 3.6e12,
            "Milliseconds": lambda: ns // 1_000_000, "String": lambda: format_go_duration(ns),
        }
        return _method(table[name], 0) if name in table else None


def _need_str(v: Any) -> str:
    if not isinstance(v, str):
        raise FuncError(f"wrong type for value; expected string; got {go_type_name(v)}")
    return v


class AlertValue(StructValue):
    """``template.Alert``."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        super().__init__("template.Alert", fields)


class AlertList(list[AlertValue], GoValue):
    """``template.Alerts`` with ``Firing`` and ``Resolved`` (which return plain ``[]Alert``)."""

    type_name = "template.Alerts"

    def go_method(self, name: str) -> Callable[..., Any] | None:
        if name in ("Firing", "Resolved"):
            status = "firing" if name == "Firing" else "resolved"
            return _method(lambda: PlainAlerts(a for a in self if a.fields["Status"] == status), 0)
        return None

    def go_format(self, verb: str) -> str:
        return "[" + " ".join(print_arg(a, verb, PLAIN, 1) for a in self) + "]"


class PlainAlerts(list[AlertValue], GoValue):
    type_name = "[]template.Alert"

    def go_format(self, verb: str) -> str:
        return "[" + " ".join(print_arg(a, verb, PLAIN, 1) for a in self) + "]"


# --- building Data -------------------------------------------------------------------------


@record
class TemplateAlert:
    """One alert as a notification renders it."""

    status: str  # firing / resolved
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: GoTime
    ends_at: GoTime  # zero while firing
    generator_url: str = ""
    fingerprint: str = ""


@record
class TemplateData:
    receiver: str  # already QuoteMeta'd
    status: str
    alerts: tuple[TemplateAlert, ...]
    group_labels: Mapping[str, str]
    common_labels: Mapping[str, str]
    common_annotations: Mapping[str, str]
    external_url: str
    notification_reason: str = ""
    pointer: bool = True  # notifications execute against *Data, amtool against Data


def quote_meta(s: str) -> str:
    """Go ``regexp.QuoteMeta``."""
    return "".join("\\" + c if c in "\\.+*?()|[]{}^$" else c for c in s)


def notification_data(receiver: str, group_labels: Mapping[str, str], alerts: Sequence[TemplateAlert],
                      external_url: str, reason: str = "") -> TemplateData:
    """``Template.Data``: status, common labels and annotations from the alerts sent."""
    status = "firing" if any(a.status == "firing" for a in alerts) else "resolved"
    common_l: dict[str, str] = dict(alerts[0].labels) if alerts else {}
    common_a: dict[str, str] = dict(alerts[0].annotations) if alerts else {}
    for a in alerts[1:]:
        common_l = {k: v for k, v in common_l.items() if a.labels.get(k) == v and k in a.labels}
        common_a = {k: v for k, v in common_a.items() if a.annotations.get(k) == v and k in a.annotations}
    return TemplateData(quote_meta(receiver), status, tuple(alerts), dict(group_labels), common_l, common_a,
                        external_url, reason)


def make_alert(labels: Mapping[str, str], annotations: Mapping[str, str], status: str, starts_at_ms: int,
               ends_at_ms: int | None, generator_url: str) -> TemplateAlert:
    return TemplateAlert(status, dict(labels), dict(annotations), GoTime.from_ms(starts_at_ms),
                         GoTime.from_ms(ends_at_ms) if ends_at_ms is not None else GoTime.zero(), generator_url,
                         fingerprint_hex(labels))


def sort_alerts(alerts: Sequence[TemplateAlert]) -> list[TemplateAlert]:
    order = sort_alert_labels([a.labels for a in alerts])
    return [alerts[i] for i in order]


def to_go(data: TemplateData, version: Version) -> StructValue:
    """The Go value templates execute against."""
    alerts = AlertList(AlertValue({
        "Status": a.status, "Labels": KV(a.labels, version), "Annotations": KV(a.annotations, version),
        "StartsAt": TimeValue(a.starts_at), "EndsAt": TimeValue(a.ends_at), "GeneratorURL": a.generator_url,
        "Fingerprint": a.fingerprint,
    }) for a in data.alerts)
    fields: dict[str, Any] = {
        "Receiver": data.receiver, "Status": data.status, "Alerts": alerts,
        "GroupLabels": KV(data.group_labels, version), "CommonLabels": KV(data.common_labels, version),
        "CommonAnnotations": KV(data.common_annotations, version), "ExternalURL": data.external_url,
    }
    if version.notification_reason:
        fields["NotificationReason"] = data.notification_reason
    return StructValue("*template.Data" if data.pointer else "template.Data", fields)


# --- JSON (toJson, webhook payloads) --------------------------------------------------------


def to_json_value(v: Any) -> Any:
    """Go ``encoding/json`` view of a template value (struct json tags, RFC 3339 times)."""
    if isinstance(v, AlertValue):
        f = v.fields
        return {"status": f["Status"], "labels": to_json_value(f["Labels"]), "annotations": to_json_value(
            f["Annotations"]), "startsAt": f["StartsAt"].t.rfc3339nano(), "endsAt": f["EndsAt"].t.rfc3339nano(),
            "generatorURL": f["GeneratorURL"], "fingerprint": f["Fingerprint"]}
    if isinstance(v, StructValue):
        if v.type_name.endswith("template.Data"):
            f = v.fields
            out = {"receiver": f["Receiver"], "status": f["Status"], "alerts": to_json_value(f["Alerts"]),
                   "groupLabels": to_json_value(f["GroupLabels"]), "commonLabels": to_json_value(f["CommonLabels"]),
                   "commonAnnotations": to_json_value(f["CommonAnnotations"]), "externalURL": f["ExternalURL"]}
            return out
        return {k: to_json_value(x) for k, x in v.fields.items()}
    if isinstance(v, TimeValue):
        return v.t.rfc3339nano()
    if isinstance(v, DurationValue):
        return v.ns
    if isinstance(v, Mapping):
        return {str(k): to_json_value(v[k]) for k in sorted(v)}
    if isinstance(v, list | tuple):
        return [to_json_value(x) for x in v]
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return format_value(v)


def go_json(v: Any) -> str:
    """``json.Marshal``: sorted map keys, no spaces, ``<>&`` and U+2028/2029 escaped."""
    text = json.dumps(to_json_value(v), ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
