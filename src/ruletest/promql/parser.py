"""ruletest's own PromQL parser: Prometheus 3.14's grammar (or 2.42's), its parse-time checks and
its error messages with positions.

It is a table-driven LALR(1) parser whose tables (:mod:`ruletest.promql.lalr`, built from
:mod:`ruletest.promql.grammar`) make the same decisions as the goyacc tables Prometheus generates,
driven the way goyacc's parser is driven (when the next token is read, how ``error`` recovery
pops and discards), with grammar actions and checks that follow ``promql/parser/parse.go`` and
``generated_parser.y``. So an input is accepted or rejected as Prometheus does, with the same first
error at the same place: ``1:6: parse error: unexpected end of input``.

The result is the frozen :mod:`ruletest.promql.ast` tree (with positions), built by
:mod:`ruletest.promql.parse_convert`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ruletest.promql import ast as A
from ruletest.promql import parse_nodes as N
from ruletest.promql.gonum import MAX_INT64, MIN_INT64, format_f, go_int64, go_round, parse_duration, parse_number
from ruletest.promql.lexer import Item, Lexer, Tok, quote
from ruletest.promql.parse_options import ParseError as ParseError
from ruletest.promql.parse_options import ParseOptions as ParseOptions
from ruletest.promql.parse_options import PromQLParseError as PromQLParseError
from ruletest.promql.parse_options import recursion_room as recursion_room
from ruletest.promql.parse_options import regex_error as regex_error
from ruletest.promql.signatures import Signature, functions
from ruletest.records import record

_DEFAULT_OPTIONS = ParseOptions()


@lru_cache(maxsize=2)
def _tables(version: int) -> _Tables:
    from ruletest.promql.parse_tables import TABLES

    t = TABLES[3 if version >= 3 else 2]
    return _Tables(t["rules"], t["shifts"], t["gotos"], t["defaults"], t["exceptions"], t["exception_defaults"])


@record
class _Tables:
    """The generated parser's tables, decoded once."""

    rules: list[tuple[int, int, str | None]]
    shifts: list[dict[int, int]]
    gotos: list[dict[int, int]]
    defaults: list[int]
    exceptions: list[dict[int, int]]
    exception_defaults: list[int]


def parse_tree(text: str, options: ParseOptions = _DEFAULT_OPTIONS) -> N.GExpr:
    """Parse into the working tree; raise :class:`PromQLParseError` as Prometheus would fail."""
    p = _Parser(text, options)
    try:
        expr = p.run()
        if not p.errors and expr is not None:
            p.check(expr)
    except (RecursionError, MemoryError):
        raise PromQLParseError(text, [ParseError(0, len(text), "expression too deeply nested")]) from None
    except (AttributeError, TypeError, AssertionError, KeyError, IndexError):
        # Prometheus' parser recovers its own runtime panics the same way ("unexpected error").
        if not p.errors:
            raise PromQLParseError(text, [ParseError(0, 0, "unexpected error")]) from None
    if p.errors:
        raise PromQLParseError(text, p.errors)
    if expr is None:
        raise PromQLParseError(text, [ParseError(0, 0, "unexpected error")])
    result: N.GExpr = expr
    return result


def parse_promql(text: str, options: ParseOptions = _DEFAULT_OPTIONS) -> A.Expr:
    """Parse ``text`` into the :mod:`ruletest.promql.ast` tree, with positions."""
    from ruletest.promql.parse_convert import to_ast

    with recursion_room(len(text)):
        tree = parse_tree(text, options)
        try:
            return to_ast(tree)
        except (AssertionError, TypeError, AttributeError, KeyError) as exc:  # a bug of ours, never a traceback
            raise PromQLParseError(text, [ParseError(0, 0, f"unexpected error ({type(exc).__name__})")]) from None



_CLOSING = frozenset({Tok.RIGHT_BRACE, Tok.RIGHT_PAREN, Tok.RIGHT_BRACKET, Tok.DURATION, Tok.NUMBER})
_NANOS = 1_000_000_000


