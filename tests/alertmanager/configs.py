"""Alertmanager configs for differential `check-config` tests: one valid config that uses every
part of the format, and variants with one thing Alertmanager refuses (or accepts surprisingly)."""

from __future__ import annotations

VALID = """\
global:
  resolve_timeout: 5m
  smtp_smarthost: 'smtp.example.com:587'
  smtp_from: 'am@example.com'
  slack_api_url: 'https://hooks.slack.com/services/X'
  http_config:
    follow_redirects: true
route:
  receiver: default
  group_by: [alertname, job]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
  - matchers: ['severity="critical"', 'team=~"db|infra"']
    receiver: pager
    continue: true
    group_by: ['...']
  - match: {team: db}
    match_re: {env: 'prod|staging'}
    receiver: db
    group_wait: 0s
    mute_time_intervals: [offhours]
    active_time_intervals: [business]
    routes:
    - matchers: ['{severity!~"info|debug",job="x"}']
      receiver: email
inhibit_rules:
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
  equal: [alertname, cluster]
- source_match: {severity: critical}
  target_match_re: {severity: 'info|warning'}
receivers:
- name: default
- name: pager
  pagerduty_configs:
  - routing_key: abc
    details: {a: '{{ .Status }}'}
    links: [{href: 'https://x', text: runbook}]
- name: db
  slack_configs:
  - channel: '#db'
    send_resolved: true
    fields: [{title: t, value: v, short: true}]
    actions: [{type: button, text: go, url: 'https://x'}]
  webhook_configs:
  - url: 'http://127.0.0.1:5001/'
    max_alerts: 3
- name: email
  email_configs:
  - to: 'ops@example.com'
    headers: {subject: 'hi'}
templates: ['tpl/*.tmpl']
mute_time_intervals:
- name: offhours
  time_intervals:
  - times: [{start_time: '17:00', end_time: '24:00'}]
    weekdays: ['monday:friday']
time_intervals:
- name: business
  time_intervals:
  - weekdays: ['monday:friday', saturday]
    days_of_month: ['1:5', '-3:-1']
    months: ['january:march', '12']
    years: ['2024:2026']
    location: Europe/Paris
"""

ROUTE_ONLY = "route:\n  receiver: d\nreceivers:\n- name: d\n"


def _r(extra: str) -> str:
    """A root route with ``extra`` lines added under it."""
    return "route:\n  receiver: d\n" + extra + "receivers:\n- name: d\n"


def _child(extra: str) -> str:
    return "route:\n  receiver: d\n  routes:\n  - receiver: d\n" + extra + "receivers:\n- name: d\n"


def _rcv(body: str, glob: str = "") -> str:
    return glob + "route:\n  receiver: d\nreceivers:\n- name: d\n" + body


def _ti(entry: str) -> str:
    return ROUTE_ONLY + "time_intervals:\n- name: t\n  time_intervals:\n  - " + entry + "\n"


