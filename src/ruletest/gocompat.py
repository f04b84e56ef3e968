"""Go-compatible formatting and math, in one place.

What Prometheus prints (sample values in promtool's output, ``count_values`` labels, template
output, durations, times) is what Go's ``strconv``, ``fmt`` and ``time`` packages produce, and
PromQL's date functions follow Go's time arithmetic. This module reproduces those behaviours in
our own Python; each section names the Go source it follows:

* ``strconv.FormatFloat`` for every format and precision (``strconv/ftoa.go``: shortest digits,
  ``'e'``/``'f'``/``'g'`` with a precision, hexadecimal ``'x'`` and binary ``'b'``) and
  ``strconv.ParseFloat`` with its error texts (``strconv/atof.go``);
* ``fmt``'s per-verb formatting of floats, integers, strings and booleans with flags, width and
  precision (``fmt/format.go``, ``fmt/print.go``);
* ``strconv.Quote``/``QuoteToASCII``/``QuoteRune`` (``strconv/quote.go``);
* ``time.Duration.String`` and ``time.Time.String`` in UTC, and the calendar fields of a Unix
  time with Go's 64-bit wrap-around (``time/time.go``);
* the float64 -> int64 conversion of Go on amd64 (out-of-range values give the minimum int64).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import replace

from ruletest.records import record

MIN_INT64 = -(2**63)
MAX_INT64 = 2**63 - 1
_U64 = 2**64


def go_int64(x: float) -> int:
    """``int64(x)`` as Go compiles it on amd64 (CVTTSD2SQ): truncation toward zero; NaN, +-Inf
    and out-of-range values give the minimum int64."""
    if math.isnan(x) or math.isinf(x) or not MIN_INT64 <= x < 2.0**63:
        return MIN_INT64
    return int(x)


# --- strconv.FormatFloat ----------------------------------------------------------------------


def _shortest(v: float) -> tuple[str, int]:
    """Shortest round-trip digits of a positive finite float and its decimal exponent
    (``v == 0.d1d2... * 10**dp``, Go's ``decimal.dp``). Python's ``repr`` and Go pick the same
    digits: the shortest string that reads back as ``v``, the closest one on ties."""
    m = re.match(r"^(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$", repr(v))
    assert m is not None, v
    int_part, frac, e = m.group(1), m.group(2) or "", int(m.group(3) or 0)
    all_digits = int_part + frac
    stripped = all_digits.lstrip("0")
    lead = len(all_digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    return digits, len(int_part) - lead + e


def _special(v: float) -> str | None:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return None


def _exp_text(exp: int, letter: str) -> str:
    # At least two exponent digits (strconv's fmtE).
    return f"{letter}{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_e(neg: bool, digits: str, dp: int, prec: int, letter: str) -> str:
    first = digits[0] if digits else "0"
    rest = (digits[1:] + "0" * prec)[:prec]
    exp = dp - 1 if digits != "0" else 0
    return ("-" if neg else "") + first + ("." + rest if prec > 0 else "") + _exp_text(exp, letter)


def _fmt_f(neg: bool, digits: str, dp: int, prec: int) -> str:
    if dp > 0:
        whole = (digits[:dp] + "0" * max(0, dp - len(digits)))
    else:
        whole = "0"
    frac = ""
    if prec > 0:
        frac = "".join(digits[dp + i] if 0 <= dp + i < len(digits) else "0" for i in range(prec))
        frac = "." + frac
    return ("-" if neg else "") + whole + frac


def _fixed_digits(v: float, fmt: str, prec: int) -> tuple[str, int]:
    """Digits of ``abs(v)`` correctly rounded (half to even on the exact binary value, as Go's
    decimal rounding does) to ``prec`` significant digits (``fmt`` 'e': prec+1, 'g': prec) or to
    ``prec`` decimals ('f'); trailing zeros removed."""
    a = abs(v)
    if fmt == "f":
        text = format(a, f".{prec}f")
        int_part, _, frac = text.partition(".")
        all_digits = int_part + frac
        stripped = all_digits.lstrip("0")
        if not stripped:
            return "0", 0
        dp = len(int_part) - (len(all_digits) - len(stripped))
        return stripped.rstrip("0"), dp
    sig = prec + 1 if fmt == "e" else max(prec, 1)
    text = format(a, f".{sig - 1}e")
    mant, _, exp = text.partition("e")
    digits = mant.replace(".", "").rstrip("0") or "0"
    if digits == "0":
        return "0", 0
    return digits, int(exp) + 1


def format_float(v: float, fmt: str, prec: int = -1) -> str:
    """``strconv.FormatFloat(v, fmt, prec, 64)`` for ``fmt`` in ``eEfgGxXb``; ``prec`` -1 means
    the shortest representation that reads back as ``v``."""
    if fmt in "xX":
        return _format_hex(v, fmt, prec)
    if fmt == "b":
        return _format_binary(v)
    special = _special(v)
    if special is not None:
        return special
    neg = math.copysign(1.0, v) < 0
    lower = fmt.lower()
    letter = "e" if fmt in "eg" else "E"
    if lower == "g" and prec == 0:
        prec = 1
    if v == 0:
        digits, dp = "", 0
    elif prec < 0:
        digits, dp = _shortest(abs(v))
    else:
        digits, dp = _fixed_digits(v, "f" if lower == "f" else "e" if lower == "e" else "g", prec)
        if digits == "0":
            digits, dp = "", 0
    nd = len(digits)
    shortest = prec < 0
    if shortest:
        prec = max(nd - 1, 0) if lower == "e" else max(nd - dp, 0) if lower == "f" else nd
    if lower == "e":
        return _fmt_e(neg, digits or "0", dp, prec, letter)
    if lower == "f":
        return _fmt_f(neg, digits, dp, prec)
    # 'g' / 'G'
    eprec = prec
    if eprec > nd and nd >= dp:
        eprec = nd
    if shortest:
        eprec = 6
    exp = dp - 1
    if exp < -4 or exp >= eprec:
        if prec > nd:
            prec = nd
        return _fmt_e(neg, digits or "0", dp, max(prec - 1, 0), letter)
    if prec > dp:
        prec = nd
    return _fmt_f(neg, digits, dp, max(prec - dp, 0))


def _float_parts(v: float) -> tuple[bool, int, int]:
    """(negative, mantissa, binary exponent) like strconv's genericFtoa: value = mant * 2**(exp-52)."""
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    neg = bits >> 63 == 1
    exp = (bits >> 52) & 0x7FF
    mant = bits & ((1 << 52) - 1)
    if exp == 0:
        exp = 1
    else:
        mant |= 1 << 52
    return neg, mant, exp - 1023


def _format_hex(v: float, fmt: str, prec: int) -> str:
    """strconv's %x/%X float format: ``-0x1.23abcp+20`` (shortest when prec < 0)."""
    special = _special(v)
    if special is not None:
        return special
    neg, mant, exp = _float_parts(v)
    mask60 = (1 << 60) - 1
    if mant == 0:
        exp = 0
    mant = (mant << 8) % _U64  # leading 1 (if any) at bit 60
    while mant != 0 and mant & (1 << 60) == 0:
        mant = (mant << 1) % _U64
        exp -= 1
    if 0 <= prec < 15:
        shift = prec * 4
        extra = (mant << shift) & mask60
        mant >>= 60 - shift
        if extra | (mant & 1) > 1 << 59:
            mant += 1
        mant = (mant << (60 - shift)) % _U64
        if mant & (1 << 61):
            mant >>= 1
            exp += 1
    digits = "0123456789abcdef" if fmt == "x" else "0123456789ABCDEF"
    out = ["-" if neg else "", "0", fmt, str((mant >> 60) & 1)]
    mant = (mant << 4) % _U64
    if prec < 0 and mant != 0:
        out.append(".")
        while mant != 0:
            out.append(digits[(mant >> 60) & 15])
            mant = (mant << 4) % _U64
    elif prec > 0:
        out.append(".")
        for _ in range(prec):
            out.append(digits[(mant >> 60) & 15])
            mant = (mant << 4) % _U64
    out.append("p" if fmt == "x" else "P")
    out.append("-" if exp < 0 else "+")
    out.append(f"{abs(exp):02d}")
    return "".join(out)


def _format_binary(v: float) -> str:
    special = _special(v)
    if special is not None:
        return special
    neg, mant, exp = _float_parts(v)
    e = exp - 52
    return f"{'-' if neg else ''}{mant}p{'+' if e >= 0 else ''}{e}"


def format_float_g(v: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)``, Go's ``%v`` of a float64: ``1.234567e+06``, ``100000``."""
    return format_float(v, "g")


def format_float_e(v: float) -> str:
    """``strconv.FormatFloat(v, 'E', -1, 64)``: how promtool prints sample values (``1.5E+00``)."""
    return format_float(v, "E")


def format_float_f(v: float) -> str:
    """``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an exponent (``count_values``)."""
    special = _special(v)
    if special is not None:
        return special
    from decimal import Decimal  # only fixed-point formatting needs it

    text = format(Decimal(repr(v)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --- strconv.ParseFloat ----------------------------------------------------------------------


class GoNumError(ValueError):
    """``*strconv.NumError``: ``strconv.ParseFloat: parsing "x": invalid syntax``."""

    def __init__(self, func: str, text: str, reason: str) -> None:
        super().__init__(f"strconv.{func}: parsing {quote(text)}: {reason}")


_DEC_FLOAT = re.compile(r"[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?")
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:_?[0-9a-fA-F])*(?:\.(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?[pP][+-]?\d(?:_?\d)*")


def parse_float(s: str) -> float:
    """``strconv.ParseFloat(s, 64)``: decimal and hexadecimal forms, ``Inf``/``Infinity``/``NaN``
    in any case with an optional sign (NaN without one); underscores only between digits.
    Out-of-range values raise with "value out of range" (Go also returns +-Inf then)."""
    low = s.lower()
    body = low[1:] if low[:1] in "+-" else low
    if body in ("inf", "infinity"):
        return -math.inf if low.startswith("-") else math.inf
    if body == "nan" and low == body:
        return math.nan
    try:
        if _HEX_FLOAT.fullmatch(s):
            value = float.fromhex(s.replace("_", ""))
        elif _DEC_FLOAT.fullmatch(s) and ("_" not in s or underscore_ok(s)):
            value = float(s.replace("_", ""))
        else:
            raise GoNumError("ParseFloat", s, "invalid syntax")
    except OverflowError:
        value = math.inf
    except GoNumError:
        raise
    except ValueError:
        raise GoNumError("ParseFloat", s, "invalid syntax") from None
    if math.isinf(value):
        raise GoNumError("ParseFloat", s, "value out of range")
    return value


def underscore_ok(s: str) -> bool:
    """strconv's ``underscoreOK``: underscores only between digits (or after a base prefix)."""
    saw = "^"
    body = s[1:] if s[:1] in "+-" else s
    i = 0
    hexa = False
    if len(body) >= 2 and body[0] == "0" and body[1].lower() in "box":
        i, saw, hexa = 2, "0", body[1].lower() == "x"
    for ch in body[i:]:
        if (ch.isdigit() and ch.isascii()) or (hexa and ch.lower() in "abcdef"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def parse_int(s: str, *, unsigned: bool = False) -> int | None:
    """``strconv.ParseInt(s, 0, 64)`` (``ParseUint`` with ``unsigned``): base prefixes 0x, 0o,
    0b and a leading 0 for octal, underscores between digits; None when it fails (syntax or
    range)."""
    body = s
    neg = False
    if not body:
        return None
    if not unsigned and body[0] in "+-":
        neg, body = body[0] == "-", body[1:]
    if not body:
        return None
    base, digits = 10, body
    if body[0] == "0" and len(body) > 1:
        prefix = body[1].lower()
        base, digits = {"x": (16, body[2:]), "o": (8, body[2:]), "b": (2, body[2:])}.get(prefix, (8, body[1:]))
    if "_" in body and not underscore_ok(body):
        return None
    digits = digits.replace("_", "")
    if not digits:
        return None
    try:
        value = int(digits, base)
    except ValueError:
        return None
    if neg:
        value = -value
    limit = (0, 2**64 - 1) if unsigned else (MIN_INT64, MAX_INT64)
    return value if limit[0] <= value <= limit[1] else None


# --- fmt: one verb with flags, width and precision ------------------------------------------


@record
class FmtSpec:
    """The flags, width and precision of one ``fmt`` verb (Go's ``fmtFlags`` plus wid/prec)."""

    minus: bool = False
    plus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    width: int | None = None
    prec: int | None = None
    plus_v: bool = False  # %+v
    sharp_v: bool = False  # %#v

    def with_(self, **changes: object) -> FmtSpec:
        return replace(self, **changes)  # type: ignore[arg-type]


PLAIN = FmtSpec()


def _padding(spec: FmtSpec, n: int, zero: bool) -> str:
    if n <= 0:
        return ""
    return ("0" if zero and not spec.minus else " ") * n


def pad(spec: FmtSpec, s: str, *, zero: bool | None = None) -> str:
    """Pad ``s`` to the width (counted in runes) on the left, or on the right with ``-``."""
    if not spec.width:
        return s
    z = spec.zero if zero is None else zero
    fill = _padding(spec, spec.width - len(s), z)
    return s + fill if spec.minus else fill + s


def fmt_float(spec: FmtSpec, v: float, verb: str, default_prec: int) -> str:
    """``fmt.fmtFloat``: ``verb`` is a strconv format (``eEfgGxXb``)."""
    prec = spec.prec if spec.prec is not None else default_prec
    num = format_float(v, verb, prec)
    if num[0] in "+-":
        sign, body = num[0], num[1:]
    else:
        sign, body = "+", num
    if spec.space and sign == "+" and not spec.plus:
        sign = " "
    if body[:1] in ("I", "N"):
        # Infinities and NaN are never zero-padded; NaN shows a sign only when asked for.
        text = body if body[0] == "N" and not spec.space and not spec.plus else sign + body
        return pad(spec, text, zero=False)
    if spec.sharp and verb != "b":
        body = _sharp_float(body, verb, prec)
    if spec.plus or sign != "+":
        full = sign + body
        if spec.zero and not spec.minus and spec.width is not None and spec.width > len(full):
            return sign + "0" * (spec.width - len(full)) + body
        return pad(spec, full)
    return pad(spec, body)


def _sharp_float(body: str, verb: str, prec: int) -> str:
    """``#``: always a decimal point, and trailing zeros kept for %g/%x (fmt.fmtFloat)."""
    digits = 0
    if verb in "vgGx":
        digits = 6 if prec == -1 else prec
    tail = ""
    num = body
    for i, ch in enumerate(body):
        if ch in "pP" or (ch in "eE" and verb not in "xX"):
            num, tail = body[:i], body[i:]
            break
    has_point = "." in num
    seen_nonzero = False
    for ch in num:
        if ch == ".":
            continue
        if ch != "0":
            seen_nonzero = True
        if seen_nonzero:
            digits -= 1
    if not has_point:
        if num == "0":
            digits -= 1
        num += "."
    if digits > 0:
        num += "0" * digits
    return num + tail


def fmt_integer(spec: FmtSpec, value: int, base: int, verb: str, upper: bool = False) -> str:
    """``fmt.fmtInteger`` for a signed value."""
    negative = value < 0
    u = -value if negative else value
    prec = 0
    if spec.prec is not None:
        prec = spec.prec
        if prec == 0 and u == 0:
            return _padding(spec, spec.width or 0, False)
    elif spec.zero and not spec.minus and spec.width is not None:
        prec = spec.width - (1 if negative or spec.plus or spec.space else 0)
    digits = _to_base(u, base, upper)
    if len(digits) < prec:
        digits = "0" * (prec - len(digits)) + digits
    if spec.sharp:
        if base == 2:
            digits = "0b" + digits
        elif base == 8 and not digits.startswith("0"):
            digits = "0" + digits
        elif base == 16:
            digits = ("0X" if upper else "0x") + digits
    if verb == "O":
        digits = "0o" + digits
    if negative:
        digits = "-" + digits
    elif spec.plus:
        digits = "+" + digits
    elif spec.space:
        digits = " " + digits
    return pad(spec, digits, zero=False)


def _to_base(u: int, base: int, upper: bool) -> str:
    if base == 10:
        return str(u)
    text = {2: format(u, "b"), 8: format(u, "o"), 16: format(u, "x")}[base]
    return text.upper() if upper else text


def fmt_unicode(spec: FmtSpec, u: int) -> str:
    """``%U``: ``U+0041``, with ``#`` also `` 'A'`` when printable."""
    prec = spec.prec if spec.prec is not None and spec.prec > 4 else 4
    text = "U+" + format(u % _U64, "X").rjust(prec, "0")
    if spec.sharp and 0 <= u <= 0x10FFFF and is_print(chr(u)):
        text += f" '{chr(u)}'"
    return pad(spec, text, zero=False)


def _rune(u: int) -> str:
    if not 0 <= u <= 0x10FFFF or 0xD800 <= u <= 0xDFFF:
        return "\ufffd"
    return chr(u)


def fmt_char(spec: FmtSpec, u: int) -> str:
    """``%c``."""
    return pad(spec, _rune(u))


def fmt_quoted_char(spec: FmtSpec, u: int) -> str:
    """``%q`` of an integer: a single-quoted Go character literal."""
    return pad(spec, quote_rune(_rune(u), ascii_only=spec.plus))


def fmt_string(spec: FmtSpec, s: str, verb: str) -> str | None:
    """``fmt.fmtString`` (None for a verb strings do not take)."""
    if verb == "v":
        return fmt_q(spec, s) if spec.sharp_v else pad(spec, _truncate(spec, s))
    if verb == "s":
        return pad(spec, _truncate(spec, s))
    if verb in "xX":
        return _fmt_sx(spec, s, verb == "X")
    if verb == "q":
        return fmt_q(spec, s)
    return None


def _truncate(spec: FmtSpec, s: str) -> str:
    return s[:spec.prec] if spec.prec is not None else s


def fmt_q(spec: FmtSpec, s: str) -> str:
    s = _truncate(spec, s)
    if spec.sharp and can_backquote(s):
        return pad(spec, "`" + s + "`")
    return pad(spec, quote(s, ascii_only=spec.plus))


def _fmt_sx(spec: FmtSpec, s: str, upper: bool) -> str:
    data = s.encode()
    if spec.prec is not None:
        data = data[:spec.prec]
    if not data:
        return _padding(spec, spec.width or 0, spec.zero)
    prefix = "0X" if upper else "0x"
    parts = [format(b, "02X" if upper else "02x") for b in data]
    if spec.space:
        text = " ".join((prefix if spec.sharp else "") + p for p in parts)
    else:
        text = (prefix if spec.sharp else "") + "".join(parts)
    fill = _padding(spec, (spec.width or 0) - len(text), spec.zero)
    return text + fill if spec.minus else fill + text


def fmt_bool(spec: FmtSpec, b: bool) -> str:
    return pad(spec, "true" if b else "false")


# --- strconv.Quote -----------------------------------------------------------------------------

_SIMPLE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def is_print(ch: str) -> bool:
    """``strconv.IsPrint``: letters, marks, numbers, punctuation, symbols and the ASCII space.
    Python's ``isprintable`` draws the same line (it excludes separators but the space, controls,
    format characters, surrogates and unassigned code points)."""
    return ch == " " or ch.isprintable()


def _escape(ch: str, quote_char: str, ascii_only: bool) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte of invalid UTF-8 (kept by surrogateescape)
    if ch == quote_char or ch == "\\":
        return "\\" + ch
    if ascii_only:
        if code < 0x80 and is_print(ch):
            return ch
    elif is_print(ch):
        return ch
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch]
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quote(s: str, *, ascii_only: bool = False) -> str:
    """``strconv.Quote`` (``QuoteToASCII`` with ``ascii_only``)."""
    return '"' + "".join(_escape(ch, '"', ascii_only) for ch in s) + '"'


def go_quote(s: str) -> str:
    """``strconv.Quote``: how Go prints label values and ``%q`` strings."""
    return quote(s)


def quote_rune(ch: str, *, ascii_only: bool = False) -> str:
    """``strconv.QuoteRune`` (``QuoteRuneToASCII`` with ``ascii_only``)."""
    return "'" + _escape(ch, "'", ascii_only) + "'"


def can_backquote(s: str) -> bool:
    """``strconv.CanBackquote``: no backquote, no control character other than tab, no U+FEFF."""
    return all(not ((ord(c) < 0x20 and c != "\t") or c in "`\x7f\ufeff") for c in s)


# --- time --------------------------------------------------------------------------------------

_UNIX_TO_INTERNAL = (1969 * 365 + 1969 // 4 - 1969 // 100 + 1969 // 400) * 86400
# Seconds from Go's internal epoch (year 1) to its absolute epoch: before Go 1.23 January 1 of
# the year -292277022399; since Go 1.23 (time: "absSeconds") March 1 of -292277022400, 306 days
# earlier. Both are 400-year aligned, so dates agree except where the uint64 wraps.
_INTERNAL_TO_ABSOLUTE_GO119 = 730692556 * 146097 * 86400
_INTERNAL_TO_ABSOLUTE_GO123 = (730692556 * 146097 + 306) * 86400


@record
class CivilTime:
    """A UTC instant broken down as Go's time.Time reports it (yday from 1, weekday from Sunday = 0)."""

    year: int
    month: int  # 1..12
    day: int  # 1..31
    yday: int  # 1..366
    weekday: int  # 0 = Sunday
    hour: int
    minute: int
    second: int


def _civil_from_days(z: int) -> tuple[int, int, int]:
    # Proleptic Gregorian date of day z (0 = 1970-01-01), exact for any integer.
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if month <= 2 else 0), month, day


def _is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def civil_time(unix_seconds: int, *, go_before_1_23: bool = False) -> CivilTime:
    """``time.Unix(sec, 0).UTC()``'s calendar fields, including Go's behaviour far outside the
    representable range: the absolute time is a uint64, so extreme values wrap around (
    ``time.Unix(math.MinInt64, 0).Year()`` is 292277026596)."""
    offset = _UNIX_TO_INTERNAL + (_INTERNAL_TO_ABSOLUTE_GO119 if go_before_1_23 else _INTERNAL_TO_ABSOLUTE_GO123)
    sec = ((unix_seconds + MIN_INT64) % _U64) + MIN_INT64  # an int64
    absolute = (sec + offset) % _U64
    unix = absolute - offset
    days, secs = divmod(unix, 86400)
    year, month, day = _civil_from_days(days)
    jan1 = days - _days_before(year, month, day)
    return CivilTime(year, month, day, days - jan1 + 1, (days + 4) % 7, secs // 3600, secs % 3600 // 60, secs % 60)


_DAYS_BEFORE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def _days_before(year: int, month: int, day: int) -> int:
    return _DAYS_BEFORE[month - 1] + (1 if month > 2 and _is_leap(year) else 0) + day - 1


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def format_go_time(ms: int) -> str:
    """Go ``time.Time.String()`` of a UTC time with millisecond precision:
    ``2015-06-23 13:19:44.128 +0000 UTC`` (fraction without trailing zeros)."""
    secs, rem = divmod(ms, 1000)
    c = civil_time(secs)
    frac = f".{rem:03d}".rstrip("0") if rem else ""
    year = f"{c.year:04d}" if c.year >= 0 else f"-{-c.year:04d}"
    return f"{year}-{c.month:02d}-{c.day:02d} {c.hour:02d}:{c.minute:02d}:{c.second:02d}{frac} +0000 UTC"


def format_go_duration(ns: int) -> str:
    """Go ``time.Duration.String()``: ``1h2m3.5s``, ``500ms``, ``1.5µs``, ``0s``."""
    if ns == 0:
        return "0s"
    neg = ns < 0
    u = -ns if neg else ns
    if u < 1_000_000_000:
        if u < 1_000:
            text = f"{u}ns"
        elif u < 1_000_000:
            text = _fraction(u, 3) + "µs"
        else:
            text = _fraction(u, 6) + "ms"
    else:
        whole = _fraction(u, 9)
        secs_text, _, frac = whole.partition(".")
        total = int(secs_text)
        hours, rem = divmod(total, 3600)
        minutes, secs = divmod(rem, 60)
        text = f"{secs}" + ("." + frac if frac else "") + "s"
        if hours or minutes:
            text = f"{minutes}m" + text
        if hours:
            text = f"{hours}h" + text
    return "-" + text if neg else text


def _fraction(v: int, prec: int) -> str:
    whole, rem = divmod(v, 10**prec)
    if not rem:
        return str(whole)
    return f"{whole}." + str(rem).rjust(prec, "0").rstrip("0")
