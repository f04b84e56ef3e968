"""``fmt.Sprint``/``Sprintf``/``Sprintln`` over template values (``fmt/print.go``: ``doPrintf``,
``printArg``, ``printValue``, ``badVerb``), and how text/template prints an action's result.

The per-verb number, string and quoting work is ``ruletest.gocompat``'s; this module decides
which of it applies to each template value kind (string, float64, int, bool, maps, query
results, samples, times) and writes Go's ``%!verb(type=value)`` error forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruletest.gocompat import (
    PLAIN,
    FmtSpec,
    fmt_bool,
    fmt_char,
    fmt_float,
    fmt_integer,
    fmt_quoted_char,
    fmt_string,
    fmt_unicode,
    format_go_duration,
    format_go_time,
    pad,
)
from ruletest.templates.values import (
    DurationValue,
    GoValue,
    HistogramValue,
    HTMLString,
    PointerValue,
    StructValue,
    TimeValue,
    go_type_name,
)

# A pointer below the top level prints as its address (fmt.fmtPointer), which differs from run to
# run in Go; any fixed address keeps the shape.
_ADDRESS = "0xc000010000"


def format_value(v: Any) -> str:
    """``fmt.Sprint(v)`` of one value (Go's ``%v``)."""
    return print_arg(v, "v", PLAIN)


def print_arg(arg: Any, verb: str, spec: FmtSpec, depth: int = 0, erroring: bool = False) -> str:
    """``pp.printArg`` (depth 0) / ``pp.printValue`` (deeper): ``arg`` formatted for ``verb``.
    A value whose type defines ``go_format(verb)`` formats itself, as a Go ``fmt.Formatter`` does
    (Alertmanager's ``KV``, ``Pairs``, ``time.Time``...)."""
    own = getattr(type(arg), "go_format", None)
    if own is not None and not erroring:
        return pad(spec, arg.go_format(verb))
    if arg is None:
        if depth > 0:
            return "<nil>"
        if verb in "Tv":
            return pad(spec, "<nil>")
        return _bad_verb(verb, arg, spec)
    if depth == 0 and verb == "w":
        return _bad_verb(verb, arg, spec, erroring)  # %w is for fmt.Errorf only
    if depth == 0 and verb == "T":
        return fmt_string(spec.with_(sharp_v=False), go_type_name(arg), "s") or ""
    if isinstance(arg, bool):
        return fmt_bool(spec, arg) if verb in "tv" else _bad_verb(verb, arg, spec, erroring)
    if isinstance(arg, float):
        return _float(arg, verb, spec, erroring)
    if isinstance(arg, int):
        return _integer(arg, verb, spec, erroring)
    if isinstance(arg, str):
        out = fmt_string(spec, str(arg), verb)
        return out if out is not None else _bad_verb(verb, arg, spec, erroring)
    if isinstance(arg, TimeValue | DurationValue):
        if not erroring and verb in "vsxXq":
            # Stringers (time.Time.String, time.Duration.String) for the string-like verbs.
            text = format_go_time(arg.ms) if isinstance(arg, TimeValue) else format_go_duration(arg.ns)
            return fmt_string(spec, text, verb) or ""
        if isinstance(arg, TimeValue) and depth == 0:
            return "&" + _time_struct(arg, verb, spec)
        return _ADDRESS
    if isinstance(arg, HistogramValue):
        if not erroring and verb in "vsxXq":
            return fmt_string(spec, arg.text, verb) or ""  # its String() method
        return _bad_verb(verb, arg, spec, erroring)
    if isinstance(arg, Mapping):
        return _map(arg, verb, spec, depth)
    if isinstance(arg, list | tuple):
        return "[" + " ".join(print_arg(x, verb, spec, depth + 1) for x in arg) + "]"
    if isinstance(arg, PointerValue):
        if depth > 0:
            return _ADDRESS
        return "&" + print_arg(arg.target, verb, spec, depth + 1)
    if isinstance(arg, StructValue):
        parts = []
        for name, value in arg.fields.items():
            prefix = name + ":" if spec.plus_v or spec.sharp_v else ""
            parts.append(prefix + print_arg(value, verb, spec, depth + 1))
        return "{" + " ".join(parts) + "}"
    if isinstance(arg, GoValue):
        return _bad_verb(verb, arg, spec, erroring)
    return _bad_verb(verb, arg, spec, erroring)


_UNIX_TO_INTERNAL = 62135596800  # seconds from year 1 to 1970 (time.unixToInternal)


def _time_struct(t: TimeValue, verb: str, spec: FmtSpec) -> str:
    """A ``time.Time`` printed field by field, as fmt does when it does not call ``String``:
    ``{wall ext loc}`` (for a UTC time without monotonic reading: nanoseconds, seconds since
    year 1, nil location)."""
    secs, ms = divmod(t.ms, 1000)
    fields = [("wall", _typed_int(ms * 1_000_000, "uint64", verb, spec)),
              ("ext", _typed_int(secs + _UNIX_TO_INTERNAL, "int64", verb, spec)),
              ("loc", _nil_pointer("*time.Location", verb, spec))]
    return "{" + " ".join((name + ":" if spec.plus_v or spec.sharp_v else "") + text for name, text in fields) + "}"


def _typed_int(v: int, type_name: str, verb: str, spec: FmtSpec) -> str:
    if verb in "vdboOxXcqU":
        return _integer(v, verb, spec, False)
    return f"%!{verb}({type_name}={fmt_integer(spec, v, 10, 'v')})"


def _nil_pointer(type_name: str, verb: str, spec: FmtSpec) -> str:
    if verb == "v":
        return pad(spec, "<nil>")
    if verb == "p":
        return fmt_integer(spec.with_(sharp=not spec.sharp), 0, 16, "x")
    if verb in "bodxX":
        return fmt_integer(spec, 0, {"b": 2, "o": 8, "d": 10}.get(verb, 16), verb, upper=verb == "X")
    return f"%!{verb}({type_name}={pad(spec, '<nil>')})"


def _float(v: float, verb: str, spec: FmtSpec, erroring: bool) -> str:
    if verb == "v":
        return fmt_float(spec, v, "g", -1)
    if verb in "bgGxX":
        return fmt_float(spec, v, verb, -1)
    if verb in "feE":
        return fmt_float(spec, v, verb, 6)
    if verb == "F":
        return fmt_float(spec, v, "f", 6)
    return _bad_verb(verb, v, spec, erroring)


def _integer(v: int, verb: str, spec: FmtSpec, erroring: bool) -> str:
    if verb in "vd":
        return fmt_integer(spec, v, 10, verb)
    if verb == "b":
        return fmt_integer(spec, v, 2, verb)
    if verb in "oO":
        return fmt_integer(spec, v, 8, verb)
    if verb in "xX":
        return fmt_integer(spec, v, 16, verb, upper=verb == "X")
    if verb == "c":
        return fmt_char(spec, v)
    if verb == "q":
        return fmt_quoted_char(spec, v)
    if verb == "U":
        return fmt_unicode(spec, v)
    return _bad_verb(verb, v, spec, erroring)


def _map(m: Mapping[Any, Any], verb: str, spec: FmtSpec, depth: int) -> str:
    # fmtsort orders string keys bytewise, which is code point order.
    items = sorted(m.items(), key=lambda kv: str(kv[0]))
    if spec.sharp_v:
        body = ", ".join(f"{print_arg(k, verb, spec, depth + 1)}:{print_arg(x, verb, spec, depth + 1)}"
                         for k, x in items)
        return go_type_name(m) + "{" + body + "}"
    return "map[" + " ".join(f"{print_arg(k, verb, spec, depth + 1)}:{print_arg(x, verb, spec, depth + 1)}"
                             for k, x in items) + "]"


def _bad_verb(verb: str, arg: Any, spec: FmtSpec, erroring: bool = False) -> str:
    """``%!verb(type=value)``; the value is printed with %v and the same flags."""
    if arg is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type_name(arg)}={print_arg(arg, 'v', spec, 0, erroring=True)})"


