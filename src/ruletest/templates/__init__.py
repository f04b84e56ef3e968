"""Go ``text/template`` for alert labels and annotations, with Prometheus' data and functions.

``expand_alert_text`` reproduces ``rules/alerting.go``: the text is prefixed with the
``$labels``/``$externalLabels``/``$externalURL``/``$value`` definitions, executed with
``missingkey=zero``, and any parse or execution error becomes the string
``<error expanding template: ...>`` — exactly what Prometheus puts in the alert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ruletest.templates.exec import BUILTIN_NAMES, Executor
from ruletest.templates.funcs import PROMETHEUS_FUNC_NAMES, make_sample, prometheus_funcs
from ruletest.templates.parse import Template, TemplateError, parse_template
from ruletest.templates.values import LabelMap, PointerValue, StructValue

__all__ = ["AlertTemplateData", "TemplateError", "expand_alert_text", "make_sample", "parse_alert_text"]

PREFIX = ("{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
          "{{$externalURL := .ExternalURL}}{{$value := .Value}}")

FUNC_NAMES = frozenset(BUILTIN_NAMES | PROMETHEUS_FUNC_NAMES)


@dataclass(frozen=True)
class AlertTemplateData:
    labels: Mapping[str, str]
    external_labels: Mapping[str, str]
    external_url: str
    value: float

    def as_struct(self) -> StructValue:
        return StructValue("template.AlertTemplateData", {
            "Labels": LabelMap(self.labels),
            "ExternalLabels": LabelMap(self.external_labels),
            "ExternalURL": self.external_url,
            "Value": self.value,
        })


@lru_cache(maxsize=4096)
def parse_alert_text(text: str, alert_name: str) -> Template:
    """Parse ``text`` as Prometheus does (raises :class:`TemplateError` with Go's message)."""
    name = "__alert_" + alert_name
    return parse_template(name, PREFIX + text, set(FUNC_NAMES))


def expand_alert_text(text: str, alert_name: str, data: AlertTemplateData, *, now_ms: int,
                      query: Callable[[str], list[PointerValue]] | None = None) -> str:
    if "{{" not in text:
        return text
    name = "__alert_" + alert_name
    try:
        tmpl = parse_alert_text(text, alert_name)
    except TemplateError as exc:
        return f"<error expanding template: error parsing template {name}: {exc.message}>"
    funcs: dict[str, Any] = prometheus_funcs(query=query, now_ms=now_ms, external_url=data.external_url)
    try:
        return Executor(tmpl, funcs).run(data.as_struct())
    except TemplateError as exc:
        return f"<error expanding template: error executing template {name}: {exc.message}>"
    except RecursionError:
        return f"<error expanding template: error executing template {name}: template too deeply nested>"
