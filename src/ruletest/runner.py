"""Run promtool-format test files the way ``promtool test rules`` does (``cmd/promtool/unittest.go``).

Per test group: input series are loaded lazily (samples appear as the clock reaches them); at
every ``evaluation_interval`` step from the start to the last ``eval_time`` all rule groups are
evaluated in order; alert tests are checked against the step at or before their ``eval_time``;
expression tests run after the loop. Messages use promtool's layout so people and tools that
read promtool output can read ours; each failure also carries a readable detail (the alert's
state timeline and the expression's values around ``eval_time``).
"""

from __future__ import annotations

import glob
import math
import os
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import re2

from ruletest.errors import RuletestError
from ruletest.gocompat import format_float_e, format_go_duration, go_quote
from ruletest.promql.ast import format_duration
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import DuplicateSampleError, Storage
from ruletest.promql.values import Labels, Sample, format_labels
from ruletest.promtool_format import AlertTest, ExprTest, TestFile, TestGroup
from ruletest.rules.alerting import AlertState, TemplateEnv
from ruletest.rules.group import GroupState, query_vector
from ruletest.rules.loader import LoadOptions, RuleFileError, load_rule_file
from ruletest.rules.model import RuleGroup
from ruletest.series import STALE, SeriesValue, parse_series

ProblemKind = Literal["load", "eval", "alert", "expr", "strict"]


@dataclass(frozen=True)
class RunOptions:
    prometheus: int = 3
    run: tuple[str, ...] = ()
    ignore_unknown_fields: bool = False
    debug: bool = False
    # Beyond promtool: an alertname no rule defines, or a rule_files entry that matches nothing,
    # is an error instead of a silent pass / a warning.
    strict: bool = True


@dataclass
class Problem:
    kind: ProblemKind
    message: str  # promtool's layout
    line: int | None = None
    detail: str = ""  # ruletest's explanation: timeline, values, diff
    alertname: str = ""
    expr: str = ""
    eval_time_ms: int | None = None
    expected: list[tuple[Labels, Labels]] = field(default_factory=list)
    got: list[tuple[Labels, Labels]] = field(default_factory=list)


@dataclass
class CaseResult:
    """One alert_rule_test or promql_expr_test entry."""

    kind: Literal["alert", "expr"]
    label: str  # HighErrorRate@10m or expr text@10m
    line: int
    problem: Problem | None = None
    ran: bool = False


@dataclass
class GroupResult:
    group: TestGroup
    problems: list[Problem] = field(default_factory=list)
    cases: list[CaseResult] = field(default_factory=list)
    firing_seen: set[str] = field(default_factory=set)
    debug: str = ""  # --debug: every series (input and recorded) up to the last evaluation

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class FileResult:
    path: str
    problems: list[Problem] = field(default_factory=list)  # file-level
    groups: list[GroupResult] = field(default_factory=list)
    rule_groups: list[RuleGroup] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and all(g.passed for g in self.groups)

    def all_problems(self) -> list[Problem]:
        out = list(self.problems)
        for g in self.groups:
            out.extend(g.problems)
        return out


def go_duration_ms(ms: int) -> str:
    return format_go_duration(ms * 1_000_000)


# --- loading rules -------------------------------------------------------------------------


def resolve_rule_files(tf: TestFile) -> tuple[list[str], list[Problem], list[str]]:
    files: list[str] = []
    problems: list[Problem] = []
    warnings: list[str] = []
    for ref in tf.rule_files:
        pattern = ref.pattern
        if pattern and not os.path.isabs(pattern):
            pattern = str(tf.directory / pattern)
        matches = sorted(glob.glob(pattern)) if pattern else []
        if not matches:
            warnings.append(f"  WARNING: no file match pattern {pattern}")
            problems.append(Problem("strict", f"rule_files entry {ref.pattern!r} matches no file", ref.line))
        files.extend(matches)
    return files, problems, warnings


def load_rules(files: Sequence[str], opts: RunOptions) -> tuple[list[RuleGroup], list[Problem]]:
    groups: list[RuleGroup] = []
    problems: list[Problem] = []
    lo = LoadOptions(ignore_unknown_fields=opts.ignore_unknown_fields, prometheus=opts.prometheus)
    for f in files:
        try:
            groups.extend(load_rule_file(f, lo))
        except RuleFileError as exc:
            problems.append(Problem("load", str(exc), exc.line))
    return groups, problems