# --- Sprint / Sprintln / Sprintf -------------------------------------------------------------


def sprint(args: list[Any]) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out = []
    prev_string = False
    for i, a in enumerate(args):
        is_string = isinstance(a, str)
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(format_value(a))
        prev_string = is_string
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    return " ".join(format_value(a) for a in args) + "\n"


_TOO_LARGE = 10**6


def _parse_num(fmt: str, i: int) -> tuple[int | None, int]:
    """Go's ``parsenum``: (number or None, new index); absurdly long numbers count as absent."""
    start = i
    num = 0
    while i < len(fmt) and fmt[i].isdigit() and fmt[i].isascii():
        if num > _TOO_LARGE:
            return None, len(fmt)
        num = num * 10 + int(fmt[i])
        i += 1
    return (num if i > start else None), i


class _Printf:
    """State of one ``fmt.Sprintf`` call (``pp.doPrintf``)."""

    def __init__(self, fmt: str, args: list[Any]) -> None:
        self.fmt = fmt
        self.args = args
        self.out: list[str] = []
        self.arg_num = 0
        self.reordered = False
        self.good_arg_num = True

    def arg_number(self, i: int) -> tuple[int, bool]:
        """An explicit ``[n]`` argument index at ``fmt[i]``: (new i, found)."""
        fmt = self.fmt
        if i >= len(fmt) or fmt[i] != "[":
            return i, False
        self.reordered = True
        close = fmt.find("]", i + 1)
        if len(fmt) - i < 3 or close < 0:
            self.good_arg_num = False
            return i + 1, False
        num, end = _parse_num(fmt, i + 1)
        if num is None or end != close:
            self.good_arg_num = False
            return close + 1, False
        index = num - 1
        if 0 <= index < len(self.args):
            self.arg_num = index
            return close + 1, True
        self.good_arg_num = False
        return close + 1, True

    def int_from_arg(self) -> int | None:
        if self.arg_num >= len(self.args):
            return None
        v = self.args[self.arg_num]
        self.arg_num += 1
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) <= _TOO_LARGE:
            return v
        return None

    def run(self) -> str:
        fmt = self.fmt
        end = len(fmt)
        i = 0
        while i < end:
            self.good_arg_num = True
            j = fmt.find("%", i)
            if j < 0:
                self.out.append(fmt[i:])
                break
            self.out.append(fmt[i:j])
            i = self.verb(j + 1)
        if not self.reordered and self.arg_num < len(self.args):
            extra = ", ".join("<nil>" if a is None else f"{go_type_name(a)}={format_value(a)}"
                              for a in self.args[self.arg_num:])
            self.out.append(f"%!(EXTRA {extra})")
        return "".join(self.out)

    def verb(self, i: int) -> int:
        """Process one directive starting after its ``%``; return the index after it."""
        fmt = self.fmt
        end = len(fmt)
        flags: dict[str, Any] = {}
        while i < end and fmt[i] in "#0+- ":
            flags[{"#": "sharp", "0": "zero", "+": "plus", "-": "minus", " ": "space"}[fmt[i]]] = True
            i += 1
        i, after_index = self.arg_number(i)
        width: int | None = None
        if i < end and fmt[i] == "*":
            i += 1
            width = self.int_from_arg()
            if width is None:
                self.out.append("%!(BADWIDTH)")
            elif width < 0:
                width, flags["minus"] = -width, True
            after_index = False
        else:
            width, i = _parse_num(fmt, i)
            if after_index and width is not None:
                self.good_arg_num = False
        prec: int | None = None
        if i + 1 < end and fmt[i] == ".":
            i += 1
            if after_index:
                self.good_arg_num = False
            i, after_index = self.arg_number(i)
            if i < end and fmt[i] == "*":
                i += 1
                prec = self.int_from_arg()
                if prec is not None and prec < 0:
                    prec = None
                if prec is None:
                    self.out.append("%!(BADPREC)")
                after_index = False
            else:
                prec, i = _parse_num(fmt, i)
                if prec is None:
                    prec = 0
        if not after_index:
            i, after_index = self.arg_number(i)
        if i >= end:
            self.out.append("%!(NOVERB)")
            return end
        verb = fmt[i]
        i += 1
        spec = FmtSpec(width=width, prec=prec, **flags)
        if verb == "%":
            self.out.append("%")
        elif not self.good_arg_num:
            self.out.append(f"%!{verb}(BADINDEX)")
        elif self.arg_num >= len(self.args):
            self.out.append(f"%!{verb}(MISSING)")
        else:
            if verb == "v":
                spec = spec.with_(sharp_v=spec.sharp, sharp=False, plus_v=spec.plus, plus=False)
            self.out.append(print_arg(self.args[self.arg_num], verb, spec))
            self.arg_num += 1
        return i


