"""Alertmanager's template function map (``template.DefaultFuncs``), by the release that added
each function. A function newer than the emulated release is unknown at parse time, as in
Alertmanager (``function "since" not defined``). ``now`` and ``since`` read the simulated
clock, so rendering is deterministic."""

from __future__ import annotations

import base64
import binascii
import unicodedata
import urllib.parse
from collections.abc import Callable
from typing import Any

from ruletest.alertmanager.goregex import RegexError, compile_unanchored
from ruletest.alertmanager.gotime import GoTime, TimeError
from ruletest.alertmanager.template_data import DurationValue, StringSlice, TimeValue, go_json
from ruletest.alertmanager.version import Version
from ruletest.promql.regex import go_expand
from ruletest.templates.exec import ArgTypeError, FuncError
from ruletest.templates.funcs import humanize_duration, to_lower, to_upper
from ruletest.templates.values import GoValue, HTMLString, go_type_name

# Function -> first Alertmanager 0.x release that has it (reference §6.3).
SINCE: dict[str, int] = {
    "toUpper": 3, "toLower": 3, "title": 3, "join": 3, "safeHtml": 3, "reReplaceAll": 6, "match": 16,
    "stringSlice": 20, "trimSpace": 26, "date": 28, "tz": 28, "since": 28, "humanizeDuration": 28,
    "safeUrl": 30, "urlUnescape": 30, "toJson": 30, "list": 32, "append": 32, "dict": 32, "now": 33,
    "toDate": 34, "mustToDate": 34, "base64encode": 34, "base64decode": 34,
}


class SafeURL(str):
    """``html/template.URL`` (from ``safeUrl``): not escaped in URL attributes."""


def names(version: Version) -> frozenset[str]:
    return frozenset(n for n, minor in SINCE.items() if version.at_least(minor))


def _s(v: Any) -> str:
    if not isinstance(v, str):
        raise FuncError(f"wrong type for value; expected string; got {go_type_name(v)}")
    return v


# --- title (golang.org/x/text/cases, AmericanEnglish) --------------------------------------------

# Word-internal punctuation (UAX #29 MidLetter, MidNumLet, Single_Quote): it neither starts a
# word nor ends one, unless two come in a row.
_MID = set(":·\u0387\u05f4\u2027\ufe13\ufe55\uff1a.\u2018\u2019\u2024\ufe52\uff07\uff0e'")


def _cased(c: str) -> bool:
    return unicodedata.category(c) in ("Lu", "Ll", "Lt") or c.lower() != c.upper()


def _breaks(c: str) -> bool:
    if c in _MID:
        return False
    cat = unicodedata.category(c)
    return not (cat[0] in "LN" or cat in ("Mn", "Mc", "Me", "Pc", "Cf"))


def title(s: Any) -> str:
    """``cases.Title(language.AmericanEnglish).String``: the first cased letter of each word is
    title-cased (full mapping: ß -> Ss), the rest of the word lower-cased."""
    text = _s(s)
    out: list[str] = []
    mid_word = False
    prev_mid = False
    for c in text:
        is_mid = c in _MID
        if prev_mid and is_mid:
            mid_word = False
        if _cased(c):
            out.append(c.lower() if mid_word else c.title())
            mid_word = True
        else:
            out.append(c)
            if _breaks(c):
                mid_word = False
        prev_mid = is_mid
    return "".join(out)


# --- the rest ----------------------------------------------------------------------------------


def _join(sep: Any, items: Any) -> str:
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise FuncError(f"wrong type for value; expected []string; got {go_type_name(items)}")
    return _s(sep).join(items)


def _re_replace_all(pattern: Any, repl: Any, text: Any) -> str:
    p = _s(pattern)
    try:
        regex = compile_unanchored(p)
    except RegexError as exc:
        # regexp.MustCompile panics; text/template turns the panic into the call's error.
        raise FuncError(f"regexp: Compile({_backquote(p)}): {exc.message}") from None
    src, template = _s(text), _s(repl)
    out: list[str] = []
    last = 0
    prev_end = -1
    for m in regex.finditer(src):
        if m.start() == m.end() and m.start() == prev_end:
            continue  # Go skips an empty match right after the previous match
        out.append(src[last:m.start()])
        out.append(go_expand(template, m))
        last = m.end()
        prev_end = m.end()
    out.append(src[last:])
    return "".join(out)


def _backquote(s: str) -> str:
    """``strconv.Quote``-like backquoting used by ``regexp.MustCompile``'s panic (``quote``)."""
    if "`" not in s and all(c.isprintable() or c == "\t" for c in s):
        return "`" + s + "`"
    from ruletest.gocompat import go_quote

    return go_quote(s)


def _match(pattern: Any, text: Any) -> bool:
    try:
        regex = compile_unanchored(_s(pattern))
    except RegexError as exc:
        raise FuncError(exc.message) from None
    return regex.search(_s(text)) is not None


def _trim_space(s: Any) -> str:
    ws = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
         "\u2028\u2029\u202f\u205f\u3000"
    return _s(s).strip(ws)


def _time(v: Any) -> TimeValue:
    if not isinstance(v, TimeValue):
        raise FuncError(f"wrong type for value; expected time.Time; got {go_type_name(v)}")
    return v


