"""The Veza Alertmanager config (alertmanager/alertmanager.yml, templates/slack.tmpl) and the
guide's original (tests/data/veza_original/alertmanager/): each defect of the original is shown
by a test that reads it off the original, and the corrected config is tested route by route
and, for every Veza alert, through the rules (fixtures/) to the rendered Slack message."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from ruletest.alertmanager.assertions import load_routing_test
from ruletest.alertmanager.check import check_routing
from ruletest.alertmanager.config import Config
from ruletest.alertmanager.gotime import GoTime
from ruletest.alertmanager.lint import lint_configs
from ruletest.alertmanager.loader import ConfigError, LoadOptions, load_config_file, load_config_text
from ruletest.alertmanager.template_data import TemplateAlert, notification_data
from ruletest.alertmanager.template_set import TemplateLoadError, load_template_set
from ruletest.alertmanager.version import Version
from ruletest.promtool_format import load_test_file
from ruletest.reporting import render
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import PROMETHEUS_3
from ruletest.yamlnodes import Decoder, parse_source
from tests.alertmanager.oracle import amtool

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "alertmanager" / "alertmanager.yml"
GUIDE = REPO / "tests" / "data" / "veza_original" / "alertmanager" / "alertmanager.yml"
DATA = REPO / "tests" / "data" / "alertmanager"
PATHS = {"/etc/alertmanager/template": "templates"}
RULES = [str(REPO / "rules")]


AM025, AM028 = Version(0, 25), Version(0, 28)


def _load(path: Path, version: Version = AM025) -> Config:
    return load_config_file(path, LoadOptions(version=version, template_paths=PATHS))


def _guide_without_email_fields(version: Version = AM028) -> Config:
    """The guide's config as it would load once its email block has valid fields (the other
    defects only show then)."""
    text = GUIDE.read_text()
    text = re.sub(r"    subject: .*\n    body: .*\n", "", text)
    return load_config_text(text, str(GUIDE), LoadOptions(version=version, template_paths=PATHS))


def _routing(name: str, config: Config) -> list[str]:
    d = Decoder(name)
    node = parse_source((DATA / name).read_text(), name).documents()[0]
    test = load_routing_test(d, dict((k.value, v) for k, v in node.value)["routing_test"])  # type: ignore[union-attr]
    assert not d.errors and test is not None
    return [p for r in check_routing(config, test) for p in r.problems]


# --- defects of the guide's config ---------------------------------------------------------------


def test_defect_email_config_fields_do_not_exist() -> None:
    # email_configs has no subject/body: Alertmanager refuses the whole file, so nothing at all
    # is notified. The subject is a header; the body is the html/text template.
    with pytest.raises(ConfigError) as exc:
        _load(GUIDE)
    assert [(p.line, p.message) for p in exc.value.problems] == [
        (41, "field subject not found in type config.plain"), (42, "field body not found in type config.plain")]
    assert _load(CONFIG).receiver("email-notifications") is not None


@pytest.mark.needs("amtool")
def test_defect_email_config_fields_amtool_agrees() -> None:
    out = amtool("check-config", str(GUIDE))
    assert out.rc == 1 and "field subject not found in type config.plain" in out.stdout
    assert amtool("check-config", str(CONFIG)).rc == 0


def test_defect_critical_alerts_never_reach_slack() -> None:
    # continue: true lets later siblings match, but the only sibling matches warnings; a matched
    # child never falls back to the root's receiver.
    guide = _guide_without_email_fields()
    assert _routing("veza_guide_routes.yml", guide) == []
    assert _routing("veza_routes.yml", _load(CONFIG)) == []
    # The corrected expectations fail on the guide's config, for every critical and product alert.
    failing = _routing("veza_routes.yml", guide)
    assert [p.split('"')[1] for p in failing if "expected receivers" in p] == [
        "HighErrorRate", "ServiceDown", "LowActiveUsers", "HighMessageVolume", "UserRegistrationSpike", "HighErrorRate"]
    assert failing[0] == ('{alertname="HighErrorRate", job="veza-backend-api", severity="critical", team="backend"}: '
                          "expected receivers pager-duty-critical, slack-notifications, got pager-duty-critical "
                          "(routes: line 16)")


def test_defect_email_receiver_is_never_routed_to() -> None:
    found = lint_configs([_guide_without_email_fields()], RULES)
    assert [f.message for f in found.findings if f.check == "am/receiver-unused"] == [
        "receiver 'email-notifications' is never routed to: no route sends alerts to it"]
    assert not [f for f in lint_configs([_load(CONFIG)], RULES).findings if f.check == "am/receiver-unused"]


def test_defect_group_by_labels_no_veza_alert_carries() -> None:
    found = lint_configs([_guide_without_email_fields()], RULES)
    assert sorted(f.message.split("'")[1] for f in found.findings if f.check == "am/group-by-unknown") == [
        "cluster", "service"]
    # So every alert of one name is one group: two jobs' HighErrorRate share one notification.
    config = _guide_without_email_fields()
    from ruletest.alertmanager.route import build_tree

    tree = build_tree(config)
    a = {"alertname": "HighErrorRate", "severity": "critical", "job": "veza-backend-api"}
    b = {**a, "job": "veza-chat-server"}
    assert tree.match(a)[0].group_labels(a) == tree.match(b)[0].group_labels(b) == {"alertname": "HighErrorRate"}
    fixed = build_tree(_load(CONFIG))
    assert fixed.match(a)[0].group_labels(a) != fixed.match(b)[0].group_labels(b)


def test_defect_templates_need_alertmanager_028() -> None:
    # `since` exists from Alertmanager 0.28; older releases refuse the template file, and with
    # it the whole configuration.
    config = _guide_without_email_fields(Version(0, 25))
    with pytest.raises(TemplateLoadError) as exc:
        load_template_set(config.template_globs, Version(0, 25))
    assert exc.value.message == 'template: slack.tmpl:12: function "since" not defined'
    found = lint_configs([config], RULES)
    assert any(f.check == "am/template-version" and "since needs Alertmanager 0.28" in f.message
               for f in found.findings)
    load_template_set(config.template_globs, Version(0, 28))
    load_template_set(_load(CONFIG).template_globs, Version(0, 25))


@pytest.mark.needs("amtool")
def test_defect_templates_amtool_025_refuses_since(tmp_path: Path) -> None:
    (tmp_path / "am.yml").write_text("route:\n  receiver: d\nreceivers:\n- name: d\ntemplates: ['*.tmpl']\n")
    (tmp_path / "slack.tmpl").write_text((GUIDE.parent / "templates" / "slack.tmpl").read_text())
    out = amtool("check-config", str(tmp_path / "am.yml"))
    assert 'FAILED: template: slack.tmpl:12: function "since" not defined' in out.stdout


def _one_alert(**labels: str) -> object:
    alert = TemplateAlert("firing", {"alertname": "CacheHitRateLow", "severity": "warning", "team": "backend", **labels},
                          {"summary": "Taux de cache hit faible", "description": "Le taux de cache hit est de 79%"},
                          GoTime.from_ms(315_000), GoTime.zero(), "", "")
    return notification_data("slack-notifications", {"alertname": "CacheHitRateLow"}, [alert], "http://am")


def test_defect_slack_title_has_newlines_and_empty_service() -> None:
    guide = load_template_set(_guide_without_email_fields().template_globs, Version(0, 28))
    data = _one_alert()
    # The define's own newlines are part of the title; the alert without job (CacheHitRateLow
    # sums over all jobs) shows an empty Service.
    assert guide.execute('{{ template "slack.title" . }}', data) == "\n[FIRING:1] CacheHitRateLow\n"
    assert "*Service:* \n" in guide.execute('{{ template "slack.text" . }}', data, now_ms=375_000)
    fixed = load_template_set(_load(CONFIG).template_globs, Version(0, 25))
    assert fixed.execute('{{ template "slack.title" . }}', data) == "[FIRING:1] CacheHitRateLow"
    assert fixed.execute('{{ template "slack.text" . }}', data) == (
        "*Alert:* Taux de cache hit faible\n*Description:* Le taux de cache hit est de 79%\n*Severity:* warning\n"
        "*Service:* n/a\n*Started:* 1970-01-01 00:05:15 UTC\n")


def test_corrected_config_lints_clean_against_the_rules() -> None:
    found = lint_configs([_load(CONFIG)], RULES)
    assert [f for f in found.findings if f.severity >= 2] == []


@pytest.mark.needs("amtool")
@pytest.mark.parametrize("line", [ln.strip()[2:] for ln in (DATA / "veza_routes.yml").read_text().splitlines()
                                  if ln.strip().startswith("- alertname=")])
def test_route_table_agrees_with_amtool(line: str) -> None:
    labels, receivers = line.split(" -> ")
    out = amtool("config", "routes", "test", f"--config.file={CONFIG}", f"--verify.receivers={receivers.replace(' ', '')}",
                 *labels.split())
    assert out.rc == 0, out.stdout


# --- every Veza alert through the rules to Slack -------------------------------------------------

FIXTURES = sorted(p for p in (REPO / "fixtures").glob("*_test.yml") if "recording" not in p.name)
# Each alert's own fixture (lifecycle_test.yml and alertmanager_test.yml use ruletest's additions).
FIXTURES = [p for p in FIXTURES if p.name not in ("lifecycle_test.yml", "alertmanager_test.yml")]


def _first_firing(path: Path) -> tuple[int, str, dict[str, str], dict[str, str], int]:
    """(test group index, alert name, expected labels, annotations, eval_time) of the fixture's
    first alert test that expects the alert firing (promtool-checked)."""
    tf = load_test_file(str(path))
    for g in tf.tests:
        for at in g.alert_tests:
            if at.exp_alerts:
                ea = at.exp_alerts[0]
                return g.index, at.alertname, {"alertname": at.alertname, **ea.labels}, dict(ea.annotations), \
                    at.eval_time_ms
    raise AssertionError(f"no firing alert test in {path}")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_every_veza_alert_reaches_slack_with_both_templates(fixture: Path, tmp_path: Path) -> None:
    # The fixture's test group, with a notification_test for the Slack receiver, run by the
    # runner. The alert fires at the fixture's first firing eval_time (the added alert_state_test
    # holds it to that), so Alertmanager (group_wait 30s) sends one Slack message within a
    # minute: the title and text of templates/slack.tmpl for the fixture's labels and annotations
    # (promtool-checked), started at that time.
    group, name, labels, annotations, eval_time = _first_firing(fixture)
    doc = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    doc["rule_files"] = [str((fixture.parent / f).resolve()) for f in doc["rule_files"]]
    doc["alertmanager"] = {"config": str(CONFIG), "template_paths": {"/etc/alertmanager/template":
                                                                      str(CONFIG.parent / "templates")}}
    service = labels.get("job") or labels.get("instance") or "n/a"
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(eval_time / 1000))
    text = (f"*Alert:* {annotations['summary']}\n*Description:* {annotations['description']}\n"
            f"*Severity:* {labels['severity']}\n*Service:* {service}\n*Started:* {started} UTC\n")
    if "runbook_url" in annotations:
        text += f"*Runbook:* {annotations['runbook_url']}\n"
    tg = doc["tests"][group]
    tg["alert_state_test"] = [{"alertname": name, "fires_at": f"{eval_time // 1000}s"}]
    tg["notification_test"] = [{"eval_time": f"{eval_time // 1000 + 60}s", "receiver": "slack-notifications",
                                "exp_notifications": [{"status": "firing", "group_labels": {
                                    k: v for k, v in labels.items() if k in ("alertname", "job")},
                                    "fields": {"title": f"[FIRING:1] {name}", "text": text}}]}]
    doc["tests"] = [tg]
    path = tmp_path / fixture.name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = run_test_file(load_test_file(path), RunOptions(PROMETHEUS_3))
    assert result.passed, "\n".join(render(p) for p in result.all_problems())
    assert [c.kind for c in result.cases if c.kind != "alert"] == ["state", "notification"]


# --- fixtures/alertmanager_test.yml: the page and the Slack message ------------------------------

AM_FIXTURE = REPO / "fixtures" / "alertmanager_test.yml"


def test_alertmanager_fixture_checks_every_case() -> None:
    result = run_test_file(load_test_file(AM_FIXTURE), RunOptions(PROMETHEUS_3))
    assert result.passed, "\n".join(render(p) for p in result.all_problems())
    route = 'route {alertname="HighErrorRate", job="veza-backend-api", severity="critical", team="backend"}'
    assert [(c.kind, c.label) for c in result.cases] == [
        ("alert", "HighErrorRate@2m"), ("alert", "HighErrorRate@2m15s"), ("alert", "HighErrorRate@7m30s"),
        ("state", "HighErrorRate is firing from 2m15s to 7m15s"), ("state", "HighErrorRate resolves at 7m30s"),
        ("routing", route), ("routing", route), ("notification", "notifications to pager-duty-critical@10m"),
        ("notification", "notifications to slack-notifications@10m"),
        ("notification", "notifications to email-notifications@10m")]


@pytest.mark.oracle
def test_alertmanager_fixture_rule_expectations_hold_in_promtool(tmp_path: Path) -> None:
    # The hand-derived rule timeline (silent at 2m, firing at 2m15s with 17.86%, resolved at
    # 7m30s) is the fixture's promtool part: promtool 2.42 agrees once ruletest's keys are removed
    # (times are relative to the group's start, so start_timestamp goes too). The numbers keep
    # the resolution on the same evaluation with 2.x's closed windows (t < 446.7 s) and 3.x's.
    from tests.oracle.promtool import promtool_path

    doc = yaml.safe_load(AM_FIXTURE.read_text(encoding="utf-8"))
    del doc["alertmanager"]
    doc["rule_files"] = [str((AM_FIXTURE.parent / f).resolve()) for f in doc["rule_files"]]
    for tg in doc["tests"]:
        for key in ("start_timestamp", "alert_state_test", "routing_test", "notification_test"):
            del tg[key]
    path = tmp_path / "promtool_test.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    promtool = promtool_path()
    assert promtool is not None
    proc = subprocess.run([promtool, "test", "rules", path.name], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.needs("amtool")
def test_alertmanager_fixture_routes_agree_with_amtool() -> None:
    out = amtool("config", "routes", "test", f"--config.file={CONFIG}",
                 "--verify.receivers=pager-duty-critical,slack-notifications", "alertname=HighErrorRate",
                 "job=veza-backend-api", "severity=critical", "team=backend")
    assert out.rc == 0, out.stdout


# Each notification the fixture expects, as Alertmanager's template data (by hand: the alert fired
# at 21:57:15 and resolved at 22:02:30, with the annotations of 2m15s and 7m15s), and the
# templates its receiver renders (the config's Slack fields; PagerDuty's default description).
_TEMPLATES = {"pager-duty-critical": {"description": '{{ template "pagerduty.default.description" .}}'},
              "slack-notifications": {"title": '{{ template "slack.title" . }}', "text": '{{ template "slack.text" . }}'}}


@pytest.mark.needs("amtool")
@pytest.mark.parametrize("receiver", sorted(_TEMPLATES))
@pytest.mark.parametrize("status, percent, ends", [("firing", "17.86", "0001-01-01T00:00:00Z"),
                                                   ("resolved", "10.27", "2024-03-02T22:02:30Z")])
def test_alertmanager_fixture_messages_agree_with_amtool(tmp_path: Path, receiver: str, status: str, percent: str,
                                                         ends: str) -> None:
    import json

    from tests.alertmanager.oracle import DEBIAN_TEMPLATES

    labels = {"alertname": "HighErrorRate", "job": "veza-backend-api", "severity": "critical", "team": "backend"}
    annotations = {"summary": "Taux d'erreur élevé", "runbook_url": "https://docs.veza.com/runbooks/high-error-rate",
                   "description": f"Le taux d'erreur HTTP 5xx de veza-backend-api est de {percent}% (seuil 10%)"}
    data = {"receiver": receiver, "status": status, "alerts": [{
        "status": status, "labels": labels, "annotations": annotations, "startsAt": "2024-03-02T21:57:15Z",
        "endsAt": ends}], "groupLabels": {"alertname": "HighErrorRate", "job": "veza-backend-api"},
        "commonLabels": labels, "commonAnnotations": annotations, "externalURL": "http://localhost:9093"}
    (tmp_path / "data.json").write_text(json.dumps(data), encoding="utf-8")
    doc = yaml.safe_load(AM_FIXTURE.read_text(encoding="utf-8"))
    (test,) = [t for t in doc["tests"][0]["notification_test"] if t["receiver"] == receiver]
    (expected,) = [n["fields"] for n in test["exp_notifications"] if n["status"] == status]
    globs = [*DEBIAN_TEMPLATES, str(CONFIG.parent / "templates" / "slack.tmpl")]
    for name, text in _TEMPLATES[receiver].items():
        out = amtool("template", "render", *(f"--template.glob={g}" for g in globs), f"--template.text={text}",
                     f"--template.data={tmp_path / 'data.json'}")
        assert (name, out.rc, out.stdout) == (name, 0, expected[name])
