"""Label matchers: the classic parser (``pkg/labels/parse.go``, the only one in 0.25), the UTF-8
parser of 0.27+ (``matcher/parse``), and the fallback mode that picks between them
(``matcher/compat``). Error messages are Alertmanager's."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ruletest.alertmanager.goregex import RegexError, compile_anchored
from ruletest.alertmanager.version import Version
from ruletest.errors import RuletestError
from ruletest.gocompat import go_quote
from ruletest.records import record

MatchOp = Literal["=", "!=", "=~", "!~"]
ParserMode = Literal["classic", "fallback", "utf8"]
_OP_ORDER = {"=": 0, "!=": 1, "=~": 2, "!~": 3}


class MatcherError(RuletestError):
    """A matcher Alertmanager refuses (message is Alertmanager's)."""


@record
class Matcher:
    op: MatchOp
    name: str
    value: str
    _regex: Any = field(default=None, compare=False, repr=False, hash=False)

    @classmethod
    def new(cls, op: MatchOp, name: str, value: str) -> Matcher:
        """``labels.NewMatcher``: regex matchers compile ``^(?:value)$``."""
        regex = None
        if op in ("=~", "!~"):
            try:
                regex = compile_anchored(value)
            except RegexError as exc:
                raise MatcherError(exc.message) from None
        return cls(op, name, value, regex)

    def matches(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        hit = self._regex.match(value) is not None
        return hit if self.op == "=~" else not hit

    def sort_key(self) -> tuple[str, str, int]:
        return (self.name, self.value, _OP_ORDER[self.op])

    def to_string(self, version: Version) -> str:
        """``Matcher.String()``; from 0.27 a name with reserved characters is quoted."""
        if version.utf8_matchers and any(_reserved(c) for c in self.name):
            return f"{go_quote(self.name)}{self.op}{go_quote(self.value)}"
        return f'{self.name}{self.op}"{_openmetrics_escape(self.value)}"'

    def __str__(self) -> str:
        return self.to_string(Version())


def _openmetrics_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


@record
class Matchers:
    """A sorted, ANDed list of matchers (``labels.Matchers``)."""

    items: tuple[Matcher, ...] = ()

    @classmethod
    def of(cls, matchers: Iterable[Matcher]) -> Matchers:
        return cls(tuple(sorted(matchers, key=Matcher.sort_key)))

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels.get(m.name, "")) for m in self.items)

    def to_string(self, version: Version) -> str:
        return "{" + ",".join(m.to_string(version) for m in self.items) + "}"

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Any:
        return iter(self.items)


# --- classic parser (pkg/labels/parse.go) ---------------------------------------------------

# Go's RE2 \s is [\t\n\f\r ].
_CLASSIC_RE = re.compile(r"^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*(.*?)[\t\n\f\r ]*$",
                         re.DOTALL)


def parse_matchers_classic(s: str) -> list[Matcher]:
    s = s.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    token: list[str] = []
    inside_quotes = escaped = False
    for r in s:
        if r == ",":
            if not inside_quotes:
                tokens.append("".join(token))
                token = []
                continue
        elif r == '"':
            if not escaped:
                inside_quotes = not inside_quotes
            else:
                escaped = False
        elif r == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(r)
    last = _go_trim_space("".join(token))
    if last:
        tokens.append(last)
    return [parse_matcher_classic(t) for t in tokens]


def _go_trim_space(s: str) -> str:
    """``strings.TrimSpace`` (Unicode White_Space, which differs from ``str.strip``)."""
    ws = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
         "\u2028\u2029\u202f\u205f\u3000"
    return s.strip(ws)


def parse_matcher_classic(s: str) -> Matcher:
    m = _CLASSIC_RE.match(s)
    if not m:
        raise MatcherError(f"bad matcher format: {s}")
    raw = m.group(3)
    expect_quote = raw.startswith('"')
    if expect_quote:
        raw = raw[1:]
    out: list[str] = []
    escaped = False
    last = len(raw) - 1
    for i, r in enumerate(raw):
        if escaped:
            escaped = False
            if r == "n":
                out.append("\n")
            elif r in '"\\':
                out.append(r)
            else:
                out.append("\\" + r)  # a spurious escape keeps its backslash
            continue
        if r == "\\":
            if i < last:
                escaped = True
                continue
            out.append("\\")
        elif r == '"':
            if not expect_quote or i < last:
                raise MatcherError(f"matcher value contains unescaped double quote: {m.group(3)}")
            expect_quote = False
        else:
            out.append(r)
    if expect_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {m.group(3)}")
    op: MatchOp = m.group(2)  # type: ignore[assignment]
    return Matcher.new(op, m.group(1), "".join(out))


