from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SCENARIOS = Path(__file__).parent / "data" / "scenarios"


def ruletest(*args: str, cwd: Path = SCENARIOS) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruletest.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text("groups: []\n")
    (tmp_path / "ok.yml").write_text("rule_files: [r.yml]\ntests:\n  - name: g\n    promql_expr_test:\n"
                                     "      - {expr: vector(1), eval_time: 0m, exp_samples: [{labels: '{}', value: 1}]}\n")
    assert ruletest("test", "ok.yml", cwd=tmp_path).returncode == 0
    assert ruletest("test", "limit_test.yml").returncode == 1
    # Nothing ran: not a success in ruletest's own mode (pytest's exit status 5); promtool passes.
    nothing = ruletest("test", "--run", "^nope$", "ok.yml", cwd=tmp_path)
    assert nothing.returncode == 5 and "no test ran (--run selected no test group)" in nothing.stderr
    assert ruletest("test", "--promtool-compat", "--run", "^nope$", "ok.yml", cwd=tmp_path).returncode == 0
    (tmp_path / "empty.yml").write_text("rule_files: [r.yml]\ntests: []\n")
    empty = ruletest("test", "empty.yml", cwd=tmp_path)
    assert empty.returncode == 1 and "the test file has no test groups" in empty.stderr
    assert ruletest("test", "--promtool-compat", "empty.yml", cwd=tmp_path).returncode == 0
    missing = ruletest("test", "nope.yml", cwd=tmp_path)
    assert missing.returncode == 2
    assert "nope.yml: cannot read test file" in missing.stderr
    assert ruletest("test", "--prometheus", "4", "ok.yml", cwd=tmp_path).returncode == 2


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("tests:\n  - interval: 1m\n    input_series: [\n")
    proc = ruletest("test", "bad.yml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "bad.yml:4: invalid YAML" in proc.stderr
    assert "Traceback" not in proc.stderr
    (tmp_path / "unknown.yml").write_text("tests:\n  - intervall: 1m\n    input_series: []\n    exp_annotation: {}\n")
    proc = ruletest("test", "unknown.yml", cwd=tmp_path)
    # Every unknown key, with its line and a suggestion, in YAML's terms (not Go's).
    assert "unknown.yml:2:5: unknown key 'intervall' in a test group (did you mean 'interval'?)" in proc.stderr
    assert "unknown.yml:4:5: unknown key 'exp_annotation' in a test group" in proc.stderr
    compat = ruletest("test", "--promtool-compat", "unknown.yml", cwd=tmp_path)
    assert "field intervall not found in type main.testGroup" in compat.stderr
    (tmp_path / "series.yml").write_text("tests:\n  - input_series:\n      - series: 'up{'\n        values: 1\n")
    proc = ruletest("test", "series.yml", cwd=tmp_path)
    assert proc.returncode == 1
    assert "series.yml:3: input_series[0] 'up{': unterminated label set" in proc.stderr


def test_junit_has_promtool_shape(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    ruletest("test", "--junit", str(out), "scenarios_test.yml", "limit_test.yml")
    root = ET.parse(out).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["scenarios_test.yml", "limit_test.yml"]
    cases = [c.get("name") for c in suites[0].findall("testcase")]
    assert cases == ["errors-and-for", "down-and-keep-firing"]
    assert all(c.find("failure") is not None for c in suites[0].findall("testcase"))
    assert [c.get("name") for c in suites[1].findall("testcase")] == ["unnamed#0"]


def test_diff_flag_shows_readable_expression_diff() -> None:
    proc = ruletest("test", "--diff", "scenarios_test.yml")
    assert '~ {} expected 2.0, got 1.0' in proc.stderr


def test_coverage_report(tmp_path: Path) -> None:
    proc = ruletest("test", "--coverage", "--coverage-fail-under", "100", "scenarios_test.yml")
    assert "Rule test coverage:" in proc.stderr
    assert "Alerting rules:  4/4 covered (100.0%)" in proc.stderr
    assert proc.returncode == 1


def test_debug_dumps_every_series() -> None:
    proc = ruletest("test", "--debug", "limit_test.yml")
    assert "DEBUG: Dump of all data (input_series and rules) at 2m:" in proc.stderr
    # The limit error stops the run at 1m, so later samples were never loaded.
    assert "@[120000]" not in proc.stderr
    assert '{__name__="up", job="a"} =>\n1.0 @[0]\n1.0 @[60000]' in proc.stderr


def test_enable_feature_like_promtool(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - record: s\n        expr: sort_by_label(m, \"a\")\n")
    (tmp_path / "t.yml").write_text(
        "rule_files: [r.yml]\ntests:\n  - input_series: [{series: 'm{a=\"x\"}', values: '1'}]\n"
        "    promql_expr_test: [{expr: s, eval_time: 0m, exp_samples: [{labels: 's{a=\"x\"}', value: 1}]}]\n")
    ok = ruletest("test", "--enable-feature", "promql-experimental-functions,promql-nope", "t.yml", cwd=tmp_path)
    assert ok.returncode == 0
    assert 'Unknown feature passed to "--enable-feature": promql-nope' in ok.stderr
    refused = ruletest("test", "--enable-feature=promql-delayed-name-removal", "t.yml", cwd=tmp_path)
    assert refused.returncode == 2 and "promql-delayed-name-removal is not supported" in refused.stderr
    # For lint it declares the server's features: the experimental function is then allowed.
    assert "compat/feature-flag" in ruletest("lint", "r.yml", cwd=tmp_path).stdout
    declared = ruletest("lint", "--enable-feature", "promql-experimental-functions", "r.yml", cwd=tmp_path)
    assert "compat/feature-flag" not in declared.stdout
