"""The pytest plugin, exercised with pytester in throwaway projects."""

from __future__ import annotations

import pytest

# Imported here so pytester's in-process runs do not re-import PyYAML: its C extension cannot be
# unloaded and would keep building nodes of the first import's classes.
import ruletest.promtool_format  # noqa: F401

pytest_plugins = ["pytester"]

RULES = """
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 1m
        labels: {severity: page}
        annotations: {summary: '{{ $labels.instance }} down'}
"""

GOOD = """
rule_files: [../rules.yml]
tests:
  - name: down
    interval: 1m
    input_series:
      - series: 'up{instance="a"}'
        values: '1 0 0 0'
    alert_rule_test:
      - alertname: Down
        eval_time: 1m
        exp_alerts: []
      - alertname: Down
        eval_time: 2m
        exp_alerts:
          - exp_labels: {instance: a, severity: page}
            exp_annotations: {summary: a down}
    promql_expr_test:
      - expr: up
        eval_time: 0m
        exp_samples:
          - labels: 'up{instance="a"}'
            value: 1
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yml", rules=RULES)
    pytester.mkdir("fixtures")
    (pytester.path / "fixtures" / "down_test.yml").write_text(GOOD)
    (pytester.path / "fixtures" / "not_a_test.yml").write_text("groups: []\n")
    pytester.makeini("[pytest]\nruletest_files = fixtures/*.yml\n")
    return pytester


def test_collects_one_item_per_case_with_stable_ids(project: pytest.Pytester) -> None:
    result = project.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "fixtures/down_test.yml::down::Down@1m",
        "fixtures/down_test.yml::down::Down@2m",
        "fixtures/down_test.yml::down::up@0s",
    ])
    assert "not_a_test" not in result.stdout.str()


def test_passing_file(project: pytest.Pytester) -> None:
    project.runpytest().assert_outcomes(passed=3)


def test_k_selects_cases(project: pytest.Pytester) -> None:
    project.runpytest("-k", "Down and 2m").assert_outcomes(passed=1, deselected=2)


def test_failure_names_file_line_alert_time_expected_and_actual(project: pytest.Pytester) -> None:
    bad = GOOD.replace("eval_time: 1m\n        exp_alerts: []", "eval_time: 3m\n        exp_alerts: []")
    (project.path / "fixtures" / "down_test.yml").write_text(bad)
    result = project.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*fixtures/down_test.yml:10: Down@3m*",
        "*alertname: Down, time: 3m,*",
        "*exp:[],*",
        "*Labels:{alertname=\"Down\", instance=\"a\", severity=\"page\"}*",
        "*state timeline:*",
        "*1m  pending*",
        "*2m  firing*",
    ])


def test_rule_load_errors_fail_every_case(project: pytest.Pytester) -> None:
    project.makefile(".yml", rules="groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: 'up =='\n")
    result = project.runpytest()
    result.assert_outcomes(failed=3)
    # At the end of 'up ==' (line 5, column 21), with Prometheus' message.
    result.stdout.fnmatch_lines(['*rules.yml:5:21: group "g", rule 1, "X": could not parse expression: '
                                 "1:6: parse error: unexpected end of input"])


def test_coverage_summary_and_threshold(project: pytest.Pytester) -> None:
    project.makefile(".yml", rules=RULES + "      - alert: Untested\n        expr: vector(1)\n")
    result = project.runpytest("--ruletest-coverage-fail-under", "90")
    result.stdout.fnmatch_lines(["*ruletest rule coverage*", "*Alerting rules:  1/2 covered (50.0%)*",
                                 "*alert: Untested*", "*FAIL: rule coverage 50.0% is below 90.0%*"])
    assert result.ret == 1


def test_xdist(project: pytest.Pytester) -> None:
    import xdist  # noqa: F401 (a [test] dependency: missing, this errors instead of skipping)
    project.runpytest("-n", "2", "-p", "xdist").assert_outcomes(passed=3)


def test_scenario_fixture(project: pytest.Pytester) -> None:
    project.makepyfile(test_api="""
        def test_down(ruletest_scenario):
            s = ruletest_scenario(["rules.yml"], interval="1m")
            s.series('up{instance="a"}', [1, 0, 0, 0])
            run = s.run(until="3m")
            assert run.firing("Down", at="1m") == []
            assert run.firing("Down", at="2m") == [{"alertname": "Down", "instance": "a", "severity": "page"}]
            assert run.first_firing("Down") == 120
    """)
    project.runpytest("test_api.py").assert_outcomes(passed=1)


def test_lint_items(project: pytest.Pytester) -> None:
    project.mkdir("rules")
    (project.path / "rules" / "good.yml").write_text(RULES)
    (project.path / "rules" / "bad.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: histogram_quantile(0.9, h_bucket) > 1\n")
    result = project.runpytest("--ruletest-lint", "rules")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*bad.yml:5: error histogram/quantile-without-rate*h_bucket without rate()*"])


def test_assertion_diff_for_alerts(project: pytest.Pytester) -> None:
    project.makepyfile(test_api="""
        def test_down(ruletest_scenario):
            run = ruletest_scenario(["rules.yml"], interval="1m").series('up{instance="a"}', [1, 0, 0, 0]).run("3m")
            assert run.firing("Down", at="2m") == [{"alertname": "Down", "instance": "b", "severity": "page"}]
    """)
    result = project.runpytest("test_api.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*firing alerts differ:*",
                                 '*- expected, not firing: {alertname="Down", instance="b", severity="page"}*',
                                 '*+ firing, not expected: {alertname="Down", instance="a", severity="page"}*'])


@pytest.mark.parametrize(("content", "expected"), [
    (GOOD.replace("    interval: 1m\n", "     interval: 1m\n"), "*down_test.yml:*invalid YAML*"),  # one bad indent
    (GOOD.replace("exp_annotations", "exp_annotation"),
     "*down_test.yml:17:13: unknown key 'exp_annotation' in an exp_alerts entry (did you mean 'exp_annotations'?)*"),
    ("tests:\n  - name: x\n    input_series: [{series: 'up', values: '1'}]\n".encode("latin-1") + b"# caf\xe9\n",
     "*down_test.yml*not valid UTF-8*"),
])
def test_a_broken_test_file_is_a_collection_error(project: pytest.Pytester, content: str | bytes,
                                                  expected: str) -> None:
    path = project.path / "fixtures" / "down_test.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected])
    assert result.ret != 0


def test_lint_items_share_one_session_like_the_cli(project: pytest.Pytester) -> None:
    # The recording rule is in one file and read in the other; the inventory does not list it.
    # Linted one file at a time, the reader reported promql/unknown-metric; linted together (as
    # `ruletest lint rules/` does) it is known.
    project.mkdir("rules")
    (project.path / "metrics.txt").write_text("# TYPE http_requests_total counter\n")
    (project.path / "pyproject.toml").write_text('[tool.ruletest]\ninventory = "metrics.txt"\n')
    (project.path / "rules" / "recording.yml").write_text(
        "groups:\n  - name: r\n    rules:\n      - record: job:http_requests:rate5m\n"
        "        expr: sum by (job) (rate(http_requests_total[5m]))\n")
    (project.path / "rules" / "alerts.yml").write_text(
        "groups:\n  - name: a\n    rules:\n      - alert: Busy\n        expr: job:http_requests:rate5m > 100\n"
        "        labels: {severity: warning}\n        annotations: {summary: busy}\n")
    project.makeini("[pytest]\nruletest_files = fixtures/*.yml\nruletest_lint_fail_on = warning\n")
    import subprocess
    import sys

    cli = subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", "--fail-on", "warning", "rules/"],
                         cwd=project.path, capture_output=True, text=True)
    result = project.runpytest("--ruletest-lint", "rules")
    assert cli.returncode == 0, cli.stdout
    result.assert_outcomes(passed=2)


def test_enable_feature_option_selects_delayed_name_removal(project: pytest.Pytester) -> None:
    # name_label_dropping.test (Prometheus 3.14): label_replace reads __name__ after rate()
    # only with delayed name removal.
    (project.path / "fixtures" / "down_test.yml").write_text("""
