"""The rule groups a promtool test file evaluates: its ``rule_files`` globs resolved against the
test file's directory, each file loaded once per run. The runner, the linter's test-file checks,
coverage and the pytest plugin all get a test file's rules from here."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruletest.promtool_format import TestFile
from ruletest.records import record
from ruletest.results import Code, LoadProblem, Location
from ruletest.rules.loader import LoadOptions, RuleFileError, load_rule_file
from ruletest.rules.model import RuleGroup
from ruletest.semantics import Semantics


@record
class TestRules:
    """What a test file's ``rule_files`` give."""

    __test__ = False

    files: tuple[str, ...]  # matched rule files, in promtool's order
    groups: tuple[RuleGroup, ...]
    # Rule files that cannot be loaded: promtool refuses to run any test group.
    problems: tuple[LoadProblem, ...]
    # Entries matching nothing: promtool warns and goes on; ruletest's strict mode fails.
    unmatched: tuple[LoadProblem, ...]


@dataclass
class RuleFileCache:
    """Rule files already loaded in this run (many test files share one rule file)."""

    loaded: dict[tuple[str, LoadOptions], list[RuleGroup] | RuleFileError] = field(default_factory=dict)

    def load(self, path: str, options: LoadOptions) -> list[RuleGroup] | RuleFileError:
        key = (os.path.normpath(path), options)
        hit = self.loaded.get(key)
        if hit is None:
            try:
                hit = load_rule_file(key[0], options)
            except RuleFileError as exc:
                hit = exc
            self.loaded[key] = hit
        return hit


def load_groups(rule_files: Sequence[str | Path], semantics: Semantics) -> list[RuleGroup]:
    """The groups of ``rule_files`` in order, for the authoring commands (which name rule files
    themselves). Raises :class:`RuleFileError` for the first file that cannot be loaded."""
    groups: list[RuleGroup] = []
    for f in rule_files:
        groups.extend(load_rule_file(os.path.normpath(str(f)), LoadOptions(semantics)))
    return groups


def resolve(tf: TestFile) -> tuple[list[str], list[LoadProblem]]:
    """Rule files matched by each ``rule_files`` entry (relative to the test file, sorted per
    entry like Go's filepath.Glob), and the entries that match nothing."""
    files: list[str] = []
    unmatched: list[LoadProblem] = []
    for ref in tf.rule_files:
        pattern = ref.pattern
        if pattern and not os.path.isabs(pattern):
            pattern = os.path.normpath(os.path.join(tf.directory, pattern))
        matches = sorted(glob.glob(pattern)) if pattern else []
        if not matches:
            unmatched.append(LoadProblem(
                Code.RULE_FILES_MATCH_NOTHING, f"rule_files entry {ref.pattern!r} matches no file",
                Location(tf.path, ref.line), promtool_message=f"  WARNING: no file match pattern {pattern}"))
        files.extend(matches)
    return files, unmatched


def test_rules(tf: TestFile, options: LoadOptions, cache: RuleFileCache | None = None) -> TestRules:
    cache = cache if cache is not None else RuleFileCache()
    files, unmatched = resolve(tf)
    groups: list[RuleGroup] = []
    problems: list[LoadProblem] = []
    for f in files:
        got = cache.load(f, options)
        if isinstance(got, RuleFileError):
            for p in got.problems:
                problems.append(LoadProblem(Code.RULE_FILE, p.message, Location(p.file or f, p.line, p.column),
                                            promtool_message=p.promtool_message, cause=p.code))
        else:
            groups.extend(got)
    return TestRules(tuple(files), tuple(groups), tuple(problems), tuple(unmatched))


test_rules.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
