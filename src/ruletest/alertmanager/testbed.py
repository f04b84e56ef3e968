"""The Alertmanager a test runs against: a config with its templates and what the two servers
are started with, and the rules' alerts fed to it over time. The runner (``notification_test``,
``routing_test``), the Python API and coverage all set it up here, so they agree.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path

from ruletest.alertmanager.config import Config
from ruletest.alertmanager.dispatch import DEFAULT_EXTERNAL_URL, Simulation
from ruletest.alertmanager.loader import LoadOptions, load_config_file
from ruletest.alertmanager.pipeline import PipelineOptions, notifications
from ruletest.alertmanager.route import build_tree
from ruletest.alertmanager.sending import DEFAULT_RESEND_DELAY_MS, EvalStep
from ruletest.alertmanager.template_set import TemplateSet, expand_globs, load_template_set
from ruletest.alertmanager.version import DEFAULT, Version
from ruletest.records import record
from ruletest.results import AlertInstanceState, AlertTimeline


@record
class Testbed:
    config: Config
    templates: TemplateSet
    alertmanager_url: str = DEFAULT_EXTERNAL_URL  # Alertmanager's --web.external-url
    resend_delay_ms: int = DEFAULT_RESEND_DELAY_MS  # Prometheus' --rules.alert.resend-delay

    __test__ = False  # not a pytest test class


def load_testbed(config_path: str | Path, *, base: str | Path = ".", version: Version | None = None,
                 template_paths: Iterable[tuple[str, str]] | Mapping[str, str] = (), external_url: str = "",
                 resend_delay_ms: int = DEFAULT_RESEND_DELAY_MS) -> Testbed:
    """Load ``config_path`` and its templates; relative paths (the config, and the targets of
    ``template_paths``) are read from ``base``. Raises ``ConfigError`` or ``TemplateLoadError``."""
    root = Path(base)
    pairs = template_paths.items() if isinstance(template_paths, Mapping) else template_paths
    mapping = {deployed: os.path.abspath(root / local) for deployed, local in pairs}
    config = load_config_file(os.path.normpath(root / config_path),
                              LoadOptions(version=version or DEFAULT, template_paths=mapping))
    templates = load_template_set(config.template_globs, config.version)
    return Testbed(config, templates, external_url.rstrip("/") or DEFAULT_EXTERNAL_URL, resend_delay_ms)


def unmatched_templates(config: Config) -> list[tuple[str, str, int]]:
    """``templates`` entries that match no file: (as written, as read, line). Alertmanager
    accepts them, but in a test they mean a deployed path that is not mapped to the repository,
    and every notification using their templates would fail to render."""
    out = []
    for i, (written, resolved) in enumerate(zip(config.templates, config.template_globs, strict=True)):
        if not expand_globs([resolved]):
            line = config.template_lines[i] if i < len(config.template_lines) else 0
            out.append((written, resolved, line))
    return out


@record
class Feed:
    """What Prometheus' side contributes: the rule groups' alerts after each evaluation, and
    the settings that shape what is posted."""

    steps: tuple[EvalStep, ...]
    exprs: Mapping[str, str] = field(default_factory=dict)  # alert name -> printed expression (GeneratorURL)
    prometheus_url: str = ""  # Prometheus' --web.external-url
    external_labels: Mapping[str, str] = field(default_factory=dict)


def simulate(tb: Testbed, feed: Feed, *, start_ms: int, until_ms: int) -> Simulation:
    """Alertmanager (started at ``start_ms``) receiving what Prometheus sends, up to ``until_ms``."""
    return notifications(tb.config, tb.templates, feed.steps, PipelineOptions(
        until_ms=until_ms, start_ms=start_ms, resend_delay_ms=tb.resend_delay_ms, prometheus_url=feed.prometheus_url,
        alertmanager_url=tb.alertmanager_url, external_labels=dict(feed.external_labels), exprs=dict(feed.exprs)))


def routed_timeline(config: Config, steps: Sequence[EvalStep], receiver: str, *, start_ms: int, until_ms: int,
                    external_labels: Mapping[str, str] | None = None) -> AlertTimeline:
    """The states, evaluation by evaluation (times relative to ``start_ms``), of the alerts whose
    labels (with the external labels Prometheus adds) route to ``receiver``."""
    tree = build_tree(config)
    ext = dict(external_labels or {})
    routed: dict[tuple[tuple[str, str], ...], bool] = {}
    current: dict[str, tuple[AlertInstanceState, ...]] = {}  # rule group -> its alerts after its last evaluation
    states: list[tuple[int, tuple[AlertInstanceState, ...]]] = []
    by_time: dict[int, list[EvalStep]] = {}
    for step in steps:
        by_time.setdefault(step.ts_ms, []).append(step)
    for t in sorted(by_time):
        if t > until_ms:
            break
        for step in by_time[t]:
            kept = []
            for a in step.alerts:
                if a.labels not in routed:
                    labels = {**ext, **dict(a.labels)}
                    routed[a.labels] = any(r.opts.receiver == receiver for r in tree.match(labels))
                if routed[a.labels]:
                    kept.append(AlertInstanceState(a.labels, a.state, a.value))
            current[step.group] = tuple(kept)
        states.append((t - start_ms, tuple(s for alerts in current.values() for s in alerts)))
    return AlertTimeline(tuple(states), ())
