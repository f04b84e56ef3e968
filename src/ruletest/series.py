"""promtool series notation: ``metric{a="b"}`` descriptions and expanding value sequences.

``values: '0+10x3 _ stale 1e3 -Inf'`` expands exactly like Prometheus' series-description grammar
(``promql/parser/generated_parser.y``): ``a+bxn`` gives ``n+1`` values accumulated by repeated
float addition, ``axn`` gives ``n+1`` copies, ``_xn`` gives ``n`` omitted samples.

Native histograms (promtool 3.x) are written ``{{schema:0 sum:5 count:4 buckets:[1 2 1]}}``
(keys in any order, all optional: ``schema``, ``sum``, ``count``, ``z_bucket``, ``z_bucket_w``,
``buckets``, ``offset``, ``n_buckets``, ``n_offset``, ``custom_values``, ``counter_reset_hint``);
``{{a}}xN`` repeats one, ``{{a}}+{{b}}xN`` and ``{{a}}-{{b}}xN`` add or subtract ``b`` N times
with Prometheus's histogram arithmetic. Floats, ``_``, ``stale`` and histograms mix freely.
The histogram forms are read only when the caller asks for them (``histograms=True``): callers
that store values must handle :class:`FloatHistogram` first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Generic, Literal, TypeVar, overload

from ruletest.errors import SeriesNotationError
from ruletest.gocompat import go_quote
from ruletest.promql.histograms import CounterResetHint, FloatHistogram, Span
from ruletest.promql.values import METRIC_NAME, STALE, Labels, Stale, labels_from
from ruletest.records import record

# Expanding a sequence is linear in its length; refuse sequences no test needs (one year of
# 1s samples is 31.5M) before they exhaust memory.
MAX_EXPANDED_VALUES = 5_000_000


# One expanded value: a float, None (omitted, ``_``) or STALE.
SeriesValue = float | None | Stale
# One expanded value of a sequence that may hold native histograms (``histograms=True``).
HistogramSeriesValue = float | FloatHistogram | None | Stale


@record(slots=True)
class ExpectedHistogram:
    """A histogram written as an expected value. ``hint_given`` says whether the text spelled out
    ``counter_reset_hint:``; Prometheus's engine tests compare the hint only then (for
    ``{{a}}+{{b}}xN`` it is ``b``'s, as in Prometheus)."""

    histogram: FloatHistogram
    hint_given: bool


# One expanded expected value (:func:`expand_expected`).
ExpectedValue = float | ExpectedHistogram | None | Stale


_V = TypeVar("_V", SeriesValue, HistogramSeriesValue)


@record
class SeriesSpec(Generic[_V]):
    """A parsed ``input_series`` entry: its labels and one value per step (None for ``_``)."""

    labels: Labels
    values: tuple[_V, ...]


_IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def parse_series_description(text: str) -> Labels:
    """Parse ``name{a="b", "utf8.label"="c"}``, ``{__name__="x"}`` or ``{"my.metric"}``."""
    s = text.strip()
    pos = 0
    pairs: list[tuple[str, str]] = []
    name: str | None = None
    m = _IDENT.match(s, pos)
    if m:
        name = m.group(0)
        pos = m.end()
    pos = _skip_ws(s, pos)
    if pos < len(s) and s[pos] == "{":
        pos += 1
        while True:
            pos = _skip_ws(s, pos)
            if pos < len(s) and s[pos] == "}":
                pos += 1
                break
            if pos >= len(s):
                raise SeriesNotationError(f"unterminated label set in series {text!r}")
            if s[pos] in "\"'`":
                key, pos = _read_string(s, pos, text)
            else:
                lm = _LABEL.match(s, pos)
                if not lm:
                    raise SeriesNotationError(f"expected a label name at {s[pos:pos + 10]!r} in series {text!r}")
                key, pos = lm.group(0), lm.end()
            pos = _skip_ws(s, pos)
            if pos < len(s) and s[pos] in ",}" and name is None and not any(k == METRIC_NAME for k, _ in pairs):
                # A lone quoted string is the metric name: {"my.metric", a="b"}.
                name = key
            else:
                if pos >= len(s) or s[pos] != "=":
                    raise SeriesNotationError(f"expected '=' after label {key!r} in series {text!r}")
                pos = _skip_ws(s, pos + 1)
                if pos >= len(s) or s[pos] not in "\"'`":
                    raise SeriesNotationError(f"expected a quoted value for label {key!r} in series {text!r}")
                val, pos = _read_string(s, pos, text)
                if key == METRIC_NAME:
                    if name is not None:
                        raise SeriesNotationError(f"metric name given twice in series {text!r}")
                    name = val
                else:
                    pairs.append((key, val))
            pos = _skip_ws(s, pos)
            if pos < len(s) and s[pos] == ",":
                pos += 1
    pos = _skip_ws(s, pos)
    if pos != len(s):
        raise SeriesNotationError(f"unexpected {s[pos:]!r} in series {text!r}")
    if name is None and not pairs and s and not s.startswith("{"):
        raise SeriesNotationError(f"empty series description {text!r}")
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise SeriesNotationError(f"duplicate label name in series {text!r}")
    if name is not None:
        pairs.append((METRIC_NAME, name))
    return labels_from(pairs)


