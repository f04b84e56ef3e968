"""Alertmanager tests in promtool-format test files: the ``alertmanager`` block, ``routing_test``
and ``notification_test`` loaded strictly, run by the runner over the one rule simulation, and
reported with expected and sent notifications.

Expected times are derived by hand. Prometheus (reference alertmanager.md §5): an alert with
``for: 0`` fires at the first evaluation that returns it (StartsAt = that time); it is posted
then, and again at each evaluation with ``LastSentAt + resend_delay < t`` (strict). Alertmanager
(§4.2, §4.4): a group flushes ``group_wait`` after the alert that creates it arrives, then every
``group_interval``; a flush notifies when the log entry is older than ``repeat_interval``
(strictly) or the firing set grew. A notification renders the alerts as last posted.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ruletest.promtool_format import TestFileError, case_refs, load_test_file
from ruletest.reporting import render
from ruletest.results import Code, FileResult, LoadProblem, NotificationMismatch, RoutingMismatch, RuleEvalError
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import PROMETHEUS_3

RULES = """\
groups:
  - name: g
    rules:
      - alert: Load
        expr: load > 0
        labels: {severity: page}
        annotations: {value: '{{ $value }}'}
"""

CONFIG = """\
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 1m
  repeat_interval: 1m
  routes:
    - matchers: ['cluster="eu1"']
      receiver: eu
