"""Lexer and parser for Go ``text/template``, producing the node types of Go's
``text/template/parse`` package (so error messages can quote nodes the way Go does)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ruletest.errors import RuletestError


class TemplateError(RuletestError):
    """A template parse or execution error, with Go's message text."""


# --- nodes ----------------------------------------------------------------------------------


@dataclass
class Node:
    pos: int


@dataclass
class TextNode(Node):
    text: str


@dataclass
class ListNode(Node):
    nodes: list[Node] = field(default_factory=list)


@dataclass
class DotNode(Node):
    def __str__(self) -> str:
        return "."


@dataclass
class NilNode(Node):
    def __str__(self) -> str:
        return "nil"


@dataclass
class BoolNode(Node):
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass
class NumberNode(Node):
    text: str
    is_int: bool
    int_value: int
    is_float: bool
    float_value: float

    def __str__(self) -> str:
        return self.text


@dataclass
class StringNode(Node):
    quoted: str
    value: str

    def __str__(self) -> str:
        return self.quoted


@dataclass
class FieldNode(Node):
    idents: list[str]

    def __str__(self) -> str:
        return "".join("." + i for i in self.idents)


@dataclass
class VariableNode(Node):
    idents: list[str]  # idents[0] is the variable name, with '$'

    def __str__(self) -> str:
        return ".".join(self.idents)


@dataclass
class IdentifierNode(Node):
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class ChainNode(Node):
    node: Node
    fields: list[str]

    def __str__(self) -> str:
        inner = str(self.node)
        if isinstance(self.node, PipeNode):
            inner = "(" + inner + ")"
        return inner + "".join("." + f for f in self.fields)


@dataclass
class CommandNode(Node):
    args: list[Node]

    def __str__(self) -> str:
        parts = []
        for a in self.args:
            s = str(a)
            parts.append("(" + s + ")" if isinstance(a, PipeNode) else s)
        return " ".join(parts)


@dataclass
class PipeNode(Node):
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
    pipe: PipeNode

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass
class BranchNode(Node):
    kind: str  # if / range / with
    pipe: PipeNode
    body: ListNode
    else_list: ListNode | None


@dataclass
class TemplateNode(Node):
    name: str
    pipe: PipeNode | None

    def __str__(self) -> str:
        from ruletest.goquote import go_quote

        if self.pipe is None:
            return "{{template " + go_quote(self.name) + "}}"
        return "{{template " + go_quote(self.name) + " " + str(self.pipe) + "}}"


@dataclass
class BreakNode(Node):
    pass


@dataclass
class ContinueNode(Node):
    pass


@dataclass
class Template:
    name: str
    text: str
    root: ListNode
    defines: dict[str, ListNode]
    # Where each define was parsed, when a set combines several files: errors inside a define
    # name that file (Go's ParseName) and the define (``executing "x"``), as Go does.
    origins: dict[str, Template] = field(default_factory=dict)

    def location(self, pos: int) -> str:
        """Go ``ErrorContext``: ``name:line:col`` for a byte offset."""
        before = self.text[:pos]
        line = before.count("\n") + 1
        last_nl = before.rfind("\n")
        col = pos if last_nl < 0 else pos - last_nl - 1
        return f"{self.name}:{line}:{col}"


# --- lexer ----------------------------------------------------------------------------------

_NUMBER_RE = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?\d+)?|0[bB][01_]+|0[oO][0-7_]+|"
    r"(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)i?")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Token:
    kind: str  # text, left, right, space, ident, field, variable, string, raw, char, number, bool, nil,
    #           dot, pipe, lparen, rparen, declare, assign, comma, keyword, eof
    value: str
    pos: int


_KEYWORDS = {"block", "break", "continue", "define", "else", "end", "if", "range", "nil", "template", "with"}


