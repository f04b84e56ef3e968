"""What an alerting rule compares against: ``rate(errors[5m]) > 0.1`` compares the rate with 0.1.

Reports draw the compared side against the threshold. The rule's own result cannot show that:
a filtering comparison keeps only the values that pass, so everything below the threshold is
missing from it.
"""

from __future__ import annotations

from ruletest.promql import ast as A
from ruletest.records import record

# `0.1 < x` is `x > 0.1` seen from the compared side.
_FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


@record
class Threshold:
    compared: A.Expr  # the side compared with the constant
    op: str  # the comparison with the compared side on the left
    value: float


def find_threshold(e: A.Expr) -> Threshold | None:
    """The constant an alerting expression compares with, when it has one.

    Looks through parentheses and the left side of ``and`` / ``unless`` (which keep the left
    side's values); ``or``, ``bool`` comparisons and comparisons of two non-constant sides have
    no single threshold.
    """
    while True:
        if isinstance(e, A.Paren):
            e = e.expr
        elif isinstance(e, A.Binary) and e.op in ("and", "unless"):
            e = e.lhs
        else:
            break
    if not isinstance(e, A.Binary) or e.op not in A.COMPARISON_OPS or e.return_bool:
        return None
    left, right = _constant(e.lhs), _constant(e.rhs)
    if right is not None and left is None:
        return Threshold(e.lhs, e.op, right)
    if left is not None and right is None:
        return Threshold(e.rhs, _FLIPPED[e.op], left)
    return None


def _constant(e: A.Expr) -> float | None:
    if isinstance(e, A.NumberLiteral):
        return e.value
    if isinstance(e, A.Paren):
        return _constant(e.expr)
    if isinstance(e, A.Unary):
        inner = _constant(e.expr)
        return None if inner is None else (-inner if e.op == "-" else inner)
    return None
