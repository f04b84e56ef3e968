"""README's "Routing and notification tests in test files": the YAML example runs and passes, the
failure output shown is what the runner prints, and the Python example runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruletest.promtool_format import load_test_file
from ruletest.reporting import render
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import PROMETHEUS_3

REPO = Path(__file__).resolve().parent.parent.parent


def _blocks(kind: str) -> list[str]:
    section = (REPO / "README.md").read_text(encoding="utf-8").split(
        "### Routing and notification tests in test files", 1)[1].split("\n## ", 1)[0]
    return [b.split("\n", 1)[1] for b in section.split("```")[1::2] if b.startswith(kind + "\n")]


def _run(tmp: Path, text: str) -> tuple[list[tuple[str, bool]], list[str]]:
    path = tmp / "fixtures" / "example_test.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace("../", f"{REPO}/"), encoding="utf-8")  # the same lines, paths from anywhere
    result = run_test_file(load_test_file(path), RunOptions(PROMETHEUS_3))
    return [(c.kind, c.passed) for c in result.cases], [render(p, root=str(tmp)) for p in result.all_problems()]


def test_yaml_example_passes(tmp_path: Path) -> None:
    (example,) = _blocks("yaml")
    assert _run(tmp_path, example) == ([("routing", True), ("notification", True), ("notification", True)], [])


def test_failure_output_is_what_the_runner_prints(tmp_path: Path) -> None:
    (example,) = _blocks("yaml")
    broken = example.replace("at: 2m45s        # firing", "at: 2m30s        # firing")
    assert broken != example
    (shown,) = _blocks("text")
    assert _run(tmp_path, broken)[1] == [shown.rstrip("\n")]


def test_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = _blocks("python")
    monkeypatch.chdir(REPO)
    exec(compile(example, "README.md", "exec"), {})
