"""Repository-level pytest configuration: ``tests.*`` helpers are importable from here, and
suites that need something outside the repository follow one rule (``tests/needs.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from tests import needs


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs(*names): the suite needs material or a binary from outside the repository "
                   f"({', '.join(sorted(needs.REQUIREMENTS))}); required when CI is set, else reported as not run")


def pytest_runtest_setup(item: pytest.Item) -> None:
    needs.require(item)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    # pytest -ra lists every skip; this says once, per reason, which suites did not run and why.
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and len(longrepr) == 3 and str(longrepr[2]).startswith("Skipped: not run: "):
            reason = str(longrepr[2]).removeprefix("Skipped: not run: ")
            reasons[reason] = reasons.get(reason, 0) + 1
    if not reasons:
        return
    terminalreporter.write_sep("-", "suites not run (required when CI is set)")
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"{count:5d} test(s) not run: {reason}")
