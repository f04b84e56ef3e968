from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SCENARIOS = Path(__file__).parent / "data" / "scenarios"


def ruletest(*args: str, cwd: Path = SCENARIOS) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruletest", *args], cwd=cwd, capture_output=True, text=True)


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
    assert "bad.yml:4:1: invalid YAML" in proc.stderr
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
    ruletest("test", "--promtool-compat", "--junit", str(out), "scenarios_test.yml", "limit_test.yml")
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
    # Without the flag the server refuses the experimental function; ruletest names it.
    refused = ruletest("test", "t.yml", cwd=tmp_path)
    assert refused.returncode == 2 and 'function "sort_by_label" is not enabled' in refused.stderr
    # For lint it declares the server's features: the experimental function is then allowed.
    assert "compat/feature-flag" in ruletest("lint", "r.yml", cwd=tmp_path).stdout
    declared = ruletest("lint", "--enable-feature", "promql-experimental-functions", "r.yml", cwd=tmp_path)
    assert "compat/feature-flag" not in declared.stdout


RULE = "groups:\n  - name: g\n    rules:\n      - alert: Up\n        expr: up == 1\n"
TEST = ("rule_files: [RULES]\ntests:\n  - interval: 1m\n    input_series: [{series: up, values: '1'}]\n"
        "    alert_rule_test: [{alertname: Up, eval_time: 0m, exp_alerts: [{exp_labels: {}}]}]\n")


def test_exit_status_two_for_broken_rule_files_even_with_failing_tests(tmp_path: Path) -> None:
    (tmp_path / "bad_rules.yml").write_text("groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: 'up =='\n")
    (tmp_path / "rules.yml").write_text(RULE)
    (tmp_path / "broken_test.yml").write_text(TEST.replace("RULES", "bad_rules.yml"))
    broken = ruletest("test", "broken_test.yml", cwd=tmp_path)
    assert broken.returncode == 2
    assert ('bad_rules.yml:5:21: group "g", rule 1, "X": could not parse expression: 1:6: parse error: '
            "unexpected end of input") in broken.stderr
    (tmp_path / "failing_test.yml").write_text(TEST.replace("RULES", "rules.yml").replace("exp_labels: {}", "exp_labels: {a: b}"))
    assert ruletest("test", "failing_test.yml", cwd=tmp_path).returncode == 1
    assert ruletest("test", "failing_test.yml", "broken_test.yml", cwd=tmp_path).returncode == 2