def _skip_ws(s: str, pos: int) -> int:
    while pos < len(s) and s[pos] in " \t\n\r":
        pos += 1
    return pos


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}


def _read_string(s: str, pos: int, text: str) -> tuple[str, int]:
    quote = s[pos]
    pos += 1
    out: list[str] = []
    while pos < len(s):
        ch = s[pos]
        if ch == quote:
            return "".join(out), pos + 1
        if ch == "\\" and quote != "`":
            pos += 1
            if pos >= len(s):
                break
            esc = s[pos]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                pos += 1
            elif esc == "x" and pos + 2 < len(s):
                out.append(chr(int(s[pos + 1:pos + 3], 16)))
                pos += 3
            elif esc in "uU":
                width = 4 if esc == "u" else 8
                out.append(chr(int(s[pos + 1:pos + 1 + width], 16)))
                pos += 1 + width
            else:
                raise SeriesNotationError(f"unknown escape sequence '\\{esc}' in series {text!r}")
            continue
        out.append(ch)
        pos += 1
    raise SeriesNotationError(f"unterminated quoted string in series {text!r}")


# --- values --------------------------------------------------------------------------------

# Hexadecimal numbers are not allowed in series values (``0x40`` means "0, 40 times").
_NUMBER = r"(?:[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN]))"
_ITEM = re.compile(
    rf"^(?:(?P<blank>_)|(?P<stale>stale)|(?P<start>{_NUMBER}))"
    rf"(?:(?P<step>[+-](?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN]))?"
    r"x(?P<times>\d+))?$"
)


def _to_float(tok: str) -> float:
    t = tok.lower()
    sign = -1.0 if t.startswith("-") else 1.0
    body = t.lstrip("+-")
    if body == "inf":
        return sign * math.inf
    if body == "nan":
        return math.nan
    return float(t)


# What promtool 2.42's parser says of a {{...}} value (its series notation has no histograms).
HISTOGRAMS_REFUSED = ("unexpected character in series sequence: '{' (native histograms need Prometheus 3: "
                      "promtool 2.42 cannot load {{...}} values)")


def _refuse_histograms(text: str) -> SeriesNotationError:
    return SeriesNotationError(HISTOGRAMS_REFUSED, column=text.index("{{") + 1)


@overload
def expand_values(text: str, limit: int | None = None, *,
                  histograms: Literal[False] = False) -> tuple[SeriesValue, ...]: ...


@overload
def expand_values(text: str, limit: int | None = None, *, histograms: bool) -> tuple[HistogramSeriesValue, ...]: ...


