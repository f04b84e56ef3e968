"""Prometheus' template function map (``template/template.go``), with exact number formatting
(see ``shared/reference/alert-templates.md`` §6.3)."""

from __future__ import annotations

import ipaddress
import math
import unicodedata
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from ruletest.durations import DurationError, parse_duration
from ruletest.gocompat import GoNumError, format_float, format_float_g, format_go_time, go_int64, parse_float
from ruletest.promql.regex import compile_unanchored, go_expand
from ruletest.templates.exec import FuncError
from ruletest.templates.gofunc import ANY, QUERY_RESULT, SAMPLE, STRING, GoFunc
from ruletest.templates.values import (
    DurationValue,
    HTMLString,
    LabelMap,
    PointerValue,
    QueryResult,
    StructValue,
    TimeValue,
    go_type_name,
)

QueryFn = Callable[[str], list[PointerValue]]


def g4(v: float) -> str:
    """Go ``%.4g``."""
    return format_float(v, "g", 4)


def to_float(v: Any) -> float:
    """``ConvertToFloat`` from prometheus/common."""
    if isinstance(v, bool):
        raise FuncError(f"can't convert {go_type_name(v)} to float")
    if isinstance(v, float | int):
        return float(v)
    if isinstance(v, DurationValue):
        # time.Duration.Seconds(): whole seconds plus the nanosecond remainder.
        whole = abs(v.ns) // 1_000_000_000 * (1 if v.ns >= 0 else -1)
        return float(whole) + float(v.ns - whole * 1_000_000_000) / 1e9
    if isinstance(v, str):
        try:
            return parse_float(v)
        except GoNumError as exc:
            raise FuncError(str(exc)) from None
    raise FuncError(f"can't convert {go_type_name(v)} to float")


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
        d = go_int64(ax)
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
    return format_go_time(_float_to_time_ms(x))


def _float_to_time_ms(x: float) -> int:
    """Prometheus' ``floatToTime`` (Unix seconds -> time, through int64 nanoseconds and
    ``model.TimeFromUnixNano``'s milliseconds)."""
    if math.isnan(x) or math.isinf(x):
        raise FuncError("value is NaN or Inf")
    ns_f = x * 1e9
    # Go compares against float64(MaxInt64) == 2**63, so 2**63 itself passes and wraps.
    if ns_f > 2.0**63 or ns_f < -(2.0**63):
        raise FuncError(f"{format_float_g(x)} cannot be represented as a nanoseconds timestamp since it overflows int64")
    ns = go_int64(ns_f)
    q = abs(ns) // 1_000_000
    return q if ns >= 0 else -q


def to_time(v: Any) -> TimeValue:
    return TimeValue(_float_to_time_ms(to_float(v)))


def to_duration(v: Any) -> DurationValue:
    # time.Duration(v * float64(time.Second)): a plain conversion, no range check.
    return DurationValue(go_int64(to_float(v) * 1e9))


def title_strings(s: Any) -> str:
    """Go ``strings.Title`` (Prometheus 2.x): the rune after a separator is mapped with
    ``unicode.ToTitle`` (a single-rune mapping, so "ß" stays). ASCII letters, digits and
    underscore, and any Unicode letter or digit, are not separators; other ASCII characters and
    Unicode spaces are; other Unicode characters are neither ("they're" -> "They'Re")."""
    out = []
    prev = " "
    for ch in _str(s):
        out.append(_to_title(ch) if _is_separator(prev) else ch)
        prev = ch
    return "".join(out)


def _to_title(ch: str) -> str:
    mapped = ch.title()
    return mapped if len(mapped) == 1 else ch


def _is_separator(ch: str) -> bool:
    if ord(ch) <= 0x7F:
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or unicodedata.category(ch) == "Nd":
        return False
    return ch.isspace()


def title(s: Any) -> str:
    """``cases.Title(language.AmericanEnglish, cases.NoLower)`` (Prometheus 3): upper-case the
    first letter of each word, leave the rest. Underscores, apostrophes and dots inside words do
    not start a word; a letter after a digit does ("1st" -> "1St")."""
    out = []
    word_start = True
    prev = ""
    for ch in _str(s):
        if ch.isalpha():
            out.append(ch.title() if word_start else ch)  # full title-case mapping: "ß" -> "Ss"
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
    return go_replace_all(regex, _str(text), _str(repl))


def go_replace_all(regex: Any, src: str, template: str) -> str:
    """Go ``Regexp.ReplaceAllString``: an empty match right after a previous match is not
    replaced, and the search always advances by at least one character
    (``reReplaceAll "a*" "-" "baaac"`` is ``-b-c-``)."""
    out = []
    last_end = 0
    search = 0
    n = len(src)
    while search <= n:
        m = regex.search(src, search)
        if m is None:
            break
        start, end = m.span()
        out.append(src[last_end:start])
        if end > last_end or start == 0:
            out.append(go_expand(template, m))
        last_end = end
        search = search + 1 if search + 1 > end else end
    out.append(src[last_end:])
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


