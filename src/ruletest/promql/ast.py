"""PromQL syntax tree: frozen dataclasses shared by the engine and the linter, the entry point
that parses text into them, and a printer.

:func:`parse` reads Prometheus 3.14's syntax (or 2.42's): ``promql_parser`` builds the tree for
what it parses correctly, ruletest's own parser (:mod:`ruletest.promql.parser`) for the rest and
for every error, so errors have Prometheus' wording and position (see :mod:`ruletest.promql.front`).
Every node has a ``pos``: its ``(start, end)`` code-point range in the expression, when the tree
came from ruletest's parser (``parse(..., positions=True)`` always does). ``pos`` and other
printing-only fields are excluded from equality, so both parsers build equal trees.
"""

from __future__ import annotations

import math
from dataclasses import field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from ruletest.gocompat import go_quote
from ruletest.promql.gonum import format_duration_ms, format_fixed, format_g
from ruletest.promql.regex import compile_anchored
from ruletest.records import record

if TYPE_CHECKING:
    from ruletest.promql.parse_options import ParseOptions

ValueType = Literal["scalar", "vector", "matrix", "string"]
Pos = tuple[int, int]


@record(slots=True)
class Matcher:
    """A label matcher: ``name op "value"``."""

    name: str
    op: Literal["=", "!=", "=~", "!~"]
    value: str

    def matches(self, value: str, dot_all: bool) -> bool:
        op = self.op
        if op == "=":
            return value == self.value
        if op == "!=":
            return value != self.value
        matched = compile_anchored(self.value, dot_all).match(value) is not None
        return matched if op == "=~" else not matched

    def __str__(self) -> str:
        """Prometheus' ``labels.Matcher.String()``: ``name="value"``, the name quoted when needed."""
        name = self.name if _is_legacy_label(self.name) else _quote(self.name)
        return f"{name}{self.op}{_quote(self.value)}"


@record(slots=True)
class At:
    """The ``@`` modifier: a fixed time in ms (negative allowed), or ``start()`` / ``end()``."""

    kind: Literal["at", "start", "end"]
    ms: int = 0


@record(slots=True)
class NumberLiteral:
    """A number (or a duration, as a number of seconds)."""

    value: float
    type: ValueType = "scalar"
    duration: bool = field(default=False, compare=False)  # written as a duration: printed as one
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class StringLiteral:
    """A string literal."""

    value: str
    type: ValueType = "string"
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class DurationExpr:
    """A duration Prometheus computes per query: ``step()``, ``range()``, or arithmetic and
    ``min_of()``/``max_of()`` over them. ``lhs`` is None for ``step``/``range`` and for a unary
    ``-``/``+``; leaves are :class:`NumberLiteral` seconds. Constant duration expressions never
    appear: the parser folds them into the millisecond fields."""

    op: Literal["+", "-", "*", "/", "%", "^", "step", "range", "min_of", "max_of"]
    lhs: DurationExpr | NumberLiteral | None
    rhs: DurationExpr | NumberLiteral | None
    wrapped: bool = field(default=False, compare=False)  # written in parentheses
    type: ValueType = "scalar"
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class VectorSelector:
    """An instant vector selector, with its offset and ``@`` modifiers."""

    name: str | None
    matchers: tuple[Matcher, ...]  # includes the __name__ matcher when a name was written
    offset_ms: int = 0
    at: At | None = None
    type: ValueType = "vector"
    anchored: bool = False  # promql-extended-range-selectors
    smoothed: bool = False
    offset_expr: DurationExpr | None = None  # offset computed per query (then offset_ms is 0)
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class MatrixSelector:
    """A range vector selector: an instant selector and a range."""

    selector: VectorSelector  # carries offset, @ and anchored/smoothed
    range_ms: int
    type: ValueType = "matrix"
    range_expr: DurationExpr | None = None  # range computed per query (then range_ms is 0)
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class Subquery:
    """``expr[range:step]`` with its own offset and ``@``."""

    expr: Expr
    range_ms: int
    step_ms: int  # 0: the default evaluation interval
    offset_ms: int = 0
    at: At | None = None
    type: ValueType = "matrix"
    range_expr: DurationExpr | None = None
    step_expr: DurationExpr | None = None
    offset_expr: DurationExpr | None = None
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class Call:
    """A function call."""

    func: str
    args: tuple[Expr, ...]
    type: ValueType = "vector"
    experimental: bool = False  # needs --enable-feature=promql-experimental-functions
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class Aggregate:
    """An aggregation (``sum by (job) (x)``), with its parameter for topk, quantile, count_values..."""

    op: str
    expr: Expr
    param: Expr | None
    grouping: tuple[str, ...]
    without: bool
    has_grouping: bool  # ``by ()`` differs from no clause only in printing
    type: ValueType = "vector"
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class VectorMatching:
    """How a binary operation between vectors matches samples: on/ignoring, cardinality, group_x labels, fill values."""

    card: Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"]
    on: bool
    labels: tuple[str, ...]
    include: tuple[str, ...]  # group_left/group_right labels
    has_modifier: bool = False
    # fill()/fill_left()/fill_right() (promql-binop-fill-modifiers): the value a missing series
    # on that side takes; None: no fill.
    fill_lhs: float | None = None
    fill_rhs: float | None = None