def _lex(name: str, text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    while pos < n:
        start = text.find("{{", pos)
        if start < 0:
            tokens.append(Token("text", text[pos:], pos))
            break
        trim_left = text.startswith("{{- ", start) or text.startswith("{{-\t", start) or \
            text.startswith("{{-\n", start) or text.startswith("{{-\r", start)
        chunk = text[pos:start]
        if trim_left:
            chunk = chunk.rstrip(" \t\r\n")
        if chunk:
            tokens.append(Token("text", chunk, pos))
        inner = start + (3 if trim_left else 2)
        # Comments.
        probe = inner
        while probe < n and text[probe] in " \t\r\n" and trim_left:
            probe += 1
        if text.startswith("/*", probe if trim_left else inner):
            cstart = probe if trim_left else inner
            cend = text.find("*/", cstart + 2)
            if cend < 0:
                raise TemplateError(f"template: {name}:{_line(text, start)}: unclosed comment")
            after = cend + 2
            trim_right = False
            if text.startswith(" -}}", after):
                trim_right, after = True, after + 4
            elif text.startswith("}}", after):
                after += 2
            else:
                raise TemplateError(f"template: {name}:{_line(text, start)}: comment ends before closing delimiter")
            pos = after
            if trim_right:
                while pos < n and text[pos] in " \t\r\n":
                    pos += 1
            continue
        tokens.append(Token("left", "{{", start))
        pos = _lex_action(name, text, inner, tokens)
    tokens.append(Token("eof", "", n))
    return tokens


def _line(text: str, pos: int) -> int:
    return text[:pos].count("\n") + 1


def _lex_action(name: str, text: str, pos: int, tokens: list[Token]) -> int:
    n = len(text)
    paren = 0
    while True:
        if pos >= n:
            raise TemplateError(f"template: {name}:{_line(text, pos)}: unclosed action")
        c = text[pos]
        if text.startswith(" -}}", pos) or text.startswith("\t-}}", pos) or text.startswith("\n-}}", pos):
            tokens.append(Token("right", "}}", pos))
            pos += 4
            while pos < n and text[pos] in " \t\r\n":
                pos += 1
            return pos
        if text.startswith("}}", pos):
            # An unclosed '(' is reported by the parser, like Go's (whose lexer runs lazily).
            tokens.append(Token("right", "}}", pos))
            return pos + 2
        if c in " \t\r\n":
            j = pos
            while j < n and text[j] in " \t\r\n" and not text.startswith(" -}}", j):
                j += 1
            if j == pos:
                j = pos + 1
            tokens.append(Token("space", text[pos:j], pos))
            pos = j
            continue
        if c == "|":
            tokens.append(Token("pipe", c, pos))
            pos += 1
        elif c == "(":
            paren += 1
            tokens.append(Token("lparen", c, pos))
            pos += 1
        elif c == ")":
            paren -= 1
            if paren < 0:
                raise TemplateError(f"template: {name}:{_line(text, pos)}: unexpected right paren")
            tokens.append(Token("rparen", c, pos))
            pos += 1
        elif c == ",":
            tokens.append(Token("comma", c, pos))
            pos += 1
        elif text.startswith(":=", pos):
            tokens.append(Token("declare", ":=", pos))
            pos += 2
        elif c == "=":
            tokens.append(Token("assign", "=", pos))
            pos += 1
        elif c == '"':
            j = pos + 1
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                if j < n and text[j] == "\n":
                    raise TemplateError(f"template: {name}:{_line(text, pos)}: unterminated quoted string")
                j += 1
            if j >= n:
                raise TemplateError(f"template: {name}:{_line(text, pos)}: unterminated quoted string")
            tokens.append(Token("string", text[pos:j + 1], pos))
            pos = j + 1
        elif c == "`":
            j = text.find("`", pos + 1)
            if j < 0:
                raise TemplateError(f"template: {name}:{_line(text, pos)}: unterminated raw quoted string")
            tokens.append(Token("raw", text[pos:j + 1], pos))
            pos = j + 1
        elif c == "'":
            j = pos + 1
            while j < n and text[j] != "'":
                if text[j] == "\\":
                    j += 1
                j += 1
            tokens.append(Token("char", text[pos:j + 1], pos))
            pos = j + 1
        elif c == "$":
            m = _IDENT_RE.match(text, pos + 1)
            end = m.end() if m else pos + 1
            tokens.append(Token("variable", text[pos:end], pos))
            pos = end
        elif c == ".":
            if pos + 1 < n and text[pos + 1].isdigit():
                m = _NUMBER_RE.match(text, pos)
                assert m is not None
                tokens.append(Token("number", m.group(0), pos))
                pos = m.end()
                continue
            m = _IDENT_RE.match(text, pos + 1)
            if m:
                tokens.append(Token("field", text[pos:m.end()], pos))
                pos = m.end()
            else:
                tokens.append(Token("dot", ".", pos))
                pos += 1
        elif c.isdigit() or (c in "+-" and pos + 1 < n and (text[pos + 1].isdigit() or text[pos + 1] == ".")):
            m = _NUMBER_RE.match(text, pos)
            if not m:
                raise TemplateError(f"template: {name}:{_line(text, pos)}: bad number syntax")
            tokens.append(Token("number", m.group(0), pos))
            pos = m.end()
        elif c.isalpha() or c == "_":
            m = _IDENT_RE.match(text, pos)
            assert m is not None
            word = m.group(0)
            if word in ("true", "false"):
                tokens.append(Token("bool", word, pos))
            elif word in _KEYWORDS:
                tokens.append(Token("keyword", word, pos))
            else:
                tokens.append(Token("ident", word, pos))
            pos = m.end()
        elif c.isascii() and c.isprintable():
            # Go's lexer emits any other printable ASCII character as an item the parser then
            # refuses ("unexpected \"}\" in operand").
            tokens.append(Token("punct", c, pos))
            pos += 1
        else:
            raise TemplateError(f"template: {name}:{_line(text, pos)}: unexpected {c!r} in command")


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


def _parse_number(tok: Token, name: str, text: str) -> NumberNode:
    raw = tok.value
    t = raw.replace("_", "")
    if t.endswith("i"):
        raise TemplateError(f"template: {name}:{_line(text, tok.pos)}: complex numbers are not supported")
    try:
        value = int(t, 0)
        return NumberNode(tok.pos, raw, True, value, True, float(value))
    except ValueError:
        pass
    try:
        f = float.fromhex(t) if t.lower().lstrip("+-").startswith("0x") else float(t)
    except ValueError:
        raise TemplateError(f"template: {name}:{_line(text, tok.pos)}: illegal number syntax: {raw!r}") from None
    is_int = f == f and abs(f) < 2**63 and float(int(f)) == f
    return NumberNode(tok.pos, raw, is_int, int(f) if is_int else 0, True, f)


class Parser:
    def __init__(self, name: str, text: str, funcs: set[str]) -> None:
        self.name = name
        self.text = text
        self.funcs = funcs
        self.tokens = _lex(name, text)
        self.i = 0
        self.defines: dict[str, ListNode] = {}
        self.vars: list[str] = ["$"]

    @staticmethod
    def item(tok: Token) -> str:
        """Go's item.String(): keywords as <kw>, other tokens quoted."""
        if tok.kind == "keyword" or tok.kind == "dot":
            return f"<{tok.value}>"
        if tok.kind == "eof":
            return "EOF"
        if len(tok.value) > 10:
            return '"' + tok.value[:10].replace('"', '\\"') + '"...'
        return '"' + tok.value.replace('"', '\\"') + '"'

    def error(self, tok: Token | None, msg: str) -> TemplateError:
        pos = tok.pos if tok is not None else len(self.text)
        return TemplateError(f"template: {self.name}:{_line(self.text, pos)}: {msg}")

    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def peek_non_space(self) -> Token:
        while self.tokens[self.i].kind == "space":
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
            raise self.error(tok, f"unexpected {tok.value!r}")
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
                self._expect_right(kw.value)
                return (BreakNode(kw.pos) if kw.value == "break" else ContinueNode(kw.pos)), None
            if kw.value == "define":
                raise self.error(kw, "unexpected define: definitions are only allowed at top level")
        pipe = self._pipeline("command", allow_decl=True)
        return ActionNode(tok.pos, pipe), None

    def _branch(self, kw: Token) -> Node:
        depth = len(self.vars)
        pipe = self._pipeline(kw.value, allow_decl=True, allow_range_pair=kw.value == "range")
        body, stop = self._item_list()
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
            pipe = self._pipeline("template", allow_decl=False)
        else:
            self.next_non_space()
        if kw.value == "block":
            body, stop = self._item_list()
            if stop is None or stop.value != "end":
                raise self.error(stop, "unexpected EOF")
            self._expect_right("end")
            self.defines[name] = body
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
        while True:
            tok = self.peek_non_space()
            if tok.kind in ("right", "rparen"):
                if tok.kind == "right":
                    self.next_non_space()
                break
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
                raise self.error(tok, f'function "{tok.value}" not defined')
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
            try:
                ch = unquote('"' + tok.value[1:-1].replace('"', '\\"') + '"')
            except ValueError:
                raise self.error(tok, f"malformed character constant: {tok.value}") from None
            return NumberNode(tok.pos, tok.value, True, ord(ch), True, float(ord(ch)))
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
