"""PromQL functions that need the evaluator, not just numbers: they read their arguments' syntax
(``label_replace``'s strings, ``absent``'s matchers, ``timestamp``'s selector), build new label sets
or reorder vectors. Numeric work lives in :mod:`ruletest.promql.functions`; which function is
which is in :mod:`ruletest.promql.function_table`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

from ruletest.errors import PromQLEvalError
from ruletest.promql import ast as A
from ruletest.promql.extended_ranges import check_function
from ruletest.promql.functions import clamp, go_max, go_min, natural_key, round_to
from ruletest.promql.histograms import Annotation, FloatHistogram
from ruletest.promql.regex import compile_anchored, go_expand
from ruletest.promql.values import (
    METRIC_NAME,
    Labels,
    RangeSeries,
    Sample,
    Scalar,
    Value,
    Vector,
    drop_name,
    get_label,
    is_utf8_label_name,
    set_label,
)
from ruletest.semantics import Semantics


class Evaluator(Protocol):
    """What a function implementation may ask of the engine evaluating a query."""

    semantics: Semantics
    start: int  # the query's start and end (ms), for @ start() / @ end()
    end: int
    # Drops __name__ where an operation does: at once, or flagged for the end of the query
    # (delayed name removal, see values.DroppedName).
    drop: Callable[[Labels], Labels]

    def scalar(self, e: A.Expr, t: int) -> float: ...

    def vector(self, e: A.Expr, t: int) -> tuple[Sample, ...]: ...

    def string(self, e: A.Expr) -> str: ...

    def range_arg(self, e: A.Expr, t: int) -> tuple[list[RangeSeries], int, int, int]:
        """Series of a range argument, with the window's start, end and length (ms)."""
        ...

    def instant_samples(self, vs: A.VectorSelector, t: int) -> list[tuple[Labels, int, float]]:
        """What an instant selector sees at ``t``, with each sample's own timestamp."""
        ...

    def note(self, annotation: Annotation) -> None:
        """Attach a warning or info to the query's result."""
        ...

    def samples_at(self, matchers: Sequence[A.Matcher], ref_ms: int
                   ) -> list[tuple[Labels, int, float | FloatHistogram]]:
        """Every stored series matching ``matchers`` with the sample an instant selector sees at
        ``ref_ms`` (lookback and staleness applied): (labels, sample time, value)."""
        ...


SpecialFn = Callable[[Evaluator, A.Call, int], Value]


def unwrap(e: A.Expr) -> A.Expr:
    while isinstance(e, A.Paren):
        e = e.expr
    return e


def check_unique(samples: Sequence[Sample]) -> None:
    seen: set[Labels] = set()
    for s in samples:
        if s.labels in seen:
            raise PromQLEvalError("vector cannot contain metrics with the same labelset")
        seen.add(s.labels)


def map_values(samples: Sequence[Sample], fn: Callable[[float], float],
               drop: Callable[[Labels], Labels] = drop_name) -> Vector:
    """Apply ``fn`` to every float value, dropping ``__name__`` (with ``drop``); native
    histograms are skipped (``simpleFloatFunc``, ``dateWrapper``)."""
    out = [Sample(drop(s.labels), fn(s.value)) for s in samples if s.histogram is None]
    check_unique(out)
    return Vector(tuple(out))


def fn_time(q: Evaluator, e: A.Call, t: int) -> Value:
    return Scalar(t / 1000)


def fn_pi(q: Evaluator, e: A.Call, t: int) -> Value:
    return Scalar(math.pi)


def fn_vector(q: Evaluator, e: A.Call, t: int) -> Value:
    return Vector((Sample((), q.scalar(e.args[0], t)),))


def fn_scalar(q: Evaluator, e: A.Call, t: int) -> Value:
    samples = [s for s in q.vector(e.args[0], t) if s.histogram is None]  # histograms are ignored
    return Scalar(samples[0].value if len(samples) == 1 else math.nan)


def fn_timestamp(q: Evaluator, e: A.Call, t: int) -> Value:
    arg = unwrap(e.args[0])
    if isinstance(arg, A.VectorSelector):
        # A direct selector reports each sample's own timestamp, not the evaluation time.
        drop = q.drop
        out = [Sample(drop(labels), ts / 1000) for labels, ts, _ in q.instant_samples(arg, t)]
        check_unique(out)
        return Vector(tuple(out))
    drop = q.drop
    out = [Sample(drop(s.labels), t / 1000) for s in q.vector(arg, t)]  # histograms too
    check_unique(out)
    return Vector(tuple(out))


def fn_clamp(q: Evaluator, e: A.Call, t: int) -> Value:
    samples = q.vector(e.args[0], t)
    if e.func == "clamp":
        lo, hi = q.scalar(e.args[1], t), q.scalar(e.args[2], t)
        if hi < lo:
            return Vector(())
    elif e.func == "clamp_min":
        lo, hi = q.scalar(e.args[1], t), math.inf
    else:
        lo, hi = -math.inf, q.scalar(e.args[1], t)
    return map_values(samples, lambda v: clamp(v, lo, hi), q.drop)


