"""Prometheus' template function map (``template/template.go``), with exact number formatting
(see ``shared/reference/alert-templates.md`` §6.3)."""

from __future__ import annotations

import ipaddress
import math
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from ruletest.durations import DurationError, parse_duration
from ruletest.promql.regex import compile_unanchored, go_expand
from ruletest.templates.exec import FuncError
from ruletest.templates.values import (
    DurationValue,
    HTMLString,
    LabelMap,
    PointerValue,
    StructValue,
    TimeValue,
    format_go_time,
    go_type_name,
)

QueryFn = Callable[[str], list[PointerValue]]


def g4(v: float) -> str:
    """Go ``%.4g``."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return f"{v:.4g}"


def to_float(v: Any) -> float:
    """``ConvertToFloat`` from prometheus/common."""
    if isinstance(v, bool):
        raise FuncError(f"can't convert {go_type_name(v)} to float")
    if isinstance(v, float | int):
        return float(v)
    if isinstance(v, DurationValue):
        return v.ns / 1e9
    if isinstance(v, str):
        try:
            return _parse_go_float(v)
        except ValueError:
            raise FuncError(f'strconv.ParseFloat: parsing "{v}": invalid syntax') from None
    raise FuncError(f"can't convert {go_type_name(v)} to float")


def _parse_go_float(s: str) -> float:
    t = s.strip()
    if t != s or not t or "_" in t:
        raise ValueError(s)
    low = t.lower().lstrip("+-")
    if low in ("inf", "infinity"):
        return -math.inf if t.startswith("-") else math.inf
    if low == "nan":
        return math.nan
    if low.startswith("0x"):
        return float.fromhex(t)
    return float(t)


_LARGE = ("k", "M", "G", "T", "P", "E", "Z", "Y")
_LARGE_1024 = ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi")
_SMALL = ("m", "u", "n", "p", "f", "a", "z", "y")


def _scale_down(x: float, prefixes: tuple[str, ...], base: float) -> tuple[float, str]:
    # Prometheus tests before dividing, so 999.95 stays "1000" without a prefix.
    prefix = ""
    for p in prefixes:
        if abs(x) < base:
            break
        prefix = p
        x /= base
    return x, prefix


def _scale_up(x: float) -> tuple[float, str]:
    prefix = ""
    for p in _SMALL:
        if abs(x) >= 1:
            break
        prefix = p
        x *= 1000
    return x, prefix


def humanize(v: Any) -> str:
    x = to_float(v)
    if x == 0 or math.isnan(x) or math.isinf(x):
        return g4(x)
    x, prefix = _scale_down(x, _LARGE, 1000) if abs(x) >= 1 else _scale_up(x)
    return g4(x) + prefix


def humanize1024(v: Any) -> str:
    x = to_float(v)
    if abs(x) <= 1 or math.isnan(x) or math.isinf(x):
        return g4(x)
    x, prefix = _scale_down(x, _LARGE_1024, 1024)
    return g4(x) + prefix


def _go_int64(x: float) -> int:
    """Go's float64 -> int64 conversion on amd64 (out of range gives the minimum int64)."""
    if math.isnan(x) or math.isinf(x) or not -(2**63) <= x < 2**63:
        return -(2**63)
    return int(x)


def _go_divmod(a: int, b: int) -> tuple[int, int]:
    q = abs(a) // b
    q = q if a >= 0 else -q
    return q, a - q * b


def humanize_duration(v: Any) -> str:
    x = to_float(v)
    if math.isnan(x) or math.isinf(x):
        return g4(x)
    if x == 0:
        return g4(x) + "s"
    if abs(x) >= 1:
        sign = "-" if x < 0 else ""
        ax = abs(x)
        d = _go_int64(ax)
        days, rem = _go_divmod(d, 86400)
        hours, rem = _go_divmod(rem, 3600)
        minutes, seconds = _go_divmod(rem, 60)
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{g4(ax)}s"
    x, prefix = _scale_up(x)
    return g4(x) + prefix + "s"


def humanize_percentage(v: Any) -> str:
    return g4(to_float(v) * 100) + "%"


def humanize_timestamp(v: Any) -> str:
    x = to_float(v)
    if math.isnan(x) or math.isinf(x):
        return g4(x)
    return format_go_time(_timestamp_ms(x))


def _timestamp_ms(x: float) -> int:
    ns_f = x * 1e9
    if not -(2**63) <= ns_f < 2**63:
        raise FuncError(f"{x} cannot be represented as a nanoseconds timestamp since it overflows int64")
    ns = int(ns_f)
    q = abs(ns) // 1_000_000
    return q if ns >= 0 else -q


