"""PromQL lexer with Prometheus' tokens, states and error messages.

A port in spirit of ``promql/parser/lex.go`` (Prometheus 3.14, and 2.42 for ``version=2``): the
same state machine, so the same input yields the same tokens and the same lexer errors at the same
positions. Positions are indices into the Python string (code points); :func:`line_col` turns
them into Prometheus' byte-based ``line:col``. Invalid UTF-8 is represented with
``surrogateescape`` code points, one per byte, as Go's decoder sees one bad byte at a time.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Protocol

from ruletest.gocompat import go_quote


class Tok(enum.IntEnum):
    """Token types. Declaration order follows ``generated_parser.y`` (3.14)."""

    END = 0  # yacc's $end: what the parser sees after EOF, or instead of a lexer error
    ERRTOK = 1  # yacc's ``error`` pseudo-token
    EQL = enum.auto()
    BLANK = enum.auto()
    COLON = enum.auto()
    COMMA = enum.auto()
    COMMENT = enum.auto()
    DURATION = enum.auto()
    EOF = enum.auto()
    ERROR = enum.auto()
    IDENTIFIER = enum.auto()
    LEFT_BRACE = enum.auto()
    LEFT_BRACKET = enum.auto()
    LEFT_PAREN = enum.auto()
    OPEN_HIST = enum.auto()
    CLOSE_HIST = enum.auto()
    METRIC_IDENTIFIER = enum.auto()
    NUMBER = enum.auto()
    RIGHT_BRACE = enum.auto()
    RIGHT_BRACKET = enum.auto()
    RIGHT_PAREN = enum.auto()
    SEMICOLON = enum.auto()
    SPACE = enum.auto()
    STRING = enum.auto()
    TIMES = enum.auto()
    histogramDescStart = enum.auto()
    SUM_DESC = enum.auto()
    COUNT_DESC = enum.auto()
    SCHEMA_DESC = enum.auto()
    OFFSET_DESC = enum.auto()
    NEGATIVE_OFFSET_DESC = enum.auto()
    BUCKETS_DESC = enum.auto()
    NEGATIVE_BUCKETS_DESC = enum.auto()
    ZERO_BUCKET_DESC = enum.auto()
    ZERO_BUCKET_WIDTH_DESC = enum.auto()
    CUSTOM_VALUES_DESC = enum.auto()
    COUNTER_RESET_HINT_DESC = enum.auto()
    histogramDescEnd = enum.auto()
    operatorsStart = enum.auto()
    ADD = enum.auto()
    DIV = enum.auto()
    EQLC = enum.auto()
    EQL_REGEX = enum.auto()
    GTE = enum.auto()
    GTR = enum.auto()
    TRIM_UPPER = enum.auto()
    TRIM_LOWER = enum.auto()
    LAND = enum.auto()
    LOR = enum.auto()
    LSS = enum.auto()
    LTE = enum.auto()
    LUNLESS = enum.auto()
    MOD = enum.auto()
    MUL = enum.auto()
    NEQ = enum.auto()
    NEQ_REGEX = enum.auto()
    POW = enum.auto()
    SUB = enum.auto()
    AT = enum.auto()
    ATAN2 = enum.auto()
    operatorsEnd = enum.auto()
    aggregatorsStart = enum.auto()
    AVG = enum.auto()
    BOTTOMK = enum.auto()
    COUNT = enum.auto()
    COUNT_VALUES = enum.auto()
    GROUP = enum.auto()
    MAX = enum.auto()
    MIN = enum.auto()
    QUANTILE = enum.auto()
    STDDEV = enum.auto()
    STDVAR = enum.auto()
    SUM = enum.auto()
    TOPK = enum.auto()
    LIMITK = enum.auto()
    LIMIT_RATIO = enum.auto()
    aggregatorsEnd = enum.auto()
    keywordsStart = enum.auto()
    BOOL = enum.auto()
    BY = enum.auto()
    GROUP_LEFT = enum.auto()
    GROUP_RIGHT = enum.auto()
    FILL = enum.auto()
    FILL_LEFT = enum.auto()
    FILL_RIGHT = enum.auto()
    IGNORING = enum.auto()
    OFFSET = enum.auto()
    SMOOTHED = enum.auto()
    ANCHORED = enum.auto()
    ON = enum.auto()
    WITHOUT = enum.auto()
    keywordsEnd = enum.auto()
    preprocessorStart = enum.auto()
    START = enum.auto()
    END_KW = enum.auto()  # the ``end`` keyword (Go's END); ``END`` is yacc's $end
    STEP = enum.auto()
    RANGE = enum.auto()
    MAX_OF = enum.auto()
    MIN_OF = enum.auto()
    preprocessorEnd = enum.auto()
    counterResetHintsStart = enum.auto()
    UNKNOWN_COUNTER_RESET = enum.auto()
    COUNTER_RESET = enum.auto()
    NOT_COUNTER_RESET = enum.auto()
    GAUGE_TYPE = enum.auto()
    counterResetHintsEnd = enum.auto()
    startSymbolsStart = enum.auto()
    START_METRIC = enum.auto()
    START_SERIES_DESCRIPTION = enum.auto()
    START_EXPRESSION = enum.auto()
    START_METRIC_SELECTOR = enum.auto()
    startSymbolsEnd = enum.auto()

    @property
    def is_operator(self) -> bool:
        return Tok.operatorsStart < self < Tok.operatorsEnd

    @property
    def is_aggregator(self) -> bool:
        return Tok.aggregatorsStart < self < Tok.aggregatorsEnd

    @property
    def is_keyword(self) -> bool:
        return Tok.keywordsStart < self < Tok.keywordsEnd

    @property
    def is_comparison(self) -> bool:
        return self in _COMPARISONS

    @property
    def is_set_operator(self) -> bool:
        return self in (Tok.LAND, Tok.LOR, Tok.LUNLESS)

    @property
    def text(self) -> str:
        """Go's ``ItemType.String()``: the usual spelling (``+``, ``and``, ``sum``)."""
        return ITEM_TEXT.get(self, f"<Item {int(self)}>")


