"""pytest plugin: promtool-format test files become pytest items.

Kept import-light (the engine is imported when a file is collected), so installing ruletest
does not slow down pytest in projects that do not use it.

* Files matching the ``ruletest_files`` ini globs (default ``fixtures/**/*.yml``) whose content
  has a top-level ``tests:`` are collected; each ``alert_rule_test`` and ``promql_expr_test``
  entry is one item, id ``file::group::HighErrorRate@10m`` (``-k`` selects on it).
* A failing item shows promtool's exp/got, ruletest's explanation (state timeline, values)
  and points at the YAML line.
* ``--ruletest-coverage`` prints the rule coverage summary, ``--ruletest-coverage-fail-under``
  fails the session below a percentage; ``--ruletest-prometheus 2`` switches semantics.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ruletest.runner import CaseResult, FileResult, Problem


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ruletest")
    group.addoption("--ruletest-prometheus", choices=("2", "3"), default=None,
                    help="PromQL semantics for collected rule tests (default: ini ruletest_prometheus or 3)")
    group.addoption("--ruletest-promtool-compat", action="store_true", default=False,
                    help="accept unknown alertnames and rule_files that match nothing, like promtool")
    group.addoption("--ruletest-coverage", action="store_true", default=False,
                    help="print which rules the collected test files exercise")
    group.addoption("--ruletest-coverage-fail-under", type=float, default=0.0, metavar="PCT",
                    help="fail the session when rule coverage is below PCT percent")
    group.addoption("--ruletest-lint", action="store_true", default=False,
                    help="also collect rule files (ini ruletest_rule_files) as lint items")
    parser.addini("ruletest_files", "globs of promtool-format test files to collect", type="linelist",
                  default=["fixtures/**/*.yml", "fixtures/*.yml"])
    parser.addini("ruletest_prometheus", "PromQL semantics (2 or 3)", default="3")
    parser.addini("ruletest_rule_files", "globs of rule files to lint with --ruletest-lint", type="linelist",
                  default=["rules/*.yml", "rules/**/*.yml"])
    parser.addini("ruletest_lint_fail_on", "lowest severity that fails a lint item (error, warning, info)",
                  default="error")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ruletest: a promtool-format rule test collected by ruletest")


def _matches(config: pytest.Config, path: Path) -> bool:
    try:
        rel = path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return False
    return any(fnmatch.fnmatch(rel, g) for g in config.getini("ruletest_files"))


def _matches_rules(config: pytest.Config, path: Path) -> bool:
    try:
        rel = path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return False
    return any(fnmatch.fnmatch(rel, g) for g in config.getini("ruletest_rule_files"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yml", ".yaml"):
        return None
    if parent.config.getoption("--ruletest-lint") and _matches_rules(parent.config, file_path):
        return RuleLintFile.from_parent(parent, path=file_path)
    if not _matches(parent.config, file_path):
        return None
    from ruletest.promtool_format import looks_like_test_file

    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not looks_like_test_file(text):
        return None
    return RuleTestFile.from_parent(parent, path=file_path)


def _prometheus(config: pytest.Config) -> int:
    return int(config.getoption("--ruletest-prometheus") or config.getini("ruletest_prometheus") or 3)


class RuleTestFailure(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.message for p in problems))
        self.problems = problems


class RuleTestFile(pytest.File):
    _result: FileResult | None = None
    _load_error: Exception | None = None

    def result(self) -> FileResult:
        if self._result is None:
            from ruletest.runner import RunOptions, run_test_file

            assert self._test_file is not None
            opts = RunOptions(prometheus=_prometheus(self.config),
                              strict=not self.config.getoption("--ruletest-promtool-compat"))
            self._result = run_test_file(self._test_file, opts)
        return self._result

    def collect(self) -> Any:
        from ruletest.errors import RuletestError
        from ruletest.promtool_format import load_test_file

        self._test_file = None
        try:
            self._test_file = load_test_file(self.path)
        except RuletestError as exc:
            raise self.CollectError(str(exc)) from None
        for tg in self._test_file.tests:
            group = tg.display_name
            seen: dict[str, int] = {}
            cases = [("alert", i, f"{a.alertname}@{_dur(a.eval_time_ms)}", a.line)
                     for i, a in enumerate(tg.alert_tests)]
            cases += [("expr", i, f"{e.expr.strip()}@{_dur(e.eval_time_ms)}", e.line)
                      for i, e in enumerate(tg.expr_tests)]
            if not cases:
                cases = [("group", 0, "(no assertions)", tg.line)]
            for kind, index, label, line in cases:
                n = seen.get(label, 0)
                seen[label] = n + 1
                name = f"{group}::{label}" + (f"#{n}" if n else "")
                item = RuleTestItem.from_parent(self, name=name)
                item.setup_case(tg.index, kind, index, line, label)
                item.add_marker("ruletest")
                yield item


def _dur(ms: int) -> str:
    from ruletest.promql.ast import format_duration

    return format_duration(ms)


class RuleTestItem(pytest.Item):
    def setup_case(self, group_index: int, kind: str, index: int, line: int, label: str) -> None:
        self.group_index = group_index
        self.kind = kind
        self.index = index
        self.line = line
        self.label = label

    def _case(self, result: FileResult) -> tuple[list[Problem], CaseResult | None]:
        file_problems = list(result.problems)
        for g in result.groups:
            if g.group.index != self.group_index:
                continue
            alert_cases = [c for c in g.cases if c.kind == "alert"]
            expr_cases = [c for c in g.cases if c.kind == "expr"]
            case = None
            if self.kind == "alert" and self.index < len(alert_cases):
                case = alert_cases[self.index]
            elif self.kind == "expr" and self.index < len(expr_cases):
                case = expr_cases[self.index]
            if case is not None and case.problem is not None:
                return [*file_problems, case.problem], case
            # Problems that are not about one case (load and evaluation errors) fail every case.
            own = {id(c.problem) for c in g.cases if c.problem is not None}
            group_problems = [p for p in g.problems if id(p) not in own]
            return file_problems + group_problems, case
        return file_problems, None

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, RuleTestFile)
        problems, _case = self._case(parent.result())
        if problems:
            raise RuleTestFailure(problems)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RuleTestFailure):
            try:
                where = self.path.relative_to(self.config.rootpath).as_posix()
            except ValueError:
                where = str(self.path)
            lines = [f"{where}:{self.line}: {self.label}"]
            for p in excinfo.value.problems:
                lines.append(p.message)
                if p.detail:
                    lines.append("\n".join("    " + ln for ln in p.detail.split("\n")))
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"ruletest {self.label}"


class RuleLintFile(pytest.File):
    def collect(self) -> Any:
        yield RuleLintItem.from_parent(self, name="lint")


class RuleLintFailure(Exception):
    pass


class RuleLintItem(pytest.Item):
    def runtest(self) -> None:
        from ruletest.lint import Severity, lint_paths
        from ruletest.lint.config import load_config

        cfg = load_config(self.config.rootpath)
        result = lint_paths([str(self.path)], cfg)
        threshold = Severity[str(self.config.getini("ruletest_lint_fail_on")).upper()]
        bad = [f for f in result.findings if f.severity >= threshold]
        if bad:
            raise RuleLintFailure("\n".join(
                f"{self.path.name}:{f.line}: {f.severity} {f.check} [{f.rule}]: {f.message}" for f in bad))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RuleLintFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"ruletest lint {self.path.name}"


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> list[str] | None:
    """Readable diffs for alert lists (``run.firing(...) == [...]``): which alerts are missing,
    which are unexpected, and which labels differ."""
    if op != "==" or not (_alert_list(left) and _alert_list(right)) or not (left or right):
        return None

    def key(a: dict[str, str]) -> str:
        return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(a.items())) + "}"

    lk, rk = {key(a) for a in left}, {key(a) for a in right}
    lines = ["firing alerts differ:"]
    lines += [f"  - expected, not firing: {k}" for k in sorted(rk - lk)]
    lines += [f"  + firing, not expected: {k}" for k in sorted(lk - rk)]
    return lines


def _alert_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(a, dict) and "alertname" in a for a in v)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    report = _coverage(config)
    if report is None:
        return
    terminalreporter.write_sep("-", "ruletest rule coverage")
    terminalreporter.write_line(report.text())
    threshold = config.getoption("--ruletest-coverage-fail-under")
    if threshold and report.percent() < threshold:
        terminalreporter.write_line(f"FAIL: rule coverage {report.percent():.1f}% is below {threshold:.1f}%")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    threshold = session.config.getoption("--ruletest-coverage-fail-under")
    if not threshold or hasattr(session.config, "workerinput"):
        return
    report = _coverage(session.config)
    if report is not None and report.percent() < threshold and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _coverage(config: pytest.Config) -> Any:
    if hasattr(config, "workerinput"):
        return None
    if not (config.getoption("--ruletest-coverage") or config.getoption("--ruletest-coverage-fail-under")):
        return None
    cached = getattr(config, "_ruletest_coverage", None)
    if cached is not None:
        return cached
    # Computed from the files themselves, so it is the same with or without pytest-xdist.
    from ruletest.coverage import CoverageReport
    from ruletest.errors import RuletestError
    from ruletest.promtool_format import load_test_file, looks_like_test_file
    from ruletest.runner import RunOptions, load_rules, resolve_rule_files

    report = CoverageReport()
    root = config.rootpath
    for pattern in config.getini("ruletest_files"):
        for path in sorted(root.glob(pattern)):
            try:
                if not looks_like_test_file(path.read_text(encoding="utf-8")):
                    continue
                tf = load_test_file(path)
            except (OSError, UnicodeDecodeError, RuletestError):
                continue
            files, _problems, _warnings = resolve_rule_files(tf)
            groups, _errors = load_rules(files, RunOptions(prometheus=_prometheus(config)))
            report.record(tf, groups, _prometheus(config))
    config._ruletest_coverage = report  # type: ignore[attr-defined]
    return report


@pytest.fixture
def ruletest_scenario() -> Any:
    """Factory for :class:`ruletest.api.Scenario` (``ruletest_scenario(rule_files, interval=...)``)."""
    from ruletest.api import Scenario

    return Scenario
