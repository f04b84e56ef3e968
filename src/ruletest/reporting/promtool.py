"""Test results in ``promtool test rules``' layout: each problem as promtool words it (so people
and tools that read promtool's output can read ours), followed by where it is and ruletest's
explanation."""

from __future__ import annotations

import os

from ruletest.gocompat import format_float_e, format_go_duration, go_quote
from ruletest.promql.ast import format_duration
from ruletest.promql.histograms import FloatHistogram
from ruletest.promql.values import Labels, format_labels
from ruletest.reporting.explain import (
    explain_alert,
    explain_state,
    nan_note,
    num,
    prometheus_2_note,
    samples_diff,
    timing_note,
)
from ruletest.reporting.notifications import notification_detail, notification_message, routing_message
from ruletest.results import (
    AlertMismatch,
    ExprError,
    ExprMismatch,
    FileResult,
    InternalError,
    LoadProblem,
    NotificationMismatch,
    Problem,
    RoutingMismatch,
    RuleEvalError,
    SeriesDump,
    StateMismatch,
)


def message(p: Problem, *, promtool_compat: bool = False) -> str:
    """One problem as promtool prints it (ruletest's own wording for what promtool does not check,
    or words differently, unless ``promtool_compat``)."""
    if isinstance(p, AlertMismatch):
        name = f"    name: {p.group_name},\n" if p.group_name else ""
        how = _alert_matching(p)
        return (f"{name}    alertname: {p.alertname}, time: {format_duration(p.eval_time_ms)}, \n"
                f"        exp:{_indent(_alerts_string(p.expected), '            ')}, \n"
                f"        got:{_indent(_alerts_string(p.got), '            ')}" + (f"\n        ({how})" if how else ""))
    if isinstance(p, ExprMismatch):
        return (f"{_expr_head(p.expr, p.eval_time_ms)},\n        exp: {_samples_string(p.expected, p.expected_histograms)}\n"
                f"        got: {_samples_string(p.got, p.got_histograms)}" + (f"\n        ({p.how})" if p.how else ""))
    if isinstance(p, StateMismatch):
        return f"    alert_state_test: {p.expectation}, err: {p.observed}"
    if isinstance(p, RoutingMismatch):
        return routing_message(p)
    if isinstance(p, NotificationMismatch):
        return notification_message(p)
    if isinstance(p, ExprError):
        return f"{_expr_head(p.expr, p.eval_time_ms)}, err: {p.message}"
    if isinstance(p, RuleEvalError):
        return f"    rule: {p.rule}, time: {format_go_duration(p.time_ms * 1_000_000)}, err: {p.message}"
    if isinstance(p, LoadProblem):
        if promtool_compat and p.promtool_message is not None:
            return p.promtool_message
        return p.message
    assert isinstance(p, InternalError)
    return p.message


def _alert_matching(p: AlertMismatch) -> str:
    parts = []
    if p.match != "exact":
        parts.append(f"match: {p.match}")
    if p.count is not None:
        parts.append(f"count: {p.count}")
    for i, (labels_re, annotations_re) in enumerate(p.expected_re):
        if labels_re:
            parts.append(f"{i}: exp_labels_re " + ", ".join(f"{k}=~{v!r}" for k, v in labels_re))
        if annotations_re:
            parts.append(f"{i}: exp_annotations_re " + ", ".join(f"{k}=~{v!r}" for k, v in annotations_re))
    return "; ".join(parts)


def detail(p: Problem) -> str:
    """ruletest's explanation of a problem (empty when the message says it all)."""
    if isinstance(p, AlertMismatch):
        return explain_alert(p)
    if isinstance(p, StateMismatch):
        return explain_state(p)
    if isinstance(p, ExprMismatch):
        return "\n".join(x for x in (samples_diff(p), *p.notes) if x)
    if isinstance(p, NotificationMismatch):
        return notification_detail(p)
    if isinstance(p, InternalError):
        return "this is a bug in ruletest; please report it with the test file.\n" + p.traceback.rstrip()
    return ""


def location(p: Problem, root: str | None = None) -> str:
    """Where the problem is; paths under ``root`` are shown relative to it."""
    where = p.rule_where if isinstance(p, RuleEvalError) else p.where
    text = str(where)
    if root is not None and os.path.isabs(where.file):
        rel = os.path.relpath(where.file, root)
        if not rel.startswith(".."):
            text = rel + text[len(where.file):]
    return text


