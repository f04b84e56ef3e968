"""Work the engine reuses between evaluations, where the result provably cannot differ.

Rules are evaluated at every step over the same series, so consecutive evaluations repeat most
of their work. Two caches, each keyed by exactly what the result is a function of:

* :class:`RangeMemo`: a range function's result by the bytes of its window's values (plus, for
  the rate family, the window's edges relative to the evaluation time). The functions are pure
  and deterministic, so the same input bits give the same output bits; test inputs are mostly
  piecewise constant, so sliding windows repeat their content for long stretches.
* :class:`SubquerySteps`: a subquery's inner results at each step of its grid, per series, kept
  across evaluations. A step's result depends only on samples at or before its time (the
  subquery has no ``@`` and no negative offset, see ``Engine.is_cacheable``), so it stays valid
  until the storage receives a sample at or before that time; those steps are dropped and
  recomputed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ruletest.promql.functions import RangeArgs, RangeFn
from ruletest.promql.values import Labels, RangeSeries, Sample

if TYPE_CHECKING:
    from ruletest.promql.storage import Storage
    from ruletest.semantics import Semantics

# The keys below hold everything these functions read (see functions.py): a function that starts
# reading more of its samples or of RangeArgs (a new field) must leave these sets or widen its key.
# Range functions whose result is a function of the window's values and the scalar parameters
# alone (not of timestamps or the evaluation time).
VALUES_ONLY = frozenset({
    "avg_over_time", "sum_over_time", "max_over_time", "min_over_time", "quantile_over_time",
    "stddev_over_time", "stdvar_over_time", "mad_over_time", "changes", "resets",
    "double_exponential_smoothing", "holt_winters",
})
# extrapolatedRate reads the values, the first and last timestamps and the window's edges: the
# key holds those relative to the window's end.
EDGES = frozenset({"rate", "increase", "delta"})
# Shorter windows cost less to compute than to key.
MIN_WINDOW = 16
# The memo is cleared when its keys hold this many bytes of window values.
_MEMO_BYTES = 64 << 20
_MISS = object()


class RangeMemo:
    """Range-function results by window content. One memo may serve many engines (every test
    group of a run): entries are kept per semantics, whose switches change some results."""

    def __init__(self) -> None:
        self._by_semantics: dict[Semantics, dict[tuple[object, ...], float | None]] = {}
        # The same, by id for speed; holding the semantics keeps its id from being reused.
        self._by_id: dict[int, tuple[Semantics, dict[tuple[object, ...], float | None]]] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return sum(len(memo) for memo in self._by_semantics.values())

    def wrap(self, name: str, fn: RangeFn, params: Sequence[float], semantics: Semantics) -> RangeFn:
        """``fn`` itself, or a memoised equivalent when its result is a function of a key."""
        values_only = name in VALUES_ONLY
        if not values_only and name not in EDGES:
            return fn
        held = self._by_id.get(id(semantics))
        if held is None or held[0] is not semantics:
            held = (semantics, self._by_semantics.setdefault(semantics, {}))
            if len(self._by_id) > 100:
                self._by_id.clear()
            self._by_id[id(semantics)] = held
        memo = held[1]
        # Parameters by their bits: -0.0 and 0.0 (equal as floats) must not share an entry.
        pkey = array("d", params).tobytes()

        def run(ts: Sequence[int], vs: Sequence[float], a: RangeArgs) -> float | None:
            if len(vs) < MIN_WINDOW or not isinstance(vs, array):
                return fn(ts, vs, a)
            data = vs.tobytes()
            if values_only:
                key: tuple[object, ...] = (name, pkey, data)
            else:
                end = a.range_end
                key = (name, data, ts[0] - end, ts[-1] - end, end - a.range_start, a.range_ms)
            hit = memo.get(key, _MISS)
            if hit is not _MISS:
                return hit  # type: ignore[return-value]
            v = fn(ts, vs, a)
            self._bytes += len(data)
            if self._bytes > _MEMO_BYTES:
                for m in self._by_semantics.values():
                    m.clear()
                self._bytes = len(data)
            memo[key] = v
            return v

        return run


class HistogramStep(Exception):
    """A subquery step returned a native histogram, which held steps (float arrays) cannot keep."""


# Steps a subquery keeps before forgetting those before the window asked for.
_MAX_HELD_STEPS = 100_000


class SubquerySteps:
    """One subquery's inner results at consecutive steps ``first, first+step, ..., last`` of its
    grid (multiples of ``step``), as per-series arrays. Steps are kept across evaluations: a
    rule's window slides forward, and a subquery nested in another is asked for windows across
    the outer one's whole range at every evaluation."""

    __slots__ = ("epoch", "first", "last", "node", "order", "series", "step")

    def __init__(self, node: object, step: int) -> None:
        self.node = node
        self.step = step
        self.first = 0
        self.last = -step  # nothing held: last < first
        self.epoch = 0
        self.series: dict[Labels, tuple[array[int], array[float]]] = {}
        self.order: list[Labels] | None = []

    def _reset(self, first: int) -> None:
        self.first = first
        self.last = first - self.step
        self.series = {}
        self.order = []

    def _drop_from(self, w: int) -> None:
        """Forget the steps at or after ``w`` (a sample at ``w`` was written since they were computed)."""
        step = self.step
        k = -(-(w - self.first) // step)  # steps before w
        self.last = min(self.last, self.first + (k - 1) * step)
        for labels in list(self.series):
            ts, vs = self.series[labels]
            i = bisect_left(ts, w)
            if i == 0:
                del self.series[labels]
                self.order = None
            elif i < len(ts):
                del ts[i:]
                del vs[i:]

    def _drop_before(self, first: int) -> None:
        for labels in list(self.series):
            ts, vs = self.series[labels]
            i = bisect_left(ts, first)
            if i >= len(ts):
                del self.series[labels]
                self.order = None
            elif i:
                del ts[:i]
                del vs[:i]
        self.first = first

    def _add(self, ts: int, samples: Sequence[Sample], front: dict[Labels, tuple[array[int], array[float]]] | None
             ) -> None:
        target = self.series if front is None else front
        for s in samples:
            if s.histogram is not None:
                raise HistogramStep
            entry = target.get(s.labels)
            if entry is None:
                entry = (array("q"), array("d"))
                target[s.labels] = entry
                self.order = None
            entry[0].append(ts)
            entry[1].append(s.value)

    def window(self, storage: Storage, epoch: int, first: int, end: int,
               evaluate: Callable[[int], Sequence[Sample]]) -> list[RangeSeries]:
        """The series over the steps ``first..end`` (``first`` on the grid), computing only the
        steps not held; ``epoch`` is the storage epoch the calling query started in."""
        step = self.step
        if self.last >= self.first:
            w = storage.min_written_since(self.epoch)
            if w <= self.last:
                self._drop_from(int(w))
        self.epoch = epoch
        if self.last < self.first or first > self.last + step:
            self._reset(first)
        elif first < self.first:
            # Earlier steps: computed into arrays put in front of the held ones.
            front: dict[Labels, tuple[array[int], array[float]]] = {}
            for ts in range(first, self.first, step):
                self._add(ts, evaluate(ts), front)
            for labels, (ts_arr, vs_arr) in front.items():
                held = self.series.get(labels)
                self.series[labels] = (ts_arr + held[0], vs_arr + held[1]) if held is not None else (ts_arr, vs_arr)
            self.first = first
        elif (self.last - self.first) // step > _MAX_HELD_STEPS:
            self._drop_before(first)
        for ts in range(self.last + step, end + 1, step):
            self._add(ts, evaluate(ts), None)
            self.last = ts
        if self.order is None:
            self.order = sorted(self.series)
        out = []
        for labels in self.order:
            ts_arr, vs_arr = self.series[labels]
            i = bisect_left(ts_arr, first)
            j = bisect_right(ts_arr, end)
            if j > i:
                out.append(RangeSeries(labels, ts_arr[i:j], vs_arr[i:j]))
        return out
