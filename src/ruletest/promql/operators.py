"""Binary operators: arithmetic, comparison (filter or ``bool``), set operators and vector matching.

Follows ``VectorBinop``/``VectorscalarBinop``/``resultMetric`` in Prometheus' ``promql/engine.go``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ruletest.errors import PromQLEvalError
from ruletest.promql.ast import TRIM_OPS, VectorMatching
from ruletest.promql.values import (
    METRIC_NAME,
    Labels,
    Sample,
    drop_name,
    format_labels,
    mark_name,
    set_label,
    unmark_name,
)
from ruletest.semantics import Semantics


def go_pow(x: float, y: float) -> float:
    """Go ``math.Pow`` (Python's ``**`` raises where Go returns Inf/NaN)."""
    try:
        r = math.pow(x, y)
    except OverflowError:
        if x < 0 and y == int(y) and int(y) % 2 == 1:
            return -math.inf
        return math.inf
    except ValueError:
        if x == 0 and y < 0:
            if y == int(y) and int(y) % 2 == 1:
                return math.copysign(math.inf, x)
            return math.inf
        return math.nan
    return r


def go_div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


def go_mod(x: float, y: float) -> float:
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return math.fmod(x, y)


def go_atan2(y: float, x: float) -> float:
    return math.atan2(y, x)


def _add(a: float, b: float) -> float:
    return a + b


def _sub(a: float, b: float) -> float:
    return a - b


def _mul(a: float, b: float) -> float:
    return a * b


ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": _add, "-": _sub, "*": _mul, "/": go_div, "%": go_mod, "^": go_pow, "atan2": go_atan2,
}

COMPARISON: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
    "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
}


def scalar_binop(op: str, a: float, b: float) -> float:
    if op in ARITHMETIC:
        return ARITHMETIC[op](a, b)
    cmp = COMPARISON.get(op)
    if cmp is None:  # the histogram trim operators
        raise PromQLEvalError(f'operator "{op}" not allowed for Scalar operations')
    # Scalar comparisons always carry ``bool`` (the parser enforces it).
    return 1.0 if cmp(a, b) else 0.0


def drops_metric_name(op: str, semantics: Semantics) -> bool:
    """Arithmetic drops ``__name__``; ``atan2`` only does since Prometheus 3."""
    if op == "atan2":
        return semantics.atan2_drops_name
    return op in ARITHMETIC


def vector_scalar_binop(op: str, vec: tuple[Sample, ...], scalar: float, swap: bool,
                        return_bool: bool, semantics: Semantics) -> list[Sample]:
    """``vector op scalar`` (or ``scalar op vector`` when ``swap``)."""
    drop_fn = mark_name if semantics.delayed_name_removal else drop_name
    out: list[Sample] = []
    if op in ARITHMETIC:
        fn = ARITHMETIC[op]
        drop = drops_metric_name(op, semantics)
        for s in vec:
            v = fn(scalar, s.value) if swap else fn(s.value, scalar)
            out.append(Sample(drop_fn(s.labels) if drop else s.labels, v))
        return out
    if op in TRIM_OPS:
        return out  # trimming is for native histograms: a float sample is dropped (with an info)
    cmp = COMPARISON[op]
    for s in vec:
        keep = cmp(scalar, s.value) if swap else cmp(s.value, scalar)
        if return_bool:
            out.append(Sample(drop_fn(s.labels), 1.0 if keep else 0.0))
        elif keep:
            out.append(s)
    return out


def _signature_fn(matching: VectorMatching) -> Callable[[Labels], Labels]:
    names = frozenset(matching.labels)
    if matching.on:
        return lambda ls: tuple(p for p in ls if p[0] in names)
    drop = names | {METRIC_NAME}
    return lambda ls: tuple(p for p in ls if p[0] not in drop)


def set_binop(op: str, lhs: tuple[Sample, ...], rhs: tuple[Sample, ...],
              matching: VectorMatching) -> list[Sample]:
    sig = _signature_fn(matching)
    if op == "and":
        right = {sig(s.labels) for s in rhs}
        return [s for s in lhs if sig(s.labels) in right]
    if op == "unless":
        right = {sig(s.labels) for s in rhs}
        return [s for s in lhs if sig(s.labels) not in right]
    # or
    left = {sig(s.labels) for s in lhs}
    return list(lhs) + [s for s in rhs if sig(s.labels) not in left]