@record(slots=True)
class Binary:
    """A binary operation."""

    op: str  # arithmetic, comparison, set operators, atan2, and the histogram trims "</" and ">/"
    lhs: Expr
    rhs: Expr
    return_bool: bool
    matching: VectorMatching | None  # None when either side is a scalar
    type: ValueType = "vector"
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class Unary:
    """Unary minus or plus."""

    op: Literal["-", "+"]
    expr: Expr
    type: ValueType = "vector"
    pos: Pos | None = field(default=None, compare=False)


@record(slots=True)
class Paren:
    """A parenthesised expression."""

    expr: Expr
    type: ValueType = "vector"
    pos: Pos | None = field(default=None, compare=False)


Expr = (NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | Subquery | Call | Aggregate
        | Binary | Unary | Paren | DurationExpr)

COMPARISON_OPS = frozenset({"==", "!=", ">", "<", ">=", "<="})
SET_OPS = frozenset({"and", "or", "unless"})
TRIM_OPS = frozenset({"</", ">/"})


def parse(text: str, options: ParseOptions | int = 3, *, positions: bool = False) -> Expr:
    """Parse a PromQL expression; raise :class:`~ruletest.errors.PromQLSyntaxError` (a
    :class:`~ruletest.promql.parser.PromQLParseError` with Prometheus' message and position)
    when Prometheus would refuse it.

    ``options`` says which Prometheus to behave like. A bare major version (the older form) keeps
    experimental functions enabled. ``positions=True`` always uses ruletest's parser, so every
    node has its ``pos``.
    """
    return _parse_cached(text, _options(options), positions)


def _options(options: ParseOptions | int) -> ParseOptions:
    from ruletest.promql.parse_options import ParseOptions

    if isinstance(options, ParseOptions):
        return options
    return _legacy_options(int(options))


@lru_cache(maxsize=4)
def _legacy_options(version: int) -> ParseOptions:
    from ruletest.promql.parse_options import ParseOptions

    return ParseOptions(version, experimental_functions=True)


@lru_cache(maxsize=8192)
def _parse_cached(text: str, options: ParseOptions, positions: bool) -> Expr:
    from ruletest.promql.front import parse_expression

    return parse_expression(text, options, positions)


# ---------------------------------------------------------------------------------------------
# Printer: Prometheus' ``String()`` of each node (``promql/parser/printer.go``), independent of
# promql_parser's own printing bugs.


_quote = go_quote


def _is_legacy_label(name: str) -> bool:
    if not name:
        return False
    return all(c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z") or (i > 0 and "0" <= c <= "9")
               for i, c in enumerate(name))


def _label_name(name: str) -> str:
    return name if _is_legacy_label(name) else _quote(name)


def format_duration(ms: int) -> str:
    """Prometheus ``model.Duration.String()``: ``1h30m``, ``500ms``, ``0s``; years and weeks only
    when exact (``90d``, not ``12w6d``). Negative durations get a leading ``-``."""
    if ms < 0:
        return "-" + format_duration_ms(-ms)
    return format_duration_ms(ms)


def _format_number(e: NumberLiteral) -> str:
    v = e.value
    if e.duration and not math.isnan(v) and not math.isinf(v):
        ms = int(v * 1000)
        return format_duration(ms)
    return format_fixed(v)


def _at_text(at: At | None) -> str:
    if at is None:
        return ""
    if at.kind == "start":
        return " @ start()"
    if at.kind == "end":
        return " @ end()"
    return f" @ {at.ms / 1000:.3f}"


def _offset_text(offset_ms: int, offset_expr: DurationExpr | None) -> str:
    if offset_expr is not None:
        return " offset " + to_promql(offset_expr)
    if offset_ms > 0:
        return " offset " + format_duration(offset_ms)
    if offset_ms < 0:
        return " offset -" + format_duration(-offset_ms)
    return ""


def _selector_text(vs: VectorSelector) -> str:
    name = vs.name or ""
    parts = sorted(str(m) for m in vs.matchers
                   if not (m.name == "__name__" and m.op == "=" and m.value == name and m.value != ""))
    return name + ("{" + ",".join(parts) + "}" if parts else "")