def expand_values(text: str, limit: int | None = None, *,
                  histograms: bool = False) -> tuple[HistogramSeriesValue, ...]:
    """Expand a promtool value sequence into one entry per step.

    ``limit`` stops the expansion after that many values: a test that ends at 1h needs only the
    first hour of ``0+1x100000000``, and promtool never loads the rest either.

    ``{{...}}`` histograms are refused unless ``histograms`` is true; then each one is checked
    as the TSDB checks a sample it stores (Prometheus's ``Validate``), with the column of the
    offending item in the error."""
    if "{{" in text:
        if not histograms:
            raise _refuse_histograms(text)
        return tuple(v for v in _expand_mixed(text, limit, expected=False) if not isinstance(v, ExpectedHistogram))
    out: list[HistogramSeriesValue] = []
    for raw in text.split():
        if limit is not None and len(out) >= limit:
            break
        _expand_float_item(raw, text, out, limit)
    if limit is not None:
        del out[limit:]
    return tuple(out)


def expand_expected(text: str, limit: int | None = None) -> tuple[ExpectedValue, ...]:
    """Expand a sequence of expected values (promqltest ``eval`` results, ruletest expectations):
    like ``expand_values(text, histograms=True)`` but histograms are not validated (a result may
    hold negative buckets) and carry whether their counter reset hint was written out."""
    if "{{" not in text:
        return expand_values(text, limit)
    return tuple(v for v in _expand_mixed(text, limit, expected=True) if not isinstance(v, FloatHistogram))


def parse_histogram(text: str) -> ExpectedHistogram:
    """One histogram, as promtool reads ``exp_samples[].histogram``: exactly one value, and a
    histogram (not validated: promtool only compares it)."""
    values = expand_expected(text)
    if len(values) != 1:
        raise SeriesNotationError(f"expected 1 value, got {len(values)}")
    value = values[0]
    if not isinstance(value, ExpectedHistogram):
        raise SeriesNotationError(f"expected histogram, got {_sequence_value_string(value)}")
    return value


def _sequence_value_string(value: float | Stale | None) -> str:
    """promql's ``SequenceValue.String()``: ``_`` or the number as Go's ``%f`` (stale is a NaN)."""
    if value is None:
        return "_"
    number = math.nan if isinstance(value, Stale) else value
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return f"{number:f}"


def _expand_float_item(raw: str, text: str,
                       out: list[HistogramSeriesValue] | list[HistogramSeriesValue | ExpectedHistogram],
                       limit: int | None) -> None:
    m = _ITEM.match(raw)
    if not m:
        raise SeriesNotationError(f"invalid value {raw!r} in sequence {text!r}")
    times_s = m.group("times")
    times = int(times_s) if times_s is not None else None
    if times is not None and limit is not None:
        times = min(times, max(limit - len(out), 0))
    if times is not None and len(out) + times + 1 > MAX_EXPANDED_VALUES:
        raise SeriesNotationError(
            f"value {raw!r} expands to {times + 1} samples; at most {MAX_EXPANDED_VALUES} "
            "values per series are supported")
    if m.group("blank"):
        if m.group("step"):
            raise SeriesNotationError(f"'_' cannot have an increment in {raw!r}")
        out.extend([None] * (times if times is not None else 1))
        return
    if m.group("stale"):
        # "stale+0x3" is accepted by promtool: adding to a stale marker keeps it stale.
        out.extend([STALE] * ((times + 1) if times is not None else 1))
        return
    value = _to_float(m.group("start"))
    if times is None:
        if m.group("step"):
            raise SeriesNotationError(f"increment without repetition count in {raw!r}")
        out.append(value)
        return
    step = _to_float(m.group("step")) if m.group("step") else 0.0
    for _ in range(times + 1):
        out.append(value)
        value += step


def _count_float_item(raw: str, text: str) -> int:
    m = _ITEM.match(raw)
    if not m:
        raise SeriesNotationError(f"invalid value {raw!r} in sequence {text!r}")
    times = int(m.group("times")) if m.group("times") is not None else None
    if m.group("blank"):
        if m.group("step"):
            raise SeriesNotationError(f"'_' cannot have an increment in {raw!r}")
        return times if times is not None else 1
    if times is None:
        if m.group("step") and not m.group("stale"):
            raise SeriesNotationError(f"increment without repetition count in {raw!r}")
        return 1
    return times + 1


