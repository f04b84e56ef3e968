"""Instant evaluation of PromQL over a :class:`~ruletest.promql.storage.Storage`.

Semantics follow Prometheus' ``promql/engine.go``; the :class:`~ruletest.semantics.Semantics`
in the options says which version (windows, regex anchoring, sums, feature flags). Functions are
dispatched from :mod:`ruletest.promql.function_table`.

A query is evaluated by recursion over the syntax tree at one timestamp; subqueries evaluate
their inner expression at each aligned step, except where the steps provably repeat one value
(an inner expression that selects nothing, or a step that sees the samples its predecessor saw:
:mod:`ruletest.promql.clock_free`, :mod:`ruletest.promql.leaf_keys`) or were computed at an
earlier evaluation (:mod:`ruletest.promql.reuse`). Series selections are cached per query.

Before evaluation, a tree holding duration expressions or ``start()``/``end()``/``range()``/
``step()`` is resolved for the query (:mod:`ruletest.promql.query_context`). With delayed name
removal, operations flag ``__name__`` instead of dropping it (``values.DroppedName``) and
:func:`finish_delayed_names` drops it when the query ends, as ``cleanupMetricLabels`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ruletest.errors import PromQLEvalError, UnsupportedError
from ruletest.promql import ast as A
from ruletest.promql import extended_ranges as X
from ruletest.promql import histogram_functions as HF
from ruletest.promql.aggregations import aggregate
from ruletest.promql.clock_free import constant_when_unselected, reads_no_series, value_leaves
from ruletest.promql.function_table import FUNCTIONS, FunctionDef
from ruletest.promql.functions import RangeArgs, date_value
from ruletest.promql.histograms import Annotation, FloatHistogram
from ruletest.promql.leaf_keys import visible
from ruletest.promql.operators import scalar_binop, set_binop, vector_binop, vector_scalar_binop
from ruletest.promql.parse_options import ParseOptions
from ruletest.promql.query_context import needs_resolution, resolve, uses_query_bounds
from ruletest.promql.reuse import HistogramStep, RangeMemo, SubquerySteps
from ruletest.promql.storage import Storage, StoredSeries
from ruletest.promql.tree_facts import TreeFacts
from ruletest.promql.values import (
    Labels,
    Matrix,
    RangeSeries,
    Sample,
    Scalar,
    String,
    Value,
    Vector,
    drop_name,
    finish_labels,
    mark_name,
    name_is_marked,
)
from ruletest.promql.vector_functions import check_unique, map_values, unwrap
from ruletest.records import record
from ruletest.semantics import PROMETHEUS_3, Semantics

DEFAULT_LOOKBACK_MS = 300_000


@record
class EngineOptions:
    """What an engine evaluates with besides the storage: semantics, lookback, default subquery step."""

    semantics: Semantics
    lookback_ms: int = DEFAULT_LOOKBACK_MS
    # Step of subqueries written without one (``x[5m:]``): Prometheus uses the global evaluation
    # interval, promtool the test file's ``evaluation_interval``.
    default_step_ms: int = 60_000


class Engine:
    """Evaluate PromQL expressions against one storage."""

    def __init__(self, storage: Storage, options: EngineOptions, *, range_memo: RangeMemo | None = None,
                 tree_facts: TreeFacts | None = None) -> None:
        """``range_memo``: range-function results to share with other engines, ``tree_facts``: the
        same for analyses of syntax trees (new ones if None)."""
        self.storage = storage
        self.options = options
        self._parse_options = ParseOptions.for_semantics(options.semantics)
        # Subquery steps, reused while no sample at or before their time is written (rules
        # evaluated every step re-run the same long subqueries); range-function results by
        # window content.
        self.subquery_steps: dict[int, SubquerySteps] = {}
        self.range_memo = range_memo if range_memo is not None else RangeMemo()
        # Each range-function call's last result, by the time and query bounds it was evaluated
        # at and the storage's change counter (all a call's value depends on besides the options:
        # a new query parameter it reads must join the key in _call_range). The simulation
        # evaluates a rule's range calls to see whether the rule's result can be reused, then
        # again inside the rule.
        self.recent_calls: dict[int, tuple[A.Call, tuple[object, ...], Value]] = {}
        # Subqueries (by id: their nodes live as long as the parse cache) that returned histograms.
        self.histogram_subqueries: set[int] = set()
        # Selections stay valid until a series that they could select is created.
        self.selections: dict[int, _Selection] = {}
        self.trees = tree_facts if tree_facts is not None else TreeFacts()
        # Per subquery inner expression keyed by its leaves' view (see _Query._inner_steps).
        self.inner_views: dict[int, _InnerView] = {}
        # Per query, the tree resolved by query_context.resolve.
        self.resolved: dict[tuple[int, int, int, int], tuple[A.Expr, A.Expr]] = {}
        self.delayed_name_removal = options.semantics.delayed_name_removal

    def parse(self, expr: str) -> A.Expr:
        return A.parse(expr, self._parse_options)

    def query(self, expr: str | A.Expr, t_ms: int, *, start_ms: int | None = None,
              end_ms: int | None = None, step_ms: int = 0, finish: bool = True) -> Value:
        """Evaluate ``expr`` at ``t_ms``, one step of a query over [``start_ms``, ``end_ms``]
        with step ``step_ms`` (an instant query, as a rule evaluation, by default). ``finish``
        False: flagged metric names are kept (the value of a subtree, as the rest of the query
        would see it)."""
        return self._run(expr, t_ms, start_ms, end_ms, step_ms, finish=finish, annotated=False)[0]

    def query_annotated(self, expr: str | A.Expr, t_ms: int, *, start_ms: int | None = None,
                        end_ms: int | None = None, step_ms: int = 0) -> tuple[Value, tuple[Annotation, ...]]:
        """:meth:`query`, with the warnings and infos Prometheus would attach to the result
        (``util/annotations``: mixed floats and histograms, incompatible bucket layouts...). It
        computes afresh, reusing no earlier evaluation's results, so that it sees every one."""
        return self._run(expr, t_ms, start_ms, end_ms, step_ms, finish=True, annotated=True)

    def _run(self, expr: str | A.Expr, t_ms: int, start_ms: int | None, end_ms: int | None, step_ms: int, *,
             finish: bool, annotated: bool) -> tuple[Value, tuple[Annotation, ...]]:
        node = self.parse(expr) if isinstance(expr, str) else expr
        plan = self.trees.of(_query_plan, node)
        if plan[3] and not annotated:
            # Every engine of the run (every test group) gets the same value at the same time.
            key = (t_ms, start_ms, end_ms, step_ms, finish, self.options)
            return self.trees.value(node, key, lambda: self._compute(node, plan, t_ms, start_ms, end_ms, step_ms,
                                                                     finish=finish, annotated=False))
        return self._compute(node, plan, t_ms, start_ms, end_ms, step_ms, finish=finish, annotated=annotated)

    def _compute(self, node: A.Expr, plan: tuple[bool, bool, frozenset[int], bool], t_ms: int, start_ms: int | None,
                 end_ms: int | None, step_ms: int, *, finish: bool, annotated: bool
                 ) -> tuple[Value, tuple[Annotation, ...]]:
        needs, bounds, skip_buckets, _ = plan
        start = t_ms if start_ms is None else start_ms
        end = t_ms if end_ms is None else end_ms
        if needs:
            node = self._resolved(node, bounds, start, end, step_ms)
            skip_buckets = self.trees.of(HF.stats_selectors, node)
        q = _Query(self, start, end)
        q.reuse = not annotated
        q.skip_buckets = skip_buckets
        value = q.eval(node, t_ms)
        notes = tuple(q.notes) if q.notes else ()
        if self.delayed_name_removal and finish:
            return finish_delayed_names(value), notes
        return value, notes

    def _resolved(self, node: A.Expr, bounds: bool, start: int, end: int, step: int) -> A.Expr:
        key = (id(node), end - start, step, start if bounds else 0)
        hit = self.resolved.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        out = resolve(node, start, end, step)
        if len(self.resolved) > 1_000:
            self.resolved.clear()
        self.resolved[key] = (node, out)
        return out

    def select(self, vs: A.VectorSelector) -> list[StoredSeries]:
        hit = self.selections.get(id(vs))
        storage = self.storage
        gen = storage.series_generation
        if hit is not None and hit.selector is vs:
            if hit.generation == gen:
                return hit.found
            name = hit.name
            if name is not None and storage.name_generation.get(name, -1) <= hit.generation:
                hit.generation = gen  # series were created since, none with this selector's metric name
                return hit.found
        found = sorted(self.storage.select(vs.matchers, self.options.semantics.regex_dot_all), key=lambda s: s.labels)
        if len(self.selections) > 50_000:
            self.selections.clear()
        self.selections[id(vs)] = _Selection(vs, gen, found, A.metric_name(vs))
        return found

    def unselected_constant(self, e: A.Expr) -> bool:
        """Whether ``e`` has the same value at every evaluation time now: it is clock-free and
        none of its selectors selects a series (see :func:`constant_when_unselected`)."""
        selectors = self.trees.of(constant_when_unselected, e)
        return selectors is not None and not any(self.select(vs) for vs in selectors)

    def is_cacheable(self, e: A.Expr) -> bool:
        """Whether results at time t depend only on samples at or before t (no ``@``, no
        negative or per-query offset, no smoothed selector): then a cached step result stays valid until older data is written."""
        return self.trees.of(_looks_only_back, e)


