"""Routing cases and notification tests as pytest items (pytester projects), with the failure
report and the coverage line. Times as derived in test_in_test_files.py: the team is told at
30s, 2m30s and 4m30s."""

from __future__ import annotations

import pytest

# Imported here so pytester's in-process runs do not re-import PyYAML (see tests/test_plugin.py).
import ruletest.promtool_format  # noqa: F401
from tests.alertmanager.test_in_test_files import CONFIG, RULES

pytest_plugins = ["pytester"]

TEST = """\
rule_files: [../rules.yml]
evaluation_interval: 1m
alertmanager: {config: ../am.yml}
tests:
  - name: load
    interval: 1m
    input_series: [{series: load, values: '1+1x20'}]
    routing_test:
      cases:
        - alertname=Load -> team
        - alertname=Load cluster=eu1 -> eu
    notification_test:
      - {eval_time: 5m, receiver: team, exp_notifications: [{at: 30s}, {at: 2m30s}, {at: 4m30s}]}
      - {eval_time: 5m, receiver: eu, exp_notifications: []}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yml", rules=RULES, am=CONFIG)
    pytester.mkdir("fixtures")
    (pytester.path / "fixtures" / "am_test.yml").write_text(TEST)
    pytester.makeini("[pytest]\nruletest_files = fixtures/*.yml\n")
    return pytester


def test_one_item_per_routing_case_and_notification_test(project: pytest.Pytester) -> None:
    result = project.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines([
        'fixtures/am_test.yml::load::route {alertname="Load"}',
        'fixtures/am_test.yml::load::route {alertname="Load", cluster="eu1"}',
        "fixtures/am_test.yml::load::notifications to team@5m",
        "fixtures/am_test.yml::load::notifications to eu@5m",
    ])
    project.runpytest().assert_outcomes(passed=4)
    project.runpytest("-k", "notifications and team").assert_outcomes(passed=1, deselected=3)


def test_a_failing_item_shows_expected_and_sent(project: pytest.Pytester) -> None:
    (project.path / "fixtures" / "am_test.yml").write_text(TEST.replace("{at: 2m30s}, {at: 4m30s}", "{at: 2m}")
                                                            .replace("-> eu\n", "-> team\n"))
    result = project.runpytest()
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines([
        "fixtures/am_test.yml:13: notifications to team@5m",
        "    notification_test: receiver team (slack[0]), from 0s to 5m,",
        "        exp: [",
        "            0: at 30s",
        "            1: at 2m",
        "        got: [",
        "            0: at 30s, firing, group {alertname=\"Load\"} (first notification)",
        "*differences:",
        "*receiver team: expected 2 notification(s) between 0s and 5m, got 3",
        "*notification 2 (line 13): expected at 2m, sent at 2m30s",
        "*alerts routed to team, at each rule evaluation:",
    ])
    result.stdout.fnmatch_lines([
        'fixtures/am_test.yml:11: route {alertname="Load", cluster="eu1"}',
        '    routing_test: {alertname="Load", cluster="eu1"}: expected receivers team, got eu (routes: line 8)',
    ])


def test_coverage_line(project: pytest.Pytester) -> None:
    result = project.runpytest("--ruletest-coverage")
    result.stdout.fnmatch_lines(["  Alertmanager */am.yml: 1 of 1 alerts reach only the default receiver (team):",
                                 "    */rules.yml:4  Load"])
