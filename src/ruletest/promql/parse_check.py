"""Prometheus' parse-time checks (``checkAST`` in ``promql/parser/parse.go``): value types of
arguments and operands, vector matching and ``bool`` rules, set operators, function arities,
``info()``'s selector, subqueries, and the selector checks (metric name set twice, at least one
matcher that does not match the empty string). Messages and positions are Prometheus'."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ruletest.promql import parse_nodes as N
from ruletest.promql.lexer import Tok, quote
from ruletest.promql.regex import compile_anchored

if TYPE_CHECKING:
    from ruletest.promql.parser import _Parser

_SPACE = " \t\n\r"


def documented_type(t: str) -> str:
    return {"vector": "instant vector", "matrix": "range vector"}.get(t, t)


def _matches_empty(m: N.GMatcher, version: int) -> bool:
    if m.type == "=":
        return m.value == ""
    if m.type == "!=":
        return m.value != ""
    matched = compile_anchored(m.value, version).match("") is not None
    return matched if m.type == "=~" else not matched


def check_ast(p: _Parser, node: Any) -> str:
    """Check ``node`` and its children, recording errors on ``p``; return its value type."""
    if isinstance(node, N.Expressions):
        for e in node.items:
            if check_ast(p, e) == "none":
                p.error(e.pos_range(), "expression must have a valid expression type but got none")
        return "none"
    # Binary, paren and unary types follow from their operands' (checked below): asking
    # node.type() here would walk long operator chains once per level.
    typ: str = "" if isinstance(node, N.GBinary | N.GParen | N.GUnary) else node.type()

    if isinstance(node, N.GAggregate):
        if node.op is None or not node.op.is_aggregator:
            op = node.op.text if node.op is not None else "<Item 0>"
            p.error(node.pos_range(), f"aggregation operator expected in aggregation expression but got {quote(op)}")
        _expect(p, node.expr, "vector", "aggregation expression")
        if node.op in (Tok.TOPK, Tok.BOTTOMK, Tok.QUANTILE, Tok.LIMITK, Tok.LIMIT_RATIO):
            _expect(p, node.param, "scalar", "aggregation parameter")
        if node.op == Tok.COUNT_VALUES:
            _expect(p, node.param, "string", "aggregation parameter")

    elif isinstance(node, N.GBinary):
        typ = _check_binary(p, node)

    elif isinstance(node, N.GCall):
        _check_call(p, node)

    elif isinstance(node, N.GParen):
        typ = check_ast(p, node.expr)

    elif isinstance(node, N.GUnary):
        if node.op not in (Tok.ADD, Tok.SUB):
            p.error(node.pos_range(), "only + and - operators allowed for unary expressions")
        typ = check_ast(p, node.expr)
        if typ not in ("scalar", "vector"):
            p.error(node.pos_range(), "unary expression only allowed on expressions of type scalar or instant "
                                      f"vector, got {quote(documented_type(typ))}")

    elif isinstance(node, N.GSubquery):
        t = check_ast(p, node.expr)
        if t != "vector":
            p.error(node.pos_range(), f"subquery is only allowed on instant vector, got {t} instead")

    elif isinstance(node, N.GMatrixSelector):
        check_ast(p, node.vector_selector)

    elif isinstance(node, N.GVectorSelector):
        _check_selector(p, node)

    elif isinstance(node, N.GNumber | N.GString | N.GDuration):
        pass
    return typ


def _expect(p: _Parser, node: Any, want: str, context: str) -> None:
    t = check_ast(p, node)
    if t != want:
        p.error(node.pos_range(), f"expected type {documented_type(want)} in {context}, got {documented_type(t)}")


def _op_range(p: _Parser, n: N.GBinary) -> tuple[int, int]:
    assert n.lhs is not None and n.rhs is not None
    text = p.input
    start = n.lhs.pos_range()[1]
    while start < len(text) and text[start] in _SPACE:
        start += 1
    end = n.rhs.pos_range()[0] - 1
    while end >= 0 and text[end] in _SPACE:
        end -= 1
    return (start, end)


def _check_binary(p: _Parser, n: N.GBinary) -> str:
    assert n.lhs is not None and n.rhs is not None and n.op is not None
    lt = check_ast(p, n.lhs)
    rt = check_ast(p, n.rhs)
    op = n.op
    if n.return_bool and not op.is_comparison:
        p.error(_op_range(p, n), "bool modifier can only be used on comparison operators")
    if op.is_comparison and not n.return_bool and rt == "scalar" and lt == "scalar":
        p.error(_op_range(p, n), "comparisons between scalars must use BOOL modifier")
    m = n.matching
    if op.is_set_operator and m is not None and m.card == "one-to-one":
        m.card = "many-to-many"
    if m is not None and m.on:
        for l1 in m.matching_labels or ():
            for l2 in m.include or ():
                if l1 == l2:
                    p.error(_op_range(p, n), f"label {quote(l1)} must not occur in ON and GROUP clause at once")
    if not op.is_operator:
        p.error(n.pos_range(), f"binary expression does not support operator {quote(op.text)}")
    if lt not in ("scalar", "vector"):
        p.error(n.lhs.pos_range(), "binary expression must contain only scalar and instant vector types")
    if rt not in ("scalar", "vector"):
        p.error(n.rhs.pos_range(), "binary expression must contain only scalar and instant vector types")
    if (lt != "vector" or rt != "vector") and m is not None:
        if m.matching_labels:
            p.error(n.pos_range(), "vector matching only allowed between instant vectors")
        if p.version >= 3 and (m.fill_lhs is not None or m.fill_rhs is not None):
            p.error(n.pos_range(), "filling in missing series only allowed between instant vectors")
        n.matching = None
    elif op.is_set_operator and m is not None:
        if m.card in ("one-to-many", "many-to-one"):
            p.error(n.pos_range(), f"no grouping allowed for {quote(op.text)} operation")
        if m.card != "many-to-many":
            p.error(n.pos_range(), "set operations must always be many-to-many")
        if p.version >= 3 and (m.fill_lhs is not None or m.fill_rhs is not None):
            p.error(n.pos_range(), "filling in missing series not allowed for set operators")
    if (lt == "scalar" or rt == "scalar") and op.is_set_operator:
        p.error(n.pos_range(), f"set operator {quote(op.text)} not allowed in binary scalar expression")
    return "scalar" if lt == "scalar" and rt == "scalar" else "vector"


def _check_call(p: _Parser, n: N.GCall) -> None:
    fn = n.func
    assert fn is not None
    nargs = len(fn.arg_types)
    if fn.variadic == 0:
        if nargs != len(n.args):
            p.error(n.pos_range(), f"expected {nargs} argument(s) in call to {quote(fn.name)}, got {len(n.args)}")
    else:
        na = nargs - 1
        if na > len(n.args):
            p.error(n.pos_range(), f"expected at least {na} argument(s) in call to {quote(fn.name)}, got {len(n.args)}")
        elif fn.variadic > 0 and na + fn.variadic < len(n.args):
            p.error(n.pos_range(), f"expected at most {na + fn.variadic} argument(s) in call to {quote(fn.name)}, "
                                   f"got {len(n.args)}")
    if p.version >= 3 and fn.name == "info" and len(n.args) > 1:
        second = n.args[1]
        if second.type() != "vector":
            p.error(n.pos_range(), f"expected type instant vector in call to function {quote(fn.name)}, got "
                                   f"{documented_type(second.type())}")
        if isinstance(second, N.GVectorSelector) and second.name:
            p.error(second.pos_range(), "expected label selectors only, got vector selector instead")
        elif isinstance(second, N.GVectorSelector):
            second.bypass_empty_matcher_check = True
        else:
            p.error(second.pos_range(), "expected label selectors only")
    for i, arg in enumerate(n.args):
        if i >= nargs:
            if fn.variadic == 0:
                break
            i = nargs - 1
        t = check_ast(p, arg)
        if t != fn.arg_types[i]:
            p.error(arg.pos_range(), f"expected type {documented_type(fn.arg_types[i])} in call to function "
                                     f"{quote(fn.name)}, got {documented_type(t)}")


def _check_selector(p: _Parser, n: N.GVectorSelector) -> None:
    matchers = n.matchers or []
    if n.name:
        for m in matchers[:-1]:
            if m is not None and m.name == "__name__":
                p.error(n.pos_range(), f"metric name must not be set twice: {quote(n.name)} or {quote(m.value)}")
        return
    if n.bypass_empty_matcher_check:
        return
    if not any(m is not None and not _matches_empty(m, p.version) for m in matchers):
        p.error(n.pos_range(), "vector selector must contain at least one non-empty matcher")
