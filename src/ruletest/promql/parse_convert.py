"""From the parser's working tree (:mod:`ruletest.promql.parse_nodes`) to the frozen
:mod:`ruletest.promql.ast` tree shared with the engine and the linter.

Duration expressions whose value does not depend on the query (no ``step()`` or ``range()``)
are folded here into the millisecond fields, the way Prometheus' engine computes them
(``promql/durations.go``); a constant one Prometheus would refuse at query time (not positive,
NaN, out of range, a division by zero) stays an expression so the evaluation fails as it does
in Prometheus. A unary ``+`` on an expression is dropped: Prometheus evaluates it as its operand.
"""

from __future__ import annotations

import math

from ruletest.promql import ast as A
from ruletest.promql import parse_nodes as N
from ruletest.promql.gonum import go_int64
from ruletest.promql.lexer import Tok

_NS_PER_MS = 1_000_000
_DURATION_OPS: dict[Tok, str] = {Tok.ADD: "+", Tok.SUB: "-", Tok.MUL: "*", Tok.DIV: "/", Tok.MOD: "%",
                                 Tok.POW: "^", Tok.STEP: "step", Tok.RANGE: "range", Tok.MIN_OF: "min_of",
                                 Tok.MAX_OF: "max_of"}


def to_ast(e: N.GExpr) -> A.Expr:
    if isinstance(e, N.GNumber):
        return A.NumberLiteral(e.val, duration=e.duration, pos=e.pos_range())
    if isinstance(e, N.GString):
        return A.StringLiteral(e.val, pos=e.pos_range())
    if isinstance(e, N.GVectorSelector):
        return _selector(e)
    if isinstance(e, N.GMatrixSelector):
        assert isinstance(e.vector_selector, N.GVectorSelector)
        rng, rng_expr = _positive(e.range, e.range_expr)
        return A.MatrixSelector(_selector(e.vector_selector), rng, range_expr=rng_expr, pos=e.pos_range())
    if isinstance(e, N.GSubquery):
        rng, rng_expr = _positive(e.range, e.range_expr)
        step, step_expr = _positive(e.step, e.step_expr)
        offset, offset_expr = _offset(e.original_offset, e.offset_expr)
        inner = to_ast(e.expr)
        return A.Subquery(inner, rng, step, offset, _at(e.timestamp, e.start_or_end), range_expr=rng_expr,
                          step_expr=step_expr, offset_expr=offset_expr, pos=(_start(inner), e.end_pos))
    if isinstance(e, N.GCall):
        assert e.func is not None
        return A.Call(e.name, tuple(to_ast(a) for a in e.args), e.func.return_type, e.func.experimental,
                      pos=e.pos_range())
    if isinstance(e, N.GAggregate):
        assert e.op is not None and e.expr is not None
        return A.Aggregate(e.op.text, to_ast(e.expr), to_ast(e.param) if e.param is not None else None,
                           tuple(e.grouping or ()), e.without, e.grouping is not None or e.without,
                           pos=e.pos_range())
    if isinstance(e, N.GBinary):
        return _binary(e)
    if isinstance(e, N.GParen):
        inner = to_ast(e.expr)
        return A.Paren(inner, inner.type, pos=e.pos_range())
    if isinstance(e, N.GUnary):
        inner = to_ast(e.expr)
        if e.op == Tok.ADD:
            return inner
        return A.Unary("-", inner, inner.type, pos=(e.start, _end(inner)))
    if isinstance(e, N.GDuration):
        return _duration(e)
    raise TypeError(f"unexpected node {type(e).__name__}")


def _selector(vs: N.GVectorSelector) -> A.VectorSelector:
    matchers = [A.Matcher(m.name, m.type, m.value) for m in vs.matchers or () if m is not None]
    if vs.name:
        # Prometheus appends the name matcher; ruletest's trees list it first.
        matchers = [matchers[-1], *matchers[:-1]]
    offset, offset_expr = _offset(vs.original_offset, vs.offset_expr)
    return A.VectorSelector(vs.name or None, tuple(matchers), offset, _at(vs.timestamp, vs.start_or_end),
                            anchored=vs.anchored, smoothed=vs.smoothed, offset_expr=offset_expr, pos=vs.pos_range())


def _at(timestamp: int | None, start_or_end: Tok | None) -> A.At | None:
    if timestamp is not None:
        return A.At("at", timestamp)
    if start_or_end == Tok.START:
        return A.At("start")
    if start_or_end == Tok.END_KW:
        return A.At("end")
    return None


