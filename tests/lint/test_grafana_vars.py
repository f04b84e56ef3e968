"""Grafana's variable substitution in Prometheus queries (src/ruletest/lint/grafana_vars.py).

Expected values come from Grafana's source, cited per test: the browser pass
(``public/app/features/templating/template_srv.ts``, scenes ``sceneInterpolator.ts`` and
``formatRegistry.ts``, ``packages/grafana-prometheus/src/escaping.ts``) and the backend pass
(``pkg/promlib/models/query.go``: ``interpolateVariables``, ``calculatePrometheusInterval``,
``calculateRateInterval``; ``gtime.FormatInterval``; Go's ``time.Duration.String``)."""

from __future__ import annotations

import pytest

from ruletest.lint.grafana_vars import (
    PLACEHOLDER,
    TimeContext,
    Variable,
    candidates,
    format_interval,
    format_value,
    go_duration,
    interpolate,
    range_ms,
    resolve_setting,
    round_interval,
    time_context,
    variables_from_templating,
)

H6 = 6 * 3_600_000
# 6h at 15s: 21600000 / 1500 points = 14400 ms, rounded to 15s (table: <= 17.5s -> 15s); the
# safe interval 21600000 / 11000 = 1963 ms rounds to 2s; step = 15s;
# rate = max(15s + 15s, 4 * 15s) = 60s.
T = TimeContext(range_ms=H6, step_ms=15_000, rate_interval_ms=60_000)


def sub(expr: str, variables: dict[str, Variable] | None = None, time: TimeContext = T) -> str:
    return interpolate(expr, variables or {}, time, neutral_duration="1m").text


def var(name: str, value: str | tuple[str, ...] | None, **kw: object) -> dict[str, Variable]:
    return {name: Variable(name, value=value, **kw)}  # type: ignore[arg-type]


# --- syntax of references (scenes VARIABLE_REGEX) ---------------------------------------------

@pytest.mark.parametrize("ref", ["$job", "${job}", "[[job]]"])
def test_the_three_reference_forms(ref: str) -> None:
    assert sub(f'up{{job="{ref}"}}', var("job", "api")) == 'up{job="api"}'


def test_dollar_name_takes_the_longest_word() -> None:
    # \$(\w+) is greedy: "$job_name" is the variable job_name, not job followed by "_name".
    assert sub('up{job="$job_name"}', var("job", "api")) == f'up{{job="{PLACEHOLDER}job_name"}}'
    assert sub('up{job="${job}_name"}', var("job", "api")) == 'up{job="api_name"}'


def test_a_name_that_is_no_variable_is_left_alone() -> None:
    # template_srv: `if (!variable) return match` - label_replace's $1 stays for Prometheus.
    assert sub('label_replace(up, "a", "$1", "b", "(.*)")') == 'label_replace(up, "a", "$1", "b", "(.*)")'


# --- default formatting: the Prometheus data source's interpolateQueryExpr --------------------

def test_single_value_is_escaped_for_a_string_literal() -> None:
    # prometheusRegularEscape (classic): \ -> \\ and ' -> \\'
    assert sub('up{path="$p"}', var("p", "a\\b'c")) == 'up{path="a\\\\b\\\\\'c"}'


def test_multi_value_is_regex_escaped_and_joined() -> None:
    # multi: prometheusSpecialRegexEscape (\ -> \\\\, metacharacters -> \\ + char), "(a|b)"
    got = sub('up{instance=~"$i"}', var("i", ("10.0.0.1:9100", "b"), multi=True))
    assert got == 'up{instance=~"(10\\\\.0\\\\.0\\\\.1:9100|b)"}'


def test_multi_variable_with_one_value_has_no_parentheses() -> None:
    assert sub('up{job=~"$job"}', var("job", ("a.b",), multi=True)) == 'up{job=~"a\\\\.b"}'


def test_include_all_without_custom_value_is_every_option() -> None:
    # getValue() of "All": the options' values; then formatted as a multi-value
    got = sub('up{job=~"$job"}', var("job", "$__all", include_all=True, options=("a", "b")))
    assert got == 'up{job=~"(a|b)"}'


def test_include_all_with_custom_value_is_inserted_raw_and_interpolated_again() -> None:
    # CustomAllValue: formatter returns the raw allValue, which sceneInterpolator interpolates again.
    variables = {**var("job", "$__all", include_all=True, all_value="$prefix.*"), **var("prefix", "api")}
    assert sub('up{job=~"$job"}', variables) == 'up{job=~"api.*"}'


def test_ad_hoc_variable_renders_empty() -> None:
    # formatVariableValue: `if (isAdHoc(variable) && format !== QueryParam) return ''`
    assert sub('up{job="x"$filters}', var("filters", "a=b", type="adhoc")) == 'up{job="x"}'


# --- explicit formats (scenes formatRegistry.ts) ----------------------------------------------

MULTI = Variable("v", value=("a.b", "c'd"), multi=True, text=("A", "C"))