def _result_labels(lhs: Labels, rhs: Labels, matching: VectorMatching, drop: bool) -> Labels:
    """``resultMetric``: the "many" side's labels, reduced as the matching says, plus the
    ``group_x`` labels taken from the "one" side."""
    labels = drop_name(lhs) if drop else lhs
    if matching.card == "one-to-one":
        names = set(matching.labels)
        if matching.on:
            labels = tuple(p for p in labels if p[0] in names)
        else:
            labels = tuple(p for p in labels if p[0] not in names)
    if matching.include:
        rmap = dict(rhs)
        for name in matching.include:
            labels = set_label(labels, name, rmap.get(name, ""))
    return labels


def _match_labels(labels: Labels, matching: VectorMatching) -> Labels:
    """``Labels.MatchLabels``: the labels a fill value's stand-in sample has."""
    names = frozenset(matching.labels)
    if matching.on:
        return tuple(p for p in labels if p[0] in names)
    return tuple(p for p in labels if p[0] not in names and p[0] != METRIC_NAME)


def vector_binop(op: str, lhs: tuple[Sample, ...], rhs: tuple[Sample, ...], matching: VectorMatching,
                 return_bool: bool, semantics: Semantics) -> list[Sample]:
    """Arithmetic or comparison between two vectors with one-to-one / many-to-one matching and
    the fill modifiers (``VectorBinop``)."""
    if matching.card == "many-to-many":
        raise PromQLEvalError("many-to-many only allowed for set operators")
    fill_lhs, fill_rhs = matching.fill_lhs, matching.fill_rhs
    if (not lhs or not rhs) and ((not lhs and not rhs) or (fill_lhs is None and fill_rhs is None)):
        return []  # nothing can match, and duplicates on one side are not an error then
    sig = _signature_fn(matching)
    one_to_many = matching.card == "one-to-many"
    if one_to_many:
        lhs, rhs = rhs, lhs
    right: dict[Labels, Sample] = {}
    for rs in rhs:
        key = sig(rs.labels)
        dup = right.get(key)
        if dup is not None:
            _many_to_many(key, rs.labels, dup.labels, "left" if one_to_many else "right", semantics)
        right[key] = rs
    arith = ARITHMETIC.get(op)
    cmp = COMPARISON.get(op)
    # Arithmetic drops __name__ at once, also with delayed name removal; `bool` drops it at once
    # or flags it (values.DroppedName); a filtering comparison keeps the left side's name.
    drop_now = drops_metric_name(op, semantics) or (return_bool and not semantics.delayed_name_removal)
    flag = semantics.delayed_name_removal and op not in ARITHMETIC
    check_filtered = semantics.filter_ops_check_cardinality
    one_to_one = matching.card == "one-to-one"
    out: list[Sample] = []
    matched: dict[Labels, set[Labels] | None] = {}

    def apply(ls: Sample, rs: Sample, key: Labels) -> None:
        fl, fr = ls.value, rs.value
        if one_to_many:
            fl, fr = fr, fl
        if arith is not None:
            value, keep = arith(fl, fr), True
        elif cmp is not None:
            value, keep = fl, cmp(fl, fr)
        else:  # the histogram trim operators keep no float sample
            value, keep = fl, False
        if return_bool:
            value = 1.0 if keep else 0.0
        elif not keep and not check_filtered:
            return  # 2.x and 3.0-3.8: filtered samples do not count as matches
        metric = _result_labels(ls.labels, rs.labels, matching, drop_now)
        if flag:
            metric = mark_name(metric) if return_bool else unmark_name(metric)
        if one_to_one:
            if key in matched:
                raise PromQLEvalError(
                    "multiple matches for labels: many-to-one matching must be explicit "
                    "(group_left/group_right)")
            matched[key] = None
        else:
            seen = matched.get(key)
            if seen is None:
                seen = set()
                matched[key] = seen
            elif metric in seen:
                raise PromQLEvalError("multiple matches for labels: grouping labels must ensure unique matches")
            seen.add(metric)
        if keep or return_bool:
            out.append(Sample(metric, value))

    for ls in lhs:
        key = sig(ls.labels)
        match = right.get(key)
        if match is None:
            if fill_rhs is None:
                continue
            match = Sample(_match_labels(ls.labels, matching), fill_rhs)
        apply(ls, match, key)
    if fill_lhs is not None:
        for rs in rhs:
            key = sig(rs.labels)
            if key in matched:
                continue
            apply(Sample(_match_labels(rs.labels, matching), fill_lhs), rs, key)
    return out


def _many_to_many(key: Labels, first: Labels, second: Labels, side: str, semantics: Semantics) -> None:
    a, b = format_labels(first), format_labels(second)
    if semantics.many_to_many_error_sorted and a > b:
        a, b = b, a
    raise PromQLEvalError(
        f"found duplicate series for the match group {format_labels(key)} on the {side} "
        f"hand-side of the operation: [{a}, {b}]"
        ";many-to-many matching not allowed: matching labels must be unique on one side")