# --- UTF-8 parser (matcher/parse, 0.27+) -----------------------------------------------------


def _reserved(r: str) -> bool:
    return _is_space(r) or r in "{}!=~,\\\"'`"


def _is_space(r: str) -> bool:
    """``unicode.IsSpace``."""
    return r in "\t\n\v\f\r \x85\xa0" or (ord(r) > 0xFF and unicodedata.category(r) == "Zs") or r in "\u2028\u2029"


_EOF, _OPEN, _CLOSE, _COMMA, _EQ, _NE, _RE, _NRE, _QUOTED, _UNQUOTED = range(10)


class _ParseError(Exception):
    pass


@dataclass
class _Token:
    kind: int
    value: str = ""
    col_start: int = 0
    col_end: int = 0


class _Lexer:
    def __init__(self, text: str) -> None:
        self.input = text
        self.err: str | None = None
        self.start = self.pos = self.width = self.column = self.cols = 0

    def next(self) -> str:
        if self.pos >= len(self.input):
            self.width = 0
            return ""
        r = self.input[self.pos]
        self.width = 1
        self.pos += 1
        self.cols += 1
        return r

    def rewind(self) -> None:
        self.pos -= self.width
        if self.width > 0:
            self.cols -= 1

    def skip(self) -> None:
        self.start = self.pos
        self.column = self.cols

    def emit(self, kind: int) -> _Token:
        t = _Token(kind, self.input[self.start:self.pos], self.column, self.cols)
        self.start = self.pos
        self.column = self.cols
        return t

    def accept(self, valid: str) -> bool:
        r = self.next()
        if r and r in valid:
            return True
        self.rewind()
        return False

    def _expected(self, expected: str) -> str:
        if self.pos >= len(self.input):
            return f"{self.column}:{self.cols}: unexpected end of input, expected one of '{expected}'"
        return f"{self.column}:{self.cols}: {self.input[self.start:self.pos]}: expected one of '{expected}'"

    def scan(self) -> _Token:
        if self.err is not None:
            raise _ParseError(self.err)
        while True:
            r = self.next()
            if not r:
                return _Token(_EOF)
            if r == "{":
                return self.emit(_OPEN)
            if r == "}":
                return self.emit(_CLOSE)
            if r == ",":
                return self.emit(_COMMA)
            if r in "=!":
                self.rewind()
                return self._guard(self._operator)
            if r == '"':
                self.rewind()
                return self._guard(self._quoted)
            if not _reserved(r):
                self.rewind()
                while True:
                    c = self.next()
                    if not c:
                        break
                    if _reserved(c):
                        self.rewind()
                        break
                return self.emit(_UNQUOTED)
            if _is_space(r):
                self.skip()
                continue
            self.err = f"{self.column}:{self.cols}: {self.input[self.start:self.pos]}: invalid input"
            raise _ParseError(self.err)

    def _guard(self, fn: Any) -> _Token:
        try:
            tok: _Token = fn()
            return tok
        except _ParseError as exc:
            self.err = str(exc)
            raise

    def _operator(self) -> _Token:
        if self.accept("!"):
            if self.accept("="):
                return self.emit(_NE)
            if self.accept("~"):
                return self.emit(_NRE)
            raise _ParseError(self._expected("=~"))
        if self.accept("="):
            if self.accept("~"):
                return self.emit(_RE)
            return self.emit(_EQ)
        raise _ParseError(self._expected("!="))

    def _quoted(self) -> _Token:
        self.next()  # the opening quote
        escaped = False
        while True:
            r = self.next()
            if not r:
                break
            if escaped:
                escaped = False
            elif r == "\\":
                escaped = True
            elif r == '"':
                self.rewind()
                break
        if not self.accept('"'):
            raise _ParseError(f"{self.column}:{self.cols}: {self.input[self.start:self.pos]}: missing end \"")
        return self.emit(_QUOTED)

    def peek(self) -> _Token:
        saved = (self.start, self.pos, self.width, self.column, self.cols)
        try:
            return self.scan()
        finally:
            self.start, self.pos, self.width, self.column, self.cols = saved


