"""pytest plugin: promtool-format test files become pytest items.

Kept import-light (the engine is imported when a file is collected), so installing ruletest
does not slow down pytest in projects that do not use it.

* Files matching the ``ruletest_files`` ini globs (default ``fixtures/**/*.yml``) are collected;
  each ``alert_rule_test``, ``promql_expr_test``, ``alert_state_test`` and ``notification_test``
  entry and each ``routing_test`` case is one item, id ``file::group::HighErrorRate@10m``,
  ``file::group::route {alertname="X"}``, ``file::group::notifications to slack@10m`` (``-k``
  selects on it). A matching file that cannot be
  loaded is a collection error naming file:line, never a silent pass; rule files among them
  (a top-level ``groups:``) are left to ``--ruletest-lint``.
* A failing item shows promtool's exp/got, ruletest's explanation (state timeline, values)
  and points at the YAML line.
* ``--ruletest-lint`` lints the rule files (ini ``ruletest_rule_files``) once per session, like
  ``ruletest lint`` on the same files; each file is an item failing at ``ruletest_lint_fail_on``.
* ``--ruletest-coverage`` prints the rule coverage summary, ``--ruletest-coverage-fail-under``
  fails the session below a percentage; ``--ruletest-prometheus 2`` switches semantics.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ruletest.lint.config import LintConfig
    from ruletest.lint.model import LintResult
    from ruletest.promtool_format import TestFile
    from ruletest.results import CaseResult, FileResult, Problem
    from ruletest.rule_files import RuleFileCache
    from ruletest.runner import RunOptions
    from ruletest.yamlnodes import Source


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ruletest")
    group.addoption("--ruletest-prometheus", choices=("2", "3"), default=None,
                    help="PromQL semantics for collected rule tests (default: ini ruletest_prometheus, "
                         "[tool.ruletest] prometheus, or 3)")
    group.addoption("--ruletest-enable-feature", action="append", default=[], metavar="FEATURE",
                    help="promtool's --enable-feature values (adds to [tool.ruletest] features)")
    group.addoption("--ruletest-promtool-compat", action="store_true", default=False,
                    help="accept unknown alertnames and rule_files that match nothing, like promtool")
    group.addoption("--ruletest-timing", choices=("promtool", "server"), default=None,
                    help="evaluation schedule (default: each file's timing:, else promtool)")
    group.addoption("--ruletest-coverage", action="store_true", default=False,
                    help="print which rules the collected test files exercise")
    group.addoption("--ruletest-coverage-fail-under", type=float, default=0.0, metavar="PCT",
                    help="fail the session when rule coverage is below PCT percent")
    group.addoption("--ruletest-lint", action="store_true", default=False,
                    help="also collect rule files (ini ruletest_rule_files) as lint items")
    group.addoption("--ruletest-html", metavar="PATH", default=None,
                    help="write an HTML report with charts of the rule test files that ran to PATH")
    from ruletest.authoring import pytest_mutate

    pytest_mutate.add_options(group)  # --ruletest-mutate, --ruletest-mutate-fail-under
    parser.addini("ruletest_files", "globs of promtool-format test files to collect", type="linelist",
                  default=["fixtures/**/*.yml", "fixtures/*.yml"])
    parser.addini("ruletest_prometheus", "PromQL semantics (2 or 3)", default="")
    parser.addini("ruletest_rule_files", "globs of rule files to lint with --ruletest-lint", type="linelist",
                  default=["rules/*.yml", "rules/**/*.yml"])
    parser.addini("ruletest_lint_fail_on", "lowest severity that fails a lint item (error, warning, info)",
                  default="error")


@dataclass
class _State:
    """Per-session plugin state (kept in ``config.stash``)."""

    project: LintConfig  # [tool.ruletest], read once at start-up
    run_options: RunOptions | None = None
    rule_cache: RuleFileCache | None = None
    lint: LintResult | None = None
    lint_paths: list[Path] = field(default_factory=list)
    coverage: Any = None
    results: dict[str, tuple[FileResult, TestFile]] = field(default_factory=dict)  # by file node id


_STATE = pytest.StashKey[_State]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ruletest: a promtool-format rule test collected by ruletest")
    config.stash[_STATE] = _State(project=_project_config(config))
    if config.getoption("--ruletest-html") and not hasattr(config, "workerinput"):
        from ruletest.plugin_html import HtmlReportPlugin

        config.pluginmanager.register(HtmlReportPlugin(config, config.getoption("--ruletest-html")),
                                      "ruletest-html")


def _project_config(config: pytest.Config) -> LintConfig:
    """The project's [tool.ruletest], read when the session starts: a bad configuration is a usage
    error before anything runs (with pytest-xdist, in the controller, before workers start)."""
    from ruletest.errors import RuletestError
    from ruletest.lint.config import load_config

    version = str(config.getini("ruletest_prometheus"))
    if version not in ("", "2", "3"):
        raise pytest.UsageError(f"ruletest: ini ruletest_prometheus must be 2 or 3, got {version!r}")
    try:
        return load_config(config.rootpath)
    except RuletestError as exc:
        raise pytest.UsageError(f"ruletest: {exc}") from None


def _state(config: pytest.Config) -> _State:
    return config.stash[_STATE]


def _rel(config: pytest.Config, path: Path) -> str | None:
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return None


def _matches(config: pytest.Config, path: Path, ini: str) -> bool:
    rel = _rel(config, path)
    return rel is not None and any(fnmatch.fnmatch(rel, g) for g in config.getini(ini))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yml", ".yaml"):
        return None
    config = parent.config
    if config.getoption("--ruletest-lint") and _matches(config, file_path, "ruletest_rule_files"):
        _state(config).lint_paths.append(file_path)
        return RuleLintFile.from_parent(parent, path=file_path)
    if not _matches(config, file_path, "ruletest_files"):
        return None
    from ruletest.promtool_format import is_rule_source
    from ruletest.yamlnodes import parse_source

    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return RuleTestFile.from_parent(parent, path=file_path)  # its collection reports why
    src = parse_source(text, str(file_path))
    if is_rule_source(src):
        return None
    collector = RuleTestFile.from_parent(parent, path=file_path)
    collector.source = src  # composed once: collection loads these nodes
    return collector


def run_options(config: pytest.Config) -> RunOptions:
    """The semantics and options of this session, built once from options, ini and [tool.ruletest]."""
    state = _state(config)
    if state.run_options is None:
        from ruletest.runner import RunOptions
        from ruletest.semantics import Semantics, split_features

        project = state.project
        version = int(config.getoption("--ruletest-prometheus") or config.getini("ruletest_prometheus")
                      or project.prometheus)
        features = set(project.features) | set(split_features(config.getoption("--ruletest-enable-feature")))
        state.run_options = RunOptions(Semantics.of(version, features),
                                       strict=not config.getoption("--ruletest-promtool-compat"),
                                       timing=config.getoption("--ruletest-timing"))
    return state.run_options


def _rule_cache(config: pytest.Config) -> RuleFileCache:
    state = _state(config)
    if state.rule_cache is None:
        from ruletest.rule_files import RuleFileCache

        state.rule_cache = RuleFileCache()
    return state.rule_cache


class RuleTestFailure(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class RuleTestFile(pytest.File):
    _result: FileResult | None = None
    _test_file: TestFile | None = None
    source: Source | None = None

    def result(self) -> FileResult:
        if self._result is None:
            from ruletest.runner import run_test_file

            assert self._test_file is not None
            opts = run_options(self.config)
            if self.config.getoption("--ruletest-html") and not hasattr(self.config, "workerinput"):
                opts = replace(opts, trace=True)  # the report draws each group's run
            self._result = run_test_file(self._test_file, opts, _rule_cache(self.config))
            _state(self.config).results[self.nodeid] = (self._result, self._test_file)
        return self._result

    def collect(self) -> Any:
        from ruletest.promtool_format import TestFileError, case_refs, load_test_file, load_test_source

        try:
            compat = not run_options(self.config).strict  # ruletest's additions refused, as promtool would
            self._test_file = (load_test_source(self.source, promtool_compat=compat) if self.source is not None
                               else load_test_file(self.path, promtool_compat=compat))
        except TestFileError as exc:
            raise self.CollectError("\n".join(f"{p.where}: {p.message}" for p in exc.problems)) from None
        if not self._test_file.tests:
            raise self.CollectError(f"{self.path}: not a promtool test file: it has no test groups (tests:)")
        for tg in self._test_file.tests:
            refs = case_refs(tg)
            if not refs:
                item = RuleTestItem.from_parent(self, name=f"{tg.display_name}::(no assertions)")
                item.setup_case(tg.index, None, tg.line, "(no assertions)")
                item.add_marker("ruletest")
                yield item
            for ref in refs:
                item = RuleTestItem.from_parent(self, name=ref.id)
                item.setup_case(tg.index, ref.id, ref.line, ref.label)
                item.add_marker("ruletest")
                yield item


class RuleTestItem(pytest.Item):
    def setup_case(self, group_index: int, case_id: str | None, line: int, label: str) -> None:
        self.group_index = group_index
        self.case_id = case_id
        self.line = line
        self.label = label

    def _problems(self, result: FileResult) -> tuple[list[Problem], CaseResult | None]:
        problems = list(result.problems)
        for g in result.groups:
            if g.index != self.group_index:
                continue
            # Problems that are not about one case (load and evaluation errors) fail every case.
            problems.extend(g.problems)
            case = next((c for c in g.cases if c.id == self.case_id), None)
            if case is not None and case.problem is not None:
                problems.append(case.problem)
            return problems, case
        return problems, None

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, RuleTestFile)
        problems, _ = self._problems(parent.result())
        if problems:
            raise RuleTestFailure(problems)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RuleTestFailure):
            from ruletest.reporting import render

            where = _rel(self.config, self.path) or str(self.path)
            lines = [f"{where}:{self.line}: {self.label}"]
            lines.extend(render(p, root=str(self.config.rootpath)) for p in excinfo.value.problems)
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"ruletest {self.label}"


class RuleLintFile(pytest.File):
    def collect(self) -> Any:
        yield RuleLintItem.from_parent(self, name="lint")


class RuleLintFailure(Exception):
    pass


def lint_session(config: pytest.Config) -> LintResult:
    """One lint run over every rule file the session collected, as ``ruletest lint`` would do
    on the same files: checks across files see all of them."""
    state = _state(config)
    if state.lint is None:
        from ruletest.lint import lint_paths

        state.lint = lint_paths([str(p) for p in sorted(state.lint_paths)], state.project)
    return state.lint


class RuleLintItem(pytest.Item):
    def runtest(self) -> None:
        from ruletest.lint import Severity

        result = lint_session(self.config)
        threshold = Severity[str(self.config.getini("ruletest_lint_fail_on")).upper()]
        mine = str(self.path)
        bad = [f for f in result.findings if f.severity >= threshold and f.file == mine]
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
    from ruletest.authoring import pytest_mutate

    pytest_mutate.terminal_summary(terminalreporter, config)
    report = _coverage(config)
    if report is None:
        return
    terminalreporter.write_sep("-", "ruletest rule coverage")
    terminalreporter.write_line(report.text())
    threshold = config.getoption("--ruletest-coverage-fail-under")
    if threshold and report.percent() < threshold:
        terminalreporter.write_line(f"FAIL: rule coverage {report.percent():.1f}% is below {threshold:.1f}%")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from ruletest.authoring import pytest_mutate

    pytest_mutate.session_finish(session)
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
    state = _state(config)
    if state.coverage is not None:
        return state.coverage
    # Computed from the files themselves, so it is the same with or without pytest-xdist.
    from ruletest.coverage import CoverageReport
    from ruletest.promtool_format import TestFileError, load_test_file, looks_like_test_file
    from ruletest.rule_files import test_rules
    from ruletest.rules.loader import LoadOptions

    opts = run_options(config)
    report = CoverageReport()
    root = config.rootpath
    seen: set[Path] = set()
    for pattern in config.getini("ruletest_files"):
        for path in sorted(root.glob(pattern)):
            if path in seen:
                continue
            seen.add(path)
            try:
                if not looks_like_test_file(path.read_text(encoding="utf-8")):
                    continue
                tf = load_test_file(path)
            except (OSError, UnicodeDecodeError, TestFileError):
                continue  # reported as a collection error
            rules = test_rules(tf, LoadOptions(opts.semantics), _rule_cache(config))
            report.record(tf, rules.groups, opts.semantics)
    state.coverage = report
    return report


@pytest.fixture
def ruletest_scenario() -> Any:
    """Factory for :class:`ruletest.api.Scenario` (``ruletest_scenario(rule_files, interval=...)``)."""
    from ruletest.api import Scenario

    return Scenario
