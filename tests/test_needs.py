"""Suites that need material from outside the repository: run when present, required in CI,
reported as not run elsewhere (``tests/needs.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.needs import REPO, in_ci

CASE = "tests/test_corpus_acceptance.py::test_corpus_is_complete"


def _pytest(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "RULETEST_CORPUS", "PYTEST_XDIST_WORKER")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", CASE],
                          cwd=REPO, env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_missing_corpus_is_reported_as_not_run_outside_ci() -> None:
    proc = _pytest({"RULETEST_CORPUS": "/nonexistent/corpus"})
    assert proc.returncode == 0, proc.stdout
    assert "suites not run" in proc.stdout
    assert "not run: the realworld corpus not found at /nonexistent/corpus" in proc.stdout


def test_missing_corpus_fails_in_ci() -> None:
    proc = _pytest({"RULETEST_CORPUS": "/nonexistent/corpus", "CI": "true"})
    assert proc.returncode == 1, proc.stdout
    assert "required in CI: the realworld corpus not found" in proc.stdout


def test_ci_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("true", True), ("1", True), ("", False), ("false", False), ("0", False)):
        monkeypatch.setenv("CI", value)
        assert in_ci() is expected
    monkeypatch.delenv("CI")
    assert in_ci() is False
