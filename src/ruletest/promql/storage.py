"""In-memory series store.

Each series keeps sorted sample timestamps and values, plus the timestamps of its stale markers
(kept apart so range selections, which drop stale markers, are plain slices). A postings index
``label name -> value -> series ids`` narrows selections before matchers are applied.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ruletest.errors import RuletestError
from ruletest.promql.ast import Matcher
from ruletest.promql.histogram_store import HistogramColumn
from ruletest.promql.histograms import FloatHistogram
from ruletest.promql.values import METRIC_NAME, STALE, Labels, RangeSeries, Sample, Stale


class DuplicateSampleError(RuletestError):
    """A second, different sample for the same series and timestamp."""


@dataclass(slots=True)
class StoredSeries:
    """One series: its labels, sample times and values, stale markers and native histograms."""

    # Compact typed arrays: a day of 15s samples for 10k series stays under a gigabyte.
    labels: Labels
    label_map: dict[str, str]
    ts: array[int] = field(default_factory=lambda: array("q"))
    vs: array[float] = field(default_factory=lambda: array("d"))
    stale: list[int] = field(default_factory=list)
    # Native histogram samples, parallel to ts (None while the series has only floats; a
    # histogram sample's entry in vs is 0, as Prometheus' F of a histogram sample).
    hist: HistogramColumn | None = None

    def last_at(self, ref: int, lookback: int, left_open: bool) -> tuple[int, float] | None:
        """The sample an instant selector sees at ``ref``: the newest one at or before it,
        within the lookback window, unless a stale marker came after it."""
        ts = self.ts
        if ts and ts[-1] < ref - lookback:
            return None  # every sample is older than the window (a series that stopped long ago)
        i = bisect_right(ts, ref) - 1
        if i < 0:
            return None
        t = ts[i]
        if left_open:
            if t <= ref - lookback:
                return None
        elif t < ref - lookback:
            return None
        if self.stale:
            j = bisect_right(self.stale, ref) - 1
            if j >= 0 and self.stale[j] > t:
                return None
        return t, self.vs[i]

    def sample_at_time(self, t: int) -> Sample:
        """The sample at timestamp ``t`` (which must exist), histogram or float."""
        i = bisect_left(self.ts, t)
        h = self.hist.get(i) if self.hist is not None else None
        return Sample(self.labels, self.vs[i], h)

    def range_series(self, lo: int, hi: int) -> RangeSeries:
        """Samples ``lo`` to ``hi`` (exclusive, from :meth:`window`), floats and histograms apart."""
        if self.hist is None:
            return RangeSeries(self.labels, self.ts[lo:hi], self.vs[lo:hi])
        return RangeSeries(self.labels, *self.hist.split(lo, hi, self.ts, self.vs))

    def window(self, start: int, end: int, left_open: bool) -> tuple[int, int]:
        """Index bounds of the samples in ``(start, end]`` (left-open) or ``[start, end]``."""
        lo = bisect_right(self.ts, start) if left_open else bisect_left(self.ts, start)
        hi = bisect_right(self.ts, end)
        return lo, hi


class Storage:
    """Series by label set, with a postings index for selection."""

    def __init__(self) -> None:
        self._series: list[StoredSeries] = []
        self._by_labels: dict[Labels, int] = {}
        self._postings: dict[str, dict[str, set[int]]] = {}
        self.generation = 0  # bumped on every change
        self.series_generation = 0  # bumped when a series is created: selections stay valid until then
        # Metric name -> series_generation when a series of that name was last created: a
        # selection by name stays the same while no series of its name is created.
        self.name_generation: dict[str, int] = {}
        # Change epochs: the lowest sample timestamp written in each epoch. A result computed
        # at time t in epoch e is still valid while nothing at or before t was written since.
        self._epochs = 0
        # Monotonic stack of (epoch, lowest timestamp written in it): values increase from
        # bottom to top, so the lowest write since epoch e is the first entry at or after e.
        self._stack_epochs: list[int] = []
        self._stack_mins: list[float] = []
        self._current_min: float = math.inf

    def _touch(self, t: int) -> None:
        self.generation += 1
        if t < self._current_min:
            self._current_min = t

    def epoch(self) -> int:
        """Close the current change epoch (if anything changed) and return the epoch number."""
        if self._current_min != math.inf:
            v = self._current_min
            while self._stack_mins and self._stack_mins[-1] >= v:
                self._stack_mins.pop()
                self._stack_epochs.pop()
            self._stack_epochs.append(self._epochs)
            self._stack_mins.append(v)
            self._epochs += 1
            self._current_min = math.inf
        return self._epochs

    def min_written_since(self, epoch: int) -> float:
        """The lowest timestamp written since ``epoch`` began (``inf`` if nothing was)."""
        i = bisect_left(self._stack_epochs, epoch)
        closed = self._stack_mins[i] if i < len(self._stack_mins) else math.inf
        return min(closed, self._current_min)

    def __len__(self) -> int:
        return len(self._series)

    def series(self) -> Sequence[StoredSeries]:
        return self._series

    def get_or_create(self, labels: Labels) -> StoredSeries:
        idx = self._by_labels.get(labels)
        if idx is not None:
            return self._series[idx]
        idx = len(self._series)
        s = StoredSeries(labels, dict(labels))
        self._series.append(s)
        self._by_labels[labels] = idx
        for k, v in labels:
            self._postings.setdefault(k, {}).setdefault(v, set()).add(idx)
        self.generation += 1
        self.series_generation += 1
        self.name_generation[s.label_map.get(METRIC_NAME, "")] = self.series_generation
        return s

    def lookup(self, labels: Labels) -> StoredSeries | None:
        idx = self._by_labels.get(labels)
        return None if idx is None else self._series[idx]

    def append(self, labels: Labels, t: int, value: float | FloatHistogram | Stale) -> None:
        """Add one sample (or stale marker). Out-of-order samples are inserted in place."""
        s = self.get_or_create(labels)
        self._touch(t)
        if isinstance(value, FloatHistogram):
            self._append_histogram(s, t, value)
            return
        if isinstance(value, Stale):
            if s.ts and s.ts[-1] == t:
                raise DuplicateSampleError(f"duplicate sample for timestamp {t} in series {labels}")
            if not s.stale or s.stale[-1] < t:
                s.stale.append(t)
            elif t not in s.stale:
                insort(s.stale, t)
            if s.hist is not None:
                s.hist.interrupt()
            return
        if s.stale and t in s.stale:
            raise DuplicateSampleError(f"duplicate sample for timestamp {t}")
        if not s.ts or s.ts[-1] < t:
            s.ts.append(t)
            s.vs.append(value)
            if s.hist is not None:
                s.hist.append(None)
                s.hist.interrupt()
            return
        i = bisect_left(s.ts, t)
        if i < len(s.ts) and s.ts[i] == t:
            old = s.vs[i]
            if (s.hist is None or not s.hist.is_histogram(i)) and (old == value or (old != old and value != value)):
                return
            raise DuplicateSampleError(f"duplicate sample for timestamp {t}")
        s.ts.insert(i, t)
        s.vs.insert(i, value)
        if s.hist is not None:
            s.hist.insert(i, None)

    def _append_histogram(self, s: StoredSeries, t: int, h: FloatHistogram) -> None:
        if s.stale and t in s.stale:
            raise DuplicateSampleError(f"duplicate sample for timestamp {t}")
        if s.hist is None:
            s.hist = HistogramColumn(len(s.ts))
        if not s.ts or s.ts[-1] < t:
            s.ts.append(t)
            s.vs.append(0.0)
            s.hist.append(h, s.hist.stored_hint(t, h))
            return
        i = bisect_left(s.ts, t)
        if i < len(s.ts) and s.ts[i] == t:
            old = s.hist.get(i)
            if old is not None and old.equals(h):
                return
            raise DuplicateSampleError(f"duplicate sample for timestamp {t}")
        s.ts.insert(i, t)
        s.vs.insert(i, 0.0)
        s.hist.insert(i, h)

    def add_series(self, labels: Labels, values: Iterable[float | FloatHistogram | Stale | None], start: int,
                   interval: int) -> None:
        """Load an expanded promtool value sequence: value ``i`` lands at ``start + i*interval``."""
        s = self.get_or_create(labels)
        self._touch(start)
        t = start
        for v in values:
            if v is None:
                pass
            elif v is STALE:
                self.append(labels, t, STALE)
            elif isinstance(v, float) and s.hist is None:
                if not s.ts or s.ts[-1] < t:
                    s.ts.append(t)
                    s.vs.append(v)
                else:
                    self.append(labels, t, v)
            elif isinstance(v, float | FloatHistogram):
                self.append(labels, t, v)
            t += interval

    def add_arrays(self, labels: Labels, timestamps: Iterable[int], values: Iterable[float]) -> None:
        """Bulk-load sorted samples that all come after the series' existing ones."""
        s = self.get_or_create(labels)
        ts = array("q", timestamps)
        if len(ts):
            self._touch(ts[0])
        if len(ts) and len(s.ts) and ts[0] <= s.ts[-1]:
            raise ValueError("add_arrays needs samples newer than the series' last sample")
        s.ts.extend(ts)
        s.vs.extend(array("d", values))
        if s.hist is not None:
            for _ in ts:
                s.hist.append(None)
            s.hist.interrupt()

    def add_histograms(self, labels: Labels, timestamps: Iterable[int], histograms: Iterable[FloatHistogram]) -> None:
        """Bulk-load sorted native histogram samples that all come after the series' existing ones."""
        s = self.get_or_create(labels)
        for t, h in zip(timestamps, histograms, strict=True):
            if s.ts and t <= s.ts[-1]:
                raise ValueError("add_histograms needs samples newer than the series' last sample")
            self._append_histogram(s, t, h)
            self._touch(t)

    def select(self, matchers: Sequence[Matcher], dot_all: bool) -> list[StoredSeries]:
        """Series matching all matchers (a missing label matches as the empty string)."""
        candidates: set[int] | None = None
        for m in matchers:
            if m.op == "=" and m.value != "":
                ids = self._postings.get(m.name, {}).get(m.value)
                if not ids:
                    return []
                candidates = set(ids) if candidates is None else candidates & ids
                if not candidates:
                    return []
        pool: Iterable[int] = sorted(candidates) if candidates is not None else range(len(self._series))
        out = []
        for idx in pool:
            s = self._series[idx]
            lm = s.label_map
            if all(m.matches(lm.get(m.name, ""), dot_all) for m in matchers):
                out.append(s)
        return out