_COMPARISONS = frozenset({Tok.EQLC, Tok.NEQ, Tok.LTE, Tok.LSS, Tok.GTE, Tok.GTR})

# Keywords by lower-cased spelling (lex.go ``key``); ``inf`` and ``nan`` lex as numbers.
_KEYWORDS_3: dict[str, Tok] = {
    "and": Tok.LAND, "or": Tok.LOR, "unless": Tok.LUNLESS, "atan2": Tok.ATAN2,
    "sum": Tok.SUM, "avg": Tok.AVG, "count": Tok.COUNT, "min": Tok.MIN, "max": Tok.MAX,
    "group": Tok.GROUP, "stddev": Tok.STDDEV, "stdvar": Tok.STDVAR, "topk": Tok.TOPK,
    "bottomk": Tok.BOTTOMK, "count_values": Tok.COUNT_VALUES, "quantile": Tok.QUANTILE,
    "limitk": Tok.LIMITK, "limit_ratio": Tok.LIMIT_RATIO,
    "offset": Tok.OFFSET, "smoothed": Tok.SMOOTHED, "anchored": Tok.ANCHORED, "by": Tok.BY,
    "without": Tok.WITHOUT, "on": Tok.ON, "ignoring": Tok.IGNORING, "group_left": Tok.GROUP_LEFT,
    "group_right": Tok.GROUP_RIGHT, "fill": Tok.FILL, "fill_left": Tok.FILL_LEFT,
    "fill_right": Tok.FILL_RIGHT, "bool": Tok.BOOL,
    "start": Tok.START, "end": Tok.END_KW, "step": Tok.STEP, "range": Tok.RANGE,
    "max_of": Tok.MAX_OF, "min_of": Tok.MIN_OF,
}
# Prometheus 2.42 had none of the 3.x keywords.
_KEYWORDS_2: dict[str, Tok] = {k: v for k, v in _KEYWORDS_3.items() if k not in {
    "limitk", "limit_ratio", "smoothed", "anchored", "fill", "fill_left", "fill_right", "step", "range",
    "max_of", "min_of"}}
