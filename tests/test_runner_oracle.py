"""The runner against promtool 2.42 on scenario files that exercise the evaluation loop:
``for``, ``keep_firing_for``, recording rules feeding alerts, ``ALERTS``/``ALERTS_FOR_STATE``,
``absent()``, staleness, templates with external labels, group order and limits, evaluation
errors, and expression tests (scalars, NaN, parse errors). Every failure message must be
promtool's, character for character (promtool's parse errors carry a column ruletest's parser
cannot give; that prefix is ignored)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ruletest.promtool_format import load_test_file
from ruletest.reporting import message
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import Semantics
from tests.oracle.promtool import promtool_path

pytestmark = pytest.mark.oracle

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
FILES = sorted(p.name for p in SCENARIOS.glob("*_test.yml"))


def _normalise(text: str) -> str:
    return re.sub(r"err: \d+:\d+: parse error", "err: parse error", text).strip()


@pytest.mark.parametrize("name", FILES)
def test_failure_messages_match_promtool(name: str) -> None:
    promtool = promtool_path()
    assert promtool is not None  # the `oracle` marker needs it (tests/needs.py)
    proc = subprocess.run([promtool, "test", "rules", name], cwd=SCENARIOS, capture_output=True, text=True)
    theirs = proc.stderr.removeprefix("  FAILED:\n")
    result = run_test_file(load_test_file(SCENARIOS / name), RunOptions(Semantics.of(2), strict=False))
    ours = "\n".join(message(p, promtool_compat=True) for p in result.all_problems())
    assert (proc.returncode == 0) == result.passed
    assert _normalise(ours) == _normalise(theirs)
