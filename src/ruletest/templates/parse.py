"""Lexer and parser for Go ``text/template``, producing the node types of Go's
``text/template/parse`` package (so error messages can quote nodes the way Go does)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import ClassVar

from ruletest.errors import RuletestError
from ruletest.gocompat import FmtSpec, GoNumError, fmt_unicode, go_int64, go_quote, parse_float, parse_int


class TemplateError(RuletestError):
    """A template parse or execution error, with Go's message text."""

    # The function a parse error calls undefined, for checks that know which version added it.
    undefined_function: str | None = None


# --- nodes ----------------------------------------------------------------------------------


@dataclass
class Node:
    """A node of a parsed template (``text/template/parse``), at its position."""

    pos: int


@dataclass
class TextNode(Node):
    """Plain text."""

    text: str


@dataclass
class ListNode(Node):
    """A sequence of nodes."""

    nodes: list[Node] = field(default_factory=list)


@dataclass
class DotNode(Node):
    """The cursor, ``.``."""

    def __str__(self) -> str:
        return "."


@dataclass
class NilNode(Node):
    """The untyped ``nil``."""

    def __str__(self) -> str:
        return "nil"


@dataclass
class BoolNode(Node):
    """A boolean constant."""

    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass
class NumberNode(Node):
    """A number constant, with the kinds it can be read as."""

    text: str
    is_int: bool
    int_value: int
    is_float: bool
    float_value: float

    def __str__(self) -> str:
        return self.text


@dataclass
class StringNode(Node):
    """A quoted string constant."""

    quoted: str
    value: str

    def __str__(self) -> str:
        return self.quoted


@dataclass
class FieldNode(Node):
    """A field chain from the cursor, ``.a.b``."""

    idents: list[str]

    def __str__(self) -> str:
        return "".join("." + i for i in self.idents)


@dataclass
class VariableNode(Node):
    """A variable with its field chain, ``$x.a``."""

    idents: list[str]  # idents[0] is the variable name, with '$'

    def __str__(self) -> str:
        return ".".join(self.idents)


@dataclass
class IdentifierNode(Node):
    """A function name."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class ChainNode(Node):
    """A field chain on a term, ``(x).a``."""

    node: Node
    fields: list[str]

    def __str__(self) -> str:
        inner = str(self.node)
        if isinstance(self.node, PipeNode):
            inner = "(" + inner + ")"
        return inner + "".join("." + f for f in self.fields)


@dataclass
class CommandNode(Node):
    """One command of a pipeline: a term and its arguments."""

    args: list[Node]

    def __str__(self) -> str:
        parts = []
        for a in self.args:
            s = str(a)
            parts.append("(" + s + ")" if isinstance(a, PipeNode) else s)
        return " ".join(parts)


@dataclass
class PipeNode(Node):
    """A pipeline, with its variable declarations."""

    is_assign: bool
    decl: list[VariableNode]
    cmds: list[CommandNode]

    def __str__(self) -> str:
        s = ""
        if self.decl:
            s = ", ".join(str(v) for v in self.decl) + (" = " if self.is_assign else " := ")
        return s + " | ".join(str(c) for c in self.cmds)


@dataclass
class ActionNode(Node):
    """An action, ``{{pipeline}}``."""

    pipe: PipeNode

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass
class BranchNode(Node):
    """``if``, ``range`` or ``with``, with its body and else branch."""

    kind: str  # if / range / with
    pipe: PipeNode
    body: ListNode
    else_list: ListNode | None


@dataclass
class TemplateNode(Node):
    """``{{template "name" pipeline}}``."""

    name: str
    pipe: PipeNode | None

    def __str__(self) -> str:
        pipe = "" if self.pipe is None else " " + str(self.pipe)
        return "{{template " + go_quote(self.name) + pipe + "}}"


@dataclass
class BreakNode(Node):
    """``{{break}}``."""

    pass


@dataclass
class ContinueNode(Node):
    """``{{continue}}``."""

    pass


@dataclass
class Template:
    """A parsed template: its root and the templates it defines."""

    name: str
    text: str
    root: ListNode
    defines: dict[str, ListNode]
    # Where each define was parsed, when a set combines several files: errors inside a define
    # name that file (Go's ParseName) and the define (``executing "x"``), as Go does.
    origins: dict[str, Template] = field(default_factory=dict)

    def location(self, pos: int) -> str:
        """Go ``ErrorContext``: ``name:line:col``, the column counted in bytes like Go's offsets."""
        before = self.text[:pos]
        line = before.count("\n") + 1
        col = len(before[before.rfind("\n") + 1:].encode())
        return f"{self.name}:{line}:{col}"


