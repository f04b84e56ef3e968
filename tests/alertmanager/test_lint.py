"""Alertmanager config lint, checked against rule files: each check on a config built to
trigger it (and not trigger the others), suppressions, and the `check` command's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruletest.alertmanager.lint import lint_config_files
from ruletest.lint.model import Finding
from tests.alertmanager.oracle import ruletest

RULES = """\
groups:
- name: g
  rules:
  - alert: Down
    expr: up{job="api"} == 0
    labels: {severity: critical, team: infra}
  - alert: Slow
    expr: sum by (job) (rate(latency_sum[5m])) > 1
    labels: {severity: warning, team: '{{ $labels.job }}'}
"""

CONFIG = """\
route:
  receiver: default
  group_by: [alertname, cluster]
  routes:
  - match: {severity: critical}
    receiver: pager
  - matchers: ['severity="page"']
    receiver: pager
  - matchers: ['team=~"db.*"']
    receiver: db
    active_time_intervals: [work]
    mute_time_intervals: [lunch]
inhibit_rules:
- source_matchers: ['alertname="Nope"']
  target_matchers: ['severity="warning"']
- source_matchers: ['alertname="Down"']
  target_matchers: ['severity="warning"']
  equal: [job]
receivers:
- name: default
- name: pager
- name: db
  slack_configs:
  - api_url: 'https://x'
    title: '{{ template "my.title" . }}'
    text: '{{ .CommonLabels.job | trimSpace }}'
- name: unused
time_intervals:
- name: work
  time_intervals: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}]}]
- name: lunch
  time_intervals: [{times: [{start_time: '12:00', end_time: '13:00'}]}]
templates: ['tpl/*.tmpl']
"""


def _setup(tmp_path: Path, config: str = CONFIG) -> tuple[str, str]:
    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "am.yml").write_text(config)
    (tmp_path / "tpl").mkdir(exist_ok=True)
    (tmp_path / "tpl" / "a.tmpl").write_text('{{ define "other" }}{{ template "missing" . }}{{ end }}')
    return str(tmp_path / "am.yml"), str(tmp_path / "rules.yml")


def _by_check(findings: list[Finding]) -> dict[str, list[tuple[int | None, str]]]:
    out: dict[str, list[tuple[int | None, str]]] = {}
    for f in findings:
        out.setdefault(f.check, []).append((f.line, f.message))
    return out


def test_each_check(tmp_path: Path) -> None:
    config, rules = _setup(tmp_path)
    found = _by_check(lint_config_files([config], [rules]).findings)
    assert found["am/receiver-unused"] == [(27, "receiver 'unused' is never routed to: no route sends alerts to it")]
    assert found["am/deprecated-matcher"] == [
        (5, "match/match_re are deprecated: write matchers: ['severity=\"critical\"']")]
    assert found["am/group-by-unknown"] == [
        (2, "group_by label 'cluster': no alert of the rules carries it (not set by a rule, an external label or a "
            "label their expressions keep)")]
    # severity="page" is never set by a rule; team=~"db.*" can only come from Slow's templated team.
    assert [line for line, _ in found["am/route-unreachable"]] == [7]
    assert found["am/inhibit-no-equal"] == [(14, "inhibit rule has no equal: any source alert mutes every target alert")]
    assert found["am/inhibit-source-unknown"] == [
        (14, 'inhibit rule source {alertname="Nope"} matches no alert of the rules: it never inhibits')]
    assert [m for _, m in found["am/template-undefined"]] == [
        "template 'other' in a.tmpl uses template 'missing', which is not defined",
        "receiver 'db' slack[0] title uses template 'my.title', which is not defined by the default templates or "
        "the config's template files"]
    assert found["am/template-version"] == [
        (24, "receiver 'db' slack[0] text: template: :1: function \"trimSpace\" not defined: trimSpace needs "
             "Alertmanager 0.26 (emulating 0.25)")]
    assert [m.split(" (e.g.")[0] for _, m in found["am/time-interval-overlap"]] == [
        "active interval 'work' and mute interval 'lunch' overlap"]


def test_alerts_reaching_only_the_default_route(tmp_path: Path) -> None:
    config, rules = _setup(tmp_path, "route:\n  receiver: d\n  routes:\n  - matchers: [team=db]\n    receiver: d\n"
                                     "receivers:\n- name: d\n")
    found = _by_check(lint_config_files([config], [rules]).findings)
    # Down has team=infra: no child route; Slow's team is a template, it may reach team=db.
    assert [m.split(" (")[0] for _, m in found["am/default-route-only"]] == ["alert Down"]
    from ruletest.alertmanager.lint import alert_shapes, default_route_alerts
    from ruletest.alertmanager.loader import load_config_file

    shapes, _ = alert_shapes([rules])
    assert [s.name for s in default_route_alerts(load_config_file(config), shapes)] == ["Down"]


def test_suppressions(tmp_path: Path) -> None:
    text = CONFIG.replace("- name: unused\n", "# ruletest: disable=am/receiver-unused\n- name: unused\n")
    text = "# ruletest: disable-file=am/group-by-unknown,am/deprecated-matcher\n" + text
    text += "# ruletest: disable=am/inhibit-no-equal\n"
    config, rules = _setup(tmp_path, text)
    found = _by_check(lint_config_files([config], [rules]).findings)
    assert "am/receiver-unused" not in found and "am/group-by-unknown" not in found
    assert found["lint/unused-suppression"] == [(36, "suppression of am/inhibit-no-equal matches no finding")]


def test_invalid_config_is_a_finding_with_its_line(tmp_path: Path) -> None:
    config, _ = _setup(tmp_path, "route:\n  receiver: d\n  group_wait: 5x\nreceivers:\n- name: d\n")
    found = lint_config_files([config]).findings
    assert [(f.check, f.line, f.message) for f in found] == [
        ("am/config-invalid", 3, 'not a valid duration string: "5x"')]


def test_check_command_lints_with_rules_and_formats(tmp_path: Path) -> None:
    config, rules = _setup(tmp_path)
    out = ruletest("check", config, "--rules", rules, "--format", "github")
    assert out.rc == 1
    assert out.stdout.startswith(f"Checking '{config}'  SUCCESS\n")
    assert "::warning file=" in out.stdout and "title=am/receiver-unused::receiver 'unused' is never routed to" in \
        out.stdout
    fine = ruletest("check", config, "--rules", rules, "--fail-on", "error", "--alertmanager", "0.26")
    assert "trimSpace" not in fine.stdout and fine.rc == 1  # the undefined templates are errors


def test_template_syntax_and_matchers_a_later_parser_reads_differently(tmp_path: Path) -> None:
    config = ("route:\n  receiver: d\n  routes:\n  - matchers: ['job=~\\d+']\n    receiver: d\nreceivers:\n- name: d\n"
              "  slack_configs:\n  - api_url: 'https://x'\n    title: '{{ .Status }'\n")
    path, rules = _setup(tmp_path, config)
    found = _by_check(lint_config_files([path], [rules]).findings)
    # amtool 0.25 on a file holding `{{ .Status }`: 'template: t.tmpl:1: unexpected "}" in operand'.
    assert found["am/template-syntax"] == [(9, "receiver 'd' slack[0] title: template: :1: unexpected \"}\" in operand")]
    # `\` is reserved for the UTF-8 parser, which wants the value quoted and escaped.
    assert found["am/matcher-utf8"] == [(4, r"'job=~\d+': not valid for the UTF-8 matchers parser: 5:6: \: invalid "
                                            r'input: expected label value (suggestion: job=~"\\d+")')]


def test_every_alertmanager_check_is_tested() -> None:
    import inspect

    from ruletest.lint.model import CATALOG

    source = inspect.getsource(inspect.getmodule(test_each_check))  # type: ignore[arg-type]
    source += (Path(__file__).parents[1] / "test_veza_alertmanager.py").read_text()
    untested = [c for c in CATALOG if c.startswith("am/") and f'"{c}"' not in source]
    assert untested == []


MATCH_RE = """\
route:
  receiver: d
  routes:
  - receiver: crit
    match_re:
      severity: 'crit.*|\\d+'
      team: "it's|db"
    match:
      env: prod
    matchers: ['job!="batch"']
