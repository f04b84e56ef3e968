"""Per-assertion outcomes and run totals, counted the way the pytest plugin counts items.

Each ``alert_rule_test`` / ``promql_expr_test`` entry is one outcome named by its case id (the
pytest item id without the file), a group without entries is one ``(no assertions)`` outcome,
a file that could not be loaded is one ``(file)`` outcome. Problems that are not about one case
(file and group load or evaluation errors) fail every outcome they cover, as in pytest. JUnit,
the Markdown summary and the HTML report all count with this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from ruletest.records import record
from ruletest.reporting.explain import explain_alert, samples_diff
from ruletest.reporting.promtool import message
from ruletest.results import AlertMismatch, CaseResult, ExprMismatch, FileResult, GroupResult, Location, Problem

Status = Literal["passed", "failed", "skipped"]


@record
class Outcome:
    file: str
    id: str  # "<group>::<label>", "<group>::(no assertions)" or "(file)"
    where: Location
    status: Status
    problems: tuple[Problem, ...]
    # The time spent on this outcome, as pytest times the item that does the work: a group runs
    # its cases in one simulation, timed on its first case (0 on the others); the file's own work
    # (reading it and its rule files) is timed on its first case. They add up to the file's time.
    time_s: float
    group: GroupResult | None = None
    case: CaseResult | None = None


def file_outcomes(result: FileResult) -> Iterator[Outcome]:
    shared = tuple(result.problems)
    if not result.groups:
        if shared:  # nothing ran: the file could not be loaded, or has no test groups
            yield Outcome(result.path, "(file)", Location(result.path), "failed", shared, result.duration_s)
        return
    overhead = max(0.0, result.duration_s - sum(g.duration_s for g in result.groups))
    for g in result.groups:
        common = shared + tuple(g.problems)
        if not g.cases:
            yield Outcome(result.path, f"{g.name}::(no assertions)", g.where, "failed" if common else "passed", common,
                          g.duration_s + overhead, g)
            overhead = 0.0
            continue
        for i, c in enumerate(g.cases):
            problems = common + ((c.problem,) if c.problem is not None else ())
            status: Status = "failed" if problems else ("passed" if c.ran else "skipped")
            yield Outcome(result.path, c.id, c.where, status, problems, (g.duration_s if i == 0 else 0.0) + overhead,
                          g, c)
            overhead = 0.0


def outcomes(results: Sequence[FileResult]) -> list[Outcome]:
    return [o for r in results for o in file_outcomes(r)]


@record
class Totals:
    files: int
    files_failed: int
    groups: int
    groups_failed: int
    cases: int  # outcomes
    passed: int
    failed: int
    skipped: int
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.failed == 0


def totals(results: Sequence[FileResult], duration_s: float | None = None) -> Totals:
    """``duration_s``: the run's wall time (default: the sum of the files' run times)."""
    outs = outcomes(results)
    return Totals(
        files=len(results),
        files_failed=sum(1 for r in results if not r.passed),
        groups=sum(len(r.groups) for r in results),
        groups_failed=sum(1 for r in results for g in r.groups if not g.passed or r.problems),
        cases=len(outs),
        passed=sum(1 for o in outs if o.status == "passed"),
        failed=sum(1 for o in outs if o.status == "failed"),
        skipped=sum(1 for o in outs if o.status == "skipped"),
        duration_s=sum(r.duration_s for r in results) if duration_s is None else duration_s,
    )


def run_time(s: float) -> str:
    """A run or group's wall time for people: milliseconds under a second (a test group often
    takes a few), then seconds, then minutes."""
    if s < 0.001:
        return "< 1 ms"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    return f"{int(s // 60)} min {s % 60:.0f} s"


def headline(p: Problem) -> str:
    """One line saying what is wrong: the first difference of a mismatch, else the first line
    of the message."""
    if isinstance(p, AlertMismatch):
        lines = explain_alert(p).splitlines()[1:2]
    elif isinstance(p, ExprMismatch):
        lines = samples_diff(p).splitlines()[:1]
    else:
        lines = []
    text = (lines[0] if lines else next((ln for ln in message(p).splitlines() if ln.strip()), "")).strip()
    return text if len(text) <= 240 else text[:239] + "…"
