"""Go values as alert templates see them: typed maps, structs, pointers, times and durations.

Python ``str``/``bool``/``int``/``float``/``None`` stand for Go ``string``/``bool``/``int``/
``float64``/``nil``; the classes here cover the rest. Only these types exist in a template run,
so templates cannot reach Python attributes. How they print is ``templates.gofmt``'s business.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


class GoValue:
    """A Go value with a type name and (for structs) fields."""

    type_name = "interface {}"

    def field(self, name: str) -> tuple[bool, Any]:
        """(found, value) for ``.name``."""
        return False, None


class LabelMap(dict[str, str]):
    """Go ``map[string]string``: a missing key reads as the empty string (missingkey=zero)."""

    type_name = "map[string]string"


class QueryResult(list[Any]):
    """Prometheus' ``template.queryResult`` (``[]*sample``), what ``query`` returns."""

    type_name = "template.queryResult"


class StructValue(GoValue):
    def __init__(self, type_name: str, fields: Mapping[str, Any]) -> None:
        self.type_name = type_name
        self.fields = dict(fields)

    def field(self, name: str) -> tuple[bool, Any]:
        if name in self.fields:
            return True, self.fields[name]
        return False, None


class PointerValue(GoValue):
    """A pointer to a struct (``*sample``)."""

    def __init__(self, target: StructValue) -> None:
        self.target = target
        self.type_name = "*" + target.type_name

    def field(self, name: str) -> tuple[bool, Any]:
        return self.target.field(name)


class HTMLString(str):
    """``html/template.HTML`` (from ``safeHtml``)."""


class TimeValue(GoValue):
    """``*time.Time`` (from ``toTime``), in UTC with millisecond precision."""

    type_name = "*time.Time"

    def __init__(self, ms: int) -> None:
        self.ms = ms


class DurationValue(GoValue):
    """``*time.Duration`` (from ``toDuration``, Prometheus 3)."""

    type_name = "*time.Duration"

    def __init__(self, ns: int) -> None:
        self.ns = ns


class HistogramValue(GoValue):
    """``*histogram.FloatHistogram``: a native histogram sample's value (``$value``, a
    ``query`` result's ``.Value``), printed by its ``String()`` method, with its exported
    number fields."""

    type_name = "*histogram.FloatHistogram"

    def __init__(self, text: str, fields: Mapping[str, float | int]) -> None:
        self.text = text  # FloatHistogram.String()
        self.fields = dict(fields)  # Count, Sum, ZeroCount, ZeroThreshold, Schema

    def field(self, name: str) -> tuple[bool, Any]:
        if name in self.fields:
            return True, self.fields[name]
        return False, None


def go_type_name(v: Any) -> str:
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, GoValue | LabelMap | QueryResult):
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
