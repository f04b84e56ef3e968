"""Go function signatures for template functions, so calls are checked the way text/template's
``evalCall`` checks them (``text/template/exec.go``): the number of arguments, then each argument
against its parameter type, before the function runs. A literal of the wrong kind is "expected
string; found 1", a computed value of the wrong type is "wrong type for value; expected string;
got int", and neither is an "error calling" the function (that prefix is for errors the
function itself returns)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ruletest.records import record
from ruletest.templates.values import go_type_name

# Go type names of the parameters template functions have.
ANY = "interface {}"
VALUE = "reflect.Value"  # text/template builtins take any value
STRING = "string"
SAMPLE = "*template.sample"
QUERY_RESULT = "template.queryResult"

_NILABLE = {ANY, VALUE, SAMPLE, QUERY_RESULT}  # a zero reflect.Value is how Go passes nil


@record
class GoFunc:
    """A template function with its Go parameter types (``variadic``: the element type of a
    final ``...T`` parameter)."""

    fn: Callable[..., Any]
    params: tuple[str, ...] = ()
    variadic: str | None = None

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def arity_error(self, name: str, n_args: int, has_final: bool) -> str | None:
        n_in = n_args + (1 if has_final else 0)
        if self.variadic is not None:
            if n_in < len(self.params):
                return f"wrong number of args for {name}: want at least {len(self.params)} got {n_args}"
            return None
        if n_in != len(self.params):
            return f"wrong number of args for {name}: want {len(self.params)} got {n_in}"
        return None

    def param(self, i: int) -> str:
        if i < len(self.params):
            return self.params[i]
        assert self.variadic is not None
        return self.variadic


def can_be_nil(typ: str) -> bool:
    return typ in _NILABLE


def literal_error(typ: str, kind: str, text: str) -> str | None:
    """Why a literal argument (``kind``: bool, number, int-number, string) cannot be passed as
    ``typ`` (text/template's evalString/evalInteger/evalBool), or None when it can."""
    if typ in (ANY, VALUE):
        return None
    if typ == STRING:
        return None if kind == "string" else f"expected string; found {text}"
    if typ in ("int", "float64", "bool"):
        wanted = {"int": "integer", "float64": "float", "bool": "bool"}[typ]
        ok = (typ == "int" and kind == "int-number") or (typ == "float64" and kind in ("number", "int-number")) or (
            typ == "bool" and kind == "bool")
        return None if ok else f"expected {wanted}; found {text}"
    return f"can't handle {text} for arg of type {typ}"


def value_error(value: Any, typ: str) -> str | None:
    """Why a computed value cannot be passed as ``typ`` (text/template's validateType)."""
    if typ in (ANY, VALUE):
        return None
    if value is None:
        return None if can_be_nil(typ) else f"invalid value; expected {typ}"
    got = go_type_name(value)
    return None if got == typ else f"wrong type for value; expected {typ}; got {got}"
