"""The Alertmanager test format (routing tables, notification tests): strict loading with line
numbers, and the checker's results and messages."""

from __future__ import annotations

import pytest

from ruletest.alertmanager.alert import PostedAlert
from ruletest.alertmanager.assertions import load_notification_tests, load_routing_test, parse_case_line
from ruletest.alertmanager.check import NotificationTestError, check_notifications, check_routing
from ruletest.alertmanager.dispatch import SimOptions, simulate
from ruletest.alertmanager.loader import load_config_text
from ruletest.alertmanager.sending import Post
from ruletest.alertmanager.template_set import load_template_set
from ruletest.yamlnodes import Decoder, YamlError, parse_source

CONFIG = load_config_text("""\
route:
  receiver: slack
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
    continue: true
  - matchers: ['severity=~"critical|warning"']
    receiver: slack
    mute_time_intervals: [nights]
inhibit_rules:
- source_matchers: ['alertname="ServiceDown"']
  target_matchers: ['severity="warning"']
  equal: [job]
receivers:
- name: slack
  slack_configs: [{api_url: 'https://x', send_resolved: true, title: '{{ .CommonLabels.alertname }} {{ .Status }}'}]
- name: pager
  pagerduty_configs: [{routing_key: k}]
  webhook_configs: [{url: 'http://x'}]
time_intervals:
- name: nights
  time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}]}]
""", "am.yml")


def _decode(text: str, fn):  # type: ignore[no-untyped-def]
    d = Decoder("t.yml")
    value = fn(d, parse_source(text, "t.yml").documents()[0])
    return value, d.errors


def test_routing_table_both_forms_and_results() -> None:
    test, errors = _decode("""\
firing:
  - {alertname: ServiceDown, job: api, severity: critical}
at: 2024-03-02T22:30:00Z
cases:
  - alertname=HighErrorRate severity=critical job=api -> pager, slack
  - labels: {alertname: HighErrorRate, severity: warning, job: api}
    receivers: [slack]
    group_labels: [{alertname: HighErrorRate}]
    inhibited: true
    muted: [slack]
  - labels: {alertname: X, severity: warning, job: web}
    receivers: [pager]
    inhibited: true
""", load_routing_test)
    assert errors == []
    results = check_routing(CONFIG, test)
    assert [r.passed for r in results] == [True, True, False]
    assert results[2].problems == (
        '{alertname="X", job="web", severity="warning"}: expected receivers pager, got slack (routes: line 10)',
        '{alertname="X", job="web", severity="warning"}: expected inhibited, not inhibited by any of the firing alerts',
    )


def test_case_line_syntax() -> None:
    assert parse_case_line('a=1, b="x y" -> r1,r2') == ((("a", "1"), ("b", "x y")), ("r1", "r2"))
    with pytest.raises(Exception, match="key=value"):
        parse_case_line("a=~1 -> r")


def test_loader_errors_carry_lines() -> None:
    _, errors = _decode("cases:\n  - labels: {a: b}\n    receiver: [x]\n  - 'a=b'\n", load_routing_test)
    assert [(e.line, e.message) for e in errors] == [
        (3, "unknown key 'receiver' in routing_test case (did you mean 'receivers'?)"),
        (2, "routing_test case: labels and receivers are required"),
        (4, "routing_test case: expected 'labels -> receivers', got 'a=b'"),
    ]
    _, errors = _decode("- eval_time: 5x\n  receiver: r\n  exp_notifications: [{status: burning}]\n",
                        load_notification_tests)
    assert [(e.line, e.message) for e in errors] == [(1, 'eval_time: not a valid duration string: "5x"'),
                                                       (3, "status must be firing or resolved, got 'burning'")]
    assert all(isinstance(e, YamlError) for e in errors)


def _sim():  # type: ignore[no-untyped-def]
    posts = [Post(0, (PostedAlert((("alertname", "HighErrorRate"), ("job", "api"), ("severity", "critical")), (),
                                  0, 300_000),))]
    return simulate(CONFIG, load_template_set([], CONFIG.version), posts, SimOptions(until_ms=900_000))


def test_notification_tests() -> None:
    tests, errors = _decode("""\
- eval_time: 10m
  receiver: slack
  exp_notifications:
    - at: 30s
      status: firing
      group_labels: {alertname: HighErrorRate}
      alerts: [{labels: {alertname: HighErrorRate, job: api, severity: critical}, status: firing}]
      fields: {title: HighErrorRate firing}
    - at: 5m30s
      status: resolved
      fields_contain: {title: resolved}
- eval_time: 1m
  receiver: pager
  integration: pagerduty
  exp_notifications: [{fields: {description: 'nope'}}]
- eval_time: 1m
  from: 31s
  receiver: slack
  exp_notifications: [{}]
""", load_notification_tests)
    assert errors == []
    results = check_notifications(CONFIG, _sim(), tests)
    assert [r.passed for r in results] == [True, False, False]
    assert results[1].problems == ("notification 1 (line 15): field description: expected 'nope', got "
                                   "'[FIRING:1] HighErrorRate (api critical)'",)
    assert results[2].problems == ("receiver slack: expected 1 notification(s) between 31s and 1m, got 0",)
    assert "30s  firing" not in results[2].detail and "(none)" in results[2].detail


def test_receiver_with_several_integrations_needs_one_named() -> None:
    tests, _ = _decode("- eval_time: 1m\n  receiver: pager\n  exp_notifications: []\n", load_notification_tests)
    with pytest.raises(NotificationTestError, match=r"2 integrations \(webhook\[0\], pagerduty\[0\]\)"):
        check_notifications(CONFIG, _sim(), tests)
    tests, _ = _decode("- eval_time: 1m\n  receiver: nobody\n", load_notification_tests)
    with pytest.raises(NotificationTestError, match="receiver 'nobody' is not defined"):
        check_notifications(CONFIG, _sim(), tests)