def order_groups(groups: list[RuleGroup], order: Sequence[str]) -> list[RuleGroup]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(groups, key=lambda g: rank.get(g.name, 0))


# --- running -------------------------------------------------------------------------------


def run_test_file(tf: TestFile, opts: RunOptions | None = None) -> FileResult:
    opts = opts or RunOptions()
    result = FileResult(tf.path)
    seen_order: set[str] = set()
    for name in tf.group_eval_order:
        if name in seen_order:
            result.problems.append(Problem("load", f"group name repeated in evaluation order: {name}"))
            return result
        seen_order.add(name)
    files, strict_problems, warnings = resolve_rule_files(tf)
    result.warnings.extend(warnings)
    if opts.strict:
        result.problems.extend(strict_problems)
    rule_groups, load_problems = load_rules(files, opts)
    result.rule_groups = rule_groups
    run_re = re2.compile("|".join(opts.run)) if opts.run else None
    ordered = order_groups(rule_groups, tf.group_eval_order)
    for tg in tf.tests:
        if run_re is not None and not run_re.search(tg.name):
            continue
        gr = GroupResult(tg)
        result.groups.append(gr)
        if load_problems:
            gr.problems.extend(load_problems)
            continue
        _run_group(tf, tg, ordered, opts, gr)
    return result


@dataclass
class _Timeline:
    """What one alert name did at each evaluation step (for failure explanations)."""

    states: list[tuple[int, list[tuple[Labels, AlertState, float]]]] = field(default_factory=list)
    values: list[tuple[int, list[Sample]]] = field(default_factory=list)


def _load_input(tg: TestGroup, interval: int, start: int, end: int, gr: GroupResult
                ) -> list[tuple[Labels, list[int], list[SeriesValue]]] | None:
    feeds: dict[Labels, tuple[list[int], list[SeriesValue]]] = {}
    ok = True
    # Samples after the last evaluation are never loaded (promtool loads lazily), so long
    # sequences are expanded only as far as the test needs.
    limit = (end - start) // interval + 1 if interval > 0 else 1
    for i, s in enumerate(tg.input_series):
        try:
            spec = parse_series(s.series, s.values, limit)
        except RuletestError as exc:
            gr.problems.append(Problem("load", f"input_series[{i}] {s.series!r}: {exc.message}", s.line))
            ok = False
            continue
        ts: list[int] = []
        vs: list[SeriesValue] = []
        for j, v in enumerate(spec.values):
            if v is None:
                continue
            t = start + j * interval
            if ts and ts[-1] == t:
                continue  # interval 0 (promtool < 2.49): the first sample at a timestamp wins
            ts.append(t)
            vs.append(v)
        feeds[spec.labels] = (ts, vs)  # a later definition of the same series replaces it
    if not ok:
        return None
    return [(k, v[0], v[1]) for k, v in feeds.items()]


class _Feed:
    """Input samples appended to storage as the evaluation clock advances (promtool's LazyLoader)."""

    def __init__(self, series: list[tuple[Labels, list[int], list[SeriesValue]]], storage: Storage) -> None:
        self.series = series
        self.pos = [0] * len(series)
        self.storage = storage

    def load_until(self, t: int) -> str | None:
        for i, (labels, ts, vs) in enumerate(self.series):
            p = self.pos[i]
            if p >= len(ts) or ts[p] > t:
                continue
            end = bisect_left(ts, t + 1, p)
            for k in range(p, end):
                try:
                    v = vs[k]
                    self.storage.append(labels, ts[k], STALE if v is STALE else float(v))  # type: ignore[arg-type]
                except DuplicateSampleError:
                    return f"duplicate sample for timestamp {ts[k]} in series {format_labels(labels)}"
            self.pos[i] = end
        return None


def _run_group(tf: TestFile, tg: TestGroup, rule_groups: list[RuleGroup], opts: RunOptions,
               gr: GroupResult) -> None:
    eval_interval = tf.evaluation_interval_ms
    interval = tg.interval_ms if tg.interval_ms else (eval_interval if opts.prometheus >= 3 else 0)
    mint = tg.start_ms if tg.start_ms is not None else 0
    max_eval = max([t.eval_time_ms for t in tg.alert_tests] + [t.eval_time_ms for t in tg.expr_tests] + [0])
    maxt = mint + max_eval
    series = _load_input(tg, interval, mint, maxt, gr)
    if series is None:
        return
    for ht in tg.expr_tests:
        for s in ht.exp_samples:
            if s.histogram:
                head = f"    expr: {go_quote(ht.expr)}, time: {format_duration(ht.eval_time_ms)}"
                gr.problems.append(Problem("load", f"{head}, err: native histograms are not supported yet", s.line))
                return
    storage = Storage()
    try:
        _evaluate(tf, tg, rule_groups, opts, gr, series, storage, mint, maxt)
    finally:
        if opts.debug:
            gr.debug = _dump(storage, maxt)