def test_a_directory_runs_only_test_files(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "alerts.yml").write_text(RULE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "up_test.yml").write_text(TEST.replace("RULES", "../rules/alerts.yml"))
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "x.yml").write_text("tests: [1]\n")
    proc = ruletest("test", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Unit Testing:") == 1 and "tests/up_test.yml" in proc.stdout


def test_a_directory_reports_a_test_file_that_is_not_valid_yaml(tmp_path: Path) -> None:
    # Content sniffing cannot read a broken file; one with a top-level tests: line is a test file
    # whose error is reported (exit 2), never passed over. Other broken YAML (a Helm template) is not.
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "alerts.yml").write_text(RULE)
    (tmp_path / "up_test.yml").write_text(TEST.replace("RULES", "rules/alerts.yml"))
    (tmp_path / "broken_test.yml").write_text("rule_files: [rules/alerts.yml]\ntests:\n  - interval: 1m\n"
                                               "   input_series: []\n")
    (tmp_path / "chart.yml").write_text("groups: {{ .Values.groups }}\n  x: [\n")
    proc = ruletest("test", ".", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "broken_test.yml:4:4: invalid YAML" in proc.stderr
    assert "chart.yml" not in proc.stdout + proc.stderr


def test_a_failure_that_passes_under_prometheus_2_says_why(tmp_path: Path) -> None:
    # Samples 1m apart: under Prometheus 3's left-open window (t-1m, t] increase(x[1m]) sees one
    # sample and returns nothing; promtool 2.x's closed window sees two.
    (tmp_path / "rules.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: Grows\n        expr: increase(x[1m]) > 0\n")
    (tmp_path / "t.yml").write_text(
        "rule_files: [rules.yml]\ntests:\n  - name: grows\n    interval: 1m\n"
        "    input_series: [{series: x, values: '0+1x5'}]\n"
        "    alert_rule_test: [{alertname: Grows, eval_time: 3m, exp_alerts: [{exp_labels: {}}]}]\n")
    assert ruletest("test", "--prometheus", "2", "t.yml", cwd=tmp_path).returncode == 0
    proc = ruletest("test", "t.yml", cwd=tmp_path)
    assert proc.returncode == 1
    assert "test group grows: note: this test group passes with Prometheus 2 semantics" in proc.stderr
    assert "range selectors and the lookback delta cover (t-range, t] in Prometheus 3" in proc.stderr


def test_an_internal_error_fails_its_group_not_the_run(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(RULE)
    (tmp_path / "a_test.yml").write_text(TEST.replace("RULES", "rules.yml"))
    (tmp_path / "b_test.yml").write_text(TEST.replace("RULES", "rules.yml"))
    # Break the engine for one file only, in process, the way a bug would.
    script = (
        "import sys, ruletest.rules.simulation as s\n"
        "orig = s.Simulation.evaluate\n"
        "calls = []\n"
        "def boom(self, t):\n"
        "    calls.append(t)\n"
        "    if len(calls) == 1:\n"
        "        raise ZeroDivisionError('float division by zero')\n"
        "    return orig(self, t)\n"
        "s.Simulation.evaluate = boom\n"
        "from ruletest.cli import main\n"
        "sys.exit(main(['test', 'a_test.yml', 'b_test.yml']))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stdout.count("Unit Testing:") == 2
    assert "a_test.yml:3: internal error: ZeroDivisionError: float division by zero" in proc.stderr
    assert "this is a bug in ruletest" in proc.stderr


def test_delayed_name_removal_feature(tmp_path: Path) -> None:
    # name_label_dropping.test (Prometheus 3.14): with promql-delayed-name-removal, __name__ is
    # dropped at the end of the query, so label_replace still reads it after rate():
    # label_replace(rate({env="1"}[10m]), "my_name", "rate_$1", "__name__", "(.+)") keeps my_name.
    (tmp_path / "r.yml").write_text("groups: []\n")
    (tmp_path / "t.yml").write_text(
        "rule_files: [r.yml]\nevaluation_interval: 5m\ntests:\n  - interval: 5m\n"
        "    input_series: [{series: 'metric_total{env=\"1\"}', values: '0 60 120'}]\n"
        "    promql_expr_test:\n"
        "      - expr: 'label_replace(rate(metric_total[10m]), \"my_name\", \"rate_$1\", \"__name__\", \"(.+)\")'\n"
        "        eval_time: 10m\n"
        "        exp_samples: [{labels: '{env=\"1\", my_name=\"rate_metric_total\"}', value: 0.2}]\n")
    assert ruletest("test", "--enable-feature=promql-delayed-name-removal", "t.yml", cwd=tmp_path).returncode == 0
    without = ruletest("test", "t.yml", cwd=tmp_path)
    assert without.returncode == 1 and 'got: {env="1"}' in without.stderr
    # [tool.ruletest] features selects it the same way.
    (tmp_path / "pyproject.toml").write_text('[tool.ruletest]\nfeatures = ["promql-delayed-name-removal"]\n')
    assert ruletest("test", "t.yml", cwd=tmp_path).returncode == 0


def test_junit_with_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    # "\xff" in a PromQL string is one byte, not UTF-8; the error naming it went into the JUnit
    # file and crashed the write. Go's XML encoder writes such a byte as U+FFFD.
    import xml.etree.ElementTree as ET

    (tmp_path / "r.yml").write_text("groups: []\n")
    (tmp_path / "t.yml").write_text(
        "rule_files: [r.yml]\ntests:\n  - input_series: [{series: m, values: '1'}]\n"
        "    promql_expr_test: [{expr: 'label_replace(m, \"\\xff\", \"\", \"\", \"\")', eval_time: 0m}]\n")
    run = ruletest("test", "--junit", "j.xml", "t.yml", cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    failure = ET.parse(tmp_path / "j.xml").getroot().find(".//failure")
    assert failure is not None and "label_replace(): \ufffd" in (failure.text or "")


def _subcommands(parser: object) -> dict[str, object]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_a_subcommand_alone_parses_and_helps_as_in_the_whole_command_line() -> None:
    # main() registers only the subcommand its first argument names (a one-file run does not
    # build the others' arguments): each one's help, usage and defaults are the same as when
    # every subcommand is registered.
    from ruletest.cli import build_parser

    whole = _subcommands(build_parser())
    assert set(whole) >= {"test", "lint", "schema", "alertmanager", "mutate", "new", "capture", "backtest"}
    for name, parser in whole.items():
        alone = _subcommands(build_parser(name))
        assert list(alone) == [name] or name in ("mutate", "new", "capture", "backtest")
        assert alone[name].format_help() == parser.format_help()  # type: ignore[attr-defined]
    args = build_parser("test").parse_args(["test", "a.yml", "-j", "2"])
    assert (args.command, args.files, args.jobs) == ("test", ["a.yml"], 2)
