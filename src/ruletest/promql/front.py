"""Which parser builds the tree for an expression (the body of :func:`ruletest.promql.ast.parse`).

``promql_parser`` (Rust) builds the trees of Prometheus 3 expressions it parses correctly; this
module's pre-scan, with ruletest's own lexer, sends everything else to ruletest's parser
(:mod:`ruletest.promql.parser`): syntax the Rust parser lacks or gets wrong (duration arithmetic,
``step()``, ``anchored``/``smoothed``, trim operators, negative ``@`` timestamps, ``fill()``,
string escapes, numbers and durations outside Go's range, ``info()``, unary ``+``), and every input either
parser refuses, so errors always carry Prometheus' message and position. 2.x expressions and
``positions=True`` always go to ruletest's parser: the Rust parser implements 3.x syntax only and
gives no positions.
"""

from __future__ import annotations

import math
import re

from ruletest.promql import ast as A
from ruletest.promql.gonum import parse_duration, parse_number
from ruletest.promql.lexer import Item, Lexer, Tok
from ruletest.promql.parse_options import ParseOptions, recursion_room

# Tokens whose syntax or checks only ruletest's parser gets right.
_OWN_TOKENS = frozenset({
    Tok.COMMENT, Tok.ANCHORED, Tok.SMOOTHED, Tok.TRIM_UPPER, Tok.TRIM_LOWER, Tok.STEP, Tok.RANGE, Tok.MAX_OF,
    Tok.MIN_OF, Tok.FILL, Tok.FILL_LEFT, Tok.FILL_RIGHT, Tok.LIMITK, Tok.LIMIT_RATIO,
})
_PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_VALUE_END = frozenset({Tok.RIGHT_PAREN, Tok.RIGHT_BRACE, Tok.RIGHT_BRACKET, Tok.IDENTIFIER, Tok.METRIC_IDENTIFIER,
                        Tok.NUMBER, Tok.DURATION, Tok.STRING})
_WORD_TOKENS = frozenset(t for t in Tok if t.is_keyword or t.is_aggregator or t in (
    Tok.LAND, Tok.LOR, Tok.LUNLESS, Tok.ATAN2, Tok.START, Tok.END_KW))


def _own_parser(text: str, options: ParseOptions) -> A.Expr:
    # ruletest's own parser and its working tree load only for the expressions that need them.
    from ruletest.promql.parser import parse_promql as own_parse

    return own_parse(text, options)


def parse_expression(text: str, options: ParseOptions, positions: bool) -> A.Expr:
    if positions or options.version < 3 or needs_own_parser(text):
        return _own_parser(text, options)
    from ruletest.promql import pp_adapter

    try:
        with recursion_room(len(text)):
            return pp_adapter.parse(text, options)
    except pp_adapter.Reroute:
        return _own_parser(text, options)


def needs_own_parser(text: str) -> bool:
    """Whether the Rust parser cannot be trusted with ``text`` (see the module docstring)."""
    lexer = Lexer(text)
    prev: Item | None = None
    in_brackets = False
    after_offset = 0  # 1: just after "offset"; 2: after "offset -"
    while True:
        item = lexer.next_item()
        typ = item.typ
        if typ == Tok.EOF:
            return False
        if typ == Tok.ERROR or typ in _OWN_TOKENS:
            return True
        if after_offset:
            if typ == Tok.SUB and after_offset == 1:
                after_offset = 2
                continue
            if typ != Tok.DURATION:
                return True
            after_offset = 0
        if typ == Tok.LEFT_BRACKET:
            in_brackets = True
        elif typ == Tok.RIGHT_BRACKET:
            in_brackets = False
        elif in_brackets and typ not in (Tok.DURATION, Tok.COLON):
            return True
        elif typ == Tok.OFFSET:
            after_offset = 1
        elif _suspicious(item, prev):
            return True
        prev = item


def _suspicious(item: Item, prev: Item | None) -> bool:
    typ = item.typ
    if typ == Tok.NUMBER:
        value, err = parse_number(item.val)
        plain = _PLAIN_NUMBER.fullmatch(item.val) is not None or item.val.lower() in ("inf", "nan")
        return err is not None or not plain or (math.isinf(value) and item.val.lower() != "inf")
    if typ == Tok.DURATION:
        ns, err = parse_duration(item.val)
        return err is not None or ns == 0
    if typ == Tok.STRING:
        # Escapes, raw strings, and "" (an invalid label name where a grouping label goes).
        return "\\" in item.val or item.val.startswith("`") or len(item.val) == 2
    if typ == Tok.SUB:
        return prev is not None and prev.typ == Tok.AT
    if typ == Tok.ADD:
        # A unary plus: promql_parser drops it, even where Prometheus refuses its operand.
        return prev is None or prev.typ not in _VALUE_END
    if typ == Tok.LEFT_PAREN:
        return prev is not None and prev.typ == Tok.IDENTIFIER and prev.val == "info"
    return typ in _WORD_TOKENS and item.val != item.val.lower()