def _evaluate(tf: TestFile, tg: TestGroup, rule_groups: list[RuleGroup], opts: RunOptions, gr: GroupResult,
              series: list[tuple[Labels, list[int], list[SeriesValue]]], storage: Storage, mint: int,
              maxt: int) -> None:
    eval_interval = tf.evaluation_interval_ms
    feed = _Feed(series, storage)
    engine = Engine(storage, EngineOptions(prometheus=opts.prometheus, default_step_ms=eval_interval))
    env = TemplateEnv(dict(tg.external_labels), tg.external_url, opts.prometheus)
    states = [GroupState.create(g, opts.prometheus) for g in rule_groups]
    defined_alerts = {r.name for g in rule_groups for r in g.rules if r.is_alert}

    for at in tg.alert_tests:
        if at.alertname == "":
            suffix = f" (in TestGroup {tg.name})" if tg.name else ""
            gr.problems.append(Problem("load", "an item under alert_rule_test misses required attribute "
                                               f"alertname at eval_time {format_duration(at.eval_time_ms)}{suffix}",
                                       at.line))
            return
    if opts.strict:
        for at in tg.alert_tests:
            if at.alertname not in defined_alerts:
                gr.problems.append(Problem(
                    "strict", f"    alertname: {at.alertname}, time: {format_duration(at.eval_time_ms)}, err: no rule in "
                              f"rule_files defines alert {at.alertname!r}{_suggest(at.alertname, defined_alerts)}",
                    at.line, alertname=at.alertname, eval_time_ms=at.eval_time_ms))
        if gr.problems:
            return

    alert_cases = {id(at): CaseResult("alert", f"{at.alertname}@{at.eval_time_text}", at.line)
                   for at in tg.alert_tests}
    expr_cases = {id(et): CaseResult("expr", f"{et.expr}@{et.eval_time_text}", et.line) for et in tg.expr_tests}
    gr.cases = list(alert_cases.values()) + list(expr_cases.values())

    tested = {at.alertname for at in tg.alert_tests}
    timelines: dict[str, _Timeline] = {name: _Timeline() for name in tested}
    by_time: dict[int, list[AlertTest]] = {}
    for at in tg.alert_tests:
        by_time.setdefault(at.eval_time_ms, []).append(at)
    alert_times = sorted(by_time)
    curr = 0
    ts = mint
    if not states and not tg.alert_tests and eval_interval > 0:
        # Nothing to evaluate per step: load what promtool's loop would have loaded (samples up
        # to its last step at or before maxt) in one go.
        ts = mint + (maxt - mint) // eval_interval * eval_interval
    while ts <= maxt:
        load_err = feed.load_until(ts)
        if load_err is not None:
            gr.problems.append(Problem("load", load_err))
            return
        eval_errors = []
        for st in states:
            eval_errors.extend(st.eval(ts, engine, storage, env))
        if tested:
            _record(states, ts, timelines)
        if eval_errors:
            for e in eval_errors:
                gr.problems.append(Problem("eval", f"    rule: {e.rule.name}, time: {go_duration_ms(e.ts)}, "
                                                   f"err: {e.message}", e.rule.line))
            return
        for st in states:
            for a in st.alerts.values():
                if a.firing():
                    gr.firing_seen.add(a.rule.name)
        while curr < len(alert_times) and ts - mint <= alert_times[curr] < ts + eval_interval - mint:
            t = alert_times[curr]
            for at in by_time[t]:
                case = alert_cases[id(at)]
                case.ran = True
                problem = _check_alerts(tg, at, states, timelines.get(at.alertname), ts)
                if problem is not None:
                    case.problem = problem
                    gr.problems.append(problem)
            curr += 1
        if eval_interval <= 0:
            break
        ts += eval_interval

    for et in tg.expr_tests:
        case = expr_cases[id(et)]
        case.ran = True
        problem = _check_expr(tf, et, engine, mint, opts)
        if problem is not None:
            case.problem = problem
            gr.problems.append(problem)