_NUMBER_WORDS = frozenset({"inf", "nan"})

ITEM_TEXT: dict[Tok, str] = {
    Tok.OPEN_HIST: "{{", Tok.CLOSE_HIST: "}}", Tok.LEFT_PAREN: "(", Tok.RIGHT_PAREN: ")",
    Tok.LEFT_BRACE: "{", Tok.RIGHT_BRACE: "}", Tok.LEFT_BRACKET: "[", Tok.RIGHT_BRACKET: "]",
    Tok.COMMA: ",", Tok.EQL: "=", Tok.COLON: ":", Tok.SEMICOLON: ";", Tok.BLANK: "_", Tok.TIMES: "x",
    Tok.SPACE: "<space>", Tok.SUB: "-", Tok.ADD: "+", Tok.MUL: "*", Tok.MOD: "%", Tok.DIV: "/",
    Tok.EQLC: "==", Tok.NEQ: "!=", Tok.LTE: "<=", Tok.LSS: "<", Tok.GTE: ">=", Tok.GTR: ">",
    Tok.TRIM_UPPER: "</", Tok.TRIM_LOWER: ">/", Tok.EQL_REGEX: "=~", Tok.NEQ_REGEX: "!~", Tok.POW: "^",
    Tok.AT: "@",
    **{v: k for k, v in _KEYWORDS_3.items()},
}
_DESC_NAMES: dict[Tok, str] = {
    Tok.ERROR: "error", Tok.EOF: "end of input", Tok.COMMENT: "comment", Tok.IDENTIFIER: "identifier",
    Tok.METRIC_IDENTIFIER: "metric identifier", Tok.STRING: "string", Tok.NUMBER: "number",
    Tok.DURATION: "duration",
}


@dataclass(slots=True)
class Item:
    """A token: type, start position (code points) and text (or the message, for ERROR)."""

    typ: Tok
    pos: int
    val: str

    @property
    def end(self) -> int:
        return self.pos + len(self.val)

    def __str__(self) -> str:
        typ = self.typ
        if typ == Tok.EOF:
            return "EOF"
        if typ == Tok.ERROR:
            return self.val
        if typ in (Tok.IDENTIFIER, Tok.METRIC_IDENTIFIER):
            return quote(self.val)
        if typ.is_keyword:
            return f"<{self.val}>"
        if typ.is_operator:
            return f"<op:{self.val}>"
        if typ.is_aggregator:
            return f"<aggr:{self.val}>"
        if len(self.val.encode("utf-8", "surrogateescape")) > 10:
            return quote(self.val[:10]) + "..."
        return quote(self.val)

    def desc(self, version: int = 3) -> str:
        """How parse errors name this token (``unexpected <desc>``)."""
        if version < 3 and self.typ == Tok.AT:
            # Prometheus 2.42 had no name for "@": Go printed the token's number.
            return f'"<Item 57385>" {self}'
        if self.typ in ITEM_TEXT:
            return str(self)
        if self.typ == Tok.EOF:
            return "end of input"
        return f"{_DESC_NAMES.get(self.typ, quote(self.typ.text))} {self}"


