"""The HTML report: one self-contained page (inline CSS, SVG charts, a small inline script for
the filter; nothing fetched from the network), rendered with the jinja2 templates in
``html_templates/``.

A summary on top (totals, duration, rule coverage, links to the failures), then one section
per test group, failed groups first, each with its assertions, problems and charts
(:mod:`ruletest.reporting.charts`). Groups that ran without a trace (``RunOptions.trace``) get
no charts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache

import jinja2
import markupsafe

from ruletest import __version__
from ruletest.coverage import CoverageReport
from ruletest.promql.values import METRIC_NAME, get_label
from ruletest.records import record
from ruletest.reporting.charts import GroupCharts, group_charts
from ruletest.reporting.coverage_summary import summarize
from ruletest.reporting.explain import prometheus_2_note
from ruletest.reporting.outcomes import Outcome, file_outcomes, headline, run_time, totals
from ruletest.reporting.promtool import render
from ruletest.reporting.svg import num
from ruletest.results import FileResult, Problem


@record
class OutcomeRow:
    id: str
    status: str
    where: str
    text: str  # the problems, as the terminal shows them
    headline: str  # the first problem in one line


@record
class GroupView:
    anchor: str
    file: str
    name: str
    where: str
    passed: bool
    duration: str
    search: str  # what the filter matches, lower case
    outcomes: tuple[OutcomeRow, ...]
    problems: tuple[str, ...]  # problems of the file or the group (they fail every case)
    note: str
    charts: GroupCharts | None
    cases_passed: int
    cases_failed: int


@record
class FailureLink:
    anchor: str
    id: str
    where: str
    headline: str


def html_report(results: Sequence[FileResult], *, coverage: CoverageReport | None = None,
                duration_s: float | None = None, title: str = "ruletest report", root: str | None = None,
                generated: datetime | None = None) -> str:
    """The report page for a run. ``root``: paths under it are shown relative (default: the
    working directory)."""
    base = os.getcwd() if root is None else root

    def rel(path: str) -> str:
        absolute = os.path.abspath(path)
        r = os.path.relpath(absolute, base)
        return path if r.startswith("..") else r

    groups: list[GroupView] = []
    failures: list[FailureLink] = []
    for fi, r in enumerate(results):
        views = _file_views(r, fi, rel, base)
        groups.extend(views)
    groups.sort(key=lambda g: g.passed)  # stable: failed groups first, each in run order
    for g in groups:
        for o in g.outcomes:
            if o.status == "failed":
                failures.append(FailureLink(g.anchor, o.id, o.where, o.headline))
    t = totals(results, duration_s)
    cov = summarize(coverage) if coverage is not None else None
    return _template().render(
        title=title, totals=t, coverage=cov, groups=groups, failures=failures, version=__version__,
        generated=(generated or datetime.now()).strftime("%Y-%m-%d %H:%M:%S"),
        duration=run_time(t.duration_s), files=[rel(r.path) for r in results])


def _file_views(r: FileResult, fi: int, rel: Callable[[str], str], root: str) -> list[GroupView]:
    def text(problems: Sequence[Problem], explain: bool = True) -> str:
        return "\n\n".join(render(p, explain=explain, root=root) for p in problems)

    def row(o: Outcome, own: Sequence[Problem], explain: bool) -> OutcomeRow:
        return OutcomeRow(o.id, o.status, rel(str(o.where)), text(own, explain),
                          headline(o.problems[0]) if o.problems else "")

    file_problems = tuple(render(p, root=root) for p in r.problems)
    outs = list(file_outcomes(r))
    if not r.groups:
        if not r.problems:
            return []
        rows = tuple(row(o, (), True) for o in outs)  # the file's problems are shown once, above
        return [GroupView(f"f{fi}", rel(r.path), "(file)", rel(r.path), False, run_time(r.duration_s),
                          _search(rel(r.path), "(file)", [str(p.code) for p in r.problems]),
                          rows, file_problems, "", None, 0, len(rows))]
    views = []
    for gi, g in enumerate(r.groups):
        mine = [o for o in outs if o.group is g]
        charts = group_charts(g, lambda p: _rel_location(p, rel))
        charted = charts.case_ids if charts is not None else frozenset()
        # A case shows its own problem; when it is drawn, its explanation (timeline, values,
        # diff) is beside the chart. Problems of the file or group are shown once, above.
        rows = tuple(row(o, [p for p in o.problems if p not in g.problems and p not in r.problems], o.id not in charted)
                     for o in mine)
        problems = file_problems + tuple(render(p, root=root) for p in g.problems)
        passed = g.passed and not r.problems
        words = [o.id for o in mine] + [str(p.code) for p in g.all_problems() + r.problems]
        if g.trace is not None:
            words += [a.name for a in g.trace.alerts]
            words += sorted({get_label(s.labels, METRIC_NAME) for s in g.trace.inputs})
        views.append(GroupView(
            f"f{fi}g{gi}", rel(r.path), g.name, rel(str(g.where)), passed, run_time(g.duration_s),
            _search(rel(r.path), g.name, words), rows, problems, prometheus_2_note(g.passes_with_2x), charts,
            sum(1 for o in mine if o.status == "passed"), sum(1 for o in mine if o.status == "failed")))
    return views


def _rel_location(text: str, rel: Callable[[str], str]) -> str:
    m = re.match(r"^(.*?)((?::\d+){0,2})$", text)
    if m is None:
        return text
    return rel(m.group(1)) + m.group(2)


def _search(path: str, name: str, words: Sequence[str]) -> str:
    return " ".join([path, name, *words]).lower()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("ruletest.reporting", "html_templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["px"] = lambda v: markupsafe.Markup(num(v))  # SVG coordinates: one decimal, nothing to escape
    return env


def _template() -> jinja2.Template:
    return _environment().get_template("report.html.j2")
