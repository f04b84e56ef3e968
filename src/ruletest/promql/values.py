"""PromQL values: label sets, samples, vectors, matrices, scalars and strings.

Label sets are tuples of ``(name, value)`` pairs sorted by name: hashable, cheap to compare and
printed exactly like Prometheus prints them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ruletest.gocompat import go_quote
from ruletest.promql.histograms import FloatHistogram
from ruletest.records import record

Labels = tuple[tuple[str, str], ...]
METRIC_NAME = "__name__"
BUCKET_LABEL = "le"

EMPTY_LABELS: Labels = ()


class Stale:
    """Marker for a stale sample (Prometheus' special StaleNaN)."""

    _instance: Stale | None = None

    def __new__(cls) -> Stale:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "stale"


STALE = Stale()


def labels_from(mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> Labels:
    """Build a label set; empty values are dropped, as Prometheus does."""
    items = mapping.items() if isinstance(mapping, Mapping) else mapping
    return tuple(sorted((k, v) for k, v in items if v != ""))


def get_label(labels: Labels, name: str) -> str:
    for k, v in labels:
        if k == name:
            return v
    return ""


def drop_name(labels: Labels) -> Labels:
    if labels and labels[0][0] == METRIC_NAME:
        return labels[1:]
    for i, (k, _) in enumerate(labels):
        if k == METRIC_NAME:
            return labels[:i] + labels[i + 1 :]
    return labels


# --- delayed name removal (promql-delayed-name-removal) -------------------------------------------


class DroppedName(str):
    """The ``__name__`` key of a series whose metric name is dropped at the end of the query,
    not where the operation happens: Prometheus' ``DropName`` flag (``promql/engine.go``, with
    ``EnableDelayedNameRemoval``), carried by the label set itself.

    It equals, hashes and sorts as ``"__name__"``, so the series keeps its identity (matching,
    grouping, ``label_replace`` reading ``__name__`` see the name) and the flag travels wherever
    its labels go, as Prometheus' flag travels with a sample. Setting ``__name__`` (``set_label``)
    writes a plain key, clearing the flag, as ``label_replace``/``label_join`` do.
    :func:`finish_labels` drops it when the query ends. Only the engine with delayed name removal
    creates it (through :func:`mark_name`); without the feature names are dropped at once
    (:func:`drop_name`) and this class never appears."""

    __slots__ = ()


DROPPED_NAME = DroppedName(METRIC_NAME)


def mark_name(labels: Labels) -> Labels:
    """``labels`` with its metric name flagged to be dropped at the end of the query."""
    for i, (k, v) in enumerate(labels):
        if k == METRIC_NAME:
            if k.__class__ is DroppedName:
                return labels
            return (*labels[:i], (DROPPED_NAME, v), *labels[i + 1:])
    return labels


def unmark_name(labels: Labels) -> Labels:
    """``labels`` with the flag of :func:`mark_name` cleared (the name stays)."""
    for i, (k, v) in enumerate(labels):
        if k == METRIC_NAME:
            if k.__class__ is DroppedName:
                return (*labels[:i], (METRIC_NAME, v), *labels[i + 1:])
            return labels
    return labels


def name_is_marked(labels: Labels) -> bool:
    return any(k.__class__ is DroppedName for k, _ in labels)


def finish_labels(labels: Labels) -> Labels:
    """The labels a query returns: a flagged metric name dropped (``cleanupMetricLabels``)."""
    for i, (k, _) in enumerate(labels):
        if k.__class__ is DroppedName:
            return labels[:i] + labels[i + 1:]
    return labels


def set_label(labels: Labels, name: str, value: str) -> Labels:
    """Set (or, for an empty value, delete) one label."""
    rest = [(k, v) for k, v in labels if k != name]
    if value != "":
        rest.append((name, value))
        rest.sort()
    return tuple(rest)


def keep_labels(labels: Labels, names: Iterable[str]) -> Labels:
    keep = set(names)
    return tuple((k, v) for k, v in labels if k in keep)


def without_labels(labels: Labels, names: Iterable[str]) -> Labels:
    drop = set(names)
    return tuple((k, v) for k, v in labels if k not in drop)


def is_utf8_label_name(name: str) -> bool:
    """Prometheus 3's ``model.UTF8Validation``: a non-empty name of valid UTF-8 (a ``"\\xff"``
    escape leaves a byte that is not, kept as a surrogate escape by the parser)."""
    if not name:
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_legacy_name(name: str) -> bool:
    if not name:
        return False
    first = name[0]
    if not (first.isascii() and (first.isalpha() or first == "_")):
        return False
    return all(c.isascii() and (c.isalnum() or c == "_") for c in name)


def _is_legacy_metric_name(name: str) -> bool:
    return _is_legacy_name(name.replace(":", "_")) if name else False


def format_labels(labels: Labels) -> str:
    """Prometheus' ``labels.Labels.String()``: ``{__name__="x", a="b"}``."""
    parts = []
    for k, v in labels:
        key = k if _is_legacy_name(k) else go_quote(k)
        parts.append(f"{key}={go_quote(v)}")
    return "{" + ", ".join(parts) + "}"


def format_series(labels: Labels) -> str:
    """Series notation as promtool prints it: ``name{a="b"}``."""
    name = get_label(labels, METRIC_NAME)
    rest = drop_name(labels)
    if name and _is_legacy_metric_name(name):
        return name + format_labels(rest) if rest else name + "{}"
    return format_labels(labels)


@record(slots=True)
class Scalar:
    """A scalar value."""

    value: float


@record(slots=True)
class String:
    """A string value."""

    value: str


@record(slots=True)
class Sample:
    """One sample of an instant vector: a float ``value``, or (Prometheus' ``Sample.H``) a native
    histogram, when ``value`` is 0 as in Prometheus."""

    labels: Labels
    value: float
    histogram: FloatHistogram | None = None


@record(slots=True)
class Vector:
    """An instant vector: samples, each with its own label set."""

    samples: tuple[Sample, ...]

    def __len__(self) -> int:
        return len(self.samples)


@record(slots=True)
class RangeSeries:
    """One series of a range vector. As Prometheus' ``Series``, float samples (``timestamps``,
    ``values``) and native histogram samples (``h_timestamps``, ``h_values``) are kept apart."""

    labels: Labels
    timestamps: Sequence[int]  # milliseconds
    values: Sequence[float]
    h_timestamps: Sequence[int] = ()
    h_values: Sequence[FloatHistogram] = ()


@record(slots=True)
class Matrix:
    """A range vector: series, each with its samples in the range."""

    series: tuple[RangeSeries, ...]


Value = Scalar | String | Vector | Matrix


def float_equal(a: float, b: float) -> bool:
    """Exact equality where NaN equals NaN (used when comparing results)."""
    if math.isnan(a) and math.isnan(b):
        return True
    return a == b
