"""Alerts inside Alertmanager (``types.Alert``) and how a received alert is stored
(``api/v2`` post handler, ``provider/mem.Put``, ``Alert.Merge``). Times are milliseconds;
``ends_at_ms=None`` is Go's zero time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ruletest.alertmanager.labelset import fingerprint
from ruletest.promql.values import Labels, labels_from
from ruletest.records import record


@record
class PostedAlert:
    """One alert as a client posts it to ``/api/v2/alerts``."""

    labels: Labels
    annotations: Labels = ()
    starts_at_ms: int | None = None
    ends_at_ms: int | None = None
    generator_url: str = ""


@record
class StoredAlert:
    labels: Labels
    annotations: Labels
    starts_at_ms: int
    ends_at_ms: int | None
    generator_url: str
    updated_at_ms: int
    timeout: bool = False

    @property
    def fingerprint(self) -> int:
        return fingerprint(self.labels)

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    def resolved_at(self, now_ms: int) -> bool:
        """``ResolvedAt``: EndsAt is set and not after ``now``."""
        return self.ends_at_ms is not None and self.ends_at_ms <= now_ms


def receive(posted: PostedAlert, now_ms: int, resolve_timeout_ms: int) -> StoredAlert:
    """What the API makes of a posted alert (``postAlertsHandler``): missing StartsAt is EndsAt
    or now, missing EndsAt is now + resolve_timeout (a "timeout" end), empty labels dropped."""
    starts = posted.starts_at_ms
    ends = posted.ends_at_ms
    timeout = False
    if starts is None:
        starts = ends if ends is not None else now_ms
    if ends is None:
        ends = now_ms + resolve_timeout_ms
        timeout = True
    return StoredAlert(labels_from(posted.labels), tuple(sorted(posted.annotations)), starts, ends,
                       posted.generator_url, now_ms, timeout)


def validate(posted: PostedAlert) -> str | None:
    """``Alert.Validate`` after the defaults: the API's refusal reason, or None."""
    labels = labels_from(posted.labels)
    if not labels:
        return "at least one label pair required"
    if posted.starts_at_ms is not None and posted.ends_at_ms is not None and posted.ends_at_ms < posted.starts_at_ms:
        return "start time must be before end time"
    return None


def merge(old: StoredAlert, new: StoredAlert, now_ms: int) -> StoredAlert:
    """``Alert.Merge``: the younger update wins, the earliest StartsAt is kept, an explicit
    (non-timeout) later EndsAt survives a firing update."""
    if new.updated_at_ms < old.updated_at_ms:
        old, new = new, old
    res = new
    if old.starts_at_ms < new.starts_at_ms:
        res = replace(res, starts_at_ms=old.starts_at_ms)
    if new.resolved_at(now_ms):
        if old.resolved_at(now_ms) and _after(old.ends_at_ms, new.ends_at_ms):
            res = replace(res, ends_at_ms=old.ends_at_ms)
    elif _after(old.ends_at_ms, new.ends_at_ms) and not old.timeout:
        res = replace(res, ends_at_ms=old.ends_at_ms)
    return res


def _after(a: int | None, b: int | None) -> bool:
    """Go ``a.After(b)`` with None as the zero time (before everything)."""
    if a is None:
        return False
    return b is None or a > b


def _before(a: int | None, b: int | None) -> bool:
    if b is None:
        return False
    return a is None or a < b


def put(store: Mapping[int, StoredAlert], alert: StoredAlert, now_ms: int) -> StoredAlert:
    """``mem.Put``: merge with the stored alert of the same fingerprint only when their
    activity ranges overlap; otherwise the new alert replaces it."""
    old = store.get(alert.fingerprint)
    if old is not None and (
            (_after(alert.ends_at_ms, old.starts_at_ms) and _before(alert.ends_at_ms, old.ends_at_ms))
            or (alert.starts_at_ms > old.starts_at_ms and _before(alert.starts_at_ms, old.ends_at_ms))):
        return merge(old, alert, now_ms)
    return alert
