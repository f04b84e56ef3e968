"""The pre-commit hooks, run by pre-commit itself (from PyPI) in a throwaway git repository whose
layout is nothing like this one: rules in monitoring/, tests in ops/tests/, a Helm chart and a CI
workflow beside them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import REPO

pytestmark = pytest.mark.slow

RULES = """groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 1m
        labels: {severity: page}
        annotations: {summary: down}
"""
TEST = """rule_files: [../../monitoring/alerts.yml]
tests:
  - interval: 1m
    input_series: [{series: 'up{job="a"}', values: '0 0 0'}]
    alert_rule_test:
      - alertname: Down
        eval_time: 2m
        exp_alerts: [{exp_labels: {job: a, severity: page}, exp_annotations: {summary: down}}]
"""


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hooks") / "project"
    (root / "monitoring").mkdir(parents=True)
    (root / "monitoring" / "alerts.yml").write_text(RULES)
    (root / "ops" / "tests").mkdir(parents=True)
    (root / "ops" / "tests" / "down_test.yml").write_text(TEST)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {build: {runs-on: ubuntu-latest}}\n")
    (root / "charts" / "templates").mkdir(parents=True)
    (root / "charts" / "templates" / "rules.yaml").write_text(
        "{{- if .Values.rules }}\nspec:\n  groups:\n{{ toYaml .Values.rules | indent 4 }}\n{{- end }}\n")
    (root / "pyproject.toml").write_text('[tool.ruletest]\ntest_paths = ["ops"]\n')
    _run(root, "git", "init", "-q")
    _run(root, "git", "add", "-A")
    return root


def _hook(project: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    targets = ["--files", *files] if files else ["--all-files"]
    return _run(project, pre_commit, "try-repo", str(REPO), hook, "--verbose", *targets)


def test_lint_hook_checks_rule_files_wherever_they_are(project: Path) -> None:
    ok = _hook(project, "ruletest-lint")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (project / "monitoring" / "alerts.yml").write_text(RULES.replace("up == 0", "up =="))
    broken = _hook(project, "ruletest-lint")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "monitoring/alerts.yml:5:" in broken.stdout and "promql/syntax" in broken.stdout
    # The CI workflow and the Helm template are not rule files: nothing is said about them.
    assert "ci.yml" not in broken.stdout and "charts/templates" not in broken.stdout
    (project / "monitoring" / "alerts.yml").write_text(RULES)


def test_test_hook_runs_the_tests_of_a_changed_rule_file(project: Path) -> None:
    passed = _hook(project, "ruletest-test", "monitoring/alerts.yml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Unit Testing:  ops/tests/down_test.yml" in passed.stdout
    (project / "monitoring" / "alerts.yml").write_text(RULES.replace("for: 1m", "for: 5m"))
    failed = _hook(project, "ruletest-test", "monitoring/alerts.yml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "alertname: Down, time: 2m" in failed.stdout
    unrelated = _hook(project, "ruletest-test", ".github/workflows/ci.yml")
    assert unrelated.returncode == 0 and "Unit Testing" not in unrelated.stdout
    (project / "monitoring" / "alerts.yml").write_text(RULES)
