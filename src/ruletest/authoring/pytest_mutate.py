"""pytest options for mutation testing: ``--ruletest-mutate`` mutation-tests the rule files that
the collected promtool test files (ini ``ruletest_files``) load, once per session after the tests,
and prints the score and the surviving mutants; ``--ruletest-mutate-fail-under PCT`` also fails
the session below that score. Runs on the controller only (under pytest-xdist too).

Import-light: the plugin imports this module when pytest starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ruletest.authoring.mutate import MutationReport

_REPORT = pytest.StashKey["MutationReport | None"]()


def add_options(group: Any) -> None:
    group.addoption("--ruletest-mutate", action="store_true", default=False,
                    help="mutation-test the rule files the collected test files load, and report the score")
    group.addoption("--ruletest-mutate-fail-under", type=float, default=None, metavar="PCT",
                    help="fail the session when the mutation score is below PCT percent (implies --ruletest-mutate)")


def _wanted(config: pytest.Config) -> bool:
    if hasattr(config, "workerinput"):
        return False
    return bool(config.getoption("--ruletest-mutate") or config.getoption("--ruletest-mutate-fail-under") is not None)


def _test_files(config: pytest.Config) -> list[str]:
    from ruletest.promtool_format import looks_like_test_file

    out: list[str] = []
    root = config.rootpath
    for pattern in config.getini("ruletest_files"):
        for path in sorted(root.glob(pattern)):
            if str(path) in out:
                continue
            try:
                if looks_like_test_file(path.read_text(encoding="utf-8")):
                    out.append(str(path))
            except (OSError, UnicodeDecodeError):
                continue  # reported as a collection error
    return out


def report(config: pytest.Config) -> MutationReport | None:
    """The session's mutation report, computed once (None when not asked for or nothing to test)."""
    if not _wanted(config):
        return None
    if _REPORT in config.stash:
        return config.stash[_REPORT]
    from ruletest.authoring.mutate import MutateError, MutateOptions, mutate_paths
    from ruletest.plugin import run_options

    files = _test_files(config)
    result: MutationReport | None = None
    if files:
        try:
            result = mutate_paths(files, MutateOptions(run_options(config).semantics))
        except MutateError as exc:
            raise pytest.UsageError(f"--ruletest-mutate: {exc}") from None
    config.stash[_REPORT] = result
    return result


def terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not _wanted(config):
        return
    from ruletest.authoring.mutate_report import summary, text

    terminalreporter.write_sep("-", "ruletest mutation testing")
    result = report(config)
    if result is None:
        terminalreporter.write_line(f"no promtool test files match ruletest_files in {Path(config.rootpath)}")
        return
    for line in text(result).splitlines():
        terminalreporter.write_line(line)
    threshold = config.getoption("--ruletest-mutate-fail-under")
    if threshold is not None and result.score is not None and result.score < threshold:
        terminalreporter.write_line(f"FAIL: {summary(result)} is below {threshold:g}%")


def session_finish(session: pytest.Session) -> None:
    config = session.config
    threshold = config.getoption("--ruletest-mutate-fail-under")
    if threshold is None or not _wanted(config):
        return
    result = report(config)
    if result is not None and result.score is not None and result.score < threshold and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
