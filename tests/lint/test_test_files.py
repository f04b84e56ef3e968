"""Checks on promtool test files and on what they leave untested."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ruletest.lint import lint_paths
from ruletest.lint.config import LintConfig
from tests.lint.builders import alert, record, rules


def test_test_file_checks(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(rules(alert("up == 0") + alert("up == 1", name="Untested")))
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml, missing.yml]
        tests:
          - interval: 1m
            input_series:
              - series: up
                values: 1 1 1
            alert_rule_test:
              - alertname: A
                eval_time: 2m
              - alertname: Typo
                eval_time: 2m
              - alertname: A
                eval_time: 30m
    """))
    result = lint_paths([str(tmp_path)])
    got = sorted((f.check, Path(f.file).name, f.line) for f in result.findings if f.check.startswith("test/"))
    assert got == [("test/eval-after-input", "t_test.yml", 13), ("test/missing-rule-file", "t_test.yml", 2),
                   ("test/unknown-alertname", "t_test.yml", 11), ("test/untested-alert", "rules.yml", 11)]


def test_test_file_checks_on_groups_labels_and_recordings(tmp_path: Path) -> None:
    text = rules(alert("sum by (job) (up) == 0"), records=record("job:up:sum", "sum by (job) (up)")
                 + record("job:up:max", "max by (job) (up)"))
    (tmp_path / "rules.yml").write_text(text.replace("- name: g", "- name: g\n    interval: 30s"))
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml]
        group_eval_order: [g, nope]
        tests:
          - interval: 1m
            input_series:
              - series: up{job="a", instance="i"}
                values: 0 0 0
            promql_expr_test:
              - expr: job:up:sum
                eval_time: 1m
            alert_rule_test:
              - alertname: A
                eval_time: 2m
                exp_alerts:
                  - exp_labels: {job: a, severity: warning}
                  - exp_labels: {job: a, instance: i, severity: warning}
    """))
    got = sorted((f.check, Path(f.file).name, f.line) for f in lint_paths([str(tmp_path)]).findings
                 if f.check.startswith("test/"))
    # job:up:max is read by nothing; instance cannot survive sum by (job); the group runs every
    # 30s in production but every 1m (the default evaluation_interval) in the test.
    assert got == [("test/impossible-exp-labels", "t_test.yml", 17), ("test/interval-mismatch", "t_test.yml", None),
                   ("test/unknown-group-order", "t_test.yml", None),
                   ("test/untested-recording", "rules.yml", 10)]


def test_no_negative_case_when_enabled(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(rules(alert("up == 0") + alert("up == 1", name="B")))
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: up
                values: 0 0 0
            alert_rule_test:
              - alertname: A
                eval_time: 2m
                exp_alerts: [{exp_labels: {severity: warning}}]
              - alertname: B
                eval_time: 2m
              - alertname: B
                eval_time: 1m
                exp_alerts: [{exp_labels: {severity: warning}}]
    """))
    assert not [f for f in lint_paths([str(tmp_path)]).findings if f.check == "test/no-negative-case"]
    cfg = LintConfig(enabled=frozenset({"test/no-negative-case"}))
    assert [f.rule for f in lint_paths([str(tmp_path)], cfg).findings if f.check == "test/no-negative-case"] == ["A"]
