"""The repository's own rules: the Veza alerts (rules/alerts.yml) and recording rules are
tested by fixtures/ at their documented thresholds; the guide's original expressions
(tests/data/veza_original/guide_alerts.yml) are kept to prove their defects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ruletest.coverage import CoverageReport
from ruletest.promtool_format import load_test_file
from ruletest.reporting import detail, message
from ruletest.rule_files import test_rules
from ruletest.rules.loader import LoadOptions, load_rule_file
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import PROMETHEUS_3
from tests.oracle.promtool import promtool_path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = sorted((REPO / "fixtures").glob("*_test.yml"))
# Fixtures in promtool's own format (no ruletest additions): promtool must agree with them.
PROMTOOL_FIXTURES = [p for p in FIXTURES if not load_test_file(p).extensions]
ORIGINAL = REPO / "tests" / "data" / "veza_original"
GUIDE_ALERTS = ["HighErrorRate", "ServiceDown", "HighResponseTime", "DatabaseConnectionsHigh", "CacheHitRateLow",
                "MemoryUsageHigh", "DiskUsageHigh", "WebSocketConnectionsLow", "MessageQueueBacklog",
                "LowActiveUsers", "HighMessageVolume", "UserRegistrationSpike"]


def test_rules_define_the_twelve_guide_alerts() -> None:
    names = [r.name for g in load_rule_file(REPO / "rules" / "alerts.yml", LoadOptions(PROMETHEUS_3)) for r in g.rules]
    assert names == GUIDE_ALERTS
    original = [r.name for g in load_rule_file(ORIGINAL / "guide_alerts.yml", LoadOptions(PROMETHEUS_3)) for r in g.rules]
    assert original == GUIDE_ALERTS


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_passes(path: Path) -> None:
    result = run_test_file(load_test_file(path), RunOptions(PROMETHEUS_3))
    assert result.passed, "\n".join(message(p) + "\n" + detail(p) for p in result.all_problems())


def test_only_the_lifecycle_and_alertmanager_fixtures_use_ruletest_additions() -> None:
    assert [p.name for p in FIXTURES if p not in PROMTOOL_FIXTURES] == ["alertmanager_test.yml", "lifecycle_test.yml"]


@pytest.mark.oracle
@pytest.mark.parametrize("path", PROMTOOL_FIXTURES, ids=lambda p: p.name)
def test_fixture_expectations_hold_in_promtool(path: Path) -> None:
    # The expected times and values in fixtures/ were derived by hand; promtool 2.42 confirms
    # them independently (the fixtures avoid the window boundaries where 2.x and 3.x differ).
    promtool = promtool_path()
    assert promtool is not None  # the `oracle` marker needs it (tests/needs.py)
    proc = subprocess.run([promtool, "test", "rules", path.name], cwd=path.parent, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_alert_fires_and_stays_silent_somewhere() -> None:
    report = CoverageReport()
    for path in FIXTURES:
        tf = load_test_file(path)
        report.record(tf, test_rules(tf, LoadOptions(PROMETHEUS_3)).groups, PROMETHEUS_3)
    alerts = {c.rule.name: c for c in report.rules.values() if c.rule.is_alert}
    assert sorted(alerts) == sorted(GUIDE_ALERTS)
    assert [n for n, c in alerts.items() if not (c.expected_firing and c.expected_silent)] == []
    assert report.percent() == 100.0


def _failures(name: str) -> dict[str, str]:
    result = run_test_file(load_test_file(ORIGINAL / name), RunOptions(PROMETHEUS_3))
    return {g.name: "\n".join(message(p) for p in g.all_problems()) for g in result.groups}


def test_guide_high_error_rate_measures_a_rate_not_a_ratio() -> None:
    # The test file states what the description promises ("5xx above 10%"); the guide's rule
    # breaks both cases: it fires at 5% errors and stays silent at 100%.
    failures = _failures("high_error_rate_defect_test.yml")
    assert 'got:[\n            0:\n              Labels:{alertname="HighErrorRate", endpoint="/ws"' in failures[
        "busy service, 5% errors"]
    assert "got:[]" in failures["quiet service, every request fails"]


def test_guide_high_response_time_can_never_fire() -> None:
    failures = _failures("high_response_time_defect_test.yml")
    assert "got:[]" in failures["every request slower than 5s"]


def test_wrong_expectation_names_file_line_alert_time_and_both_sides(tmp_path: Path) -> None:
    fixture = (REPO / "fixtures" / "database_connections_high_test.yml").read_text(encoding="utf-8")
    broken = fixture.replace("eval_time: 2m45s", "eval_time: 2m30s", 1).replace(
        "../rules/", (REPO / "rules").as_posix() + "/")
    target = tmp_path / "_broken_copy_test.yml"
    target.write_text(broken, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "test", target.name], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    err = proc.stderr
    assert "alertname: DatabaseConnectionsHigh, time: 2m30s" in err
    assert "exp:[\n            0:\n              Labels:{alertname=\"DatabaseConnectionsHigh\"" in err
    assert "got:[]" in err
    assert "at _broken_copy_test.yml:" in err
    assert "pending  {alertname=\"DatabaseConnectionsHigh\"" in err
