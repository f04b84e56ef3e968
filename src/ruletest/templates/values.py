"""Go values as alert templates see them: typed maps, structs, times and durations.

Python ``str``/``bool``/``int``/``float``/``None`` stand for Go ``string``/``bool``/``int``/
``float64``/``nil``; the classes here cover the rest. Only these types exist in a template run,
so templates cannot reach Python attributes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


class GoValue:
    """A Go value with its own formatting and type name."""

    type_name = "interface {}"

    def go_format(self, verb: str) -> str:
        raise NotImplementedError

    def field(self, name: str) -> tuple[bool, Any]:
        """(found, value) for ``.name``."""
        return False, None


class LabelMap(dict[str, str]):
    """Go ``map[string]string``: a missing key reads as the empty string (missingkey=zero)."""

    type_name = "map[string]string"


class StructValue(GoValue):
    def __init__(self, type_name: str, fields: Mapping[str, Any]) -> None:
        self.type_name = type_name
        self.fields = dict(fields)

    def field(self, name: str) -> tuple[bool, Any]:
        if name in self.fields:
            return True, self.fields[name]
        return False, None

    def go_format(self, verb: str) -> str:
        from ruletest.templates.gofmt import format_value

        return "{" + " ".join(format_value(v, verb) for v in self.fields.values()) + "}"


class PointerValue(GoValue):
    """A pointer to a struct (``*sample``): prints as ``&{...}``."""

    def __init__(self, target: StructValue) -> None:
        self.target = target
        self.type_name = "*" + target.type_name

    def field(self, name: str) -> tuple[bool, Any]:
        return self.target.field(name)

    def go_format(self, verb: str) -> str:
        return "&" + self.target.go_format(verb)


class HTMLString(str):
    """``html/template.HTML`` (from ``safeHtml``)."""


class TimeValue(GoValue):
    type_name = "*time.Time"

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def go_format(self, verb: str) -> str:
        return format_go_time(self.ms)


class DurationValue(GoValue):
    type_name = "*time.Duration"

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def go_format(self, verb: str) -> str:
        return format_go_duration(self.ns)


def format_go_time(ms: int) -> str:
    """Go ``Time.String()`` in UTC: ``2015-06-23 13:19:44.128 +0000 UTC``."""
    secs, rem = divmod(ms, 1000)
    dt = datetime.fromtimestamp(secs, tz=UTC)
    frac = f".{rem:03d}".rstrip("0") if rem else ""
    frac = "" if frac == "." else frac
    return dt.strftime("%Y-%m-%d %H:%M:%S") + frac + " +0000 UTC"


def format_go_duration(ns: int) -> str:
    """Go ``time.Duration.String()``: ``1m30.5s``, ``500ms``, ``0s``."""
    if ns == 0:
        return "0s"
    neg = ns < 0
    u = -ns if neg else ns
    if u < 1_000_000_000:
        if u < 1_000:
            s = f"{u}ns"
        elif u < 1_000_000:
            s = _frac(u, 1_000) + "µs"
        else:
            s = _frac(u, 1_000_000) + "ms"
    else:
        hours, rem = divmod(u, 3_600_000_000_000)
        minutes, rem = divmod(rem, 60_000_000_000)
        secs = _frac(rem, 1_000_000_000) + "s"
        s = (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "") + secs
    return "-" + s if neg else s


def _frac(v: int, unit: int) -> str:
    whole, rem = divmod(v, unit)
    if not rem:
        return str(whole)
    digits = str(rem).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def go_type_name(v: Any) -> str:
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, GoValue | LabelMap):
        return v.type_name
    if isinstance(v, HTMLString):
        return "template.HTML"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, Mapping):
        return "map[string]interface {}"
    if isinstance(v, list | tuple):
        return "[]interface {}"
    return type(v).__name__


def is_true(v: Any) -> bool:
    """Go template truth: false, 0, nil and empty string/map/slice are false; NaN is true."""
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v != 0
    if isinstance(v, float):
        return v != 0 or math.isnan(v)
    if isinstance(v, str | Mapping | list | tuple):
        return len(v) > 0
    return True
