"""promtool series notation: ``metric{a="b"}`` descriptions and expanding value sequences.

``values: '0+10x3 _ stale 1e3 -Inf'`` expands exactly like Prometheus' series-description grammar
(``promql/parser/generated_parser.y``): ``a+bxn`` gives ``n+1`` values accumulated by repeated
float addition, ``axn`` gives ``n+1`` copies, ``_xn`` gives ``n`` omitted samples.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ruletest.errors import SeriesNotationError
from ruletest.promql.values import METRIC_NAME, STALE, Labels, Stale, labels_from

# Expanding a sequence is linear in its length; refuse sequences no test needs (one year of
# 1s samples is 31.5M) before they exhaust memory.
MAX_EXPANDED_VALUES = 5_000_000


# One expanded value: a float, None (omitted, ``_``) or STALE.
SeriesValue = float | None | Stale


@dataclass(frozen=True)
class SeriesSpec:
    labels: Labels
    values: tuple[SeriesValue, ...]


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


def expand_values(text: str, limit: int | None = None) -> tuple[SeriesValue, ...]:
    """Expand a promtool value sequence into one entry per step.

    ``limit`` stops the expansion after that many values: a test that ends at 1h needs only the
    first hour of ``0+1x100000000``, and promtool never loads the rest either."""
    if "{{" in text:
        raise SeriesNotationError("native histograms are not supported yet ({{...}} values)")
    out: list[SeriesValue] = []
    for raw in text.split():
        if limit is not None and len(out) >= limit:
            break
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
            continue
        if m.group("stale"):
            # "stale+0x3" is accepted by promtool: adding to a stale marker keeps it stale.
            out.extend([STALE] * ((times + 1) if times is not None else 1))
            continue
        value = _to_float(m.group("start"))
        if times is None:
            if m.group("step"):
                raise SeriesNotationError(f"increment without repetition count in {raw!r}")
            out.append(value)
            continue
        step = _to_float(m.group("step")) if m.group("step") else 0.0
        for _ in range(times + 1):
            out.append(value)
            value += step
    if limit is not None:
        del out[limit:]
    return tuple(out)


def count_values(text: str) -> int:
    """How many steps ``text`` spans (what ``len(expand_values(text))`` would be), checking its
    syntax but without expanding it: ``0x10000000`` costs nothing here."""
    if "{{" in text:
        raise SeriesNotationError("native histograms are not supported yet ({{...}} values)")
    n = 0
    for raw in text.split():
        m = _ITEM.match(raw)
        if not m:
            raise SeriesNotationError(f"invalid value {raw!r} in sequence {text!r}")
        times = int(m.group("times")) if m.group("times") is not None else None
        if m.group("blank"):
            if m.group("step"):
                raise SeriesNotationError(f"'_' cannot have an increment in {raw!r}")
            n += times if times is not None else 1
        elif times is None:
            if m.group("step") and not m.group("stale"):
                raise SeriesNotationError(f"increment without repetition count in {raw!r}")
            n += 1
        else:
            n += times + 1
    return n


def parse_series(description: str, values: str, limit: int | None = None) -> SeriesSpec:
    return SeriesSpec(parse_series_description(description), expand_values(values, limit))