def sprintf(fmt: str, args: list[Any]) -> str:
    """``fmt.Sprintf`` with Go's flags, widths, precisions, ``[n]`` argument indexes and its
    ``%!verb(...)`` error forms (BADINDEX, MISSING, NOVERB, EXTRA, BADWIDTH, BADPREC)."""
    return _Printf(fmt, args).run()


# --- text/template's output of an action -------------------------------------------------------


def printable(v: Any) -> Any:
    """text/template's ``printableValue``: pointers are followed unless they print themselves
    (``*time.Time`` does, through ``String``); a nil value prints ``<no value>``."""
    if isinstance(v, PointerValue):
        return v.target
    return v


def action_text(v: Any) -> str:
    """What ``{{ pipeline }}`` writes for the pipeline's value."""
    if v is None:
        return "<no value>"
    return format_value(printable(v))


def eval_args(args: tuple[Any, ...]) -> str:
    """text/template's ``evalArgs`` (for ``html``, ``js``, ``urlquery``): a single string as is,
    anything else through ``fmt.Sprint`` after ``printableValue``."""
    if len(args) == 1 and isinstance(args[0], str):
        return str(args[0])
    return sprint([printable(a) for a in args])


__all__ = ["HTMLString", "action_text", "eval_args", "format_value", "print_arg", "printable", "sprint",
           "sprintf", "sprintln"]
