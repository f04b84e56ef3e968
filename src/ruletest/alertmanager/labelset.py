"""Label sets as Alertmanager sees them (``prometheus/common/model``): fingerprints, the
``LabelSet.String()`` used in group keys, and the order of alerts in a notification."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from ruletest.alertmanager.version import Version
from ruletest.gocompat import go_quote
from ruletest.promql.values import Labels

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1


def fingerprint(labels: Mapping[str, str] | Labels) -> int:
    """``LabelSet.Fingerprint()``: FNV-1a 64 over ``name 0xFF value 0xFF`` by sorted name."""
    items = sorted(labels.items() if isinstance(labels, Mapping) else labels)
    h = _FNV_OFFSET
    for name, value in items:
        for part in (name, value):
            for b in part.encode():
                h = ((h ^ b) * _FNV_PRIME) & _MASK
            h = ((h ^ 0xFF) * _FNV_PRIME) & _MASK
    return h


def fingerprint_hex(labels: Mapping[str, str] | Labels) -> str:
    return f"{fingerprint(labels):016x}"


def labelset_string(labels: Mapping[str, str] | Labels, version: Version) -> str:
    """``LabelSet.String()``: ``{a="1", b="x"}``. Up to 0.27 the whole ``name="value"`` strings
    are sorted (so ``a1="2"`` comes before ``a="1"``); from 0.28 the names are."""
    items = labels.items() if isinstance(labels, Mapping) else labels
    if version.labelset_sorted_by_name:
        parts = [f"{k}={go_quote(v)}" for k, v in sorted(items)]
    else:
        parts = sorted(f"{k}={go_quote(v)}" for k, v in items)
    return "{" + ", ".join(parts) + "}"


def _before(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """``LabelSet.Before``: fewer labels first, then the first differing value by name."""
    if len(a) != len(b):
        return len(a) < len(b)
    for name in sorted(set(a) | set(b)):
        if name not in a:
            return True
        if name not in b:
            return False
        if a[name] != b[name]:
            return a[name] < b[name]
    return False


def alert_less(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """``AlertSlice.Less``: by ``job`` (alerts that have it first), then ``instance``, then
    ``LabelSet.Before``."""
    for key in ("job", "instance"):
        if key not in a and key not in b:
            continue
        if key not in a:
            return False
        if key not in b:
            return True
        if a[key] != b[key]:
            return a[key] < b[key]
    return _before(a, b)


def sort_alert_labels(items: Sequence[Mapping[str, str]]) -> list[int]:
    """Indices of ``items`` in notification order (a stable sort with :func:`alert_less`)."""

    def cmp(i: int, j: int) -> int:
        if alert_less(items[i], items[j]):
            return -1
        if alert_less(items[j], items[i]):
            return 1
        return 0

    return sorted(range(len(items)), key=functools.cmp_to_key(cmp))
