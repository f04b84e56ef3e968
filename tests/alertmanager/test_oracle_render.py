"""`ruletest alertmanager render` against `amtool template render` 0.25: Alertmanager's default
templates, its function map, the data model's methods, html/template escaping and error
messages, on fixed data (amtool's built-in data has wall-clock times)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.alertmanager.oracle import DEBIAN_TEMPLATES, amtool, ruletest

pytestmark = pytest.mark.needs("amtool")

DATA = {
    "receiver": "team\\.x",
    "status": "firing",
    "alerts": [
        {"status": "firing", "labels": {"alertname": "HighErrorRate", "job": "api", "severity": "critical",
                                        "instance": "10.0.0.1:9100", "a1": "2", "a": "1"},
         "annotations": {"summary": "Errors <b>&</b> \"quotes\"", "description": "5xx at 12% + rising",
                         "runbook_url": "https://docs.example.com/rb?a=1&b=two words"},
         "startsAt": "2024-03-02T21:59:30.123456789Z", "endsAt": "0001-01-01T00:00:00Z",
         "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1", "fingerprint": "4a1f2b3c"},
        {"status": "resolved", "labels": {"alertname": "HighErrorRate", "job": "web", "severity": "critical"},
         "annotations": {"summary": "Errors <b>&</b> \"quotes\"", "description": "ok again"},
         "startsAt": "2024-03-02T20:00:00+02:00", "endsAt": "2024-03-02T21:00:00Z",
         "generatorURL": "javascript:alert(1)", "fingerprint": "0000000000000001"},
    ],
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
    "commonAnnotations": {"summary": "Errors <b>&</b> \"quotes\""},
    "externalURL": "http://am.example.com:9093",
}

TEXTS = [
    '{{ template "__subject" . }}',
    '{{ template "__text_alert_list" .Alerts }}',
    '{{ template "slack.default.title" . }}|{{ template "slack.default.fallback" . }}|{{ template "slack.default.text" . }}',
    '{{ template "pagerduty.default.description" . }}{{ template "pagerduty.default.instances" .Alerts.Firing }}',
    '{{ template "opsgenie.default.description" . }}',
    '{{ template "wechat.default.message" . }}',
    '{{ template "victorops.default.state_message" . }}',
    '{{ template "pushover.default.message" . }}',
    '{{ template "sns.default.message" . }}',
    '{{ template "telegram.default.message" . }}',
    '{{ template "discord.default.message" . }}',
    '{{ template "webex.default.message" . }}',
    '{{ template "email.default.subject" . }}',
    '{{ .GroupLabels }} {{ .CommonLabels.SortedPairs }} {{ .CommonLabels.Names }} {{ .CommonLabels.Values }}',
    '{{ .CommonLabels.Remove (stringSlice "severity") }} {{ .Alerts.Firing | len }} {{ len .Alerts.Resolved }}',
    '{{ range .Alerts }}{{ .Status }} {{ .Fingerprint }} {{ .StartsAt }} {{ .EndsAt }} {{ .Labels.job }}|{{ end }}',
    '{{ range .Alerts }}{{ .StartsAt.Format "2006-01-02T15:04:05.000Z07:00 Mon Jan _2 3PM MST" }} {{ .StartsAt.Unix }}|{{ end }}',
    '{{ range $i, $a := .Alerts }}{{ $i }}={{ index $a.Labels "instance" }};{{ end }}',
    '{{ toUpper "straße ǆ" }} {{ toLower "İSTANBUL ÀB" }} {{ title "hello wORLD foo-bar o\'neil foo.bar foo_bar" }}',
    '{{ title "HTTP_status code 1st place x1y ßtraße ﬁne ǆemal some(thing) x.y.Z" }}',
    '{{ join "," (stringSlice "a" "b") }} {{ stringSlice "a" "b" }} {{ .CommonLabels.Values | join " / " }}',
    '{{ reReplaceAll "(\\\\w+):(\\\\d+)" "$2-${1}-$1x-$$" "host:9100 other:80" }} {{ match "^api" .CommonLabels.alertname }}',
    '{{ reReplaceAll "a*" "X" "baaac" }} {{ match "b+" "abbc" }}',
    '{{ safeHtml "<b>x</b>" }} {{ printf "%q %5.2f %d %v %s" "x" 3.14159 42 true .Status }}',
    '{{ if and .Alerts (eq .Status "firing") }}yes{{ else }}no{{ end }} {{ or "" "fallback" }} {{ not .Alerts }}',
    '{{ with .CommonAnnotations.missing }}has{{ else }}none{{ end }}[{{ .CommonAnnotations.missing }}]',
    '{{ html "<a href=\'x\'>+</a>" }} {{ urlquery "a b&c/d" }} {{ js "it\'s <x>" }}',
    '{{ print 1 2 "x" "y" 3 }} {{ println "a" 1 }}',
    '{{ range .Alerts.Firing }}{{ .Labels.SortedPairs }}{{ end }} {{ .Receiver }}',
    '{{ define "mine" }}[{{ . }}]{{ end }}{{ template "mine" .Status }}{{ block "b" . }}B{{ end }}',
    '{{ $x := 1 }}{{ range .Alerts }}{{ $x = 2 }}{{ if eq .Status "resolved" }}{{ break }}{{ end }}.{{ end }}{{ $x }}',
]

ERRORS = [
    "{{ .Nope }}",
    "{{ .CommonLabels.Remove }}",
    '{{ template "nope" . }}',
    "{{ trimSpace .Status }}",
    "{{ since .Status }}",
    '{{ reReplaceAll "(" "x" "y" }}',
    '{{ match "[" "x" }}',
    "{{ .Status | len | printf }}",
    '{{ join "," .Alerts }}',
    "{{ nil }}",
    "{{ index .Alerts 5 }}",
    "{{ .Status.Foo }}",
    "{{ if }}",
    "{{ range .Alerts }}",
]

HTML = [
    '<a href="{{ .ExternalURL }}/x?r={{ .Receiver }}">{{ .CommonAnnotations.summary }}</a>',
    '{{ range .Alerts }}<a href="{{ .GeneratorURL }}" title="{{ .Annotations.summary }}">{{ .Labels.instance }}</a>{{ end }}',
    '<a href="{{ (index .Alerts 0).Annotations.runbook_url }}">rb</a><p class={{ .Status }}>{{ safeHtml "<i>ok</i>" }}</p>',
    '<title>{{ template "__subject" . }}</title><!-- hidden {{ .Status }} -->',
    '<a href="/p/{{ (index .Alerts 0).Annotations.description }}">x</a>',
]


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("render") / "data.json"
    path.write_text(json.dumps(DATA), encoding="utf-8")
    return path


def _both(text: str, data: Path, kind: str = "text") -> tuple[tuple[str, int], tuple[str, int], str, str]:
    globs = [f"--template.glob={g}" for g in DEBIAN_TEMPLATES]
    want = amtool("template", "render", *globs, f"--template.text={text}", f"--template.data={data}",
                  f"--template.type={kind}")
    got = ruletest("render", *globs, f"--template.text={text}", f"--template.data={data}", f"--template.type={kind}")
    return (got.stdout, got.rc), (want.stdout, want.rc), got.stderr, want.stderr


@pytest.mark.parametrize("text", TEXTS)
def test_render_agrees_with_amtool(text: str, data_file: Path) -> None:
    got, want, _, err = _both(text, data_file)
    assert got == want, err


@pytest.mark.parametrize("text", ERRORS)
def test_render_errors_agree_with_amtool(text: str, data_file: Path) -> None:
    got, want, got_err, want_err = _both(text, data_file)
    assert got == want == ("", 1)
    assert want_err.strip().removeprefix("amtool: error: ") in got_err


@pytest.mark.parametrize("text", HTML)
def test_html_render_agrees_with_amtool(text: str, data_file: Path) -> None:
    got, want, _, err = _both(text, data_file, "html")
    assert got == want, err


def test_email_default_html_agrees_with_amtool(data_file: Path) -> None:
    got, want, _, err = _both('{{ template "email.default.html" . }}', data_file, "html")
    assert got == want, err


def test_default_data_and_statuses(tmp_path: Path) -> None:
    # amtool's built-in data (0.25): both alerts have status "alertstatus", so Firing is empty.
    text = "{{ .Receiver }} {{ .Status }} {{ len .Alerts.Firing }} {{ .GroupLabels.SortedPairs }} {{ .ExternalURL }}"
    (tmp_path / "e.tmpl").write_text("")
    want = amtool("template", "render", f"--template.glob={tmp_path}/e.tmpl", f"--template.text={text}")
    got = ruletest("render", f"--template.glob={tmp_path}/e.tmpl", f"--template.text={text}")
    assert (got.stdout, got.rc) == (want.stdout, want.rc) == (
        "receiver alertstatus 0 [{grouplabelkey1 grouplabelvalue1} {grouplabelkey2 grouplabelvalue2}] "
        "https://example.com", 0)
