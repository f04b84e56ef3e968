"""From the rule engine's alert timeline to the notifications each receiver gets: what
Prometheus sends (:mod:`.sending`), then Alertmanager (:mod:`.dispatch`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field

from ruletest.alertmanager.config import Config
from ruletest.alertmanager.dispatch import DEFAULT_EXTERNAL_URL, SimOptions, Simulation, simulate
from ruletest.alertmanager.sending import DEFAULT_RESEND_DELAY_MS, EvalStep, SendOptions, posts
from ruletest.alertmanager.template_set import TemplateSet
from ruletest.records import record


@record
class PipelineOptions:
    until_ms: int
    start_ms: int = 0
    resend_delay_ms: int = DEFAULT_RESEND_DELAY_MS
    prometheus_url: str = ""  # Prometheus' --web.external-url (GeneratorURL)
    alertmanager_url: str = DEFAULT_EXTERNAL_URL  # Alertmanager's (.ExternalURL)
    external_labels: dict[str, str] = field(default_factory=dict)
    exprs: dict[str, str] = field(default_factory=dict)  # alert name -> printed expression


def notifications(config: Config, templates: TemplateSet | None, steps: Iterable[EvalStep],
                  opts: PipelineOptions) -> Simulation:
    sent = posts(steps, SendOptions(opts.resend_delay_ms, opts.prometheus_url, opts.external_labels, opts.exprs))
    return simulate(config, templates, sent, SimOptions(opts.until_ms, opts.start_ms, opts.alertmanager_url))
