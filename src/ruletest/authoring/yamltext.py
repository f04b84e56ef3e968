"""Scalars of the test files ``ruletest new`` and ``ruletest capture`` write."""

from __future__ import annotations

import json

from ruletest.promql.values import Labels, drop_name, format_labels, get_label


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def series_text(labels: Labels) -> str:
    """An ``input_series`` series as promtool reads it (``name{labels}``), single-quoted."""
    name = get_label(labels, "__name__")
    rest = drop_name(labels)
    text = name + (format_labels(rest) if rest else "") if name else format_labels(labels)
    return "'" + text.replace("'", "''") + "'"
