"""Alert templates without promtool: Go text/template semantics (from the text/template package
documentation and source: lex.go, parse.go, exec.go, funcs.go) and Prometheus' template
functions (template/template.go), with expected values worked out by hand from those sources.
The same behaviours are checked against promtool itself in tests/test_templates_oracle.py,
tests/test_oracle_regressions.py and tests/test_fuzz_oracle.py."""

from __future__ import annotations

import math

import pytest

from ruletest.semantics import PROMETHEUS_2, Semantics
from ruletest.templates import AlertTemplateData, expand_alert_text, parse_alert_text
from ruletest.templates.funcs import (
    humanize,
    humanize1024,
    humanize_duration,
    humanize_percentage,
    humanize_timestamp,
    re_replace_all,
    strip_domain,
    strip_port,
    title,
    title_strings,
)
from ruletest.templates.parse import TemplateError

LABELS = {"instance": "web-1.example.org:9100", "job": "api"}


def render(text: str, value: float = 1.5, prometheus: int = 2) -> str:
    data = AlertTemplateData(LABELS, {"site": "eqiad"}, "http://prom.example.org/x", value)
    return expand_alert_text(text, "A", data, now_ms=60_000, semantics=Semantics.of(prometheus))


def error_of(text: str, prometheus: int = 2) -> str:
    out = render(text, prometheus=prometheus)
    assert out.startswith("<error expanding template: "), out
    return out


# --- Prometheus' functions (template/template.go), worked by hand ------------------------------


@pytest.mark.parametrize(("fn", "value", "text"), [
    # humanize: divide by 1000 while |v| >= 1000 (k, M, G...), multiply by 1000 while |v| < 1 (m, u, n...),
    # then %.4g.
    (humanize, 1234567.0, "1.235M"), (humanize, 0.000123, "123u"), (humanize, 999.95, "1000"), (humanize, 0.0, "0"),
    (humanize, -1500.0, "-1.5k"), (humanize, math.inf, "+Inf"), (humanize, "1234", "1.234k"),
    # humanize1024: |v| <= 1 unchanged, else divide by 1024 (ki, Mi...).
    (humanize1024, 1048576.0, "1Mi"), (humanize1024, 1.0, "1"), (humanize1024, 1536.0, "1.5ki"),
    # humanizeDuration: d/h/m/s with integer seconds for >= 1 minute, %.4g seconds below, ms/us... below 1s.
    (humanize_duration, 90061.0, "1d 1h 1m 1s"), (humanize_duration, -90061.0, "-1d 1h 1m 1s"),
    (humanize_duration, 61.5, "1m 1s"), (humanize_duration, 1.5, "1.5s"), (humanize_duration, 0.5, "500ms"),
    (humanize_duration, 0.0, "0s"), (humanize_duration, 0.000001, "1us"), (humanize_duration, math.nan, "NaN"),
    (humanize_percentage, 0.1234, "12.34%"), (humanize_percentage, 1.0, "100%"),
    # humanizeTimestamp: fmt.Sprint of a *time.Time (Time.String) in UTC, millisecond precision.
    (humanize_timestamp, 1435065584.128, "2015-06-23 13:19:44.128 +0000 UTC"), (humanize_timestamp, 0.0,
                                                                               "1970-01-01 00:00:00 +0000 UTC"),
])
def test_humanize_family(fn: object, value: object, text: str) -> None:
    assert fn(value) == text  # type: ignore[operator]


def test_re_replace_all_follows_go_regexp() -> None:
    # regexp.ReplaceAllString: no empty match right after a match; $1/${1}/$name expand, $$ is "$".
    assert re_replace_all("a*", "-", "baaac") == "-b-c-"
    assert re_replace_all("b*", "-", "abc") == "-a-c-"
    assert re_replace_all("(.*):(.*)", "$2-$1 ${1}x $1x $$", "host:80") == "80-host hostx  $"
    assert re_replace_all("", "-", "ab") == "-a-b-"


def test_title() -> None:
    # strings.Title (2.x): the rune after a separator is title-cased by unicode.ToTitle, which
    # has no single-rune mapping for ß; digits and letters are not separators, ' is.
    assert title_strings("hello wORLD they're 1st a.b-c_d ß ǆ") == "Hello WORLD They'Re 1st A.B-C_d ß ǅ"
    # cases.Title (3.x): word starts get the full title-case mapping (ß -> Ss); an apostrophe
    # inside a word does not start a new word.
    assert title("they're ß") == "They're Ss"