def render(p: Problem, *, promtool_compat: bool = False, explain: bool = True, diff: bool = True,
           root: str | None = None) -> str:
    """One problem as a block: promtool's message and where it is, then ruletest's explanation.
    The CLI and the pytest plugin both print problems with this."""
    text = message(p, promtool_compat=promtool_compat)
    where = location(p, root)
    if isinstance(p, LoadProblem | InternalError):
        text = f"{where}: {text}"  # like a compiler: file:line:column: what is wrong
    else:
        text = f"{text}\n        at {where}"
    info = detail(p) if explain else ""
    if isinstance(p, ExprMismatch) and not diff and not (p.expected_histograms or p.got_histograms):
        # The sample diff on request; which histogram fields differ, and annotations, always.
        info = "\n".join(p.notes) if explain else ""
    if info:
        text += "\n" + _indent_block(info, "        ")
    elif explain and isinstance(p, ExprMismatch) and nan_note(p):
        text += "\n" + _indent_block(nan_note(p), "        ")  # the diff would say it on the NaN's line
    return text


def _expr_head(expr: str, eval_time_ms: int) -> str:
    return f"    expr: {go_quote(expr)}, time: {format_duration(eval_time_ms)}"


def _alerts_string(items: tuple[tuple[Labels, Labels], ...]) -> str:
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


def _samples_string(samples: tuple[tuple[Labels, float], ...],
                    histograms: tuple[FloatHistogram | None, ...] = ()) -> str:
    """promtool's ``parsedSamplesString``: a histogram sample in its test notation."""
    if not samples:
        return "nil"
    hs = histograms or (None,) * len(samples)
    return ", ".join(f"{format_labels(lb)} {h.test_expression() if h is not None else format_float_e(v)}"
                     for (lb, v), h in zip(samples, hs, strict=True))


def _indent_block(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def file_text(result: FileResult, *, diff: bool = False, explain: bool = True,
              promtool_compat: bool = False) -> tuple[str, str]:
    """(stdout, stderr) as ``promtool test rules`` prints them for one file, plus explanations."""
    out = [f"Unit Testing:  {result.path}"]
    err: list[str] = list(result.warnings)
    err.extend(dump_text(g.dump, g.dump_time_ms) for g in result.groups if g.dump is not None)
    err.extend(notes_text(g.dump_notes) for g in result.groups if g.dump_notes)
    problems = result.all_problems()
    if not problems:
        out.append("  SUCCESS")
        out.append("")
        return "\n".join(out) + "\n", "\n".join(err) + ("\n" if err else "")
    err.append("  FAILED:")
    for p in problems:
        err.append(render(p, promtool_compat=promtool_compat, explain=explain, diff=diff))
        err.append("")
    if explain:
        for g in result.groups:
            for note in (prometheus_2_note(g.passes_with_2x), timing_note(g.passes_with_timing)):
                if note:
                    err.append(_indent_block(f"test group {g.name}: {note}", "  "))
                    err.append("")
    out.append("")
    return "\n".join(out) + "\n", "\n".join(err) + "\n"


def dump_text(dump: tuple[SeriesDump, ...], until_ms: int) -> str:
    """Like promtool's --debug: all samples of all series up to the last evaluation."""
    lines = [f"DEBUG: Dump of all data (input_series and rules) at {format_duration(until_ms)}:"]
    for s in dump:
        if s.points or s.histograms:
            lines.append(f"{format_labels(s.labels)} =>")
            lines.extend(f"{num(v)} @[{t}]" for t, v in s.points)
            lines.extend(f"{h.go_string()} @[{t}]" for t, h in s.histograms)  # as promql.Series.String()
    return "\n".join(lines)


def notes_text(notes: list[tuple[str, int, tuple[str, ...]]]) -> str:
    """--debug: the warnings and infos Prometheus attaches to each expression test's result."""
    lines = []
    for expr, t, texts in notes:
        lines.append(f"DEBUG: {_expr_head(expr, t).strip()}:")
        lines.extend(f"  {text}" for text in texts)
    return "\n".join(lines)
