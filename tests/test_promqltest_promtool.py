"""Issue 12's acceptance measure: Prometheus 3.14's engine tests converted to promtool test files
and run through ``ruletest test`` (:mod:`tests.promqltest_convert` says how). At least 99.5% of
the float cases with default features, and at least 95% of the feature-flagged ones (run with
promtool's flags), must pass. ``python -m tests.promqltest_convert`` prints the table per file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.needs import PROMQLTEST
from tests.promqltest_convert import Case, measure, table

ALLOWED_REASONS = (
    "not run: native histograms", "not run: start timestamps", "not run: type-and-unit labels",
    "a string result", "a range vector result", "a range query reading its own range or step",
)


def _rate(cases: list[Case]) -> float:
    return sum(c.status == "pass" for c in cases) / len(cases)


@pytest.mark.slow
@pytest.mark.needs("promqltest")
def test_engine_tests_as_promtool_files(tmp_path: Path) -> None:
    cases = measure(sorted(PROMQLTEST.glob("*.test")), tmp_path)
    default = [c for c in cases if c.converted and not c.flagged]
    flagged = [c for c in cases if c.converted and c.flagged]
    failing = "\n".join(f"{c.group}: {c.expr}" for c in cases if c.status == "fail")
    assert len(default) > 800 and len(flagged) > 250, table(cases)
    assert _rate(default) >= 0.995, f"{table(cases)}\n{failing}"
    assert _rate(flagged) >= 0.95, f"{table(cases)}\n{failing}"
    assert all(c.reason.startswith(ALLOWED_REASONS) for c in cases if not c.converted)


def _measure_text(tmp_path: Path, text: str) -> list[Case]:
    src = tmp_path / "synthetic.test"
    src.write_text(text)
    return measure([src], tmp_path / "out")


def test_conversion_of_range_evals_errors_and_later_data(tmp_path: Path) -> None:
    text = ("load 1m\n  m 0+1x10\n  n 0\n\n"
            # One instant query per step: m at 1m, 2m, 3m.
            "eval range from 1m to 3m step 1m m * 2\n  {} 2 4 6\n\n"
            # A wrong expectation fails.
            "eval range from 1m to 3m step 1m m * 2\n  {} 2 4 7\n\n"
            # Samples after the evaluation time are loaded (promtool loads up to its last step).
            "eval instant at 1m m offset -5m\n  m 6\n\n"
            # Expected errors: any error, an exact message, a wrong message.
            "eval instant at 1m m + on() {__name__=~\"m|n\"}\n  expect fail\n\n"
            "eval instant at 1m topk(NaN, m)\n  expect fail msg: Parameter value is NaN\n\n"
            "eval instant at 1m topk(NaN, m)\n  expect fail msg: something else\n\n"
            # Feature-flagged: runs with promtool's flags.
            "eval instant at 1m sort_by_label(m, \"x\")\n  m 1\n\n"
            # Not convertible.
            "eval range from 1m to 3m step 1m m offset step()\n  m 0 1 2\n\n"
            "eval instant at 0 \"s\"\n  expect string \"s\"\n")
    cases = _measure_text(tmp_path, text)
    assert [(c.status, c.flagged) for c in cases[:7]] == [
        ("pass", False), ("fail", False), ("pass", False), ("pass", False), ("pass", False), ("fail", False),
        ("pass", True)]
    assert [c.reason for c in cases[7:]] == ["a range query reading its own range or step",
                                             "a string result (promtool takes vectors and scalars)"]
    # The converted file: one test group per case, named file:line.
    written = (tmp_path / "out" / "synthetic.yml").read_text()
    assert "  - name: 'synthetic.test:5'" in written and "relative_tolerance: 2.0e-6" in written
