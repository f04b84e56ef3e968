"""The charts of one test group, computed from its run's trace (:class:`ruletest.traces.GroupTrace`):

* the input series, one chart per metric name (gaps, stale markers and counter resets marked);
* per tested alert name (alert_rule_test, alert_state_test, and with notification tests every
  alert that was pending or firing): the compared side of its rules against the threshold (or
  the rule's result when it compares with no constant), a band per alert instance (inactive,
  pending, firing) and a marker per assertion at its eval_time (a state assertion at its time,
  over its window);
* per ``promql_expr_test``: the expression's values around eval_time, expected and got.

Everything here is geometry and text; the markup is in ``html_templates/``. All charts of a
group share one time axis, from the group's start to one evaluation step past its last one
(that step is the last evaluation's state), so they line up on the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache
from typing import Literal

from ruletest.promql.ast import format_duration
from ruletest.promql.values import METRIC_NAME, Labels, Sample, get_label
from ruletest.promql.values import format_labels as _format_labels
from ruletest.records import record
from ruletest.reporting.explain import explain_alert, explain_state, num
from ruletest.reporting.promtool import message
from ruletest.reporting.svg import (
    Point,
    Scale,
    dedupe_x,
    downsample,
    nice_time_ticks,
    nice_value_ticks,
    path_data,
    series_style,
    short_number,
    simplify,
    tick_labels,
)
from ruletest.results import (
    AlertMismatch,
    CaseResult,
    ExpectedAlert,
    ExprError,
    ExprMismatch,
    GroupResult,
    StateMismatch,
)
from ruletest.traces import AlertCheckTrace, AlertRuleTrace, ExprTrace, GroupTrace, StateCheckTrace


@lru_cache(maxsize=8192)
def format_labels(labels: Labels) -> str:
    return _format_labels(labels)  # the same label sets recur at every step and in every legend


WIDTH = 960
LEFT, RIGHT = 64, 24
BUCKET_PX = 2.0  # downsampling column width: at most 4 points per 2 units of width
INPUT_HEIGHT, VALUE_HEIGHT, EXPR_HEIGHT = 130, 170, 140
EXPR_WIDTH = 560  # expression charts sit two in a row
AXIS_BELOW = 22  # room for the time labels under a plot
ROW_LABEL, ROW_HEIGHT, ROW_GAP = 12, 10, 4  # an instance: its labels, then its band
MAX_INPUT_CHARTS = 24
MAX_ROWS = 30
COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")

State = Literal["inactive", "pending", "firing"]


@record
class Tick:
    pos: float
    label: str


@record
class Frame:
    """A plot box and its scales: time (absolute ms) across, value up."""

    height: float  # of the whole SVG
    width: float
    x0: float
    x1: float
    y0: float  # top of the plot box
    y1: float  # bottom of the plot box
    t0: int
    t1: int
    v0: float  # value at the bottom
    v1: float  # value at the top
    start: int  # the group's start: tick labels are durations from here
    xticks: tuple[Tick, ...]
    yticks: tuple[Tick, ...]
    axis_y: float  # baseline of the time labels

    @cached_property
    def x(self) -> Scale:
        """Time (absolute ms) to x."""
        return Scale.between(self.t0, self.t1, self.x0, self.x1)

    @cached_property
    def y(self) -> Scale:
        """Value to y."""
        return Scale.between(self.v0, self.v1, self.y1, self.y0)


@record
class Line:
    d: str
    colour: str
    dash: str
    labels: str  # the full label set
    points: int  # samples drawn (after downsampling)


@record
class Mark:
    kind: Literal["stale", "reset", "expected"]
    x: float
    y: float
    colour: str
    title: str


@record
class LegendItem:
    colour: str
    dash: str
    text: str


@record
class ThresholdLine:
    y: float
    value: float
    label: str  # "> 0.1"


@record
class Marker:
    """An assertion at its eval_time."""

    x: float
    t: int  # eval_time, ms from the group's start
    passed: bool
    label: str
    title: str
    end_x: float | None = None  # an assertion over a window: where it ends


@record
class Run:
    x: float
    width: float
    state: State
    start: int  # ms from the group's start
    end: int
    title: str


@record
class BandRow:
    y: float
    height: float
    label: str
    labels: str  # the instance's full label set
    runs: tuple[Run, ...]


@record
class LineChart:
    kind: Literal["input", "value", "expr"]
    title: str
    frame: Frame
    lines: tuple[Line, ...]
    marks: tuple[Mark, ...]
    legend: tuple[LegendItem, ...]
    common: str  # labels every series has, shown once
    thresholds: tuple[ThresholdLine, ...] = ()
    markers: tuple[Marker, ...] = ()
    rows: tuple[BandRow, ...] = ()  # alert charts: one band per instance under the plot
    notes: tuple[str, ...] = ()


@record
class AlertView:
    labels: str
    annotations: tuple[tuple[str, str], ...]


@record
class CheckView:
    id: str
    label: str
    status: str  # passed, failed, not run
    eval_time: str
    checked_at: str | None  # when the evaluation checked is not at eval_time itself
    where: str
    expected: tuple[AlertView, ...]
    got: tuple[AlertView, ...]
    detail: str


@record
class StateView:
    """An alert_state_test entry beside its alert's chart."""

    id: str
    label: str
    status: str  # passed, failed, not run
    expectation: str
    observed: str  # what decided a failure ("it is firing at 4m")
    where: str
    detail: str  # a failure's explanation: state timeline, the expression's values