class _InnerView:
    """A subquery's inner expression with the last step computed: the key of what its selectors
    saw (None: not reusable) and the result. Held across evaluations (the next evaluation's new
    step usually sees what the last one saw); keying stops paying when steps rarely repeat."""

    __slots__ = ("hits", "key", "misses", "node", "result", "selectors")

    def __init__(self, node: A.Expr, selectors: tuple[A.VectorSelector, ...]) -> None:
        self.node = node
        self.selectors = selectors
        self.key: tuple[object, ...] | None = None
        self.result: Sequence[Sample] = ()
        self.hits = 0
        self.misses = 0

    def worth_keying(self) -> bool:
        return self.misses < 32 or self.hits * 4 >= self.misses


class _Selection:
    """A selector's series as of a storage series generation."""

    __slots__ = ("found", "generation", "name", "selector")

    def __init__(self, selector: A.VectorSelector, generation: int, found: list[StoredSeries],
                 name: str | None) -> None:
        self.selector = selector
        self.generation = generation
        self.found = found
        self.name = name  # the metric name it requires, if any


def _query_plan(node: A.Expr) -> tuple[bool, bool, frozenset[int], bool]:
    """Whether ``node`` holds durations or calls only the query can resolve, whether they
    depend on its start and end (``start()``, ``end()``) or only on its range and step, the
    ids of its selectors whose histograms are read without buckets (``stats_selectors``), and
    whether it reads no series (``reads_no_series``)."""
    return needs_resolution(node), uses_query_bounds(node), HF.stats_selectors(node), reads_no_series(node)


