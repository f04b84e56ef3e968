"""Go ``text/template`` for alert labels and annotations, with Prometheus' data and functions.

``expand_alert_text`` reproduces ``rules/alerting.go``: the text is prefixed with the
``$labels``/``$externalLabels``/``$externalURL``/``$value`` definitions, executed with
``missingkey=zero``, and any parse or execution error becomes the string
``<error expanding template: ...>`` — exactly what Prometheus puts in the alert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from ruletest.records import record
from ruletest.semantics import PROMETHEUS_3, Semantics
from ruletest.templates.exec import BUILTIN_NAMES, Executor
from ruletest.templates.funcs import PROMETHEUS_FUNC_NAMES, make_sample, prometheus_funcs
from ruletest.templates.parse import Template, TemplateError, parse_template
from ruletest.templates.values import HistogramValue, LabelMap, PointerValue, StructValue

__all__ = ["AlertTemplateData", "TemplateError", "expand_alert_text", "make_sample", "parse_alert_text"]

PREFIX = ("{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
          "{{$externalURL := .ExternalURL}}{{$value := .Value}}")

FUNC_NAMES = frozenset(BUILTIN_NAMES | PROMETHEUS_FUNC_NAMES)
# Template functions that Prometheus 2.42 does not have yet.
NEWER_FUNCS = frozenset({"now", "toDuration", "urlQueryEscape"})


@record
class AlertTemplateData:
    """What an alert template's data holds: ``$labels``, ``$externalLabels``, ``$externalURL``, ``$value``."""

    labels: Mapping[str, str]
    external_labels: Mapping[str, str]
    external_url: str
    value: float | HistogramValue  # a native histogram's, for an alert on histograms

    def as_struct(self, semantics: Semantics = PROMETHEUS_3) -> StructValue:
        # Go prints the anonymous struct's type in "can't evaluate field" errors.
        value_type = "interface {}" if semantics.template_value_is_interface else "float64"
        type_name = ("struct { Labels map[string]string; ExternalLabels map[string]string; "
                     f"ExternalURL string; Value {value_type} }}")
        return StructValue(type_name, {
            "Labels": LabelMap(self.labels),
            "ExternalLabels": LabelMap(self.external_labels),
            "ExternalURL": self.external_url,
            "Value": self.value,
        })


@lru_cache(maxsize=4096)
def parse_alert_text(text: str, alert_name: str, semantics: Semantics = PROMETHEUS_3) -> Template:
    """Parse ``text`` as Prometheus does (raises :class:`TemplateError` with Go's message)."""
    name = "__alert_" + alert_name
    funcs = set(FUNC_NAMES) if semantics.template_functions_3x else set(FUNC_NAMES - NEWER_FUNCS)
    return parse_template(name, PREFIX + text, funcs)


def expand_alert_text(text: str, alert_name: str, data: AlertTemplateData, *, now_ms: int,
                      query: Callable[[str], list[PointerValue]] | None = None,
                      semantics: Semantics = PROMETHEUS_3) -> str:
    if "{{" not in text:
        return text
    name = "__alert_" + alert_name
    try:
        tmpl = parse_alert_text(text, alert_name, semantics)
    except TemplateError as exc:
        return f"<error expanding template: error parsing template {name}: {exc.message}>"
    funcs: dict[str, Any] = prometheus_funcs(query=query, now_ms=now_ms, external_url=data.external_url,
                                             newer=semantics.template_functions_3x)
    try:
        return Executor(tmpl, funcs, range_over_int=semantics.template_range_over_int).run(data.as_struct(semantics))
    except TemplateError as exc:
        return f"<error expanding template: error executing template {name}: {exc.message}>"
    except RecursionError:
        return f"<error expanding template: error executing template {name}: template too deeply nested>"
