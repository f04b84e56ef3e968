"""Differential tests of alert templates against promtool 2.42.

Every template below is rendered by promtool (as an annotation of a firing alert that the test
expects not to fire, so promtool prints the rendered annotations) and by ruletest; the texts
must be identical, including Go's number formatting and error messages."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from ruletest.promtool_format import load_test_file
from ruletest.reporting import message
from ruletest.results import AlertMismatch
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import Semantics
from tests.oracle.promtool import _go_unquote, promtool_path

pytestmark = pytest.mark.oracle

VALUES = ["0", "1234567", "0.000123", "-5.5", "NaN", "+Inf", "1e21", "86400.5", "100000", "0.5", "-0.0012"]

TEMPLATES = [
    "{{ $value }}", "{{ $value | humanize }}", "{{ humanize1024 $value }}", "{{ humanizePercentage $value }}",
    "{{ humanizeDuration $value }}", "{{ humanizeTimestamp $value }}", "{{ printf \"%.2f\" $value }}",
    "{{ printf \"%d\" $value }}", "{{ printf \"%s\" $value }}", "{{ printf \"%v|%q\" $value \"x\" }}",
    "{{ printf \"%e %g %G %8.3f|%-6s|\" $value $value $value $value \"ab\" }}",
    "{{ if gt $value 1000.0 }}big{{ else if lt $value 0.0 }}neg{{ else }}small{{ end }}",
    "{{ if gt $value 1000 }}x{{ end }}", "{{ if eq $value 0.0 }}zero{{ end }}",
    "{{ $labels.instance }}|{{ $labels.missing }}|{{ index $labels \"job\" }}",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", "{{ len $labels }}",
    "{{ with $labels.job }}job={{ . }}{{ else }}none{{ end }}", "{{ with $labels.nope }}x{{ else }}none{{ end }}",
    "{{ $labels.instance | stripPort }}", "{{ stripDomain $labels.instance }}", "{{ stripDomain \"[::1]:9090\" }}",
    "{{ reReplaceAll \"(.*):(.*)\" \"$2-$1 $1x ${1}x $$\" $labels.instance }}",
    "{{ match \"^web\" $labels.instance }} {{ match \"[\" \"x\" }}",
    "{{ title \"hello wORLD foo_bar baz-qux they're 1st place a.b.c x/y\" }}",
    "{{ toUpper \"abc straße\" }} {{ toLower \"ÀBC\" }}",
    "{{ graphLink \"rate(x[5m]) > 1\" }} {{ tableLink \"up\" }}", "{{ urlquery \"a b&c/d\" }}",
    "{{ html \"<a href='x'>&\" }} {{ js \"it's <x>\" }}", "{{ print 1 2 \"a\" \"b\" 3.5 }}|{{ println \"x\" 1 }}|",
    "{{ and 1 0 }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 \"x\" }} {{ not 0 }}", "{{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }}",
    "{{ lt 1 2 }} {{ le 2 2 }} {{ ge 1.5 2.5 }} {{ lt \"a\" \"b\" }}", "{{ lt 1 2.0 }}", "{{ eq $labels 1 }}",
    "{{ slice \"abcdef\" 1 3 }}", "{{ $x := 5 }}{{ $x = 6 }}{{ $x }}",
    # (promtool's series order is random, so only single-series results or sorted ones are compared)
    "{{ range $i, $e := query \"sum by (job) (m{job='j1'})\" }}{{ $i }}:{{ $e.Labels.job }}={{ $e.Value }} {{ end }}",
    "{{ with query \"m{job='j1'}\" }}{{ . | first | value | humanize }}{{ end }}",
    "{{ (query \"m{job='j3'}\" | first).Labels.instance }}", "{{ label \"instance\" (query \"m{job='j2'}\" | first) }}",
    "{{ range $i, $e := sortByLabel \"job\" (query \"m * 2\") }}{{ $i }}:{{ $e.Labels.job }}={{ $e.Value }},{{ end }}",
    "{{ query \"nonexistent\" | first }}", "{{ range sortByLabel \"instance\" (query \"m\") }}{{ .Labels.instance }},{{ end }}",
    "{{ $externalLabels.site }}|{{ $externalURL }}", "{{ parseDuration \"1h30m\" }} {{ parseDuration \"-5m\" }}",
    "{{ toTime 1435065584.128 }}",
    "{{ args 1 \"x\" }}", "{{ (args 1 \"x\").arg1 }}", "{{ .Nope }}", "{{ $labels.job.sub }}",
    "{{- \"  trimmed  \" -}} | {{/* comment */}}done", "{{ define \"t\" }}[{{ . }}]{{ end }}{{ template \"t\" \"in\" }}",
    "{{ range $i, $v := args 1 2 3 }}{{ if eq $i \"arg1\" }}{{ break }}{{ end }}{{ $v }}{{ end }}",
    "{{ 1e3 }} {{ 1000 }} {{ 0x10 }} {{ 1.5e-7 }} {{ -3 }} {{ 'a' }}",
    "{{ index $labels 1 }}", "{{ len 3 }}",
    "{{ humanize \"1234\" }} {{ humanize \"abc\" }}", "{{ humanizeDuration -90061 }} {{ humanizeDuration 0.1234 }}",
    # Issue 9 item 5: Go's fmt verbs, flags and errors, byte lengths, Unicode, escaping.
    "{{ printf \"%x|%X|%#.3x|%b\" $value $value $value $value }}",
    "{{ printf \"%08.3f|%-8.3f|%+.1e|% .2f\" $value $value $value $value }}",
    "{{ printf \"%.2v|%10.4v|%U|%#U|%c|%q\" $value $value 9731 9731 9731 9731 }}",
    "{{ printf \"% d|%+d|%05d|%[2]d %[1]d|%[3]d|%!|%z\" 42 7 }}", "{{ printf \"%d %s\" $value $labels }}",
    "{{ reReplaceAll \"a*\" \"-\" \"baaac\" }} {{ len \"ßé☃\" }} {{ title \"ß straße ǆ\" }}",
    "{{ js \"a\\nb <'=>\" }} {{ html \"<\\\"'&>\" }}", "{{ humanizeTimestamp 1e15 }}", "{{ toTime $value }}",
]


# Rejected when the rule file is loaded (promtool checks templates then); the functions added
# after Prometheus 2.42 are unknown there.
BAD_TEMPLATES = ["{{ \"unterminated }}", "{{ nosuchfunc 1 }}", "{{ if }}x{{ end }}", "{{ now }}",
                 "{{ toDuration 90 }}", "{{ urlQueryEscape \"x\" }}", "{{ end }}", "{{ $undefined }}",
                 "{{ range }}{{ end }}", "{{ template }}", "{{ .A.( }}"]


def _promtool_annotations(output: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    out = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("Labels:{") and i + 1 < len(lines) and lines[i + 1].strip().startswith("Annotations:{"):
            out.append((_parse_map(s[len("Labels:"):]), _parse_map(lines[i + 1].strip()[len("Annotations:"):])))
    return out


def _parse_map(text: str) -> dict[str, str]:
    assert text[0] == "{"
    pos = 1
    out = {}
    while text[pos] != "}":
        end = text.index("=", pos)
        key = text[pos:end]
        value, pos = _go_unquote(text, end + 1)
        out[key] = value
        if text.startswith(", ", pos):
            pos += 2
    return out


@pytest.fixture(scope="module")
def rendered() -> tuple[list[tuple[dict[str, str], dict[str, str]]], list[tuple[dict[str, str], dict[str, str]]]]:
    promtool = promtool_path()
    assert promtool is not None  # the `oracle` marker needs it (tests/needs.py)
    rules = {"groups": [{"name": "g", "rules": [{
        "alert": "T", "expr": "m",
        "labels": {"severity": "{{ $labels.job }}-page", "static": "x"},
        "annotations": {f"a{i:03d}": t for i, t in enumerate(TEMPLATES)},
    }]}]}
    series = [{"series": f'm{{job="j{i}",instance="web-{i}.example.org:91{i:02d}"}}', "values": v}
              for i, v in enumerate(VALUES)]
    test = {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "external_labels": {"site": "eqiad"}, "external_url": "http://prom.example.org/x",
        "input_series": series,
        "alert_rule_test": [{"alertname": "T", "eval_time": "0m", "exp_alerts": []}]}]}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "rules.yml").write_text(yaml.safe_dump(rules, width=100_000, allow_unicode=True))
        Path(tmp, "t.yml").write_text(yaml.safe_dump(test, width=100_000))
        proc = subprocess.run([promtool, "test", "rules", "t.yml"], cwd=tmp, capture_output=True, text=True,
                              timeout=300)
        theirs = _promtool_annotations(proc.stdout + proc.stderr)
        result = run_test_file(load_test_file(Path(tmp, "t.yml")), RunOptions(Semantics.of(2), strict=False))
    ours = [(dict(labels), dict(ann)) for p in result.all_problems() if isinstance(p, AlertMismatch)
            for labels, ann in p.got]
    assert len(theirs) == len(VALUES), proc.stdout + proc.stderr
    return theirs, ours


@pytest.mark.parametrize("index", range(len(TEMPLATES)), ids=lambda i: TEMPLATES[i][:60])
def test_template_renders_like_promtool(index: int, rendered) -> None:  # type: ignore[no-untyped-def]
    theirs, ours = rendered
    key = f"a{index:03d}"
    by_labels_theirs = {tuple(sorted(lab.items())): ann[key] for lab, ann in theirs}
    by_labels_ours = {tuple(sorted(lab.items())): ann.get(key) for lab, ann in ours}
    assert by_labels_ours == by_labels_theirs


def test_templated_labels_like_promtool(rendered) -> None:  # type: ignore[no-untyped-def]
    theirs, ours = rendered
    assert sorted(tuple(sorted(lab.items())) for lab, _ in ours) == sorted(
        tuple(sorted(lab.items())) for lab, _ in theirs)


@pytest.mark.parametrize("template", BAD_TEMPLATES)
def test_template_parse_errors_like_promtool(template: str, tmp_path: Path) -> None:
    promtool = promtool_path()
    assert promtool is not None  # the `oracle` marker needs it (tests/needs.py)
    rules = {"groups": [{"name": "g", "rules": [{"alert": "T", "expr": "m", "annotations": {"a": template}}]}]}
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    (tmp_path / "t.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "tests": [
        {"interval": "1m", "input_series": [], "alert_rule_test": [{"alertname": "T", "eval_time": "0m"}]}]}))
    proc = subprocess.run([promtool, "test", "rules", "t.yml"], cwd=tmp_path, capture_output=True, text=True)
    theirs = [ln.split('annotation "a": ', 1)[1] for ln in (proc.stdout + proc.stderr).splitlines()
              if 'annotation "a": ' in ln]
    result = run_test_file(load_test_file(tmp_path / "t.yml"), RunOptions(Semantics.of(2), strict=False))
    texts = [message(p) for p in result.all_problems()]
    ours = [t.split('annotation "a": ', 1)[1] for t in texts if 'annotation "a": ' in t]
    assert proc.returncode == 1 and theirs
    assert ours[:1] == theirs[:1]


# Texts without "{{" are not parsed when rule files load: nothing after Prometheus' own
# definitions can fail to parse without opening an action. These come closest.
PLAIN_TEXTS = ["}}", " -}} x", "{ {", "}", "*/}}", "{", "-}}{", "{}x"]


def test_plain_texts_load_like_promtool(tmp_path: Path) -> None:
    promtool = promtool_path()
    assert promtool is not None  # the `oracle` marker needs it (tests/needs.py)
    annotations = {f"a{i}": text for i, text in enumerate(PLAIN_TEXTS)}
    rules = {"groups": [{"name": "g", "rules": [{"alert": "T", "expr": "m", "annotations": annotations,
                                                 "labels": {"l": "}}{"}}]}]}
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    (tmp_path / "t.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "tests": [
        {"interval": "1m", "input_series": [], "alert_rule_test": [{"alertname": "T", "eval_time": "0m"}]}]}))
    proc = subprocess.run([promtool, "test", "rules", "t.yml"], cwd=tmp_path, capture_output=True, text=True)
    result = run_test_file(load_test_file(tmp_path / "t.yml"), RunOptions(Semantics.of(2), strict=False))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result.passed, [message(p) for p in result.all_problems()]