_NIL_DEREFERENCE = "runtime error: invalid memory address or nil pointer dereference"


def _sample_labels(s: Any) -> LabelMap:
    if s is None:
        raise FuncError(_NIL_DEREFERENCE)  # Go panics; text/template reports the panic
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
    if s is None:
        raise FuncError(_NIL_DEREFERENCE)
    if not isinstance(s, PointerValue):
        raise FuncError(f"wrong type for value; expected *template.sample; got {go_type_name(s)}")
    return s.field("Value")[1]


def strvalue(s: Any) -> str:
    return _sample_labels(s).get("__value__", "")


def sort_by_label(name: Any, v: Any) -> QueryResult:
    if v is None:
        return QueryResult()
    if not isinstance(v, list):
        raise FuncError(f"wrong type for value; expected template.queryResult; got {go_type_name(v)}")
    key = _str(name)
    return QueryResult(sorted(v, key=lambda s: _sample_labels(s).get(key, "")))


def args_fn(*a: Any) -> dict[str, Any]:
    return {f"arg{i}": x for i, x in enumerate(a)}


def graph_link(expr: Any) -> str:
    return "/graph?g0.expr=" + urllib.parse.quote_plus(_str(expr), safe="") + "&g0.tab=0"


def table_link(expr: Any) -> str:
    return "/graph?g0.expr=" + urllib.parse.quote_plus(_str(expr), safe="") + "&g0.tab=1"


def parse_duration_fn(d: Any, allow_negative: bool = True) -> float:
    # Prometheus 3 accepts negative durations here (ParseDurationAllowNegative); 2.x did not.
    try:
        return parse_duration(_str(d), allow_negative=allow_negative) / 1000
    except DurationError as exc:
        raise FuncError(exc.message) from None


def make_sample(labels: Sequence[tuple[str, str]], value: float) -> PointerValue:
    return PointerValue(StructValue("template.sample", {"Labels": LabelMap(labels), "Value": value}))


def _no_external_url() -> str:
    # promtool's rule manager has no external URL (ManagerOptions.ExternalURL is nil in
    # cmd/promtool/unittest.go, 2.42 and 3.14): these functions dereference it and panic. The
    # test group's external_url only sets the $externalURL variable.
    raise FuncError(_NIL_DEREFERENCE)


def prometheus_funcs(*, query: QueryFn | None, now_ms: int, external_url: str,
                     newer: bool = True) -> dict[str, GoFunc]:
    """Prometheus' template functions; ``newer`` selects Prometheus 3's versions of those that
    changed (the caller passes ``Semantics.template_functions_3x``)."""
    def query_fn(q: Any) -> QueryResult:
        if query is None:
            raise FuncError("query is not available here")
        return QueryResult(query(_str(q)))

    # Go parameter types, from template/template.go (interface{} for humanize*, string for the
    # string functions): the executor checks arguments against them before the call.
    one_string, one_any = (STRING,), (ANY,)
    return {
        "query": GoFunc(query_fn, one_string),
        "first": GoFunc(first, (QUERY_RESULT,)),
        "label": GoFunc(label, (STRING, SAMPLE)),
        "value": GoFunc(value, (SAMPLE,)),
        "strvalue": GoFunc(strvalue, (SAMPLE,)),
        "args": GoFunc(args_fn, (), ANY),
        "reReplaceAll": GoFunc(re_replace_all, (STRING, STRING, STRING)),
        "safeHtml": GoFunc(lambda s: HTMLString(_str(s)), one_string),
        "match": GoFunc(match, (STRING, STRING)),
        "title": GoFunc(title if newer else title_strings, one_string),
        "toUpper": GoFunc(to_upper, one_string),
        "toLower": GoFunc(to_lower, one_string),
        "graphLink": GoFunc(graph_link, one_string),
        "tableLink": GoFunc(table_link, one_string),
        "sortByLabel": GoFunc(sort_by_label, (STRING, QUERY_RESULT)),
        "humanize": GoFunc(humanize, one_any),
        "humanize1024": GoFunc(humanize1024, one_any),
        "humanizeDuration": GoFunc(humanize_duration, one_any),
        "humanizePercentage": GoFunc(humanize_percentage, one_any),
        "humanizeTimestamp": GoFunc(humanize_timestamp, one_any),
        "toTime": GoFunc(to_time, one_any),
        "toDuration": GoFunc(to_duration, one_any),
        "pathPrefix": GoFunc(_no_external_url),
        "externalURL": GoFunc(_no_external_url),
        "parseDuration": GoFunc(lambda d: parse_duration_fn(d, newer), one_string),
        "stripPort": GoFunc(strip_port, one_string),
        "stripDomain": GoFunc(strip_domain, one_string),
        "urlQueryEscape": GoFunc(lambda s: urllib.parse.quote_plus(_str(s), safe=""), one_string),
        "now": GoFunc(lambda: now_ms / 1000),
    }


PROMETHEUS_FUNC_NAMES = frozenset(prometheus_funcs(query=None, now_ms=0, external_url=""))
