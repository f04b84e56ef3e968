"""Go value formatting: ``fmt.Sprint``/``Sprintf``/``Sprintln`` and ``strconv`` float output, for
the value kinds alert templates handle (string, float64, int, bool, maps, slices, structs)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ruletest.goquote import go_quote
from ruletest.templates.values import GoValue, go_type_name


def _special(v: float) -> str | None:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return None


def format_float_g(v: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)`` (also ``%v``): shortest round-trip digits, in
    exponent form iff the decimal exponent is < -4 or >= 6 (Go uses precision 6 for that decision
    when printing the shortest form): 1234567 -> 1.234567e+06, 100000 -> 100000."""
    special = _special(v)
    if special is not None:
        return special
    if v == 0:
        return "-0" if math.copysign(1.0, v) < 0 else "0"
    sign = "-" if v < 0 else ""
    digits, exp = _shortest_digits(abs(v))
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if len(digits) <= exp + 1:
        return sign + digits + "0" * (exp + 1 - len(digits))
    return f"{sign}{digits[:exp + 1]}.{digits[exp + 1:]}"


def _shortest_digits(v: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a positive float and its decimal exponent."""
    r = repr(v)
    m = re.match(r"^(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$", r)
    assert m is not None, r
    int_part, frac, e = m.group(1), m.group(2) or "", int(m.group(3) or 0)
    digits = (int_part + frac).lstrip("0")
    lead_zeros = len(int_part + frac) - len((int_part + frac).lstrip("0"))
    exp = len(int_part) - 1 - lead_zeros + e
    digits = digits.rstrip("0") or "0"
    return digits, exp


def format_float_e(v: float) -> str:
    """``strconv.FormatFloat(v, 'E', -1, 64)``: shortest digits, always an exponent (promtool)."""
    special = _special(v)
    if special is not None:
        return special
    if v == 0:
        return "-0E+00" if math.copysign(1.0, v) < 0 else "0E+00"
    sign = "-" if v < 0 else ""
    digits, exp = _shortest_digits(abs(v))
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mant}E{'-' if exp < 0 else '+'}{abs(exp):02d}"


def format_value(v: Any, verb: str = "v") -> str:
    """``%v`` (and the element formatting of maps and slices)."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, GoValue):
        return v.go_format(verb)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format_float_g(v)
    if isinstance(v, str):
        return v
    if isinstance(v, Mapping):
        items = sorted(v.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{format_value(k, verb)}:{format_value(x, verb)}" for k, x in items) + "]"
    if isinstance(v, list | tuple):
        return "[" + " ".join(format_value(x, verb) for x in v) + "]"
    return str(v)


def sprint(args: list[Any]) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out = []
    prev_string = True
    for i, a in enumerate(args):
        is_string = isinstance(a, str)
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(format_value(a))
        prev_string = is_string
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    return " ".join(format_value(a) for a in args) + "\n"


_VERB_RE = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")


def sprintf(fmt: str, args: list[Any]) -> str:
    """``fmt.Sprintf`` for the verbs templates use, including Go's ``%!verb(type=value)`` errors."""
    out: list[str] = []
    pos = 0
    argi = 0
    while True:
        m = _VERB_RE.search(fmt, pos)
        if not m:
            out.append(fmt[pos:])
            break
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width_s, prec_s, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%" and not flags and width_s is None and prec_s is None:
            out.append("%")
            continue
        width: int | None = None
        prec: int | None = None
        if width_s == "*":
            width = int(args[argi]) if argi < len(args) and isinstance(args[argi], int) else None
            argi += 1
        elif width_s:
            width = int(width_s)
        if prec_s is not None:
            if prec_s == "*":
                prec = int(args[argi]) if argi < len(args) and isinstance(args[argi], int) else 0
                argi += 1
            else:
                prec = int(prec_s) if prec_s else 0
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[argi]
        argi += 1
        out.append(_pad(_format_one(arg, verb, flags, prec), width, flags))
    if argi < len(args):
        extra = ", ".join(f"{go_type_name(a)}={format_value(a)}" for a in args[argi:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _pad(s: str, width: int | None, flags: str) -> str:
    if width is None or len(s) >= width:
        return s
    if "-" in flags:
        return s + " " * (width - len(s))
    if "0" in flags and s and (s[0].isdigit() or s[0] in "+-"):
        sign = s[0] if s[0] in "+-" else ""
        body = s[1:] if sign else s
        return sign + "0" * (width - len(s)) + body
    return " " * (width - len(s)) + s


def _bad(verb: str, arg: Any) -> str:
    return f"%!{verb}({go_type_name(arg)}={format_value(arg)})"


def _format_one(arg: Any, verb: str, flags: str, prec: int | None) -> str:
    if verb == "v":
        return format_value(arg)
    if verb == "T":
        return go_type_name(arg)
    if isinstance(arg, bool):
        return ("true" if arg else "false") if verb == "t" else _bad(verb, arg)
    if isinstance(arg, float):
        if verb in "eEfFgG":
            return _format_float(arg, verb, flags, prec)
        return _bad(verb, arg)
    if isinstance(arg, int):
        if verb == "d":
            s = str(arg)
            return ("+" + s if "+" in flags and arg >= 0 else s)
        if verb in "xX":
            s = format(arg, "x" if verb == "x" else "X")
            return ("0x" + s if "#" in flags else s)
        if verb == "o":
            return format(arg, "o")
        if verb == "b":
            return format(arg, "b")
        if verb == "c":
            return chr(arg)
        if verb == "q":
            return "'" + chr(arg) + "'"
        return _bad(verb, arg)
    if isinstance(arg, str):
        if verb == "s":
            return arg[:prec] if prec is not None else arg
        if verb == "q":
            return go_quote(arg)
        if verb in "xX":
            h = arg.encode().hex()
            return h.upper() if verb == "X" else h
        return _bad(verb, arg)
    if isinstance(arg, GoValue):
        return arg.go_format(verb)
    if isinstance(arg, Mapping | list | tuple) and verb == "s":
        return format_value(arg, verb)
    return _bad(verb, arg)


def _format_float(v: float, verb: str, flags: str, prec: int | None) -> str:
    if math.isnan(v):
        s = "NaN"
        return ("+" + s) if "+" in flags else s
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if verb in "gG" and prec is None:
        s = format_float_g(v)
        if verb == "G":
            s = s.upper()
    else:
        p = 6 if prec is None else prec
        py = {"e": "e", "E": "E", "f": "f", "F": "f", "g": "g", "G": "G"}[verb]
        s = f"{v:.{p}{py}}"
    if "+" in flags and not s.startswith("-"):
        s = "+" + s
    elif " " in flags and not s.startswith("-"):
        s = " " + s
    return s