def count_values(text: str, *, histograms: bool = False) -> int:
    """How many steps ``text`` spans (what ``len(expand_values(text))`` would be), checking its
    syntax but without expanding it: ``0x10000000`` costs nothing here."""
    if "{{" in text:
        if not histograms:
            raise _refuse_histograms(text)
        n = 0
        for item in _scan(text):
            if isinstance(item, _FloatToken):
                n += _located(item.column, _count_float_item, item.raw, text)
            else:
                n += 1 if item.times is None else item.times + 1
        return n
    n = 0
    for raw in text.split():
        n += _count_float_item(raw, text)
    return n


@overload
def parse_series(description: str, values: str, limit: int | None = None, *,
                 histograms: Literal[False] = False) -> SeriesSpec[SeriesValue]: ...


@overload
def parse_series(description: str, values: str, limit: int | None = None, *,
                 histograms: bool) -> SeriesSpec[HistogramSeriesValue]: ...


def parse_series(description: str, values: str, limit: int | None = None, *,
                 histograms: bool = False) -> SeriesSpec[HistogramSeriesValue] | SeriesSpec[SeriesValue]:
    labels = parse_series_description(description)
    if histograms:
        return SeriesSpec(labels, expand_values(values, limit, histograms=True))
    return SeriesSpec(labels, expand_values(values, limit))


# --- native histograms -----------------------------------------------------------------------
#
# The lexer and grammar are Prometheus's (promql/parser/lex.go lexHistogram*, generated_parser.y
# histogram_series_value): items are separated by spaces, a key is glued to its ':' and value,
# numbers are read as promql's parser reads them (strconv.ParseInt base 0, then ParseFloat).

_SPACES = " \t\n\r"
_HIST_KEYS = ("schema", "sum", "count", "z_bucket", "z_bucket_w", "buckets", "offset", "n_buckets", "n_offset",
              "custom_values", "counter_reset_hint")
_HINTS = {h.value: h for h in CounterResetHint}
_WORD = re.compile(r"[A-Za-z_]+")
_DIGITS_NUMBER = re.compile(r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?[\d_]+)?")
_UINT = re.compile(r"\d+")
_UNEXPECTED_SPACE = 'unexpected " " in series values'
_T = TypeVar("_T")


@record(slots=True)
class _FloatToken:
    """A float value as written, with its column."""

    raw: str
    column: int


@record(slots=True)
class _HistogramItem:
    """One histogram item of a series notation: a histogram, or one repeated with an increment (``{{...}}+{{...}}x3``)."""

    base: FloatHistogram
    base_hint: bool
    column: int
    times: int | None = None  # None: a single value
    increment: FloatHistogram | None = None
    increment_hint: bool = False
    subtract: bool = False


class _Cursor:
    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos

    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.text[i] if i < len(self.text) else ""

    def fail(self, message: str, at: int | None = None) -> SeriesNotationError:
        return SeriesNotationError(message, column=(self.pos if at is None else at) + 1)

    def spaces(self) -> bool:
        start = self.pos
        while self.peek() and self.peek() in _SPACES:
            self.pos += 1
        return self.pos > start


def _located(column: int, fn: Callable[..., _T], *args: object) -> _T:
    """``fn(*args)``, its notation errors located at ``column``."""
    try:
        return fn(*args)
    except SeriesNotationError as exc:
        raise SeriesNotationError(exc.message, column=column) from None


def _scan(text: str) -> Iterator[_FloatToken | _HistogramItem]:
    cur = _Cursor(text, 0)
    while True:
        cur.spaces()
        if not cur.peek():
            return
        if text.startswith("{{", cur.pos):
            yield _histogram_item(cur)
            if cur.peek() and cur.peek() not in _SPACES:
                raise cur.fail(f"unexpected character in series sequence: {go_quote(cur.peek())}")
            continue
        start = cur.pos
        while cur.peek() and cur.peek() not in _SPACES:
            cur.pos += 1
        raw = text[start:cur.pos]
        brace = raw.find("{{")
        if brace >= 0:
            raise cur.fail("a histogram must be separated from the value before it by a space", start + brace)
        yield _FloatToken(raw, start + 1)