class _Parser:
    """One parse: the goyacc driver, the grammar actions and the checks (``checkAST``)."""

    def __init__(self, text: str, options: ParseOptions) -> None:
        self.input = text
        self.options = options
        self.version = options.version
        self.lexer = Lexer(text, options.version)
        self.functions: dict[str, Signature] = functions(options.version)
        self.errors: list[ParseError] = []
        self.result: Any = None
        self.last_closing = 0
        self.lval = Item(Tok.END, 0, "")  # the last item read from the lexer
        self.injected: Tok | None = Tok.START_EXPRESSION

    # --- errors -------------------------------------------------------------------------

    def error(self, where: tuple[int, int], message: str, code: str = "promql/syntax") -> None:
        self.errors.append(ParseError(where[0], where[1], message, code))

    def unexpected(self, context: str, expected: str) -> None:
        if self.lval.typ == Tok.ERROR:
            return  # the lexer error is already reported
        msg = "unexpected " + self.lval.desc(self.version)
        if context:
            msg += " in " + context
        if expected:
            msg += ", expected " + expected
        self.error(N.item_range(self.lval), msg)

    # --- the goyacc driver --------------------------------------------------------------

    def _lex(self) -> int:
        if self.injected is not None:
            tok = self.injected
            self.injected = None
            return int(tok)
        while True:
            item = self.lexer.next_item()
            if item.typ != Tok.COMMENT:
                break
        self.lval = item
        typ = item.typ
        if typ == Tok.ERROR:
            self.error((self.lexer.start, len(self.input)), item.val)
            return int(Tok.END)
        if typ == Tok.EOF:
            self.injected = Tok.END
        elif typ in _CLOSING:
            self.last_closing = item.pos + len(item.val)
        return int(typ)

    def run(self) -> Any:
        """Parse; the result (None after an unrecovered error), errors in ``self.errors``."""
        t = _tables(self.version)
        rules, shifts, gotos, defaults = t.rules, t.shifts, t.gotos, t.defaults
        exceptions, exception_defaults = t.exceptions, t.exception_defaults
        actions = _ACTIONS
        states = [0]
        values: list[Any] = [None]
        token = -1
        errflag = 0
        state = 0
        last_value: Any = None
        while True:
            row = shifts[state]
            if row:
                if token < 0:
                    token = self._lex()
                target = row.get(token)
                if target is not None:
                    states.append(target)
                    values.append(self.lval)
                    last_value = self.lval
                    token = -1
                    state = target
                    if errflag > 0:
                        errflag -= 1
                    continue
            n = defaults[state]
            if n == -2:
                if token < 0:
                    token = self._lex()
                n = exceptions[state].get(token, exception_defaults[state])
                if n < 0:
                    return self.result  # accept
            if n == 0:
                if errflag == 3:
                    if token == Tok.END:
                        return self.result
                    token = -1
                    continue
                errflag = 3
                recover = None
                while states:
                    recover = shifts[states[-1]].get(Tok.ERRTOK)
                    if recover is not None:
                        break
                    states.pop()
                    values.pop()
                if recover is None:
                    return self.result
                states.append(recover)
                values.append(last_value)
                state = recover
                continue
            lhs, length, action = rules[n]
            if action is None and length == 1:
                # A unit rule (expr: vector_selector, ...): the value stays, only the state changes.
                states.pop()
                state = gotos[states[-1]][lhs]
                states.append(state)
                last_value = values[-1]
                continue
            if length:
                args = values[-length:]
                del states[-length:]
                del values[-length:]
            else:
                args = []
            if action is None:
                value = args[0] if args else None
            else:
                value = actions[action](self, args)
            state = gotos[states[-1]][lhs]
            states.append(state)
            values.append(value)
            last_value = value

    # --- helpers used by actions --------------------------------------------------------

    def number(self, text: str) -> float:
        value, err = parse_number(text)
        if err is not None:
            self.error(N.item_range(self.lval), f"error parsing number: {err}")
        return value

    def duration_seconds(self, item: Item) -> float:
        ns, err = parse_duration(item.val, self.version)
        if err is not None:
            self.error(N.item_range(item), err)
        return _seconds(ns)

    def unquote(self, text: str) -> str:
        value, ok = unquote(text)
        if not ok:
            self.error(N.item_range(self.lval), f"error unquoting string {quote(text)}: invalid syntax")
        return value

    def new_aggregate(self, op: Item, modifier: N.GAggregate, args: N.Expressions, overread: bool) -> N.GAggregate:
        ret = modifier
        ret.start = op.pos
        ret.end = self.last_closing
        if overread and self.version >= 3:
            ret.end = self._prev_right_paren(self.last_closing)
        ret.op = op.typ
        arguments = args.items
        if not arguments:
            self.error(ret.pos_range(), "no arguments for aggregate expression provided")
            return ret
        desired = 1
        if op.typ in _AGG_WITH_PARAM:
            if self.version >= 3 and not self.options.experimental_functions and op.typ in (Tok.LIMITK, Tok.LIMIT_RATIO):
                self.error(ret.pos_range(), f"{op.typ.text}() is experimental and must be enabled with "
                                            "--enable-feature=promql-experimental-functions", "compat/feature-flag")
                return ret
            desired = 2
            ret.param = arguments[0]
        if len(arguments) != desired:
            self.error(ret.pos_range(), "wrong number of arguments for aggregate expression provided, "
                                        f"expected {desired}, got {len(arguments)}")
            return ret
        ret.expr = arguments[desired - 1]
        return ret

    def _prev_right_paren(self, fallback: int) -> int:
        # lex.go findPrevRightParen: the aggregation read one token too far to look for "by".
        text = self.input
        last = self.lexer.last_pos
        if fallback <= 0 or fallback > len(text) or last <= 0 or last >= len(text) or text[last] != ")":
            return fallback
        for i in range(last - 1, 0, -1):
            if text[i] == ")":
                return i + 1
            if text[i] not in " \t\n\r":
                return fallback
        return fallback

    def new_label_matcher(self, label: Item, op: Item, value: Item) -> N.GMatcher | None:
        val = self.unquote(value.val)
        mtype = _MATCH_TYPES[op.typ]
        err = regex_error(val, self.version) if mtype in ("=~", "!~") else None
        if err is not None:
            self.error((label.pos, value.pos + len(value.val)), err)
            return None
        return N.GMatcher(mtype, label.val, val)

    def add_offset(self, e: Any, offset: int) -> None:
        target, endp = self._offset_target(e)
        if target is None:
            return
        if target.original_offset != 0 or target.offset_expr is not None:
            self.error(e.pos_range(), "offset may not be set multiple times")
        else:
            target.original_offset = offset
        setattr(e, endp, self.last_closing)  # the node now ends after its modifier

    def add_offset_expr(self, e: Any, expr: N.GDuration) -> None:
        target, endp = self._offset_target(e)
        if target is None:
            return
        if target.original_offset != 0 or target.offset_expr is not None:
            self.error(e.pos_range(), "offset may not be set multiple times")
        else:
            target.offset_expr = expr
        setattr(e, endp, self.last_closing)  # the node now ends after its modifier

    def _offset_target(self, e: Any) -> tuple[Any, str]:
        if isinstance(e, N.GVectorSelector):
            return e, "end"
        if isinstance(e, N.GMatrixSelector):
            if not isinstance(e.vector_selector, N.GVectorSelector):
                self.error(e.pos_range(), "ranges only allowed for vector selectors")
                return None, ""
            return e.vector_selector, "end_pos"
        if isinstance(e, N.GSubquery):
            return e, "end_pos"
        self.error(e.pos_range(), "offset modifier must be preceded by an instant vector selector or range "
                                  "vector selector or a subquery")
        return None, ""

    def set_extended(self, e: Any, which: str) -> None:
        if not self.options.extended_range_selectors:
            self.error(e.pos_range(), f"{which} modifier is experimental and not enabled", "compat/feature-flag")
            return
        other = "smoothed" if which == "anchored" else "anchored"
        vs: N.GVectorSelector | None = None
        if isinstance(e, N.GVectorSelector):
            vs = e
        elif isinstance(e, N.GMatrixSelector):
            if not isinstance(e.vector_selector, N.GVectorSelector):
                return
            vs = e.vector_selector
        elif isinstance(e, N.GSubquery):
            self.error(e.pos_range(), f"{which} modifier is not supported for subqueries")
            return
        else:
            self.error(e.pos_range(), f"{which} modifier not implemented")
            return
        setattr(vs, which, True)
        if getattr(vs, other):
            self.error(e.pos_range(), "anchored and smoothed modifiers cannot be used together")

    def set_timestamp(self, e: Any, ts: float) -> None:
        if math.isinf(ts) or math.isnan(ts) or ts >= float(MAX_INT64) or ts <= float(MIN_INT64):
            self.error(e.pos_range(), f"timestamp out of bounds for @ modifier: {format_f(ts)}")
        target, endp = self._at_target(e)
        if target is None:
            return
        target.timestamp = go_int64(go_round(ts * 1000))
        setattr(e, endp, self.last_closing)  # the node now ends after its modifier

    def set_at_preprocessor(self, e: Any, op: Item) -> None:
        target, endp = self._at_target(e)
        if target is None:
            return
        target.start_or_end = op.typ
        setattr(e, endp, self.last_closing)  # the node now ends after its modifier

    def _at_target(self, e: Any) -> tuple[Any, str]:
        target: Any
        if isinstance(e, N.GVectorSelector):
            target, endp = e, "end"
        elif isinstance(e, N.GMatrixSelector):
            if not isinstance(e.vector_selector, N.GVectorSelector):
                self.error(e.pos_range(), "ranges only allowed for vector selectors")
                return None, ""
            target, endp = e.vector_selector, "end_pos"
        elif isinstance(e, N.GSubquery):
            target, endp = e, "end_pos"
        else:
            self.error(e.pos_range(), "@ modifier must be preceded by an instant vector selector or range vector "
                                      "selector or a subquery")
            return None, ""
        if target.timestamp is not None or target.start_or_end in (Tok.START, Tok.END_KW):
            self.error(e.pos_range(), "@ <timestamp> may not be set multiple times")
            return None, ""
        return target, endp

    def unary_duration(self, op: Item, expr: Any, wrapped: bool) -> Any:
        if isinstance(expr, N.GDuration):
            if wrapped:
                expr.wrapped = True
            if op.typ == Tok.SUB:
                return N.GDuration(Tok.SUB, rhs=expr, start=op.pos)
            return expr
        if isinstance(expr, N.GNumber):
            if op.typ == Tok.SUB:
                expr.val = -expr.val
            if _duration_out_of_range(expr.val):
                self.error(N.item_range(op), "duration out of range")
                return N.GNumber(0.0)
            expr.start = op.pos
            return expr
        self.error(N.item_range(op), "expected number literal or duration expression")
        return N.GNumber(0.0)

    # --- checkAST -----------------------------------------------------------------------

    def check(self, node: Any) -> str:
        from ruletest.promql.parse_check import check_ast

        return check_ast(self, node)


