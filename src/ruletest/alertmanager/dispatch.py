"""Alertmanager's notification pipeline, simulated: alerts received over time are routed into
aggregation groups (``dispatch/dispatch.go``), each group flushes on its timer (``group_wait``,
then every ``group_interval``), and each flush runs the pipeline (``notify/notify.go``):
inhibition, active and mute time intervals, per-integration dedup against the notification
log (``repeat_interval``), ``send_resolved``, rendering.

Everything happens on a simulated clock, so the result is a pure function of the config, the
templates and the posted alerts. When a post and a timer fall on the same instant, the post is
received first. Notifications never fail except on template errors (then, as in Alertmanager,
nothing is logged and the next flush tries again).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ruletest.alertmanager.alert import StoredAlert, put, receive, validate
from ruletest.alertmanager.config import Config, Integration
from ruletest.alertmanager.gotime import format_model_duration
from ruletest.alertmanager.inhibit import inhibited_by
from ruletest.alertmanager.integrations import render
from ruletest.alertmanager.labelset import fingerprint, sort_alert_labels
from ruletest.alertmanager.route import Route, build_tree
from ruletest.alertmanager.sending import Post
from ruletest.alertmanager.template_data import TemplateAlert, make_alert, notification_data
from ruletest.alertmanager.template_set import TemplateSet
from ruletest.promql.values import Labels
from ruletest.records import record

MAINTENANCE_MS = 30_000  # the dispatcher's cleanup of empty groups (0.25-0.31)
DEFAULT_EXTERNAL_URL = "http://localhost:9093"

Reason = Literal["first notification", "new alerts added", "some alerts resolved", "all alerts resolved",
                 "repeat interval elapsed"]


@record
class NotifiedAlert:
    labels: Labels
    annotations: Labels
    status: Literal["firing", "resolved"]
    starts_at_ms: int
    ends_at_ms: int | None  # None while firing (Go's zero time in templates)
    generator_url: str = ""


@record
class Notification:
    """One call of one integration of one receiver."""

    at_ms: int
    receiver: str
    integration: str  # kind, e.g. "slack"
    index: int
    group_key: str
    group_labels: Labels
    route: tuple[int, ...]  # the route node's path from the root
    status: Literal["firing", "resolved"]
    alerts: tuple[NotifiedAlert, ...]
    fields: tuple[tuple[str, str], ...]
    reason: Reason
    error: str | None = None  # a template error: this notification was not sent

    def field(self, name: str) -> str:
        return dict(self.fields).get(name, "")


@record
class Event:
    """Why a flush did or did not notify (for explanations)."""

    at_ms: int
    group_key: str
    receiver: str
    what: str


@record
class Simulation:
    notifications: tuple[Notification, ...]
    events: tuple[Event, ...]
    rejected: tuple[tuple[int, str], ...] = ()  # (time, reason) of posted alerts the API refused


@record
class SimOptions:
    until_ms: int
    start_ms: int = 0  # when Alertmanager started (the maintenance ticker's phase)
    external_url: str = DEFAULT_EXTERNAL_URL
    render: bool = True


@dataclass
class _Group:
    route: Route
    labels: dict[str, str]
    key: str
    created_ms: int
    next_ms: int
    seq: int
    alerts: dict[int, StoredAlert] = field(default_factory=dict)
    has_flushed: bool = False
    alive: bool = True


@record
class _LogEntry:
    firing: frozenset[Labels]
    resolved: frozenset[Labels]
    at_ms: int


def simulate(config: Config, templates: TemplateSet | None, posts: Iterable[Post], opts: SimOptions) -> Simulation:
    """Run Alertmanager from ``opts.start_ms`` to ``opts.until_ms`` on the given posts."""
    version = config.version
    tree = build_tree(config)
    store: dict[int, StoredAlert] = {}
    groups: dict[tuple[tuple[int, ...], int], _Group] = {}
    log: dict[tuple[str, str, str, int], _LogEntry] = {}
    notifications: list[Notification] = []
    events: list[Event] = []
    rejected: list[tuple[int, str]] = []
    # Event queue: (time, priority, seq, payload). Posts (0) before group ticks (1) before
    # maintenance (2) at the same instant.
    queue: list[tuple[int, int, int, object]] = []
    seq = 0
    for p in sorted(posts, key=lambda p: p.ts_ms):
        heapq.heappush(queue, (p.ts_ms, 0, seq, p))
        seq += 1
    if not version.destroys_empty_groups_at_once:
        t = opts.start_ms + MAINTENANCE_MS
        heapq.heappush(queue, (t, 2, seq, "maintenance"))
        seq += 1

    def schedule(g: _Group) -> None:
        nonlocal seq
        heapq.heappush(queue, (g.next_ms, 1, seq, g))
        seq += 1

    while queue:
        at, _prio, _, payload = heapq.heappop(queue)
        if at > opts.until_ms:
            break
        if isinstance(payload, Post):
            for posted in payload.alerts:
                why = validate(posted)
                if why is not None:
                    rejected.append((at, why))
                    continue
                alert = put(store, receive(posted, at, config.global_.resolve_timeout_ms), at)
                store[alert.fingerprint] = alert
                labels = alert.label_map
                for route in tree.match(labels):
                    glabels = route.group_labels(labels)
                    gkey = (route.path, fingerprint(glabels))
                    g = groups.get(gkey)
                    created = g is None
                    if g is None:
                        g = _Group(route, glabels, route.group_key(glabels, version), at,
                                   at + route.opts.group_wait_ms, seq)
                        groups[gkey] = g
                    g.alerts[alert.fingerprint] = alert
                    if (not g.has_flushed and (created or version.immediate_flush_on_every_insert)
                            and alert.starts_at_ms + route.opts.group_wait_ms < at):
                        g.next_ms = at  # an old alert: flush at once
                    if created or g.next_ms == at:
                        schedule(g)
        elif isinstance(payload, _Group):
            g = payload
            if not g.alive or at != g.next_ms:
                continue  # a stale timer (the group was reset or removed)
            g.next_ms = at + g.route.opts.group_interval_ms
            g.has_flushed = True
            schedule(g)
            _flush(config, templates, g, store, log, at, opts, notifications, events)
            if version.destroys_empty_groups_at_once and not g.alerts:
                g.alive = False
                groups = {k: v for k, v in groups.items() if v is not g}
        else:  # maintenance
            for k in [k for k, g in groups.items() if not g.alerts]:
                groups[k].alive = False
                del groups[k]
            heapq.heappush(queue, (at + MAINTENANCE_MS, 2, seq, "maintenance"))
            seq += 1
    return Simulation(tuple(notifications), tuple(events), tuple(rejected))


def _flush(config: Config, templates: TemplateSet | None, g: _Group, store: dict[int, StoredAlert],
           log: dict[tuple[str, str, str, int], _LogEntry], now: int, opts: SimOptions,
           notifications: list[Notification], events: list[Event]) -> None:
    if not g.alerts:
        return
    snapshot = list(g.alerts.values())
    order = sort_alert_labels([a.label_map for a in snapshot])
    snapshot = [snapshot[i] for i in order]
    ok = _pipeline(config, templates, g, store, log, snapshot, now, opts, notifications, events)
    if not ok:
        return
    for a in snapshot:
        cur = g.alerts.get(a.fingerprint)
        if cur is not None and a.resolved_at(now) and cur.updated_at_ms == a.updated_at_ms:
            del g.alerts[a.fingerprint]


def _pipeline(config: Config, templates: TemplateSet | None, g: _Group, store: dict[int, StoredAlert],
              log: dict[tuple[str, str, str, int], _LogEntry], snapshot: list[StoredAlert], now: int,
              opts: SimOptions, notifications: list[Notification], events: list[Event]) -> bool:
    """One flush; True when it "succeeded" (every integration notified or had nothing to do)."""
    receiver = g.route.opts.receiver
    version = config.version

    def note(what: str) -> None:
        events.append(Event(now, g.key, receiver, what))

    kept = []
    for a in snapshot:
        inh = inhibited_by(config.inhibit_rules, store.values(), a.label_map, now, version)
        if inh is None:
            kept.append(a)
        else:
            note(f"{_show(a.labels)} inhibited by {_show(inh.source.labels)} (inhibit rule at line {inh.rule.line})")
    if not kept:
        return True
    opts_ = g.route.opts
    if opts_.active_time_intervals and not any(
            (ti := config.interval(n)) is not None and ti.contains(now * 1_000_000) for n in opts_.active_time_intervals):
        note(f"outside active_time_intervals {', '.join(opts_.active_time_intervals)}: nothing sent")
        return True
    for name in opts_.mute_time_intervals:
        ti = config.interval(name)
        if ti is not None and ti.contains(now * 1_000_000):
            note(f"muted by time interval {name}: nothing sent")
            return True
    rcv = config.receiver(receiver)
    if rcv is None:
        return True
    firing = frozenset(a.labels for a in kept if not a.resolved_at(now))
    resolved = frozenset(a.labels for a in kept if a.resolved_at(now))
    success = True
    for integ in rcv.integrations:
        key = (g.key, receiver, integ.kind, integ.index)
        entry = log.get(key)
        reason = _needs_update(entry, firing, resolved, opts_.repeat_interval_ms, now, integ.send_resolved)
        if reason is None:
            since = format_model_duration(entry.at_ms - opts.start_ms) if entry else "0s"
            note(f"{integ.name}: nothing new since the notification at {since} (from the start)")
            continue
        sent = kept if integ.send_resolved else [a for a in kept if not a.resolved_at(now)]
        if sent:
            n = _notification(config, templates, g, integ, sent, now, reason, opts)
            notifications.append(n)
            if n.error is not None:
                note(f"{integ.name}: template error, not sent: {n.error}")
                success = False
                continue
        else:
            note(f"{integ.name}: all alerts resolved and send_resolved is false: nothing sent")
        log[key] = _LogEntry(firing, resolved, now)
    return success


def _needs_update(entry: _LogEntry | None, firing: frozenset[Labels], resolved: frozenset[Labels], repeat_ms: int,
                  now: int, send_resolved: bool) -> Reason | None:
    """``DedupStage.needsUpdate`` with its reason (0.32's NotificationReason)."""
    if entry is None:
        return "first notification" if firing else None
    if not firing <= entry.firing:
        return "first notification" if not entry.firing else "new alerts added"
    if not firing:
        return "all alerts resolved" if entry.firing else None
    if send_resolved and not resolved <= entry.resolved:
        return "some alerts resolved"
    if entry.at_ms < now - repeat_ms:
        return "repeat interval elapsed"
    return None


def _notification(config: Config, templates: TemplateSet | None, g: _Group, integ: Integration,
                  sent: Sequence[StoredAlert], now: int, reason: Reason, opts: SimOptions) -> Notification:
    alerts = tuple(NotifiedAlert(a.labels, a.annotations, "resolved" if a.resolved_at(now) else "firing",
                                 a.starts_at_ms, a.ends_at_ms if a.resolved_at(now) else None, a.generator_url)
                   for a in sent)
    status: Literal["firing", "resolved"] = "firing" if any(a.status == "firing" for a in alerts) else "resolved"
    fields: dict[str, str] = {}
    error = None
    if opts.render and templates is not None:
        tdata = notification_data(g.route.opts.receiver, g.labels, [_template_alert(a) for a in alerts],
                                  opts.external_url, reason)
        rendered = render(integ, templates, tdata, now, g.key)
        fields, error = rendered.fields, rendered.error
    return Notification(now, g.route.opts.receiver, integ.kind, integ.index, g.key, tuple(sorted(g.labels.items())),
                        g.route.path, status, alerts, tuple(fields.items()), reason, error)


def _template_alert(a: NotifiedAlert) -> TemplateAlert:
    return make_alert(dict(a.labels), dict(a.annotations), a.status, a.starts_at_ms, a.ends_at_ms, a.generator_url)


def _show(labels: Labels) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}"

