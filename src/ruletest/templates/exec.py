"""Executes a parsed Go template with Go's semantics (``text/template/exec.go``): pipelines pass
the previous result as the last argument, ``and``/``or`` short-circuit and return operands,
comparisons are type-strict, missing map keys read as zero values.

Work and output are bounded so a template can neither loop forever nor fill memory."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ruletest.gocompat import go_quote
from ruletest.templates import parse as P
from ruletest.templates.gofmt import action_text, eval_args, format_value, sprint, sprintf, sprintln
from ruletest.templates.gofunc import ANY, STRING, VALUE, can_be_nil, literal_error, value_error
from ruletest.templates.gofunc import GoFunc as Typed
from ruletest.templates.parse import TemplateError
from ruletest.templates.values import GoValue, LabelMap, go_type_name, is_true

MAX_STEPS = 200_000
MAX_OUTPUT = 1_000_000


class FuncError(Exception):
    """Raised by template functions; becomes ``error calling NAME: message``."""


class ArgTypeError(FuncError):
    """An argument of the wrong Go type, found by the function itself: Go reports it at that
    argument (or at the function for a piped final argument), without "error calling"."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class _Frame:
    """The variables of one template scope."""

    vars: list[tuple[str, Any]]


GoFunc = Callable[..., Any]


def _builtins() -> dict[str, GoFunc]:
    # text/template's builtins take reflect.Value (any value); arity is checked as Go checks it.
    return {
        "not": Typed(lambda x: not is_true(x), (VALUE,)),
        "len": Typed(_len, (VALUE,)),
        "index": Typed(_index, (VALUE,), VALUE),
        "slice": Typed(_slice, (VALUE,), VALUE),
        "print": Typed(lambda *a: sprint(list(a)), (), ANY),
        "printf": Typed(lambda f, *a: sprintf(_expect_str(f, "printf"), list(a)), (STRING,), ANY),
        "println": Typed(lambda *a: sprintln(list(a)), (), ANY),
        "html": Typed(lambda *a: _html_escape(eval_args(a)), (), ANY),
        "js": Typed(lambda *a: _js_escape(eval_args(a)), (), ANY),
        "urlquery": Typed(lambda *a: urllib.parse.quote_plus(eval_args(a), safe=""), (), ANY),
        "eq": Typed(_eq, (VALUE,), VALUE),
        "ne": Typed(lambda a, b: not _eq(a, b), (VALUE, VALUE)),
        "lt": Typed(_lt, (VALUE, VALUE)),
        "le": Typed(_le, (VALUE, VALUE)),
        # Go defines gt as !le and ge as !lt, so a NaN operand makes both true.
        "gt": Typed(lambda a, b: not _le(a, b), (VALUE, VALUE)),
        "ge": Typed(lambda a, b: not _lt(a, b), (VALUE, VALUE)),
        "and": lambda *a: a[-1],  # evaluated lazily in _call
        "or": lambda *a: a[-1],
        "call": Typed(_call_unsupported, (VALUE,), VALUE),
    }


_HTML_ESCAPES = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
_JS_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026",
               "=": "\\u003D"}


def _html_escape(s: str) -> str:
    """text/template's ``HTMLEscapeString``."""
    return "".join(_HTML_ESCAPES.get(ch, ch) for ch in s)


def _js_escape(s: str) -> str:
    """text/template's ``JSEscapeString``: quotes and backslashes escaped, ``<>&=`` and ASCII
    control characters as ``\\u00XX`` (upper-case hex), non-printable non-ASCII as ``\\uXXXX``."""
    out = []
    for ch in s:
        code = ord(ch)
        if ch in _JS_ESCAPES:
            out.append(_JS_ESCAPES[ch])
        elif code < 0x20:
            out.append(f"\\u00{code:02X}")
        elif code >= 0x80 and not (ch.isprintable() or ch == " "):
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return "".join(out)


