"""PromQL syntax tree: frozen dataclasses adapted from ``promql_parser`` nodes, and a printer.

The Rust-backed parser is used only here. Its tree is converted once, by hand-written recursion
(its ``walk()`` is super-linear), into plain frozen dataclasses that the engine and the linter
share. Parser panics derive from ``BaseException``, so they are caught explicitly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import promql_parser as pp

from ruletest.errors import PromQLSyntaxError
from ruletest.gocompat import go_quote
from ruletest.promql.regex import compile_anchored

ValueType = Literal["scalar", "vector", "matrix", "string"]


def _register_removed_functions() -> None:
    # holt_winters was removed in Prometheus 3 but is valid in 2.x rule files. The parser only
    # knows the 3.x list, so register it once; the adapter rejects it in 3.x mode.
    pp.register_extra_functions([
        pp.Function("holt_winters", [pp.ValueType.Matrix, pp.ValueType.Scalar, pp.ValueType.Scalar],
                    pp.ValueType.Vector),
    ])


_register_removed_functions()

# Functions that appeared after Prometheus 2.x or changed name in 3.x.
_ONLY_IN_3 = frozenset({"double_exponential_smoothing"})
_ONLY_IN_2 = frozenset({"holt_winters"})


@dataclass(frozen=True, slots=True)
class Matcher:
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
        return f"{_label_name(self.name)}{self.op}{_quote(self.value)}"


@dataclass(frozen=True, slots=True)
class At:
    """The ``@`` modifier: a fixed time in ms, or ``start()`` / ``end()``."""

    kind: Literal["at", "start", "end"]
    ms: int = 0


@dataclass(frozen=True, slots=True)
class NumberLiteral:
    value: float
    type: ValueType = "scalar"


@dataclass(frozen=True, slots=True)
class StringLiteral:
    value: str
    type: ValueType = "string"


@dataclass(frozen=True, slots=True)
class VectorSelector:
    name: str | None
    matchers: tuple[Matcher, ...]  # includes the __name__ matcher when a name was written
    offset_ms: int = 0
    at: At | None = None
    type: ValueType = "vector"


@dataclass(frozen=True, slots=True)
class MatrixSelector:
    selector: VectorSelector
    range_ms: int
    type: ValueType = "matrix"


@dataclass(frozen=True, slots=True)
class Subquery:
    expr: Expr
    range_ms: int
    step_ms: int  # 0: the default evaluation interval
    offset_ms: int = 0
    at: At | None = None
    type: ValueType = "matrix"


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    type: ValueType = "vector"
    experimental: bool = False  # needs --enable-feature=promql-experimental-functions


@dataclass(frozen=True, slots=True)
class Aggregate:
    op: str
    expr: Expr
    param: Expr | None
    grouping: tuple[str, ...]
    without: bool
    has_grouping: bool  # ``by ()`` differs from no clause only in printing
    type: ValueType = "vector"


@dataclass(frozen=True, slots=True)
class VectorMatching:
    card: Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"]
    on: bool
    labels: tuple[str, ...]
    include: tuple[str, ...]  # group_left/group_right labels
    has_modifier: bool = False


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    lhs: Expr
    rhs: Expr
    return_bool: bool
    matching: VectorMatching | None  # None when either side is a scalar
    type: ValueType = "vector"


@dataclass(frozen=True, slots=True)
class Unary:
    op: Literal["-", "+"]
    expr: Expr
    type: ValueType = "vector"


@dataclass(frozen=True, slots=True)
class Paren:
    expr: Expr
    type: ValueType = "vector"


Expr = (NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | Subquery | Call | Aggregate
        | Binary | Unary | Paren)

COMPARISON_OPS = frozenset({"==", "!=", ">", "<", ">=", "<="})
SET_OPS = frozenset({"and", "or", "unless"})


def parse(text: str, prometheus: int = 3) -> Expr:
    """Parse a PromQL expression; raise :class:`PromQLSyntaxError` with a readable message."""
    return _parse_cached(text, prometheus)


@lru_cache(maxsize=8192)
def _parse_cached(text: str, prometheus: int) -> Expr:
    try:
        node = _pp_parse(text)
    except PromQLSyntaxError:
        # Prometheus 3 accepts durations where numbers go (`predict_linear(x[1h], 1h)`); the
        # parser only does in some places, so retry with those durations written in seconds.
        rewritten = _durations_as_seconds(text) if prometheus >= 3 else text
        if rewritten == text:
            raise
        try:
            node = _pp_parse(rewritten)
        except PromQLSyntaxError:
            raise PromQLSyntaxError(_clean_parse_message(text, ValueError("invalid promql query"))) from None
    try:
        return _convert(node, prometheus)
    except PromQLSyntaxError:
        raise
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise PromQLSyntaxError(f"unsupported PromQL construct in {text!r}: {exc}") from None


def _pp_parse(text: str) -> Any:
    try:
        return pp.parse(text)
    except BaseException as exc:  # the Rust parser can panic (BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise PromQLSyntaxError(_clean_parse_message(text, exc)) from None


_DURATION_TOKEN = re.compile(r"(?<![\w.\]])((?:\d+(?:ms|[smhdwy]))+)(?![\w.])")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}


def _durations_as_seconds(text: str) -> str:
    """Rewrite duration literals outside strings, brackets and after ``offset``/``@`` as seconds."""
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'`":
            end = i + 1
            while end < len(text) and text[end] != ch:
                end += 2 if text[end] == "\\" and ch != "`" else 1
            out.append(text[i:end + 1])
            i = end + 1
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if depth == 0:
            m = _DURATION_TOKEN.match(text, i)
            before = text[:i].rstrip()
            if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and \
                    not before.endswith(("offset", "@")):
                ms = sum(int(n) * _UNIT_MS[u] for n, u in re.findall(r"(\d+)(ms|[smhdwy])", m.group(1)))
                out.append(repr(ms / 1000))
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _clean_parse_message(text: str, exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    for word in ("anchored", "smoothed"):
        if word in text:
            msg += f" (note: '{word}' is experimental 3.x syntax that ruletest does not support)"
    return f"parse error: {msg}"


def _ms(td: timedelta | None) -> int:
    if td is None:
        return 0
    return (td.days * 86_400 + td.seconds) * 1000 + td.microseconds // 1000


def _at(at: Any) -> At | None:
    if at is None:
        return None
    kind = str(at.type).rsplit(".", 1)[-1]
    if kind == "Start":
        return At("start")
    if kind == "End":
        return At("end")
    try:
        when = at.at
    except BaseException as exc:  # negative timestamps panic inside the parser
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise PromQLSyntaxError("negative @ timestamps are not supported by ruletest's parser") from None
    delta = when.replace(tzinfo=None) - _EPOCH
    return At("at", _ms(delta))


_EPOCH = datetime(1970, 1, 1)

_MATCH_OPS: dict[str, Literal["=", "!=", "=~", "!~"]] = {
    "Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~",
}


def _matcher(m: Any) -> Matcher:
    op = _MATCH_OPS[str(m.op).rsplit(".", 1)[-1]]
    return Matcher(m.name, op, m.value)


def _selector(vs: Any, prometheus: int) -> VectorSelector:
    ms = vs.matchers
    if ms.or_matchers:
        raise PromQLSyntaxError("'or' inside a label matcher list is not PromQL")
    matchers = [_matcher(m) for m in ms.matchers]
    name = vs.name
    if name is not None and not any(m.name == "__name__" for m in matchers):
        matchers.insert(0, Matcher("__name__", "=", name))
    for m in matchers:
        if m.op in ("=~", "!~"):
            compile_anchored(m.value, prometheus >= 3)
    return VectorSelector(name, tuple(matchers), _ms(vs.offset), _at(vs.at))


def _convert(node: Any, prometheus: int) -> Expr:
    t = type(node)
    if t is pp.NumberLiteral:
        return NumberLiteral(float(node.val))
    if t is pp.StringLiteral:
        return StringLiteral(node.val)
    if t is pp.VectorSelector:
        return _selector(node, prometheus)
    if t is pp.MatrixSelector:
        return MatrixSelector(_selector(node.vector_selector, prometheus), _ms(node.range))
    if t is pp.SubqueryExpr:
        return Subquery(_convert(node.expr, prometheus), _ms(node.range), _ms(node.step),
                        _ms(node.offset), _at(node.at))
    if t is pp.ParenExpr:
        inner = _convert(node.expr, prometheus)
        return Paren(inner, inner.type)
    if t is pp.UnaryExpr:
        inner = _convert(node.expr, prometheus)
        return Unary("-", inner, inner.type)
    if t is pp.Call:
        name = node.func.name
        if prometheus >= 3 and name in _ONLY_IN_2:
            raise PromQLSyntaxError(
                f"unknown function {name!r}: it was removed in Prometheus 3 "
                "(use double_exponential_smoothing, or --prometheus 2)", code="compat/removed-function")
        if prometheus < 3 and name in _ONLY_IN_3:
            raise PromQLSyntaxError(f"unknown function {name!r} in Prometheus 2 (it is holt_winters there)")
        rtype = _value_type(node.func.return_type)
        return Call(name, tuple(_convert(a, prometheus) for a in node.args), rtype, bool(node.func.experimental))
    if t is pp.AggregateExpr:
        mod = node.modifier
        grouping: tuple[str, ...] = ()
        without = False
        if mod is not None:
            grouping = tuple(mod.labels)
            without = str(mod.type).rsplit(".", 1)[-1] == "Without"
        param = _convert(node.param, prometheus) if node.param is not None else None
        return Aggregate(str(node.op), _convert(node.expr, prometheus), param, grouping, without,
                         mod is not None)
    if t is pp.BinaryExpr:
        return _binary(node, prometheus)
    raise PromQLSyntaxError(f"unsupported expression node {t.__name__}")


def _value_type(vt: Any) -> ValueType:
    name = str(vt).rsplit(".", 1)[-1].lower()
    if name in ("scalar", "vector", "matrix", "string"):
        return name  # type: ignore[return-value]
    return "vector"


_CARD: dict[str, Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"]] = {
    "OneToOne": "one-to-one", "ManyToOne": "many-to-one", "OneToMany": "one-to-many",
    "ManyToMany": "many-to-many",
}


def _binary(node: Any, prometheus: int) -> Binary:
    op = str(node.op)
    lhs = _convert(node.lhs, prometheus)
    rhs = _convert(node.rhs, prometheus)
    mod = node.modifier
    return_bool = bool(mod.return_bool) if mod is not None else False
    if mod is not None:
        fill = getattr(mod, "fill_values", None)
        if fill is not None and (getattr(fill, "lhs", None) is not None or getattr(fill, "rhs", None) is not None):
            raise PromQLSyntaxError("fill() modifiers are experimental and not supported by ruletest")
    both_scalar = lhs.type == "scalar" and rhs.type == "scalar"
    rtype: ValueType = "scalar" if both_scalar else "vector"
    matching: VectorMatching | None = None
    if lhs.type == "vector" and rhs.type == "vector":
        card: Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"] = (
            "many-to-many" if op in SET_OPS else "one-to-one")
        on = False
        labels: tuple[str, ...] = ()
        include: tuple[str, ...] = ()
        if mod is not None:
            card = _CARD[str(mod.card).rsplit(".", 1)[-1]]
            if op in SET_OPS:
                card = "many-to-many"
            if mod.matching is not None:
                on = str(mod.matching.type).rsplit(".", 1)[-1] == "Include"
                labels = tuple(mod.matching.labels)
            if mod.group_labels is not None:
                include = tuple(mod.group_labels)
        matching = VectorMatching(card, on, labels, include,
                                  mod is not None and mod.matching is not None)
    return Binary(op, lhs, rhs, return_bool, matching, rtype)


# ---------------------------------------------------------------------------------------------
# Printer: Prometheus-style text for messages, independent of the parser's own printing bugs.


_quote = go_quote


def _is_ident(name: str, allow_colon: bool = False) -> bool:
    if not name:
        return False
    ok_first = name[0].isascii() and (name[0].isalpha() or name[0] == "_" or (allow_colon and name[0] == ":"))
    return ok_first and all(
        c.isascii() and (c.isalnum() or c == "_" or (allow_colon and c == ":")) for c in name[1:])


def _label_name(name: str) -> str:
    return name if _is_ident(name) else _quote(name)


def format_duration(ms: int) -> str:
    """Prometheus ``model.Duration.String()``: ``1h30m``, ``500ms``, ``0s``."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    out = []
    for unit, size in (("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000),
                       ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    return sign + "".join(out)


def _format_number(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _suffix(offset_ms: int, at: At | None) -> str:
    out = ""
    if at is not None:
        out += " @ " + ("start()" if at.kind == "start" else "end()" if at.kind == "end"
                        else f"{at.ms / 1000:.3f}")
    if offset_ms:
        out += f" offset {format_duration(offset_ms)}" if offset_ms > 0 else \
            f" offset -{format_duration(-offset_ms)}"
    return out


def _selector_text(vs: VectorSelector) -> str:
    name = vs.name
    ms = [m for m in vs.matchers if not (name is not None and m.name == "__name__" and m.op == "="
                                         and m.value == name)]
    head = ""
    if name is not None:
        if _is_ident(name, allow_colon=True):
            head = name
        else:
            ms = [Matcher("__name__", "=", name), *ms]
            head = ""
    body = ", ".join(str(m) if m.name != "__name__" or head else _quote(m.value) if m.op == "=" and
                     not _is_ident(m.value, True) else str(m) for m in ms)
    if head and not ms:
        return head
    return head + "{" + body + "}"


def to_promql(e: Expr) -> str:
    """Print an expression as PromQL text (single line)."""
    if isinstance(e, NumberLiteral):
        return _format_number(e.value)
    if isinstance(e, StringLiteral):
        return _quote(e.value)
    if isinstance(e, VectorSelector):
        return _selector_text(e) + _suffix(e.offset_ms, e.at)
    if isinstance(e, MatrixSelector):
        return (_selector_text(e.selector) + f"[{format_duration(e.range_ms)}]"
                + _suffix(e.selector.offset_ms, e.selector.at))
    if isinstance(e, Subquery):
        step = format_duration(e.step_ms) if e.step_ms else ""
        return f"{to_promql(e.expr)}[{format_duration(e.range_ms)}:{step}]" + _suffix(e.offset_ms, e.at)
    if isinstance(e, Call):
        return f"{e.func}({', '.join(to_promql(a) for a in e.args)})"
    if isinstance(e, Aggregate):
        mod = ""
        if e.has_grouping:
            mod = (" without (" if e.without else " by (") + ", ".join(_label_name(g) for g in e.grouping) + ")"
        args = (to_promql(e.param) + ", " if e.param is not None else "") + to_promql(e.expr)
        return f"{e.op}{mod} ({args})" if mod else f"{e.op}({args})"
    if isinstance(e, Binary):
        op = e.op + (" bool" if e.return_bool else "")
        m = e.matching
        if m is not None and (m.has_modifier or m.card in ("many-to-one", "one-to-many")):
            if m.has_modifier:
                op += (" on(" if m.on else " ignoring(") + ", ".join(m.labels) + ")"
            if m.card == "many-to-one":
                op += " group_left(" + ", ".join(m.include) + ")"
            elif m.card == "one-to-many":
                op += " group_right(" + ", ".join(m.include) + ")"
        return f"{to_promql(e.lhs)} {op} {to_promql(e.rhs)}"
    if isinstance(e, Unary):
        return f"{e.op}{to_promql(e.expr)}"
    if isinstance(e, Paren):
        return f"({to_promql(e.expr)})"
    raise TypeError(f"not an expression: {e!r}")


def children(e: Expr) -> tuple[Expr, ...]:
    """Direct sub-expressions, for hand-written visitors."""
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
