"""Template functions added after 0.25, which the 0.25 oracle cannot check: expected values are
derived from Alertmanager's template/template.go at the release named, the Go standard library
functions they call, and the reference (§6.3). Also: the clock of `now`/`since` is the
simulation's, and each function is refused by releases older than it."""

from __future__ import annotations

import pytest

from ruletest.alertmanager.gotime import GoTime
from ruletest.alertmanager.template_data import TemplateAlert, TemplateData
from ruletest.alertmanager.template_set import load_template_set
from ruletest.alertmanager.version import Version
from ruletest.templates.parse import TemplateError

STARTS = GoTime.from_ms(1_709_416_770_123)  # 2024-03-02T21:59:30.123Z
DATA = TemplateData("r", "firing", (TemplateAlert("firing", {"alertname": "A", "zone": "z1"}, {}, STARTS,
                                                  GoTime.zero(), "", "fp"),),
                    {"alertname": "A", "zone": "z1"}, {"alertname": "A"}, {}, "http://am")
NOW_MS = 1_709_416_770_123 + 3_723_500  # 1h2m3.5s later


def render(text: str, minor: int = 34, html: bool = False) -> str:
    return load_template_set([], Version(0, minor)).execute(text, DATA, html=html, now_ms=NOW_MS)


@pytest.mark.parametrize(("text", "want"), [
    # strings.TrimSpace: Unicode White_Space (NBSP, em space), not the \x1c-\x1f Python strips.
    ('{{ trimSpace " \\u00a0x\\t\\u2003" }}|{{ trimSpace "\\x1cx" }}', "x|\x1cx"),
    # date: Go layouts; tz: time.LoadLocation (Paris is UTC+1 on 2024-03-02).
    ('{{ (index .Alerts 0).StartsAt | date "15:04" }}', "21:59"),
    ('{{ (index .Alerts 0).StartsAt | tz "Europe/Paris" | date "2006-01-02 15:04:05 .000 Z07:00 MST Mon Jan" }}',
     "2024-03-02 22:59:30 .123 +01:00 CET Sat Mar"),
    ('{{ (index .Alerts 0).StartsAt | tz "" | date "Z07:00 MST" }}', "Z UTC"),
    # since reads the simulated clock; time.Duration prints as Go does.
    ("{{ (index .Alerts 0).StartsAt | since }}", "1h2m3.5s"),
    # humanizeDuration (prometheus/common): seconds as number, string or Duration.
    ('{{ humanizeDuration 0 }} {{ humanizeDuration 0.0015 }} {{ humanizeDuration 90061 }} {{ humanizeDuration "59.5" }}',
     "0s 1.5ms 1d 1h 1m 1s 59.5s"),
    ("{{ (index .Alerts 0).StartsAt | since | humanizeDuration }}", "1h 2m 3s"),
    # urlUnescape is url.QueryUnescape: '+' is a space.
    ('{{ urlUnescape "a+b%20c%2F" }}', "a b c/"),
    # toJson is json.Marshal: <, > and & escaped, map keys sorted.
    ('{{ .GroupLabels | toJson }} {{ toJson "<&>" }}', '{"alertname":"A","zone":"z1"} "\\u003c\\u0026\\u003e"'),
    ('{{ list 1 "a" }} {{ append (list 1) 2 }} {{ (dict "a" 1 "b" "x").b }}', "[1 a] [1 2] x"),
    # toDate parses in UTC; on failure it is the zero time.
    ('{{ (toDate "2006-01-02" "2024-03-02").Unix }} {{ toDate "2006-01-02" "nope" }}',
     "1709337600 0001-01-01 00:00:00 +0000 UTC"),
    # base64.URLEncoding: the URL-safe alphabet, with padding.
    ('{{ base64encode "a?b>" }} {{ base64decode "YT9iPg==" }}', "YT9iPg== a?b>"),
    # KV.String (0.26+): "k=v, k=v" in SortedPairs order (alertname first).
    ("{{ .GroupLabels }} {{ .GroupLabels.SortedPairs }}", "alertname=A, zone=z1 alertname=A, zone=z1"),
])
def test_newer_functions(text: str, want: str) -> None:
    assert render(text) == want


def test_kv_prints_as_a_go_map_in_025() -> None:
    assert render("{{ .GroupLabels }} {{ .GroupLabels.SortedPairs }}", 25) == "map[alertname:A zone:z1] " \
        "[{alertname A} {zone z1}]"


@pytest.mark.parametrize(("text", "error"), [
    ('{{ urlUnescape "%zz" }}', 'error calling urlUnescape: invalid URL escape "%zz"'),
    ('{{ dict "a" }}', "error calling dict: dict requires an even number of arguments"),
    ("{{ dict 1 2 }}", "error calling dict: dict keys must be strings"),
    ('{{ append (stringSlice "a") "b" }}', "wrong type for value; expected []interface {}; got []string"),
    ('{{ (index .Alerts 0).StartsAt | tz "Mars/Base" }}', "error calling tz: unknown time zone Mars/Base"),
    ('{{ mustToDate "2006-01-02" "nope" }}', "error calling mustToDate: parsing time"),
])
def test_newer_function_errors(text: str, error: str) -> None:
    with pytest.raises(TemplateError) as exc:
        render(text)
    assert error in exc.value.message


@pytest.mark.parametrize(("func", "minor"), [("trimSpace", 26), ("since", 28), ("toJson", 30), ("dict", 32),
                                             ("now", 33), ("base64encode", 34)])
def test_functions_are_unknown_before_their_release(func: str, minor: int) -> None:
    with pytest.raises(TemplateError) as exc:
        render(f"{{{{ {func} }}}}", minor - 1)
    # The 0.25 oracle's own wording (reference §6.3, verified).
    assert exc.value.message == f'template: :1: function "{func}" not defined'


def test_now_is_the_simulated_clock() -> None:
    # 21:59:30.123 + 1h2m3.5s. (A real server would also print a monotonic "m=+..." suffix.)
    assert render("{{ now }}", 33) == "2024-03-02 23:01:33.623 +0000 UTC"


def test_safe_url_passes_the_url_filter_in_html() -> None:
    text = '<a href="{{ . }}">x</a><a href="{{ safeUrl "javascript:x" }}">y</a>'
    ts = load_template_set([], Version(0, 30))
    assert ts.execute(text, "javascript:x", html=True) == '<a href="#ZgotmplZ">x</a><a href="javascript:x">y</a>'