receivers:
- name: d
- name: crit
"""


def _suggestion(tmp_path: Path, config: str) -> str:
    (tmp_path / "am.yml").write_text(config)
    (finding,) = [f for f in lint_config_files([str(tmp_path / "am.yml")]).findings
                  if f.check == "am/deprecated-matcher"]
    return finding.message.split("write matchers: ", 1)[1]


def test_match_re_migrates_to_the_plain_regex(tmp_path: Path) -> None:
    # Alertmanager 0.25 anchors a match_re value (config.Regexp: "^(?:" + s + ")$") and every =~
    # matcher's value (labels.NewMatcher) alike: the value moves over as written.
    simple = "route:\n  receiver: d\n  routes:\n  - receiver: d\n    match_re: {severity: crit.*}\nreceivers:\n- name: d\n"
    assert _suggestion(tmp_path, simple) == """['severity=~"crit.*"']"""


@pytest.mark.needs("amtool")
def test_the_suggested_matchers_route_as_match_re_did(tmp_path: Path) -> None:
    import yaml

    from tests.alertmanager.oracle import amtool

    suggested = yaml.safe_load(_suggestion(tmp_path, MATCH_RE))
    assert suggested == ['env="prod"', 'severity=~"crit.*|\\\\d+"', 'team=~"it\'s|db"', 'job!="batch"']
    (tmp_path / "old.yml").write_text(MATCH_RE)
    (tmp_path / "new.yml").write_text(MATCH_RE.replace(
        "    match_re:\n      severity: 'crit.*|\\d+'\n      team: \"it's|db\"\n    match:\n      env: prod\n"
        "    matchers: ['job!=\"batch\"']\n", f"    matchers: {yaml.safe_dump(suggested, default_flow_style=True)}"))
    assert "match" not in (tmp_path / "new.yml").read_text().replace("matchers", "")
    for severity in ("critical", "crit", "xcrit", "12", "a12", "crit\nx"):
        for team in ("it's", "db", "dbx"):
            labels = [f"severity={severity}", f"team={team}", "env=prod", "job=api"]
            old = amtool("config", "routes", "test", "--config.file", "old.yml", *labels, cwd=tmp_path)
            new = amtool("config", "routes", "test", "--config.file", "new.yml", *labels, cwd=tmp_path)
            assert old.rc == new.rc == 0 and old.stdout == new.stdout, labels