def _histogram_item(cur: _Cursor) -> _HistogramItem:
    column = cur.pos + 1
    base, base_hint = _histogram(cur)
    op = cur.peek()
    if op == "x":
        cur.pos += 1
        return _HistogramItem(base, base_hint, column, times=_repetitions(cur))
    if op in ("+", "-"):
        cur.pos += 1
        if not cur.text.startswith("{{", cur.pos):
            raise cur.fail(f"expected a histogram after {go_quote(op)}, as in {{{{...}}}}{op}{{{{...}}}}x10")
        inc, inc_hint = _histogram(cur)
        if cur.peek() != "x":
            raise cur.fail(f"expected a repetition count after {{{{...}}}}{op}{{{{...}}}}, as in x10")
        cur.pos += 1
        return _HistogramItem(base, base_hint, column, times=_repetitions(cur), increment=inc, increment_hint=inc_hint,
                              subtract=op == "-")
    return _HistogramItem(base, base_hint, column)


def _repetitions(cur: _Cursor) -> int:
    m = _UINT.match(cur.text, cur.pos)
    if not m:
        raise cur.fail("expected a repetition count after 'x'")
    cur.pos = m.end()
    if cur.peek() and cur.peek() not in _SPACES:
        raise cur.fail(f"unexpected character in series sequence: {go_quote(cur.peek())}")
    return int(m.group(0))


def _histogram(cur: _Cursor) -> tuple[FloatHistogram, bool]:
    """One ``{{...}}`` (the cursor is on its ``{{``); returns it and whether it gave a hint."""
    open_at = cur.pos
    cur.pos += 2
    desc: dict[str, object] = {}
    if cur.peek() in _SPACES and cur.peek():
        space_at = cur.pos
        cur.spaces()
        if not cur.text.startswith("}}", cur.pos):  # only ``{{ }}`` may start with a space
            raise cur.fail(_UNEXPECTED_SPACE, space_at)
    while not cur.text.startswith("}}", cur.pos):
        if not cur.peek():
            raise cur.fail("unclosed histogram description: missing '}}'", open_at)
        key_at = cur.pos
        m = _WORD.match(cur.text, cur.pos)
        if not m:
            raise cur.fail(f"histogram description incomplete unexpected: {go_quote(cur.peek())}")
        word = m.group(0)
        key = word.lower()
        cur.pos = m.end()
        if key not in _HIST_KEYS:
            raise cur.fail(f"bad histogram descriptor found: {go_quote(word)}", key_at)
        if cur.peek() != ":":
            raise cur.fail("missing `:` for histogram descriptor", key_at)
        cur.pos += 1
        if key in desc:
            raise cur.fail(f'duplicate key "{key}" in histogram', key_at)
        desc[key] = _desc_value(cur, key)
        if cur.spaces():
            continue
        if not cur.text.startswith("}}", cur.pos):
            if not cur.peek():
                raise cur.fail("unclosed histogram description: missing '}}'", open_at)
            raise cur.fail(f"histogram description incomplete unexpected: {go_quote(cur.peek())}")
    cur.pos += 2
    return _build_histogram(desc), "counter_reset_hint" in desc


def _desc_value(cur: _Cursor, key: str) -> object:
    if key in ("schema", "offset", "n_offset"):
        negative = cur.peek() == "-"
        if negative:
            cur.pos += 1
        start = cur.pos
        token = _number_token(cur, key)
        if not _UINT.fullmatch(token):
            raise cur.fail(f"invalid repetition in series values: strconv.ParseUint: parsing {go_quote(token)}: "
                           "invalid syntax", start)
        integer = -int(token) if negative else int(token)
        return (integer + 2**31) % 2**32 - 2**31  # Prometheus keeps these in an int32
    if key in ("sum", "count", "z_bucket", "z_bucket_w"):
        negative = cur.peek() == "-"
        if negative:
            if key == "z_bucket_w":
                raise cur.fail("unexpected \"-\" in histogram description: z_bucket_w takes an unsigned number")
            cur.pos += 1
        start = cur.pos
        value = _go_number(cur, _number_token(cur, key), start)
        return -value if negative else value
    if key in ("buckets", "n_buckets", "custom_values"):
        return _bucket_set(cur, key)
    m = _WORD.match(cur.text, cur.pos)
    word = m.group(0) if m else ""
    if word.lower() not in _HINTS:
        if not word:
            raise _unexpected(cur, "a counter reset hint (unknown, reset, not_reset or gauge)")
        raise cur.fail(f"bad histogram descriptor found: {go_quote(word)}")
    cur.pos += len(word)
    return _HINTS[word.lower()]


