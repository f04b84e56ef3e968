"""Go's number and duration conversions as the PromQL parser uses them, with Go's error texts:
``strconv.ParseInt``/``ParseFloat``, ``model.ParseDuration`` (prometheus/common, the version in
Prometheus 3.14 and the older one in 2.42), float-to-int64 conversion, ``%f``/``%g`` printing and
``model.Duration.String()``."""

from __future__ import annotations

import math
import re

from ruletest.promql.lexer import quote

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
_NS = {"ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9, "d": 86400 * 10**9,
       "w": 7 * 86400 * 10**9, "y": 365 * 86400 * 10**9}
_UNIT_ORDER = {"y": 1, "w": 2, "d": 3, "h": 4, "m": 5, "s": 6, "ms": 7}


def go_int64(x: float) -> int:
    """Go's float64 -> int64 conversion on amd64: out of range and NaN give MinInt64."""
    if math.isnan(x) or x >= 2.0**63 or x < -(2.0**63):
        return MIN_INT64
    return int(x)


def go_round(x: float) -> float:
    """Go's math.Round: half away from zero."""
    if math.isnan(x) or math.isinf(x):
        return x
    t = float(math.trunc(x))
    if abs(x - t) >= 0.5:
        t += math.copysign(1.0, x)
    return t


_INT_RE = re.compile(r"[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9](_?[0-9])*)")


def parse_number(text: str) -> tuple[float, str | None]:
    """``strconv.ParseInt(text, 0, 64)``, else ``strconv.ParseFloat(text, 64)``: the value and
    the Go error text (``strconv.ParseFloat: parsing "1e400": value out of range``)."""
    if _INT_RE.fullmatch(text):
        v = _parse_int(text)
        if MIN_INT64 <= v <= MAX_INT64:
            return float(v), None
    return _parse_float(text)


def _parse_int(text: str) -> int:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t[:2] in ("0x", "0X"):
        return sign * int(t[2:], 16)
    if t[:2] in ("0b", "0B"):
        return sign * int(t[2:], 2)
    if t[:2] in ("0o", "0O"):
        return sign * int(t[2:], 8)
    if len(t) > 1 and t[0] == "0":
        return sign * int(t[1:], 8)
    return sign * int(t)


_DEC_FLOAT = re.compile(r"[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?")
_HEX_FLOAT = re.compile(r"[+-]?0[xX](_?[0-9a-fA-F])*(\.([0-9a-fA-F](_?[0-9a-fA-F])*)?)?([pP][+-]?\d(_?\d)*)")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan, "+nan": math.nan, "-nan": math.nan}


def _parse_float(text: str) -> tuple[float, str | None]:
    special = _SPECIAL.get(text.lower())
    if special is not None:
        return special, None
    if _DEC_FLOAT.fullmatch(text) and _underscores_ok(text):
        value = float(text.replace("_", ""))
    elif _HEX_FLOAT.fullmatch(text) and _underscores_ok(text):
        value = _hex_float(text.replace("_", ""))
    else:
        return 0.0, f"strconv.ParseFloat: parsing {quote(text)}: invalid syntax"
    if math.isinf(value):
        return value, f"strconv.ParseFloat: parsing {quote(text)}: value out of range"
    return value, None


def _underscores_ok(text: str) -> bool:
    # Go: underscores only between digits, or after a base prefix, and only with a prefix for
    # ParseFloat... Go accepts "1_000.5" (underscoreOK allows a decimal base).
    if "_" not in text:
        return True
    t = text.lstrip("+-")
    hexa = t[:2].lower() == "0x"
    body = t[2:] if hexa else t
    prev = "0" if hexa else "^"
    for c in body:
        if c == "_":
            if not (prev.isdigit() or (hexa and prev in "0123456789abcdefABCDEF")):
                return False
        elif prev == "_" and not (c.isdigit() or (hexa and c in "0123456789abcdefABCDEF")):
            return False
        prev = c
    return prev != "_"


