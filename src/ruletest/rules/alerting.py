"""The alert state machine of one alerting rule (``rules/alerting.go``): inactive -> pending ->
firing after ``for``, ``keep_firing_for``, resolved alerts, and the ``ALERTS`` /
``ALERTS_FOR_STATE`` series it writes.

Labels are expanded at every evaluation (they are the alert's identity). Annotations are
expanded when someone reads them, from the template data of the evaluation that last updated
the alert: a test asserts on a few evaluations, and most never need them. Templates that call
``query`` read the database, which later evaluations change, so those are expanded at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING

from ruletest.errors import PromQLEvalError, RuletestError
from ruletest.promql.values import METRIC_NAME, Labels, Sample, drop_name, labels_from, set_label
from ruletest.records import record
from ruletest.rules.model import Rule
from ruletest.semantics import Semantics

# The template engine is imported when an alert is rendered: rule files without alerting rules
# (or whose alerts never fire) do not need it.
if TYPE_CHECKING:
    from ruletest.templates.values import HistogramValue, PointerValue

RESOLVED_RETENTION_MS = 15 * 60_000
ALERT_METRIC = "ALERTS"
ALERT_FOR_STATE_METRIC = "ALERTS_FOR_STATE"


class AlertState(Enum):
    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"


@record
class TemplateEnv:
    """What alert templates see besides the alert: external labels and URL, and the semantics."""

    external_labels: dict[str, str]
    external_url: str
    semantics: Semantics


QueryFn = Callable[[str, int], "list[PointerValue]"]


class Annotations:
    """An alert's annotations as of one evaluation: expanded on first read, then kept."""

    __slots__ = ("_render", "_value")

    def __init__(self, render: Callable[[], Labels] | None = None, value: Labels | None = None) -> None:
        self._render = render
        self._value = value

    def get(self) -> Labels:
        if self._value is None:
            assert self._render is not None
            self._value = self._render()
            self._render = None
        return self._value


_NO_ANNOTATIONS = Annotations(value=())


@dataclass
class Alert:
    """One alert instance of an alerting rule across evaluations."""

    labels: Labels
    annotations_at: Annotations
    state: AlertState
    active_at: int
    value: float
    fired_at: int | None = None
    resolved_at: int | None = None
    keep_firing_since: int | None = None
    last_eval: int = 0  # the evaluation that last saw the expression return this alert

    @property
    def annotations(self) -> Labels:
        return self.annotations_at.get()


def _uses_query(text: str) -> bool:
    return "query" in text


def _template_query(query: QueryFn, ts: int) -> Callable[[str], list[PointerValue]]:
    """The template's ``query`` function: a query that fails is an error of the template (it
    renders as ``<error expanding template: ...>``), not of the rule, as in Prometheus."""
    from ruletest.templates.exec import FuncError

    def run(q: str) -> list[PointerValue]:
        try:
            return query(q, ts)
        except RuletestError as exc:
            raise FuncError(exc.message) from None
    return run


