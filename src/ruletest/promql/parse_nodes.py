"""The parser's working tree: mutable nodes shaped like Prometheus' ``promql/parser/ast.go``.

Prometheus' grammar actions build and then modify nodes (an ``offset`` sets a field of the
selector already built, a unary minus negates a number literal in place), and its checks and
error positions follow from those shapes: the ``PositionRange`` of each node, the name matcher
appended last, nil values after a syntax error. Parsing into the same shapes keeps every error
and position identical; :mod:`ruletest.promql.parse_convert` then builds the frozen
:mod:`ruletest.promql.ast` tree. Positions are code-point indices; durations are nanoseconds
(Go's ``time.Duration``) and timestamps milliseconds, as in Go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ruletest.promql.lexer import Item, Tok
from ruletest.promql.signatures import Signature

ValueType = Literal["scalar", "vector", "matrix", "string", "none"]
Range = tuple[int, int]
MatchType = Literal["=", "!=", "=~", "!~"]


@dataclass(eq=False, slots=True)
class GMatcher:
    """A matcher as Go's parser builds it."""

    type: MatchType
    name: str
    value: str


@dataclass(eq=False, slots=True)
class GNumber:
    """A number literal as Go's parser builds it."""

    val: float
    start: int = 0
    end: int = 0
    duration: bool = False  # written as a duration literal: printed as one

    def pos_range(self) -> Range:
        return (self.start, self.end)

    def type(self) -> ValueType:
        return "scalar"


@dataclass(eq=False, slots=True)
class GString:
    """A string literal as Go's parser builds it."""

    val: str
    start: int
    end: int

    def pos_range(self) -> Range:
        return (self.start, self.end)

    def type(self) -> ValueType:
        return "string"


@dataclass(eq=False, slots=True)
class GDuration:
    """Go's DurationExpr: arithmetic inside ``[...]`` and after ``offset``; ``step()``,
    ``range()``, ``min_of()``, ``max_of()``. A unary operator has no ``lhs``."""

    op: Tok
    lhs: GExpr | None = None
    rhs: GExpr | None = None
    wrapped: bool = False
    start: int = 0
    end: int = 0

    def pos_range(self) -> Range:
        if self.rhs is None and self.lhs is None:
            return (self.start, self.end)
        if self.rhs is None:
            assert self.lhs is not None
            return (self.start, self.lhs.pos_range()[1])
        if self.lhs is None:
            return (self.start, self.rhs.pos_range()[1])
        return (self.lhs.pos_range()[0], self.rhs.pos_range()[1])

    def type(self) -> ValueType:
        return "scalar"


@dataclass(eq=False, slots=True)
class GVectorSelector:
    """A vector selector as Go's parser builds it."""

    name: str = ""
    matchers: list[GMatcher | None] | None = None
    start: int = 0
    end: int = 0
    original_offset: int = 0  # ns
    offset_expr: GDuration | None = None
    timestamp: int | None = None  # ms
    start_or_end: Tok | None = None
    anchored: bool = False
    smoothed: bool = False
    bypass_empty_matcher_check: bool = False

    def pos_range(self) -> Range:
        return (self.start, self.end)

    def type(self) -> ValueType:
        return "vector"


@dataclass(eq=False, slots=True)
class GMatrixSelector:
    """A matrix selector as Go's parser builds it."""

    vector_selector: GExpr
    range: int = 0  # ns
    range_expr: GDuration | None = None
    end_pos: int = 0

    def pos_range(self) -> Range:
        return (self.vector_selector.pos_range()[0], self.end_pos)

    def type(self) -> ValueType:
        return "matrix"


@dataclass(eq=False, slots=True)
class GSubquery:
    """A subquery as Go's parser builds it."""

    expr: GExpr
    range: int = 0
    range_expr: GDuration | None = None
    step: int = 0
    step_expr: GDuration | None = None
    original_offset: int = 0
    offset_expr: GDuration | None = None
    timestamp: int | None = None
    start_or_end: Tok | None = None
    end_pos: int = 0

    def pos_range(self) -> Range:
        return (self.expr.pos_range()[0], self.end_pos)

    def type(self) -> ValueType:
        return "matrix"


@dataclass(eq=False, slots=True)
class GCall:
    """A function call as Go's parser builds it."""

    func: Signature | None
    name: str
    args: list[GExpr]
    start: int
    end: int

    def pos_range(self) -> Range:
        return (self.start, self.end)

    def type(self) -> ValueType:
        assert self.func is not None
        return self.func.return_type


@dataclass(eq=False, slots=True)
class GAggregate:
    """An aggregation as Go's parser builds it."""

    op: Tok | None = None
    expr: GExpr | None = None
    param: GExpr | None = None
    grouping: list[str] | None = None
    without: bool = False
    start: int = 0
    end: int = 0

    def pos_range(self) -> Range:
        return (self.start, self.end)

    def type(self) -> ValueType:
        return "vector"


@dataclass(eq=False, slots=True)
class GVectorMatching:
    """Vector matching as Go's parser builds it."""

    card: Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"] = "one-to-one"
    matching_labels: list[str] | None = None
    on: bool = False
    include: list[str] | None = None
    fill_lhs: float | None = None
    fill_rhs: float | None = None


@dataclass(eq=False, slots=True)
class GBinary:
    """A binary expression as Go's parser builds it."""

    op: Tok | None = None
    lhs: GExpr | None = None
    rhs: GExpr | None = None
    matching: GVectorMatching | None = None
    return_bool: bool = False

    def pos_range(self) -> Range:
        assert self.lhs is not None and self.rhs is not None
        return (self.lhs.pos_range()[0], self.rhs.pos_range()[1])

    def type(self) -> ValueType:
        assert self.lhs is not None and self.rhs is not None
        if self.lhs.type() == "scalar" and self.rhs.type() == "scalar":
            return "scalar"
        return "vector"


@dataclass(eq=False, slots=True)
class GParen:
    """A parenthesised expression as Go's parser builds it."""

    expr: GExpr
    start: int
    end: int

    def pos_range(self) -> Range:
        return (self.start, self.end)

    def type(self) -> ValueType:
        return self.expr.type()


@dataclass(eq=False, slots=True)
class GUnary:
    """A unary expression as Go's parser builds it."""

    op: Tok
    expr: GExpr
    start: int

    def pos_range(self) -> Range:
        return (self.start, self.expr.pos_range()[1])

    def type(self) -> ValueType:
        return self.expr.type()


GExpr = (GNumber | GString | GDuration | GVectorSelector | GMatrixSelector | GSubquery | GCall | GAggregate
         | GBinary | GParen | GUnary)


@dataclass(eq=False, slots=True)
class Expressions:
    """A function's or aggregation's argument list (Go's ``Expressions``)."""

    items: list[GExpr] = field(default_factory=list)

    def pos_range(self) -> Range:
        if not self.items:
            return (-1, -1)
        return (self.items[0].pos_range()[0], self.items[-1].pos_range()[1])


def item_range(item: Item) -> Range:
    return (item.pos, item.pos + len(item.val))
