"""What an expression knows only when a query runs: duration expressions that read the query's
step or range (``rate(x[step()*2])``, ``x offset min_of(range(), 1h)``), durations Prometheus refuses
at query time (``[5m-10m]``), and the functions ``start()``, ``end()``, ``range()`` and ``step()``.

Prometheus resolves them once per query, before evaluation (``PreprocessExpr`` in
``promql/engine.go``: ``foldQueryContextFunctions`` then ``durationVisitor`` in
``promql/durations.go``). :func:`resolve` does the same on ruletest's frozen tree and returns a
tree without them; the engine evaluates that one. Trees that need nothing of this are evaluated as
they are (:func:`needs_resolution` is asked once per tree).

An instant query (every rule evaluation) has start = end and step 0: there ``step()`` and
``range()`` are 0, so ``[step()]`` is refused (a range must be greater than 0).
"""

from __future__ import annotations

import math
from dataclasses import replace

from ruletest.errors import PromQLEvalError
from ruletest.promql import ast as A
from ruletest.promql.functions import go_max, go_min
from ruletest.promql.gonum import go_int64
from ruletest.promql.operators import go_pow

CONTEXT_FUNCTIONS = frozenset({"start", "end", "range", "step"})
_MAX_SECONDS = (1 << 63) / 1e9


def needs_resolution(e: A.Expr) -> bool:
    """Whether ``e`` holds a duration expression or calls a query-context function."""
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, A.VectorSelector):
            if n.offset_expr is not None:
                return True
        elif isinstance(n, A.MatrixSelector):
            if n.range_expr is not None or n.selector.offset_expr is not None:
                return True
        elif isinstance(n, A.Subquery):
            if n.range_expr is not None or n.step_expr is not None or n.offset_expr is not None:
                return True
        elif isinstance(n, A.Call) and n.func in CONTEXT_FUNCTIONS and not n.args:
            return True
        stack.extend(A.children(n))
    return False


def uses_query_bounds(e: A.Expr) -> bool:
    """Whether ``e`` calls ``start()`` or ``end()`` (its resolution depends on the query's time,
    not only on its range and step)."""
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, A.Call) and n.func in ("start", "end") and not n.args:
            return True
        stack.extend(A.children(n))
    return False


def resolve(e: A.Expr, start_ms: int, end_ms: int, step_ms: int) -> A.Expr:
    """``e`` with query-context calls folded into numbers and every duration expression computed
    (raises :class:`PromQLEvalError` as Prometheus refuses the query)."""
    return _Resolver(start_ms, end_ms, step_ms).expr(e)


class _Resolver:
    def __init__(self, start_ms: int, end_ms: int, step_ms: int) -> None:
        self.start = start_ms
        self.end = end_ms
        self.step = step_ms

    def expr(self, e: A.Expr) -> A.Expr:
        if isinstance(e, A.Call):
            if e.func in CONTEXT_FUNCTIONS and not e.args:
                return A.NumberLiteral(self._context_value(e.func), pos=e.pos)
            return replace(e, args=tuple(self.expr(a) for a in e.args))
        if isinstance(e, A.Binary):
            return replace(e, lhs=self.expr(e.lhs), rhs=self.expr(e.rhs))
        if isinstance(e, A.Aggregate):
            return replace(e, expr=self.expr(e.expr), param=self.expr(e.param) if e.param is not None else None)
        if isinstance(e, A.Unary | A.Paren):
            return replace(e, expr=self.expr(e.expr))
        if isinstance(e, A.VectorSelector):
            return self._selector(e)
        if isinstance(e, A.MatrixSelector):
            selector = self._selector(e.selector)
            if e.range_expr is not None:
                return replace(e, selector=selector, range_ms=self._duration(e.range_expr, False), range_expr=None)
            return e if selector is e.selector else replace(e, selector=selector)
        if isinstance(e, A.Subquery):
            out = replace(e, expr=self.expr(e.expr))
            if e.offset_expr is not None:
                out = replace(out, offset_ms=self._duration(e.offset_expr, True), offset_expr=None)
            if e.step_expr is not None:
                out = replace(out, step_ms=self._duration(e.step_expr, False), step_expr=None)
            if e.range_expr is not None:
                out = replace(out, range_ms=self._duration(e.range_expr, False), range_expr=None)
            return out
        return e

    def _selector(self, vs: A.VectorSelector) -> A.VectorSelector:
        if vs.offset_expr is None:
            return vs
        return replace(vs, offset_ms=self._duration(vs.offset_expr, True), offset_expr=None)

    def _context_value(self, func: str) -> float:
        if func == "start":
            return self.start / 1000
        if func == "end":
            return self.end / 1000
        if func == "range":
            return (self.end - self.start) / 1000
        # foldQueryContextFunctions: step() is 0 unless the query spans more than one instant.
        return self.step / 1000 if self.start != self.end else 0.0

    def _duration(self, e: A.DurationExpr, negative_allowed: bool) -> int:
        """``durationVisitor.calculateDuration``: milliseconds, or Prometheus' refusal."""
        seconds = self._seconds(e)
        where = f"{e.pos[0]}:{e.pos[1]}" if e.pos is not None else "0:0"
        if math.isnan(seconds) or math.isinf(seconds):
            raise PromQLEvalError(f"{where}: duration is NaN or infinite")
        if seconds <= 0 and not negative_allowed:
            raise PromQLEvalError(f"{where}: duration must be greater than 0")
        if seconds > _MAX_SECONDS or seconds < -_MAX_SECONDS:
            raise PromQLEvalError(f"{where}: duration is out of range")
        return go_int64(seconds * 1000)

    def _seconds(self, e: A.DurationExpr | A.NumberLiteral | None) -> float:
        """``evaluateDurationExpr``: seconds, as a float."""
        if e is None:
            return 0.0
        if isinstance(e, A.NumberLiteral):
            return e.value
        op = e.op
        if op == "step":
            return self.step / 1000
        if op == "range":
            return (self.end - self.start) / 1000
        lhs = self._seconds(e.lhs)
        rhs = self._seconds(e.rhs)
        if op == "min_of":
            return go_min(lhs, rhs)
        if op == "max_of":
            return go_max(lhs, rhs)
        if op == "+":
            return rhs if e.lhs is None else lhs + rhs
        if op == "-":
            return -rhs if e.lhs is None else lhs - rhs
        if op == "*":
            return lhs * rhs
        where = f"{e.pos[0]}:{e.pos[1]}" if e.pos is not None else "0:0"
        if op == "/":
            if rhs == 0:
                raise PromQLEvalError(f"{where}: division by zero")
            return lhs / rhs
        if op == "%":
            if rhs == 0:
                raise PromQLEvalError(f"{where}: modulo by zero")
            return math.fmod(lhs, rhs) if not (math.isinf(lhs) or math.isnan(lhs) or math.isnan(rhs)) else math.nan
        return go_pow(lhs, rhs)