def to_time(v: Any) -> TimeValue:
    x = to_float(v)
    if math.isnan(x) or math.isinf(x):
        raise FuncError(f"cannot convert {g4(x)} to Time")
    return TimeValue(_timestamp_ms(x))


def to_duration(v: Any) -> DurationValue:
    x = to_float(v)
    if math.isnan(x) or math.isinf(x):
        raise FuncError(f"cannot convert {g4(x)} to Duration")
    return DurationValue(int(x * 1e9))


def title_strings(s: Any) -> str:
    """Go ``strings.Title`` (Prometheus 2.x): a letter after any separator is upper-cased;
    letters, digits and underscore are not separators ("they're" -> "They'Re", "a.b" -> "A.B")."""
    out = []
    prev_sep = True
    for ch in _str(s):
        out.append(ch.upper() if prev_sep and ch.isalpha() else ch)
        prev_sep = not (ch.isalnum() or ch == "_")
    return "".join(out)


def title(s: Any) -> str:
    """``cases.Title(language.AmericanEnglish, cases.NoLower)`` (Prometheus 3): upper-case the
    first letter of each word, leave the rest. Underscores, apostrophes and dots inside words do
    not start a word; a letter after a digit does ("1st" -> "1St")."""
    out = []
    word_start = True
    prev = ""
    for ch in _str(s):
        if ch.isalpha():
            out.append(ch.upper() if word_start else ch)
            word_start = False
        elif ch.isdigit():
            out.append(ch)
            word_start = True
        elif ch == "_" or (ch in "'’" and prev.isalpha()) or (ch == "." and prev.isalnum()):
            out.append(ch)
            word_start = False
        else:
            out.append(ch)
            word_start = True
        prev = ch
    return "".join(out)


_UPPER_EXCEPTIONS = {"ß": "ß", "ﬁ": "ﬁ", "ﬂ": "ﬂ"}
_LOWER_EXCEPTIONS = {"İ": "i"}


def to_upper(s: Any) -> str:
    return "".join(_UPPER_EXCEPTIONS.get(c) or (c.upper() if len(c.upper()) == 1 else c) for c in _str(s))


def to_lower(s: Any) -> str:
    return "".join(_LOWER_EXCEPTIONS.get(c) or (c.lower() if len(c.lower()) == 1 else c)
                   for c in _str(s)).replace("ς", "σ")


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise FuncError(f"wrong type for value; expected string; got {go_type_name(v)}")
    return v


def _compile(pattern: str) -> Any:
    try:
        return compile_unanchored(pattern)
    except Exception as exc:
        raise FuncError(go_regexp_error(pattern, exc)) from None


def go_regexp_error(pattern: str, exc: Exception) -> str:
    """Go's ``regexp.Compile`` message for an RE2 error: ``error parsing regexp: CODE: `FRAG```."""
    text = str(getattr(exc, "message", exc))
    detail = text.split("regular expression", 1)[-1]
    raw = detail.split(": ", 1)[-1] if ": " in detail else detail
    raw = raw.strip().strip("'").removeprefix("b'").removesuffix("'")
    code, _, frag = raw.partition(": ")
    mapping = {
        "missing ]": "missing closing ]", "missing )": "missing closing )", "unexpected )": "unexpected )",
        "missing (": "unexpected )", "bad repetition operator": "missing argument to repetition operator",
        "invalid escape sequence": "invalid escape sequence", "bad character class range":
        "invalid character class range", "trailing \\": "trailing backslash at end of expression",
        "bad repetition count": "invalid repeat count", "invalid perl operator": "invalid or unsupported Perl syntax",
        "bad named capture group": "invalid named capture", "bad character class": "invalid character class",
        "invalid character class": "invalid character class",
    }
    go_code = mapping.get(code, code)
    if code == "bad repetition operator" and frag in ("**", "++", "??", "*+", "+*"):
        go_code = "invalid nested repetition operator"
    return f"error parsing regexp: {go_code}: `{frag or pattern}`"


def re_replace_all(pattern: Any, repl: Any, text: Any) -> str:
    p = _str(pattern)
    try:
        regex = compile_unanchored(p)
    except Exception as exc:
        # Go's regexp.MustCompile panics; Prometheus recovers the panic into the template error.
        raise FuncError(f"regexp: Compile(`{p}`): {go_regexp_error(p, exc)}") from None
    src = _str(text)
    template = _str(repl)
    out = []
    last = 0
    for m in regex.finditer(src):
        if m.end() == m.start() and m.start() < last:
            continue
        out.append(src[last:m.start()])
        out.append(go_expand(template, m))
        last = m.end()
    out.append(src[last:])
    return "".join(out)


