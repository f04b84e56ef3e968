"""The Alertmanager configuration as data (``config/config.go``, ``config/notifiers.go``):
what the loader produces and what routing, inhibition, timing and rendering read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

from ruletest.alertmanager.matchers import Matchers
from ruletest.alertmanager.timeinterval import TimeInterval
from ruletest.alertmanager.version import Version
from ruletest.records import record


@record
class RouteConfig:
    """One ``route`` node as written (inheritance is applied by :mod:`.route`)."""

    line: int
    receiver: str = ""
    group_by: tuple[str, ...] | None = None  # the names, "..." excluded; None when absent
    group_by_all: bool = False
    group_by_given: bool = False  # group_by key present (even `[]`)
    matchers: Matchers = field(default_factory=Matchers)  # match + match_re + matchers, sorted
    matcher_texts: tuple[tuple[str, int], ...] = ()  # each `matchers:` string and its line
    uses_match: bool = False  # the deprecated match / match_re
    # Their entries as written (match_re values unanchored), to suggest the `matchers` that replace them.
    match: tuple[tuple[str, str], ...] = ()
    match_re: tuple[tuple[str, str], ...] = ()
    continue_: bool = False
    routes: tuple[RouteConfig, ...] = ()
    group_wait_ms: int | None = None
    group_interval_ms: int | None = None
    repeat_interval_ms: int | None = None
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # 0.34 route labels (templates)


@record
class Integration:
    """One ``*_configs`` entry of a receiver, with Alertmanager's defaults applied."""

    kind: str  # webhook, email, pagerduty, opsgenie, wechat, slack, victorops, pushover, sns, telegram, discord, webex, ...
    index: int  # position among the receiver's entries of this kind
    send_resolved: bool
    fields: Mapping[str, Any]  # decoded values (strings, lists, maps of templates ...)
    line: int

    @property
    def name(self) -> str:
        return f"{self.kind}[{self.index}]"


@record
class Receiver:
    name: str
    integrations: tuple[Integration, ...]
    line: int


@record
class InhibitRule:
    source: Matchers
    target: Matchers
    equal: tuple[str, ...]
    line: int
    uses_match: bool = False
    matcher_texts: tuple[tuple[str, int], ...] = ()
    name: str = ""


@record
class NamedInterval:
    name: str
    entries: tuple[TimeInterval, ...]
    line: int
    deprecated: bool = False  # declared under mute_time_intervals

    def contains(self, ns: int) -> bool:
        return any(e.contains(ns) for e in self.entries)


@record
class GlobalConfig:
    resolve_timeout_ms: int = 300_000
    values: Mapping[str, Any] = field(default_factory=dict)


@record
class Config:
    path: str
    version: Version
    global_: GlobalConfig
    route: RouteConfig
    receivers: tuple[Receiver, ...]
    inhibit_rules: tuple[InhibitRule, ...]
    templates: tuple[str, ...]  # globs as written
    template_globs: tuple[str, ...]  # resolved against the config's directory (and path mappings)
    template_lines: tuple[int, ...]
    time_intervals: tuple[NamedInterval, ...]
    text: str = ""
    # Matcher strings a later Alertmanager (UTF-8 parser) would read differently: (line, why).
    warnings: tuple[tuple[int, str], ...] = ()

    def receiver(self, name: str) -> Receiver | None:
        return next((r for r in self.receivers if r.name == name), None)

    def interval(self, name: str) -> NamedInterval | None:
        return next((t for t in self.time_intervals if t.name == name), None)