def _unexpected(cur: _Cursor, wanted: str) -> SeriesNotationError:
    if not cur.peek():
        return cur.fail(f"unexpected end of input in histogram description, expected {wanted}")
    if cur.peek() in _SPACES:
        return cur.fail(_UNEXPECTED_SPACE)
    return cur.fail(f"unexpected {go_quote(cur.peek())} in histogram description, expected {wanted}")


def _number_token(cur: _Cursor, key: str) -> str:
    """A NUMBER as promql's lexer scans it inside a histogram: digits (with ``.``, ``_``,
    an exponent) or the words Inf and NaN."""
    m = _DIGITS_NUMBER.match(cur.text, cur.pos) or re.compile(r"(?i:inf|nan)(?![A-Za-z_])").match(cur.text, cur.pos)
    if not m:
        word = _WORD.match(cur.text, cur.pos)
        if word:
            raise cur.fail(f"bad histogram descriptor found: {go_quote(word.group(0))}")
        raise _unexpected(cur, f"a number for {key}:")
    after = m.end()
    if after < len(cur.text) and (cur.text[after].isalnum() or cur.text[after] == "_"):
        raise cur.fail(f"bad number syntax: {go_quote(cur.text[cur.pos:after + 1])}")
    cur.pos = after
    return m.group(0)


def _go_number(cur: _Cursor, token: str, at: int) -> float:
    """promql's ``parser.number``: strconv.ParseInt(s, 0, 64), else strconv.ParseFloat."""
    low = token.lower()
    if low in ("inf", "nan"):
        return math.inf if low == "inf" else math.nan
    if re.fullmatch(r"[\d_]+", token) and _underscores_ok(token):
        digits = token.replace("_", "")
        as_int: int | None
        if len(digits) > 1 and digits[0] == "0":
            as_int = int(digits, 8) if re.fullmatch(r"[0-7]+", digits) else None  # Go: a leading 0 is octal
        else:
            as_int = int(digits)
        if as_int is not None and as_int < 2**63:
            return float(as_int)
    if "_" in token and not _underscores_ok(token):
        raise cur.fail(f"error parsing number: strconv.ParseFloat: parsing {go_quote(token)}: invalid syntax", at)
    value = float(token.replace("_", ""))
    if math.isinf(value):
        raise cur.fail(f"error parsing number: strconv.ParseFloat: parsing {go_quote(token)}: value out of range", at)
    return value


def _underscores_ok(s: str) -> bool:
    """Go's ``underscoreOK``: underscores only between digits."""
    saw = "^"
    for ch in s:
        if ch.isdigit():
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
    return saw != "_"


def _bucket_set(cur: _Cursor, key: str) -> tuple[float, ...]:
    if cur.peek() != "[":
        raise cur.fail(f"expected '[' after {key}:, as in {key}:[5 10 7]")
    cur.pos += 1
    values: list[float] = []
    while True:
        ch = cur.peek()
        if ch == "]" and values:
            cur.pos += 1
            return tuple(values)
        if not ch:
            raise cur.fail(f"unclosed {key}:[...]")
        if ch in _SPACES:
            raise cur.fail(_UNEXPECTED_SPACE)
        negative = ch == "-"
        if negative:
            cur.pos += 1
            if not (cur.peek().isdigit() or cur.peek() == "."):
                raise cur.fail(f"bad number syntax: {go_quote(cur.peek())}")
        elif not (ch.isdigit() or ch == "." or ch.isalpha()):
            raise cur.fail(f"invalid character in buckets description: {go_quote(ch)}")
        start = cur.pos
        value = _go_number(cur, _number_token(cur, key), start)
        values.append(-value if negative else value)
        if cur.spaces():
            continue
        if cur.peek() != "]":
            raise cur.fail(f"invalid character in buckets description: {go_quote(cur.peek() or ' ')}")


