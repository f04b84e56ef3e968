"""Addressing nodes of a PromQL syntax tree by path, and rebuilding a tree with one node changed.

Nodes are frozen dataclasses that other parts of the project extend with fields (positions, new
syntax): nodes are rebuilt only with :func:`dataclasses.replace` on the one child field that
changes, never with positional constructors, so fields added later survive a mutation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from ruletest.promql import ast as A

Path = tuple[int, ...]


def slots(e: A.Expr) -> list[tuple[str, int | None, A.Expr]]:
    """The child sub-expressions of ``e`` as (field name, index in a tuple field or None, child)."""
    if isinstance(e, A.MatrixSelector):
        return [("selector", None, e.selector)]
    if isinstance(e, A.Subquery | A.Paren | A.Unary):
        return [("expr", None, e.expr)]
    if isinstance(e, A.Call):
        return [("args", i, a) for i, a in enumerate(e.args)]
    if isinstance(e, A.Aggregate):
        out: list[tuple[str, int | None, A.Expr]] = []
        if e.param is not None:
            out.append(("param", None, e.param))
        out.append(("expr", None, e.expr))
        return out
    if isinstance(e, A.Binary):
        return [("lhs", None, e.lhs), ("rhs", None, e.rhs)]
    return []


def walk(root: A.Expr) -> Iterator[tuple[Path, A.Expr, tuple[A.Expr, ...]]]:
    """Every node with its path and its ancestors (outermost first), parents before children."""
    stack: list[tuple[Path, A.Expr, tuple[A.Expr, ...]]] = [((), root, ())]
    while stack:
        path, node, ancestors = stack.pop()
        yield path, node, ancestors
        children = slots(node)
        for i in range(len(children) - 1, -1, -1):
            stack.append(((*path, i), children[i][2], (*ancestors, node)))


def node_at(root: A.Expr, path: Path) -> A.Expr:
    node = root
    for i in path:
        node = slots(node)[i][2]
    return node


def replace_at(root: A.Expr, path: Path, new: A.Expr) -> A.Expr:
    """``root`` with the node at ``path`` replaced by ``new``."""
    if not path:
        return new
    field, index, child = slots(root)[path[0]]
    replaced = replace_at(child, path[1:], new)
    changes: dict[str, Any] = {field: replaced}
    if index is not None:
        items = list(getattr(root, field))
        items[index] = replaced
        changes = {field: tuple(items)}
    return dataclasses.replace(root, **changes)


def paren(e: A.Expr) -> A.Expr:
    """``(e)``; parentheses change no value, only how the printed text parses."""
    return A.Paren(expr=e, type=e.type)


# The fields that give an expression its meaning. Fields other helpers add (source positions...)
# are not compared, so a tree and the tree parsed back from its printed text compare equal.
_MEANINGFUL = frozenset({
    "value", "type", "name", "matchers", "op", "offset_ms", "at", "kind", "ms", "selector", "range_ms", "expr",
    "step_ms", "func", "args", "param", "grouping", "without", "lhs", "rhs", "return_bool", "matching", "card",
    "on", "labels", "include",
})


def shape(value: Any) -> Any:
    """A comparable summary of an expression tree: node types and meaningful fields only."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, shape(getattr(value, f.name))) for f in dataclasses.fields(value)
                                            if f.name in _MEANINGFUL))
    if isinstance(value, tuple):
        return tuple(shape(v) for v in value)
    if isinstance(value, float) and value != value:
        return "NaN"
    return value
