"""Differences between expected and returned samples when native histograms are involved:
histograms in promtool's test notation, and which of its fields differ."""

from __future__ import annotations

import re

from ruletest.histogram_expectations import differing_fields
from ruletest.promql.histograms import FloatHistogram
from ruletest.promql.values import Labels, format_labels
from ruletest.results import ExprMismatch


def _value(v: float, h: FloatHistogram | None) -> str:
    from ruletest.reporting.explain import num

    return h.test_expression() if h is not None else num(v)


def histogram_samples_diff(p: ExprMismatch) -> str:
    """``samples_diff`` for a mismatch with histograms: one line per series that is missing,
    unexpected or different, naming the differing notation fields."""
    e: dict[Labels, tuple[float, FloatHistogram | None]] = {
        labels: (v, h) for (labels, v), h in zip(p.expected, p.expected_histograms or [None] * len(p.expected),
                                                 strict=True)}
    g: dict[Labels, tuple[float, FloatHistogram | None]] = {
        labels: (v, h) for (labels, v), h in zip(p.got, p.got_histograms or [None] * len(p.got), strict=True)}
    lines = []
    for labels in sorted(set(e) | set(g)):
        if labels not in g:
            lines.append(f"  - {format_labels(labels)} {_value(*e[labels])}   (expected, missing)")
        elif labels not in e:
            lines.append(f"  + {format_labels(labels)} {_value(*g[labels])}   (returned, not expected)")
        else:
            (ev, eh), (gv, gh) = e[labels], g[labels]
            if eh is not None and gh is not None:
                fields = differing_fields(eh, gh)
                parts = [_field_change(name, eh, gh) for name in fields]
                if ev != gv:
                    parts.append(f"value expected {_value(ev, None)}, got {_value(gv, None)}")
                if parts:
                    lines.append(f"  ~ {format_labels(labels)}: {'; '.join(parts)}")
            elif eh is not None or gh is not None:
                lines.append(f"  ~ {format_labels(labels)} expected {'histogram ' if eh else 'float '}"
                             f"{_value(ev, eh)}, got {'histogram ' if gh else 'float '}{_value(gv, gh)}")
            elif ev != gv:
                lines.append(f"  ~ {format_labels(labels)} expected {_value(ev, None)}, got {_value(gv, None)}")
    return "\n".join(lines)


_FIELD = re.compile(r"(\w+):(\[[^\]]*\]|[^\s}]+)")
_OFFSET_OF = {"buckets": "offset", "n_buckets": "n_offset"}


def _field_text(h: FloatHistogram, name: str) -> str:
    """One field of ``h`` as promtool's notation writes it (its default when the notation leaves
    it out); a bucket list with its offset when that is not 0."""
    fields: dict[str, str] = dict(_FIELD.findall(h.test_expression()))
    default = {"counter_reset_hint": "unknown", "buckets": "[]", "n_buckets": "[]", "custom_values": "[]"}.get(name, "0")
    text = fields.get(name, default)
    offset = _OFFSET_OF.get(name)
    if offset is not None and offset in fields:
        text = f"{text} {offset}:{fields[offset]}"
    return text


def _field_change(name: str, expected: FloatHistogram, got: FloatHistogram) -> str:
    return f"{name} expected {_field_text(expected, name)}, got {_field_text(got, name)}"
