"""Binary operators: arithmetic, comparison (filter or ``bool``), set operators and vector matching.

Follows ``VectorBinop``/``VectorscalarBinop``/``resultMetric`` in Prometheus' ``promql/engine.go``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ruletest.errors import PromQLEvalError
from ruletest.promql.ast import COMPARISON_OPS, VectorMatching
from ruletest.promql.values import METRIC_NAME, Labels, Sample, drop_name, format_labels, set_label
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
    # Scalar comparisons always carry ``bool`` (the parser enforces it).
    return 1.0 if COMPARISON[op](a, b) else 0.0


def drops_metric_name(op: str, semantics: Semantics) -> bool:
    """Arithmetic drops ``__name__``; ``atan2`` only does since Prometheus 3."""
    if op == "atan2":
        return semantics.atan2_drops_name
    return op in ARITHMETIC


def vector_scalar_binop(op: str, vec: tuple[Sample, ...], scalar: float, swap: bool,
                        return_bool: bool, semantics: Semantics) -> list[Sample]:
    """``vector op scalar`` (or ``scalar op vector`` when ``swap``)."""
    out: list[Sample] = []
    if op in ARITHMETIC:
        fn = ARITHMETIC[op]
        drop = drops_metric_name(op, semantics)
        for s in vec:
            v = fn(scalar, s.value) if swap else fn(s.value, scalar)
            out.append(Sample(drop_name(s.labels) if drop else s.labels, v))
        return out
    cmp = COMPARISON[op]
    for s in vec:
        keep = cmp(scalar, s.value) if swap else cmp(s.value, scalar)
        if return_bool:
            out.append(Sample(drop_name(s.labels), 1.0 if keep else 0.0))
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


def _result_labels(lhs: Labels, rhs: Labels, op: str, return_bool: bool,
                   matching: VectorMatching, semantics: Semantics) -> Labels:
    labels = lhs
    if drops_metric_name(op, semantics) or (op in COMPARISON_OPS and return_bool):
        labels = drop_name(labels)
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


def vector_binop(op: str, lhs: tuple[Sample, ...], rhs: tuple[Sample, ...], matching: VectorMatching,
                 return_bool: bool, semantics: Semantics) -> list[Sample]:
    """Arithmetic or comparison between two vectors with one-to-one / many-to-one matching."""
    if matching.card == "many-to-many":
        raise PromQLEvalError("many-to-many only allowed for set operators")
    if not lhs or not rhs:
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
            side = "left" if one_to_many else "right"
            raise PromQLEvalError(
                f"found duplicate series for the match group {format_labels(key)} on the {side} "
                f"hand-side of the operation: [{format_labels(rs.labels)}, {format_labels(dup.labels)}]"
                ";many-to-many matching not allowed: matching labels must be unique on one side")
        right[key] = rs
    arith = ARITHMETIC.get(op)
    cmp = COMPARISON.get(op)
    out: list[Sample] = []
    matched: dict[Labels, set[Labels] | None] = {}
    for ls in lhs:
        key = sig(ls.labels)
        match = right.get(key)
        if match is None:
            continue
        rs = match
        fl, fr = ls.value, rs.value
        if one_to_many:
            fl, fr = fr, fl
        if arith is not None:
            value, keep = arith(fl, fr), True
        else:
            assert cmp is not None
            value, keep = fl, cmp(fl, fr)
        if return_bool:
            value = 1.0 if keep else 0.0
        elif not keep:
            continue
        metric = _result_labels(ls.labels, rs.labels, op, return_bool, matching, semantics)
        if return_bool:
            metric = drop_name(metric)
        if matching.card == "one-to-one":
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
        out.append(Sample(metric, value))
    return out
