"""``ruletest capture``: turn what a live Prometheus saw into a regression test.

For each alert, the series its expression reads (its selectors, and through the recording rules it
reads, theirs) are fetched with one range query per selector over the time range, from early
enough that the alert's windows are full at the start. Values land on a fixed grid (the test's
``interval``) and are written in expanding notation. The expectations are what the rules do on
that data, evaluated in process: the firing alerts, with labels and annotations, each time the set
of firing alerts changes. Label values can be anonymised, except those the rules match on.

Nothing is written unless everything was fetched: errors (server unreachable, HTTP or query
errors, too many series) raise :class:`CaptureError` before any output exists.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ruletest.authoring.compress import compress
from ruletest.authoring.impact import Impact
from ruletest.authoring.inputs import InputError, Leaf, read_by
from ruletest.authoring.mutations import rule_key
from ruletest.authoring.promapi import Client, PrometheusAPIError, format_time
from ruletest.authoring.yamltext import quoted, series_text
from ruletest.errors import RuletestError
from ruletest.gocompat import go_quote
from ruletest.promql.ast import format_duration
from ruletest.promql.values import Labels, labels_from
from ruletest.records import record
from ruletest.rule_files import load_groups
from ruletest.rules.alerting import AlertState
from ruletest.rules.model import Rule, RuleGroup
from ruletest.rules.simulation import InputSeries, Simulation, SimulationOptions
from ruletest.semantics import Semantics

KEEP_LABELS = frozenset({"__name__", "le", "quantile"})


class CaptureError(RuletestError):
    code = "capture/failed"


@record
class Captured:
    """Series on a grid: value ``i`` of each series is at ``start_ms + i * step_ms``."""

    start_ms: int
    step_ms: int
    steps: int  # values per series
    series: tuple[tuple[Labels, tuple[float | None, ...]], ...]
    source: str = ""

    def inputs(self) -> list[InputSeries]:
        out = []
        for labels, values in self.series:
            ts = [i * self.step_ms for i, v in enumerate(values) if v is not None]
            vs = [v for v in values if v is not None]
            out.append(InputSeries(labels, ts, vs))
        return out


def alerts_named(groups: Sequence[RuleGroup], names: Sequence[str]) -> list[Rule]:
    alerts = [r for g in groups for r in g.rules if r.is_alert]
    if not names:
        if not alerts:
            raise CaptureError("the rule files define no alerting rule")
        return alerts
    known = {r.name for r in alerts}
    missing = [n for n in names if n not in known]
    if missing:
        raise CaptureError(f"no alerting rule named {', '.join(map(repr, missing))} in the rule files")
    return [r for r in alerts if r.name in names]


def leaves_of(alerts: Sequence[Rule], groups: Sequence[RuleGroup], version: int) -> tuple[list[Leaf], int]:
    """The input selectors of the alerts (deduplicated) and the longest window they read."""
    recorded = {r.name: r for g in groups for r in g.rules if not r.is_alert}
    leaves: dict[Leaf, None] = {}
    window = 0
    for rule in alerts:
        try:
            reading = read_by(rule, recorded, version)
        except InputError as exc:
            raise CaptureError(exc.message) from None
        leaves.update(dict.fromkeys(dataclasses.replace(lf, via=None, in_absent=False) for lf in reading.leaves))
        window = max(window, reading.max_window_ms)
    return list(leaves), window


def selector_text(leaf: Leaf) -> str:
    return "{" + ", ".join([f"__name__={go_quote(leaf.metric)}", *(str(m) for m in leaf.matchers)]) + "}"


def fetch(client: Client, leaves: Sequence[Leaf], start_ms: int, end_ms: int, step_ms: int,
          max_series: int) -> Captured:
    """Every series the leaves select, sampled on the grid from ``start_ms`` to ``end_ms``."""
    if step_ms <= 0:
        raise CaptureError("the step must be positive")
    if end_ms < start_ms:
        raise CaptureError("the end of the time range is before its start")
    steps = (end_ms - start_ms) // step_ms + 1
    merged: dict[Labels, list[float | None]] = {}
    for leaf in leaves:
        try:
            found = client.query_range(selector_text(leaf), start_ms, start_ms + (steps - 1) * step_ms, step_ms)
        except PrometheusAPIError as exc:
            raise CaptureError(exc.message) from None
        if len(found) > max_series:
            raise CaptureError(f"{selector_text(leaf)} selects {len(found)} series, more than --max-series "
                               f"{max_series}: narrow the rule's selectors or raise the limit")
        for s in found:
            values = merged.setdefault(s.labels, [None] * steps)
            for t, v in s.points:
                i, off = divmod(t - start_ms, step_ms)
                if off == 0 and 0 <= i < steps:
                    values[i] = v
        if len(merged) > max_series:
            raise CaptureError(f"the alerts read {len(merged)} series, more than --max-series {max_series}")
    return Captured(start_ms, step_ms, steps, tuple((k, tuple(v)) for k, v in sorted(merged.items())),
                    client.url)


def anonymize(captured: Captured, leaves: Sequence[Leaf]) -> Captured:
    """Label values replaced by ``<label>-<n>`` (the same value, the same replacement, so joins
    still match), except the metric name, ``le``/``quantile`` and labels the rules match on."""
    matched = {m.name for leaf in leaves for m in leaf.matchers}
    values: dict[str, list[str]] = {}
    for labels, _ in captured.series:
        for k, v in labels:
            if k not in KEEP_LABELS and k not in matched:
                values.setdefault(k, [])
                if v not in values[k]:
                    values[k].append(v)
    mapping = {(k, v): f"{k}-{i + 1}" for k, vs in values.items() for i, v in enumerate(sorted(vs))}
    series = []
    for labels, vs in captured.series:
        series.append((labels_from({k: mapping.get((k, v), v) for k, v in labels}), vs))
    return dataclasses.replace(captured, series=tuple(sorted(series)))


# --- expectations ---------------------------------------------------------------------------------


Expected = tuple[tuple[Labels, Labels], ...]  # (labels without alertname, annotations), sorted


def firing_by_step(groups: Sequence[RuleGroup], alerts: Sequence[Rule], captured: Captured, semantics: Semantics
                   ) -> dict[str, list[tuple[int, Expected]]]:
    """For each alert name, (test time, firing alerts) at every evaluation of the captured range."""
    names = list(dict.fromkeys(r.name for r in alerts))
    sim = Simulation(list(groups), captured.inputs(), SimulationOptions(semantics, captured.step_ms), record=names)
    end = (captured.steps - 1) * captured.step_ms
    for outcome in sim.run(0, end):
        if outcome.failed:
            detail = outcome.load_error or "; ".join(f"{e.rule.name}: {e.message}" for e in outcome.errors)
            raise CaptureError(f"the rules fail to evaluate on the captured data at "
                               f"{format_duration(outcome.t)}: {detail}")
    out: dict[str, list[tuple[int, Expected]]] = {}
    for name in names:
        steps = []
        for step in sim.history(name):
            firing = sorted((tuple((k, v) for k, v in a.labels if k != "alertname"), a.annotations)
                            for a in step.alerts if a.state == AlertState.FIRING)
            steps.append((step.t, tuple(firing)))
        out[name] = steps
    return out


def check_times(steps: Sequence[tuple[int, Expected]], from_ms: int) -> list[tuple[int, Expected]]:
    """The first evaluation at or after ``from_ms``, every one where the set of firing alerts
    (by labels) changes, and the last."""
    chosen: list[tuple[int, Expected]] = []
    previous: tuple[Labels, ...] | None = None
    usable = [s for s in steps if s[0] >= from_ms]
    for i, (t, firing) in enumerate(usable):
        labels = tuple(lb for lb, _ in firing)
        if previous is None or labels != previous or i == len(usable) - 1:
            chosen.append((t, firing))
        previous = labels
    return chosen


# --- the test file -----------------------------------------------------------------------------------


def render(captured: Captured, groups: Sequence[RuleGroup], alerts: Sequence[Rule],
           expected: Mapping[str, list[tuple[int, Expected]]], warmup_ms: int, *, base_dir: str | Path,
           anonymized: bool, version: int = 3) -> str:
    impact = Impact(groups, version)
    needed = impact.needed({rule_key(r) for r in alerts})
    files = list(dict.fromkeys(g.file for g in groups if any(rule_key(r) in needed for r in g.rules)))
    order = [g.name for g in groups if g.file in files]
    every = format_duration(captured.step_ms)
    begin = captured.start_ms + warmup_ms
    end = captured.start_ms + (captured.steps - 1) * captured.step_ms
    lines = [
        f"# Captured by `ruletest capture` from {captured.source}: {format_time(begin)} to {format_time(end)}",
        f"# (series from {format_time(captured.start_ms)}, {format_duration(warmup_ms)} earlier, so the rules' "
        "windows are full).",
        "# The expectations are what these rules do on this data: check them against what happened.",
        f"# captured-start: {format_time(captured.start_ms)}",
    ]
    if anonymized:
        lines.append("# Label values are anonymised, except those the rules match on.")
    lines.append("rule_files:")
    lines += [f"  - {quoted(os.path.relpath(f, base_dir))}" for f in files]
    lines.append(f"evaluation_interval: {every}")
    if len(order) > 1:
        lines.append("group_eval_order: [" + ", ".join(quoted(g) for g in order) + "]")
    lines += ["tests:", f"  - name: {quoted('captured ' + format_time(begin) + ' to ' + format_time(end))}",
              f"    interval: {every}", "    input_series:" if captured.series else "    input_series: []"]
    for labels, values in captured.series:
        lines.append(f"      - series: {series_text(labels)}")
        lines.append(f"        values: '{compress(values)}'")
    checks = []
    for name, steps in expected.items():
        for t, firing in check_times(steps, warmup_ms):
            checks.append((t, name, firing))
    checks.sort(key=lambda c: (c[0], c[1]))
    lines.append("    alert_rule_test:" if checks else "    alert_rule_test: []")
    for t, name, firing in checks:
        lines.append(f"      # {format_time(captured.start_ms + t)}")
        lines.append(f"      - alertname: {name}")
        lines.append(f"        eval_time: {format_duration(t)}")
        if not firing:
            lines.append("        exp_alerts: []")
            continue
        lines.append("        exp_alerts:")
        for labels, rendered in firing:
            lines.append("          - exp_labels:" + (" {}" if not labels else ""))
            lines.extend(f"              {k}: {quoted(v)}" for k, v in labels)
            if rendered:
                lines.append("            exp_annotations:")
                lines.extend(f"              {k}: {quoted(v)}" for k, v in rendered)
    return "\n".join(lines) + "\n"


@record
class CaptureOptions:
    semantics: Semantics
    start_ms: int
    end_ms: int
    step_ms: int | None = None  # default: the first alert's group interval, else 1m
    alerts: tuple[str, ...] = ()  # default: every alert in the rule files
    anonymize: bool = False
    max_series: int = 1000
    timeout_s: float = 30.0
    headers: Mapping[str, str] | None = None
    default_interval_ms: int = 60_000


def capture_test(url: str, rule_files: Sequence[str | Path], options: CaptureOptions, *,
                 base_dir: str | Path = ".") -> str:
    """The text of a test file capturing what ``rule_files``' alerts read from the server at
    ``url`` (see :func:`capture` for the simple form)."""
    sem = options.semantics
    groups = load_groups(rule_files, sem)
    alerts = alerts_named(groups, options.alerts)
    group = next(g for g in groups if g.name == alerts[0].group and g.file == alerts[0].file)
    step = options.step_ms or group.interval_ms or options.default_interval_ms
    leaves, window = leaves_of(alerts, groups, sem.version)
    warmup = -(-window // step) * step
    client = Client(url, options.timeout_s, options.headers)
    captured = fetch(client, leaves, options.start_ms - warmup, options.end_ms, step, options.max_series)
    if options.anonymize:
        captured = anonymize(captured, leaves)
    expected = firing_by_step(groups, alerts, captured, sem)
    return render(captured, groups, alerts, expected, warmup, base_dir=base_dir, anonymized=options.anonymize,
                  version=sem.version)


def capture(url: str, rule_files: Sequence[str | Path], *, start: str, end: str = "now",
            alerts: Sequence[str] = (), step: str | None = None, output: str | Path | None = None,
            anonymize: bool = False, prometheus: int = 3, max_series: int = 1000, timeout: float = 30.0) -> str:
    """A regression test from a live Prometheus: what the alerts of ``rule_files`` read between
    ``start`` and ``end`` (RFC 3339, unix seconds, ``now`` or ``-2h``), with the alerts' behaviour
    on that data as expectations. ``output``: where the file will live (``rule_files`` are written
    relative to it); nothing is written. Raises :class:`CaptureError` (a rule file that cannot be
    loaded: :class:`~ruletest.rules.loader.RuleFileError`)."""
    import time

    from ruletest.authoring.promapi import parse_time
    from ruletest.durations import DurationError, parse_duration

    now = round(time.time() * 1000)
    try:
        step_ms = parse_duration(step) if step else None
        start_ms, end_ms = parse_time(start, now), parse_time(end, now)
    except (DurationError, PrometheusAPIError) as exc:
        raise CaptureError(exc.message) from None
    options = CaptureOptions(Semantics.of(prometheus), start_ms, end_ms, step_ms, tuple(alerts), anonymize,
                             max_series, timeout)
    base = Path(output).parent if output is not None else Path(".")
    return capture_test(url, rule_files, options, base_dir=base)