rule_files: [../rules.yml]
tests:
  - interval: 5m
    input_series:
      - series: 'metric_total{env="1"}'
        values: '0 60 120'
    promql_expr_test:
      - expr: 'label_replace(rate(metric_total[10m]), "my_name", "$1", "__name__", "(.+)")'
        eval_time: 10m
        exp_samples:
          - labels: '{env="1", my_name="metric_total"}'
            value: 0.2
""")
    project.runpytest("--ruletest-enable-feature", "promql-delayed-name-removal").assert_outcomes(passed=1)
    project.runpytest().assert_outcomes(failed=1)


@pytest.mark.parametrize("xdist", [False, True])
def test_a_bad_configuration_is_a_usage_error(project: pytest.Pytester, xdist: bool) -> None:
    # Read once when the session starts (in the controller under xdist): pytest's usage error
    # (exit status 4, "ERROR: ..." on stderr), never a traceback or one error per collected file.
    (project.path / "pyproject.toml").write_text('[tool.ruletest]\nprometheus = "three"\n')
    result = project.runpytest_subprocess(*(["-n", "2", "-p", "xdist"] if xdist else []))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(['ERROR: ruletest: pyproject.toml:2:1: prometheus must be 2 or 3*got "three"'])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    (project.path / "pyproject.toml").write_text("[tool.ruletest]\nprometheus = 2\n")
    project.runpytest().assert_outcomes(passed=3)
