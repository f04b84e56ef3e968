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
from ruletest.promql.quantiles import Bucket, bucket_fraction, bucket_quantile
from ruletest.promql.regex import compile_anchored, go_expand
from ruletest.promql.values import (
    BUCKET_LABEL,
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

    def samples_at(self, matchers: Sequence[A.Matcher], ref_ms: int) -> list[tuple[Labels, int, float]]:
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
    """Apply ``fn`` to every value, dropping ``__name__`` (with ``drop``)."""
    out = [Sample(drop(s.labels), fn(s.value)) for s in samples]
    check_unique(out)
    return Vector(tuple(out))


def fn_time(q: Evaluator, e: A.Call, t: int) -> Value:
    return Scalar(t / 1000)


def fn_pi(q: Evaluator, e: A.Call, t: int) -> Value:
    return Scalar(math.pi)


def fn_vector(q: Evaluator, e: A.Call, t: int) -> Value:
    return Vector((Sample((), q.scalar(e.args[0], t)),))


def fn_scalar(q: Evaluator, e: A.Call, t: int) -> Value:
    samples = q.vector(e.args[0], t)
    return Scalar(samples[0].value if len(samples) == 1 else math.nan)


def fn_timestamp(q: Evaluator, e: A.Call, t: int) -> Value:
    arg = unwrap(e.args[0])
    if isinstance(arg, A.VectorSelector):
        # A direct selector reports each sample's own timestamp, not the evaluation time.
        drop = q.drop
        out = [Sample(drop(labels), ts / 1000) for labels, ts, _ in q.instant_samples(arg, t)]
        check_unique(out)
        return Vector(tuple(out))
    return map_values(q.vector(arg, t), lambda _v: t / 1000, q.drop)


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
    samples = list(q.vector(e.args[0], t))
    if e.func == "sort":
        # NaN sorts last in both directions.
        ordered = sorted(samples, key=lambda s: (math.isnan(s.value), s.value if not math.isnan(s.value) else 0))
    else:
        ordered = sorted(samples, key=lambda s: (math.isnan(s.value),
                                                 -s.value if not math.isnan(s.value) else 0))
    return Vector(tuple(ordered))


def fn_sort_by_label(q: Evaluator, e: A.Call, t: int) -> Value:
    samples = list(q.vector(e.args[0], t))
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


def _bucket_groups(samples: Sequence[Sample], drop: Callable[[Labels], Labels]
                   ) -> dict[Labels, tuple[Labels, list[Bucket]]]:
    """Classic buckets by histogram (``resetHistograms``): every label but ``le`` (the name
    included, prometheus#9910: two histograms differing only in name collide once the name is
    dropped, an error), with the result's labels; samples without a float ``le`` are skipped."""
    groups: dict[Labels, tuple[Labels, list[Bucket]]] = {}
    for s in samples:
        le = _parse_le(get_label(s.labels, BUCKET_LABEL))
        if le is None:
            continue
        key = tuple(p for p in s.labels if p[0] != BUCKET_LABEL)
        entry = groups.get(key)
        if entry is None:
            entry = (drop(key), [])
            groups[key] = entry
        entry[1].append((le, s.value))
    return groups


def fn_histogram_quantile(q: Evaluator, e: A.Call, t: int) -> Value:
    phi = q.scalar(e.args[0], t)
    groups = _bucket_groups(q.vector(e.args[1], t), q.drop)
    fix = q.semantics.histogram_quantile_precision_fix
    out = [Sample(metric, bucket_quantile(phi, buckets, fix)) for metric, buckets in groups.values()]
    check_unique(out)
    return Vector(tuple(out))


def fn_histogram_quantiles(q: Evaluator, e: A.Call, t: int) -> Value:
    """``histogram_quantiles(v, "label", q1, q2...)``: one series per quantile, told apart by
    ``label`` set to the quantile (``FormatOpenMetricsFloat``)."""
    from ruletest.promql.histograms import format_openmetrics_float

    samples = q.vector(e.args[0], t)
    label = q.string(e.args[1])
    phis = [q.scalar(a, t) for a in e.args[2:]]
    groups = _bucket_groups(samples, q.drop)
    fix = q.semantics.histogram_quantile_precision_fix
    out = [Sample(set_label(metric, label, format_openmetrics_float(phi)), bucket_quantile(phi, buckets, fix))
           for phi in phis for metric, buckets in groups.values()]
    check_unique(out)
    return Vector(tuple(out))


def fn_histogram_fraction(q: Evaluator, e: A.Call, t: int) -> Value:
    lower = q.scalar(e.args[0], t)
    upper = q.scalar(e.args[1], t)
    samples = q.vector(e.args[2], t)
    if not q.semantics.histogram_fraction_classic:
        return Vector(())  # 2.42 reads native histograms only
    groups = _bucket_groups(samples, q.drop)
    out = [Sample(metric, bucket_fraction(lower, upper, buckets)) for metric, buckets in groups.values()]
    check_unique(out)
    return Vector(tuple(out))


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
            out.append(Sample(set_label(s.labels, dst, go_expand(repl, m)), s.value))
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
        out.append(Sample(set_label(s.labels, dst, joined), s.value))
    check_unique(out)
    return Vector(tuple(out))