def _hex_float(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    t = text.lstrip("+-")[2:]
    mantissa, _, exp = t.lower().partition("p")
    whole, _, frac = mantissa.partition(".")
    value = int(whole or "0", 16) + (int(frac, 16) / 16 ** len(frac) if frac else 0)
    try:
        return sign * math.ldexp(value, int(exp))
    except OverflowError:
        return sign * math.inf


def parse_duration(text: str, version: int = 3) -> tuple[int, str | None]:
    """``model.ParseDuration`` as nanoseconds, with its error text; 3.x names unknown units."""
    if text == "0":
        return 0, None
    if text == "":
        return 0, "empty duration string"
    if version < 3:
        return _parse_duration_2(text)
    total = 0
    last = 0
    s = text
    not_valid = f"not a valid duration string: {quote(text)}"
    while s:
        i = 0
        while i < len(s) and s[i].isdigit() and s[i].isascii():
            i += 1
        if i == 0:
            return 0, not_valid
        v = int(s[:i])
        if v > MAX_INT64 * 2 + 1:
            return 0, not_valid
        s = s[i:]
        j = 0
        while j < len(s) and not (s[j].isdigit() and s[j].isascii()):
            j += 1
        if j == 0:
            return 0, not_valid
        unit = s[:j]
        s = s[j:]
        if unit not in _NS:
            return 0, f"unknown unit {quote(unit)} in duration {quote(text)}"
        if _UNIT_ORDER[unit] <= last:
            return 0, not_valid
        last = _UNIT_ORDER[unit]
        mult = _NS[unit]
        if v > (1 << 63) // mult:
            return 0, "duration out of range"
        total += v * mult
        if total > MAX_INT64:
            return 0, "duration out of range"
    return total, None


_DURATION_2 = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")


def _parse_duration_2(text: str) -> tuple[int, str | None]:
    m = _DURATION_2.fullmatch(text)
    if m is None:
        return 0, f"not a valid duration string: {quote(text)}"
    total = 0
    err = None
    for value, unit in zip(m.groups(), ("y", "w", "d", "h", "m", "s", "ms"), strict=True):
        if not value:
            continue
        n = int(value)
        mult_ms = _NS[unit] // 1_000_000
        if n > MAX_INT64 // mult_ms // 1_000_000:
            err = "duration out of range"
        total = _wrap64(total + _wrap64(_wrap64(n * 1_000_000) * mult_ms))
        if total < 0:
            err = "duration out of range"
    return total, err


def _wrap64(v: int) -> int:
    return (v + 2**63) % 2**64 - 2**63


def format_f(v: float, precision: int = 6) -> str:
    """Go's ``%f`` (and ``%.3f``)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return f"{v:.{precision}f}"


def format_fixed(v: float) -> str:
    """``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an exponent."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    return ("-" if v < 0 else "") + _fixed(*_shortest(v))


def format_g(v: float) -> str:
    """Go's ``%v`` of a float64 (``strconv.FormatFloat(v, 'g', -1, 64)``)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    digits, exp = _shortest(v)
    sign = "-" if v < 0 else ""
    # strconv's %g: an exponent when it is < -4 or >= the precision, 6 for the shortest form.
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return sign + _fixed(digits, exp)


def _fixed(digits: str, exp: int) -> str:
    """Significant digits whose first has decimal exponent ``exp``, written without an exponent."""
    if exp < 0:
        return "0." + "0" * (-exp - 1) + digits
    if len(digits) <= exp + 1:
        return digits + "0" * (exp + 1 - len(digits))
    return digits[:exp + 1] + "." + digits[exp + 1:]


def _shortest(v: float) -> tuple[str, int]:
    """Shortest decimal digits of abs(v) and the decimal exponent of the first digit."""
    r = repr(abs(v))
    mant, _, e = r.partition("e")
    exp = int(e) if e else 0
    whole, _, frac = mant.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    lead = len(whole) - 1 if whole != "0" else -(len(frac) - len(frac.lstrip("0")) + 1)
    return digits.rstrip("0") or "0", exp + lead


def format_duration_ns(ns: int) -> str:
    """``model.Duration(ns).String()``: ``1h30m``, ``90d`` (years and weeks only when exact)."""
    ms = int(ns / 1_000_000) if abs(ns) < 2**53 else (ns // 1_000_000 if ns >= 0 else -((-ns) // 1_000_000))
    return format_duration_ms(ms)


def format_duration_ms(ms: int) -> str:
    if ms == 0:
        return "0s"
    out = ""
    for unit, mult, exact in (("y", 31_536_000_000, True), ("w", 604_800_000, True), ("d", 86_400_000, False),
                              ("h", 3_600_000, False), ("m", 60_000, False), ("s", 1000, False), ("ms", 1, False)):
        if exact and ms % mult != 0:
            continue
        v = int(ms / mult)
        if v > 0:
            out += f"{v}{unit}"
            ms -= v * mult
    return out
