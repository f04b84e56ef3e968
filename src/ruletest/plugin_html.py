"""``pytest --ruletest-html=PATH``: the HTML report of the rule test files whose items ran.

Registered by :mod:`ruletest.plugin` in the controlling process only. Files that ran there are
reported from their results (run with a trace); under pytest-xdist the items ran in workers, so
their files are run again here, once, for the report.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ruletest.plugin import _rule_cache, _state, run_options


class HtmlReportPlugin:
    def __init__(self, config: pytest.Config, path: str) -> None:
        self.config = config
        self.path = path
        self.ran: dict[str, None] = {}  # file node ids, in the order their items reported
        self.started = time.perf_counter()
        self.written: str | None = None
        self.error: str | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and "ruletest" in report.keywords:
            self.ran.setdefault(report.nodeid.split("::", 1)[0], None)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from ruletest.coverage import CoverageReport
        from ruletest.promtool_format import TestFileError, load_test_file
        from ruletest.reporting.html import html_report
        from ruletest.results import FileResult
        from ruletest.rule_files import test_rules
        from ruletest.rules.loader import LoadOptions
        from ruletest.runner import run_test_file

        state = _state(self.config)
        opts = replace(run_options(self.config), trace=True)
        cache = _rule_cache(self.config)
        results: list[FileResult] = []
        coverage = CoverageReport()
        for node_id in self.ran:
            cached = state.results.get(node_id)
            if cached is None:
                try:
                    tf = load_test_file(self.config.rootpath / node_id)
                except TestFileError:
                    continue  # a collection error, reported by pytest
                cached = (run_test_file(tf, opts, cache), tf)
            result, tf = cached
            results.append(result)
            coverage.record(tf, test_rules(tf, LoadOptions(opts.semantics), cache).groups, opts.semantics)
        text = html_report(results, coverage=coverage, duration_s=time.perf_counter() - self.started,
                           root=str(self.config.rootpath))
        target = Path(self.path)
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.error = f"cannot write the HTML report {self.path}: {exc.strerror or exc}"
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        self.written = str(target)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.error:
            terminalreporter.write_line(f"ruletest: {self.error}", red=True)
        elif self.written:
            terminalreporter.write_line(f"ruletest: HTML report written to {self.written}")
