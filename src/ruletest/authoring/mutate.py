"""Mutation testing of rules: would the tests notice a wrong threshold?

Every mutant (:mod:`ruletest.authoring.mutations`) replaces one rule in the loaded rule groups —
files are never rewritten — and runs, in process, the test groups that load that rule's file and
pass without any mutation. A mutant is *killed* when one of them fails, and *survives* otherwise;
the mutation score is killed / (killed + survived). Mutants proven equivalent are not counted;
mutants whose comparison gives the same result on every value the tests reach survive without
being run. Runs are spread over processes; results do not depend on how many.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ruletest.authoring.astpaths import Path as NodePath
from ruletest.authoring.exercised import observe
from ruletest.authoring.impact import Impact
from ruletest.authoring.mutations import Mutation, MutationContext, Observed, RuleKey, mutations, rule_key
from ruletest.errors import RuletestError
from ruletest.promtool_format import (
    AlertTest,
    TestFile,
    TestFileError,
    TestGroup,
    is_rule_source,
    is_test_source,
    load_test_source,
)
from ruletest.records import record
from ruletest.results import InternalError
from ruletest.rule_files import RuleFileCache, test_rules
from ruletest.rules.loader import LoadOptions, RuleFileError, load_rule_source
from ruletest.rules.model import Rule, RuleGroup
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import Semantics
from ruletest.yamlnodes import parse_source

Status = Literal["killed", "survived", "uncovered", "equivalent", "invalid", "error"]


class MutateError(RuletestError):
    """Mutation testing cannot start: no test files, unreadable files."""

    code = "mutate/input"


@record
class MutateOptions:
    semantics: Semantics
    jobs: int = 0  # processes; 0: one per core
    # --changed: absolute rule file path -> changed line numbers; only rules touching them mutate.
    changed: dict[str, set[int]] | None = None
    ignore_unknown_fields: bool = False


@record
class MutantResult:
    id: int
    mutation: Mutation
    status: Status
    # "run": the tests ran; "static": the tests' inputs give the rule's result at every
    # evaluation (decided from observed values); "none": not run (equivalent, invalid, uncovered).
    how: Literal["run", "static", "none"]
    killed_by: str | None = None  # "file:line: group: case" of the first failing test
    detail: str | None = None  # why invalid, equivalent or an error


@dataclass
class MutationReport:
    results: list[MutantResult] = field(default_factory=list)
    test_files: list[str] = field(default_factory=list)
    rule_files: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # test groups failing without mutation: left out
    duration_s: float = 0.0
    jobs: int = 1

    def count(self, *statuses: Status) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def killed(self) -> int:
        return self.count("killed")

    @property
    def counted(self) -> int:
        """Mutants the score is about: killed, survived, and those no test loads."""
        return self.count("killed", "survived", "uncovered")

    @property
    def score(self) -> float | None:
        return 100.0 * self.killed / self.counted if self.counted else None


# --- inputs ------------------------------------------------------------------------------------


def _yaml_files(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(str(x) for x in sorted(path.rglob("*")) if x.suffix in (".yml", ".yaml") and not any(
                part.startswith(".") or part in ("node_modules", "site-packages") for part in x.relative_to(path).parts))
        elif path.exists():
            out.append(p)
        else:
            raise MutateError(f"no such file or directory: {p}", file=p)
    return out


@dataclass
class _Inputs:
    test_files: list[TestFile]
    groups_by_file: dict[str, list[RuleGroup]]  # normalised rule file path -> groups
    targets: list[str]  # rule files to mutate (normalised)


def _load_inputs(paths: Sequence[str], opts: MutateOptions) -> _Inputs:
    load = LoadOptions(opts.semantics, opts.ignore_unknown_fields)
    test_files: list[TestFile] = []
    named_rules: list[str] = []
    for f in _yaml_files(paths):
        try:
            text = Path(f).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MutateError(f"cannot read file: {exc}", file=f) from None
        src = parse_source(text, f)
        if is_test_source(src):
            try:
                test_files.append(load_test_source(src, ignore_unknown_fields=opts.ignore_unknown_fields))
            except TestFileError as exc:
                p = exc.problems[0]
                raise MutateError(p.message, file=p.where.file or f, line=p.where.line) from None
        elif is_rule_source(src):
            named_rules.append(os.path.normpath(f))
    if not test_files:
        raise MutateError("no promtool test files (YAML with a top-level tests:) among " + ", ".join(paths))
    cache = RuleFileCache()
    groups: dict[str, list[RuleGroup]] = {}
    for tf in test_files:
        rules = test_rules(tf, load, cache)
        for f in rules.files:
            got = cache.load(f, load)
            if not isinstance(got, RuleFileError):
                groups[os.path.normpath(f)] = got
    for f in named_rules:
        if f not in groups:
            try:
                groups[f] = load_rule_source(parse_source(Path(f).read_text(encoding="utf-8"), f), load)
            except RuleFileError as exc:
                raise MutateError(exc.message, file=exc.file or f, line=exc.line) from None
    targets = named_rules or sorted(groups)
    return _Inputs(test_files, groups, targets)


def _changed_rules(groups: list[RuleGroup], path: str, lines: set[int]) -> set[tuple[str, int]]:
    """(group, index) of the rules whose text (from their first line to the next rule's) changed."""
    rules = sorted((r for g in groups for r in g.rules), key=lambda r: r.line)
    try:
        total = Path(path).read_text(encoding="utf-8").count("\n") + 1
    except OSError:
        total = rules[-1].line if rules else 0
    out = set()
    for i, r in enumerate(rules):
        end = rules[i + 1].line - 1 if i + 1 < len(rules) else total
        if any(r.line <= ln <= end for ln in lines):
            out.add((r.group, r.index))
    return out


# --- running ------------------------------------------------------------------------------------


@record
class _Plan:
    """Everything a worker needs to run any mutant (inherited by forked workers, pickled otherwise)."""

    run: RunOptions
    load: LoadOptions
    groups_by_file: dict[str, list[RuleGroup]]
    tests_by_file: dict[str, tuple[tuple[TestFile, TestGroup], ...]]  # rule file -> passing test groups
    impacts: dict[str, Impact]  # test file -> read/write graph of the rules it loads
    files_of: dict[str, tuple[str, ...]]  # test file -> the rule files it loads (normalised)
    todo: tuple[Mutation, ...]


def _mentions(tg: TestGroup, name: str) -> bool:
    return bool(tg.notification_tests) or name in tg.alert_names() or any(name in et.expr for et in tg.expr_tests)


def _substituted(plan: _Plan, mutant: Rule, files: Sequence[str], keep: set[RuleKey] | None = None) -> RuleFileCache:
    """The rule files a test loads, with ``mutant`` in place of its rule (and, with ``keep``,
    only those rules)."""
    path = os.path.normpath(mutant.file)
    loaded: dict[tuple[str, LoadOptions], list[RuleGroup] | RuleFileError] = {}
    for p in files:
        groups = plan.groups_by_file.get(p)
        if groups is None:
            continue
        out = []
        for g in groups:
            rules = tuple(mutant if p == path and g.name == mutant.group and r.index == mutant.index else r
                          for r in g.rules if keep is None or rule_key(r) in keep)
            out.append(g if rules == g.rules else dataclasses.replace(g, rules=rules))
        loaded[(p, plan.load)] = out
    return RuleFileCache(loaded)


_NO_ALERT = "ruletest_mutate_no_such_alert"


def _cannot_fail_to_evaluate(m: Mutation, affected: set[RuleKey], plan: _Plan) -> bool:
    """A changed label value, annotation or `for` of an alert nothing reads cannot make any rule
    fail to evaluate (labels change uniformly, so no two alerts collide that did not before);
    `keep_firing_for` keeps alerts active longer, which only matters under a group `limit`."""
    if not m.rule.is_alert or len(affected) > 1:
        return False
    if m.operator in ("label", "annotation", "for"):
        return True
    if m.operator == "keep-firing-for":
        group = next(g for g in plan.groups_by_file[os.path.normpath(m.rule.file)] if g.name == m.rule.group)
        return group.limit == 0
    return False


def _errors_only(tg: TestGroup) -> TestGroup:
    """``tg`` asserting nothing, evaluated up to the same times: only evaluation errors fail it."""
    times = sorted({at.eval_time_ms for at in tg.alert_tests} | {et.eval_time_ms for et in tg.expr_tests}
                   | {st.last_time_ms for st in tg.state_tests} | {nt.eval_time_ms for nt in tg.notification_tests})
    checks = tuple(AlertTest(eval_time_ms=t, eval_time_text=f"{t}ms", alertname=_NO_ALERT, exp_alerts=(), line=tg.line)
                   for t in times)
    return dataclasses.replace(tg, alert_tests=checks, expr_tests=(), state_tests=(), routing_test=None,
                               notification_tests=())


def _run_one(plan: _Plan, index: int) -> tuple[Status, str | None, str | None]:
    m = plan.todo[index]
    tests = plan.tests_by_file.get(os.path.normpath(m.rule.file), ())
    lenient = dataclasses.replace(plan.run, strict=False)
    planned = []
    for tf, tg in tests:
        impact = plan.impacts[tf.path]
        affected = impact.affected(rule_key(m.rule))
        planned.append((not impact.observes(tg, affected), not _mentions(tg, m.rule.name), tf, tg, impact, affected))
    # Test groups asserting on what the mutant changes first, those naming the rule before the
    # others: they are the likeliest to kill it, and the first kill ends the run.
    planned.sort(key=lambda p: (p[0], p[1]))
    for blind, _, tf, tg, impact, affected in planned:
        if blind and _cannot_fail_to_evaluate(m, affected, plan):
            continue
        if not blind:
            # Rules neither affected by the mutant nor read by the assertions compute what they
            # computed in the passing baseline: they are left out.
            asserted = impact.asserted(tg)
            needed = impact.needed(affected | asserted, templates=asserted)
            result = run_test_file(dataclasses.replace(tf, tests=(tg,)), plan.run,
                                   _substituted(plan, m.mutant, plan.files_of[tf.path], needed))
        else:
            # No assertion of this group looks at what the mutant changes: it can only fail by an
            # evaluation error of an affected rule, which needs only those rules and their inputs.
            reduced = _substituted(plan, m.mutant, plan.files_of[tf.path], impact.needed(affected))
            result = run_test_file(dataclasses.replace(tf, tests=(_errors_only(tg),)), lenient, reduced)
        problems = result.all_problems()
        if not problems:
            continue
        internal = next((p for p in problems if isinstance(p, InternalError)), None)
        if internal is not None:
            return "error", None, f"{tf.path}: {tg.display_name}: {internal.message}"
        first = problems[0]
        case = next((c for g in result.groups for c in g.cases if c.problem is first), None)
        where = getattr(first, "where", None) or getattr(first, "rule_where", None)
        label = case.label if case is not None else type(first).__name__
        return "killed", f"{where}: {tg.display_name}: {label}", None
    return "survived", None, None


_WORKER_PLAN: list[_Plan] = []  # the plan of this worker process (set once by _init_worker)


def _init_worker(plan: _Plan) -> None:
    _WORKER_PLAN.append(plan)


def _work(index: int) -> tuple[Status, str | None, str | None]:
    return _run_one(_WORKER_PLAN[0], index)


def _run_all(plan: _Plan, jobs: int) -> list[tuple[Status, str | None, str | None]]:
    n = len(plan.todo)
    if jobs <= 1 or n < 2:
        return [_run_one(plan, i) for i in range(n)]
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with mp.Pool(min(jobs, n), initializer=_init_worker, initargs=(plan,)) as pool:
        return pool.map(_work, range(n), chunksize=max(1, n // (jobs * 8)))


def _uncovered(rule: Rule, tests: Sequence[tuple[TestFile, TestGroup]], impacts: dict[str, Impact]) -> str:
    """Why no test can notice a change to ``rule`` through an assertion (empty when some can).
    Its mutants are not run: only an evaluation error could kill them, which is not a test
    noticing the change."""
    if not tests:
        return f"no passing test loads {rule.file}"
    key = rule_key(rule)
    for tf, tg in tests:
        impact = impacts[tf.path]
        if impact.observes(tg, impact.affected(key)):
            return ""
    return f"no test asserts on {rule.name} or on a rule reading it"


def _intervals(tests: Sequence[tuple[TestFile, TestGroup]]) -> tuple[int, ...]:
    return tuple(sorted({tf.evaluation_interval_ms for tf, _ in tests if tf.evaluation_interval_ms > 0}))


def mutate_paths(paths: Sequence[str], options: MutateOptions) -> MutationReport:
    """Mutation-test the rule files among ``paths`` (or, when only test files are given, every
    rule file they load) with the test files among them. Directories are searched for both."""
    started = time.perf_counter()
    inputs = _load_inputs(paths, options)
    run = RunOptions(options.semantics, ignore_unknown_fields=options.ignore_unknown_fields, explain=False)
    load = LoadOptions(options.semantics, options.ignore_unknown_fields)
    base = RuleFileCache({(p, load): gs for p, gs in inputs.groups_by_file.items()})
    report = MutationReport(test_files=[tf.path for tf in inputs.test_files], rule_files=list(inputs.targets))

    # Baseline: only test groups that pass without mutation can tell anything about a mutant.
    passing: dict[str, set[int]] = {}
    tests_by_file: dict[str, list[tuple[TestFile, TestGroup]]] = {}
    files_of: dict[str, tuple[str, ...]] = {}
    for tf in inputs.test_files:
        result = run_test_file(tf, run, base)
        files_of[tf.path] = tuple(dict.fromkeys(os.path.normpath(f) for f in result.rule_files))
        by_index = {g.index: g for g in result.groups}
        ok = {tg.index for tg in tf.tests if not result.problems and by_index.get(tg.index) is not None
              and by_index[tg.index].passed}
        for tg in tf.tests:
            if tg.index not in ok:
                report.excluded.append(f"{tf.path}: {tg.display_name}")
        passing[tf.path] = ok
        for f in result.rule_files:
            tests_by_file.setdefault(os.path.normpath(f), []).extend((tf, tg) for tg in tf.tests if tg.index in ok)
    observed = observe(inputs.test_files, inputs.groups_by_file, passing, run)

    by_rule: dict[RuleKey, dict[NodePath, Observed]] = {}
    for (key, node_path), seen in observed.items():
        by_rule.setdefault(key, {})[node_path] = seen
    all_mutations: list[Mutation] = []
    for path in inputs.targets:
        groups = inputs.groups_by_file.get(path, [])
        only = None
        if options.changed is not None:
            only = _changed_rules(groups, path, options.changed.get(str(Path(path).resolve()), set()))
        tests = tests_by_file.get(path, [])
        for g in groups:
            for r in g.rules:
                if only is not None and (r.group, r.index) not in only:
                    continue
                sites = by_rule.get(rule_key(r), {})
                all_mutations.extend(mutations(r, MutationContext(options.semantics, _intervals(tests), sites)))

    impacts = {tf.path: Impact(test_rules(tf, load, base).groups, options.semantics.version)
               for tf in inputs.test_files}
    uncovered: dict[RuleKey, str] = {}
    for m in all_mutations:
        key = rule_key(m.rule)
        if key not in uncovered:
            uncovered[key] = _uncovered(m.rule, tests_by_file.get(os.path.normpath(m.rule.file), []), impacts)
    decided: dict[int, MutantResult] = {}
    todo: list[int] = []
    for i, m in enumerate(all_mutations):
        why_uncovered = uncovered[rule_key(m.rule)]
        if m.invalid is not None:
            decided[i] = MutantResult(i, m, "invalid", "none", detail=m.invalid)
        elif m.equivalent is not None:
            decided[i] = MutantResult(i, m, "equivalent", "none", detail=m.equivalent)
        elif why_uncovered:
            decided[i] = MutantResult(i, m, "uncovered", "none", detail=why_uncovered)
        elif m.unchanged_on_tests:
            decided[i] = MutantResult(i, m, "survived", "static")
        else:
            todo.append(i)
    jobs = options.jobs or os.cpu_count() or 1
    plan = _Plan(run, load, inputs.groups_by_file, {k: tuple(v) for k, v in tests_by_file.items()}, impacts,
                 files_of, tuple(all_mutations[i] for i in todo))
    for i, (status, killed_by, detail) in zip(todo, _run_all(plan, jobs), strict=True):
        decided[i] = MutantResult(i, all_mutations[i], status, "run", killed_by, detail)
    report.results = [decided[i] for i in range(len(all_mutations))]
    report.jobs = jobs
    report.duration_s = time.perf_counter() - started
    return report