def quote(s: str) -> str:
    """Go's ``%q`` of a string (``strconv.Quote``), invalid UTF-8 bytes as ``\\xNN``."""
    if not any("\udc80" <= c <= "\udcff" for c in s):
        return go_quote(s)
    parts = []
    for c in s:
        parts.append(f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff" else go_quote(c)[1:-1])
    return '"' + "".join(parts) + '"'


def quote_rune(c: str) -> str:
    """Go's ``%q`` of a rune (``strconv.QuoteRune``)."""
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    if _is_rune_error(c):
        return "'\ufffd'"
    return "'" + go_quote(c)[1:-1] + "'"


def unicode_name(c: str) -> str:
    """Go's ``%#U`` of a rune: ``U+0071 'q'``."""
    if _is_rune_error(c):
        return "U+FFFD '\ufffd'"
    text = f"U+{ord(c):04X}"
    if c.isprintable():
        text += f" '{c}'"
    return text


def line_col(text: str, pos: int) -> str:
    """Prometheus' ``StartPosInput``: ``line:col`` with a 1-based byte column."""
    if text == "":
        return "unknown position"
    if pos < 0 or pos > len(text):
        return "invalid position"
    before = text[:pos]
    line = before.count("\n") + 1
    last = before.rfind("\n")
    col = len(before[last + 1:].encode("utf-8", "surrogateescape")) + 1
    return f"{line}:{col}"


def byte_offset(text: str, pos: int) -> int:
    """Byte offset of a code-point position (Prometheus positions are bytes)."""
    return len(text[:pos].encode("utf-8", "surrogateescape"))


def _is_rune_error(c: str) -> bool:
    return c == "\ufffd" or "\ud800" <= c <= "\udfff"


_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_ALPHA = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _ALPHA | _DIGITS
_SPACE = frozenset(" \t\n\r")
_DURATION_KEYWORDS = {"step": Tok.STEP, "range": Tok.RANGE, "max_of": Tok.MAX_OF, "min_of": Tok.MIN_OF}
_DURATION_KEYWORD_START = frozenset("srmSRM")
_EOF = ""

class State(Protocol):
    def __call__(self) -> State | None: ...


class Lexer:
    """Pull-based lexer: :meth:`next_item` returns one item per call, as Go's ``NextItem``."""

    def __init__(self, text: str, version: int = 3) -> None:
        self.input = text
        self.version = version
        self.keywords = _KEYWORDS_3 if version >= 3 else _KEYWORDS_2
        self.state: State | None = self._statements
        self.pos = 0
        self.start = 0
        self.width = 0
        self.last_pos = 0  # position of the item most recently returned by next_item
        self.item: Item | None = None
        self.scanned = False
        self.paren_depth = 0
        self.brace_open = False
        self.bracket_open = False
        self.got_colon = False
        self.got_duration = False
        self.string_open = ""

    # --- rune reading -------------------------------------------------------------------

    def _next(self) -> str:
        if self.pos >= len(self.input):
            self.width = 0
            return _EOF
        c = self.input[self.pos]
        self.width = 1
        self.pos += 1
        return c

    def _peek(self) -> str:
        return self.input[self.pos] if self.pos < len(self.input) else _EOF

    def _backup(self) -> None:
        self.pos -= self.width

    def _accept(self, valid: frozenset[str]) -> bool:
        if self._next() in valid:
            return True
        self._backup()
        return False

    def _accept_run(self, valid: frozenset[str]) -> None:
        while self._next() in valid:
            pass
        self._backup()

    def _emit(self, typ: Tok) -> None:
        self.item = Item(typ, self.start, self.input[self.start:self.pos])
        self.start = self.pos
        self.scanned = True

    def _errorf(self, message: str) -> None:
        self.item = Item(Tok.ERROR, self.start, message)
        self.scanned = True

    def next_item(self) -> Item:
        self.scanned = False
        if self.state is not None:
            state: State | None = self.state
            while not self.scanned:
                assert state is not None, "a lexer state stopped without an item"
                state = state()
            self.state = state
        else:
            self._emit(Tok.EOF)
        item = self.item
        assert item is not None
        self.last_pos = item.pos
        return item

    def items(self) -> list[Item]:
        """All items up to and including EOF or the first error."""
        out = []
        while True:
            item = self.next_item()
            out.append(item)
            if item.typ in (Tok.EOF, Tok.ERROR):
                return out

    # --- states -------------------------------------------------------------------------

    def _statements(self) -> State | None:
        if self.brace_open:
            return self._inside_braces
        if self.pos < len(self.input) and self.input[self.pos] in _SPACE:
            # lexSpace then lexStatements again, without the round trip.
            self.pos = self.start = _SPACE_RUN.match(self.input, self.pos).end()  # type: ignore[union-attr]
        if self.input.startswith("#", self.pos):
            return self._line_comment
        r = self._next()
        if r == _EOF:
            if self.paren_depth != 0:
                self._errorf("unclosed left parenthesis")
                return None
            if self.bracket_open:
                self._errorf("unclosed left bracket")
                return None
            self._emit(Tok.EOF)
            return None
        simple = _SIMPLE_OPS.get(r)
        if simple is not None:
            self._emit(simple)
        elif r in _SPACE:
            return self._space
        elif r == "=":
            t = self._peek()
            if t == "=":
                self._next()
                self._emit(Tok.EQLC)
            elif t == "~":
                self._errorf(f"unexpected character after '=': {quote_rune(t)}")
                return None
            else:
                self._emit(Tok.EQL)
        elif r == "!":
            t = self._next()
            if t != "=":
                self._errorf(f"unexpected character after '!': {self._rune_q(t)}")
                return None
            self._emit(Tok.NEQ)
        elif r in "<>":
            t = self._peek()
            if t == "=":
                self._next()
                self._emit(Tok.LTE if r == "<" else Tok.GTE)
            elif t == "/" and self.version >= 3:
                self._next()
                self._emit(Tok.TRIM_UPPER if r == "<" else Tok.TRIM_LOWER)
            else:
                self._emit(Tok.LSS if r == "<" else Tok.GTR)
        elif r in _DIGITS or (r == "." and self._peek() in _DIGITS):
            self._backup()
            return self._number_or_duration
        elif r in "\"'":
            self.string_open = r
            return self._string
        elif r == "`":
            self.string_open = r
            return self._raw_string
        elif r in _ALPHA or r == ":":
            if not self.bracket_open:
                self._backup()
                return self._keyword_or_identifier
            if self.version < 3 or r == ":":
                if self.got_colon:
                    self._errorf(f"unexpected colon {quote_rune(r)}")
                    return None
                self._emit(Tok.COLON)
                self.got_colon = True
                return self._statements
            if r in _DURATION_KEYWORD_START and self._scan_duration_keyword():
                return self._statements
            self._errorf(f"unexpected character: {quote_rune(r)}, expected ':'")
            return None
        elif r == "(":
            self._emit(Tok.LEFT_PAREN)
            self.paren_depth += 1
        elif r == ")":
            self._emit(Tok.RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self._errorf("unexpected right parenthesis ')'")
                return None
        elif r == "{":
            self._emit(Tok.LEFT_BRACE)
            self.brace_open = True
            return self._inside_braces
        elif r == "[":
            if self.bracket_open:
                self._errorf("unexpected left bracket '['")
                return None
            self.got_colon = False
            self._emit(Tok.LEFT_BRACKET)
            if self._peek() in _SPACE:
                self._skip_spaces()
            self.bracket_open = True
            return self._duration_expr if self.version >= 3 else self._duration_2
        elif r == "]":
            if not self.bracket_open:
                self._errorf("unexpected right bracket ']'")
                return None
            self._emit(Tok.RIGHT_BRACKET)
            self.bracket_open = False
        elif r == "@":
            self._emit(Tok.AT)
        else:
            self._errorf(f"unexpected character: {self._rune_q(r)}")
            return None
        return self._statements

    def _rune_q(self, r: str) -> str:
        # Go prints eof (-1) with %q as the replacement character.
        return "'�'" if r == _EOF else quote_rune(r)

    def _inside_braces(self) -> State | None:
        if self.pos < len(self.input) and self.input[self.pos] in _SPACE:
            self.pos = self.start = _SPACE_RUN.match(self.input, self.pos).end()  # type: ignore[union-attr]
        if self.input.startswith("#", self.pos):
            return self._line_comment
        r = self._next()
        if r == _EOF:
            self._errorf("unexpected end of input inside braces")
            return None
        if r in _SPACE:
            return self._space
        if r in _ALPHA:
            self._backup()
            return self._identifier
        if r == ",":
            self._emit(Tok.COMMA)
        elif r in "\"'":
            self.string_open = r
            return self._string
        elif r == "`":
            self.string_open = r
            return self._raw_string
        elif r == "=":
            if self._next() == "~":
                self._emit(Tok.EQL_REGEX)
            else:
                self._backup()
                self._emit(Tok.EQL)
        elif r == "!":
            nr = self._next()
            if nr == "~":
                self._emit(Tok.NEQ_REGEX)
            elif nr == "=":
                self._emit(Tok.NEQ)
            else:
                self._errorf(f"unexpected character after '!' inside braces: {self._rune_q(nr)}")
                return None
        elif r == "{":
            self._errorf("unexpected left brace '{'")
            return None
        elif r == "}":
            self._emit(Tok.RIGHT_BRACE)
            self.brace_open = False
            return self._statements
        else:
            self._errorf(f"unexpected character inside braces: {quote_rune(r)}")
            return None
        return self._inside_braces

    def _escape(self) -> State | None:
        ch = self._next()
        if (ch in "abfnrtv\\" and ch != _EOF) or ch == self.string_open:
            return self._string
        if ch in "01234567" and ch != _EOF:
            n, base, max_val = 3, 8, 255
        elif ch == "x":
            ch = self._next()
            n, base, max_val = 2, 16, 255
        elif ch == "u":
            ch = self._next()
            n, base, max_val = 4, 16, 0x10FFFF
        elif ch == "U":
            ch = self._next()
            n, base, max_val = 8, 16, 0x10FFFF
        elif ch == _EOF:
            self._errorf("escape sequence not terminated")
            return self._string
        else:
            self._errorf(f"unknown escape sequence {unicode_name(ch)}")
            return self._string
        x = 0
        while n > 0:
            d = int(ch, 16) if ch != _EOF and ch in _HEX else 16
            if d >= base:
                if ch == _EOF:
                    self._errorf("escape sequence not terminated")
                    return self._string
                self._errorf(f"illegal character {unicode_name(ch)} in escape sequence")
                return self._string
            x = x * base + d
            n -= 1
            if n > 0:
                ch = self._next()
        if x > max_val or 0xD800 <= x < 0xE000:
            self._errorf("escape sequence is an invalid Unicode code point")
        return self._string

    def _skip_spaces(self) -> None:
        self.pos = _SPACE_RUN.match(self.input, self.pos).end()  # type: ignore[union-attr]
        self.start = self.pos

    def _string(self) -> State | None:
        # Fast path: no escape, newline or invalid rune before the closing quote.
        m = (_PLAIN_DQ if self.string_open == '"' else _PLAIN_SQ).match(self.input, self.pos)
        if m is not None:
            self.pos = m.end()
            self._emit(Tok.STRING)
            return self._statements
        while True:
            c = self._next()
            if c == "\\":
                return self._escape
            if c != _EOF and _is_rune_error(c):
                self._errorf("invalid UTF-8 rune")
                return self._string
            if c == _EOF or c == "\n":
                self._errorf("unterminated quoted string")
                return None
            if c == self.string_open:
                break
        self._emit(Tok.STRING)
        return self._statements

    def _raw_string(self) -> State | None:
        while True:
            c = self._next()
            if c != _EOF and _is_rune_error(c):
                self._errorf("invalid UTF-8 rune")
                return self._raw_string
            if c == _EOF:
                self._errorf("unterminated raw string")
                return self._raw_string
            if c == self.string_open:
                break
        self._emit(Tok.STRING)
        return self._statements

    def _space(self) -> State | None:
        self.pos = _SPACE_RUN.match(self.input, self.pos).end()  # type: ignore[union-attr]
        self.start = self.pos
        return self._statements

    def _line_comment(self) -> State | None:
        self.pos += 1
        r = self._next()
        while r not in ("\r", "\n") and r != _EOF:
            r = self._next()
        self._backup()
        self._emit(Tok.COMMENT)
        return self._statements

    def _scan_duration_keyword(self) -> bool:
        while True:
            r = self._next()
            if r in _ALPHA:
                continue
            self._backup()
            tok = _DURATION_KEYWORDS.get(self.input[self.start:self.pos].lower())
            if tok is not None:
                self._emit(tok)
                return True
            return False

    def _number_or_duration(self) -> State | None:
        # Fast paths for plain decimals and durations, which the scan below reads the same way.
        m = _PLAIN_NUMBER.match(self.input, self.pos)
        if m is not None:
            self.pos = m.end()
            self._emit(Tok.NUMBER)
            return self._statements
        if self.version >= 3:
            m = _PLAIN_DURATION.match(self.input, self.pos)
            if m is not None:
                self.pos = m.end()
                self._emit(Tok.DURATION)
                return self._statements
        if self._scan_number():
            self._emit(Tok.NUMBER)
            return self._statements
        if self._accept_remaining_duration():
            self._backup()
            self._emit(Tok.DURATION)
            return self._statements
        self._errorf(f"bad number or duration syntax: {quote(self.input[self.start:self.pos])}")
        return None

    def _duration_2(self) -> State | None:
        # Prometheus 2.x: a range or subquery bracket holds a duration literal only.
        if self._scan_number():
            self._errorf("missing unit character in duration")
            return None
        if not self._accept_remaining_duration():
            self._errorf(f"bad duration syntax: {quote(self.input[self.start:self.pos])}")
            return None
        self._backup()
        self._emit(Tok.DURATION)
        return self._statements

    def _accept_remaining_duration(self) -> bool:
        if not self._accept(_UNITS_FIRST):
            return False
        self._accept(_S)
        while self._accept(_DIGITS):
            while self._accept(_DIGITS):
                pass
            if not self._accept(_UNITS_LATER):
                return False
            self._accept(_S)
        return self._next() not in _ALNUM

    def _scan_number(self) -> bool:
        if self.version < 3:
            return self._scan_number_2()
        initial = self.pos
        digits = _DIGITS
        if self._accept(_ZERO) and self._accept(_X):
            self._accept(_UNDERSCORE)
            digits = _HEX
        self._accept(_DOT)
        self._accept(digits)
        dot_consumed = False
        exponent_consumed = False
        allowed = digits | _DOT | _UNDERSCORE | _EXP
        while self._peek() in allowed and self._peek() != _EOF:
            p = self._peek()
            if p == "." and dot_consumed:
                self._accept(_DOT)
                return False
            if p in _EXP and exponent_consumed:
                self._accept(_EXP)
                return False
            if self._accept(_DOT):
                dot_consumed = True
                if self._accept(_DOT_ANTI):
                    return False
                if digits is _HEX:
                    return False
                continue
            if self._accept(_EXP):
                exponent_consumed = True
                self._accept(_SIGN)
                if self._accept(_EXP_ANTI) or self._peek() == _EOF:
                    return False
                continue
            if self._accept(_UNDERSCORE):
                if self._accept(_EXP_ANTI) or self._peek() == _EOF:
                    return False
                continue
            self._accept_run(digits)
        if self.pos == initial:
            return False
        return self._peek() not in _ALNUM

    def _scan_number_2(self) -> bool:
        digits = _DIGITS
        if self._accept(_ZERO) and self._accept(_X):
            digits = _HEX
        self._accept_run(digits)
        if self._accept(_DOT):
            self._accept_run(digits)
        if self._accept(_EXP):
            self._accept(_SIGN)
            self._accept_run(_DIGITS)
        return self._peek() not in _ALNUM

    def _identifier(self) -> State | None:
        self.pos = _IDENT_RUN.match(self.input, self.pos).end()  # type: ignore[union-attr]
        self._emit(Tok.IDENTIFIER)
        return self._statements

    def _keyword_or_identifier(self) -> State | None:
        self.pos = _WORD_RUN.match(self.input, self.pos).end()  # type: ignore[union-attr]
        word = self.input[self.start:self.pos]
        lower = word.lower()
        kw = self.keywords.get(lower)
        if kw is not None:
            if kw in (Tok.FILL, Tok.FILL_LEFT, Tok.FILL_RIGHT) and not self._followed_by_paren():
                # fill/fill_left/fill_right are keywords only before "(": "fill + fill" is valid.
                self._emit(Tok.IDENTIFIER)
            else:
                self._emit(kw)
        elif lower in _NUMBER_WORDS:
            self._emit(Tok.NUMBER)
        elif ":" not in word:
            self._emit(Tok.IDENTIFIER)
        else:
            self._emit(Tok.METRIC_IDENTIFIER)
        return self._statements

    def _followed_by_paren(self) -> bool:
        pos = self.pos
        while pos < len(self.input):
            c = self.input[pos]
            if c not in _SPACE:
                return c == "("
            pos += 1
        return False

    def _duration_expr(self) -> State | None:
        r = self._next()
        if r == _EOF:
            self._errorf("unexpected end of input in duration expression")
            return None
        if r == "]":
            self._emit(Tok.RIGHT_BRACKET)
            self.bracket_open = False
            self.got_colon = False
            return self._statements
        if r == ":":
            self._emit(Tok.COLON)
            if not self.got_duration:
                self._errorf("unexpected colon before duration in duration expression")
                return None
            if self.got_colon:
                self._errorf("unexpected repeated colon in duration expression")
                return None
            self.got_colon = True
            return self._duration_expr
        if r == "(":
            self._emit(Tok.LEFT_PAREN)
            self.paren_depth += 1
            return self._duration_expr
        if r == ")":
            self._emit(Tok.RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self._errorf("unexpected right parenthesis ')'")
                return None
            return self._duration_expr
        if r in _SPACE:
            self._skip_spaces()
            return self._duration_expr
        op = _DURATION_OPS.get(r)
        if op is not None:
            self._emit(op)
            return self._duration_expr
        if r in _DURATION_KEYWORD_START:
            if self._scan_duration_keyword():
                return self._duration_expr
            self._errorf(f"unexpected character in duration expression: {quote_rune(r)}")
            return None
        if r in _DIGITS or (r == "." and self._peek() in _DIGITS):
            self._backup()
            self.got_duration = True
            return self._number_or_duration
        self._errorf(f"unexpected character in duration expression: {quote_rune(r)}")
        return None


_SIMPLE_OPS = {",": Tok.COMMA, "*": Tok.MUL, "/": Tok.DIV, "%": Tok.MOD, "+": Tok.ADD, "-": Tok.SUB,
               "^": Tok.POW}
_DURATION_OPS = {"+": Tok.ADD, "-": Tok.SUB, "*": Tok.MUL, "/": Tok.DIV, "%": Tok.MOD, "^": Tok.POW,
                 ",": Tok.COMMA}
_IDENT_RUN = re.compile(r"[A-Za-z0-9_]*")
_WORD_RUN = re.compile(r"[A-Za-z0-9_:]*")
_SPACE_RUN = re.compile(r"[ \t\n\r]*")
_PLAIN_DQ = re.compile(r'[^"\\\n\ufffd\ud800-\udfff]*"')
_PLAIN_SQ = re.compile(r"[^'\\\n\ufffd\ud800-\udfff]*'")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?(?![A-Za-z0-9_.])")
_PLAIN_DURATION = re.compile(r"\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdw]))*(?![A-Za-z0-9_])")
_UNITS_FIRST = frozenset("smhdwy")
_UNITS_LATER = frozenset("smhdw")
_S = frozenset("s")
_ZERO = frozenset("0")
_X = frozenset("xX")
_DOT = frozenset(".")
_UNDERSCORE = frozenset("_")
_EXP = frozenset("eE")
_SIGN = frozenset("+-")
_DOT_ANTI = frozenset("_.")
_EXP_ANTI = frozenset("._eE")


def tokenize(text: str, version: int = 3) -> list[Item]:
    """All items of ``text`` (comments included) up to EOF or the first lexer error."""
    return Lexer(text, version).items()