class _EndOfInput(Exception):
    pass


class _UTF8Parser:
    def __init__(self, text: str) -> None:
        self.lexer = _Lexer(text)
        self.matchers: list[Matcher] = []
        self.has_open = False

    def expect_peek(self, *kinds: int) -> _Token:
        t = self.lexer.peek()
        if t.kind == _EOF:
            raise _EndOfInput("end of input")
        if t.kind not in kinds:
            raise _ParseError(f"{t.col_start}:{t.col_end}: unexpected {t.value}")
        return t

    def expect(self, *kinds: int) -> _Token:
        t = self.expect_peek(*kinds)
        self.lexer.scan()
        return t

    def accept_peek(self, *kinds: int) -> bool:
        t = self.lexer.peek()
        if t.kind == _EOF:
            raise _EndOfInput("end of input")
        return t.kind in kinds

    def parse(self) -> list[Matcher]:
        step = self.open_brace
        while step is not None:
            step = step()
        return self.matchers

    def open_brace(self) -> Any:
        try:
            self.has_open = self.accept_peek(_OPEN)
        except _EndOfInput:
            return self.eof
        if self.has_open:
            self.lexer.scan()
        try:
            close = self.accept_peek(_CLOSE)
        except _EndOfInput:
            return self.close_brace
        return self.close_brace if close else self.matcher

    def close_brace(self) -> Any:
        col = self.lexer.cols
        if self.has_open:
            try:
                self.expect(_CLOSE)
            except (_EndOfInput, _ParseError) as exc:
                raise _ParseError(f"0:{col}: {exc}: expected close brace") from None
        else:
            try:
                self.expect(_CLOSE)
            except (_EndOfInput, _ParseError):
                pass
            else:
                raise _ParseError(f"0:{self.lexer.cols}: }}: expected opening brace")
        return self.eof

    def _expect(self, what: str, *kinds: int) -> _Token:
        try:
            return self.expect(*kinds)
        except (_EndOfInput, _ParseError) as exc:
            raise _ParseError(f"{exc}: {what}") from None

    def matcher(self) -> Any:
        t = self._expect("expected label name", _QUOTED, _UNQUOTED)
        name = self._unquote(t)
        t = self._expect("expected an operator such as '=', '!=', '=~' or '!~'", _EQ, _NE, _RE, _NRE)
        op: MatchOp = {_EQ: "=", _NE: "!=", _RE: "=~", _NRE: "!~"}[t.kind]  # type: ignore[assignment]
        t = self._expect("expected label value", _UNQUOTED, _QUOTED)
        value = self._unquote(t)
        try:
            self.matchers.append(Matcher.new(op, name, value))
        except MatcherError as exc:
            raise _ParseError(f"failed to create matcher: {exc.message}") from None
        return self.end_of_matcher

    @staticmethod
    def _unquote(t: _Token) -> str:
        if t.kind != _QUOTED:
            return t.value
        try:
            return go_unquote(t.value)
        except ValueError:
            raise _ParseError(f"{t.col_start}:{t.col_end}: {t.value}: invalid input") from None

    def end_of_matcher(self) -> Any:
        try:
            t = self.expect_peek(_COMMA, _CLOSE)
        except _EndOfInput:
            return self.close_brace
        except _ParseError as exc:
            raise _ParseError(f"{exc}: expected a comma or close brace") from None
        return self.comma if t.kind == _COMMA else self.close_brace

    def comma(self) -> Any:
        self._expect("expected a comma", _COMMA)
        try:
            t = self.expect_peek(_CLOSE, _UNQUOTED, _QUOTED)
        except _EndOfInput:
            return self.close_brace
        except _ParseError as exc:
            raise _ParseError(f"{exc}: expected a matcher or close brace after comma") from None
        return self.close_brace if t.kind == _CLOSE else self.matcher

    def eof(self) -> Any:
        try:
            t = self.lexer.scan()
        except _ParseError as exc:
            raise _ParseError(f"{exc}: expected end of input") from None
        if t.kind != _EOF:
            raise _ParseError(f"{t.col_start}:{t.col_end}: {t.value}: expected end of input")
        return None


