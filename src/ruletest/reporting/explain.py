"""ruletest's explanations of a failure, beyond promtool's exp/got: which alerts are missing or
unexpected, which annotation differs, the alert's state timeline, the expression's values around
the checked time, and which Prometheus 3 change a test depends on."""

from __future__ import annotations

import math

from ruletest.expectations import AlertPattern, SamplePattern, ValueMatch, labels_match, pairing
from ruletest.promql.ast import format_duration
from ruletest.promql.values import Labels, format_labels
from ruletest.promtool_format import format_matchers
from ruletest.results import AlertMismatch, AlertTimeline, ExprMismatch, StateMismatch
from ruletest.semantics import SWITCH_DOCS


def num(v: float) -> str:
    return repr(v) if math.isfinite(v) else ("NaN" if math.isnan(v) else ("+Inf" if v > 0 else "-Inf"))


def explain_alert(p: AlertMismatch) -> str:
    lines = [f"alert {p.alertname} at {format_duration(p.eval_time_ms)} (checked against the evaluation at "
             f"{format_duration(p.checked_at_ms)}):"]
    if p.match != "exact" or p.count is not None or p.expected_re:
        lines.extend(_alert_pattern_diff(p))
    else:
        lines.extend(_alert_exact_diff(p))
    if p.timeline is not None:
        lines.extend(timeline_lines(p.timeline, p.checked_at_ms))
    return "\n".join(lines)


def _alert_exact_diff(p: AlertMismatch) -> list[str]:
    """promtool's comparison: whole label sets, then whole annotation sets."""
    lines = []
    exp_l = dict(p.expected)
    got_l = dict(p.got)
    for labels in sorted(set(exp_l) | set(got_l)):
        if labels in exp_l and labels not in got_l:
            lines.append(f"  - expected firing, not firing: {format_labels(labels)}")
        elif labels in got_l and labels not in exp_l:
            lines.append(f"  + firing, not expected:        {format_labels(labels)}")
        else:
            lines.extend(_annotation_lines(labels, dict(exp_l[labels]), {}, dict(got_l[labels]), False, promtool=True))
    return lines


def _alert_pattern_diff(p: AlertMismatch) -> list[str]:
    """ruletest's matching (match: subset, regexes, count), explained with the same matching:
    which expectations no firing alert fits, which alerts no expectation took, and the count."""
    subset = p.match == "subset"
    regexes = p.expected_re or tuple(((), ()) for _ in p.expected)
    patterns = [AlertPattern(dict(lb), dict(an), dict(lr), dict(ar))
                for (lb, an), (lr, ar) in zip(p.expected, regexes, strict=True)]
    got = list(p.got)
    pairs = pairing(len(patterns), len(got), lambda i, j: patterns[i].matches(got[j], subset))
    used = set(pairs.values())
    lines = []
    for i, pat in enumerate(patterns):
        if i in pairs:
            continue
        near = next((j for j in range(len(got)) if j not in used
                     and labels_match(dict(got[j][0]), pat.labels, pat.labels_re, subset, ignore=("alertname",))), None)
        if near is None:
            lines.append(f"  - expected firing, no alert matches: {format_matchers(dict(pat.labels), dict(pat.labels_re))}")
            continue
        used.add(near)  # its labels fit: the annotations are what differ
        lines.extend(_annotation_lines(got[near][0], dict(pat.annotations), dict(pat.annotations_re),
                                       dict(got[near][1]), subset))
    if p.count is None:
        lines.extend(f"  + firing, not expected:        {format_labels(got[j][0])}"
                     for j in range(len(got)) if j not in used)
    elif len(got) != p.count:
        lines.append(f"  # count: expected {p.count} firing alert{'s' if p.count != 1 else ''}, got {len(got)}")
    return lines


def _annotation_lines(labels: Labels, exact: dict[str, str], regexes: dict[str, str], got: dict[str, str],
                      subset: bool, *, promtool: bool = False) -> list[str]:
    """What differs between an alert's annotations and the expected ones: compared as promtool
    does (``promtool``: equal sets), else with ruletest's matching."""
    lines = []
    for k in sorted(set(exact) | set(regexes) | (set() if subset else set(got))):
        if k not in exact and k not in regexes:
            lines.append(f"  ~ {format_labels(labels)} annotation {k}: not expected, got {got[k]!r}")
            continue
        if promtool:
            ok = k in got and got[k] == exact[k]
        else:
            ok = labels_match({k: got[k]} if k in got else {}, {k: exact[k]} if k in exact else {},
                              {k: regexes[k]} if k in regexes else {}, subset=True)
        if ok:
            continue
        want = repr(exact[k]) if k in exact else f"to match {regexes[k]!r}"
        if k not in got:
            lines.append(f"  ~ {format_labels(labels)} annotation {k}: expected {want}, the alert has none")
        else:
            lines.append(f"  ~ {format_labels(labels)} annotation {k}: expected {want}, got {got[k]!r}")
    return lines


