"""Label flow: which labels an expression's output always has, may have, or cannot have; and
whether it always returns something or filters (has a condition).

``possible`` is ``None`` when any label may appear (a selector can return any label set)."""

from __future__ import annotations

from dataclasses import dataclass

from ruletest.promql import ast as A
from ruletest.promql.function_table import lookup, returns_no_labels
from ruletest.promql.regex import compile_anchored

NAME = "__name__"


@dataclass(frozen=True)
class Flow:
    guaranteed: frozenset[str]
    possible: frozenset[str] | None
    always_returns: bool = False
    filters: bool = False

    def can_have(self, label: str) -> bool:
        return self.possible is None or label in self.possible

    def without(self, *names: str) -> Flow:
        drop = set(names)
        possible = None if self.possible is None else frozenset(self.possible - drop)
        return Flow(frozenset(self.guaranteed - drop), possible, self.always_returns, self.filters)


EMPTY = Flow(frozenset(), frozenset(), always_returns=True)


def _matches_empty(m: A.Matcher) -> bool:
    if m.op == "=":
        return m.value == ""
    if m.op == "!=":
        return m.value != ""
    try:
        # Whether "." matches a newline cannot change whether the empty string matches.
        hit = compile_anchored(m.value, True).match("") is not None
    except Exception:
        return True
    return hit if m.op == "=~" else not hit


def selector_flow(vs: A.VectorSelector) -> Flow:
    guaranteed = frozenset(m.name for m in vs.matchers if not _matches_empty(m))
    return Flow(guaranteed, None)


def flow(e: A.Expr) -> Flow:
    if isinstance(e, A.NumberLiteral | A.StringLiteral):
        return EMPTY
    if isinstance(e, A.VectorSelector):
        return selector_flow(e)
    if isinstance(e, A.MatrixSelector):
        return selector_flow(e.selector)
    if isinstance(e, A.Subquery | A.Paren):
        return flow(e.expr)
    if isinstance(e, A.Unary):
        return flow(e.expr).without(NAME)
    if isinstance(e, A.Call):
        return _call_flow(e)
    if isinstance(e, A.Aggregate):
        return _aggregate_flow(e)
    if isinstance(e, A.Binary):
        return _binary_flow(e)
    return Flow(frozenset(), None)


def _call_flow(e: A.Call) -> Flow:
    name = e.func
    fd = lookup(name)
    if fd is not None and returns_no_labels(fd, len(e.args)):
        return EMPTY
    if name in ("absent", "absent_over_time"):
        arg = e.args[0]
        while isinstance(arg, A.Paren):
            arg = arg.expr
        if isinstance(arg, A.MatrixSelector):
            arg = arg.selector
        labels: frozenset[str] = frozenset()
        if isinstance(arg, A.VectorSelector):
            labels = frozenset(m.name for m in arg.matchers if m.op == "=" and m.name != NAME)
        return Flow(labels, labels, always_returns=False, filters=True)
    inner_arg = next((a for a in e.args if a.type in ("vector", "matrix")), None)
    inner = flow(inner_arg) if inner_arg is not None else EMPTY
    if name == "histogram_quantile" or name == "histogram_fraction":
        return inner.without(NAME, "le")
    if name in ("label_replace", "label_join"):
        dst = e.args[1].value if isinstance(e.args[1], A.StringLiteral) else None
        possible = inner.possible
        if possible is not None and dst is not None:
            possible = frozenset(possible | {dst})
        return Flow(inner.guaranteed, possible, inner.always_returns, inner.filters)
    if fd is not None and fd.keeps_name:
        return inner
    return inner.without(NAME)


def _aggregate_flow(e: A.Aggregate) -> Flow:
    inner = flow(e.expr)
    if e.op in ("topk", "bottomk", "limitk", "limit_ratio"):
        return inner
    if e.without:
        out = inner.without(NAME, *e.grouping)
    else:
        keep = frozenset(e.grouping)
        possible = keep if inner.possible is None else frozenset(keep & inner.possible)
        out = Flow(frozenset(keep & inner.guaranteed), possible, inner.always_returns, inner.filters)
    if e.op == "count_values" and isinstance(e.param, A.StringLiteral):
        label = e.param.value
        widened = None if out.possible is None else frozenset(out.possible | {label})
        out = Flow(frozenset(out.guaranteed | {label}), widened, out.always_returns, out.filters)
    return out


