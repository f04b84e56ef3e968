"""ruletest's explanations of a failure, beyond promtool's exp/got: which alerts are missing or
unexpected, which annotation differs, the alert's state timeline, the expression's values around
the checked time, and which Prometheus 3 change a test depends on."""

from __future__ import annotations

import math

from ruletest.promql.ast import format_duration
from ruletest.promql.values import Labels, format_labels
from ruletest.results import AlertMismatch, AlertTimeline, ExprMismatch, StateMismatch
from ruletest.semantics import SWITCH_DOCS


def num(v: float) -> str:
    return repr(v) if math.isfinite(v) else ("NaN" if math.isnan(v) else ("+Inf" if v > 0 else "-Inf"))


def explain_alert(p: AlertMismatch) -> str:
    lines = [f"alert {p.alertname} at {format_duration(p.eval_time_ms)} (checked against the evaluation at "
             f"{format_duration(p.checked_at_ms)}):"]
    exp_l = dict(p.expected)
    got_l = dict(p.got)
    for labels in sorted(set(exp_l) | set(got_l)):
        if labels in exp_l and labels not in got_l:
            lines.append(f"  - expected firing, not firing: {format_labels(labels)}")
        elif labels in got_l and labels not in exp_l:
            lines.append(f"  + firing, not expected:        {format_labels(labels)}")
        else:
            exp_a, got_a = dict(exp_l[labels]), dict(got_l[labels])
            for k in sorted(set(exp_a) | set(got_a)):
                ev, gv = exp_a.get(k), got_a.get(k)
                if ev == gv:
                    continue
                if ev is None:
                    lines.append(f"  ~ {format_labels(labels)} annotation {k}: not expected, got {gv!r}")
                elif gv is None:
                    lines.append(f"  ~ {format_labels(labels)} annotation {k}: expected {ev!r}, the alert has none")
                else:
                    lines.append(f"  ~ {format_labels(labels)} annotation {k}: expected {ev!r}, got {gv!r}")
    if p.timeline is not None:
        lines.extend(timeline_lines(p.timeline, p.checked_at_ms))
    return "\n".join(lines)


def timeline_lines(tl: AlertTimeline, ts: int) -> list[str]:
    out = ["  state timeline:"]
    last: dict[Labels, str] = {}
    changes = 0
    for t, alerts in tl.states:
        present: dict[Labels, str] = {a.labels: a.state for a in alerts if a.state != "inactive"}
        for labels, state in present.items():
            if last.get(labels) != state:
                out.append(f"    {format_duration(t):>8}  {state:<8} {format_labels(labels)}")
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
            shown = ", ".join(f"{format_labels(s.labels)} {num(s.value)}" for s in samples[:4]) or "(no result)"
            more = f" (+{len(samples) - 4} more)" if len(samples) > 4 else ""
            out.append(f"    {format_duration(t):>8}  {shown}{more}")
    return out


def samples_diff(p: ExprMismatch) -> str:
    if p.expected_histograms or p.got_histograms:
        from ruletest.reporting.histogram_diff import histogram_samples_diff

        return histogram_samples_diff(p)
    e = dict(p.expected)
    g = dict(p.got)
    lines = []
    for labels in sorted(set(e) | set(g)):
        if labels not in g:
            lines.append(f"  - {format_labels(labels)} {num(e[labels])}   (expected, missing)")
        elif labels not in e:
            lines.append(f"  + {format_labels(labels)} {num(g[labels])}   (returned, not expected)")
        elif e[labels] != g[labels]:
            lines.append(f"  ~ {format_labels(labels)} expected {num(e[labels])}, got {num(g[labels])}")
    return "\n".join(lines)


def timing_note(timing: str | None) -> str:
    """Why a failing group would pass with the other evaluation schedule."""
    if timing is None:
        return ""
    if timing == "server":
        return ("note: this test group passes when each rule group is evaluated on its own interval, as a Prometheus "
                "server does (timing: server); promtool evaluates every group at every evaluation_interval.")
    return ("note: this test group passes with promtool's schedule (every group at every evaluation_interval); a "
            "Prometheus server evaluates each group on its own interval, as this run did (timing: server).")


def explain_state(p: StateMismatch) -> str:
    lines = [f"expected: {p.expectation}", f"got: {p.observed}"]
    if p.timeline is not None:
        lines.extend(timeline_lines(p.timeline, max((t for t, _ in p.timeline.states), default=0)))
    return "\n".join(lines)


def prometheus_2_note(switches: tuple[str, ...]) -> str:
    """Why a group that fails under Prometheus 3 would pass under Prometheus 2."""
    if not switches:
        return ""
    lines = ["note: this test group passes with Prometheus 2 semantics (--prometheus 2). What changed in 3.0:"]
    lines.extend(f"  - {SWITCH_DOCS[s]}" for s in switches)
    if "left_open_windows" in switches:
        lines.append("    e.g. increase(x[1m]) over samples 1m apart sees one sample in Prometheus 3 and returns "
                     "nothing: widen the range (x[2m]) or move eval_time off the sample grid.")
    return "\n".join(lines)