def _dump(storage: Storage, until: int) -> str:
    """Like promtool's --debug: all samples of all series up to ``until``."""
    lines = [f"DEBUG: Dump of all data (input_series and rules) at {format_duration(until)}:"]
    for s in sorted(storage.series(), key=lambda s: s.labels):
        points = [f"{_num(v)} @[{t}]" for t, v in zip(s.ts, s.vs, strict=True) if t <= until]
        if points:
            lines.append(f"{format_labels(s.labels)} =>")
            lines.extend(points)
    return "\n".join(lines)


def _suggest(name: str, names: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _record(states: list[GroupState], ts: int, timelines: dict[str, _Timeline]) -> None:
    for st in states:
        for i, a in st.alerts.items():
            tl = timelines.get(a.rule.name)
            if tl is None:
                continue
            tl.states.append((ts, [(x.labels, x.state, x.value) for x in a.active.values()]))
            tl.values.append((ts, st.last_results.get(i, [])))


# --- alert comparison ------------------------------------------------------------------------


def _alerts_string(items: list[tuple[Labels, Labels]]) -> str:
    if not items:
        return "[]"

    def one(la: tuple[Labels, Labels]) -> str:
        return "Labels:" + format_labels(la[0]) + "\nAnnotations:" + format_labels(la[1])

    s = "[\n0:" + _indent("\n" + one(items[0]), "  ")
    for i, la in enumerate(items[1:]):
        s += ",\n" + str(i + 1) + ":" + _indent("\n" + one(la), "  ")
    return s + "\n]"


def _indent(text: str, indent: str) -> str:
    lines = text.split("\n")
    return lines[0] + "".join("\n" + indent + ln for ln in lines[1:])


def _check_alerts(tg: TestGroup, at: AlertTest, states: list[GroupState], timeline: _Timeline | None,
                  ts: int) -> Problem | None:
    got: list[tuple[Labels, Labels]] = []
    for st in states:
        for a in st.alerts.values():
            if a.rule.name != at.alertname:
                continue
            got.extend((x.labels, x.annotations) for x in a.firing())
    exp: list[tuple[Labels, Labels]] = []
    for ea in at.exp_alerts:
        labels = dict(ea.labels)
        labels["alertname"] = at.alertname
        exp.append((tuple(sorted(labels.items())), tuple(sorted(ea.annotations.items()))))
    got.sort()
    exp.sort()
    if got == exp:
        return None
    name = f"    name: {tg.name},\n" if tg.name else ""
    message = (f"{name}    alertname: {at.alertname}, time: {format_duration(at.eval_time_ms)}, \n"
               f"        exp:{_indent(_alerts_string(exp), '            ')}, \n"
               f"        got:{_indent(_alerts_string(got), '            ')}")
    detail = explain_alert(at, exp, got, timeline, ts)
    return Problem("alert", message, at.line, detail, at.alertname, eval_time_ms=at.eval_time_ms,
                   expected=exp, got=got)


def explain_alert(at: AlertTest, exp: list[tuple[Labels, Labels]], got: list[tuple[Labels, Labels]],
                  timeline: _Timeline | None, ts: int) -> str:
    lines = [f"alert {at.alertname} at {at.eval_time_text} (checked against the evaluation at "
             f"{format_duration(ts)}):"]
    exp_l = {e[0]: e[1] for e in exp}
    got_l = {g[0]: g[1] for g in got}
    for labels in sorted(set(exp_l) | set(got_l)):
        if labels in exp_l and labels not in got_l:
            lines.append(f"  - expected firing, not firing: {format_labels(labels)}")
        elif labels in got_l and labels not in exp_l:
            lines.append(f"  + firing, not expected:        {format_labels(labels)}")
        else:
            for k in sorted(set(dict(exp_l[labels])) | set(dict(got_l[labels]))):
                ev, gv = dict(exp_l[labels]).get(k), dict(got_l[labels]).get(k)
                if ev != gv:
                    lines.append(f"  ~ {format_labels(labels)} annotation {k}: expected {ev!r}, got {gv!r}")
    if timeline is not None:
        lines.extend(_timeline_lines(timeline, ts))
    return "\n".join(lines)


def _timeline_lines(tl: _Timeline, ts: int) -> list[str]:
    out = ["  state timeline:"]
    last: dict[Labels, AlertState] = {}
    changes = 0
    for t, alerts in tl.states:
        present: dict[Labels, AlertState] = {
            labels: state for labels, state, _ in alerts if state != AlertState.INACTIVE}
        for labels, state in present.items():
            if last.get(labels) != state:
                out.append(f"    {format_duration(t):>8}  {state.value:<8} {format_labels(labels)}")
                changes += 1
        for labels in last:
            if labels not in present:
                out.append(f"    {format_duration(t):>8}  {'resolved':<8} {format_labels(labels)}")
                changes += 1
        last = present
        if t > ts:
            break
    if changes == 0:
        out.append("    never pending or firing up to this time")
    idx = [i for i, (t, _) in enumerate(tl.values) if t <= ts]
    if idx:
        i = idx[-1]
        out.append("  expression value around that time:")
        for t, samples in tl.values[max(0, i - 2):i + 3]:
            shown = ", ".join(f"{format_labels(s.labels)} {_num(s.value)}" for s in samples[:4]) or "(no result)"
            more = f" (+{len(samples) - 4} more)" if len(samples) > 4 else ""
            out.append(f"    {format_duration(t):>8}  {shown}{more}")
    return out


def _num(v: float) -> str:
    return repr(v) if math.isfinite(v) else ("NaN" if math.isnan(v) else ("+Inf" if v > 0 else "-Inf"))


# --- expression tests ------------------------------------------------------------------------


def _check_expr(tf: TestFile, et: ExprTest, engine: Engine, mint: int, opts: RunOptions) -> Problem | None:
    head = f"    expr: {go_quote(et.expr)}, time: {format_duration(et.eval_time_ms)}"
    try:
        got = query_vector(engine, engine.parse(et.expr), mint + et.eval_time_ms)
    except RuletestError as exc:
        return Problem("expr", f"{head}, err: {exc.message}", et.line, expr=et.expr, eval_time_ms=et.eval_time_ms)
    from ruletest.series import parse_series_description

    exp: list[tuple[Labels, float]] = []
    for s in et.exp_samples:
        try:
            exp.append((parse_series_description(s.labels), s.value))
        except RuletestError as exc:
            return Problem("expr", f'{head}, err: labels "{s.labels}": {exc.message}', s.line, expr=et.expr,
                           eval_time_ms=et.eval_time_ms)
    exp.sort(key=lambda x: x[0])
    got_l = sorted(((s.labels, s.value) for s in got), key=lambda x: x[0])
    if _samples_equal(exp, got_l, tf.fuzzy_compare):
        return None
    message = f"{head},\n        exp: {_samples_string(exp)}\n        got: {_samples_string(got_l)}"
    return Problem("expr", message, et.line, _samples_diff(exp, got_l), expr=et.expr, eval_time_ms=et.eval_time_ms)


def _samples_equal(a: list[tuple[Labels, float]], b: list[tuple[Labels, float]], fuzzy: bool) -> bool:
    if len(a) != len(b):
        return False
    for (la, va), (lb, vb) in zip(a, b, strict=True):
        if la != lb:
            return False
        if va == vb:
            continue
        if fuzzy and (math.nextafter(va, -math.inf) == vb or math.nextafter(va, math.inf) == vb):
            continue
        return False
    return True


def _samples_string(samples: list[tuple[Labels, float]]) -> str:
    if not samples:
        return "nil"
    return ", ".join(f"{format_labels(lb)} {format_float_e(v)}" for lb, v in samples)


def _samples_diff(exp: list[tuple[Labels, float]], got: list[tuple[Labels, float]]) -> str:
    e = dict(exp)
    g = dict(got)
    lines = []
    for labels in sorted(set(e) | set(g)):
        if labels not in g:
            lines.append(f"  - {format_labels(labels)} {_num(e[labels])}   (expected, missing)")
        elif labels not in e:
            lines.append(f"  + {format_labels(labels)} {_num(g[labels])}   (returned, not expected)")
        elif e[labels] != g[labels]:
            lines.append(f"  ~ {format_labels(labels)} expected {_num(e[labels])}, got {_num(g[labels])}")
    return "\n".join(lines)


def collect_test_files(paths: Sequence[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            out.extend(sorted(str(x) for x in Path(p).rglob("*.y*ml")))
        else:
            out.append(p)
    return out