_GO_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
                      "\\": "\\", '"': '"'}


def go_unquote(s: str) -> str:
    """``strconv.Unquote`` of a double-quoted Go string literal, whose result must be valid
    UTF-8 (``\\xNN`` escapes are bytes). ValueError when Go would refuse it."""
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        raise ValueError(s)
    body = s[1:-1]
    if "\n" in body:
        raise ValueError(s)
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == '"':
            raise ValueError(s)
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError(s)
        e = body[i + 1]
        if e in _GO_SIMPLE_ESCAPES:
            out += _GO_SIMPLE_ESCAPES[e].encode()
            i += 2
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2:i + 2 + width]
            if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError(s)
            code = int(digits, 16)
            if e == "x":
                out.append(code)
            elif code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise ValueError(s)
            else:
                out += chr(code).encode()
            i += 2 + width
        elif e in "01234567":
            digits = body[i + 1:i + 4]
            if len(digits) != 3 or not all(d in "01234567" for d in digits) or int(digits, 8) > 255:
                raise ValueError(s)
            out.append(int(digits, 8))
            i += 4
        else:
            raise ValueError(s)
    return out.decode("utf-8")  # UnicodeDecodeError is a ValueError


def parse_matchers_utf8(s: str) -> list[Matcher]:
    try:
        return _UTF8Parser(s).parse()
    except _ParseError as exc:
        raise MatcherError(str(exc)) from None
    except _EndOfInput as exc:  # pragma: no cover - every path converts it
        raise MatcherError(str(exc)) from None


def parse_matcher_utf8(s: str) -> Matcher:
    ms = parse_matchers_utf8(s)
    if len(ms) == 1:
        return ms[0]
    if not ms:
        raise MatcherError("no matchers")
    raise MatcherError(f"expected 1 matcher, found {len(ms)}")


# --- modes (matcher/compat) --------------------------------------------------------------------


@record
class Parsed:
    matchers: tuple[Matcher, ...]
    # Why the UTF-8 parser would read this input differently (or not at all), with the
    # suggestion Alertmanager logs; None when both parsers agree.
    incompatible: str | None = None
    suggestion: str = ""


def default_mode(version: Version) -> ParserMode:
    return "fallback" if version.utf8_matchers else "classic"


def parse_matchers(s: str, mode: ParserMode) -> Parsed:
    """``compat.Matchers`` in the given mode. In ``classic`` mode the UTF-8 parser still runs,
    only to report inputs that a later Alertmanager would read differently."""
    if mode == "utf8":
        return Parsed(tuple(parse_matchers_utf8(s)))
    classic_err: MatcherError | None = None
    classic: list[Matcher] = []
    try:
        classic = parse_matchers_classic(s)
    except MatcherError as exc:
        classic_err = exc
    try:
        utf8 = parse_matchers_utf8(s)
    except MatcherError as exc:
        if classic_err is not None:
            raise classic_err from None
        return Parsed(tuple(classic), f"not valid for the UTF-8 matchers parser: {exc.message}",
                      ",".join(m.to_string(Version(0, 27)) for m in classic))
    if classic_err is not None:
        if mode == "classic":
            raise classic_err
        return Parsed(tuple(utf8))
    if _key(utf8) != _key(classic):
        return Parsed(tuple(classic), "the UTF-8 matchers parser reads this input differently",
                      ",".join(m.to_string(Version(0, 27)) for m in classic))
    return Parsed(tuple(classic))


def parse_matcher(s: str, mode: ParserMode) -> Matcher:
    """A single matcher (amtool's label arguments): ``compat.Matcher``."""
    if mode == "classic":
        return parse_matcher_classic(s)
    if s.startswith("{") or s.endswith("}"):
        raise MatcherError(f"unexpected open or close brace: {s}")
    if mode == "utf8":
        return parse_matcher_utf8(s)
    try:
        new = parse_matcher_utf8(s)
    except MatcherError:
        return parse_matcher_classic(s)
    try:
        classic = parse_matcher_classic(s)
    except MatcherError:
        return new
    return classic if _key([classic]) != _key([new]) else new


def _key(ms: Sequence[Matcher]) -> list[tuple[str, str, str]]:
    return [(m.op, m.name, m.value) for m in ms]