def test_strip_port_and_domain_follow_net_split_host_port() -> None:
    assert strip_port("web-1.example.org:9100") == "web-1.example.org"
    assert strip_port("[::1]:9090") == "::1"
    assert strip_port("no-port") == "no-port"
    assert strip_domain("web-1.example.org:9100") == "web-1:9100"
    assert strip_domain("10.0.0.1:80") == "10.0.0.1:80"  # an IP address is kept whole
    assert strip_domain("web-1.example.org") == "web-1"


# --- text/template semantics ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "out"), [
    ("{{ $value }}", "1.5"), ("{{ .Value }}", "1.5"), ("{{ $labels.job }}", "api"), ("{{ $labels.missing }}", ""),
    ("{{ $externalLabels.site }}|{{ $externalURL }}", "eqiad|http://prom.example.org/x"),
    # Pipelines pass the previous value as the last argument.
    ('{{ 3 | printf "%d-x" }}', "3-x"), ('{{ "a" | printf "%s%s" "b" }}', "ba"),
    # and/or return an operand and stop at the first deciding one; not/eq/lt compare by kind.
    ("{{ and 1 0 2 }}", "0"), ('{{ or 0 "" "x" }}', "x"), ("{{ not 0 }}", "true"), ('{{ eq "a" "b" "a" }}', "true"),
    ("{{ lt 1 2 }}|{{ le 2 2 }}|{{ gt 1.5 0.5 }}", "true|true|true"),
    # Control structures and variables; range over a map is in key order.
    ("{{ if gt $value 1.0 }}big{{ else }}small{{ end }}", "big"),
    ("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", "instance=web-1.example.org:9100;job=api;"),
    ("{{ with $labels.nope }}x{{ else }}none{{ end }}", "none"), ("{{ $x := 5 }}{{ $x = 6 }}{{ $x }}", "6"),
    ('{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" "in" }}', "[in]"),
    # Trim markers remove the spaces on their side; comments print nothing.
    ("a  {{- 1 -}}  b", "a1b"), ("{{/* c */}}ok", "ok"),
    # Constants: ints print as ints, floats with Go's %v, a char constant is its code point.
    ("{{ 1e3 }} {{ 1000 }} {{ 0x10 }} {{ 010 }} {{ 'a' }} {{ 1.5e-7 }}", "1000 1000 16 8 97 1.5e-07"),
    # Builtins: len counts bytes, index of a string gives a byte, slice cuts bytes.
    ('{{ len "ßé" }}|{{ index "abc" 1 }}|{{ slice "abcdef" 1 3 }}', "4|98|bc"),
    ('{{ html "<a href=\'x\'>&\\"" }}', "&lt;a href=&#39;x&#39;&gt;&amp;&#34;"),
    ('{{ js "it\'s <x>\\n" }}', "it\\'s \\u003Cx\\u003E\\u000A"), ('{{ urlquery "a b&c" }}', "a+b%26c"),
    ('{{ print 1 2 "a" "b" 3 }}', "1 2ab3"),
])
def test_text_template_semantics(text: str, out: str) -> None:
    assert render(text) == out


@pytest.mark.parametrize(("text", "message"), [
    # exec.go's messages; the position is line:column in bytes of the prefixed text
    # (Prometheus prepends 112 bytes of variable definitions), the context is the node.
    ("{{ .Nope }}", 'at <.Nope>: can\'t evaluate field Nope in type struct { Labels map[string]string; '
                    "ExternalLabels map[string]string; ExternalURL string; Value float64 }"),
    ("{{ humanize }}", "at <humanize>: wrong number of args for humanize: want 1 got 0"),
    ('{{ humanize "x" }}',
     'at <humanize "x">: error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax'),
    ("{{ 1 | printf }}", "at <printf>: wrong type for value; expected string; got int"),
    ("{{ title 1 }}", "at <1>: expected string; found 1"),
    ("{{ lt 1 1.5 }}", "at <lt 1 1.5>: error calling lt: incompatible types for comparison"),
    ('{{ slice "abc" 2 1 }}', 'at <slice "abc" 2 1>: error calling slice: invalid slice index: 2 > 1'),
    ("{{ len 3 }}", "at <len 3>: error calling len: len of type int"),
    ("{{ nil }}", "at <nil>: nil is not a command"),
    ('{{ template "missing" }}', 'at <{{template "missing"}}>: template "missing" not defined'),
])
def test_execution_errors(text: str, message: str) -> None:
    out = error_of(text)
    assert out.startswith("<error expanding template: error executing template __alert_A: template: __alert_A:1:")
    assert out.endswith(": executing \"__alert_A\" " + message + ">"), out