@pytest.mark.parametrize(("fmt", "expected"), [
    ("regex", "(a\\.b|c'd)"),  # escapeRegex: [\\^$*+?.()|[\]{}/] -> \ + char
    ("pipe", "a.b|c'd"),
    ("csv", "a.b,c'd"),
    ("raw", "a.b,c'd"),  # String(array)
    ("glob", "{a.b,c'd}"),
    ("json", '["a.b","c\'d"]'),
    ("lucene", '("a.b" OR "c\'d")'),
    ("singlequote", "'a.b','c\\'d'"),
    ("doublequote", '"a.b","c\'d"'),
    ("sqlstring", "'a.b','c''d'"),
    ("distributed", "a.b,v=c'd"),
    ("join: - ", "a.b - c'd"),
    ("text", "A + C"),
    ("queryparam", "var-v=a.b&var-v=c%27d"),
    ("percentencode", "%7Ba.b%2Cc%27d%7D"),
    ("html", "a.b, c&#39;d"),
    ("nosuchformat", "{a.b,c'd}"),  # unknown format: glob, Grafana's fallback
])
def test_formats_of_a_multi_value(fmt: str, expected: str) -> None:
    assert format_value(MULTI.value, fmt, MULTI) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("fmt", "expected"), [
    ("regex", "a\\.b"), ("pipe", "a.b"), ("csv", "a.b"), ("glob", "a.b"), ("json", "a.b"), ("raw", "a.b"),
    ("lucene", "a.b"), ("singlequote", "'a.b'"), ("doublequote", '"a.b"'), ("sqlstring", "'a.b'"),
    ("queryparam", "var-v=a.b"), ("percentencode", "a.b"),
])
def test_formats_of_a_single_value(fmt: str, expected: str) -> None:
    assert format_value("a.b", fmt, Variable("v", value="a.b")) == expected


def test_format_syntax_in_braces_and_brackets() -> None:
    variables = var("job", ("a", "b"), multi=True)
    assert sub('up{job=~"${job:pipe}"}', variables) == 'up{job=~"a|b"}'
    assert sub('up{job=~"[[job:pipe]]"}', variables) == 'up{job=~"a|b"}'


# --- built-in variables -----------------------------------------------------------------------

def test_interval_range_and_rate_interval_as_the_backend_writes_them() -> None:
    # interpolateVariables: $__interval_ms before $__interval, $__range_ms/_s before $__range,
    # ms as integers, $__interval by gtime.FormatInterval, $__rate_interval by Duration.String().
    expr = "$__interval $__interval_ms $__range $__range_s $__range_ms $__rate_interval $__rate_interval_ms"
    assert sub(expr) == "15s 15000 21600s 21600 21600000 1m0s 60000"


def test_braced_built_ins() -> None:
    assert sub("rate(x[${__rate_interval}]) ${__interval} ${__range}") == "rate(x[1m0s]) 15s 21600s"


def test_bracket_form_of_a_backend_variable_is_not_replaced() -> None:
    # The backend only knows "$__rate_interval" and "${__rate_interval}"; the browser leaves
    # unknown names: "[[__rate_interval]]" reaches Prometheus as it is.
    assert sub("rate(x[[[__rate_interval]]])") == "rate(x[[[__rate_interval]]])"


def test_from_and_to() -> None:
    # TimeFromAndToMacro: epoch milliseconds; the date format: ms, seconds (rounded), iso.
    t = TimeContext(range_ms=3_600_000, step_ms=15_000, rate_interval_ms=60_000, to_ms=1_700_000_000_000)
    assert sub("$__from ${__to} ${__to:date:seconds} ${__from:date:ms} ${__to:date}", time=t) == \
        "1699996400000 1700000000000 1700000000 1699996400000 2023-11-14T22:13:20.000Z"


@pytest.mark.parametrize(("ms", "interval", "duration"), [
    (15_000, "15s", "15s"), (60_000, "1m", "1m0s"), (75_000, "1m", "1m15s"), (90_000, "1m", "1m30s"),
    (7_200_000, "2h", "2h0m0s"), (500, "500ms", "500ms"), (86_400_000, "1d", "24h0m0s"), (1_500, "1s", "1.5s"),
])
def test_duration_printing(ms: int, interval: str, duration: str) -> None:
    # gtime.FormatInterval truncates to the largest unit; Go's Duration.String never uses days.
    assert format_interval(ms) == interval
    assert go_duration(ms) == duration


@pytest.mark.parametrize(("ms", "rounded"), [
    (14_400, 15_000), (17_500, 15_000), (17_501, 20_000), (21_600, 20_000), (60_000, 60_000), (90_001, 120_000),
    (403_200, 300_000), (1_963, 2_000),
])
def test_round_interval_table(ms: int, rounded: int) -> None:
    assert round_interval(ms) == rounded