def _seconds(ns: int) -> float:
    # Go's Duration.Seconds(): whole seconds plus the fraction.
    sec, nsec = divmod(abs(ns), _NANOS)
    value = sec + nsec / 1e9
    return -value if ns < 0 else float(value)


def _duration_out_of_range(val: float) -> bool:
    return val > (1 << 63) / 1e9 or val < -(1 << 63) / 1e9


def _ns(seconds: float) -> int:
    return go_int64(go_round(seconds * 1e9))


_AGG_WITH_PARAM = frozenset({Tok.TOPK, Tok.BOTTOMK, Tok.COUNT_VALUES, Tok.QUANTILE, Tok.LIMITK, Tok.LIMIT_RATIO})
_MATCH_TYPES: dict[Tok, N.MatchType] = {Tok.EQL: "=", Tok.NEQ: "!=", Tok.EQL_REGEX: "=~", Tok.NEQ_REGEX: "!~"}


# --- string unquoting (util/strutil.Unquote) --------------------------------------------


def unquote(s: str) -> tuple[str, bool]:
    """Prometheus' ``strutil.Unquote``; ``\\x`` escapes are bytes, kept as surrogate escapes when
    they do not form UTF-8."""
    if len(s) < 2 or s[0] != s[-1]:
        return "", False
    q = s[0]
    body = s[1:-1]
    if q == "`":
        return (body, True) if "`" not in body else ("", False)
    if q not in "\"'" or "\n" in body:
        return "", False
    if "\\" not in body and q not in body:
        return body, True
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == q:
            return "", False
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        if i + 1 >= n:
            return "", False
        c = body[i + 1]
        i += 2
        simple = _ESCAPES.get(c)
        if simple is not None:
            out += simple
        elif c in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[c]
            digits = body[i:i + width]
            if len(digits) < width or any(d not in "0123456789abcdefABCDEF" for d in digits):
                return "", False
            v = int(digits, 16)
            i += width
            if c == "x":
                out.append(v)
            elif v > 0x10FFFF:
                return "", False
            else:
                out += _encode_rune(v)
        elif c in "01234567":
            digits = body[i:i + 2]
            if len(digits) < 2 or any(d not in "01234567" for d in digits):
                return "", False
            v = int(c + digits, 8)
            i += 2
            if v > 255:
                return "", False
            out.append(v)
        elif c in "'\"":
            if c != q:
                return "", False
            out += c.encode()
        else:
            return "", False
    return out.decode("utf-8", "surrogateescape"), True