def match(pattern: Any, text: Any) -> bool:
    return _compile(_str(pattern)).search(_str(text)) is not None


def _split_host_port(s: str) -> tuple[str, str] | None:
    if s.startswith("["):
        end = s.find("]")
        if end < 0 or not s[end + 1:].startswith(":") or ":" not in s[end + 1:]:
            return None
        return s[1:end], s[end + 2:]
    if s.count(":") != 1:
        return None
    host, port = s.split(":")
    return host, port


def strip_port(s: Any) -> str:
    text = _str(s)
    hp = _split_host_port(text)
    return text if hp is None else hp[0]


def strip_domain(s: Any) -> str:
    text = _str(s)
    hp = _split_host_port(text)
    host, port = (text, "") if hp is None else hp
    try:
        ipaddress.ip_address(host)
        return text
    except ValueError:
        pass
    short = host.split(".", 1)[0]
    if not port:
        return short
    return f"[{short}]:{port}" if ":" in short else f"{short}:{port}"


def _sample_labels(s: Any) -> LabelMap:
    if not isinstance(s, PointerValue):
        raise FuncError(f"wrong type for value; expected *template.sample; got {go_type_name(s)}")
    found, value = s.field("Labels")
    return value if found else LabelMap()


def first(v: Any) -> Any:
    if not isinstance(v, list) or not v:
        raise FuncError("first() called on vector with no elements")
    return v[0]


def label(name: Any, s: Any) -> str:
    return _sample_labels(s).get(_str(name), "")


def value(s: Any) -> Any:
    if not isinstance(s, PointerValue):
        raise FuncError(f"wrong type for value; expected *template.sample; got {go_type_name(s)}")
    return s.field("Value")[1]


def strvalue(s: Any) -> str:
    return _sample_labels(s).get("__value__", "")


def sort_by_label(name: Any, v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise FuncError(f"wrong type for value; expected template.queryResult; got {go_type_name(v)}")
    key = _str(name)
    return sorted(v, key=lambda s: _sample_labels(s).get(key, ""))


def args_fn(*a: Any) -> dict[str, Any]:
    return {f"arg{i}": x for i, x in enumerate(a)}


def graph_link(expr: Any) -> str:
    return "/graph?g0.expr=" + urllib.parse.quote_plus(_str(expr), safe="") + "&g0.tab=0"


def table_link(expr: Any) -> str:
    return "/graph?g0.expr=" + urllib.parse.quote_plus(_str(expr), safe="") + "&g0.tab=1"


def parse_duration_fn(d: Any, prometheus: int = 3) -> float:
    # Prometheus 3 accepts negative durations here (ParseDurationAllowNegative); 2.x did not.
    try:
        return parse_duration(_str(d), allow_negative=prometheus >= 3) / 1000
    except DurationError as exc:
        raise FuncError(exc.message) from None


def make_sample(labels: Sequence[tuple[str, str]], value: float) -> PointerValue:
    return PointerValue(StructValue("template.sample", {"Labels": LabelMap(labels), "Value": value}))


def prometheus_funcs(*, query: QueryFn | None, now_ms: int, external_url: str,
                     prometheus: int = 3) -> dict[str, Callable[..., Any]]:
    parsed = urllib.parse.urlsplit(external_url)

    def query_fn(q: Any) -> list[PointerValue]:
        if query is None:
            raise FuncError("query is not available here")
        return query(_str(q))

    return {
        "query": query_fn,
        "first": first,
        "label": label,
        "value": value,
        "strvalue": strvalue,
        "args": args_fn,
        "reReplaceAll": re_replace_all,
        "safeHtml": lambda s: HTMLString(_str(s)),
        "match": match,
        "title": title if prometheus >= 3 else title_strings,
        "toUpper": to_upper,
        "toLower": to_lower,
        "graphLink": graph_link,
        "tableLink": table_link,
        "sortByLabel": sort_by_label,
        "humanize": humanize,
        "humanize1024": humanize1024,
        "humanizeDuration": humanize_duration,
        "humanizePercentage": humanize_percentage,
        "humanizeTimestamp": humanize_timestamp,
        "toTime": to_time,
        "toDuration": to_duration,
        "pathPrefix": lambda: parsed.path,
        "externalURL": lambda: external_url,
        "parseDuration": lambda d: parse_duration_fn(d, prometheus),
        "stripPort": strip_port,
        "stripDomain": strip_domain,
        "urlQueryEscape": lambda s: urllib.parse.quote_plus(_str(s), safe=""),
        "now": lambda: now_ms / 1000,
    }


PROMETHEUS_FUNC_NAMES = frozenset(prometheus_funcs(query=None, now_ms=0, external_url=""))
