"""Mutation testing cost: the Veza rules and the realworld corpus, as wall time and as a ratio to
one ``promtool test rules`` run over the same test files (no tool mutation-tests rules, so the
reference is what a team already pays for one test run).

Veza: ``rules/`` with ``fixtures/`` (3.x semantics), serial and on every core. Corpus: per
project, the test files promtool 2.42 passes, under 2.x semantics, on every core.

    python benchmarks/bench_mutate.py [--jobs N] [--no-corpus] [--project NAME]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ruletest.authoring.mutate import MutateOptions, MutationReport, mutate_paths
from ruletest.authoring.mutate_report import summary
from ruletest.semantics import Semantics

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RULETEST_CORPUS", REPO.parent / "shared" / "corpus" / "realworld"))


def promtool_seconds(files: list[str]) -> float | None:
    promtool = shutil.which("promtool")
    if promtool is None:
        return None
    start = time.perf_counter()
    subprocess.run([promtool, "test", "rules", *files], capture_output=True, check=False)
    return time.perf_counter() - start


def line(name: str, files: list[str], report: MutationReport, seconds: float, cpu: float, jobs: int) -> str:
    runs = sum(1 for r in report.results if r.how == "run")
    out = (f"{name}: {len(report.results)} mutants ({runs} run, {report.count('uncovered')} uncovered, "
           f"{report.count('equivalent')} equivalent), {summary(report)}, {seconds:.1f}s on {jobs} process(es), "
           f"{cpu:.1f}s CPU")
    base = promtool_seconds(files)
    if base is not None:
        out += f", promtool test rules {base:.1f}s, ratio {seconds / base:.1f}"
    return out


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(paths: list[str], sem: Semantics, jobs: int) -> tuple[MutationReport, float, float]:
    """The report, wall seconds and CPU seconds (this process and its workers: CPU time does not
    depend on how busy the machine is)."""
    start, cpu = time.perf_counter(), cpu_seconds()
    report = mutate_paths(paths, MutateOptions(sem, jobs=jobs))
    return report, time.perf_counter() - start, cpu_seconds() - cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--project", action="append", default=[], help="only these corpus projects")
    args = ap.parse_args()
    veza = [str(REPO / "fixtures" / f) for f in sorted(os.listdir(REPO / "fixtures")) if f.endswith(".yml")]
    for jobs in (1, args.jobs):
        report, seconds, cpu = timed([str(REPO / "rules"), *veza], Semantics.of(3), jobs)
        print(line("veza", veza, report, seconds, cpu, jobs), flush=True)
    if args.no_corpus or not (CORPUS / "MANIFEST.json").exists():
        return 0
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())
    projects: dict[str, list[str]] = collections.defaultdict(list)
    for e in manifest["entries"]:
        if e["promtool_2_42"]["verdict"] == "pass" and (not args.project or e["project"] in args.project):
            projects[e["project"]].append(str(CORPUS / e["file"]))
    total_mutants = total_seconds = 0.0
    killed = counted = 0
    for name, files in sorted(projects.items()):
        report, seconds, cpu = timed(files, Semantics.of(2), args.jobs)
        print(line(name, files, report, seconds, cpu, args.jobs), flush=True)
        total_mutants += len(report.results)
        total_seconds += seconds
        killed += report.killed
        counted += report.counted
    print(f"corpus: {len(projects)} projects, {int(total_mutants)} mutants, {killed} of {counted} killed, "
          f"{total_seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
