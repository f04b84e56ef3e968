"""The ``ruletest`` command's process: the garbage collector tuned for a run (``__main__.py``),
and left alone when ``main`` is called in-process."""

from __future__ import annotations

import gc
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import gc, sys
sys.argv = ["ruletest", "--version"]
import ruletest.__main__ as command
try:
    command.entry()
except SystemExit as exit:
    print(exit.code, gc.isenabled(), gc.get_threshold() == command.THRESHOLDS, gc.get_freeze_count())
"""


def test_the_command_freezes_what_the_imports_built_and_collects_less_often() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False)
    version, probe = done.stdout.strip().splitlines()
    assert version.startswith("ruletest ")
    code, enabled, thresholds, frozen = probe.split()
    assert (code, enabled, thresholds) == ("0", "True", "True"), done.stdout + done.stderr
    assert int(frozen) > 20_000  # the modules, classes and functions of the imports


def test_main_in_process_leaves_the_collector_alone(capsys: pytest.CaptureFixture[str]) -> None:
    from ruletest.cli import main

    before = gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "ruletest" in capsys.readouterr().out
    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before


def test_the_installed_command_is_the_tuned_entry_point() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["ruletest"] == "ruletest.__main__:entry"
    done = subprocess.run([sys.executable, "-m", "ruletest", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("ruletest "), done.stdout + done.stderr
