"""Running many test files (``ruletest test``): one after another, or in worker processes.

The results come back in the order of the files whatever order the workers finish in, so what
is reported (text, JUnit, exit code) is the serial run's. Workers are forked where the platform
allows (they start with everything already imported); each keeps its own cache of rule files.
Heavier files (by size) are handed out first, so that one big file does not run alone at the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ruletest.promql.reuse import RangeMemo
from ruletest.promql.tree_facts import TreeFacts
from ruletest.promtool_format import TestFile, TestFileError, load_test_file
from ruletest.results import Code, FileResult, GroupResult, LoadProblem, Location
from ruletest.rule_files import RuleFileCache
from ruletest.runner import RunOptions, run_test_file

if TYPE_CHECKING:
    from ruletest.reporting.terminal import Progress

Outcome = tuple[FileResult, TestFile | None]


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_file(path: str, opts: RunOptions, cache: RuleFileCache,
             on_group: Callable[[GroupResult], None] | None = None) -> Outcome:
    """Load and run one test file; a file that cannot be loaded is a failed result, never an exception."""
    try:
        tf = load_test_file(path, ignore_unknown_fields=opts.ignore_unknown_fields, promtool_compat=not opts.strict)
    except TestFileError as exc:
        return FileResult(path, problems=list(exc.problems)), None
    result = run_test_file(tf, opts, cache, on_group)
    if not tf.tests and opts.strict:
        result.problems.append(LoadProblem(Code.NO_TESTS, "the test file has no test groups (tests:)", Location(path)))
    return result, tf


def run_files(files: Sequence[str], opts: RunOptions, jobs: int = 1, *, keep_models: bool = True,
              progress: Progress | None = None) -> list[Outcome]:
    """Run every file, ``jobs`` at a time; the outcomes are in the order of ``files``.
    ``keep_models=False`` lets workers drop the parsed test files (only the results travel back).
    ``progress`` is told of each group (of each file, when workers run them) and file done."""
    jobs = min(jobs, len(files))
    if jobs <= 1:
        cache = RuleFileCache()
        opts = replace(opts, range_memo=RangeMemo(), tree_facts=TreeFacts())
        on_group = (lambda g: progress.group_done(g.passed)) if progress is not None else None
        out: list[Outcome] = []
        for f in files:
            if progress is not None:
                progress.files_done(len(out))
            out.append(run_file(f, opts, cache, on_group))
        if progress is not None:
            progress.files_done(len(out))
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else methods[0])
    order = sorted(range(len(files)), key=lambda i: -_size(files[i]))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker) as pool:
        futures = {i: pool.submit(_worker_run, files[i], opts, keep_models) for i in order}
        if progress is not None:
            for done, future in enumerate(as_completed(futures.values()), 1):
                for g in future.result()[0].groups:
                    progress.group_done(g.passed)
                progress.files_done(done)
        return [futures[i].result() for i in range(len(files))]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


# What a worker process shares between the files it runs (set by _start_worker): loaded rule
# files, range-function results and analyses of syntax trees.
_worker_cache: RuleFileCache | None = None
_worker_memo: RangeMemo | None = None
_worker_trees: TreeFacts | None = None


def _start_worker() -> None:
    global _worker_cache, _worker_memo, _worker_trees
    _worker_cache = RuleFileCache()
    _worker_memo = RangeMemo()
    _worker_trees = TreeFacts()


def _worker_run(path: str, opts: RunOptions, keep_models: bool) -> Outcome:
    assert _worker_cache is not None
    result, tf = run_file(path, replace(opts, range_memo=_worker_memo, tree_facts=_worker_trees), _worker_cache)
    return result, tf if keep_models else None