def _tz(name: Any, t: Any) -> TimeValue:
    try:
        return TimeValue(_time(t).t.in_location(_s(name)))
    except TimeError as exc:
        raise FuncError(exc.message) from None


def _humanize_duration(v: Any) -> str:
    if isinstance(v, DurationValue):
        v = v.ns / 1e9
    return humanize_duration(v)


def _url_unescape(s: Any) -> str:
    text = _s(s)
    i = 0
    while i < len(text):
        if text[i] == "%":
            chunk = text[i + 1:i + 3]
            if len(chunk) < 2 or not all(c in "0123456789abcdefABCDEF" for c in chunk):
                bad = text[i:i + 3]
                raise FuncError(f"invalid URL escape {go_quote_str(bad)}")
            i += 3
        else:
            i += 1
    return urllib.parse.unquote_plus(text, errors="surrogateescape")


def go_quote_str(s: str) -> str:
    from ruletest.gocompat import go_quote

    return go_quote(s)


def _dict(*args: Any) -> dict[str, Any]:
    if len(args) % 2:
        raise FuncError("dict requires an even number of arguments")
    out: dict[str, Any] = {}
    for k, v in zip(args[::2], args[1::2], strict=True):
        if not isinstance(k, str):
            raise FuncError("dict keys must be strings")
        out[k] = v
    return out


def _append(items: Any, *more: Any) -> list[Any]:
    if not isinstance(items, list) or isinstance(items, StringSlice):
        raise FuncError(f"wrong type for value; expected []interface {{}}; got {go_type_name(items)}")
    return [*items, *more]


def _to_date(layout: Any, value: Any, must: bool) -> TimeValue:
    from ruletest.alertmanager.gotime import parse_layout

    try:
        return TimeValue(parse_layout(_s(layout), _s(value)))
    except TimeError as exc:
        if must:
            raise FuncError(exc.message) from None
        return TimeValue(GoTime.zero())


def _b64decode(s: Any) -> str:
    text = _s(s)
    try:
        return base64.b64decode(text.encode(), altchars=b"-_", validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError) as exc:
        raise FuncError(f"illegal base64 data: {exc}") from None


def _type_ok(v: Any, t: str) -> bool:
    if t == "string":
        return isinstance(v, str)
    if t == "[]string":
        return isinstance(v, StringSlice)
    if t == "time.Time":
        return isinstance(v, TimeValue)
    if t == "[]interface {}":
        return isinstance(v, list) and not isinstance(v, StringSlice | GoValue)
    return True


def _typed(fn: Callable[..., Any], *types: str, variadic: str | None = None) -> Callable[..., Any]:
    """A Go function with a signature: arguments of the wrong type fail where Go's template
    engine fails them (``wrong type for value; expected T; got U``), before the call."""

    def call(*args: Any) -> Any:
        want = len(types)
        if len(args) < want or (variadic is None and len(args) > want):
            more = " at least" if variadic is not None else ""
            raise TypeError(f"want{more} {want} got {len(args)}")
        for i, a in enumerate(args):
            t = types[i] if i < want else variadic
            assert t is not None
            if not _type_ok(a, t):
                raise ArgTypeError(i, f"wrong type for value; expected {t}; got {go_type_name(a)}")
        return fn(*args)

    return call


def funcs(version: Version, now_ms: int) -> dict[str, Callable[..., Any]]:
    """The functions of ``version``; ``now``/``since`` use ``now_ms``."""
    now = GoTime.from_ms(now_ms)
    s, t = "string", "time.Time"
    table: dict[str, Callable[..., Any]] = {
        "toUpper": _typed(to_upper, s),
        "toLower": _typed(to_lower, s),
        "title": _typed(title, s),
        "join": _typed(lambda sep, items: sep.join(items), s, "[]string"),
        "safeHtml": _typed(HTMLString, s),
        "reReplaceAll": _typed(_re_replace_all, s, s, s),
        "match": _typed(_match, s, s),
        "stringSlice": _typed(lambda *a: StringSlice(a), variadic=s),
        "trimSpace": _typed(_trim_space, s),
        "date": _typed(lambda layout, tv: tv.t.format(layout), s, t),
        "tz": _typed(_tz, s, t),
        "since": _typed(lambda tv: DurationValue(now.ns - tv.t.ns), t),
        "humanizeDuration": _typed(_humanize_duration, "any"),
        "safeUrl": _typed(SafeURL, s),
        "urlUnescape": _typed(_url_unescape, s),
        "toJson": _typed(go_json, "any"),
        "list": _typed(lambda *a: list(a), variadic="any"),
        "append": _typed(_append, "[]interface {}", variadic="any"),
        "dict": _typed(_dict, variadic="any"),
        "now": _typed(lambda: TimeValue(now)),
        "toDate": _typed(lambda layout, v: _to_date(layout, v, False), s, s),
        "mustToDate": _typed(lambda layout, v: _to_date(layout, v, True), s, s),
        "base64encode": _typed(lambda v: base64.urlsafe_b64encode(v.encode()).decode(), s),
        "base64decode": _typed(_b64decode, s),
    }
    allowed = names(version)
    return {k: v for k, v in table.items() if k in allowed}