# --- lexer ----------------------------------------------------------------------------------

_IDENT_CHARS = re.compile(r"\w+")  # letters, digits, underscore (Go's isAlphaNumeric)
_SPACE = " \t\r\n"
_TERMINATORS = _SPACE + ".,|:()}"  # Go's atTerminator: space, punctuation, the right delimiter's first rune


@dataclass
class Token:
    """A lexer token, with its position and line."""

    kind: str  # text, left, right, space, ident, field, variable, string, raw, char, number, bool, nil,
    #           dot, pipe, lparen, rparen, declare, assign, comma, other, keyword, error, eof
    value: str
    pos: int
    line: int = 0  # for "error": the line the lexer was on


_KEYWORDS = {"block", "break", "continue", "define", "else", "end", "if", "range", "nil", "template", "with"}


def _line(text: str, pos: int) -> int:
    return text[:pos].count("\n") + 1


class _LexStop(Exception):
    pass


class _Lexer:
    """Go's text/template lexer (``text/template/parse/lex.go``, Go 1.19 as promtool 2.42 is
    built with). Errors do not raise: like Go's lexer, which runs ahead of the parser, it emits
    an error token and stops, and the parser reports it only when it gets there (so an earlier
    parse error, such as an undefined function, wins)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.tokens: list[Token] = []
        self.paren_depth = 0

    def run(self) -> list[Token]:
        try:
            while self.pos < self.n:
                self.pos = self._text(self.pos)
            self.tokens.append(Token("eof", "", self.n))
        except _LexStop:
            pass
        return self.tokens

    def _emit(self, kind: str, start: int, end: int) -> int:
        self.tokens.append(Token(kind, self.text[start:end], start))
        return end

    def _error(self, message: str, pos: int) -> _LexStop:
        self.tokens.append(Token("error", message, pos, _line(self.text, pos)))
        return _LexStop()

    # --- outside actions ------------------------------------------------------------------

    def _text(self, pos: int) -> int:
        """Text up to the next ``{{`` (without the spaces a ``{{- `` trims), then the action."""
        text = self.text
        start = text.find("{{", pos)
        if start < 0:
            self._emit("text", pos, self.n)
            return self.n
        after = start + 2
        trim_left = self._left_trim_marker(after)
        chunk_end = start
        if trim_left:
            while chunk_end > pos and text[chunk_end - 1] in _SPACE:
                chunk_end -= 1
        if chunk_end > pos:
            self._emit("text", pos, chunk_end)
        inner = after + (2 if trim_left else 0)
        if text.startswith("/*", inner):
            return self._comment(start, inner)
        self.tokens.append(Token("left", "{{", start))
        self.paren_depth = 0
        return self._action(inner)

    def _left_trim_marker(self, pos: int) -> bool:
        return self.text.startswith("-", pos) and pos + 1 < self.n and self.text[pos + 1] in _SPACE

    def _right_delim(self, pos: int) -> tuple[bool, bool]:
        """(at ``}}``, with a `` -`` trim marker before it)."""
        text = self.text
        if pos + 1 < self.n and text[pos] in _SPACE and text[pos + 1] == "-" and text.startswith("}}", pos + 2):
            return True, True
        return text.startswith("}}", pos), False

    def _skip_spaces(self, pos: int) -> int:
        while pos < self.n and self.text[pos] in _SPACE:
            pos += 1
        return pos

    def _comment(self, start: int, pos: int) -> int:
        close = self.text.find("*/", pos + 2)
        if close < 0:
            raise self._error("unclosed comment", start)
        pos = close + 2
        delim, trim = self._right_delim(pos)
        if not delim:
            raise self._error("comment ends before closing delimiter", start)
        pos += (2 if trim else 0) + 2
        return self._skip_spaces(pos) if trim else pos

    # --- inside actions -------------------------------------------------------------------

    def _action(self, pos: int) -> int:
        """Tokens up to and including the closing ``}}``."""
        while True:
            delim, trim = self._right_delim(pos)
            if delim:
                if self.paren_depth:
                    raise self._error("unclosed left paren", pos)
                return self._close(pos, trim)
            if pos >= self.n:
                raise self._error("unclosed action", pos)
            pos = self._action_item(pos)

    def _close(self, pos: int, trim: bool) -> int:
        if trim:
            pos += 2
        self.tokens.append(Token("right", "}}", pos))
        pos += 2
        return self._skip_spaces(pos) if trim else pos

    _SINGLE: ClassVar[dict[str, str]] = {"|": "pipe", ",": "comma", "=": "assign"}

    def _action_item(self, pos: int) -> int:
        """One token inside an action (lexInsideAction); return the position after it."""
        c = self.text[pos]
        if c in _SPACE:
            return self._space(pos)
        if c in self._SINGLE:
            return self._emit(self._SINGLE[c], pos, pos + 1)
        if c == ":":
            if not self.text.startswith(":=", pos):
                raise self._error("expected :=", pos)
            return self._emit("declare", pos, pos + 2)
        if c == '"':
            return self._quote(pos)
        if c == "`":
            return self._raw_quote(pos)
        if c == "'":
            return self._char(pos)
        if c == "$":
            return self._field_or_variable(pos, "variable")
        if c == "." and not (pos + 1 < self.n and self.text[pos + 1] in "0123456789"):
            return self._field_or_variable(pos, "field")
        if c in "+-.0123456789":
            return self._number(pos)
        if c.isalnum() or c == "_":
            return self._identifier(pos)
        return self._paren_or_other(pos, c)

    def _paren_or_other(self, pos: int, c: str) -> int:
        if c == "(":
            self.paren_depth += 1
            return self._emit("lparen", pos, pos + 1)
        if c == ")":
            self._emit("rparen", pos, pos + 1)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                raise self._error("unexpected right paren U+0029 ')'", pos)
            return pos + 1
        if c.isascii() and c.isprintable():
            return self._emit("other", pos, pos + 1)  # itemChar: the parser reports it
        raise self._error(f"unrecognized character in action: {fmt_unicode(_SHARP, ord(c))}", pos)

    def _space(self, pos: int) -> int:
        end = self._skip_spaces(pos)
        # A space that belongs to a " -}}" trim marker is not an argument separator.
        delim, trim = self._right_delim(end - 1)
        if delim and trim:
            end -= 1
            if end == pos:
                return pos
        return self._emit("space", pos, end)

    def _at_terminator(self, pos: int) -> bool:
        return pos >= self.n or self.text[pos] in _TERMINATORS

    def _bad_character(self, pos: int) -> _LexStop:
        return self._error(f"bad character {fmt_unicode(_SHARP, ord(self.text[pos]))}", pos)

    def _identifier(self, pos: int) -> int:
        m = _IDENT_CHARS.match(self.text, pos)
        assert m is not None
        if not self._at_terminator(m.end()):
            raise self._bad_character(m.end())
        word = m.group(0)
        kind = "bool" if word in ("true", "false") else "keyword" if word in _KEYWORDS else "ident"
        return self._emit(kind, pos, m.end())

    def _field_or_variable(self, pos: int, kind: str) -> int:
        if self._at_terminator(pos + 1):  # a lone "." or "$"
            return self._emit("dot" if kind == "field" else kind, pos, pos + 1)
        m = _IDENT_CHARS.match(self.text, pos + 1)
        end = m.end() if m else pos + 1
        if not self._at_terminator(end):
            raise self._bad_character(end)
        return self._emit(kind, pos, end)

    def _number(self, pos: int) -> int:
        m = _NUMBER_RE.match(self.text, pos)
        end = m.end() if m else pos
        if end < self.n and (self.text[end].isalnum() or self.text[end] == "_"):
            raise self._error(f"bad number syntax: {go_quote(self.text[pos:end + 1])}", pos)
        if end < self.n and self.text[end] in "+-":
            raise self._error(f"bad number syntax: {go_quote(self.text[pos:end + 1])}", pos)
        return self._emit("number", pos, end)

    def _quote(self, pos: int) -> int:
        j = pos + 1
        while True:
            if j >= self.n or self.text[j] == "\n":
                raise self._error("unterminated quoted string", pos)
            if self.text[j] == "\\":
                if j + 1 >= self.n or self.text[j + 1] == "\n":
                    raise self._error("unterminated quoted string", pos)
                j += 2
                continue
            if self.text[j] == '"':
                return self._emit("string", pos, j + 1)
            j += 1

    def _raw_quote(self, pos: int) -> int:
        j = self.text.find("`", pos + 1)
        if j < 0:
            raise self._error("unterminated raw quoted string", pos)
        return self._emit("raw", pos, j + 1)

    def _char(self, pos: int) -> int:
        j = pos + 1
        while True:
            if j >= self.n or self.text[j] == "\n":
                raise self._error("unterminated character constant", pos)
            if self.text[j] == "\\":
                if j + 1 >= self.n or self.text[j + 1] == "\n":
                    raise self._error("unterminated character constant", pos)
                j += 2
                continue
            if self.text[j] == "'":
                return self._emit("char", pos, j + 1)
            j += 1


_NUMBER_RE = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]*)?|0[oO][0-7_]*(?:\.[0-7_]*)?|"
    r"0[bB][01_]*(?:\.[01_]*)?|[0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]*)?)i?")
_SHARP = FmtSpec(sharp=True)


def _lex(name: str, text: str) -> list[Token]:
    return _Lexer(text).run()


# --- parser ---------------------------------------------------------------------------------


_GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
               '"': '"', "'": "'"}


def unquote(s: str) -> str:
    if s.startswith("`"):
        return s[1:-1]
    body = s[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in _GO_ESCAPES:
            out.append(_GO_ESCAPES[nxt])
            i += 2
        elif nxt == "x":
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif nxt == "u":
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        elif nxt == "U":
            out.append(chr(int(body[i + 2:i + 10], 16)))
            i += 10
        elif nxt.isdigit():
            out.append(chr(int(body[i + 1:i + 4], 8)))
            i += 4
        else:
            raise ValueError(f"invalid syntax: {s}")
    return "".join(out)


def _is_empty(node: ListNode) -> bool:
    """Go's ``IsEmptyTree``: nothing but white space."""
    return all(isinstance(n, TextNode) and not n.text.strip() for n in node.nodes)