@dataclass
class AlertingRuleState:
    """An alerting rule's instances across evaluations (``rules/alerting.go``)."""

    rule: Rule
    active: dict[Labels, Alert] = field(default_factory=dict)
    # Rules whose labels hold no template: the alert labels of each result label set seen.
    _alert_labels: dict[Labels, Labels] | None = field(default=None, repr=False, compare=False)
    # ALERTS / ALERTS_FOR_STATE samples by (alert labels, firing, active since).
    _samples: dict[tuple[Labels, bool, int], tuple[Sample, Sample]] = field(default_factory=dict, repr=False,
                                                                            compare=False)
    _eager: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not any("{{" in v for _, v in self.rule.labels):
            self._alert_labels = {}
        self._eager = any(_uses_query(v) for _, v in self.rule.annotations)

    def eval(self, result: list[Sample], ts: int, query_ts: int, env: TemplateEnv, limit: int,
             template_query: QueryFn | None) -> list[Sample]:
        """Advance the state machine with the expression's ``result`` at ``ts``; return the
        ALERTS / ALERTS_FOR_STATE samples to write (at ``query_ts``)."""
        if not result and not self.active:
            return []
        rule = self.rule
        static_labels = self._alert_labels
        keys: list[Labels] = []
        current: set[Labels] = set()
        for smpl in result:
            labels = static_labels.get(smpl.labels) if static_labels is not None else None
            if labels is None:
                labels = drop_name(smpl.labels)
                if rule.labels:
                    expand = self._expander(smpl, ts, env, template_query)
                    for k, v in rule.labels:
                        labels = set_label(labels, k, expand(v))
                labels = set_label(labels, "alertname", rule.name)
                if static_labels is not None:
                    if len(static_labels) > 10_000:
                        static_labels.clear()
                    static_labels[smpl.labels] = labels
            if labels in current:
                raise PromQLEvalError("vector contains metrics with the same labelset after applying alert labels")
            current.add(labels)
            keys.append(labels)

        active = self.active
        for smpl, key in zip(result, keys, strict=True):
            if not rule.annotations:
                annotations = _NO_ANNOTATIONS
            elif self._eager:
                annotations = Annotations(value=self._render(smpl, ts, env, template_query))
            else:
                annotations = Annotations(partial(self._render, smpl, ts, env, template_query))
            existing = active.get(key)
            if existing is not None and existing.state != AlertState.INACTIVE:
                existing.value = smpl.value
                existing.annotations_at = annotations
                existing.last_eval = ts
                continue
            active[key] = Alert(key, annotations, AlertState.PENDING, ts, smpl.value, last_eval=ts)

        out: list[Sample] = []
        num_active = 0
        for key in list(self.active):
            a = self.active[key]
            if key not in current:
                keep_firing = False
                if a.state == AlertState.FIRING and rule.keep_firing_for_ms > 0:
                    if a.keep_firing_since is None:
                        a.keep_firing_since = ts
                    if ts - a.keep_firing_since < rule.keep_firing_for_ms:
                        keep_firing = True
                if a.state == AlertState.PENDING or (
                        a.resolved_at is not None and ts - a.resolved_at > RESOLVED_RETENTION_MS):
                    del self.active[key]
                if a.state != AlertState.INACTIVE and not keep_firing:
                    a.state = AlertState.INACTIVE
                    a.resolved_at = ts
                if not keep_firing:
                    continue
            else:
                a.keep_firing_since = None
            num_active += 1
            if a.state == AlertState.PENDING and ts - a.active_at >= rule.for_ms:
                a.state = AlertState.FIRING
                a.fired_at = ts
            out.extend(self._outputs(a))
        if limit > 0 and num_active > limit:
            self.active.clear()
            raise PromQLEvalError(f"exceeded limit of {limit} with {num_active} alerts")
        return out

    def _expander(self, smpl: Sample, ts: int, env: TemplateEnv, template_query: QueryFn | None
                  ) -> Callable[[str], str]:
        """Expands a label or annotation template with the data of the sample ``smpl`` at ``ts``."""
        from ruletest.templates import AlertTemplateData, expand_alert_text

        data = AlertTemplateData(dict(smpl.labels), env.external_labels, env.external_url, template_value(smpl))
        query = None if template_query is None else _template_query(template_query, ts)
        name = self.rule.name
        sem = env.semantics

        def expand(text: str) -> str:
            return expand_alert_text(text, name, data, now_ms=ts, query=query, semantics=sem)

        return expand

    def _render(self, smpl: Sample, ts: int, env: TemplateEnv, template_query: QueryFn | None) -> Labels:
        # Annotations keep empty values (a ScratchBuilder in Prometheus), labels do not.
        expand = self._expander(smpl, ts, env, template_query)
        return tuple(sorted((k, expand(v)) for k, v in self.rule.annotations))

    def _outputs(self, a: Alert) -> tuple[Sample, Sample]:
        """The ALERTS and ALERTS_FOR_STATE samples of an active alert (the same every step until
        its state changes: built once)."""
        firing = a.state is AlertState.FIRING
        key = (a.labels, firing, a.active_at)
        hit = self._samples.get(key)
        if hit is None:
            hit = (Sample(self._series(a.labels, a.state.value), 1.0),
                   Sample(self._series(a.labels, ""), math.floor(a.active_at / 1000)))
            if len(self._samples) > 10_000:
                self._samples.clear()
            self._samples[key] = hit
        return hit

    def _series(self, alert_labels: Labels, state: str) -> Labels:
        """The labels of the ALERTS series (``state`` given) or ALERTS_FOR_STATE (``state`` empty)."""
        labels = dict(self.rule.labels)
        labels.update(dict(alert_labels))
        labels[METRIC_NAME] = ALERT_METRIC if state else ALERT_FOR_STATE_METRIC
        labels["alertname"] = self.rule.name
        if state:
            labels["alertstate"] = state
        return labels_from(labels)

    def firing(self) -> list[Alert]:
        return [a for a in self.active.values() if a.state == AlertState.FIRING]

    def instances(self) -> list[Alert]:
        """Every alert the rule holds: pending, firing, and resolved ones kept for 15 minutes."""
        return list(self.active.values())


def template_value(s: Sample) -> float | HistogramValue:
    """A sample's value as alert templates see it (``$value``, a ``query`` result's ``.Value``):
    the native histogram when it is one (template/template.go: ``if smpl.H != nil``)."""
    h = s.histogram
    if h is None:
        return s.value
    from ruletest.templates.values import HistogramValue

    return HistogramValue(h.go_string(), {"Count": h.count, "Sum": h.sum, "ZeroCount": h.zero_count,
                                          "ZeroThreshold": h.zero_threshold, "Schema": h.schema})