receivers:
  - name: team
    slack_configs:
      - api_url: http://slack.invalid/hook
        send_resolved: true
        title: '{{ .CommonAnnotations.value }}'
        text: '{{ .ExternalURL }} {{ (index .Alerts 0).GeneratorURL }}'
  - name: eu
    slack_configs:
      - api_url: http://slack.invalid/hook
        title: 'eu {{ .CommonLabels.alertname }}'
  - name: both
    slack_configs: [{api_url: http://slack.invalid/hook, title: both}]
    webhook_configs: [{url: http://hook.invalid/}]
"""

# load is 1, 2, 3, ... at 0m, 1m, 2m ... (interval 1m), so the alert fires at 0 with value 1 and its
# annotation is the value of the evaluation that last posted it. With resend_delay 1m, Prometheus
# posts at 0, 2m, 4m (1m + 1m is not after 2m... : 0 + 1m < 1m is false, 0 + 1m < 2m is true).
# Alertmanager flushes at 30s (first notification), then every 1m: at 1m30s the 30s entry is
# not older than 1m (strict), at 2m30s it is (repeat), at 3m30s not, at 4m30s repeat: the team
# is told at 30s, 2m30s and 4m30s with the values posted at 0, 2m and 4m: 1, 3, 5.
GROUP = """\
- name: load
  interval: 1m
  input_series:
    - series: load
      values: '1+1x20'
"""


def write(tmp: Path, tests: str, *, block: str = "alertmanager: {config: am.yml}\n", config: str = CONFIG,
          rules: str = RULES) -> Path:
    (tmp / "rules.yml").write_text(rules)
    (tmp / "am.yml").write_text(config)
    path = tmp / "t_test.yml"
    path.write_text("rule_files: [rules.yml]\nevaluation_interval: 1m\n" + block + "tests:\n"
                    + textwrap.indent(textwrap.dedent(tests), "  "))
    return path


def run(tmp: Path, tests: str, **kw: str) -> FileResult:
    return run_test_file(load_test_file(write(tmp, tests, **kw)), RunOptions(PROMETHEUS_3))


def outcomes(result: FileResult) -> list[tuple[str, bool]]:
    return [(c.label, c.passed) for c in result.cases]


# --- loading ---------------------------------------------------------------------------------------


def test_block_and_tests_are_decoded(tmp_path: Path) -> None:
    path = write(tmp_path, GROUP + """\
  routing_test:
    cases:
      - alertname=Load -> team
  notification_test:
    - eval_time: 5m
      receiver: team
      exp_notifications: [{at: 30s}]
""", block="""\
alertmanager:
  config: am.yml
  version: 0.28
  template_paths: {/etc/alertmanager/templates: tmpl}
  external_url: http://am.example/
  resend_delay: 2m
""")
    tf = load_test_file(path)
    assert tf.alertmanager is not None
    assert (tf.alertmanager.config, tf.alertmanager.line, str(tf.alertmanager.version),
            tf.alertmanager.template_paths, tf.alertmanager.external_url, tf.alertmanager.resend_delay_ms) == (
        "am.yml", 4, "0.28", (("/etc/alertmanager/templates", "tmpl"),), "http://am.example", 120_000)
    (tg,) = tf.tests
    assert tg.routing_test is not None and tg.routing_test.cases[0].receivers == ("team",)
    assert [(n.receiver, n.eval_time_ms) for n in tg.notification_tests] == [("team", 300_000)]
    assert [k for k, _ in tf.extensions] == ["alertmanager", "routing_test", "notification_test"]


@pytest.mark.parametrize("block, tests, errors", [
    ("alertmanager: {version: '0.25'}\n", "", [(3, "alertmanager: config is required")]),
    ("alertmanager: {config: am.yml, version: '0.9'}\n", "",
     [(3, "alertmanager.version: Alertmanager version 0.9 is not supported (0.25 to 0.34)")]),
    ("alertmanager: {config: am.yml, resend_delay: 5x}\n", "", [(3, 'alertmanager.resend_delay: not a valid duration')]),
    ("alertmanager: {config: am.yml, templates: x}\n", "", [(3, "unknown key 'templates' in alertmanager")]),
    ("", "- routing_test: {cases: ['a=b -> x']}\n", [(4, "routing_test needs the file's alertmanager block")]),
    ("", "- notification_test: [{eval_time: 1m, receiver: x}]\n",
     [(4, "notification_test needs the file's alertmanager block")]),
    ("alertmanager: {config: am.yml}\n", "- notification_test: [{eval_time: 1m}]\n",
     [(5, "notification_test: eval_time and receiver are required")]),
])
def test_bad_blocks_and_tests_are_located_errors(tmp_path: Path, block: str, tests: str,
                                                 errors: list[tuple[int, str]]) -> None:
    with pytest.raises(TestFileError) as exc:
        load_test_file(write(tmp_path, tests, block=block))
    assert [(p.where.line, p.message[:len(m)]) for p, (_, m) in zip(exc.value.problems, errors, strict=True)] == errors


def test_additions_are_refused_under_promtool_compat(tmp_path: Path) -> None:
    path = write(tmp_path, "- routing_test: {cases: ['a=b -> team']}\n  notification_test: []\n")
    with pytest.raises(TestFileError) as exc:
        load_test_file(path, promtool_compat=True)
    assert [(p.where.line, p.message.split(" is ")[0]) for p in exc.value.problems] == [
        (3, "'alertmanager'"), (5, "'routing_test'"), (6, "'notification_test'")]


def test_case_ids_for_routing_cases_and_notification_tests(tmp_path: Path) -> None:
    tf = load_test_file(write(tmp_path, """\
- name: g
  routing_test:
    cases:
      - alertname=Load severity=page -> team
      - labels: {alertname: Load, severity: page}
        receivers: [team]
  notification_test:
    - {eval_time: 5m, receiver: team}
    - {eval_time: 5m, receiver: both, integration: webhook}
"""))
    assert [(r.kind, r.index, r.id, r.line) for r in case_refs(tf.tests[0])] == [
        ("routing", 0, 'g::route {alertname="Load", severity="page"}', 8),
        ("routing", 1, 'g::route {alertname="Load", severity="page"}#1', 9),
        ("notification", 0, "g::notifications to team@5m", 12),
        ("notification", 1, "g::notifications to both/webhook@5m", 13),
    ]


# --- the Alertmanager does not load ----------------------------------------------------------------


def _load_problems(result: FileResult) -> list[tuple[Code, str, int | None, str]]:
    return [(p.code, Path(p.where.file).name, p.where.line, p.message) for p in result.all_problems()
            if isinstance(p, LoadProblem)]


def test_a_config_alertmanager_refuses_fails_every_group_at_its_line(tmp_path: Path) -> None:
    result = run(tmp_path, GROUP, config=CONFIG.replace("receiver: eu\n", "receiver: europe\n"))
    assert _load_problems(result) == [(Code.ALERTMANAGER_CONFIG, "am.yml", 9,
                                       'alertmanager config: undefined receiver "europe" used in route')]
    assert result.unreadable and not result.cases


def test_a_config_that_is_not_there_is_located_in_the_test_file(tmp_path: Path) -> None:
    result = run(tmp_path, GROUP, block="alertmanager: {config: alertmanager.yml}\n")
    assert _load_problems(result) == [(Code.ALERTMANAGER_CONFIG, "t_test.yml", 3, "alertmanager config "
                                       f"'alertmanager.yml': no such file ({tmp_path / 'alertmanager.yml'})")]


def test_a_template_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "bad.tmpl").write_text('{{ define "x" }}{{ nofunc }}{{ end }}')
    result = run(tmp_path, GROUP, config=CONFIG + "templates: ['*.tmpl']\n")
    assert _load_problems(result) == [(Code.ALERTMANAGER_CONFIG, "t_test.yml", 3,
                                       'alertmanager templates: template: bad.tmpl:1: function "nofunc" not defined')]


def test_templates_that_match_no_file_need_a_path_mapping(tmp_path: Path) -> None:
    # Alertmanager accepts a glob that matches nothing; a test would then fail every notification
    # that uses its templates, so ruletest asks for the mapping instead.
    config = CONFIG + "templates: ['/etc/alertmanager/template/*.tmpl']\n"
    result = run(tmp_path, GROUP, config=config)
    ((code, name, line, msg),) = _load_problems(result)
    assert (code, name, line) == (Code.ALERTMANAGER_CONFIG, "am.yml", 24)
    assert msg.startswith("templates entry '/etc/alertmanager/template/*.tmpl' matches no file")
    (tmp_path / "tmpl").mkdir()
    (tmp_path / "tmpl" / "x.tmpl").write_text('{{ define "x" }}x{{ end }}')
    result = run(tmp_path, GROUP, config=config,
                 block="alertmanager: {config: am.yml, template_paths: {/etc/alertmanager/template: tmpl}}\n")
    assert result.passed


def test_receivers_a_test_names_must_exist(tmp_path: Path) -> None:
    result = run(tmp_path, GROUP + """\
  routing_test:
    cases: ['alertname=Load -> teem']
  notification_test:
    - {eval_time: 1m, receiver: nobody}
    - {eval_time: 1m, receiver: both}
    - {eval_time: 1m, receiver: both, integration: email}
""")
    assert [(line, msg) for _, _, line, msg in _load_problems(result)] == [
        (13, f"receiver 'nobody' is not defined in {tmp_path / 'am.yml'} (receivers: team, eu, both)"),
        # Alertmanager builds a receiver's integrations in a fixed order, webhook before slack
        (14, "receiver 'both' has 2 integrations (webhook[0], slack[0]): say which with integration:"),
        (15, "receiver 'both' has no integration email (webhook[0], slack[0])"),
        (11, f"routing_test: receiver 'teem' is not defined in {tmp_path / 'am.yml'} (did you mean 'team'?)"),
    ]
    assert all(p.code == Code.NOTIFICATION_TEST for p in result.all_problems())


# --- routing tables --------------------------------------------------------------------------------


def test_routing_cases_pass_and_fail_one_by_one(tmp_path: Path) -> None:
    result = run(tmp_path, """\
- name: routes
  routing_test:
    cases:
      - alertname=Load -> team
      - alertname=Load cluster=eu1 -> eu
      - labels: {alertname: Load, cluster: eu1}
        receivers: [team]
        group_labels: [{alertname: Other}]
""")
    assert outcomes(result) == [('route {alertname="Load"}', True), ('route {alertname="Load", cluster="eu1"}', True),
                                ('route {alertname="Load", cluster="eu1"}', False)]
    assert result.cases[2].id == 'routes::route {alertname="Load", cluster="eu1"}#1'
    p = result.cases[2].problem
    assert isinstance(p, RoutingMismatch) and p.where.line == 10
    assert (p.expected_receivers, p.receivers) == (("team",), ("eu",))
    assert render(p) == (
        '    routing_test: {alertname="Load", cluster="eu1"}: expected receivers team, got eu (routes: line 8)\n'
        '    routing_test: {alertname="Load", cluster="eu1"}: expected group labels {alertname="Other"}, got '
        '{alertname="Load"}\n'
        f"        at {tmp_path / 't_test.yml'}:10")


# --- notifications ---------------------------------------------------------------------------------


def test_notifications_as_hand_derived(tmp_path: Path) -> None:
    result = run(tmp_path, GROUP + """\
  notification_test:
    - eval_time: 5m
      receiver: team
      exp_notifications:
        - {at: 30s, status: firing, group_labels: {alertname: Load}, fields: {title: '1'}}
        - {at: 2m30s, fields: {title: '3'}}
        - {at: 4m30s, fields: {title: '5'}}
    - eval_time: 5m
      from: 1m
      receiver: team
      exp_notifications: [{at: 2m30s}, {at: 4m30s}]
    - {eval_time: 5m, receiver: eu, exp_notifications: []}
""")
    assert outcomes(result) == [("notifications to team@5m", True), ("notifications to team@5m", True),
                                ("notifications to eu@5m", True)]


def test_resend_delay_decides_which_annotations_alertmanager_has(tmp_path: Path) -> None:
    # resend_delay 3m: posts at 0 and 4m (0 + 3m < 3m is false), so the repeat at 2m30s still
    # carries the value posted at 0.
    result = run(tmp_path, GROUP + """\
  notification_test:
    - eval_time: 5m
      receiver: team
      exp_notifications: [{at: 30s, fields: {title: '1'}}, {at: 2m30s, fields: {title: '1'}},
                          {at: 4m30s, fields: {title: '5'}}]
""", block="alertmanager: {config: am.yml, resend_delay: 3m}\n")
    assert result.passed, [render(p) for p in result.all_problems()]


def test_external_labels_route_and_urls_render(tmp_path: Path) -> None:
    # Prometheus adds the group's external labels (cluster=eu1: the eu route); GeneratorURL is
    # Prometheus' external URL + /graph?g0.expr=<the expression, query-escaped>&g0.tab=1;
    # .ExternalURL is Alertmanager's.
    result = run(tmp_path, GROUP + """\
  external_labels: {cluster: eu1}
  external_url: http://prom.example:9090
  notification_test:
    - eval_time: 1m
      receiver: eu
      exp_notifications:
        - alerts: [{labels: {alertname: Load, cluster: eu1, severity: page}, status: firing}]
          fields: {title: eu Load}
    - {eval_time: 1m, receiver: team, exp_notifications: []}
- name: urls
  interval: 1m
  input_series: [{series: load, values: '1+1x20'}]
  external_url: http://prom.example:9090
  notification_test:
    - eval_time: 1m
      receiver: team
      exp_notifications:
        - fields: {text: 'http://am.example http://prom.example:9090/graph?g0.expr=load+%3E+0&g0.tab=1'}
""", block="alertmanager: {config: am.yml, external_url: 'http://am.example'}\n")
    assert result.passed, [render(p) for p in result.all_problems()]


def test_times_are_relative_to_the_group_start(tmp_path: Path) -> None:
    result = run(tmp_path, GROUP.replace("  interval: 1m\n", "  interval: 1m\n  start_timestamp: 1000\n") + """\
  notification_test:
    - {eval_time: 1m, receiver: team, exp_notifications: [{at: 30s}]}
""")
    assert result.passed, [render(p) for p in result.all_problems()]


def test_rules_run_past_promtools_last_time_for_notifications_only(tmp_path: Path) -> None:
    # promtool evaluates up to the last alert or expression eval_time (1m) and loads samples only
    # that far: `load offset -2m` at 1m looks back from 3m and finds the sample at 1m (2), not the
    # one at 3m (4). The rules run on to 5m for the notification test after the expression tests.
    result = run(tmp_path, GROUP + """\
  alert_rule_test:
    - {alertname: Load, eval_time: 0m, exp_alerts: [{exp_labels: {severity: page}, exp_annotations: {value: '1'}}]}
  promql_expr_test:
    - {expr: load offset -2m, eval_time: 1m, exp_samples: [{labels: load, value: 2}]}
  notification_test:
    - {eval_time: 5m, receiver: team, exp_notifications: [{at: 30s}, {at: 2m30s}, {at: 4m30s, fields: {title: '5'}}]}
""")
    assert outcomes(result) == [("Load@0s", True), ("load offset -2m@1m", True), ("notifications to team@5m", True)]


def test_a_failing_notification_test_shows_both_sides_and_the_alert_timeline(tmp_path: Path) -> None:
    result = run(tmp_path, GROUP + """\
  notification_test:
    - eval_time: 3m
      receiver: team
      exp_notifications:
        - {at: 1m, status: firing, fields: {title: '1'}}
""")
    (case,) = result.cases
    p = case.problem
    assert isinstance(p, NotificationMismatch)
    assert (p.receiver, p.integration, p.eval_time_ms, p.where.line) == ("team", "slack[0]", 180_000, 11)
    assert p.messages == ("receiver team: expected 1 notification(s) between 0s and 3m, got 2",
                          "notification 1 (line 14): expected at 1m, sent at 30s")
    text = render(p)
    assert text.startswith(
        "    notification_test: receiver team (slack[0]), from 0s to 3m,\n"
        "        exp: [\n"
        "            0: at 1m, firing\n"
        '               title: "1"\n'
        "          ]\n"
        "        got: [\n"
        "            0: at 30s, firing, group {alertname=\"Load\"} (first notification)\n"
        "               alerts:\n"
        '                 {alertname="Load", severity="page"} firing\n'
        '               title: "1"\n'
        "            1: at 2m30s, firing, group {alertname=\"Load\"} (repeat interval elapsed)\n")
    assert "        differences:\n          receiver team: expected 1 notification(s)" in text
    # the 1m30s flush: the 30s notification is not older than repeat_interval 1m
    assert "nothing new since the notification at 30s (from the start)" in text
    assert text.endswith("        alerts routed to team, at each rule evaluation:\n"
                         '                  0s  firing   {alertname="Load", severity="page"}')


@pytest.mark.parametrize("content, code", [
    ("    - {eval_time: 5m, receiver: team, exp_notifications: [{at: 30s}, {at: 2m30s}, {at: 4m30s}]}\n", 0),
    ("    - {eval_time: 5m, receiver: team, exp_notifications: []}\n", 1),
])
def test_cli_exit_status(tmp_path: Path, content: str, code: int) -> None:
    path = write(tmp_path, GROUP + "  notification_test:\n" + content)
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "test", str(path)], capture_output=True, text=True)
    assert proc.returncode == code, proc.stderr
    if code:
        assert "notification_test: receiver team (slack[0]), from 0s to 5m," in proc.stderr


def test_cli_exit_status_for_a_config_alertmanager_refuses(tmp_path: Path) -> None:
    path = write(tmp_path, GROUP, config=CONFIG.replace("receiver: eu\n", "receiver: europe\n"))
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "test", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert f'{tmp_path / "am.yml"}:9: alertmanager config: undefined receiver "europe" used in route' in proc.stderr


# --- coverage: alerts that reach only the default receiver ------------------------------------------

REPO = Path(__file__).resolve().parent.parent.parent


def _coverage_text(tmp: Path, config: str) -> str:
    from ruletest.coverage import CoverageReport
    from ruletest.rule_files import test_rules
    from ruletest.rules.loader import LoadOptions

    (tmp / "am.yml").write_text(config)
    path = tmp / "t_test.yml"
    path.write_text(f"rule_files: [{REPO / 'rules' / 'alerts.yml'}]\nalertmanager: {{config: am.yml}}\n"
                    "tests: [{name: g, routing_test: {cases: ['alertname=X -> slack-notifications']}}]\n")
    tf = load_test_file(path)
    report = CoverageReport()
    report.record(tf, test_rules(tf, LoadOptions(PROMETHEUS_3)).groups, PROMETHEUS_3)
    return report.text()


def test_coverage_names_alerts_that_reach_only_the_default_receiver(tmp_path: Path) -> None:
    # The guide's route tree: severity=critical -> PagerDuty, severity=warning -> Slack, the rest
    # stays at the root (Slack). HighMessageVolume and UserRegistrationSpike are severity: info.
    guide = (REPO / "tests" / "data" / "veza_original" / "alertmanager" / "alertmanager.yml").read_text()
    guide = guide.replace("    subject: '{{ template \"email.subject\" . }}'\n", "").replace(
        "    body: '{{ template \"email.body\" . }}'\n", "").replace("templates:\n- '/etc/alertmanager/template/*.tmpl'\n",
                                                                      "")
    text = _coverage_text(tmp_path, guide)
    alerts = REPO / "rules" / "alerts.yml"

    def line(name: str) -> int:  # where the rule starts (the `- alert:` line)
        return next(i for i, ln in enumerate(alerts.read_text().splitlines(), 1) if ln.strip() == f"- alert: {name}")
    assert text.endswith(f"  Alertmanager {tmp_path / 'am.yml'}: 2 of 12 alerts reach only the default receiver "
                         f"(slack-notifications):\n    {alerts}:{line('HighMessageVolume')}  HighMessageVolume\n"
                         f"    {alerts}:{line('UserRegistrationSpike')}  UserRegistrationSpike")
    # The Veza config's last route takes every alert.
    veza = (REPO / "alertmanager" / "alertmanager.yml").read_text().replace(
        "templates:\n- '/etc/alertmanager/template/*.tmpl'\n", "")
    assert _coverage_text(tmp_path, veza).endswith(
        f"  Alertmanager {tmp_path / 'am.yml'}: 0 of 12 alerts reach only the default receiver (slack-notifications)")


def test_an_error_while_running_on_for_notifications_is_reported(tmp_path: Path) -> None:
    # The recording rule writes x every minute; the input series x starts at 3m: the rules fail
    # at 3m, after promtool's last time (1m), where only the notification test takes them.
    rules = RULES + "      - record: x\n        expr: vector(1)\n"
    result = run(tmp_path, GROUP + """\
    - {series: x, values: '_x3 5x10'}
  alert_rule_test:
    - {alertname: Load, eval_time: 1m, exp_alerts: [{exp_labels: {severity: page}, exp_annotations: {value: '2'}}]}
  notification_test:
    - {eval_time: 5m, receiver: team, exp_notifications: [{at: 30s}, {at: 2m30s}, {at: 4m30s}]}
""", rules=rules)
    (problem,) = result.groups[0].problems
    assert isinstance(problem, RuleEvalError)
    assert (problem.rule, problem.time_ms, problem.message) == ("x", 180_000, "duplicate sample for timestamp")
    assert not result.passed


def test_the_version_decides_which_template_functions_exist(tmp_path: Path) -> None:
    # `since` exists from Alertmanager 0.28 (reference §6.3): 0.25 refuses the template file.
    (tmp_path / "since.tmpl").write_text('{{ define "age" }}{{ (index .Alerts 0).StartsAt | since }}{{ end }}')
    config = CONFIG + "templates: ['since.tmpl']\n"
    result = run(tmp_path, GROUP, config=config, block="alertmanager: {config: am.yml, version: '0.25'}\n")
    assert [p.message for p in result.all_problems()] == [
        'alertmanager templates: template: since.tmpl:1: function "since" not defined']
    result = run(tmp_path, GROUP, config=config, block="alertmanager: {config: am.yml, version: '0.28'}\n")
    assert result.passed


def test_the_integration_of_a_receiver_with_several(tmp_path: Path) -> None:
    # Every alert to `both`: its webhook and its Slack integration are each called at 30s.
    config = CONFIG.replace("  receiver: team\n", "  receiver: both\n", 1)
    result = run(tmp_path, GROUP + """\
  notification_test:
    - {eval_time: 1m, receiver: both, integration: webhook, exp_notifications: [{at: 30s}]}
    - {eval_time: 1m, receiver: both, integration: 'slack[0]', exp_notifications: [{at: 30s, fields: {title: both}}]}
""", config=config)
    assert outcomes(result) == [("notifications to both/webhook@1m", True), ("notifications to both/slack[0]@1m", True)]
