"""What Prometheus sends to Alertmanager, and when (Prometheus 3.14 ``rules/alerting.go``
``needsSending``/``sendAlerts``, ``rules/manager.go SendAlerts``, ``notifier/alert.go``).

The input is the rule engine's alert timeline: after each evaluation of a rule group, every
alert the rule still tracks (pending, firing, or resolved within the 15 minute retention).
Pending alerts are never sent. A firing alert is sent at once, then again whenever
``LastSentAt + resend_delay < ts`` (strictly). A resolved alert is sent at the evaluation that
resolved it and then with the same resend rule while retained. ``StartsAt`` is the time it
fired; ``EndsAt`` is the resolution time or ``ts + 4 * max(interval, resend_delay)``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Literal

from ruletest.alertmanager.alert import PostedAlert
from ruletest.promql.values import Labels
from ruletest.records import record

if TYPE_CHECKING:
    from ruletest.rules.model import RuleGroup
    from ruletest.rules.simulation import GroupStep, StepOutcome
    from ruletest.semantics import Semantics

AlertStateName = Literal["pending", "firing", "inactive"]
DEFAULT_RESEND_DELAY_MS = 60_000


@record
class RuleAlert:
    """One alert of an alerting rule after an evaluation (``rules.Alert``)."""

    rule: str
    labels: Labels  # including alertname and the rule's labels
    annotations: Labels
    state: AlertStateName
    active_at_ms: int
    fired_at_ms: int | None = None
    resolved_at_ms: int | None = None
    value: float = 0.0
    group: str = ""


@record
class EvalStep:
    """The alerts of one rule group after its evaluation at ``ts_ms``."""

    ts_ms: int
    alerts: tuple[RuleAlert, ...]
    interval_ms: int = 60_000  # the group's evaluation interval (part of ValidUntil)
    group: str = ""  # the rule group's name


@record
class SendOptions:
    resend_delay_ms: int = DEFAULT_RESEND_DELAY_MS  # --rules.alert.resend-delay
    external_url: str = ""  # --web.external-url
    external_labels: Mapping[str, str] = field(default_factory=dict)
    exprs: Mapping[str, str] = field(default_factory=dict)  # rule name -> expression as Prometheus prints it


@record
class Post:
    """One ``POST /api/v2/alerts`` (Prometheus sends each rule's alerts in one call)."""

    ts_ms: int
    alerts: tuple[PostedAlert, ...]
    rule: str = ""


def generator_url(external_url: str, expr: str) -> str:
    """``externalURL + strutil.TableLinkForExpression(expr)``."""
    return external_url + "/graph?g0.expr=" + urllib.parse.quote_plus(expr, safe="") + "&g0.tab=1"


def posts(steps: Iterable[EvalStep], opts: SendOptions | None = None) -> list[Post]:
    """The alerts Prometheus posts, in time order, one post per rule and evaluation."""
    opts = opts or SendOptions()
    last_sent: dict[tuple[str, str, Labels], tuple[int, int]] = {}  # key -> (active_at, last sent)
    out: list[Post] = []
    for step in sorted(steps, key=lambda s: s.ts_ms):
        by_rule: dict[str, list[PostedAlert]] = {}
        for a in step.alerts:
            key = (a.group, a.rule, a.labels)
            prev = last_sent.get(key)
            sent_at = prev[1] if prev is not None and prev[0] == a.active_at_ms else None
            if not _needs_sending(a, step.ts_ms, sent_at, opts.resend_delay_ms):
                if sent_at is None:
                    last_sent.pop(key, None)
                continue
            last_sent[key] = (a.active_at_ms, step.ts_ms)
            delta = max(step.interval_ms, opts.resend_delay_ms)
            ends = a.resolved_at_ms if a.resolved_at_ms is not None else step.ts_ms + 4 * delta
            labels = dict(a.labels)
            for k, v in opts.external_labels.items():
                labels.setdefault(k, v)
            url = generator_url(opts.external_url, opts.exprs[a.rule]) if a.rule in opts.exprs else ""
            by_rule.setdefault(a.rule, []).append(PostedAlert(
                tuple(sorted(labels.items())), a.annotations, a.fired_at_ms, ends, url))
        for rule, alerts in by_rule.items():
            out.append(Post(step.ts_ms, tuple(alerts), rule))
    return out


def _needs_sending(a: RuleAlert, ts: int, last_sent: int | None, resend_ms: int) -> bool:
    if a.state == "pending":
        return False
    last = last_sent if last_sent is not None else None
    if a.resolved_at_ms is not None and (last is None or a.resolved_at_ms > last):
        return True
    if last is None:
        return True  # zero LastSentAt: sent on the first evaluation it fires
    return last + resend_ms < ts


# --- adapters from ruletest's rule evaluation ---------------------------------------------------


def step_from_group(step: GroupStep, ts_ms: int) -> EvalStep:
    """The :class:`EvalStep` of one evaluated rule group, as the simulation reports it."""
    alerts = tuple(RuleAlert(a.rule.name, a.labels, a.annotations, a.state.value, a.active_at_ms, a.fired_at_ms,
                             a.resolved_at_ms, a.value, step.group.name) for a in step.alerts)
    return EvalStep(ts_ms, alerts, step.interval_ms, step.group.name)


def steps_from_outcome(outcome: StepOutcome) -> list[EvalStep]:
    """Every group evaluated in one step of the simulation (``record_groups=True``)."""
    return [step_from_group(g, outcome.t) for g in outcome.groups]


def rule_exprs(groups: Sequence[RuleGroup], semantics: Semantics) -> dict[str, str]:
    """Alert name -> the expression as Prometheus prints it (for ``GeneratorURL``)."""
    from ruletest.promql import ast as A
    from ruletest.rules.group import rule_expression

    out: dict[str, str] = {}
    for g in groups:
        for r in g.rules:
            if r.is_alert and r.name not in out:
                try:
                    out[r.name] = A.to_promql(rule_expression(r, semantics))
                except Exception:  # an expression that does not parse never fires either
                    out[r.name] = r.expr
    return out