def test_time_context_formulas() -> None:
    # 6h, 15s scrape: see T above.
    assert time_context(H6, 15_000) == T
    # 7d: 604800000 / 1500 = 403200 ms -> 5m; rate = 5m + 15s.
    assert time_context(7 * 86_400_000, 15_000) == TimeContext(7 * 86_400_000, 300_000, 315_000)
    # A query "Min step" of 15s with a 1m scrape setting: the browser's interval is 1m (its lower
    # limit is the scrape interval), the step 15s; rate = max(1m + 15s, 4 * 15s) = 75s.
    assert time_context(H6, 60_000, query_interval="15s") == TimeContext(H6, 15_000, 75_000)
    # Min step $__rate_interval: the step is the rate interval, max(15s + 15s, 60s).
    assert time_context(H6, 15_000, query_interval="$__rate_interval") == TimeContext(H6, 60_000, 60_000)
    # Panel "Min interval" 1m raises the step and the rate interval: max(1m + 15s, 60s).
    assert time_context(H6, 15_000, min_interval="1m") == TimeContext(H6, 60_000, 75_000)


def test_interval_settings_are_interpolated() -> None:
    variables = {**var("iv", "1m"), **var("q", None, type="query")}
    assert resolve_setting("$iv", variables) == "1m" and resolve_setting("${iv}", variables) == "1m"
    assert resolve_setting("$__rate_interval", variables) == "$__rate_interval"
    assert resolve_setting("$q", variables) is None and resolve_setting("15s", variables) == "15s"


def test_dashboard_time_range() -> None:
    assert range_ms({"from": "now-6h", "to": "now"}) == H6
    assert range_ms({"from": "now-7d", "to": "now"}) == 7 * 86_400_000
    assert range_ms({"from": "now-1d/d", "to": "now/d"}) == 86_400_000
    assert range_ms({"from": "2024-01-01T00:00:00.000Z", "to": "2024-01-01T01:00:00.000Z"}) == 3_600_000
    assert range_ms(None) == H6  # Grafana's default: the last 6 hours


# --- values from templating.list --------------------------------------------------------------

def test_values_from_the_templating_list() -> None:
    got = variables_from_templating({"list": [
        {"name": "c", "type": "constant", "query": "node"},
        {"name": "custom", "type": "custom", "query": "a\\,b, x : y", "current": {}},
        {"name": "iv", "type": "interval", "query": "1m,5m", "current": {"text": "5m", "value": "5m"}},
        {"name": "tb", "type": "textbox", "query": "default"},
        {"name": "q", "type": "query", "refresh": 1, "current": {"text": "stale", "value": "stale"}},
        {"name": "q0", "type": "query", "refresh": 0, "current": {"text": "kept", "value": "kept"}},
        {"name": "all", "type": "query", "includeAll": True, "allValue": ".+", "current": {"value": "$__all"}},
        {"name": "broken", "type": "query", "refresh": 0, "current": {"value": {"text": "All", "value": "$__all"}}},
    ]})
    assert got["c"].value == "node"
    assert got["custom"].options == ("a,b", "y") and got["custom"].value == "a,b"
    assert got["iv"].value == "5m" and got["tb"].value == "default" and got["q0"].value == "kept"
    # A query variable refreshed on load keeps its saved value only if the data source still
    # offers it (template_srv validates it against fresh options): not known offline.
    assert got["q"].value is None
    assert got["all"].value == "$__all" and got["all"].all_value == ".+"
    assert got["broken"].value is None  # an object where a value belongs


def test_auto_interval_variable() -> None:
    # rangeUtil.calculateInterval(range, auto_count, auto_min): 6h / 30 = 12m -> rounded 10m.
    variables = variables_from_templating([{"name": "iv", "type": "interval", "auto": True, "auto_count": 30,
                                            "auto_min": "10s", "query": "1m,10m",
                                            "current": {"value": "$__auto_interval_iv"}}])
    assert sub("rate(x[$iv])", variables) == "rate(x[10m])"


# --- placeholders for values not known offline ------------------------------------------------

@pytest.mark.parametrize(("expr", "expected"), [
    ('up{job=~"$v"}', f'up{{job=~"{PLACEHOLDER}v"}}'),  # in a string
    ("rate(x[$v])", "rate(x[1m])"),  # in a range: the neutral duration
    ("rate(x[5m:$v])", "rate(x[5m:1m])"),
    ("x offset $v", "x offset 1m"),
    ("sum by ($v) (x)", f"sum by ({PLACEHOLDER}v) (x)"),  # in a label list
    ("${v}_total", f"{PLACEHOLDER}v_total"),  # part of a metric name
    ("x > $v", "x > 1"),  # after a comparison: a number
    ('x{a="b",$v}', f'x{{a="b",{PLACEHOLDER}v!=""}}'),  # a whole matcher
    ("$v(x)", "sum(x)"),  # a function or aggregation
])
def test_placeholder_fits_where_the_variable_stands(expr: str, expected: str) -> None:
    assert sub(expr) == expected


def test_undecided_placeholder_has_other_readings() -> None:
    # topk's first argument is a number: the first reading (a name) does not parse, the next does.
    readings = [c.text for c in candidates("topk($n, x)", {}, T, neutral_duration="1m")]
    assert readings == [f"topk({PLACEHOLDER}n, x)", "topk(1, x)"]


def test_mask_replaces_known_values_too() -> None:
    got = interpolate('up{job="$job"}', var("job", "api"), T, neutral_duration="1m", mask=True)
    assert got.text == f'up{{job="{PLACEHOLDER}job"}}' and got.placeholders == ("job",)