def _build_histogram(desc: dict[str, object]) -> FloatHistogram:
    def side(buckets_key: str, offset_key: str) -> tuple[tuple[Span, ...], tuple[float, ...]]:
        buckets = desc.get(buckets_key, ())
        assert isinstance(buckets, tuple)
        offset = desc.get(offset_key, 0)
        assert isinstance(offset, int)
        return ((Span(offset, len(buckets)),) if buckets else ()), buckets

    def number(key: str) -> float:
        v = desc.get(key, 0.0)
        assert isinstance(v, float)
        return v

    schema = desc.get("schema", 0)
    hint = desc.get("counter_reset_hint", CounterResetHint.UNKNOWN)
    custom = desc.get("custom_values", ())
    assert isinstance(schema, int) and isinstance(hint, CounterResetHint) and isinstance(custom, tuple)
    pos_spans, pos_buckets = side("buckets", "offset")
    neg_spans, neg_buckets = side("n_buckets", "n_offset")
    return FloatHistogram(counter_reset_hint=hint, schema=schema, zero_threshold=number("z_bucket_w"),
                          zero_count=number("z_bucket"), count=number("count"), sum=number("sum"),
                          positive_spans=pos_spans, positive_buckets=pos_buckets, negative_spans=neg_spans,
                          negative_buckets=neg_buckets, custom_values=custom)


def _expand_mixed(text: str, limit: int | None, *, expected: bool) -> list[HistogramSeriesValue | ExpectedHistogram]:
    """Expand a sequence holding histograms: input values (validated as the TSDB validates
    what it stores) or, with ``expected``, expected values (histograms not validated, wrapped
    with whether their hint was written out)."""
    out: list[HistogramSeriesValue | ExpectedHistogram] = []
    for item in _scan(text):
        if limit is not None and len(out) >= limit:
            break
        if isinstance(item, _FloatToken):
            _located(item.column, _expand_float_item, item.raw, text, out, limit)
            continue
        times = item.times
        if times is not None and limit is not None:
            times = min(times, max(limit - len(out), 0))
        if times is not None and len(out) + times + 1 > MAX_EXPANDED_VALUES:
            raise SeriesNotationError(f"histogram expands to {times + 1} samples; at most {MAX_EXPANDED_VALUES} "
                                      "values per series are supported", column=item.column)
        hint_given = item.increment_hint if item.increment is not None else item.base_hint
        checked: FloatHistogram | None = None
        for h in _histogram_values(item, times):
            if limit is not None and len(out) >= limit:
                break  # samples past the last evaluation are never loaded (nor checked)
            if expected:
                out.append(ExpectedHistogram(h, hint_given))
                continue
            if h is not checked:
                err = h.validate()
                if err:
                    raise SeriesNotationError(err, column=item.column)
                checked = h
            out.append(h)
    if limit is not None:
        del out[limit:]
    return out


def _histogram_values(item: _HistogramItem, times: int | None) -> Iterator[FloatHistogram]:
    yield item.base
    if times is None:
        return
    if item.increment is None:
        for _ in range(times):
            yield item.base
        return
    inc = item.increment
    cur = item.base
    for _ in range(times):
        if cur.schema > inc.schema:
            raise SeriesNotationError(f"error combining histograms: cannot merge from schema {inc.schema} to "
                                      f"{cur.schema}", column=item.column)
        res = cur.sub(inc) if item.subtract else cur.add(inc)
        if res.histogram is None:
            raise SeriesNotationError("cannot apply this operation on histograms with a mix of exponential and "
                                      "custom bucket schemas", column=item.column)
        cur = res.histogram
        yield cur