@record
class AlertSection:
    name: str
    rules: tuple[tuple[str, str], ...]  # (expression, file:line)
    chart: LineChart
    checks: tuple[CheckView, ...]
    states: tuple[StateView, ...] = ()


@record
class SampleRow:
    labels: str
    expected: str
    got: str
    ok: bool


@record
class ExprSection:
    id: str
    label: str
    status: str
    expr: str
    eval_time: str
    where: str
    chart: LineChart | None
    rows: tuple[SampleRow, ...]
    detail: str


@record
class GroupCharts:
    inputs: tuple[LineChart, ...]
    alerts: tuple[AlertSection, ...]
    exprs: tuple[ExprSection, ...]
    notes: tuple[str, ...]

    @property
    def case_ids(self) -> frozenset[str]:
        """The cases shown (with their explanation) beside a chart."""
        return frozenset([k.id for a in self.alerts for k in a.checks] + [v.id for a in self.alerts for v in a.states]
                         + [e.id for e in self.exprs])


def group_charts(g: GroupResult, rel: Callable[[str], str] | None = None) -> GroupCharts | None:
    """Charts of a group that ran with ``RunOptions(trace=True)`` (``None`` without a trace)."""
    tr = g.trace
    if tr is None:
        return None
    show = rel or (lambda p: p)
    step = max(tr.evaluation_interval_ms, 1)
    t0, t1 = tr.start_ms, max(tr.end_ms + step, tr.start_ms + step)
    cases = {c.id: c for c in g.cases}
    inputs, notes = _input_charts(tr, t0, t1)
    alerts = tuple(_alert_section(a, tr, t0, t1, cases, show) for a in tr.alerts)
    exprs = tuple(_expr_section(e, tr, cases, show) for e in tr.exprs)
    return GroupCharts(inputs, alerts, exprs, notes)


# --- frames ------------------------------------------------------------------------------


