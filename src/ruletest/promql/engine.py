"""Instant evaluation of PromQL over a :class:`~ruletest.promql.storage.Storage`.

Semantics follow Prometheus' ``promql/engine.go``. ``prometheus=3`` (default) uses left-open
windows ``(t-range, t]`` for range selectors and the lookback delta, and ``^(?s:re)$`` regexes;
``prometheus=2`` uses closed windows ``[t-range, t]`` and ``^(?:re)$``, as promtool 2.x does.

A query is evaluated by recursion over the syntax tree at one timestamp; subqueries evaluate
their inner expression at each aligned step. Series selections are cached per query.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ruletest.errors import PromQLEvalError, UnsupportedError
from ruletest.promql import ast as A
from ruletest.promql.aggregations import aggregate
from ruletest.promql.functions import (
    DATE_FUNCTIONS,
    FLOAT_FUNCTIONS,
    RANGE_FUNCTIONS,
    RangeArgs,
    clamp,
    date_value,
    keeps_metric_name,
    natural_key,
    round_to,
)
from ruletest.promql.operators import scalar_binop, set_binop, vector_binop, vector_scalar_binop
from ruletest.promql.quantiles import Bucket, bucket_fraction, bucket_quantile
from ruletest.promql.regex import compile_anchored, go_expand
from ruletest.promql.storage import Storage, StoredSeries
from ruletest.promql.values import (
    BUCKET_LABEL,
    METRIC_NAME,
    Labels,
    Matrix,
    RangeSeries,
    Sample,
    Scalar,
    String,
    Value,
    Vector,
    drop_name,
    get_label,
    set_label,
)

DEFAULT_LOOKBACK_MS = 300_000


@dataclass(frozen=True)
class EngineOptions:
    prometheus: int = 3
    lookback_ms: int = DEFAULT_LOOKBACK_MS
    # Step of subqueries written without one (``x[5m:]``): Prometheus uses the global evaluation
    # interval, promtool the test file's ``evaluation_interval``.
    default_step_ms: int = 60_000


class Engine:
    """Evaluate PromQL expressions against one storage."""

    def __init__(self, storage: Storage, options: EngineOptions | None = None) -> None:
        self.storage = storage
        self.options = options or EngineOptions()
        # Results of subquery steps, reused while no sample at or before their time is written
        # (rules evaluated every step re-run the same long subqueries).
        self.step_cache: dict[tuple[int, int], tuple[A.Expr, int, tuple[Sample, ...]]] = {}
        # Selections stay valid until a series is created.
        self.selections: dict[int, tuple[A.VectorSelector, int, list[StoredSeries]]] = {}
        self.cacheable: dict[int, tuple[A.Expr, bool]] = {}
        # Per tree: why it cannot be evaluated yet (3.14 syntax), or None.
        self.evaluable: dict[int, tuple[A.Expr, str | None]] = {}

    def parse(self, expr: str) -> A.Expr:
        return A.parse(expr, self.options.prometheus)

    def query(self, expr: str | A.Expr, t_ms: int, *, start_ms: int | None = None,
              end_ms: int | None = None) -> Value:
        node = self.parse(expr) if isinstance(expr, str) else expr
        known = self.evaluable.get(id(node))
        if known is None or known[0] is not node:
            known = self._check_evaluable(node)
        if known[1] is not None:
            raise UnsupportedError(known[1])
        q = _Query(self, t_ms if start_ms is None else start_ms, t_ms if end_ms is None else end_ms)
        return q.eval(node, t_ms)

    def _check_evaluable(self, node: A.Expr) -> tuple[A.Expr, str | None]:
        hit = (node, A.not_evaluable(node))
        if len(self.evaluable) > 10_000:
            self.evaluable.clear()
        self.evaluable[id(node)] = hit
        return hit

    def select(self, vs: A.VectorSelector) -> list[StoredSeries]:
        hit = self.selections.get(id(vs))
        gen = self.storage.series_generation
        if hit is not None and hit[0] is vs and hit[1] == gen:
            return hit[2]
        found = sorted(self.storage.select(vs.matchers, self.options.prometheus), key=lambda s: s.labels)
        if len(self.selections) > 50_000:
            self.selections.clear()
        self.selections[id(vs)] = (vs, gen, found)
        return found

    def is_cacheable(self, e: A.Expr) -> bool:
        """Whether results at time t depend only on samples at or before t (no ``@``, no
        negative offset): then a cached step result stays valid until older data is written."""
        hit = self.cacheable.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        ok = _looks_only_back(e)
        if len(self.cacheable) > 10_000:
            self.cacheable.clear()
        self.cacheable[id(e)] = (e, ok)
        return ok


def _looks_only_back(e: A.Expr) -> bool:
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, A.VectorSelector | A.Subquery) and (n.at is not None or n.offset_ms < 0):
            return False
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


def _unwrap(e: A.Expr) -> A.Expr:
    while isinstance(e, A.Paren):
        e = e.expr
    return e


def _check_unique(samples: Sequence[Sample]) -> None:
    seen: set[Labels] = set()
    for s in samples:
        if s.labels in seen:
            raise PromQLEvalError("vector cannot contain metrics with the same labelset")
        seen.add(s.labels)


class _Query:
    def __init__(self, engine: Engine, start: int, end: int) -> None:
        options = engine.options
        self.engine = engine
        self.storage = engine.storage
        self.epoch = engine.storage.epoch()
        self._valid_below: dict[int, float] = {}
        self.opts = options
        self.prom = options.prometheus
        self.left_open = options.prometheus >= 3
        self.start = start
        self.end = end

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

    def _scalar(self, e: A.Expr, t: int) -> float:
        v = self.eval(e, t)
        if isinstance(v, Scalar):
            return v.value
        raise PromQLEvalError(f"expected a scalar, got {type(v).__name__.lower()}")

    def _vector(self, e: A.Expr, t: int) -> tuple[Sample, ...]:
        v = self.eval(e, t)
        if isinstance(v, Vector):
            return v.samples
        raise PromQLEvalError(f"expected an instant vector, got {type(v).__name__.lower()}")

    def _string(self, e: A.Expr) -> str:
        e = _unwrap(e)
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
            out = [Sample(drop_name(s.labels), -s.value) for s in inner.samples]
            _check_unique(out)
            return Vector(tuple(out))
        raise PromQLEvalError("unary minus needs a scalar or an instant vector")

    def _instant(self, vs: A.VectorSelector, t: int) -> list[Sample]:
        ref = self._ref(vs.at, vs.offset_ms, t)
        lookback = self.opts.lookback_ms
        out = []
        for s in self._select(vs):
            got = s.last_at(ref, lookback, self.left_open)
            if got is not None:
                out.append(Sample(s.labels, got[1]))
        return out

    def _matrix_selector(self, ms: A.MatrixSelector, t: int) -> tuple[list[RangeSeries], int, int]:
        vs = ms.selector
        end = self._ref(vs.at, vs.offset_ms, t)
        start = end - ms.range_ms
        out = []
        for s in self._select(vs):
            lo, hi = s.window(start, end, self.left_open)
            if hi > lo:
                out.append(RangeSeries(s.labels, s.ts[lo:hi], s.vs[lo:hi]))
        return out, start, end

    def _subquery(self, sq: A.Subquery, t: int) -> tuple[list[RangeSeries], int, int]:
        end = self._ref(sq.at, sq.offset_ms, t)
        step = sq.step_ms or self.opts.default_step_ms
        start = end - sq.range_ms
        first = step * _trunc_div(start, step)
        if first < start or (self.left_open and first == start):
            first += step
        acc: dict[Labels, tuple[list[int], list[float]]] = {}
        cache = self.engine.step_cache if self.engine.is_cacheable(sq.expr) else None
        for ts in range(first, end + 1, step):
            samples = self._cached_step(cache, sq.expr, ts) if cache is not None else self._vector(sq.expr, ts)
            for s in samples:
                entry = acc.get(s.labels)
                if entry is None:
                    entry = ([], [])
                    acc[s.labels] = entry
                entry[0].append(ts)
                entry[1].append(s.value)
        series = [RangeSeries(k, v[0], v[1]) for k, v in acc.items()]
        series.sort(key=lambda r: r.labels)
        return series, start, end

    def _cached_step(self, cache: dict[tuple[int, int], tuple[A.Expr, int, tuple[Sample, ...]]],
                     e: A.Expr, ts: int) -> tuple[Sample, ...]:
        key = (id(e), ts)
        hit = cache.get(key)
        if hit is not None and hit[0] is e:
            valid_below = self._valid_below.get(hit[1])
            if valid_below is None:
                valid_below = self.storage.min_written_since(hit[1])
                self._valid_below[hit[1]] = valid_below
            if valid_below > ts:
                return hit[2]
        samples = self._vector(e, ts)
        if len(cache) > 500_000:
            cache.clear()
        cache[key] = (e, self.epoch, samples)
        return samples

    def _range_arg(self, e: A.Expr, t: int) -> tuple[list[RangeSeries], int, int, int]:
        e = _unwrap(e)
        if isinstance(e, A.MatrixSelector):
            series, start, end = self._matrix_selector(e, t)
            return series, start, end, e.range_ms
        if isinstance(e, A.Subquery):
            series, start, end = self._subquery(e, t)
            return series, start, end, e.range_ms
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
            out = vector_binop(e.op, lhs.samples, rhs.samples, e.matching, e.return_bool, self.prom)
        elif isinstance(lhs, Vector) and isinstance(rhs, Scalar):
            out = vector_scalar_binop(e.op, lhs.samples, rhs.value, False, e.return_bool, self.prom)
        elif isinstance(lhs, Scalar) and isinstance(rhs, Vector):
            out = vector_scalar_binop(e.op, rhs.samples, lhs.value, True, e.return_bool, self.prom)
        else:
            raise PromQLEvalError(f"binary operator {e.op!r} needs scalars or instant vectors")
        _check_unique(out)
        return Vector(tuple(out))

    # --- aggregations ------------------------------------------------------------------------

    def _aggregate(self, e: A.Aggregate, t: int) -> Value:
        param: float | str | None = None
        if e.op == "count_values":
            assert e.param is not None
            param = self._string(e.param)
        elif e.param is not None:
            param = self._scalar(e.param, t)
        samples = self._vector(e.expr, t)
        return Vector(tuple(aggregate(e.op, samples, e.grouping, e.without, param, self.prom)))

    # --- functions ---------------------------------------------------------------------------

    def _call(self, e: A.Call, t: int) -> Value:
        name = e.func
        args = e.args
        if name in RANGE_FUNCTIONS:
            return self._call_range(e, t)
        if name in FLOAT_FUNCTIONS:
            fn = FLOAT_FUNCTIONS[name]
            return self._map(self._vector(args[0], t), fn)
        if name in DATE_FUNCTIONS:
            if not args:
                return Vector((Sample((), date_value(name, float(t // 1000))),))
            return self._map(self._vector(args[0], t), lambda v: date_value(name, v))
        handler = _CALLS.get(name)
        if handler is None:
            if name.startswith("histogram_") and name not in ("histogram_quantile", "histogram_fraction"):
                # Native-histogram functions ignore float samples.
                self._vector(args[0], t)
                return Vector(())
            raise UnsupportedError(f"function {name}() is not supported by ruletest")
        return handler(self, e, t)

    @staticmethod
    def _map(samples: Sequence[Sample], fn: Callable[[float], float]) -> Vector:
        out = [Sample(drop_name(s.labels), fn(s.value)) for s in samples]
        _check_unique(out)
        return Vector(tuple(out))

    def _call_range(self, e: A.Call, t: int) -> Value:
        name = e.func
        params: list[float] = []
        matrix_arg: A.Expr | None = None
        for a in e.args:
            if _unwrap(a).type == "matrix" and matrix_arg is None:
                matrix_arg = a
            else:
                params.append(self._scalar(a, t))
        assert matrix_arg is not None
        series, start, end, range_ms = self._range_arg(matrix_arg, t)
        rargs = RangeArgs(start, end, range_ms, t, tuple(params), self.prom)
        fn = RANGE_FUNCTIONS[name]
        keep_name = keeps_metric_name(name, self.prom)
        out = []
        for s in series:
            v = fn(s.timestamps, s.values, rargs)
            if v is not None:
                out.append(Sample(s.labels if keep_name else drop_name(s.labels), v))
        _check_unique(out)
        return Vector(tuple(out))


# --- functions that need the evaluator ------------------------------------------------------


def _fn_time(q: _Query, e: A.Call, t: int) -> Value:
    return Scalar(t / 1000)


def _fn_pi(q: _Query, e: A.Call, t: int) -> Value:
    return Scalar(math.pi)


def _fn_vector(q: _Query, e: A.Call, t: int) -> Value:
    return Vector((Sample((), q._scalar(e.args[0], t)),))


def _fn_scalar(q: _Query, e: A.Call, t: int) -> Value:
    samples = q._vector(e.args[0], t)
    return Scalar(samples[0].value if len(samples) == 1 else math.nan)


def _fn_timestamp(q: _Query, e: A.Call, t: int) -> Value:
    arg = _unwrap(e.args[0])
    if isinstance(arg, A.VectorSelector):
        # A direct selector reports each sample's own timestamp, not the evaluation time.
        ref = q._ref(arg.at, arg.offset_ms, t)
        out = []
        for s in q._select(arg):
            got = s.last_at(ref, q.opts.lookback_ms, q.left_open)
            if got is not None:
                out.append(Sample(drop_name(s.labels), got[0] / 1000))
        _check_unique(out)
        return Vector(tuple(out))
    return _Query._map(q._vector(arg, t), lambda _v: t / 1000)


def _fn_clamp(q: _Query, e: A.Call, t: int) -> Value:
    samples = q._vector(e.args[0], t)
    if e.func == "clamp":
        lo, hi = q._scalar(e.args[1], t), q._scalar(e.args[2], t)
        if hi < lo:
            return Vector(())
    elif e.func == "clamp_min":
        lo, hi = q._scalar(e.args[1], t), math.inf
    else:
        lo, hi = -math.inf, q._scalar(e.args[1], t)
    return _Query._map(samples, lambda v: clamp(v, lo, hi))


def _fn_round(q: _Query, e: A.Call, t: int) -> Value:
    samples = q._vector(e.args[0], t)
    to_nearest = q._scalar(e.args[1], t) if len(e.args) > 1 else 1.0
    return _Query._map(samples, lambda v: round_to(v, to_nearest))


def _fn_sort(q: _Query, e: A.Call, t: int) -> Value:
    samples = list(q._vector(e.args[0], t))
    if e.func == "sort":
        # NaN sorts last in both directions.
        ordered = sorted(samples, key=lambda s: (math.isnan(s.value), s.value if not math.isnan(s.value) else 0))
    else:
        ordered = sorted(samples, key=lambda s: (math.isnan(s.value),
                                                 -s.value if not math.isnan(s.value) else 0))
    return Vector(tuple(ordered))


def _fn_sort_by_label(q: _Query, e: A.Call, t: int) -> Value:
    samples = list(q._vector(e.args[0], t))
    names = [q._string(a) for a in e.args[1:]]
    ordered = sorted(samples, key=lambda s: (tuple(natural_key(get_label(s.labels, n)) for n in names), s.labels))
    if e.func == "sort_by_label_desc":
        ordered.reverse()
    return Vector(tuple(ordered))


def _absent_labels(arg: A.Expr) -> Labels:
    arg = _unwrap(arg)
    if isinstance(arg, A.MatrixSelector):
        arg = arg.selector
    if not isinstance(arg, A.VectorSelector):
        return ()
    labels: Labels = ()
    has: set[str] = set()
    for m in arg.matchers:
        if m.name == METRIC_NAME:
            continue
        if m.op == "=" and m.name not in has:
            labels = set_label(labels, m.name, m.value)
            has.add(m.name)
        else:
            labels = set_label(labels, m.name, "")
    return labels


def _fn_absent(q: _Query, e: A.Call, t: int) -> Value:
    if q._vector(e.args[0], t):
        return Vector(())
    return Vector((Sample(_absent_labels(e.args[0]), 1.0),))


def _fn_absent_over_time(q: _Query, e: A.Call, t: int) -> Value:
    series, _, _, _ = q._range_arg(e.args[0], t)
    if any(s.values for s in series):
        return Vector(())
    return Vector((Sample(_absent_labels(e.args[0]), 1.0),))


def _parse_le(value: str) -> float | None:
    if "_" in value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _bucket_groups(samples: Sequence[Sample]) -> dict[Labels, tuple[Labels, list[Bucket]]]:
    groups: dict[Labels, tuple[Labels, list[Bucket]]] = {}
    for s in samples:
        le = _parse_le(get_label(s.labels, BUCKET_LABEL))
        if le is None:
            continue
        # Buckets group by every label but `le` (the name included, prometheus#9910): two
        # histograms differing only in name collide after the name is dropped, an error.
        key = tuple(p for p in s.labels if p[0] != BUCKET_LABEL)
        entry = groups.get(key)
        if entry is None:
            entry = (tuple(p for p in key if p[0] != METRIC_NAME), [])
            groups[key] = entry
        entry[1].append((le, s.value))
    return groups


def _fn_histogram_quantile(q: _Query, e: A.Call, t: int) -> Value:
    phi = q._scalar(e.args[0], t)
    groups = _bucket_groups(q._vector(e.args[1], t))
    out = [Sample(metric, bucket_quantile(phi, buckets, q.prom)) for metric, buckets in groups.values()]
    _check_unique(out)
    return Vector(tuple(out))


def _fn_histogram_fraction(q: _Query, e: A.Call, t: int) -> Value:
    lower = q._scalar(e.args[0], t)
    upper = q._scalar(e.args[1], t)
    groups = _bucket_groups(q._vector(e.args[2], t))
    out = [Sample(metric, bucket_fraction(lower, upper, buckets)) for metric, buckets in groups.values()]
    _check_unique(out)
    return Vector(tuple(out))


def _valid_label_name(name: str, prometheus: int) -> bool:
    if prometheus >= 3:
        return bool(name)
    return bool(name) and (name[0].isalpha() or name[0] == "_") and name.isascii() and all(
        c.isalnum() or c == "_" for c in name)


def _fn_label_replace(q: _Query, e: A.Call, t: int) -> Value:
    dst, repl, src, pattern = (q._string(a) for a in e.args[1:5])
    regex = compile_anchored(pattern, q.prom)
    if not _valid_label_name(dst, q.prom):
        raise PromQLEvalError(f"invalid destination label name in label_replace(): {dst}")
    out = []
    for s in q._vector(e.args[0], t):
        m = regex.search(get_label(s.labels, src))
        if m is not None:
            out.append(Sample(set_label(s.labels, dst, go_expand(repl, m)), s.value))
        else:
            out.append(s)
    _check_unique(out)
    return Vector(tuple(out))


def _fn_label_join(q: _Query, e: A.Call, t: int) -> Value:
    dst = q._string(e.args[1])
    sep = q._string(e.args[2])
    srcs = [q._string(a) for a in e.args[3:]]
    for src in srcs:
        if not _valid_label_name(src, q.prom):
            raise PromQLEvalError(f"invalid source label name in label_join(): {src}")
    if not _valid_label_name(dst, q.prom):
        raise PromQLEvalError(f"invalid destination label name in label_join(): {dst}")
    out = []
    for s in q._vector(e.args[0], t):
        joined = sep.join(get_label(s.labels, src) for src in srcs)
        out.append(Sample(set_label(s.labels, dst, joined), s.value))
    _check_unique(out)
    return Vector(tuple(out))


_CALLS = {
    "time": _fn_time,
    "pi": _fn_pi,
    "vector": _fn_vector,
    "scalar": _fn_scalar,
    "timestamp": _fn_timestamp,
    "clamp": _fn_clamp,
    "clamp_min": _fn_clamp,
    "clamp_max": _fn_clamp,
    "round": _fn_round,
    "sort": _fn_sort,
    "sort_desc": _fn_sort,
    "sort_by_label": _fn_sort_by_label,
    "sort_by_label_desc": _fn_sort_by_label,
    "absent": _fn_absent,
    "absent_over_time": _fn_absent_over_time,
    "histogram_quantile": _fn_histogram_quantile,
    "histogram_fraction": _fn_histogram_fraction,
    "label_replace": _fn_label_replace,
    "label_join": _fn_label_join,
}


_DISPATCH = _build_dispatch()


def instant_query(storage: Storage, expr: str, t_ms: int, prometheus: int = 3) -> Value:
    """Convenience: evaluate ``expr`` at ``t_ms`` with default options."""
    return Engine(storage, EngineOptions(prometheus=prometheus)).query(expr, t_ms)


__all__ = ["Engine", "EngineOptions", "instant_query"]