_ESCAPES = {"a": b"\a", "b": b"\b", "f": b"\f", "n": b"\n", "r": b"\r", "t": b"\t", "v": b"\v", "\\": b"\\"}


def _encode_rune(v: int) -> bytes:
    if 0xD800 <= v < 0xE000:
        return "\ufffd".encode()
    return chr(v).encode("utf-8")


# --- grammar actions ------------------------------------------------------------------------

Action = Callable[[_Parser, list[Any]], Any]
_ACTIONS: dict[str, Action] = {}


def _action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        _ACTIONS[name] = fn
        return fn
    return register


def _a(name: str, fn: Action) -> None:
    _ACTIONS[name] = fn


_a("nothing", lambda p, v: v[0] if v else None)
_a("value_2", lambda p, v: v[1])
_a("negate_2", lambda p, v: -v[1])
_a("zero", lambda p, v: 0)
_a("empty_labels", lambda p, v: [])
_a("empty_args", lambda p, v: N.Expressions())


@_action("result_2")
def _result(p: _Parser, v: list[Any]) -> Any:
    p.result = v[1]
    return v[0]


@_action("no_expression")
def _no_expression(p: _Parser, v: list[Any]) -> Any:
    p.error((0, 0), "no expression found in input")
    return v[0]


@_action("unexpected_anywhere")
def _unexpected_anywhere(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("", "")
    return v[0]


# Aggregations.

_a("aggregate_modifier_first", lambda p, v: p.new_aggregate(v[0], v[1], v[2], False))
_a("aggregate_modifier_last", lambda p, v: p.new_aggregate(v[0], v[2], v[1], False))
_a("aggregate_plain", lambda p, v: p.new_aggregate(v[0], N.GAggregate(), v[1], True))


@_action("aggregate_error")
def _aggregate_error(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("aggregation", "")
    return p.new_aggregate(v[0], N.GAggregate(), N.Expressions(), False)


_a("aggregate_by", lambda p, v: N.GAggregate(grouping=v[1]))
_a("aggregate_without", lambda p, v: N.GAggregate(grouping=v[1], without=True))


# Binary expressions and their modifiers.

@_action("binary_expr")
def _binary_expr(p: _Parser, v: list[Any]) -> Any:
    ret: N.GBinary = v[2]
    ret.lhs = v[0]
    ret.rhs = v[3]
    ret.op = v[1].typ
    m = ret.matching
    if (p.version >= 3 and not p.options.binop_fill_modifiers and m is not None
            and (m.fill_lhs is not None or m.fill_rhs is not None)):
        p.error(ret.pos_range(), "binop fill modifiers are experimental and not enabled", "compat/feature-flag")
    return ret


_a("bool_none", lambda p, v: N.GBinary(matching=N.GVectorMatching()))
_a("bool_bool", lambda p, v: N.GBinary(matching=N.GVectorMatching(), return_bool=True))


def _matching(node: N.GBinary) -> N.GVectorMatching:
    assert node.matching is not None
    return node.matching


@_action("ignoring")
def _ignoring(p: _Parser, v: list[Any]) -> Any:
    _matching(v[0]).matching_labels = v[2]
    return v[0]


@_action("on")
def _on(p: _Parser, v: list[Any]) -> Any:
    m = _matching(v[0])
    m.matching_labels = v[2]
    m.on = True
    return v[0]


@_action("group_left")
def _group_left(p: _Parser, v: list[Any]) -> Any:
    m = _matching(v[0])
    m.card = "many-to-one"
    m.include = v[2]
    return v[0]


@_action("group_right")
def _group_right(p: _Parser, v: list[Any]) -> Any:
    m = _matching(v[0])
    m.card = "one-to-many"
    m.include = v[2]
    return v[0]


@_action("fill_both")
def _fill_both(p: _Parser, v: list[Any]) -> Any:
    m = _matching(v[0])
    m.fill_lhs = m.fill_rhs = v[2].val
    return v[0]


@_action("fill_left")
def _fill_left(p: _Parser, v: list[Any]) -> Any:
    _matching(v[0]).fill_lhs = v[2].val
    return v[0]


@_action("fill_right")
def _fill_right(p: _Parser, v: list[Any]) -> Any:
    _matching(v[0]).fill_rhs = v[2].val
    return v[0]


@_action("fill_left_right")
def _fill_left_right(p: _Parser, v: list[Any]) -> Any:
    m = _matching(v[0])
    m.fill_lhs = v[2].val
    m.fill_rhs = v[4].val
    return v[0]


@_action("fill_right_left")
def _fill_right_left(p: _Parser, v: list[Any]) -> Any:
    m = _matching(v[0])
    m.fill_rhs = v[2].val
    m.fill_lhs = v[4].val
    return v[0]


@_action("fill_value_signed")
def _fill_value_signed(p: _Parser, v: list[Any]) -> Any:
    nl: N.GNumber = v[2]
    if v[1].typ == Tok.SUB:
        nl.val = -nl.val
    nl.start = v[1].pos
    return nl


# Grouping labels.

@_action("grouping_labels_error")
def _grouping_labels_error(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("grouping opts", '"("')
    return None


@_action("append_label")
def _append_label(p: _Parser, v: list[Any]) -> Any:
    labels: list[str] = v[0]
    labels.append(v[2].val if v[2] is not None else "")
    return labels


_a("label_list", lambda p, v: [v[0].val if v[0] is not None else ""])


@_action("grouping_label_list_error")
def _grouping_label_list_error(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("grouping opts", '"," or ")"')
    return v[0]


def _valid_utf8_label(name: str) -> bool:
    return bool(name) and not any("\ud800" <= c <= "\udfff" for c in name)


@_action("grouping_label")
def _grouping_label(p: _Parser, v: list[Any]) -> Any:
    item: Item = v[0]
    if not _valid_utf8_label(item.val):
        p.error(N.item_range(item), f"invalid label name for grouping: {quote(item.val)}")
    return item


@_action("grouping_label_string")
def _grouping_label_string(p: _Parser, v: list[Any]) -> Any:
    item: Item = v[0]
    unquoted = p.unquote(item.val)
    if not _valid_utf8_label(unquoted):
        p.error(N.item_range(item), f"invalid label name for grouping: {quote(unquoted)}")
    return Item(item.typ, item.pos + 1, unquoted)


@_action("grouping_label_2")
def _grouping_label_2(p: _Parser, v: list[Any]) -> Any:
    name = v[0].val
    if not (name and name[0] in _ALPHA and all(c in _ALNUM for c in name)):
        p.unexpected("grouping opts", "label")
    return v[0]


_ALPHA = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _ALPHA | frozenset("0123456789")


@_action("grouping_label_error")
def _grouping_label_error(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("grouping opts", "label")
    return Item(Tok.END, 0, "")


# Function calls.

@_action("function_call")
def _function_call(p: _Parser, v: list[Any]) -> Any:
    name: Item = v[0]
    fn = p.functions.get(name.val)
    if fn is None:
        removed = p.version >= 3 and name.val in functions(2)
        p.error(N.item_range(name), f"unknown function with name {quote(name.val)}",
                "compat/removed-function" if removed else "promql/syntax")
    elif p.version >= 3 and fn.experimental and not p.options.experimental_functions:
        p.error(N.item_range(name), f"function {quote(name.val)} is not enabled", "compat/feature-flag")
    return N.GCall(fn, name.val, v[1].items, name.pos, p.last_closing)


@_action("append_arg")
def _append_arg(p: _Parser, v: list[Any]) -> Any:
    v[0].items.append(v[2])
    return v[0]


_a("arg_list", lambda p, v: N.Expressions([v[0]]))


@_action("trailing_comma")
def _trailing_comma(p: _Parser, v: list[Any]) -> Any:
    p.error(N.item_range(v[1]), "trailing commas not allowed in function call args")
    return v[0]


_a("paren_expr", lambda p, v: N.GParen(v[1], v[0].pos, v[2].pos + len(v[2].val)))


# Offsets, @, anchored/smoothed.

@_action("positive_duration")
def _positive_duration(p: _Parser, v: list[Any]) -> Any:
    e = v[0]
    if isinstance(e, N.GNumber) and e.val <= 0:
        p.error(e.pos_range(), "duration must be greater than 0")
        return N.GNumber(0.0)
    return e


@_action("offset")
def _offset(p: _Parser, v: list[Any]) -> Any:
    e = v[2]
    if isinstance(e, N.GNumber):
        p.add_offset(v[0], _ns(e.val))
    else:
        p.add_offset_expr(v[0], e)
    return v[0]


@_action("offset_error")
def _offset_error(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("offset", "number, duration, step(), or range()")
    return v[0]


@_action("offset_2")
def _offset_2(p: _Parser, v: list[Any]) -> Any:
    p.add_offset(v[0], v[2])
    return v[0]


@_action("offset_negative_2")
def _offset_negative_2(p: _Parser, v: list[Any]) -> Any:
    p.add_offset(v[0], -v[3])
    return v[0]


@_action("offset_error_2")
def _offset_error_2(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("offset", "duration")
    return v[0]


@_action("anchored")
def _anchored(p: _Parser, v: list[Any]) -> Any:
    p.set_extended(v[0], "anchored")
    return v[0]


@_action("smoothed")
def _smoothed(p: _Parser, v: list[Any]) -> Any:
    p.set_extended(v[0], "smoothed")
    return v[0]


@_action("at_timestamp")
def _at_timestamp(p: _Parser, v: list[Any]) -> Any:
    p.set_timestamp(v[0], v[2])
    return v[0]


@_action("at_preprocessor")
def _at_preprocessor(p: _Parser, v: list[Any]) -> Any:
    p.set_at_preprocessor(v[0], v[2])
    return v[0]


@_action("at_error")
def _at_error(p: _Parser, v: list[Any]) -> Any:
    p.unexpected("@", "timestamp")
    return v[0]


# Range selectors and subqueries.

def _range_check(p: _Parser, e: Any, lbracket: Item, rbracket: Item) -> None:
    msg = ""
    if not isinstance(e, N.GVectorSelector):
        msg = "ranges only allowed for vector selectors"
    elif e.original_offset != 0:
        msg = "no offset modifiers allowed before range"
    elif e.timestamp is not None:
        msg = "no @ modifiers allowed before range"
    if msg:
        p.error((lbracket.pos, rbracket.pos + len(rbracket.val)), msg)


def _range_of(e: Any) -> tuple[int, N.GDuration | None]:
    if isinstance(e, N.GNumber):
        return _ns(e.val), None
    return 0, e if isinstance(e, N.GDuration) else None


@_action("matrix_selector")
def _matrix_selector(p: _Parser, v: list[Any]) -> Any:
    _range_check(p, v[0], v[1], v[3])
    rng, expr = _range_of(v[2])
    return N.GMatrixSelector(v[0], rng, expr, p.last_closing)


@_action("matrix_selector_2")
def _matrix_selector_2(p: _Parser, v: list[Any]) -> Any:
    _range_check(p, v[0], v[1], v[3])
    return N.GMatrixSelector(v[0], v[2], None, p.last_closing)


@_action("subquery_step")
def _subquery_step(p: _Parser, v: list[Any]) -> Any:
    rng, rng_expr = _range_of(v[2])
    step, step_expr = _range_of(v[4])
    return N.GSubquery(v[0], rng, rng_expr, step, step_expr, end_pos=v[5].pos + 1)


@_action("subquery")
def _subquery(p: _Parser, v: list[Any]) -> Any:
    rng, rng_expr = _range_of(v[2])
    return N.GSubquery(v[0], rng, rng_expr, end_pos=v[4].pos + 1)


_a("subquery_2", lambda p, v: N.GSubquery(v[0], v[2], None, v[4], None, end_pos=v[5].pos + 1))


def _unexpected_returning_1(context: str, expected: str) -> Action:
    def action(p: _Parser, v: list[Any]) -> Any:
        p.unexpected(context, expected)
        return v[0]
    return action


_a("subquery_error_close", _unexpected_returning_1("subquery selector", '"]"'))
_a("subquery_error_step", _unexpected_returning_1("subquery selector", 'number, duration, step(), range(), or "]"'))
_a("subquery_error_step_2", _unexpected_returning_1("subquery selector", 'duration or "]"'))
_a("subquery_error_colon", _unexpected_returning_1("subquery or range", '":" or "]"'))
_a("subquery_error_range", _unexpected_returning_1("subquery or range selector",
                                                   "number, duration, step(), or range()"))
_a("subquery_error_range_2", _unexpected_returning_1("subquery selector", "duration"))


@_action("unary_expr")
def _unary_expr(p: _Parser, v: list[Any]) -> Any:
    op: Item = v[0]
    e = v[1]
    if isinstance(e, N.GNumber):
        if op.typ == Tok.SUB:
            e.val = -e.val
        e.start = op.pos
        return e
    return N.GUnary(op.typ, e, op.pos)


# Vector selectors.

def _assemble(vs: N.GVectorSelector) -> N.GVectorSelector:
    if vs.name:
        if vs.matchers is None:
            vs.matchers = []
        vs.matchers.append(N.GMatcher("=", "__name__", vs.name))
    return vs


@_action("selector_name_matchers")
def _selector_name_matchers(p: _Parser, v: list[Any]) -> Any:
    vs: N.GVectorSelector = v[1]
    vs.start = v[0].pos
    vs.name = v[0].val
    return _assemble(vs)


_a("selector_name", lambda p, v: _assemble(N.GVectorSelector(v[0].val, [], v[0].pos, v[0].pos + len(v[0].val))))
_a("selector_matchers", lambda p, v: _assemble(v[0]))
_a("label_matchers", lambda p, v: N.GVectorSelector(matchers=v[1], start=v[0].pos, end=v[2].pos + len(v[2].val)))
_a("label_matchers_comma",
   lambda p, v: N.GVectorSelector(matchers=v[1], start=v[0].pos, end=v[3].pos + len(v[3].val)))
_a("label_matchers_empty", lambda p, v: N.GVectorSelector(matchers=[], start=v[0].pos, end=v[1].pos + len(v[1].val)))


@_action("append_matcher")
def _append_matcher(p: _Parser, v: list[Any]) -> Any:
    if v[0] is not None:
        v[0].append(v[2])
    return v[0]


_a("matcher_list", lambda p, v: [v[0]])
_a("label_match_list_error", _unexpected_returning_1("label matching", '"," or "}"'))
_a("label_matcher", lambda p, v: p.new_label_matcher(v[0], v[1], v[2]))
_a("metric_name_matcher", lambda p, v: N.GMatcher("=", "__name__", v[0].val))


def _unexpected_returning_none(context: str, expected: str) -> Action:
    def action(p: _Parser, v: list[Any]) -> Any:
        p.unexpected(context, expected)
        return None
    return action


_a("label_matcher_error_string", _unexpected_returning_none("label matching", "string"))
_a("label_matcher_error_op", _unexpected_returning_none("label matching", "label matching operator"))
_a("label_matcher_error", _unexpected_returning_none("label matching", 'identifier or "}"'))


# Literals.

_a("number_literal", lambda p, v: N.GNumber(p.number(v[0].val), v[0].pos, v[0].pos + len(v[0].val)))


@_action("duration_literal")
def _duration_literal(p: _Parser, v: list[Any]) -> Any:
    item: Item = v[0]
    return N.GNumber(p.duration_seconds(item), item.pos, item.pos + len(item.val), duration=True)


_a("number", lambda p, v: p.number(v[0].val))
_a("duration_number", lambda p, v: p.duration_seconds(v[0]))
_a("string_literal", lambda p, v: N.GString(p.unquote(v[0].val), v[0].pos, v[0].pos + len(v[0].val)))
_a("string_identifier", lambda p, v: Item(Tok.METRIC_IDENTIFIER, v[0].pos, p.unquote(v[0].val)))


@_action("duration_2")
def _duration_2(p: _Parser, v: list[Any]) -> Any:
    item: Item = v[0]
    ns, err = parse_duration(item.val, 2)
    if err is None and ns == 0:
        err = "duration must be greater than 0"
    if err is not None:
        p.error(N.item_range(item), err)
        return 0
    return ns


# Duration expressions.

@_action("duration_in_range")
def _duration_in_range(p: _Parser, v: list[Any]) -> Any:
    nl: N.GNumber = v[0]
    if _duration_out_of_range(nl.val):
        p.error(nl.pos_range(), "duration out of range")
        return N.GNumber(0.0)
    return nl


@_action("signed_duration_literal")
def _signed_duration_literal(p: _Parser, v: list[Any]) -> Any:
    op: Item = v[0]
    nl: N.GNumber = v[1]
    if op.typ == Tok.SUB:
        nl.val = -nl.val
    if _duration_out_of_range(nl.val):
        p.error(N.item_range(op), "duration out of range")
        return N.GNumber(0.0)
    nl.start = op.pos
    return nl


def _keyword_duration(op: Item, close: Item) -> N.GDuration:
    return N.GDuration(op.typ, start=op.pos, end=close.pos + len(close.val))


_a("duration_step", lambda p, v: _keyword_duration(v[0], v[2]))
_a("duration_range", lambda p, v: _keyword_duration(v[0], v[2]))
_a("signed_duration_step", lambda p, v: N.GDuration(v[0].typ, rhs=_keyword_duration(v[1], v[3]), start=v[0].pos))
_a("signed_duration_range", lambda p, v: N.GDuration(v[0].typ, rhs=_keyword_duration(v[1], v[3]), start=v[0].pos))
_a("duration_min_max", lambda p, v: N.GDuration(v[0].typ, v[2], v[4], start=v[0].pos, end=v[5].pos + len(v[5].val)))


@_action("signed_duration_min_max")
def _signed_duration_min_max(p: _Parser, v: list[Any]) -> Any:
    end = v[5].pos_range()[1]
    inner = N.GDuration(v[1].typ, v[3], v[5], start=v[1].pos, end=end)
    return N.GDuration(v[0].typ, rhs=inner, start=v[0].pos, end=end)


_a("signed_paren_duration", lambda p, v: p.unary_duration(v[0], v[2], True))
_a("unary_duration", lambda p, v: p.unary_duration(v[0], v[1], False))
_a("duration_binary", lambda p, v: N.GDuration(v[1].typ, v[0], v[2]))


def _duration_division(message: str) -> Action:
    def action(p: _Parser, v: list[Any]) -> Any:
        if isinstance(v[2], N.GNumber) and v[2].val == 0:
            p.error(N.item_range(v[1]), message)
            return N.GNumber(0.0)
        return N.GDuration(v[1].typ, v[0], v[2])
    return action


_a("duration_div", _duration_division("division by zero"))
_a("duration_mod", _duration_division("modulo by zero"))


@_action("paren_duration")
def _paren_duration(p: _Parser, v: list[Any]) -> Any:
    if isinstance(v[1], N.GDuration):
        v[1].wrapped = True
    return v[1]
