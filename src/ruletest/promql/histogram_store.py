"""Native histogram samples of one stored series, kept compactly.

A day of 15 s samples is 5,760 histograms per series; as Python objects (a frozen dataclass with
tuples of boxed floats) a thousand such series would take gigabytes. A :class:`HistogramColumn`
keeps each sample as a row of plain doubles (count, sum, zero count, positive then negative
bucket counts) in one ``array('d')``, with its bucket layout (schema, zero threshold, spans,
custom bounds) interned once per distinct layout, and builds the :class:`FloatHistogram` when
the engine reads a sample.

The column runs parallel to the series' timestamp array: row ``i`` belongs to sample ``i``, and
a float sample has no row data (layout ``-1``), so series that mix floats and histograms over
time (as Prometheus allows) need nothing special.

The counter reset hint a sample is read back with is the TSDB's, not the one it was written
with (``tsdb/chunkenc/float_histogram.go``, ``counterResetHint``): histograms are stored in
chunks, a chunk of gauge histograms reads as ``gauge``, and in a chunk of counter histograms
the first sample reads as ``unknown`` and every later one as ``not_reset``. A new chunk starts
at the first sample, after a float sample or a stale marker, when the kind changes between
gauge and counter, when the schema or zero threshold changes, at a counter reset (detected, or
an explicit ``reset`` hint), and at the 2h boundaries of the head's chunk range. (The TSDB also
cuts chunks by encoded size; that is not emulated, so in long series of large histograms a few
samples read ``not_reset`` where Prometheus reads ``unknown``.)
"""

from __future__ import annotations

from array import array

from ruletest.promql.histograms import CounterResetHint, FloatHistogram, Span, detect_reset_by_content
from ruletest.records import record

_HINTS = tuple(CounterResetHint)
_HINT_CODE = {h: i for i, h in enumerate(_HINTS)}
_FLOAT = -1
CHUNK_RANGE_MS = 2 * 3600 * 1000  # the head's chunk range (DefaultBlockDuration)
_UNKNOWN = CounterResetHint.UNKNOWN
_GAUGE = CounterResetHint.GAUGE


@record(slots=True)
class _Layout:
    """A native histogram's bucket layout (schema, spans, custom bounds), shared by samples that have the same one."""

    schema: int
    zero_threshold: float
    positive_spans: tuple[Span, ...]
    negative_spans: tuple[Span, ...]
    custom_values: tuple[float, ...]
    n_positive: int
    n_negative: int


class HistogramColumn:
    """The histogram (or None for a float sample) of each sample of one series, by index."""

    __slots__ = ("_by_layout", "_chunk_end", "_chunk_gauge", "_data", "_hints", "_ids", "_last", "_layouts",
                 "_offsets")

    def __init__(self, floats: int = 0) -> None:
        """A column for a series that already holds ``floats`` float samples."""
        self._layouts: list[_Layout] = []
        self._by_layout: dict[tuple[object, ...], int] = {}
        self._ids = array("i", [_FLOAT]) * floats
        self._offsets = array("q", [0]) * floats
        self._hints = array("b", [0]) * floats
        self._data = array("d")
        # The head chunk the last histogram went to: its kind, where its range ends, and the
        # histogram as written (None: the next histogram starts a chunk).
        self._last: FloatHistogram | None = None
        self._chunk_gauge = False
        self._chunk_end = 0

    def stored_hint(self, t: int, h: FloatHistogram) -> CounterResetHint:
        """The hint ``h``, appended in order at ``t``, is read back with (and the chunk state
        updated as the TSDB's head appender does)."""
        last = self._last
        gauge = h.counter_reset_hint is _GAUGE
        self._last = h
        if (last is None or gauge != self._chunk_gauge or t >= self._chunk_end or h.schema != last.schema
                or h.zero_threshold != last.zero_threshold
                or (not gauge and (h.counter_reset_hint is CounterResetHint.RESET
                                   or detect_reset_by_content(h, last)))
                or h.custom_values != last.custom_values):
            self._chunk_gauge = gauge
            self._chunk_end = (t // CHUNK_RANGE_MS + 1) * CHUNK_RANGE_MS
            return _GAUGE if gauge else _UNKNOWN
        return _GAUGE if gauge else CounterResetHint.NOT_RESET

    def interrupt(self) -> None:
        """A float sample or a stale marker was appended: the next histogram starts a chunk."""
        self._last = None

    def __len__(self) -> int:
        return len(self._ids)

    def _row(self, h: FloatHistogram | None, hint: CounterResetHint | None = None) -> tuple[int, int, int]:
        """``hint``: the one to store instead of ``h``'s own."""
        if h is None:
            return _FLOAT, 0, 0
        pb, nb = h.positive_buckets, h.negative_buckets
        # Keyed by a plain tuple of the _Layout fields (cheaper to build than the dataclass).
        key = (h.schema, h.zero_threshold, h.positive_spans, h.negative_spans, h.custom_values, len(pb), len(nb))
        lid = self._by_layout.get(key)
        if lid is None:
            lid = len(self._layouts)
            self._layouts.append(_Layout(*key))
            self._by_layout[key] = lid
        data = self._data
        offset = len(data)
        data.extend((h.count, h.sum, h.zero_count, *pb, *nb))
        return lid, offset, _HINT_CODE[h.counter_reset_hint if hint is None else hint]

    def append(self, h: FloatHistogram | None, hint: CounterResetHint | None = None) -> None:
        lid, offset, code = self._row(h, hint)
        self._ids.append(lid)
        self._offsets.append(offset)
        self._hints.append(code)

    def insert(self, i: int, h: FloatHistogram | None) -> None:
        # Out-of-order samples are rare: their rows go to the end of the data, the index in place.
        lid, offset, hint = self._row(h)
        self._ids.insert(i, lid)
        self._offsets.insert(i, offset)
        self._hints.insert(i, hint)

    def is_histogram(self, i: int) -> bool:
        return self._ids[i] != _FLOAT

    def get(self, i: int) -> FloatHistogram | None:
        lid = self._ids[i]
        if lid == _FLOAT:
            return None
        lay = self._layouts[lid]
        o = self._offsets[i]
        d = self._data
        p = o + 3 + lay.n_positive
        return FloatHistogram(_HINTS[self._hints[i]], lay.schema, lay.zero_threshold, d[o + 2], d[o], d[o + 1],
                              lay.positive_spans, tuple(d[o + 3:p]), lay.negative_spans,
                              tuple(d[p:p + lay.n_negative]), lay.custom_values)

    def split(self, lo: int, hi: int, ts: array[int], vs: array[float]
              ) -> tuple[list[int], list[float], list[int], list[FloatHistogram]]:
        """Samples ``lo`` to ``hi`` (exclusive) of the series, floats and histograms apart."""
        f_ts: list[int] = []
        f_vs: list[float] = []
        h_ts: list[int] = []
        h_vs: list[FloatHistogram] = []
        ids = self._ids
        for i in range(lo, hi):
            if ids[i] == _FLOAT:
                f_ts.append(ts[i])
                f_vs.append(vs[i])
            else:
                h = self.get(i)
                assert h is not None
                h_ts.append(ts[i])
                h_vs.append(h)
        return f_ts, f_vs, h_ts, h_vs
