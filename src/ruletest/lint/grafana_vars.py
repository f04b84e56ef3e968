"""Grafana's variable substitution in a Prometheus query, done the way Grafana does it.

A Prometheus query goes through two passes in Grafana (10/11/12, scenes and classic dashboards):

1. The browser's template service (``public/app/features/templating/template_srv.ts``, scenes'
   ``sceneInterpolator.ts``) replaces every match of Grafana's variable regex (scenes
   ``VARIABLE_REGEX``: ``$var``, ``[[var]]``, ``[[var:fmt]]``, ``${var}``, ``${var.field}``,
   ``${var:fmt}``, ``${var:fmt:arg}``). An explicit format picks a formatter of the format
   registry (scenes ``formatRegistry.ts``); without one the Prometheus data source's
   ``interpolateQueryExpr`` (``packages/grafana-prometheus/src/datasource.ts``) formats the value:
   a single-valued variable is escaped for a string literal, a multi-value or include-all one is
   regex-escaped and joined as ``(a|b)``. "All" is the variable's custom all value, inserted raw
   and interpolated again, or else every option's value. Names that are no variable are left as
   they are. ``$__interval`` and ``$__interval_ms`` are scoped to themselves, so the browser leaves
   them for the backend; ``$__from``/``$__to`` are the time range's epoch milliseconds.
2. The backend (``pkg/promlib/models/query.go``, ``interpolateVariables``) replaces the literal
   strings ``$__interval_ms``, ``$__interval``, ``$__range_ms``, ``$__range_s``, ``$__range``,
   ``$__rate_interval_ms``, ``$__rate_interval`` (then the ``${...}`` forms), in that order, with
   the query step, the range and the rate interval ``max($__interval + scrape, 4 * scrape)``.

Offline, a variable's value comes from the dashboard's ``templating.list`` (its saved current
value, a custom variable's options, a constant's query...). A variable with no known value is
replaced by a neutral placeholder chosen from where it stands (inside a string, a range, a
grouping, a name, a number): the placeholder keeps the query valid and every finding that
mentions it is dropped (see :data:`PLACEHOLDER`), so it cannot cause a false finding.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ruletest.records import record

# Grafana's VARIABLE_REGEX (JavaScript's \w is ASCII).
VARIABLE_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}", re.ASCII)
ALL_VALUE = "$__all"
AUTO_VALUES = ("$__auto",)
PLACEHOLDER = "ruletest_var_"  # prefix of placeholder names: findings mentioning it are not reported
# The query step and range are not known offline; "now" is fixed so output is reproducible.
REFERENCE_NOW_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
DEFAULT_RANGE_MS = 6 * 3_600_000  # Grafana's default time range: now-6h to now
DEFAULT_RESOLUTION = 1500  # pkg/promlib/intervalv2: DefaultRes, when a query has no maxDataPoints
SAFE_RESOLUTION = 11000  # pkg/promlib/models/query.go: safeResolution

Value = str | tuple[str, ...]


@record
class Variable:
    """One entry of ``templating.list``. ``value`` is None when it is not known offline."""

    name: str
    type: str = "custom"
    value: Value | None = None
    text: Value | None = None
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None
    options: tuple[str, ...] | None = None  # option values, without "All"; None when not saved
    auto: bool = False  # interval variable whose value is "auto"
    auto_count: int = 30
    auto_min_ms: int = 10_000


@record
class TimeContext:
    """What Grafana computes for one query: the range, the step ($__interval) and $__rate_interval."""

    range_ms: int
    step_ms: int
    rate_interval_ms: int
    to_ms: int = REFERENCE_NOW_MS

    @property
    def from_ms(self) -> int:
        return self.to_ms - self.range_ms


@record
class Interpolated:
    text: str
    placeholders: tuple[str, ...]  # variables replaced by a placeholder (value unknown, or masked)
    ambiguous: int  # how many placeholders could be a name or a number


# --- durations as Grafana computes and prints them --------------------------------------------

_ROUND_TABLE = (  # gtime.RoundInterval / intervalv2's roundInterval (milliseconds)
    (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000),
    (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000),
    (90000, 60000), (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000),
    (1500000, 1200000), (2700000, 1800000), (5400000, 3600000), (9000000, 7200000),
    (16200000, 10800000), (32400000, 21600000), (86400000, 43200000), (172800000, 86400000),
    (604800000, 86400000), (1814400000, 604800000),
)


def round_interval(ms: int) -> int:
    """Grafana's "nice" interval for a computed one (1m29s -> 1m, 2m -> 2m...)."""
    for limit, rounded in _ROUND_TABLE:
        if ms <= limit:
            return rounded
    return 2_592_000_000 if ms < 3_628_800_000 else 31_536_000_000