def _looks_only_back(e: A.Expr) -> bool:
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, A.VectorSelector | A.Subquery) and (n.at is not None or n.offset_ms < 0
                                                             or n.offset_expr is not None):
            return False
        if isinstance(n, A.VectorSelector) and n.smoothed:
            return False  # interpolates with the first sample after t
        stack.extend(A.children(n))
    return True


def _build_dispatch() -> dict[type, Callable[[_Query, Any, int], Value]]:
    return {
        A.NumberLiteral: _Query._eval_number,
        A.StringLiteral: _Query._eval_string,
        A.Paren: _Query._eval_paren,
        A.VectorSelector: _Query._eval_selector,
        A.MatrixSelector: _Query._eval_matrix,
        A.Subquery: _Query._eval_subquery,
        A.Unary: _Query._eval_unary,
        A.Binary: _Query._binary,
        A.Aggregate: _Query._aggregate,
        A.Call: _Query._call,
    }


def _trunc_div(a: int, b: int) -> int:
    """Go integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class _Query:
    def __init__(self, engine: Engine, start: int, end: int) -> None:
        options = engine.options
        self.engine = engine
        self.storage = engine.storage
        self.epoch = engine.storage.epoch()
        self.opts = options
        self.semantics = options.semantics
        self.left_open = options.semantics.left_open_windows
        self.start = start
        self.end = end
        # Where an operation drops __name__: at once, or flagged for the end of the query.
        self.drop: Callable[[Labels], Labels] = mark_name if engine.delayed_name_removal else drop_name
        # Warnings and infos for the result, each once (Prometheus' annotations are a set).
        self.notes: dict[Annotation, None] = {}
        # Selectors whose native histograms are read as count and sum only (stats_selectors).
        self.skip_buckets: frozenset[int] = frozenset()
        # Whether results of earlier evaluations may be reused (not when annotations are asked
        # for: a reused result brings none).
        self.reuse = True

    def note(self, annotation: Annotation) -> None:
        self.notes[annotation] = None

    # --- helpers -----------------------------------------------------------------------

    def _ref(self, at: A.At | None, offset: int, t: int) -> int:
        if at is None:
            base = t
        elif at.kind == "at":
            base = at.ms
        elif at.kind == "start":
            base = self.start
        else:
            base = self.end
        return base - offset

    def _select(self, vs: A.VectorSelector) -> list[StoredSeries]:
        return self.engine.select(vs)

    def scalar(self, e: A.Expr, t: int) -> float:
        v = self.eval(e, t)
        if isinstance(v, Scalar):
            return v.value
        raise PromQLEvalError(f"expected a scalar, got {type(v).__name__.lower()}")

    def vector(self, e: A.Expr, t: int) -> tuple[Sample, ...]:
        v = self.eval(e, t)
        if isinstance(v, Vector):
            return v.samples
        raise PromQLEvalError(f"expected an instant vector, got {type(v).__name__.lower()}")

    def string(self, e: A.Expr) -> str:
        e = unwrap(e)
        if isinstance(e, A.StringLiteral):
            return e.value
        raise PromQLEvalError("expected a string literal")

    # --- evaluation ----------------------------------------------------------------------

    def eval(self, e: A.Expr, t: int) -> Value:
        return _DISPATCH[type(e)](self, e, t)

    def _eval_number(self, e: A.NumberLiteral, t: int) -> Value:
        return Scalar(e.value)

    def _eval_string(self, e: A.StringLiteral, t: int) -> Value:
        return String(e.value)

    def _eval_paren(self, e: A.Paren, t: int) -> Value:
        return self.eval(e.expr, t)

    def _eval_selector(self, e: A.VectorSelector, t: int) -> Value:
        return Vector(tuple(self._instant(e, t)))

    def _eval_matrix(self, e: A.MatrixSelector, t: int) -> Value:
        if e.selector.anchored or e.selector.smoothed:
            return self._extended_matrix(e, t)
        series, _, _ = self._matrix_selector(e, t)
        return Matrix(tuple(series))

    def _eval_subquery(self, e: A.Subquery, t: int) -> Value:
        series, _, _ = self._subquery(e, t)
        return Matrix(tuple(series))

    def _eval_unary(self, e: A.Unary, t: int) -> Value:
        inner = self.eval(e.expr, t)
        if isinstance(inner, Scalar):
            return Scalar(-inner.value)
        if isinstance(inner, Vector):
            drop = self.drop
            out = [Sample(drop(s.labels), -s.value) if s.histogram is None else HF.negate(s, drop)
                   for s in inner.samples]
            check_unique(out)
            return Vector(tuple(out))
        raise PromQLEvalError("unary minus needs a scalar or an instant vector")

    def _instant(self, vs: A.VectorSelector, t: int) -> list[Sample]:
        if vs.smoothed:
            return self._smoothed_instant(vs, t)
        ref = self._ref(vs.at, vs.offset_ms, t)
        lookback = self.opts.lookback_ms
        out = []
        for s in self._select(vs):
            got = s.last_at(ref, lookback, self.left_open)
            if got is not None:
                out.append(Sample(s.labels, got[1]) if s.hist is None else
                           HF.stored_sample(s, got[0], id(vs) in self.skip_buckets, ref - lookback))
        return out

    def instant_samples(self, vs: A.VectorSelector, t: int) -> list[tuple[Labels, int, float]]:
        ref = self._ref(vs.at, vs.offset_ms, t)
        out = []
        for s in self._select(vs):
            got = s.last_at(ref, self.opts.lookback_ms, self.left_open)
            if got is not None:
                out.append((s.labels, got[0], got[1]))
        return out

    def samples_at(self, matchers: Sequence[A.Matcher], ref_ms: int
                   ) -> list[tuple[Labels, int, float | FloatHistogram]]:
        out: list[tuple[Labels, int, float | FloatHistogram]] = []
        for s in self.storage.select(matchers, self.semantics.regex_dot_all):
            got = s.last_at(ref_ms, self.opts.lookback_ms, self.left_open)
            if got is not None:
                h = s.sample_at_time(got[0]).histogram if s.hist is not None else None
                out.append((s.labels, got[0], got[1] if h is None else h))
        return out

    def _matrix_selector(self, ms: A.MatrixSelector, t: int) -> tuple[list[RangeSeries], int, int]:
        vs = ms.selector
        end = self._ref(vs.at, vs.offset_ms, t)
        start = end - ms.range_ms
        out = []
        for s in self._select(vs):
            lo, hi = s.window(start, end, self.left_open)
            if hi > lo:
                out.append(RangeSeries(s.labels, s.ts[lo:hi], s.vs[lo:hi]) if s.hist is None else
                           HF.stored_range(s, lo, hi, id(vs) in self.skip_buckets, start))
        return out, start, end

    def _subquery(self, sq: A.Subquery, t: int) -> tuple[list[RangeSeries], int, int]:
        end = self._ref(sq.at, sq.offset_ms, t)
        step = sq.step_ms or self.opts.default_step_ms
        start = end - sq.range_ms
        first = step * _trunc_div(start, step)
        if first < start or (self.left_open and first == start):
            first += step
        if self.reuse and first <= end and self.engine.unselected_constant(sq.expr):
            constant = self._constant_steps(sq.expr, first, end, step)
            if constant is not None:
                return constant, start, end
        if self.reuse and self.engine.is_cacheable(sq.expr) and id(sq) not in self.engine.histogram_subqueries:
            held = self.engine.subquery_steps.get(id(sq))
            if held is None or held.node is not sq or held.step != step:
                if len(self.engine.subquery_steps) > 1_000:
                    self.engine.subquery_steps.clear()
                held = SubquerySteps(sq, step)
                self.engine.subquery_steps[id(sq)] = held
            try:
                return held.window(self.storage, self.epoch, first, end, self._inner_steps(sq.expr)), start, end
            except HistogramStep:
                # Held steps are float arrays: a subquery returning histograms is computed afresh.
                del self.engine.subquery_steps[id(sq)]
                self.engine.histogram_subqueries.add(id(sq))
        acc: dict[Labels, tuple[list[int], list[float]]] = {}
        hacc: dict[Labels, tuple[list[int], list[FloatHistogram]]] = {}
        inner = self._inner_steps(sq.expr)
        for ts in range(first, end + 1, step):
            for s in inner(ts):
                if s.histogram is not None:
                    hentry = hacc.setdefault(s.labels, ([], []))
                    hentry[0].append(ts)
                    hentry[1].append(s.histogram)
                    continue
                entry = acc.get(s.labels)
                if entry is None:
                    entry = ([], [])
                    acc[s.labels] = entry
                entry[0].append(ts)
                entry[1].append(s.value)
        series = [RangeSeries(k, v[0], v[1]) for k, v in acc.items()] if not hacc else HF.merge_range(acc, hacc)
        series.sort(key=lambda r: r.labels)
        return series, start, end

    def _inner_steps(self, e: A.Expr) -> Callable[[int], Sequence[Sample]]:
        """A subquery's inner expression at each step. When its value is a function of what its
        instant selectors see (``value_leaves``, selectors only), a step that sees what the step
        before saw reuses that result: a subquery finer than its input (``x[5m:1s]`` over samples
        a minute apart) evaluates once per change of view, not once per step."""
        leaves = self.engine.trees.of(value_leaves, e) if self.reuse else None
        if not leaves or not all(type(n) is A.VectorSelector for n in leaves):
            return lambda ts: self.vector(e, ts)
        engine = self.engine
        view = engine.inner_views.get(id(e))
        if view is None or view.node is not e:
            if len(engine.inner_views) > 10_000:
                engine.inner_views.clear()
            view = _InnerView(e, tuple(n for n in leaves if isinstance(n, A.VectorSelector)))
            engine.inner_views[id(e)] = view
        if not view.worth_keying():
            return lambda ts: self.vector(e, ts)

        def at(ts: int) -> Sequence[Sample]:
            key = tuple(visible(engine, vs, ts) for vs in view.selectors)
            if key == view.key:
                view.hits += 1
                return view.result
            view.misses += 1
            view.result = self.vector(e, ts)
            view.key = None if None in key else key
            return view.result
        return at

    def _constant_steps(self, e: A.Expr, first: int, end: int, step: int) -> list[RangeSeries] | None:
        """A subquery's series when its inner expression has the same value at every step: that
        value, evaluated once, at each step (None when it holds histograms or repeated labels:
        the general path handles those)."""
        samples = self.vector(e, first)
        if not samples:
            return []
        if any(s.histogram is not None for s in samples) or len({s.labels for s in samples}) < len(samples):
            return None
        steps = list(range(first, end + 1, step))
        series = [RangeSeries(s.labels, steps, [s.value] * len(steps)) for s in samples]
        series.sort(key=lambda r: r.labels)
        return series

    def range_arg(self, e: A.Expr, t: int) -> tuple[list[RangeSeries], int, int, int]:
        e = unwrap(e)
        if isinstance(e, A.MatrixSelector):
            series, start, end = self._matrix_selector(e, t)
            return series, start, end, e.range_ms
        if isinstance(e, A.Subquery):
            series, start, end = self._subquery(e, t)
            return HF.subquery_argument(series), start, end, e.range_ms
        raise PromQLEvalError("expected a range vector")

    # --- binary operators --------------------------------------------------------------------

    def _binary(self, e: A.Binary, t: int) -> Value:
        lhs = self.eval(e.lhs, t)
        rhs = self.eval(e.rhs, t)
        if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
            return Scalar(scalar_binop(e.op, lhs.value, rhs.value))
        if isinstance(lhs, Vector) and isinstance(rhs, Vector):
            assert e.matching is not None
            if e.op in A.SET_OPS:
                return Vector(tuple(set_binop(e.op, lhs.samples, rhs.samples, e.matching)))
            out = vector_binop(e.op, lhs.samples, rhs.samples, e.matching, e.return_bool, self.semantics, self.note)
        elif isinstance(lhs, Vector) and isinstance(rhs, Scalar):
            out = vector_scalar_binop(e.op, lhs.samples, rhs.value, False, e.return_bool, self.semantics, self.note)
        elif isinstance(lhs, Scalar) and isinstance(rhs, Vector):
            out = vector_scalar_binop(e.op, rhs.samples, lhs.value, True, e.return_bool, self.semantics, self.note)
        else:
            raise PromQLEvalError(f"binary operator {e.op!r} needs scalars or instant vectors")
        check_unique(out)
        return Vector(tuple(out))

    # --- aggregations ------------------------------------------------------------------------

    def _aggregate(self, e: A.Aggregate, t: int) -> Value:
        param: float | str | None = None
        if e.op == "count_values":
            assert e.param is not None
            param = self.string(e.param)
        elif e.param is not None:
            param = self.scalar(e.param, t)
        samples = self.vector(e.expr, t)
        return Vector(tuple(aggregate(e.op, samples, e.grouping, e.without, param, self.semantics, self.note)))

    # --- functions ---------------------------------------------------------------------------

    def _call(self, e: A.Call, t: int) -> Value:
        fd = FUNCTIONS.get(e.func)
        if fd is None or not fd.exists_in(self.semantics):
            raise UnsupportedError(f"function {e.func}() does not exist in {self.semantics.describe()}")
        if fd.kind == "range":
            return self._call_range(e, fd, t)
        if fd.kind == "float":
            assert fd.float_impl is not None
            return map_values(self.vector(e.args[0], t), fd.float_impl, self.drop)
        if fd.kind == "date":
            name = e.func
            if not e.args:
                return Vector((Sample((), date_value(name, float(t // 1000), self.semantics.go_1_23_time)),))
            return map_values(self.vector(e.args[0], t), lambda v: date_value(name, v, self.semantics.go_1_23_time),
                              self.drop)
        if fd.special_impl is None:
            raise UnsupportedError(f"function {e.func}() is not supported by ruletest yet")
        return fd.special_impl(self, e, t)

    def _call_range(self, e: A.Call, fd: FunctionDef, t: int) -> Value:
        if not self.reuse:
            return self._call_range_now(e, fd, t)
        recent = self.engine.recent_calls
        # skip_buckets: a call read for its histograms' count and sum only differs in general.
        when = (t, self.start, self.end, self.storage.generation, self.skip_buckets)
        hit = recent.get(id(e))
        if hit is not None and hit[0] is e and hit[1] == when:
            return hit[2]
        value = self._call_range_now(e, fd, t)
        if len(recent) > 10_000:
            recent.clear()
        recent[id(e)] = (e, when, value)
        return value

    def _call_range_now(self, e: A.Call, fd: FunctionDef, t: int) -> Value:
        params: list[float] = []
        matrix_arg: A.Expr | None = None
        for a in e.args:
            if unwrap(a).type == "matrix" and matrix_arg is None:
                matrix_arg = a
            else:
                params.append(self.scalar(a, t))
        assert matrix_arg is not None and fd.range_impl is not None
        ms = unwrap(matrix_arg)
        if isinstance(ms, A.MatrixSelector) and (ms.selector.anchored or ms.selector.smoothed):
            return self._call_extended(e, ms, t)
        series, start, end, range_ms = self.range_arg(matrix_arg, t)
        rargs = RangeArgs(start, end, range_ms, t, tuple(params), self.semantics)
        fn = self.engine.range_memo.wrap(e.func, fd.range_impl, params, self.semantics)
        keep_name = fd.keeps_name
        drop = self.drop
        out = []
        for s in series:
            if s.h_timestamps:
                hs = HF.range_function(e, s, rargs, self.note)
                if hs is not None:
                    out.append(hs if keep_name else Sample(drop(s.labels), hs.value, hs.histogram))
                continue
            v = fn(s.timestamps, s.values, rargs)
            if v is not None:
                out.append(Sample(s.labels if keep_name else drop(s.labels), v))
        if out and params:
            HF.note_range_parameters(e.func, params, self.note)
        check_unique(out)
        return Vector(tuple(out))

    # --- anchored / smoothed (promql-extended-range-selectors) ---------------------------------

    def _extended_window(self, ms: A.MatrixSelector, t: int) -> tuple[list[RangeSeries], int, int]:
        """Each series' samples in the range widened by the lookback delta (before it; after it
        too when smoothed), with the range's own start and end."""
        vs = ms.selector
        end = self._ref(vs.at, vs.offset_ms, t)
        start = end - ms.range_ms
        lo, hi = X.window(start, end, self.opts.lookback_ms, vs.smoothed)
        out = []
        for s in self._select(vs):
            i, j = s.window(lo, hi, True)
            out.append(RangeSeries(s.labels, s.ts[i:j], s.vs[i:j]) if s.hist is None else
                       HF.stored_range(s, i, j, id(vs) in self.skip_buckets, lo))
        return out, start, end

    def _call_extended(self, e: A.Call, ms: A.MatrixSelector, t: int) -> Value:
        X.check_function(e.func, ms.selector.anchored)
        series, start, end = self._extended_window(ms, t)
        drop = self.drop
        out = []
        for s in series:
            ts, vs = s.timestamps, s.values
            if s.h_timestamps:
                hs = HF.extended_range_function(e.func, s, start, end, ms.range_ms, ms.selector.smoothed, self.note)
                if hs is not None:
                    out.append(Sample(drop(s.labels), hs.value, hs.histogram))
                continue
            if not ts:
                continue
            v: float | None
            if e.func in ("rate", "increase", "delta"):
                v = X.extended_rate(ts, vs, start, end, ms.range_ms, ms.selector.smoothed, e.func != "delta",
                                    e.func == "rate")
            else:
                first = X.anchor_index(ts, start)
                if first is None:
                    continue
                rargs = RangeArgs(start, end, ms.range_ms, t, (), self.semantics)
                fd = FUNCTIONS[e.func]
                assert fd.range_impl is not None
                v = fd.range_impl(ts[first:], vs[first:], rargs)
            if v is not None:
                out.append(Sample(drop(s.labels), v))
        check_unique(out)
        return Vector(tuple(out))

    def _smoothed_instant(self, vs: A.VectorSelector, t: int) -> list[Sample]:
        at = self._ref(vs.at, vs.offset_ms, t)
        lookback = self.opts.lookback_ms
        out = []
        for s in self._select(vs):
            i, j = s.window(at - lookback, at + lookback, True)
            if s.hist is not None:
                hs = HF.smoothed_sample(HF.stored_range(s, i, j, id(vs) in self.skip_buckets, at - lookback), at,
                                        self.note)
                if hs is not None:
                    out.append(hs)
                continue
            v = X.smoothed_value(s.ts[i:j], s.vs[i:j], at)
            if v is not None:
                out.append(Sample(s.labels, v))
        return out

    def _extended_matrix(self, ms: A.MatrixSelector, t: int) -> Value:
        series, start, end = self._extended_window(ms, t)
        out = []
        for s in series:
            if s.h_timestamps:
                raise PromQLEvalError(f"{'smoothed' if ms.selector.smoothed else 'anchored'} modifier is not "
                                      "supported with histograms")
            ts, vs = X.extend_floats(s.timestamps, s.values, start, end, ms.selector.smoothed)
            if ts:
                out.append(RangeSeries(s.labels, ts, vs))
        return Matrix(tuple(out))