def fn_round(q: Evaluator, e: A.Call, t: int) -> Value:
    samples = q.vector(e.args[0], t)
    to_nearest = q.scalar(e.args[1], t) if len(e.args) > 1 else 1.0
    return map_values(samples, lambda v: round_to(v, to_nearest), q.drop)


def fn_sort(q: Evaluator, e: A.Call, t: int) -> Value:
    samples = [s for s in q.vector(e.args[0], t) if s.histogram is None]  # filterFloats
    _note_sort_in_range_query(q)
    if e.func == "sort":
        # NaN sorts last in both directions.
        ordered = sorted(samples, key=lambda s: (math.isnan(s.value), s.value if not math.isnan(s.value) else 0))
    else:
        ordered = sorted(samples, key=lambda s: (math.isnan(s.value),
                                                 -s.value if not math.isnan(s.value) else 0))
    return Vector(tuple(ordered))


def _note_sort_in_range_query(q: Evaluator) -> None:
    if q.start != q.end:
        from ruletest.promql.histograms import sort_in_range_query_warning

        q.note(sort_in_range_query_warning())


def fn_sort_by_label(q: Evaluator, e: A.Call, t: int) -> Value:
    samples = list(q.vector(e.args[0], t))
    _note_sort_in_range_query(q)
    names = [q.string(a) for a in e.args[1:]]
    ordered = sorted(samples, key=lambda s: (tuple(natural_key(get_label(s.labels, n)) for n in names), s.labels))
    if e.func == "sort_by_label_desc":
        ordered.reverse()
    return Vector(tuple(ordered))


def _absent_labels(arg: A.Expr) -> Labels:
    arg = unwrap(arg)
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


def fn_absent(q: Evaluator, e: A.Call, t: int) -> Value:
    if q.vector(e.args[0], t):
        return Vector(())
    return Vector((Sample(_absent_labels(e.args[0]), 1.0),))


def fn_absent_over_time(q: Evaluator, e: A.Call, t: int) -> Value:
    arg = unwrap(e.args[0])
    if isinstance(arg, A.MatrixSelector) and (arg.selector.anchored or arg.selector.smoothed):
        check_function(e.func, arg.selector.anchored)
    series, _, _, _ = q.range_arg(e.args[0], t)
    if any(s.values or s.h_values for s in series):
        return Vector(())
    return Vector((Sample(_absent_labels(e.args[0]), 1.0),))


def fn_min_of(q: Evaluator, e: A.Call, t: int) -> Value:
    return Scalar(go_min(q.scalar(e.args[0], t), q.scalar(e.args[1], t)))


def fn_max_of(q: Evaluator, e: A.Call, t: int) -> Value:
    return Scalar(go_max(q.scalar(e.args[0], t), q.scalar(e.args[1], t)))


def fn_start_timestamp(q: Evaluator, e: A.Call, t: int) -> Value:
    # Start timestamps exist only with the server's use-start-timestamps feature; promtool
    # neither loads nor uses them, so the result is empty (funcStartTimestamp without them).
    q.vector(e.args[0], t)
    return Vector(())


def _valid_label_name(name: str, utf8: bool) -> bool:
    if utf8:
        return is_utf8_label_name(name)
    return bool(name) and (name[0].isalpha() or name[0] == "_") and name.isascii() and all(
        c.isalnum() or c == "_" for c in name)


def fn_label_replace(q: Evaluator, e: A.Call, t: int) -> Value:
    dst, repl, src, pattern = (q.string(a) for a in e.args[1:5])
    # 2.x evaluates the vector before checking the arguments, 3.x after (funcLabelReplace vs
    # evalLabelReplace): which error wins differs.
    samples = None if q.semantics.label_functions_check_names_first else q.vector(e.args[0], t)
    regex = compile_anchored(pattern, q.semantics.regex_dot_all)
    if not _valid_label_name(dst, q.semantics.utf8_names):
        raise PromQLEvalError(f"invalid destination label name in label_replace(): {dst}")
    out = []
    for s in samples if samples is not None else q.vector(e.args[0], t):
        m = regex.search(get_label(s.labels, src))
        if m is not None:
            out.append(Sample(set_label(s.labels, dst, go_expand(repl, m)), s.value, s.histogram))
        else:
            out.append(s)
    check_unique(out)
    return Vector(tuple(out))


def fn_label_join(q: Evaluator, e: A.Call, t: int) -> Value:
    dst = q.string(e.args[1])
    sep = q.string(e.args[2])
    srcs = [q.string(a) for a in e.args[3:]]
    samples = None if q.semantics.label_functions_check_names_first else q.vector(e.args[0], t)
    for src in srcs:
        if not _valid_label_name(src, q.semantics.utf8_names):
            raise PromQLEvalError(f"invalid source label name in label_join(): {src}")
    if not _valid_label_name(dst, q.semantics.utf8_names):
        raise PromQLEvalError(f"invalid destination label name in label_join(): {dst}")
    out = []
    for s in samples if samples is not None else q.vector(e.args[0], t):
        joined = sep.join(get_label(s.labels, src) for src in srcs)
        out.append(Sample(set_label(s.labels, dst, joined), s.value, s.histogram))
    check_unique(out)
    return Vector(tuple(out))
