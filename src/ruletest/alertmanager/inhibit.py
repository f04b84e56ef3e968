"""Inhibition (``inhibit/inhibit.go``): an alert matching a rule's target side is muted while a
firing alert matching its source side has the same values for the ``equal`` labels. An alert
that matches both sides is never muted by another such alert."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ruletest.alertmanager.alert import StoredAlert
from ruletest.alertmanager.config import InhibitRule
from ruletest.alertmanager.version import Version
from ruletest.records import record


@record
class Inhibition:
    rule: InhibitRule
    source: StoredAlert


def inhibited_by(rules: Sequence[InhibitRule], alerts: Iterable[StoredAlert], target: Mapping[str, str],
                 now_ms: int, version: Version) -> Inhibition | None:
    """``Inhibitor.Mutes``: the first rule (in config order) and source alert that mute
    ``target`` at ``now_ms``, or None. ``alerts`` are all alerts Alertmanager holds, routed or
    not; a source's own muted state does not matter."""
    pool = list(alerts)
    for rule in rules:
        if not rule.target.matches(target):
            continue
        two_sided = rule.source.matches(target)
        sources = [a for a in pool if rule.source.matches(a.label_map)]
        if not version.at_least(30):
            for src in sources:
                hit = _inhibits(rule, src, target, two_sided, now_ms)
                if hit:
                    return Inhibition(rule, src)
            continue
        # 0.30+: one indexed source per equal-label set, the one ending last.
        best: dict[tuple[str, ...], StoredAlert] = {}
        for src in sources:
            key = tuple(src.label_map.get(n, "") for n in rule.equal)
            cur = best.get(key)
            if cur is None or _ends_later(src, cur):
                best[key] = src
        src_ = best.get(tuple(target.get(n, "") for n in rule.equal))
        if src_ is not None and _inhibits(rule, src_, target, two_sided, now_ms):
            return Inhibition(rule, src_)
    return None


def _ends_later(a: StoredAlert, b: StoredAlert) -> bool:
    if a.ends_at_ms is None:
        return b.ends_at_ms is not None
    return b.ends_at_ms is not None and a.ends_at_ms > b.ends_at_ms


def _inhibits(rule: InhibitRule, src: StoredAlert, target: Mapping[str, str], two_sided: bool, now_ms: int) -> bool:
    if src.resolved_at(now_ms):
        return False
    labels = src.label_map
    if any(labels.get(n, "") != target.get(n, "") for n in rule.equal):
        return False
    return not (two_sided and rule.target.matches(labels))