def _call_unsupported(fn: Any, *_a: Any) -> Any:
    # Template data holds no Go functions, so text/template's call always fails.
    if fn is None:
        raise FuncError("call of nil")
    raise FuncError(f"non-function of type {go_type_name(fn)}")


def _expect_str(v: Any, what: str) -> str:
    if not isinstance(v, str):
        raise FuncError(f"wrong type for value; expected string; got {go_type_name(v)}")
    return v


def _len(v: Any) -> int:
    if v is None:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")  # Go panics on nil
    if isinstance(v, str):
        return len(v.encode())  # Go strings are byte sequences
    if isinstance(v, Mapping | list | tuple):
        return len(v)
    raise FuncError(f"len of type {go_type_name(v).removeprefix('*')}")  # Go follows the pointer


def _index(item: Any, *indices: Any) -> Any:
    for idx in indices:
        if item is None:
            raise FuncError("index of untyped nil")
        if isinstance(item, Mapping):
            if not isinstance(idx, str):
                raise FuncError(f"value has type {go_type_name(idx)}; should be string")
            item = item[idx] if idx in item else "" if isinstance(item, LabelMap) else None
        elif isinstance(item, list | tuple | str):
            seq: Any = item.encode() if isinstance(item, str) else item
            i = _index_arg(idx, len(seq))
            if i == len(seq):
                # indexArg lets the length through; reflect then panics.
                kind = "string" if isinstance(item, str) else "slice"
                raise FuncError(f"reflect: {kind} index out of range")
            item = seq[i]
        else:
            raise FuncError(f"can't index item of type {go_type_name(item)}")
    return item


def _slice(item: Any, *idx: Any) -> Any:
    """Go's ``slice``: strings are sliced by bytes; each index is checked against the capacity,
    then the order of the indexes."""
    if item is None:
        raise FuncError("slice of untyped nil")
    if len(idx) > 3:
        raise FuncError(f"too many slice indexes: {len(idx)}")
    if isinstance(item, str):
        if len(idx) == 3:
            raise FuncError("cannot 3-index slice a string")
        data: Any = item.encode()
    elif isinstance(item, list | tuple):
        data = item
    else:
        raise FuncError(f"can't slice item of type {go_type_name(item)}")
    bounds = [0, len(data), len(data)]
    for i, x in enumerate(idx):
        bounds[i] = _index_arg(x, len(data))
    if bounds[0] > bounds[1]:
        raise FuncError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    if len(idx) == 3 and bounds[1] > bounds[2]:
        raise FuncError(f"invalid slice index: {bounds[1]} > {bounds[2]}")
    part = data[bounds[0]:bounds[1]]
    # A cut through a UTF-8 sequence keeps the stray bytes, as Go's strings do.
    return part.decode("utf-8", "surrogateescape") if isinstance(item, str) else type(item)(part)


def _index_arg(x: Any, cap: int) -> int:
    if x is None:
        raise FuncError("cannot index slice/array with nil")
    if not isinstance(x, int) or isinstance(x, bool):
        raise FuncError(f"cannot index slice/array with type {go_type_name(x)}")
    if x < 0 or x > cap:
        raise FuncError(f"index out of range: {x}")
    return x


def _basic_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "other"


def _eq(a: Any, *others: Any) -> bool:
    """Go ``eq``: true if a equals any of the others; kinds must match."""
    if not others:
        raise FuncError("missing argument for comparison")
    ka = _basic_kind(a)
    for b in others:
        kb = _basic_kind(b)
        if ka != kb:
            if a is not None and b is not None:
                raise FuncError("incompatible types for comparison")
            continue
        if ka == "other":
            if isinstance(a, Mapping | list | tuple) or isinstance(b, Mapping | list | tuple):
                raise FuncError(f"non-comparable type {format_value(b)}: {go_type_name(b)}")
            if a is b:
                return True
            continue
        if a == b:
            return True
    return False