def timeline_lines(tl: AlertTimeline, ts: int, around: int | None = None) -> list[str]:
    """The alert's state changes up to the evaluation after ``ts``, then the expression's values
    at the evaluations around ``around`` (default ``ts``): the two before the last one at or
    before it, that one, and the two after."""
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
    focus = ts if around is None else around
    idx = [i for i, (t, _) in enumerate(tl.values) if t <= focus]
    if idx:
        i = idx[-1]
        out.append(f"  expression value around {format_duration(focus)}:")
        for t, samples in tl.values[max(0, i - 2):i + 3]:
            shown = ", ".join(f"{format_labels(s.labels)} {num(s.value)}" for s in samples[:4]) or "(no result)"
            more = f" (+{len(samples) - 4} more)" if len(samples) > 4 else ""
            out.append(f"    {format_duration(t):>8}  {shown}{more}")
    return out


def samples_diff(p: ExprMismatch) -> str:
    if p.expected_histograms or p.got_histograms:
        from ruletest.reporting.histogram_diff import histogram_samples_diff

        return histogram_samples_diff(p)
    if p.match != "exact" or p.count is not None or p.expected_re:
        return "\n".join(_samples_pattern_diff(p))
    e = dict(p.expected)
    g = dict(p.got)
    lines = []
    for labels in sorted(set(e) | set(g)):
        if labels not in g:
            lines.append(f"  - {format_labels(labels)} {num(e[labels])}   (expected, missing)")
        elif labels not in e:
            lines.append(f"  + {format_labels(labels)} {num(g[labels])}   (returned, not expected)")
        elif not p.values(e[labels], g[labels]):
            lines.append(_value_line(labels, e[labels], g[labels], p.values))
    return "\n".join(lines)


def _samples_pattern_diff(p: ExprMismatch) -> list[str]:
    """ruletest's matching (match: subset, labels_re, count), explained with the same matching."""
    subset = p.match == "subset"
    regexes = p.expected_re or tuple(() for _ in p.expected)
    patterns = [SamplePattern(dict(lb), v, dict(r)) for (lb, v), r in zip(p.expected, regexes, strict=True)]
    got = list(p.got)

    def labels_fit(i: int, j: int) -> bool:
        return labels_match(dict(got[j][0]), patterns[i].labels, patterns[i].labels_re, subset)

    pairs = pairing(len(patterns), len(got), lambda i, j: labels_fit(i, j) and p.values(patterns[i].value, got[j][1]))
    used = set(pairs.values())
    lines = []
    for i, pat in enumerate(patterns):
        if i in pairs:
            continue
        near = next((j for j in range(len(got)) if j not in used and labels_fit(i, j)), None)
        if near is None:
            lines.append(f"  - {format_matchers(dict(pat.labels), dict(pat.labels_re)) or '{}'} {num(pat.value)}   "
                         "(expected, no sample matches)")
            continue
        used.add(near)  # its labels fit: the value is what differs
        lines.append(_value_line(got[near][0], pat.value, got[near][1], p.values))
    if p.count is None:
        lines.extend(f"  + {format_labels(got[j][0])} {num(got[j][1])}   (returned, not expected)"
                     for j in range(len(got)) if j not in used)
    elif len(got) != p.count:
        lines.append(f"  # count: expected {p.count} sample{'s' if p.count != 1 else ''}, got {len(got)}")
    return lines


NAN_HINT = "NaN never equals NaN unless nan_equal is true; YAML writes NaN as .nan"


def _value_line(labels: Labels, expected: float, got: float, how: ValueMatch) -> str:
    line = f"  ~ {format_labels(labels)} expected {num(expected)}, got {num(got)}"
    if math.isnan(expected) and math.isnan(got) and not how.nan_equal:
        line += f"   ({NAN_HINT})"
    return line


def nan_note(p: ExprMismatch) -> str:
    """Why an expected NaN cannot match, when the test expects one without ``nan_equal``."""
    if p.values.nan_equal or not any(math.isnan(v) for _, v in p.expected):
        return ""
    return f"note: {NAN_HINT}"


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
        lines.extend(timeline_lines(p.timeline, p.last_ms, p.focus_ms))
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