def _binary_flow(e: A.Binary) -> Flow:
    lhs, rhs = flow(e.lhs), flow(e.rhs)
    comparison = e.op in A.COMPARISON_OPS
    if e.lhs.type == "scalar" and e.rhs.type == "scalar":
        return EMPTY
    if e.matching is None:  # vector op scalar
        vec = lhs if e.lhs.type != "scalar" else rhs
        filters = vec.filters or (comparison and not e.return_bool)
        if comparison and not e.return_bool:
            return Flow(vec.guaranteed, vec.possible, False, filters)
        return Flow(vec.guaranteed - {NAME}, None if vec.possible is None else vec.possible - {NAME},
                    vec.always_returns, vec.filters)
    m = e.matching
    if e.op == "or":
        possible = None if lhs.possible is None or rhs.possible is None else frozenset(lhs.possible | rhs.possible)
        return Flow(frozenset(lhs.guaranteed & rhs.guaranteed), possible,
                    lhs.always_returns or rhs.always_returns, lhs.filters and rhs.filters)
    if e.op in ("and", "unless"):
        return Flow(lhs.guaranteed, lhs.possible, False, True)
    base = lhs if m.card != "one-to-many" else rhs
    out = base if comparison and not e.return_bool else base.without(NAME)
    if m.card == "one-to-one":
        if m.on:
            keep = frozenset(m.labels)
            possible = keep if out.possible is None else frozenset(keep & out.possible)
            out = Flow(frozenset(out.guaranteed & keep), possible, out.always_returns, out.filters)
        else:
            out = out.without(*m.labels)
    if m.include:
        possible = None if out.possible is None else frozenset(out.possible | set(m.include))
        out = Flow(out.guaranteed, possible, out.always_returns, out.filters)
    filters = lhs.filters or rhs.filters or (comparison and not e.return_bool)
    return Flow(out.guaranteed, out.possible, lhs.always_returns and rhs.always_returns, filters)


def selectors(e: A.Expr) -> list[tuple[A.VectorSelector, list[A.Expr]]]:
    """Every vector selector with its ancestors (outermost first)."""
    out: list[tuple[A.VectorSelector, list[A.Expr]]] = []

    def walk(n: A.Expr, path: list[A.Expr]) -> None:
        if isinstance(n, A.VectorSelector):
            out.append((n, path))
            return
        for c in A.children(n):
            walk(c, [*path, n])

    walk(e, [])
    return out


def metric_name(vs: A.VectorSelector) -> str | None:
    for m in vs.matchers:
        if m.name == NAME and m.op == "=":
            return m.value
    return None


def value_selectors(e: A.Expr) -> list[tuple[A.VectorSelector, list[A.Expr]]]:
    """Selectors whose samples' values reach the result: the "one" side of a group_left /
    group_right join (an info metric) and the right side of and/unless only filter or add labels."""
    out: list[tuple[A.VectorSelector, list[A.Expr]]] = []

    def walk(n: A.Expr, path: list[A.Expr]) -> None:
        if isinstance(n, A.VectorSelector):
            out.append((n, path))
            return
        if isinstance(n, A.Binary) and n.matching is not None:
            if n.op in ("and", "unless") or n.matching.card == "many-to-one":
                walk(n.lhs, [*path, n])
                return
            if n.matching.card == "one-to-many":
                walk(n.rhs, [*path, n])
                return
        for c in A.children(n):
            walk(c, [*path, n])

    walk(e, [])
    return out


def walk(e: A.Expr) -> list[A.Expr]:
    """Every node of ``e`` (parents before children)."""
    out: list[A.Expr] = []
    stack = [e]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(A.children(n)))
    return out


def unwrap(e: A.Expr) -> A.Expr:
    while isinstance(e, A.Paren):
        e = e.expr
    return e


def range_calls(e: A.Expr) -> list[tuple[A.Call, A.MatrixSelector]]:
    """Every function call with a range-vector selector argument (``rate(x[5m])``)."""
    out = []
    for n in walk(e):
        if isinstance(n, A.Call):
            for a in n.args:
                a = unwrap(a)
                if isinstance(a, A.MatrixSelector):
                    out.append((n, a))
    return out