def _ms(ns: int) -> int:
    # Go's d / time.Millisecond truncates toward zero.
    return ns // _NS_PER_MS if ns >= 0 else -((-ns) // _NS_PER_MS)


def _positive(ns: int, expr: N.GDuration | None) -> tuple[int, A.DurationExpr | None]:
    if expr is None:
        return _ms(ns), None
    value = constant_seconds(expr)
    if value is not None and not math.isnan(value) and not math.isinf(value) and value > 0 \
            and not _out_of_range(value):
        return go_int64(value * 1000), None
    return 0, _duration(expr)


def _offset(ns: int, expr: N.GDuration | None) -> tuple[int, A.DurationExpr | None]:
    if expr is None:
        return _ms(ns), None
    value = constant_seconds(expr)
    if value is not None and not math.isnan(value) and not math.isinf(value) and not _out_of_range(value):
        return go_int64(value * 1000), None
    return 0, _duration(expr)


def _out_of_range(seconds: float) -> bool:
    return seconds > (1 << 63) / 1e9 or seconds < -(1 << 63) / 1e9


def constant_seconds(e: N.GExpr | None) -> float | None:
    """The value of a duration expression without ``step()``/``range()``, in seconds, as
    Prometheus' ``evaluateDurationExpr`` computes it; None when it depends on the query or
    fails (division by zero)."""
    if isinstance(e, N.GNumber):
        return e.val
    if not isinstance(e, N.GDuration) or e.op in (Tok.STEP, Tok.RANGE):
        return None
    lhs = constant_seconds(e.lhs) if e.lhs is not None else 0.0
    rhs = constant_seconds(e.rhs) if e.rhs is not None else 0.0
    if lhs is None or rhs is None:
        return None
    op = e.op
    if op == Tok.MIN_OF:
        return min(lhs, rhs) if not (math.isnan(lhs) or math.isnan(rhs)) else math.nan
    if op == Tok.MAX_OF:
        return max(lhs, rhs) if not (math.isnan(lhs) or math.isnan(rhs)) else math.nan
    if op == Tok.ADD:
        return rhs if e.lhs is None else lhs + rhs
    if op == Tok.SUB:
        return -rhs if e.lhs is None else lhs - rhs
    if op == Tok.MUL:
        return lhs * rhs
    if op == Tok.DIV:
        return None if rhs == 0 else lhs / rhs
    if op == Tok.MOD:
        return None if rhs == 0 else math.fmod(lhs, rhs)
    if op == Tok.POW:
        return _go_pow(lhs, rhs)
    return None


def _go_pow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and y == math.floor(y) and int(y) % 2 == 1 else math.inf
    except ValueError:
        if x == 0 and y < 0:
            odd = y == math.floor(y) and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return math.nan


def _duration(e: N.GDuration) -> A.DurationExpr:
    def term(t: N.GExpr | None) -> A.DurationExpr | A.NumberLiteral | None:
        if t is None:
            return None
        if isinstance(t, N.GDuration):
            return _duration(t)
        assert isinstance(t, N.GNumber)
        return A.NumberLiteral(t.val, duration=t.duration, pos=t.pos_range())

    op = _DURATION_OPS[e.op]
    return A.DurationExpr(op, term(e.lhs), term(e.rhs), e.wrapped, pos=e.pos_range())  # type: ignore[arg-type]


def _binary(e: N.GBinary) -> A.Binary:
    assert e.lhs is not None and e.rhs is not None and e.op is not None
    lhs = to_ast(e.lhs)
    rhs = to_ast(e.rhs)
    rtype: A.ValueType = "scalar" if lhs.type == "scalar" and rhs.type == "scalar" else "vector"
    matching = None
    m = e.matching  # checkAST left it only between two instant vectors
    if m is not None:
        matching = A.VectorMatching(m.card, m.on, tuple(m.matching_labels or ()), tuple(m.include or ()),
                                    m.matching_labels is not None, m.fill_lhs, m.fill_rhs)
    return A.Binary(e.op.text, lhs, rhs, e.return_bool, matching, rtype, pos=(_start(lhs), _end(rhs)))


# Positions of operator chains come from the converted operands: asking the working tree would
# walk the chain once per level.

def _start(e: A.Expr) -> int:
    assert e.pos is not None
    return e.pos[0]


def _end(e: A.Expr) -> int:
    assert e.pos is not None
    return e.pos[1]
