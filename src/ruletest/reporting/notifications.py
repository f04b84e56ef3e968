"""Alertmanager test failures as text: a routing case's differences, and a notification test's
expected and sent notifications side by side, the flushes that sent nothing (and why), and the
state timeline of the alerts routed to the receiver."""

from __future__ import annotations

from ruletest.gocompat import go_quote
from ruletest.promql.ast import format_duration
from ruletest.promql.values import Labels, format_labels
from ruletest.reporting.explain import timeline_lines
from ruletest.results import NotificationMismatch, RoutingMismatch


def routing_message(p: RoutingMismatch) -> str:
    return "\n".join(f"    routing_test: {m}" for m in p.messages)


def notification_message(p: NotificationMismatch) -> str:
    integration = f" ({p.integration})" if p.integration else ""
    shown = _field_names(p)
    lines = [f"    notification_test: receiver {p.receiver}{integration}, from {format_duration(p.from_ms)} "
             f"to {format_duration(p.eval_time_ms)},"]
    lines.append("        exp: " + _listing([_expected(p, i) for i in range(len(p.expected))]))
    lines.append("        got: " + _listing([_sent(p, i, shown) for i in range(len(p.got))]))
    return "\n".join(lines)


def notification_detail(p: NotificationMismatch) -> str:
    lines = ["differences:"]
    lines.extend(f"  {m}" for m in p.messages)
    if p.flushes:
        lines.append(f"flushes for {p.receiver} that sent nothing:")
        lines.extend(f"  {format_duration(e.at_ms - p.start_ms):>8}  {e.group_key}: {e.what}" for e in p.flushes[:20])
        if len(p.flushes) > 20:
            lines.append(f"  ... and {len(p.flushes) - 20} more")
    if p.timeline is not None:
        lines.append(f"alerts routed to {p.receiver}, at each rule evaluation:")
        body = timeline_lines(p.timeline, p.eval_time_ms)[1:]  # without its "state timeline:" heading
        lines.extend(body)
    return "\n".join(lines)


def _field_names(p: NotificationMismatch) -> list[str]:
    """The rendered fields worth showing: those the test names."""
    names: dict[str, None] = {}
    for e in p.expected:
        for name, _ in (*e.fields, *e.fields_contain):
            names[name] = None
    return list(names)


def _listing(items: list[list[str]]) -> str:
    if not items:
        return "[]"
    out = ["["]
    for i, item in enumerate(items):
        out.append(f"            {i}: {item[0]}")
        out.extend(f"               {line}" for line in item[1:])
    out.append("          ]")
    return "\n".join(out)


def _labels(labels: Labels) -> str:
    return format_labels(labels)


def _expected(p: NotificationMismatch, i: int) -> list[str]:
    e = p.expected[i]
    head = [x for x in (
        f"at {format_duration(e.at_ms)}" if e.at_ms is not None else "",
        e.status or "",
        f"group {_labels(e.group_labels)}" if e.group_labels is not None else "") if x]
    lines = [", ".join(head) or "(any notification)"]
    if e.alerts is not None:
        lines.append("alerts:" + ("" if e.alerts else " none"))
        for a in e.alerts:
            extra = f" annotations {_labels(a.annotations)}" if a.annotations is not None else ""
            lines.append(f"  {_labels(a.labels)}{' ' + a.status if a.status else ''}{extra}")
    lines.extend(f"{name}: {go_quote(value)}" for name, value in e.fields)
    lines.extend(f"{name} contains: {go_quote(value)}" for name, value in e.fields_contain)
    return lines


def _sent(p: NotificationMismatch, i: int, shown: list[str]) -> list[str]:
    n = p.got[i]
    lines = [f"at {format_duration(n.at_ms - p.start_ms)}, {n.status}, group {_labels(n.group_labels)} ({n.reason})"]
    if n.error is not None:
        lines.append(f"not sent: {n.error}")
    lines.append("alerts:")
    lines.extend(f"  {_labels(a.labels)} {a.status}" for a in n.alerts)
    fields = dict(n.fields)
    lines.extend(f"{name}: {go_quote(fields[name])}" if name in fields else f"{name}: (no such field)"
                 for name in shown)
    return lines