def _lt(a: Any, b: Any) -> bool:
    ka, kb = _basic_kind(a), _basic_kind(b)
    if ka == "other" or kb == "other":
        raise FuncError("invalid type for comparison")
    if ka != kb:
        raise FuncError("incompatible types for comparison")
    if ka == "bool":
        raise FuncError("invalid type for comparison")
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return _lt(a, b) or _eq(a, b)


BUILTIN_NAMES = frozenset(_builtins())


def _go_method(receiver: Any, name: str) -> GoFunc | None:
    """A Go method of ``receiver`` (values that define ``go_method``, e.g. Alertmanager's KV)."""
    lookup = getattr(receiver, "go_method", None)
    return lookup(name) if lookup is not None else None


# Output escaper (html/template): (output so far, value, its text form, the function ending the
# action's pipeline or "") -> the text to write.
Escaper = Callable[[list[str], Any, str, str], str]


class Executor:
    def __init__(self, tmpl: P.Template, funcs: Mapping[str, GoFunc], escaper: Escaper | None = None, *,
                 range_over_int: bool = True) -> None:
        self.tmpl = tmpl
        self.range_over_int = range_over_int  # Go 1.22+ (Prometheus 3); promtool 2.42's Go 1.19 refuses
        self.funcs = {**_builtins(), **funcs}
        self.escaper = escaper
        self.out: list[str] = []
        self.size = 0
        self.steps = 0
        self.depth = 0
        self._pipe: P.PipeNode | None = None  # the pipeline being evaluated (Go's s.at(pipe))
        # The template being executed (its name) and the parse it came from (for locations).
        self.current = tmpl.name
        self.source = tmpl

    # --- errors -----------------------------------------------------------------------------

    def error(self, node: P.Node, msg: str) -> TemplateError:
        loc = self.source.location(node.pos)
        return TemplateError(f'template: {loc}: executing "{self.current}" at <{_node_text(node)}>: {msg}')

    def _tick(self, node: P.Node) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.error(node, f"template execution exceeded {MAX_STEPS} steps")

    def write(self, s: str) -> None:
        self.size += len(s)
        if self.size > MAX_OUTPUT:
            raise TemplateError(f"template: {self.tmpl.name}: output exceeds {MAX_OUTPUT} bytes")
        self.out.append(s)

    # --- walking ----------------------------------------------------------------------------

    def run(self, data: Any) -> str:
        frame = _Frame([("$", data)])
        self.walk(data, self.tmpl.root, frame)
        return "".join(self.out)

    def walk(self, dot: Any, node: P.Node, frame: _Frame) -> None:
        self._tick(node)
        if isinstance(node, P.ListNode):
            for n in node.nodes:
                self.walk(dot, n, frame)
        elif isinstance(node, P.TextNode):
            self.write(node.text)
        elif isinstance(node, P.ActionNode):
            value = self.eval_pipeline(dot, node.pipe, frame)
            if not node.pipe.decl:
                text = _print_value(value)
                if self.escaper is not None:
                    last = node.pipe.cmds[-1].args[0] if node.pipe.cmds else None
                    text = self.escaper(self.out, value, text, last.name if isinstance(last, P.IdentifierNode) else "")
                self.write(text)
        elif isinstance(node, P.BranchNode):
            self.walk_branch(dot, node, frame)
        elif isinstance(node, P.TemplateNode):
            body = self.tmpl.defines.get(node.name)
            if body is None:
                raise self.error(node, f"template {go_quote(node.name)} not defined")
            new_dot = self.eval_pipeline(dot, node.pipe, frame) if node.pipe is not None else None
            self.depth += 1
            if self.depth > 100:
                raise self.error(node, "exceeded maximum template depth (100)")
            saved = self.current, self.source
            self.current, self.source = node.name, self.tmpl.origins.get(node.name, self.source)
            try:
                self.walk(new_dot, body, _Frame([("$", new_dot)]))
            finally:
                self.depth -= 1
                self.current, self.source = saved
        elif isinstance(node, P.BreakNode):
            raise _Break()
        elif isinstance(node, P.ContinueNode):
            raise _Continue()
        else:
            raise self.error(node, f"unknown node {type(node).__name__}")

    def walk_branch(self, dot: Any, node: P.BranchNode, frame: _Frame) -> None:
        mark = len(frame.vars)
        try:
            value = self.eval_pipeline(dot, node.pipe, frame)
            if node.kind == "range":
                self.walk_range(dot, node, value, frame, mark)
                return
            if is_true(value):
                self.walk(value if node.kind == "with" else dot, node.body, frame)
            elif node.else_list is not None:
                self.walk(dot, node.else_list, frame)
        finally:
            del frame.vars[mark:]

    def walk_range(self, dot: Any, node: P.BranchNode, value: Any, frame: _Frame, mark: int) -> None:
        items: list[tuple[Any, Any]]
        if value is None:
            items = []
        elif isinstance(value, Mapping):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list | tuple):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and self.range_over_int:
            items = [(i, i) for i in range(value)]
        else:
            # Go reports it at the last node it evaluated: the pipeline's last operand.
            last = node.pipe.cmds[-1].args[-1] if node.pipe.cmds and node.pipe.cmds[-1].args else node
            raise self.error(last, f"range can't iterate over {format_value(value)}")
        if not items:
            if node.else_list is not None:
                self.walk(dot, node.else_list, frame)
            return
        decl = node.pipe.decl
        for key, elem in items:
            inner = len(frame.vars)
            if len(decl) == 1:
                self._set_var(frame, decl[0].idents[0], elem, node.pipe.is_assign)
            elif len(decl) == 2:
                self._set_var(frame, decl[0].idents[0], key, node.pipe.is_assign)
                self._set_var(frame, decl[1].idents[0], elem, node.pipe.is_assign)
            try:
                self.walk(elem, node.body, frame)
            except _Continue:
                pass
            except _Break:
                break
            finally:
                del frame.vars[max(inner, mark + len(decl)):]

    @staticmethod
    def _set_var(frame: _Frame, name: str, value: Any, assign: bool) -> None:
        if assign:
            for i in range(len(frame.vars) - 1, -1, -1):
                if frame.vars[i][0] == name:
                    frame.vars[i] = (name, value)
                    return
        frame.vars.append((name, value))

    # --- pipelines ----------------------------------------------------------------------------

    def eval_pipeline(self, dot: Any, pipe: P.PipeNode, frame: _Frame) -> Any:
        self._pipe = pipe
        value: Any = _NO_FINAL
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value, frame)
        for var in pipe.decl:
            if len(pipe.decl) == 1:
                self._set_var(frame, var.idents[0], value, pipe.is_assign)
        return value

    def eval_command(self, dot: Any, cmd: P.CommandNode, final: Any, frame: _Frame) -> Any:
        self._tick(cmd)
        first = cmd.args[0]
        if isinstance(first, P.FieldNode):
            return self.eval_field_chain(dot, dot, first, first.idents, cmd.args, final, frame)
        if isinstance(first, P.ChainNode):
            base = self.eval_arg(dot, first.node, frame)
            return self.eval_field_chain(dot, base, first, first.fields, cmd.args, final, frame)
        if isinstance(first, P.IdentifierNode):
            return self.call(dot, first, cmd.args[1:], final, frame, cmd)
        if isinstance(first, P.PipeNode):
            if len(cmd.args) > 1 or final is not _NO_FINAL:
                # Go reports this at the enclosing pipeline (the last node it was "at").
                raise self.error(self._pipe or first, "can't give argument to non-function " + str(first))
            return self.eval_pipeline(dot, first, frame)
        if isinstance(first, P.VariableNode):
            value = self._lookup_var(first, frame)
            return self.eval_field_chain(dot, value, first, first.idents[1:], cmd.args, final, frame)
        if len(cmd.args) > 1 or final is not _NO_FINAL:
            raise self.error(first, f"can't give argument to non-function {first}")
        if isinstance(first, P.NilNode):
            raise self.error(first, "nil is not a command")
        return self.eval_arg(dot, first, frame)

    def _lookup_var(self, node: P.VariableNode, frame: _Frame) -> Any:
        name = node.idents[0]
        for n, v in reversed(frame.vars):
            if n == name:
                return v
        raise self.error(node, f"undefined variable: {name}")

    def eval_field_chain(self, dot: Any, receiver: Any, node: P.Node, idents: list[str],
                         args: list[P.Node], final: Any, frame: _Frame | None = None) -> Any:
        if not idents:
            if len(args) > 1 or final is not _NO_FINAL:
                raise self.error(node, f"can't give argument to non-function {_node_text(args[0])}")
            return receiver
        value = receiver
        for i, name in enumerate(idents):
            is_last = i == len(idents) - 1
            method = _go_method(value, name)
            if method is not None:
                call_args: list[Any] = []
                if is_last:
                    call_args = [self.eval_arg(dot, a, frame or _Frame([("$", dot)])) for a in args[1:]]
                    if final is not _NO_FINAL:
                        call_args.append(final)
                value = self._call_method(node, name, method, call_args)
                continue
            if is_last and (len(args) > 1 or final is not _NO_FINAL):
                raise self.error(node, f"{name} is not a method but has arguments")
            value = self.eval_field(node, name, value)
        return value

    def _call_method(self, node: P.Node, name: str, method: GoFunc, args: list[Any]) -> Any:
        want = getattr(method, "go_arity", None)
        if want is not None and want != len(args):
            raise self.error(node, f"wrong number of args for {name}: want {want} got {len(args)}")
        try:
            return method(*args)
        except FuncError as exc:
            raise self.error(node, str(exc)) from None

    def eval_field(self, node: P.Node, name: str, receiver: Any) -> Any:
        if receiver is None:
            raise self.error(node, f"nil pointer evaluating interface {{}}.{name}")
        if isinstance(receiver, LabelMap):
            return receiver.get(name, "")
        if isinstance(receiver, Mapping):
            return receiver.get(name)
        if isinstance(receiver, GoValue):
            found, value = receiver.field(name)
            if found:
                return value
            raise self.error(node, f"can't evaluate field {name} in type {receiver.type_name}")
        raise self.error(node, f"can't evaluate field {name} in type {go_type_name(receiver)}")

    def call(self, dot: Any, ident: P.IdentifierNode, arg_nodes: list[P.Node], final: Any,
             frame: _Frame, cmd: P.CommandNode) -> Any:
        name = ident.name
        fn = self.funcs.get(name)
        if fn is None:
            raise self.error(ident, f'"{name}" is not a defined function')
        if name in ("and", "or"):
            nodes = list(arg_nodes)
            if not nodes and final is _NO_FINAL:
                raise self.error(cmd, f"wrong number of args for {name}: want at least 1 got 0")
            value: Any = None
            for n in nodes:
                value = self.eval_arg(dot, n, frame)
                truth = is_true(value)
                if (name == "and" and not truth) or (name == "or" and truth):
                    return value
            if final is not _NO_FINAL:
                value = final
            return value
        if isinstance(fn, Typed):
            args = self._typed_args(dot, fn, ident, arg_nodes, final, frame)
        else:
            args = [self.eval_arg(dot, n, frame) for n in arg_nodes]
            if final is not _NO_FINAL:
                args.append(final)
        try:
            return fn(*args)
        except ArgTypeError as exc:
            at: P.Node = arg_nodes[exc.index] if exc.index < len(arg_nodes) else ident
            raise self.error(at, str(exc)) from None
        except FuncError as exc:
            raise self.error(cmd, f"error calling {name}: {exc}") from None
        except TemplateError:
            raise
        except TypeError as exc:
            raise self.error(cmd, f"wrong number of args for {name}: {exc}") from None
        except (ValueError, ArithmeticError, KeyError, IndexError) as exc:
            raise self.error(cmd, f"error calling {name}: {exc}") from None

    def _typed_args(self, dot: Any, fn: Typed, ident: P.IdentifierNode, arg_nodes: list[P.Node], final: Any,
                    frame: _Frame) -> list[Any]:
        """Arguments checked like Go's evalCall: arity at the function's name, then each argument
        against its parameter type at the argument (the pipeline's value at the last argument)."""
        problem = fn.arity_error(ident.name, len(arg_nodes), final is not _NO_FINAL)
        if problem is not None:
            raise self.error(ident, problem)
        args = []
        at: P.Node = ident
        for i, node in enumerate(arg_nodes):
            at = node
            args.append(self._typed_arg(dot, fn.param(i), node, frame))
        if final is not _NO_FINAL:
            last = len(arg_nodes)
            typ = fn.params[last] if last < len(fn.params) else fn.param(last)
            problem = value_error(final, typ)
            if problem is not None:
                raise self.error(at, problem)
            args.append(final)
        return args

    def _typed_arg(self, dot: Any, typ: str, node: P.Node, frame: _Frame) -> Any:
        if isinstance(node, P.NilNode):
            if can_be_nil(typ):
                return None
            raise self.error(node, f"cannot assign nil to {typ}")
        kind = _literal_kind(node)
        if kind is not None:
            problem = literal_error(typ, kind, str(node))
            if problem is not None:
                raise self.error(node, problem)
            return self.eval_arg(dot, node, frame)
        value = self.eval_arg(dot, node, frame)
        problem = value_error(value, typ)
        if problem is not None:
            raise self.error(node, problem)
        return value

    def eval_arg(self, dot: Any, node: P.Node, frame: _Frame) -> Any:
        self._tick(node)
        if isinstance(node, P.DotNode):
            return dot
        if isinstance(node, P.NilNode):
            return None
        if isinstance(node, P.BoolNode):
            return node.value
        if isinstance(node, P.StringNode):
            return node.value
        if isinstance(node, P.NumberNode):
            if not node.is_int and not any(c in node.text for c in ".eEpP"):
                raise self.error(node, f"{node.text} overflows int")  # Go's idealConstant
            return ideal_constant(node)
        if isinstance(node, P.FieldNode):
            return self.eval_field_chain(dot, dot, node, node.idents, [node], _NO_FINAL)
        if isinstance(node, P.VariableNode):
            value = self._lookup_var(node, frame)
            return self.eval_field_chain(dot, value, node, node.idents[1:], [node], _NO_FINAL)
        if isinstance(node, P.PipeNode):
            return self.eval_pipeline(dot, node, frame)
        if isinstance(node, P.ChainNode):
            base = self.eval_arg(dot, node.node, frame)
            return self.eval_field_chain(dot, base, node, node.fields, [node], _NO_FINAL)
        if isinstance(node, P.IdentifierNode):
            return self.call(dot, node, [], _NO_FINAL, frame, P.CommandNode(node.pos, [node]))
        raise self.error(node, f"can't handle {_node_text(node)}")


def _literal_kind(node: P.Node) -> str | None:
    if isinstance(node, P.BoolNode):
        return "bool"
    if isinstance(node, P.NumberNode):
        return "int-number" if node.is_int else "number"
    if isinstance(node, P.StringNode):
        return "string"
    return None


class _NoFinal:
    pass


_NO_FINAL: Any = _NoFinal()


def ideal_constant(node: P.NumberNode) -> Any:
    """Go's untyped number constants: ``1000`` is an int, ``1000.0`` / ``1e3`` are float64."""
    text = node.text.lower()
    if node.is_float and not text.lstrip("+-").startswith("0x") and any(c in text for c in ".ep"):
        return node.float_value
    if node.is_int:
        return node.int_value
    return node.float_value


def _print_value(v: Any) -> str:
    return action_text(None if v is _NO_FINAL else v)


def _node_text(node: P.Node) -> str:
    return str(node)