VARIANTS: dict[str, str] = {
    "valid": VALID,
    "empty": "",
    "only-global": "global: {}\n",
    "not-a-map": "- a\n- b\n",
    # YAML syntax errors: yaml.v2's line is 0-based for parser errors and 1-based for scanner
    # errors; aliases are resolved when decoding; only the first document is read.
    "yaml-syntax": "route: [\n",
    "yaml-flow-unclosed": "route:\n  receiver: d\n  group_by: [a,\nreceivers:\n- name: d\n",
    "yaml-flow-map-unclosed": "route: {receiver: d\nreceivers: []\n",
    "yaml-bad-indent": "route:\n  receiver: d\n bad: x\nreceivers:\n- name: d\n",
    "yaml-seq-in-map": "route:\n  receiver: d\n  - x\n",
    "yaml-child-indent": "route:\n  receiver: d\n  routes:\n  - receiver: x\n   continue: true\n",
    "yaml-tab": "route:\n\treceiver: d\n",
    "yaml-tab-first-line": "\troute: x\n",
    "yaml-unclosed-quote": "route:\n  receiver: 'd\nreceivers:\n- name: d\n",
    "yaml-mapping-value": "route:\n  receiver: a: b\n",
    "yaml-mapping-value-first-line": "a: b: c\n",
    "yaml-bad-escape": 'route:\n  receiver: "\\q"\n',
    "yaml-undefined-alias": "route:\n  receiver: d\nx: *a\n",
    "yaml-anchor-twice": "a: &x 1\nb: &x 2\nroute:\n  receiver: d\nreceivers:\n- name: d\n",
    "yaml-control-character": "route:\n  receiver: d\x01\n",
    "yaml-second-document": VALID + "---\n[\n",
    "unknown-top": ROUTE_ONLY + "foo: 1\n",
    "unknown-route-field": _r("  foo: 1\n"),
    "unknown-child-field": _child("    recevier: d\n"),
    "unknown-receiver-field": _rcv("  bar: 2\n"),
    "unknown-slack-field": _rcv("  slack_configs:\n  - api_url: 'https://x'\n    titel: x\n"),
    "two-unknown": _r("  foo: 1\n  group_wait: [1]\n"),
    "unknown-then-validation": _r("  foo: 1\n  group_wait: 5x\n"),
    "bad-duration": _r("  group_wait: 5x\n"),
    "negative-duration": _r("  group_wait: -5s\n"),
    "fraction-duration": _r("  group_wait: 1.5s\n"),
    "number-duration": _r("  group_wait: 30\n"),
    "zero-group-interval": _r("  group_interval: 0s\n"),
    "zero-repeat": _child("    repeat_interval: 0\n"),
    "zero-group-wait": _r("  group_wait: 0s\n"),
    "groupby-wildcard-mix": _r("  group_by: ['...', a]\n"),
    "groupby-dup": _r("  group_by: [a, a]\n"),
    "groupby-invalid": _r("  group_by: [a-b]\n"),
    "groupby-scalar": _r("  group_by: alertname\n"),
    "match-invalid-name": _child("    match: {a-b: x}\n"),
    "match-re-invalid-name": _child("    match_re: {a-b: x}\n"),
    "match-re-null": _child("    match_re: {a: }\n"),
    "match-re-bad-regex": _child("    match_re: {a: '('}\n"),
    "matchers-bad": _child("    matchers: ['a==\"x\"']\n"),
    "matchers-bad-format": _child("    matchers: ['1a=b']\n"),
    "matchers-bad-regex": _child("    matchers: ['a=~\"[z-a]\"']\n"),
    "matchers-empty-token": _child("    matchers: ['a=b,,c=d']\n"),
    "matchers-scalar": _child("    matchers: 'a=b'\n"),
    "root-matchers": _r("  matchers: ['a=b']\n"),
    "root-match": _r("  match: {a: b}\n"),
    "root-continue": _r("  continue: true\n"),
    "root-no-receiver": "route:\n  group_wait: 1s\nreceivers:\n- name: d\n",
    "root-mute": ROUTE_ONLY.replace("  receiver: d\n", "  receiver: d\n  mute_time_intervals: [t]\n", 1)
    + "time_intervals:\n- name: t\n  time_intervals: [{weekdays: [monday]}]\n",
    "undefined-receiver": _child("    receiver: nope\n"),
    "undefined-interval": _child("    mute_time_intervals: [nope]\n"),
    "undefined-active-interval": _child("    active_time_intervals: [nope]\n"),
    "duplicate-receiver": ROUTE_ONLY + "- name: d\n",
    "receiver-no-name": ROUTE_ONLY + "- webhook_configs: []\n",
    "continue-string": _child("    continue: 'yes'\n"),
    "continue-yes": _child("    continue: yes\n"),
    "email-no-to": _rcv("  email_configs:\n  - from: a@b\n    smarthost: 'h:25'\n"),
    "email-no-smarthost": _rcv("  email_configs:\n  - to: a@b\n    from: a@b\n"),
    "email-no-from": _rcv("  email_configs:\n  - to: a@b\n    smarthost: 'h:25'\n"),
    "email-subject-field": _rcv("  email_configs:\n  - to: a@b\n    subject: x\n    body: y\n"),
    "email-dup-header": _rcv("  email_configs:\n  - to: a@b\n    from: a@b\n    smarthost: 'h:25'\n"
                             "    headers: {subject: a, SUBJECT: b}\n"),
    "smarthost-no-port": "global:\n  smtp_smarthost: 'smtp.example.com'\n" + ROUTE_ONLY,
    "slack-no-url": _rcv("  slack_configs:\n  - channel: x\n"),
    "slack-both-urls": _rcv("  slack_configs:\n  - api_url: 'https://x'\n    api_url_file: /f\n"),
    "slack-field-no-value": _rcv("  slack_configs:\n  - api_url: 'https://x'\n    fields: [{title: t}]\n"),
    "slack-action-no-text": _rcv("  slack_configs:\n  - api_url: 'https://x'\n    actions: [{type: button, url: 'https://x'}]\n"),
    "webhook-no-url": _rcv("  webhook_configs:\n  - send_resolved: true\n"),
    "webhook-ftp": _rcv("  webhook_configs:\n  - url: 'ftp://x'\n"),
    "webhook-no-host": _rcv("  webhook_configs:\n  - url: 'http://'\n"),
    "webhook-max-alerts-negative": _rcv("  webhook_configs:\n  - url: 'http://x'\n    max_alerts: -1\n"),
    "pagerduty-no-key": _rcv("  pagerduty_configs:\n  - client: x\n"),
    "opsgenie-no-key": _rcv("  opsgenie_configs:\n  - message: x\n"),
    "opsgenie-bad-responder": _rcv("  opsgenie_configs:\n  - api_key: k\n    responders: [{id: x, type: foo}]\n"),
    "victorops-no-routing-key": _rcv("  victorops_configs:\n  - api_key: k\n"),
    "victorops-no-api-key": _rcv("  victorops_configs:\n  - routing_key: k\n"),
    "wechat-no-secret": _rcv("  wechat_configs:\n  - corp_id: c\n"),
    "wechat-bad-type": _rcv("  wechat_configs:\n  - api_secret: s\n    corp_id: c\n    message_type: html\n"),
    "pushover-no-user": _rcv("  pushover_configs:\n  - token: t\n"),
    "pushover-bad-retry": _rcv("  pushover_configs:\n  - token: t\n    user_key: u\n    retry: 5x\n"),
    "sns-two-targets": _rcv("  sns_configs:\n  - topic_arn: a\n    phone_number: '1'\n"),
    "telegram-no-chat": _rcv("  telegram_configs:\n  - bot_token: t\n"),
    "telegram-bad-mode": _rcv("  telegram_configs:\n  - bot_token: t\n    chat_id: 1\n    parse_mode: rich\n"),
    "discord-no-url": _rcv("  discord_configs:\n  - title: x\n"),
    "webex-no-room": _rcv("  webex_configs:\n  - message: x\n"),
    "webex-no-auth": _rcv("  webex_configs:\n  - room_id: r\n"),
    "http-bearer-and-basic": _rcv("  webhook_configs:\n  - url: 'http://x'\n"
                                  "    http_config: {bearer_token: t, basic_auth: {username: u}}\n"),
    "http-auth-basic-type": _rcv("  webhook_configs:\n  - url: 'http://x'\n    http_config: {authorization: {type: Basic}}\n"),
    "global-slack-both": "global:\n  slack_api_url: 'https://x'\n  slack_api_url_file: /f\n" + ROUTE_ONLY,
    "global-bad-url": "global:\n  pagerduty_url: 'ftp://x'\n" + ROUTE_ONLY,
    "global-unknown": "global:\n  smtp_foo: 1\n" + ROUTE_ONLY,
    "inhibit-bad-equal": ROUTE_ONLY + "inhibit_rules:\n- equal: [a-b]\n",
    "inhibit-bad-source-match": ROUTE_ONLY + "inhibit_rules:\n- source_match: {a-b: x}\n",
    "inhibit-unknown": ROUTE_ONLY + "inhibit_rules:\n- sources: x\n",
    "inhibit-name-0.25": ROUTE_ONLY + "inhibit_rules:\n- name: x\n",
    "ti-wraparound-days": _ti("weekdays: ['saturday:sunday']"),
    "ti-wraparound-months": _ti("months: ['december:january']"),
    "ti-bad-weekday": _ti("weekdays: [funday]"),
    "ti-bad-time": _ti("times: [{start_time: '9:00', end_time: '10:00'}]"),
    "ti-time-order": _ti("times: [{start_time: '10:00', end_time: '09:00'}]"),
    "ti-missing-end": _ti("times: [{start_time: '10:00'}]"),
    "ti-day-zero": _ti("days_of_month: ['0']"),
    "ti-day-32": _ti("days_of_month: ['1:32']"),
    "ti-day-sign": _ti("days_of_month: ['-3:5']"),
    "ti-day-order": _ti("days_of_month: ['-1:-3']"),
    "ti-month-13": _ti("months: ['13']"),
    "ti-bad-month": _ti("months: [smarch]"),
    "ti-year-order": _ti("years: ['2026:2024']"),
    "ti-bad-location": _ti("location: Mars/Base"),
    "ti-bad-range": _ti("weekdays: ['monday:tuesday:friday']"),
    "ti-unknown-field": _ti("hours: [1]"),
    "ti-no-name": ROUTE_ONLY + "time_intervals:\n- time_intervals: []\n",
    "ti-duplicate": ROUTE_ONLY + "time_intervals:\n- name: t\n- name: t\n",
    "ti-duplicate-across": ROUTE_ONLY + "mute_time_intervals:\n- name: t\ntime_intervals:\n- name: t\n",
    "mute-duplicate": ROUTE_ONLY + "mute_time_intervals:\n- name: t\n- name: t\n",
    "yaml-raw-strings": _rcv("  slack_configs:\n  - api_url: 'https://x'\n    channel: 010\n    title: yes\n    text: ~\n"),
    "anchors": "x: &r {receiver: d}\nroute: *r\nreceivers:\n- name: d\n",
}

TEMPLATES = {"tpl/ok.tmpl": '{{ define "x" }}{{ .Status | toUpper }}{{ end }}'}
BAD_TEMPLATES = {
    "since": '{{ define "x" }}{{ .StartsAt | since }}{{ end }}',
    "syntax": '{{ define "x" }}{{ .Status }{{ end }}',
    "unclosed": '{{ define "x" }}{{ if .Status }}x{{ end }}',
}