def _char_constant(text: str) -> int | None:
    """The code point of a character constant like ``'a'`` or ``'\\n'`` (Go's
    ``strconv.UnquoteChar`` on what follows the opening quote); None for invalid syntax, -1 when
    more than one character precedes the closing quote."""
    body = text[1:]
    if not body or body[0] == "'":
        return None
    if body[0] != "\\":
        code, rest = ord(body[0]), body[1:]
    else:
        m = re.match(r"\\(?:([abfnrtv\\'])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))", body)
        if m is None:
            return None
        if m.group(1):
            code = ord(_GO_ESCAPES[m.group(1)])
        else:
            digits = next(g for g in m.groups()[1:] if g)
            code = int(digits, 8 if m.group(5) else 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None
        rest = body[m.end():]
    return code if rest == "'" else -1


def _parse_number(tok: Token, name: str, text: str) -> NumberNode:
    """text/template's ``newNumber``: an int if ParseInt/ParseUint (base 0) accept it, else a
    float if ParseFloat does (a float spelled like an integer is an "integer overflow")."""
    raw = tok.value

    def fail(msg: str) -> TemplateError:
        return TemplateError(f"template: {name}:{_line(text, tok.pos)}: {msg}")

    if raw.endswith("i"):
        raise fail("complex numbers are not supported")
    as_int = parse_int(raw)
    as_uint = parse_int(raw, unsigned=True)
    if as_int is None and as_uint is not None:
        # Only a uint64 fits: parsed, but refused when executed ("overflows int").
        return NumberNode(tok.pos, raw, False, 0, True, float(as_uint))
    if as_int is not None:
        return NumberNode(tok.pos, raw, True, as_int, True, float(as_int))
    try:
        f = parse_float(raw)
    except GoNumError:
        raise fail(f"illegal number syntax: {go_quote(raw)}") from None
    if not any(c in raw for c in ".eEpP"):
        raise fail(f"integer overflow: {go_quote(raw)}")
    is_int = math.isfinite(f) and float(go_int64(f)) == f
    return NumberNode(tok.pos, raw, is_int, int(f) if is_int else 0, True, f)


_COMMAND_START = frozenset({"bool", "char", "number", "dot", "field", "ident", "raw", "string", "variable", "lparen"})


class Parser:
    def __init__(self, name: str, text: str, funcs: set[str]) -> None:
        self.name = name
        self.text = text
        self.funcs = funcs
        self.tokens = _lex(name, text)
        self.i = 0
        self.defines: dict[str, ListNode] = {}
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.action_line = 0  # line of the action being parsed (0: none)

    @staticmethod
    def item(tok: Token) -> str:
        """Go's item.String(): keywords as <kw>, other tokens quoted (at most 10 runes)."""
        if tok.kind == "keyword" or tok.kind == "dot":
            return f"<{tok.value}>"
        if tok.kind == "eof":
            return "EOF"
        if len(tok.value.encode()) > 10:  # Go: len() counts bytes, %.10q truncates runes
            return go_quote(tok.value[:10]) + "..."
        return go_quote(tok.value)

    def error(self, tok: Token | None, msg: str) -> TemplateError:
        pos = tok.pos if tok is not None else len(self.text)
        return TemplateError(f"template: {self.name}:{_line(self.text, pos)}: {msg}")

    def unexpected(self, tok: Token, context: str) -> TemplateError:
        return self.error(tok, f"unexpected {self.item(tok)} in {context}")

    def _checked(self, tok: Token) -> Token:
        """A lexer error surfaces when the parser reaches it (Go's ``unexpected`` on itemError)."""
        if tok.kind != "error":
            return tok
        msg = tok.value
        if self.action_line and self.action_line != tok.line:
            extra = f" in action started at {self.name}:{self.action_line}"
            msg += extra[len(" in action"):] if msg.endswith(" action") else extra
        raise TemplateError(f"template: {self.name}:{tok.line}: {msg}")

    def peek(self) -> Token:
        return self._checked(self.tokens[self.i])

    def next(self) -> Token:
        t = self._checked(self.tokens[self.i])
        self.i += 1
        return t

    def peek_non_space(self) -> Token:
        while self._checked(self.tokens[self.i]).kind == "space":
            self.i += 1
        return self.tokens[self.i]

    def next_non_space(self) -> Token:
        t = self.peek_non_space()
        self.i += 1
        return t

    def parse(self) -> Template:
        root = ListNode(0)
        while self.peek().kind != "eof":
            tok = self.peek()
            if tok.kind == "left":
                save = self.i
                self.next()
                kw = self.peek_non_space()
                if kw.kind == "keyword" and kw.value == "define":
                    self.next_non_space()
                    self._parse_define(kw)
                    continue
                self.i = save
            node, stop = self._text_or_action()
            if stop is not None:
                raise self.error(stop, f"unexpected {{{{{stop.value}}}}}")
            if node is not None:
                root.nodes.append(node)
        return Template(self.name, self.text, root, self.defines)

    def _parse_define(self, kw: Token) -> None:
        name_tok = self.next_non_space()
        if name_tok.kind not in ("string", "raw"):
            raise self.error(name_tok, "define: expected name")
        name = unquote(name_tok.value)
        end = self.next_non_space()
        if end.kind != "right":
            raise self.error(end, "unexpected token in define clause")
        body, stop = self._item_list()
        if stop is None or stop.value != "end":
            raise self.error(stop, "unexpected EOF")
        self._expect_right("end")
        self._add_define(name, body, stop)

    def _add_define(self, name: str, body: ListNode, at: Token) -> None:
        """Go's ``Tree.add``: a second non-empty definition of a name is an error."""
        old = self.defines.get(name)
        if old is not None and not _is_empty(old) and not _is_empty(body):
            raise self.error(at, f"template: multiple definition of template {go_quote(name)}")
        if old is None or _is_empty(old):
            self.defines[name] = body

    def _expect_right(self, context: str) -> None:
        t = self.next_non_space()
        if t.kind != "right":
            raise self.error(t, f"unexpected {self.item(t)} in {context}")

    def _item_list(self) -> tuple[ListNode, Token | None]:
        """Parse until {{end}} or {{else}}; return the list and the stop keyword token."""
        lst = ListNode(self.peek().pos)
        while True:
            if self.peek().kind == "eof":
                return lst, None
            node, stop = self._text_or_action()
            if stop is not None:
                return lst, stop
            if node is not None:
                lst.nodes.append(node)

    def _text_or_action(self) -> tuple[Node | None, Token | None]:
        tok = self.next()
        if tok.kind == "text":
            return TextNode(tok.pos, tok.value), None
        if tok.kind != "left":
            raise self.unexpected(tok, "input")
        self.action_line = _line(self.text, tok.pos)
        try:
            return self._action(tok)
        finally:
            self.action_line = 0

    def _action(self, tok: Token) -> tuple[Node | None, Token | None]:
        kw = self.peek_non_space()
        if kw.kind == "keyword":
            if kw.value in ("end", "else"):
                self.next_non_space()
                return None, kw
            if kw.value in ("if", "range", "with"):
                self.next_non_space()
                return self._branch(kw), None
            if kw.value == "template" or kw.value == "block":
                self.next_non_space()
                return self._template(kw), None
            if kw.value in ("break", "continue"):
                self.next_non_space()
                self._expect_right("{{" + kw.value + "}}")
                if self.range_depth == 0:
                    raise self.error(kw, f"{{{{{kw.value}}}}} outside {{{{range}}}}")
                return (BreakNode(kw.pos) if kw.value == "break" else ContinueNode(kw.pos)), None
            if kw.value == "define":
                raise self.error(kw, "unexpected define: definitions are only allowed at top level")
        pipe = self._pipeline("command", allow_decl=True)
        return ActionNode(tok.pos, pipe), None

    def _branch(self, kw: Token) -> Node:
        depth = len(self.vars)
        pipe = self._pipeline(kw.value, allow_decl=True, allow_range_pair=kw.value == "range")
        in_range = 1 if kw.value == "range" else 0
        self.range_depth += in_range
        try:
            body, stop = self._item_list()
        finally:
            self.range_depth -= in_range
        else_list: ListNode | None = None
        if stop is None:
            raise self.error(None, "unexpected EOF")
        if stop.value == "else":
            nxt = self.peek_non_space()
            if (nxt.kind == "keyword" and nxt.value in ("if", "with") and nxt.value == kw.value) or (
                    nxt.kind == "keyword" and nxt.value == "if" and kw.value == "if"):
                # {{else if ...}} / {{else with ...}}: a nested branch that shares our {{end}}.
                self.next_non_space()
                inner = self._branch(nxt)
                else_list = ListNode(nxt.pos, [inner])
            else:
                self._expect_right("else")
                else_list, stop2 = self._item_list()
                if stop2 is None or stop2.value != "end":
                    raise self.error(stop2, "expected end; found else" if stop2 else "unexpected EOF")
                self._expect_right("end")
        else:
            self._expect_right("end")
        del self.vars[depth:]
        return BranchNode(kw.pos, kw.value, pipe, body, else_list)

    def _template(self, kw: Token) -> Node:
        name_tok = self.next_non_space()
        if name_tok.kind not in ("string", "raw"):
            raise self.error(name_tok, f"unexpected {self.item(name_tok)} in template clause")
        name = unquote(name_tok.value)
        pipe: PipeNode | None = None
        if self.peek_non_space().kind != "right":
            pipe = self._pipeline("template clause", allow_decl=False)
        else:
            self.next_non_space()
        if kw.value == "block":
            body, stop = self._item_list()
            if stop is None or stop.value != "end":
                raise self.error(stop, "unexpected EOF")
            self._expect_right("end")
            self._add_define(name, body, stop)
        return TemplateNode(name_tok.pos, name, pipe)  # Go places the node at its name

    def _pipeline(self, context: str, allow_decl: bool, allow_range_pair: bool = False) -> PipeNode:
        start = self.peek_non_space()
        decl: list[VariableNode] = []
        is_assign = False
        if allow_decl and start.kind == "variable":
            save = self.i
            self.next_non_space()
            after = self.peek_non_space()
            if after.kind in ("declare", "assign"):
                self.next_non_space()
                decl.append(VariableNode(start.pos, [start.value]))
                is_assign = after.kind == "assign"
                if not is_assign:
                    self.vars.append(start.value)
            elif after.kind == "comma" and allow_range_pair:
                self.next_non_space()
                second = self.next_non_space()
                op = self.next_non_space()
                if second.kind != "variable" or op.kind not in ("declare", "assign"):
                    raise self.error(second, "range can only initialize variables")
                decl = [VariableNode(start.pos, [start.value]), VariableNode(second.pos, [second.value])]
                is_assign = op.kind == "assign"
                if not is_assign:
                    self.vars.extend([start.value, second.value])
            else:
                self.i = save
        cmds: list[CommandNode] = []
        end = "rparen" if context == "parenthesized pipeline" else "right"
        while True:
            tok = self.peek_non_space()
            if tok.kind == end:
                if tok.kind == "right":
                    self.next_non_space()
                break
            if tok.kind not in _COMMAND_START and not (tok.kind == "keyword" and tok.value == "nil"):
                raise self.unexpected(tok, context)
            cmds.append(self._command())
            tok = self.peek_non_space()
            if tok.kind == "pipe":
                self.next_non_space()
                continue
        if not cmds:
            raise self.error(start, f"missing value for {context}")
        for c in cmds[1:]:
            first = c.args[0]
            if isinstance(first, BoolNode | NilNode | NumberNode | StringNode | DotNode):
                raise self.error(start, f"non executable command in pipeline stage {cmds.index(c) + 1}")
        return PipeNode(start.pos, is_assign, decl, cmds)

    def _command(self) -> CommandNode:
        first = self.peek_non_space()
        args: list[Node] = []
        while True:
            tok = self.peek()
            if tok.kind == "space":
                self.next()
                continue
            if tok.kind in ("right", "rparen", "pipe"):
                break
            if tok.kind == "eof":
                raise self.error(tok, "unclosed action")
            args.append(self._operand())
            after = self.peek()
            if after.kind not in ("space", "right", "rparen", "pipe"):
                raise self.unexpected(after, "operand")
        if not args:
            raise self.error(first, "empty command")
        return CommandNode(first.pos, args)

    def _operand(self) -> Node:
        node = self._term()
        fields: list[str] = []
        chain_pos = self.peek().pos
        while self.peek().kind == "field":
            fields.append(self.next().value[1:])
        if self.peek().kind == "dot":
            raise self.error(self.peek(), "unexpected <.> in operand")
        if not fields:
            return node
        # Go gives a field chain the position of its first trailing field.
        if isinstance(node, FieldNode):
            return FieldNode(chain_pos, node.idents + fields)
        if isinstance(node, VariableNode):
            return VariableNode(chain_pos, node.idents + fields)
        if isinstance(node, BoolNode | StringNode | NumberNode | NilNode | DotNode):
            raise self.error(None, f"unexpected . after term {node}")
        return ChainNode(node.pos, node, fields)

    def _term(self) -> Node:
        tok = self.next()
        k = tok.kind
        if k == "ident":
            if tok.value not in self.funcs:
                err = self.error(tok, f'function "{tok.value}" not defined')
                err.undefined_function = tok.value
                raise err
            return IdentifierNode(tok.pos, tok.value)
        if k == "dot":
            return DotNode(tok.pos)
        if k == "keyword" and tok.value == "nil":
            return NilNode(tok.pos)
        if k == "variable":
            if tok.value not in self.vars:
                raise self.error(tok, f"undefined variable \"{tok.value}\"")
            return VariableNode(tok.pos, [tok.value])
        if k == "field":
            return FieldNode(tok.pos, [tok.value[1:]])
        if k == "bool":
            return BoolNode(tok.pos, tok.value == "true")
        if k == "number":
            return _parse_number(tok, self.name, self.text)
        if k == "char":
            code = _char_constant(tok.value)
            if code is None:
                raise self.error(tok, "invalid syntax")
            if code < 0:
                raise self.error(tok, f"malformed character constant: {tok.value}")
            return NumberNode(tok.pos, tok.value, True, code, True, float(code))
        if k in ("string", "raw"):
            try:
                return StringNode(tok.pos, tok.value, unquote(tok.value))
            except ValueError:
                raise self.error(tok, f"invalid syntax: {tok.value}") from None
        if k == "lparen":
            pipe = self._pipeline("parenthesized pipeline", allow_decl=False)
            close = self.next_non_space()
            if close.kind != "rparen":
                raise self.error(close, "unclosed left paren")
            return pipe
        raise self.error(tok, f"unexpected {self.item(tok)} in operand")


def parse_template(name: str, text: str, funcs: set[str]) -> Template:
    return Parser(name, text, funcs).parse()