_DISPATCH = _build_dispatch()


def finish_delayed_names(value: Value) -> Value:
    """The end of a query with delayed name removal (``cleanupMetricLabels``): flagged metric
    names are dropped; a vector whose series then collide is an error, a matrix merges series
    that collide without overlapping in time."""
    if isinstance(value, Vector):
        if not any(name_is_marked(s.labels) for s in value.samples):
            return value
        out = [Sample(finish_labels(s.labels), s.value, s.histogram) for s in value.samples]
        check_unique(out)
        return Vector(tuple(out))
    if isinstance(value, Matrix):
        if not any(name_is_marked(rs.labels) for rs in value.series):
            return value
        if any(rs.h_timestamps for rs in value.series):
            return HF.finish_matrix_names(value)
        merged: dict[Labels, list[tuple[int, float]]] = {}
        for rs in value.series:
            merged.setdefault(finish_labels(rs.labels), []).extend(zip(rs.timestamps, rs.values, strict=True))
        series = []
        for labels, points in merged.items():
            points.sort(key=lambda p: p[0])
            if any(points[i][0] == points[i - 1][0] for i in range(1, len(points))):
                raise PromQLEvalError("vector cannot contain metrics with the same labelset")
            series.append(RangeSeries(labels, [p[0] for p in points], [p[1] for p in points]))
        return Matrix(tuple(series))
    return value


def instant_query(storage: Storage, expr: str, t_ms: int, semantics: Semantics = PROMETHEUS_3) -> Value:
    """Convenience: evaluate ``expr`` at ``t_ms`` (Prometheus 3 unless told otherwise)."""
    return Engine(storage, EngineOptions(semantics)).query(expr, t_ms)


__all__ = ["Engine", "EngineOptions", "instant_query"]

