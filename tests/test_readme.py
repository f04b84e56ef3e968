"""Every example in README.md runs as shown (conventions in tests/readme_examples.py): the files
it shows are the repository's, the commands exit as they say, and shown output is what they print."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.needs import REPO
from tests.readme_examples import Block, blocks, console_commands, in_file, shell_commands

ALL_BLOCKS = blocks()
# Blocks marked `readme-test: skip` are run by the test their reason names (checked below).
BLOCKS = [b for b in ALL_BLOCKS if b.skip is None]
# What a user of the repository has: its files, not its build products or virtualenv.
PROJECT_ENTRIES = ("rules", "fixtures", "alertmanager", "dashboards", "schemas", "tests", "benchmarks", "docs",
                   "pyproject.toml", "README.md", "conftest.py")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme") / "project"
    root.mkdir()
    for name in PROJECT_ENTRIES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        elif src.exists():
            shutil.copy2(src, root / name)
    for block in BLOCKS:
        name = block.names_file
        if name and not (REPO / name).exists() and block.skip is None:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text.split("\n", 1)[1] + "\n")
    # A clone, as a reader has it: examples compare with git revisions (`--changed --base ...`).
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=readme", "-c", "user.email=readme@example.org", "commit", "-q", "-m", "clone"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def _env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1",
            "COLUMNS": "100"}


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, shell=True, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)


def _lines(text: str) -> list[str]:
    out = [ln.rstrip() for ln in text.split("\n")]
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return out


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.skip is not None], ids=lambda b: b.id)
def test_examples_not_run_here_name_the_test_that_runs_them(block: Block) -> None:
    assert block.skip is not None
    named = re.findall(r"(tests/[\w/]+\.py)::(\w+)", block.skip)
    assert named, f"{block.id}: the skip reason must name a test as tests/FILE.py::test_name"
    for path, name in named:
        source = REPO / path
        assert source.is_file() and f"def {name}(" in source.read_text(), f"{block.id}: no test {path}::{name}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.names_file], ids=lambda b: b.id)
def test_shown_files_are_the_repositorys(block: Block) -> None:
    name = block.names_file
    assert name is not None
    path = REPO / name
    body = block.text.split("\n", 1)[1] if "\n" in block.text else ""
    if path.exists():
        assert in_file(block, path), f"{block.id}: the example differs from {name}"
    if block.lang == "yaml":
        yaml.safe_load(body)
    elif block.lang == "json":
        json.loads(body)
    elif block.lang == "toml":
        tomllib.loads(body)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "toml" and not b.names_file], ids=lambda b: b.id)
def test_configuration_examples_load(block: Block, tmp_path: Path) -> None:
    from ruletest.lint.config import load_config

    data = tomllib.loads(block.text)
    (tmp_path / "pyproject.toml").write_text(block.text)
    if "tool" in data and "ruletest" in data["tool"]:
        for name in ("metrics.txt",):
            (tmp_path / name).write_text("# TYPE up gauge\n")
        load_config(tmp_path)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang in ("console", "text") and console_commands(b)],
                         ids=lambda b: b.id)
def test_shown_output_is_what_commands_print(block: Block, project: Path) -> None:
    for cmd in console_commands(block):
        proc = _shell(cmd.command, project)
        got = _lines(proc.stdout + proc.stderr)
        assert got == _lines("\n".join(cmd.expected)), f"{block.id}: $ {cmd.command}\n" + "\n".join(got)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "sh" and shell_commands(b)], ids=lambda b: b.id)
def test_commands_run(block: Block, project: Path) -> None:
    for command, status in shell_commands(block):
        proc = _shell(command, project)
        assert proc.returncode == status, f"{block.id}: {command} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "python"], ids=lambda b: b.id)
def test_python_examples_run(block: Block, project: Path, tmp_path: Path) -> None:
    script = tmp_path / "test_readme_example.py"
    script.write_text(block.text + "\n")
    if "def test_" in block.text:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                               str(project), str(script)], cwd=project, env=_env(), capture_output=True, text=True,
                              timeout=600)
    else:
        proc = subprocess.run([sys.executable, str(script)], cwd=project, env=_env(), capture_output=True, text=True,
                              timeout=600)
    assert proc.returncode == 0, f"{block.id}\n{proc.stdout}\n{proc.stderr}"


def test_the_top_of_the_readme_gives_the_two_commands() -> None:
    first = next(b for b in BLOCKS if b.lang == "sh")
    assert first.line < 15
    commands = [ln for ln in first.text.split("\n") if ln and not ln.startswith("#")]
    assert commands[0].endswith("ruletest test fixtures/") and "pip install" in commands[0]
    assert commands[1] == "bash .ci/run"
    ci = (REPO / ".ci" / "run").read_text()
    assert "python -m pytest" in ci and "export CI" not in ci