def _modifier_text(vs: VectorSelector) -> str:
    return " anchored" if vs.anchored else " smoothed" if vs.smoothed else ""


def _matching_text(m: VectorMatching | None) -> str:
    if m is None:
        return ""
    out = ""
    grouped = m.card in ("many-to-one", "one-to-many")
    if m.labels or m.on or grouped:
        out += (" on (" if m.on else " ignoring (") + ", ".join(_label_name(label) for label in m.labels) + ")"
    if grouped:
        out += (" group_left (" if m.card == "many-to-one" else " group_right (") + \
            ", ".join(_label_name(label) for label in m.include) + ")"
    if m.fill_lhs is not None or m.fill_rhs is not None:
        if m.fill_lhs is not None and m.fill_rhs is not None and m.fill_lhs == m.fill_rhs:
            out += f" fill ({format_g(m.fill_lhs)})"
        else:
            if m.fill_lhs is not None:
                out += f" fill_left ({format_g(m.fill_lhs)})"
            if m.fill_rhs is not None:
                out += f" fill_right ({format_g(m.fill_rhs)})"
    return out


def to_promql(e: Expr) -> str:
    """Print an expression as Prometheus does (single line)."""
    if isinstance(e, NumberLiteral):
        return _format_number(e)
    if isinstance(e, StringLiteral):
        return _quote(e.value)
    if isinstance(e, VectorSelector):
        return (_selector_text(e) + _at_text(e.at) + _modifier_text(e)
                + _offset_text(e.offset_ms, e.offset_expr))
    if isinstance(e, MatrixSelector):
        vs = e.selector
        rng = to_promql(e.range_expr) if e.range_expr is not None else format_duration(e.range_ms)
        return (f"{_selector_text(vs)}[{rng}]{_modifier_text(vs)}{_at_text(vs.at)}"
                + _offset_text(vs.offset_ms, vs.offset_expr))
    if isinstance(e, Subquery):
        rng = to_promql(e.range_expr) if e.range_expr is not None else format_duration(e.range_ms)
        step = format_duration(e.step_ms) if e.step_ms else to_promql(e.step_expr) if e.step_expr else ""
        return f"{to_promql(e.expr)}[{rng}:{step}]{_at_text(e.at)}" + _offset_text(e.offset_ms, e.offset_expr)
    if isinstance(e, Call):
        return f"{e.func}({', '.join(to_promql(a) for a in e.args)})"
    if isinstance(e, Aggregate):
        mod = ""
        if e.without:
            mod = " without (" + ", ".join(_label_name(g) for g in e.grouping) + ") "
        elif e.grouping:
            mod = " by (" + ", ".join(_label_name(g) for g in e.grouping) + ") "
        args = (to_promql(e.param) + ", " if e.param is not None else "") + to_promql(e.expr)
        return f"{e.op}{mod}({args})"
    if isinstance(e, Binary):
        op = e.op + (" bool" if e.return_bool else "") + _matching_text(e.matching)
        return f"{to_promql(e.lhs)} {op} {to_promql(e.rhs)}"
    if isinstance(e, Unary):
        return f"{e.op}{to_promql(e.expr)}"
    if isinstance(e, Paren):
        return f"({to_promql(e.expr)})"
    if isinstance(e, DurationExpr):
        return _duration_text(e)
    raise TypeError(f"not an expression: {e!r}")


def _duration_text(e: DurationExpr) -> str:
    if e.op in ("step", "range"):
        text = e.op + "()"
    elif e.op in ("min_of", "max_of"):
        assert e.lhs is not None and e.rhs is not None
        text = f"{e.op}({to_promql(e.lhs)}, {to_promql(e.rhs)})"
    elif e.lhs is None:
        assert e.rhs is not None
        text = ("-" if e.op == "-" else "") + to_promql(e.rhs)
    else:
        assert e.rhs is not None
        text = f"{to_promql(e.lhs)} {e.op} {to_promql(e.rhs)}"
    return f"({text})" if e.wrapped else text


def metric_name(vs: VectorSelector) -> str | None:
    """The metric name a selector requires (an ``=`` matcher on ``__name__``), if any."""
    for m in vs.matchers:
        if m.name == "__name__" and m.op == "=":
            return m.value
    return None


def children(e: Expr) -> tuple[Expr, ...]:
    """Direct sub-expressions, for hand-written visitors (duration expressions are not walked,
    as in Prometheus)."""
    if isinstance(e, MatrixSelector):
        return (e.selector,)
    if isinstance(e, Subquery | Paren | Unary):
        return (e.expr,)
    if isinstance(e, Call):
        return e.args
    if isinstance(e, Aggregate):
        return (e.param, e.expr) if e.param is not None else (e.expr,)
    if isinstance(e, Binary):
        return (e.lhs, e.rhs)
    return ()