def _frame(t0: int, t1: int, start: int, values: Sequence[float], top: float, plot_height: float,
           width: int = WIDTH) -> Frame:
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    pad = (hi - lo) * 0.04  # lines along the plot's edge would hide in its border
    low, high = lo - pad, hi + pad
    if lo >= 0 > low:
        low = 0.0  # a positive value's chart starts at zero, not below
    if hi <= 0 < high:
        high = 0.0
    ticks = nice_value_ticks(low, high)
    y0, y1 = top, top + plot_height
    xs = Scale.between(t0, t1, LEFT, width - RIGHT)
    ys = Scale.between(ticks[0], ticks[-1], y1, y0)
    xticks = tuple(Tick(xs(start + off), format_duration(off))
                   for off in nice_time_ticks(t0 - start, t1 - start, max(3, 8 * width // WIDTH)))
    yticks = tuple(Tick(ys(v), label) for v, label in zip(ticks, tick_labels(ticks), strict=True))
    return Frame(y1 + AXIS_BELOW, width, LEFT, width - RIGHT, y0, y1, t0, t1, ticks[0], ticks[-1], start, xticks, yticks,
                 y1 + 15)


def _with_rows(f: Frame, rows: int) -> Frame:
    """The same frame with ``rows`` state bands between the plot and the time labels."""
    extra = rows * (ROW_LABEL + ROW_HEIGHT + ROW_GAP) + (4 if rows else 0)
    return Frame(f.height + extra, f.width, f.x0, f.x1, f.y0, f.y1, f.t0, f.t1, f.v0, f.v1, f.start, f.xticks, f.yticks,
                 f.axis_y + extra)


# --- series ------------------------------------------------------------------------------

Series = tuple[Labels, Sequence[int], Sequence[float | None]]


def _series_lines(frame: Frame, series: Sequence[Series], gap_ms: int, counters: bool, hide: tuple[str, ...] = ()
                  ) -> tuple[list[Line], list[Mark], list[LegendItem], str, bool]:
    """Lines (downsampled), stale and reset marks, legend; whether NaN or infinities were left out.
    ``hide``: labels the legend leaves out when every series has them (the chart's title says them)."""
    common = _common_labels([s[0] for s in series])
    hidden = {kv for kv in common if kv[0] in hide}
    if len(series) == 1:
        common = hidden
    lines: list[Line] = []
    marks: list[Mark] = []
    legend: list[LegendItem] = []
    non_finite = False
    for i, (labels, ts, vs) in enumerate(series):
        colour, dash = series_style(i)
        full = format_labels(labels)
        segments: list[list[Point]] = []
        seg: list[Point] = []
        stale_x: list[tuple[float, float]] = []
        resets: list[tuple[float, float]] = []
        prev_t: int | None = None
        prev_v: float | None = None
        is_counter = counters and get_label(labels, METRIC_NAME).endswith(COUNTER_SUFFIXES)
        for t, v in zip(ts, vs, strict=True):
            if not frame.t0 <= t <= frame.t1:
                continue
            if v is None:
                stale_x.append((frame.x(t), seg[-1][1] if seg else frame.y1))
                if seg:
                    segments.append(seg)
                seg, prev_t, prev_v = [], None, None
                continue
            if not math.isfinite(v):
                non_finite = True
                if seg:
                    segments.append(seg)
                seg, prev_t, prev_v = [], None, None
                continue
            if prev_t is not None and gap_ms > 0 and t - prev_t > gap_ms and seg:
                segments.append(seg)
                seg = []
            p = (frame.x(t), frame.y(v))
            if is_counter and prev_v is not None and v < prev_v:
                resets.append(p)
            seg.append(p)
            prev_t, prev_v = t, v
        if seg:
            segments.append(seg)
        drawn = [simplify(downsample(s, BUCKET_PX)) for s in segments]
        lines.append(Line(path_data(drawn), colour, dash, full, sum(len(s) for s in drawn)))
        marks.extend(Mark("stale", x, y, colour, f"stale marker: {full}") for x, y in _dedupe_points(stale_x))
        marks.extend(Mark("reset", x, y, colour, f"counter reset: {full}") for x, y in _dedupe_points(resets))
        text = format_labels(tuple(kv for kv in labels if kv not in common))
        legend.append(LegendItem(colour, dash, text))
    shown_common = tuple(sorted(common - hidden))
    common_text = format_labels(shown_common) if len(series) > 1 and shown_common else ""
    return lines, marks, legend, common_text, non_finite


def _common_labels(sets: Sequence[Labels]) -> set[tuple[str, str]]:
    if not sets:
        return set()
    common = set(sets[0])
    for s in sets[1:]:
        common &= set(s)
    return common


def _dedupe_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    keep = set(dedupe_x([p[0] for p in points], 2.0))
    out = []
    for p in points:
        if p[0] in keep:
            out.append(p)
            keep.discard(p[0])
    return out


def _input_charts(tr: GroupTrace, t0: int, t1: int) -> tuple[tuple[LineChart, ...], tuple[str, ...]]:
    by_name: dict[str, list[Series]] = {}
    for s in tr.inputs:
        by_name.setdefault(get_label(s.labels, METRIC_NAME) or "(no metric name)", []).append(
            (s.labels, s.timestamps, s.values))
    notes = []
    names = sorted(by_name)
    if len(names) > MAX_INPUT_CHARTS:
        notes.append(f"{len(names) - MAX_INPUT_CHARTS} more input metrics not drawn: "
                     + ", ".join(names[MAX_INPUT_CHARTS:]))
        names = names[:MAX_INPUT_CHARTS]
    charts = []
    for name in names:
        series = by_name[name]
        values = [v for _, ts, vs in series for t, v in zip(ts, vs, strict=True) if v is not None and t0 <= t <= t1]
        frame = _frame(t0, t1, tr.start_ms, values, 8, INPUT_HEIGHT - AXIS_BELOW - 8)
        lines, marks, legend, common, non_finite = _series_lines(frame, series, tr.input_interval_ms, True,
                                                                 hide=(METRIC_NAME,))
        chart_notes = ("NaN and infinite values are not drawn",) if non_finite else ()
        charts.append(LineChart("input", name, frame, tuple(lines), tuple(marks), tuple(legend), common,
                                notes=chart_notes))
    return tuple(charts), tuple(notes)


def _step_series(points: Sequence[tuple[int, Sequence[Sample]]]) -> list[Series]:
    """Per label set, its value at each step (a step without it is a gap)."""
    by: dict[Labels, tuple[list[int], list[float | None]]] = {}
    for t, samples in points:
        for s in samples:
            ts, vs = by.setdefault(s.labels, ([], []))
            ts.append(t)
            vs.append(s.value)
    return [(k, v[0], v[1]) for k, v in by.items()]


# --- alerts ------------------------------------------------------------------------------


def _alert_section(a: AlertRuleTrace, tr: GroupTrace, t0: int, t1: int, cases: dict[str, CaseResult],
                   show: Callable[[str], str]) -> AlertSection:
    step = max(tr.evaluation_interval_ms, 1)
    notes: list[str] = []
    thresholds: list[tuple[str, float]] = []
    series: list[Series] = []
    if a.compared:
        seen_exprs: dict[str, int] = {}
        for c in a.compared:
            if (c.op, c.threshold) not in thresholds:
                thresholds.append((c.op, c.threshold))
            if c.expr in seen_exprs:
                continue  # several rules comparing the same value with different thresholds
            seen_exprs[c.expr] = len(seen_exprs)
            series.extend(_step_series(c.values))
        title = " / ".join(seen_exprs)
    else:
        series = _step_series(a.timeline.values)
        title = a.rules[0][0] if len(a.rules) == 1 else f"{len(a.rules)} rules named {a.name}"
        if a.rules:
            notes.append("the rule compares with no constant: its own result is drawn")
    values = [v for _, _, vs in series for v in vs if v is not None] + [v for _, v in thresholds]
    frame = _frame(t0, t1, tr.start_ms, values, 8, VALUE_HEIGHT - AXIS_BELOW - 8)
    lines, marks, legend, common, non_finite = _series_lines(frame, series, step, False, hide=(METRIC_NAME,))
    if non_finite:
        notes.append("NaN and infinite values are not drawn")
    if not series:
        notes.append("no result at any evaluation")
    rows, more = _band_rows(a, tr, frame)
    if more:
        notes.append(f"{more} more alert instances not drawn")
    frame = _with_rows(frame, len(rows))
    rows = [_place(r, frame.y1 + 4 + i * (ROW_LABEL + ROW_HEIGHT + ROW_GAP) + ROW_LABEL) for i, r in enumerate(rows)]
    checks = tuple(_check_view(ch, a.name, cases.get(ch.case_id), show) for ch in a.checks)
    markers = tuple(Marker(frame.x(tr.start_ms + ch.eval_time_ms), ch.eval_time_ms, cv.status == "passed", cv.label,
                           _marker_title(cv, _problem(cases.get(ch.case_id))))
                    for ch, cv in zip(a.checks, checks, strict=True))
    states = tuple(_state_view(st, cases.get(st.case_id), show) for st in a.states)
    markers += tuple(Marker(frame.x(tr.start_ms + st.t_ms), st.t_ms, sv.status == "passed", sv.label,
                            f"{sv.label}: {sv.status} ({sv.where})" + (f"\n{sv.observed}" if sv.observed else ""),
                            frame.x(tr.start_ms + st.end_ms) if st.end_ms is not None else None)
                     for st, sv in zip(a.states, states, strict=True))
    th_lines = tuple(ThresholdLine(frame.y(v), v, f"{op} {short_number(v)}") for op, v in thresholds)
    chart = LineChart("value", title, frame, tuple(lines), tuple(marks), tuple(legend), common, th_lines, markers,
                      tuple(rows), tuple(notes))
    rules = tuple((expr, show(str(where))) for expr, where, _ in a.rules)
    return AlertSection(a.name, rules, chart, checks, states)


def _state_view(st: StateCheckTrace, case: CaseResult | None, show: Callable[[str], str]) -> StateView:
    problem = case.problem if case is not None else None
    observed = detail = ""
    if isinstance(problem, StateMismatch):
        observed, detail = problem.observed, explain_state(problem)
    elif problem is not None:
        detail = message(problem)
    return StateView(st.case_id, case.label if case is not None else st.expectation, _status(case), st.expectation,
                     observed, show(str(case.where)) if case is not None else "", detail)


def _band_rows(a: AlertRuleTrace, tr: GroupTrace, frame: Frame) -> tuple[list[BandRow], int]:
    states = a.timeline.states
    order: dict[Labels, None] = {}
    for _, instances in states:
        for inst in instances:
            order.setdefault(inst.labels, None)
    keys = list(order)
    more = max(0, len(keys) - MAX_ROWS)
    keys = keys[:MAX_ROWS]
    common = _common_labels(keys) if len(keys) > 1 else set()
    step = max(tr.evaluation_interval_ms, 1)
    rows = []
    for key in keys:
        runs: list[Run] = []
        cur: State | None = None
        since = frame.t0
        for t, instances in states:
            state: State = next((i.state for i in instances if i.labels == key), "inactive")
            if state != cur:
                if cur is not None:
                    runs.append(_run(frame, since, t, cur))
                cur, since = state, t
        if cur is not None:
            end = states[-1][0] + step
            runs.append(_run(frame, since, min(end, frame.t1), cur))
        shown = tuple(kv for kv in key if kv[0] != "alertname" and kv not in common)
        rows.append(BandRow(0, ROW_HEIGHT, format_labels(shown), format_labels(key), tuple(runs)))
    return rows, more


def _place(r: BandRow, y: float) -> BandRow:
    return BandRow(y, r.height, r.label, r.labels, r.runs)


def _run(frame: Frame, t_from: int, t_to: int, state: State) -> Run:
    x0, x1 = frame.x(t_from), frame.x(t_to)
    a, b = t_from - frame.start, t_to - frame.start
    return Run(x0, x1 - x0, state, a, b, f"{state} from {format_duration(a)} to {format_duration(b)}")


def _alert_view(alert: ExpectedAlert) -> AlertView:
    labels, annotations = alert
    return AlertView(format_labels(tuple(kv for kv in labels if kv[0] != "alertname")), tuple(annotations))


def _check_view(ch: AlertCheckTrace, name: str, case: CaseResult | None, show: Callable[[str], str]) -> CheckView:
    status = _status(case)
    problem = case.problem if case is not None else None
    if isinstance(problem, AlertMismatch):
        expected, got = problem.expected, problem.got
        detail = explain_alert(problem)
    else:
        expected = got = ch.firing
        detail = message(problem) if problem is not None else ""
    label = case.label if case is not None else f"{name}@{format_duration(ch.eval_time_ms)}"
    checked = format_duration(ch.checked_at_ms) if ch.checked_at_ms != ch.eval_time_ms else None
    where = show(str(case.where)) if case is not None else ""
    return CheckView(ch.case_id, label, status, format_duration(ch.eval_time_ms), checked, where,
                     tuple(_alert_view(x) for x in expected), tuple(_alert_view(x) for x in got), detail)


def _problem(case: CaseResult | None) -> object:
    return case.problem if case is not None else None


def _status(case: CaseResult | None) -> str:
    if case is None or not case.ran:
        return "not run"
    return "passed" if case.problem is None else "failed"


def _marker_title(cv: CheckView, problem: object) -> str:
    lines = [f"{cv.label}: {cv.status} ({cv.where})"]
    if isinstance(problem, AlertMismatch) and problem.count is not None:
        lines.append(f"expected {problem.count} firing (count), got {len(cv.got)}")
    else:
        lines.append(f"expected {len(cv.expected)} firing, got {len(cv.got)}")
    return "\n".join(lines)


# --- expression tests ---------------------------------------------------------------------


def _expr_section(e: ExprTrace, tr: GroupTrace, cases: dict[str, CaseResult], show: Callable[[str], str]
                  ) -> ExprSection:
    case = cases.get(e.case_id)
    status = _status(case)
    problem = case.problem if case is not None else None
    t_eval = tr.start_ms + e.eval_time_ms
    at_eval = next((samples for t, samples in e.points if t == t_eval), None)
    got_now = tuple(sorted(((s.labels, s.value) for s in at_eval), key=lambda x: x[0])) if at_eval is not None else ()
    detail = ""
    if isinstance(problem, ExprMismatch):
        expected, got = problem.expected, problem.got
        if problem.expected_histograms or problem.got_histograms:
            # Native histograms are not drawn (their float value is 0): the notation diff says it.
            from ruletest.reporting.histogram_diff import histogram_samples_diff

            detail = histogram_samples_diff(problem)
            expected = tuple(x for x, h in zip(expected, problem.expected_histograms or [None] * len(expected),
                                               strict=True) if h is None)
            got = tuple(x for x, h in zip(got, problem.got_histograms or [None] * len(got), strict=True) if h is None)
    elif isinstance(problem, ExprError):
        expected, got, detail = (), (), problem.message
    else:
        expected = got = got_now
    rows = _sample_rows(expected, got)
    chart = None
    if e.points:
        step = max(tr.evaluation_interval_ms, 1)
        times = [t for t, _ in e.points]
        c0, c1 = min(times), max(times)
        if c0 == c1:
            c0, c1 = c0 - step, c1 + step
        series = _step_series(e.points)
        values = [v for _, _, vs in series for v in vs if v is not None] + [v for _, v in expected]
        frame = _frame(c0, c1, tr.start_ms, values, 8, EXPR_HEIGHT - AXIS_BELOW - 8, EXPR_WIDTH)
        lines, marks, legend, common, non_finite = _series_lines(frame, series, step, False)
        label = case.label if case is not None else e.expr
        marker = Marker(frame.x(t_eval), e.eval_time_ms, status == "passed", label,
                        f"{label}: {status}\nexpected {len(expected)} samples, got {len(got)}")
        exp_marks = tuple(Mark("expected", frame.x(t_eval), frame.y(v), "#111", f"expected {format_labels(lb)} {num(v)}")
                          for lb, v in expected if math.isfinite(v))
        notes = ("NaN and infinite values are not drawn",) if non_finite else ()
        chart = LineChart("expr", e.expr, frame, tuple(lines), tuple(marks), tuple(legend), common,
                          markers=(marker,), notes=notes)
        chart = _with_expected(chart, exp_marks)
    where = show(str(case.where)) if case is not None else ""
    return ExprSection(e.case_id, case.label if case is not None else e.expr, status, e.expr,
                       format_duration(e.eval_time_ms), where, chart, rows, detail)


def _with_expected(chart: LineChart, expected: tuple[Mark, ...]) -> LineChart:
    return LineChart(chart.kind, chart.title, chart.frame, chart.lines, chart.marks + expected, chart.legend,
                     chart.common, chart.thresholds, chart.markers, chart.rows, chart.notes)


def _sample_rows(expected: Sequence[tuple[Labels, float]], got: Sequence[tuple[Labels, float]]
                 ) -> tuple[SampleRow, ...]:
    e, g = dict(expected), dict(got)
    rows = []
    for labels in sorted(set(e) | set(g)):
        ev, gv = e.get(labels), g.get(labels)
        ok = ev is not None and gv is not None and (ev == gv or (math.isnan(ev) and math.isnan(gv)))
        rows.append(SampleRow(format_labels(labels), "" if ev is None else num(ev), "" if gv is None else num(gv), ok))
    return tuple(rows)