def format_interval(ms: int) -> str:
    """gtime.FormatInterval: the largest whole unit, truncated (90s -> "1m")."""
    for unit, size in (("y", 31_536_000_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size:
            return f"{ms // size}{unit}"
    return f"{ms}ms" if ms >= 1 else "1ms"


def go_duration(ms: int) -> str:
    """Go's time.Duration.String() for whole milliseconds ("1m0s", "1m15s", "2h0m0s", "500ms")."""
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = f"{rest // 1000}" + (f".{rest % 1000:03d}".rstrip("0") if rest % 1000 else "")
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{minutes}m{seconds}s"
    return f"{seconds}s"


_GRAFANA_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w|M|y)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000,
            "M": 2_592_000_000, "y": 31_536_000_000}


def parse_interval(text: str) -> int | None:
    """A Grafana interval setting ("15s", ">10s", "1m", bare seconds "30"), None if it is not one."""
    text = text.strip().replace("<", "", 1).replace(">", "", 1)
    if text.isdigit():
        return int(text) * 1000
    m = _GRAFANA_DURATION.match(text)
    return int(m.group(1)) * _UNIT_MS[m.group(2)] if m else None


def time_context(range_ms: int, scrape_ms: int, *, max_data_points: int | None = None,
                 min_interval: str | None = None, query_interval: str | None = None) -> TimeContext:
    """The step ($__interval) and $__rate_interval Grafana computes for one query. ``scrape_ms``
    stands for the data source's scrape interval setting, ``min_interval`` for the panel's "Min
    interval", ``query_interval`` for the query's "Min step" (its ``interval``); the panel width
    Grafana uses as maxDataPoints is not known offline, so the backend's default resolution is.

    The browser computes the request's interval (``rangeUtil.calculateInterval``: range / points,
    rounded, at least the panel's min interval or the scrape interval); the backend
    (``calculatePrometheusInterval`` in pkg/promlib/models/query.go) takes the query's min step,
    or else that interval, as the lower limit of range / points, keeps at least range / 11000,
    and computes ``calculateRateInterval``: max(interval + min step or scrape, 4 * the same)."""
    points = max_data_points or DEFAULT_RESOLUTION
    browser = max(round_interval(range_ms // points), (parse_interval(min_interval) if min_interval else None)
                  or scrape_ms)
    rate_step = query_interval in ("$__rate_interval", "${__rate_interval}")
    fixed = None if rate_step or query_interval in ("$__interval", "${__interval}") or not query_interval \
        else parse_interval(query_interval)
    low = fixed or browser
    calculated = range_ms // points
    step = max(low if calculated < low else round_interval(calculated), round_interval(range_ms // SAFE_RESOLUTION))
    if rate_step:  # the step itself is the rate interval
        step = max(step + scrape_ms, 4 * scrape_ms)
        return TimeContext(range_ms, step, step)
    requested = step if query_interval in ("$__interval", "${__interval}") else (fixed or scrape_ms)
    return TimeContext(range_ms, step, max(browser + requested, 4 * requested))


def resolve_setting(text: str | None, variables: Mapping[str, Variable]) -> str | None:
    """A panel's or query's interval setting with dashboard variables replaced by their values
    (Grafana interpolates ``interval`` too); ``$__interval`` and ``$__rate_interval`` stay, and a
    variable without a known value leaves the setting unknown (None)."""
    if not text or ("$" not in text and "[[" not in text):
        return text
    unknown = False

    def value(m: re.Match[str]) -> str:
        nonlocal unknown
        var = variables.get(m.group(1) or m.group(2) or m.group(4))
        if var is None:
            return m.group(0)
        resolved = var.value if not var.auto else None
        if not isinstance(resolved, str) or resolved == ALL_VALUE:
            unknown = True
            return ""
        return resolved

    out = VARIABLE_RE.sub(value, text)
    return None if unknown else out


_RELATIVE = re.compile(r"^now(?:-(\d+)(s|m|h|d|w|M|y))?(?:/[smhdwMy])?$")


def range_ms(time: Any) -> int:
    """The length of a dashboard's default time range (``"time": {"from": "now-6h", "to": "now"}``)."""
    if not isinstance(time, dict):
        return DEFAULT_RANGE_MS

    def point(value: Any) -> int | None:
        if isinstance(value, int | float):
            return int(value)
        if not isinstance(value, str):
            return None
        m = _RELATIVE.match(value.strip())
        if m:
            return REFERENCE_NOW_MS - (int(m.group(1)) * _UNIT_MS[m.group(2)] if m.group(1) else 0)
        if value.isdigit():
            return int(value)
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            return None

    start, end = point(time.get("from")), point(time.get("to"))
    if start is None or end is None or end <= start:
        return DEFAULT_RANGE_MS
    return end - start


# --- the templating list ----------------------------------------------------------------------

def _text(value: Any) -> Value | None:
    if isinstance(value, list):
        items = tuple(str(v) for v in value if isinstance(v, str | int | float))
        return items if items else None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return None  # absent, or not a value at all (some generators save an object here)


def _custom_options(query: str) -> tuple[str, ...]:
    # Custom variables: comma-separated, "\," escapes a comma, "text : value" pairs.
    out = []
    for item in re.split(r"(?<!\\),", query):
        item = item.replace("\\,", ",").strip()
        if " : " in item:
            item = item.split(" : ", 1)[1].strip()
        if item:
            out.append(item)
    return tuple(out)


def variables_from_templating(templating: Any) -> dict[str, Variable]:
    """The variables of a dashboard's ``templating`` object (or its ``list``)."""
    items = templating.get("list") if isinstance(templating, dict) else templating
    out: dict[str, Variable] = {}
    if not isinstance(items, list):
        return out
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        kind = str(item.get("type") or "query")
        current: dict[str, Any] = item["current"] if isinstance(item.get("current"), dict) else {}
        value = _text(current.get("value"))
        text = _text(current.get("text"))
        query = item.get("query")
        if isinstance(query, dict):  # newer query variables keep {"query": "...", "refId": ...}
            query = query.get("query")
        options: tuple[str, ...] | None = None
        saved = item.get("options")
        if isinstance(saved, list) and saved:
            options = tuple(str(o.get("value")) for o in saved if isinstance(o, dict)
                            and o.get("value") is not None and o.get("value") != ALL_VALUE)
        if kind in ("custom", "interval") and isinstance(query, str) and not options:
            options = _custom_options(query)
        if kind == "constant" and isinstance(query, str):
            value = value or query
        if kind == "textbox" and not value and isinstance(query, str):
            value = query
        if value == "" or value == ():
            value = None
        if kind == "query" and item.get("refresh", 1) in (1, 2) and value is not None and (
                value != ALL_VALUE and value[:1] != (ALL_VALUE,)):
            # Refreshed when the dashboard loads: the saved value is kept only if the data source
            # still offers it, which is not known offline. "All" stays "All".
            value = None
        if kind in ("custom", "interval") and value is None and options:
            value = options[0]
        auto = kind == "interval" and (bool(item.get("auto")) and (
            value is None or value in AUTO_VALUES or (isinstance(value, str) and value.startswith("$__auto_interval"))))
        auto_min = parse_interval(str(item.get("auto_min") or "10s")) or 10_000
        out[item["name"]] = Variable(
            name=item["name"], type=kind, value=value, text=text, multi=bool(item.get("multi")),
            include_all=bool(item.get("includeAll")),
            all_value=item["allValue"] if isinstance(item.get("allValue"), str) and item["allValue"] else None,
            options=options, auto=auto, auto_min_ms=auto_min,
            auto_count=item["auto_count"] if isinstance(item.get("auto_count"), int) and item["auto_count"] > 0 else 30)
    return out


# --- formats ----------------------------------------------------------------------------------

def _regex_escape(value: str) -> str:
    # @grafana/data escapeRegex
    return re.sub(r"[\\^$*+?.()|\[\]{}/]", lambda m: "\\" + m.group(0), value)


def _prometheus_regular_escape(value: str) -> str:
    # prometheusRegularEscape, classic behaviour
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def _prometheus_special_regex_escape(value: str) -> str:
    # prometheusSpecialRegexEscape, classic behaviour
    return re.sub(r"[$^*{}\[\]+?.()|]", lambda m: "\\\\" + m.group(0), value.replace("\\", "\\\\\\\\"))


def _lucene_escape(value: str) -> str:
    try:
        float(value)
        return value
    except ValueError:
        return re.sub(r'([!*+\-=<>\s&|()\[\]{}^~?:\\/"])', r"\\\1", value)


def _uri_component(value: str) -> str:
    # encodeURIComponent, then "!'()*" percent-encoded too
    return quote(value, safe="-_.~")


def _uri(value: str) -> str:
    return quote(value, safe="-_.~;/?:@&=+$,#")


def _js_string(value: Value) -> str:
    return ",".join(value) if isinstance(value, tuple) else value


def _date(value: Value, args: list[str]) -> str:
    try:
        ms = int(_js_string(value))
    except ValueError:
        return "NaN"
    arg = args[0] if args else "iso"
    if arg == "ms":
        return str(ms)
    if arg == "seconds":
        return str(round(ms / 1000))
    # ISO for "iso" and for moment.js patterns (not reproduced here).
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def format_value(value: Value, fmt: str | None, var: Variable) -> str:
    """``value`` formatted by the explicit format ``fmt`` (``regex``, ``pipe``, ``date:seconds``...)
    or, without one, by the Prometheus data source's ``interpolateQueryExpr``."""
    if fmt is None:
        if not var.multi and not var.include_all:
            return _prometheus_regular_escape(value) if isinstance(value, str) else _js_string(value)
        if isinstance(value, str):
            return _prometheus_special_regex_escape(value)
        escaped = [_prometheus_special_regex_escape(v) for v in value]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    name, *args = fmt.split(":")
    many = isinstance(value, tuple)
    items: tuple[str, ...] = value if isinstance(value, tuple) else (value,)
    text = _js_string(value)
    if name == "lucene":
        if not many:
            return _lucene_escape(text)
        return "__empty__" if not items else "(" + " OR ".join(f'"{_lucene_escape(v)}"' for v in items) + ")"
    if name in ("raw", "csv"):
        return text
    if name == "regex":
        escaped = [_regex_escape(v) for v in items]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    if name == "pipe":
        return "|".join(items)
    if name == "distributed":
        return ",".join(v if i == 0 else f"{var.name}={v}" for i, v in enumerate(items))
    if name == "html":
        joined = ", ".join(items)
        return (joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&quot;").replace("'", "&#39;"))
    if name == "json":
        return json.dumps(list(items), separators=(",", ":"), ensure_ascii=False) if many else text
    if name == "percentencode":
        return _uri_component("{" + text + "}" if many else text)
    if name == "uriencode":
        return _uri("{" + text + "}" if many else text)
    if name == "singlequote":
        return ",".join("'" + v.replace("'", "\\'") + "'" for v in items)
    if name == "doublequote":
        return ",".join('"' + v.replace('"', '\\"') + '"' for v in items)
    if name == "sqlstring":
        return ",".join("'" + v.replace("'", "''").replace('"', '\\"') + "'" for v in items)
    if name == "join":
        return (args[0] if args else ",").join(items)
    if name == "date":
        return _date(value, args)
    if name == "text":
        if items[:1] == (ALL_VALUE,):
            return "All"
        label = var.text if var.text is not None else value
        return " + ".join(label) if isinstance(label, tuple) else label
    if name == "queryparam":
        return "&".join(f"var-{var.name}={_uri_component(v)}" for v in items)
    if name == "customqueryparam":
        key = _uri_component(args[0] if args else var.name)
        prefix = _uri_component(args[1] if len(args) > 1 else "")
        return "&".join(f"{key}={prefix}{_uri_component(v)}" for v in items)
    # glob, and Grafana's fallback for an unknown format
    return "{" + text + "}" if len(items) > 1 else text


# --- where a variable stands in the query -----------------------------------------------------

_GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_NAME_CHAR = re.compile(r"[A-Za-z0-9_:]")


def _contexts(expr: str) -> list[str]:
    """Per character: "s" in a string literal, "r" in [...] (a range or subquery), "g" in a
    by/on/... label list, "b" in a selector's {...}, "c" elsewhere."""
    out: list[str] = []
    stack: list[str] = []
    quote_char: str | None = None
    escaped = False
    for i, c in enumerate(expr):
        if quote_char is not None:
            out.append("s")
            if escaped:
                escaped = False
            elif c == "\\" and quote_char != "`":
                escaped = True
            elif c == quote_char:
                quote_char = None
            continue
        if c in "\"'`":
            quote_char = c
            out.append("s")
            continue
        if c == "(":
            word = re.search(r"([A-Za-z_]+)\s*$", expr[:i])
            stack.append("g" if word and word.group(1) in _GROUPING else "c")
        elif c == "[":
            stack.append("r")
        elif c == "{":
            stack.append("b")
        elif c in ")]}" and stack:
            stack.pop()
            out.append(stack[-1] if stack else "c")
            continue
        out.append(stack[-1] if stack else "c")
    return out


def _placeholder_kind(expr: str, start: int, end: int, where: str) -> str:
    """"string", "duration", "name", "matcher", "number", or undecided: "code" (a name or a
    number) and "function" (a function or aggregation name)."""
    if where == "s":
        return "string"
    if where == "r":
        return "duration"
    before = expr[:start].rstrip()
    after = expr[end:].lstrip()
    if where == "b":
        standalone = before[-1:] in ("{", ",") and after[:1] in (",", "}")
        return "matcher" if standalone else "name"
    if where == "g":
        return "name"
    if re.search(r"\boffset$", before):
        return "duration"
    if before.endswith("@"):
        return "number"
    if (start > 0 and _NAME_CHAR.match(expr[start - 1])) or (end < len(expr) and _NAME_CHAR.match(expr[end])):
        return "name"
    if after[:1] in ("{", "["):
        return "name"
    if after[:1] == "(" or re.match(r"(by|without)\s*\(", after):
        return "function"
    if before[-1:] in ("<", ">", "=", "+", "-", "*", "/", "%", "^") or re.search(r"\bbool$", before):
        return "number"
    return "code"


_UNDECIDED = {"code": ("name", "number"), "function": ("sum", "rate")}


# --- substitution -----------------------------------------------------------------------------

def _resolve(var: Variable, variables: Mapping[str, Variable], time: TimeContext) -> Value | None:
    if var.type == "interval" and var.auto:
        # rangeUtil.calculateInterval(range, auto_count, auto_min): rounded, then the minimum
        return format_interval(max(round_interval(time.range_ms // max(var.auto_count, 1)), var.auto_min_ms))
    value = var.value
    if value is None:
        return None
    if value == ALL_VALUE or (isinstance(value, tuple) and value and value[0] == ALL_VALUE):
        if var.all_value is not None:
            return None  # handled by the caller: inserted raw, then interpolated again
        return var.options if var.options else None
    return value


def interpolate(expr: str, variables: Mapping[str, Variable], time: TimeContext, *, neutral_duration: str,
                mask: bool = False, picks: Mapping[int, int] | None = None, _depth: int = 0) -> Interpolated:
    """``expr`` as Grafana sends it to Prometheus. With ``mask``, every dashboard variable gets a
    placeholder, even one whose value is known. ``picks``: for undecided placeholders (by order of
    appearance), which reading to write (default the first: a name, or ``sum``)."""
    contexts = _contexts(expr)
    placeholders: list[str] = []
    undecided = 0

    def placeholder(name: str, m: re.Match[str]) -> str:
        nonlocal undecided
        placeholders.append(name)
        kind = _placeholder_kind(expr, m.start(), m.end(), contexts[m.start()] if m.start() < len(contexts) else "c")
        if kind in _UNDECIDED:
            kind = _UNDECIDED[kind][(picks or {}).get(undecided, 0)]
            undecided += 1
        if kind == "duration":
            return neutral_duration
        if kind == "number":
            return "1"
        if kind in ("sum", "rate"):
            return kind
        if kind == "matcher":
            return PLACEHOLDER + name + '!=""'
        return PLACEHOLDER + name

    def frontend(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(4)
        fmt = m.group(3) or m.group(6)
        if name in ("__interval", "__interval_ms"):
            return "$" + name  # scoped to itself: the backend replaces it
        var = variables.get(name)
        if var is not None:
            if var.type == "adhoc":
                return ""  # ad hoc filters are added to selectors, the variable itself renders empty
            if mask:
                return placeholder(name, m)
            value = var.value
            if var.all_value is not None and (value == ALL_VALUE or (isinstance(value, tuple) and value
                                                                      and value[0] == ALL_VALUE)):
                if fmt and fmt.split(":")[0] == "text":
                    return "All"
                if fmt and fmt.split(":")[0] == "percentencode":
                    return _uri_component(var.all_value)
                if _depth > 5:
                    return var.all_value
                inner = interpolate(var.all_value, variables, time, neutral_duration=neutral_duration,
                                    _depth=_depth + 1)
                placeholders.extend(inner.placeholders)
                return inner.text
            resolved = _resolve(var, variables, time)
            if resolved is None:
                return placeholder(name, m)
            return format_value(resolved, fmt, var)
        if name in ("__from", "__to"):
            ms = str(time.from_ms if name == "__from" else time.to_ms)
            return format_value(ms, fmt, Variable(name)) if fmt else ms
        if name.isdigit() or name in _BACKEND_NAMES:
            return m.group(0)  # not a variable: Grafana leaves it ($1 in label_replace, backend macros)
        return placeholder(name, m)

    text = VARIABLE_RE.sub(frontend, expr)
    for token, value in _backend_values(time):
        text = text.replace(token, value)
    return Interpolated(text, tuple(placeholders), undecided)


_BACKEND_NAMES = {"__range", "__range_s", "__range_ms", "__rate_interval", "__rate_interval_ms"}


def _backend_values(time: TimeContext) -> list[tuple[str, str]]:
    range_s = str(round(time.range_ms / 1000))
    pairs = [("__interval_ms", str(time.step_ms)), ("__interval", format_interval(time.step_ms)),
             ("__range_ms", str(time.range_ms)), ("__range_s", range_s), ("__range", range_s + "s"),
             ("__rate_interval_ms", str(time.rate_interval_ms)), ("__rate_interval", go_duration(time.rate_interval_ms))]
    return [("$" + k, v) for k, v in pairs] + [("${" + k + "}", v) for k, v in pairs]


def candidates(expr: str, variables: Mapping[str, Variable], time: TimeContext, *, neutral_duration: str,
               mask: bool = False) -> Iterator[Interpolated]:
    """The interpolated query, then, when placeholders stand where different things could go
    (``topk($n, ...)`` vs ``sum($metric)``, ``$agg(...)``), the other readings: the caller keeps
    the first that parses. At most 16 readings."""
    first = interpolate(expr, variables, time, neutral_duration=neutral_duration, mask=mask)
    yield first
    n = min(first.ambiguous, 4)
    for combo in itertools.islice(itertools.product((0, 1), repeat=n), 1, None):
        yield interpolate(expr, variables, time, neutral_duration=neutral_duration, mask=mask,
                          picks=dict(enumerate(combo)))