def test_error_column_counts_bytes() -> None:
    # Go's ErrorContext counts bytes: "ü" is two bytes, so the action after it starts one later.
    plain, accented = error_of("u {{ .Nope }}"), error_of("ü {{ .Nope }}")
    col = int(plain.split("__alert_A:1:", 1)[1].split(":", 1)[0])
    assert f"__alert_A:1:{col + 1}:" in accented


@pytest.mark.parametrize(("text", "message"), [
    # lex.go / parse.go messages; a lexer error surfaces only where the parser reaches it.
    ('{{ "unterminated }}', "unterminated quoted string"), ("{{ 1", "unclosed action"),
    ("{{ nosuchfunc 1 }}", 'function "nosuchfunc" not defined'),
    ('{{ nosuchfunc "unterminated }}', 'function "nosuchfunc" not defined'),
    ("{{ $x=1 }}", "bad character U+003D '='"), ("{{ 0x1G }}", 'bad number syntax: "0x1G"'),
    ("{{ 1e400 }}", 'illegal number syntax: "1e400"'), ("{{ 09 }}", 'integer overflow: "09"'),
    ("{{ 'ab' }}", "malformed character constant: 'ab'"), ("{{ '' }}", "invalid syntax"),
    ("{{ break }}", "{{break}} outside {{range}}"), ("{{ if }}x{{ end }}", "missing value for if"),
    ("{{ end }}", "unexpected {{end}}"), ("{{ $undefined }}", 'undefined variable "$undefined"'),
    ('{{ "a"{ }}', 'unexpected "{" in operand'), ("{{ ) }}", 'unexpected ")" in command'),
    ('{{ define "t" }}a{{ end }}{{ define "t" }}b{{ end }}', 'template: multiple definition of template "t"'),
])
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(TemplateError) as exc:
        parse_alert_text(text, "A", PROMETHEUS_2)
    assert exc.value.message.startswith("template: __alert_A:")
    assert exc.value.message.endswith(": " + message), exc.value.message


def test_prometheus_3_differences() -> None:
    # Go >= 1.22 text/template ranges over integers (Prometheus 3.14 is built with Go 1.25).
    assert render("{{ range 3 }}{{ . }}{{ end }}", prometheus=3) == "012"
    assert "range can't iterate over 3" in render("{{ range 3 }}{{ . }}{{ end }}", prometheus=2)
    # In 3.x $value is an interface, so the struct's type name says so.
    assert "Value interface {} }" in render("{{ .Nope }}", prometheus=3)
    # Functions added after 2.42 do not parse there.
    assert render("{{ toDuration 90 }}", prometheus=3) == "1m30s"
    assert "function \"toDuration\" not defined" in render("{{ toDuration 90 }}", prometheus=2)


@pytest.mark.parametrize(("switch", "text", "in_3", "in_2"), [
    ("template_range_over_int", "{{ range 3 }}{{ . }}{{ end }}", "012", "range can't iterate over 3"),
    ("template_value_is_interface", "{{ .Nope }}", "Value interface {} }", "Value float64 }"),
    ("template_functions_3x", "{{ toDuration 90 }}", "1m30s", 'function "toDuration" not defined'),
])
def test_each_template_switch_alone_decides(switch: str, text: str, in_3: str, in_2: str) -> None:
    data = AlertTemplateData(LABELS, {}, "", 1.0)
    without = Semantics.of(3).with_switches([switch], False)
    assert in_3 in expand_alert_text(text, "A", data, now_ms=0, semantics=Semantics.of(3))
    assert in_2 in expand_alert_text(text, "A", data, now_ms=0, semantics=without)
