"""Checking Alertmanager tests (:mod:`.assertions`) against the config and the simulated
notifications. Pure functions; results are data with one readable message per problem."""

from __future__ import annotations

from collections.abc import Sequence

from ruletest.alertmanager.alert import StoredAlert
from ruletest.alertmanager.assertions import (
    ExpNotification,
    Labels,
    NotificationTest,
    RoutingCase,
    RoutingTest,
)
from ruletest.alertmanager.config import Config
from ruletest.alertmanager.dispatch import Notification, Simulation
from ruletest.alertmanager.gotime import format_model_duration
from ruletest.alertmanager.inhibit import inhibited_by
from ruletest.alertmanager.route import build_tree
from ruletest.errors import RuletestError
from ruletest.records import record


def _show(labels: Labels | dict[str, str]) -> str:
    items = sorted(labels.items()) if isinstance(labels, dict) else labels
    return "{" + ", ".join(f'{k}="{v}"' for k, v in items) + "}"


def _fmt_ms(ms: int) -> str:
    return format_model_duration(ms)


@record
class RoutingResult:
    case: RoutingCase
    receivers: tuple[str, ...]
    group_labels: tuple[Labels, ...]
    inhibited: bool
    muted: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def check_routing(config: Config, test: RoutingTest) -> list[RoutingResult]:
    """Each case: the receivers ``Route.Match`` gives, their group labels, whether the alert is
    inhibited by one of the test's firing alerts, and which receivers' routes are muted at
    the test's time."""
    tree = build_tree(config)
    at_ns = test.at_ns if test.at_ns is not None else 0
    at_ms = at_ns // 1_000_000
    sources = [StoredAlert(f, (), at_ms, None, "", at_ms) for f in test.firing]
    out = []
    for case in test.cases:
        labels = dict(case.labels)
        matched = tree.match(labels)
        receivers = tuple(r.opts.receiver for r in matched)
        groups = tuple(tuple(sorted(r.group_labels(labels).items())) for r in matched)
        inh = inhibited_by(config.inhibit_rules, [s for s in sources if s.labels != case.labels], labels, at_ms,
                           config.version)
        muted = tuple(r.opts.receiver for r in matched if _muted(config, r.opts.active_time_intervals,
                                                                  r.opts.mute_time_intervals, at_ns))
        problems = []
        if receivers != case.receivers:
            problems.append(f"{_show(case.labels)}: expected receivers {', '.join(case.receivers) or '(none)'}, "
                            f"got {', '.join(receivers)} (routes: {'; '.join(f'line {r.line}' for r in matched)})")
        if case.group_labels is not None and groups != case.group_labels:
            problems.append(f"{_show(case.labels)}: expected group labels "
                            f"{', '.join(_show(g) for g in case.group_labels)}, got {', '.join(_show(g) for g in groups)}")
        if case.inhibited is not None and case.inhibited != (inh is not None):
            why = (f"inhibited by {_show(inh.source.labels)} (inhibit rule at line {inh.rule.line})" if inh
                   else "not inhibited by any of the firing alerts")
            problems.append(f"{_show(case.labels)}: expected {'' if case.inhibited else 'not '}inhibited, {why}")
        if case.muted is not None and tuple(case.muted) != muted:
            problems.append(f"{_show(case.labels)}: expected muted receivers {', '.join(case.muted) or '(none)'}, "
                            f"got {', '.join(muted) or '(none)'}")
        out.append(RoutingResult(case, receivers, groups, inh is not None, muted, tuple(problems)))
    return out


def _muted(config: Config, active: Sequence[str], mute: Sequence[str], at_ns: int) -> bool:
    if active and not any((ti := config.interval(n)) is not None and ti.contains(at_ns) for n in active):
        return True
    return any((ti := config.interval(n)) is not None and ti.contains(at_ns) for n in mute)


# --- notifications ------------------------------------------------------------------------------


class NotificationTestError(RuletestError):
    """A notification test that cannot be checked (unknown receiver, ambiguous integration)."""


@record
class NotificationResult:
    test: NotificationTest
    got: tuple[Notification, ...]
    problems: tuple[str, ...]
    detail: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems


def notification_target(config: Config, test: NotificationTest) -> tuple[str, int | None]:
    """(integration kind, index) whose notifications the test compares; raises
    :class:`NotificationTestError` for a receiver the config lacks or an ambiguous integration."""
    rcv = config.receiver(test.receiver)
    if rcv is None:
        names = ", ".join(r.name for r in config.receivers)
        raise NotificationTestError(f"receiver {test.receiver!r} is not defined in {config.path} (receivers: {names})",
                                    line=test.line)
    kinds = [i.name for i in rcv.integrations]
    if test.integration is None:
        if len(rcv.integrations) > 1:
            raise NotificationTestError(f"receiver {test.receiver!r} has {len(kinds)} integrations "
                                        f"({', '.join(kinds)}): say which with integration:", line=test.line)
        if not rcv.integrations:
            return "", None
        return rcv.integrations[0].kind, rcv.integrations[0].index
    text = test.integration
    kind, _, rest = text.partition("[")
    index = int(rest.rstrip("]")) if rest else 0
    if f"{kind}[{index}]" not in kinds:
        raise NotificationTestError(f"receiver {test.receiver!r} has no integration {text} ({', '.join(kinds) or 'none'})",
                                    line=test.line)
    return kind, index


def check_notifications(config: Config, sim: Simulation, tests: Sequence[NotificationTest],
                        start_ms: int = 0) -> list[NotificationResult]:
    """Compare each test's expected notifications with those sent to its receiver (and
    integration) between ``from`` and ``eval_time`` (relative to ``start_ms``), in order."""
    out = []
    for test in tests:
        kind, index = notification_target(config, test)
        lo, hi = start_ms + test.from_ms, start_ms + test.eval_time_ms
        got = tuple(n for n in sim.notifications if n.receiver == test.receiver and n.integration == kind
                    and n.index == index and lo <= n.at_ms <= hi)
        problems: list[str] = []
        if len(got) != len(test.exp_notifications):
            problems.append(f"receiver {test.receiver}: expected {len(test.exp_notifications)} notification(s) "
                            f"between {_fmt_ms(test.from_ms)} and {_fmt_ms(test.eval_time_ms)}, got {len(got)}")
        for i, (exp, n) in enumerate(zip(test.exp_notifications, got, strict=False)):
            where = f" (line {exp.line})" if exp.line else ""  # line 0: not from a file (the Python API)
            problems.extend(f"notification {i + 1}{where}: {p}" for p in _compare(exp, n, start_ms))
        detail = _explain(sim, test, got, start_ms, lo, hi)
        out.append(NotificationResult(test, got, tuple(problems), detail))
    return out


def _compare(exp: ExpNotification, n: Notification, start_ms: int) -> list[str]:
    p = []
    if n.error is not None:
        p.append(f"not sent: {n.error}")
    if exp.at_ms is not None and start_ms + exp.at_ms != n.at_ms:
        p.append(f"expected at {_fmt_ms(exp.at_ms)}, sent at {_fmt_ms(n.at_ms - start_ms)}")
    if exp.status is not None and exp.status != n.status:
        p.append(f"expected status {exp.status}, got {n.status}")
    if exp.group_labels is not None and exp.group_labels != n.group_labels:
        p.append(f"expected group labels {_show(exp.group_labels)}, got {_show(n.group_labels)}")
    if exp.alerts is not None:
        want = sorted((a.labels, a.status or "", a.annotations or ()) for a in exp.alerts)
        have = sorted((a.labels, a.status if any(e.status for e in exp.alerts) else "",
                       a.annotations if any(e.annotations is not None for e in exp.alerts) else ())
                      for a in n.alerts)
        if want != have:
            p.append("expected alerts " + "; ".join(f"{_show(a[0])} {a[1]}".rstrip() for a in want) +
                     ", got " + "; ".join(f"{_show(a.labels)} {a.status}" for a in n.alerts))
    fields = dict(n.fields)
    for name, value in exp.fields:
        if name not in fields:
            p.append(f"no field {name!r} (fields: {', '.join(sorted(fields))})")
        elif fields[name] != value:
            p.append(f"field {name}: expected {value!r}, got {fields[name]!r}")
    for name, value in exp.fields_contain:
        if value not in fields.get(name, ""):
            p.append(f"field {name}: expected to contain {value!r}, got {fields.get(name, '')!r}")
    return p


def _explain(sim: Simulation, test: NotificationTest, got: Sequence[Notification], start_ms: int, lo: int,
             hi: int) -> str:
    lines = [f"notifications to {test.receiver} between {_fmt_ms(lo - start_ms)} and {_fmt_ms(hi - start_ms)}:"]
    for n in got:
        alerts = ", ".join(f"{_show(a.labels)} {a.status}" for a in n.alerts)
        lines.append(f"  {_fmt_ms(n.at_ms - start_ms):>8}  {n.status:<8} group {n.group_key} ({n.reason}): {alerts}")
    if not got:
        lines.append("  (none)")
    events = [e for e in sim.events if e.receiver == test.receiver and lo <= e.at_ms <= hi]
    if events:
        lines.append("  flushes that sent nothing:")
        lines.extend(f"  {_fmt_ms(e.at_ms - start_ms):>8}  {e.group_key}: {e.what}" for e in events[:20])
    return "\n".join(lines)
