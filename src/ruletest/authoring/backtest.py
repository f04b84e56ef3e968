"""``ruletest backtest``: when would each alert have fired, on captured or live data?

The rule files are evaluated in process over the data (a file written by ``ruletest capture``,
or the series the alerts read, fetched from a Prometheus), and every interval during which an
alert instance was firing is listed. With a base version of the rules (``--base REF``: the same
files at a git revision), the intervals that appear, disappear or move are listed instead: what a
change to the rules would have done, before it is merged.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ruletest.authoring.capture import Captured, CaptureError, alerts_named, fetch, leaves_of
from ruletest.authoring.promapi import Client, format_time
from ruletest.errors import RuletestError
from ruletest.promql.ast import format_duration
from ruletest.promql.values import STALE, Labels, format_labels
from ruletest.promtool_format import TestFileError, load_test_file
from ruletest.records import record
from ruletest.rules.alerting import AlertState
from ruletest.rules.loader import LoadOptions, load_rule_text
from ruletest.rules.model import RuleGroup
from ruletest.rules.simulation import Simulation, SimulationOptions
from ruletest.semantics import Semantics
from ruletest.series import parse_series


@record
class Firing:
    """One alert instance firing from ``start_ms`` to ``end_ms`` (times of the data)."""

    alert: str
    labels: Labels  # without alertname
    start_ms: int
    end_ms: int  # the last evaluation at which it was firing
    still_firing: bool  # firing at the end of the data

    @property
    def key(self) -> tuple[str, Labels]:
        return (self.alert, self.labels)


def from_test_file(path: str | Path) -> Captured:
    """The first test group's input series of a test file (``ruletest capture`` writes one)."""
    try:
        tf = load_test_file(path)
    except TestFileError as exc:
        raise CaptureError(exc.problems[0].message if exc.problems else str(exc)) from None
    if not tf.tests:
        raise CaptureError(f"{path}: no test group to read series from")
    tg = tf.tests[0]
    step = tg.interval_ms or tf.evaluation_interval_ms
    series = []
    steps = 0
    for s in tg.input_series:
        try:
            spec = parse_series(s.series, s.values)
        except RuletestError as exc:
            raise CaptureError(f"{path}:{s.line}: {exc.message}") from None
        values = tuple(None if v is None or v is STALE else float(v) for v in spec.values)  # type: ignore[arg-type]
        steps = max(steps, len(values))
        series.append((spec.labels, values))
    padded = tuple((labels, vs + (None,) * (steps - len(vs))) for labels, vs in series)
    start = 0
    match = re.search(r"^# captured-start: (\S+)$", Path(path).read_text(encoding="utf-8"), re.MULTILINE)
    if match:
        from ruletest.authoring.promapi import PrometheusAPIError, parse_time

        try:
            start = parse_time(match.group(1), 0)
        except PrometheusAPIError:
            start = 0
    return Captured(start, step, steps, padded, str(path))


def firings(groups: Sequence[RuleGroup], data: Captured, semantics: Semantics,
            alerts: Sequence[str] = ()) -> list[Firing]:
    """Every interval an instance of the alerts (default: all) was firing, in time order."""
    names = list(dict.fromkeys(r.name for g in groups for r in g.rules if r.is_alert and (not alerts or r.name in alerts)))
    sim = Simulation(list(groups), data.inputs(), SimulationOptions(semantics, data.step_ms), record=names)
    end = (data.steps - 1) * data.step_ms
    for outcome in sim.run(0, end):
        if outcome.failed:
            detail = outcome.load_error or "; ".join(f"{e.rule.name}: {e.message}" for e in outcome.errors)
            raise CaptureError(f"the rules fail to evaluate at {format_duration(outcome.t)}: {detail}")
    out: list[Firing] = []
    for name in names:
        open_since: dict[Labels, tuple[int, int]] = {}
        for step in sim.history(name):
            now = {tuple((k, v) for k, v in a.labels if k != "alertname")
                   for a in step.alerts if a.state == AlertState.FIRING}
            for labels in now:
                start, _ = open_since.get(labels, (step.t, step.t))
                open_since[labels] = (start, step.t)
            for labels in list(open_since):
                if labels not in now:
                    start, last = open_since.pop(labels)
                    out.append(Firing(name, labels, data.start_ms + start, data.start_ms + last, False))
        for labels, (start, last) in open_since.items():
            out.append(Firing(name, labels, data.start_ms + start, data.start_ms + last, True))
    out.sort(key=lambda f: (f.start_ms, f.alert, f.labels))
    return out


def rules_at(base: str, rule_files: Sequence[str | Path], semantics: Semantics) -> list[RuleGroup]:
    """The rule files as they were at git revision ``base`` (a file missing there has no rules)."""
    groups: list[RuleGroup] = []
    for f in rule_files:
        path = Path(f).resolve()
        try:
            top = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent, capture_output=True,
                                      text=True, check=True).stdout.strip())
            shown = subprocess.run(["git", "show", f"{base}:{path.relative_to(top).as_posix()}"], cwd=top,
                                   capture_output=True, text=True)
        except (OSError, ValueError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise CaptureError(f"--base: cannot read {f} at {base!r}: {detail.strip()}") from None
        if shown.returncode != 0:
            if "does not exist" in shown.stderr or "exists on disk, but not in" in shown.stderr:
                continue
            raise CaptureError(f"--base: cannot read {f} at {base!r}: {shown.stderr.strip()}")
        try:
            groups.extend(load_rule_text(shown.stdout, str(f), LoadOptions(semantics)))
        except RuletestError as exc:
            raise CaptureError(f"--base: {f} at {base}: {exc.message}") from None
    return groups


def live(url: str, groups: Sequence[RuleGroup], alerts: Sequence[str], start_ms: int, end_ms: int,
         step_ms: int | None, semantics: Semantics, max_series: int = 1000, timeout_s: float = 30.0,
         headers: Mapping[str, str] | None = None, default_interval_ms: int = 60_000) -> Captured:
    """The data the alerts read, fetched from a Prometheus, from early enough that windows are
    full. ``step_ms`` None: the first alert's group interval, else ``default_interval_ms``."""
    rules = alerts_named(groups, alerts)
    if step_ms is None:
        group = next(g for g in groups if g.name == rules[0].group and g.file == rules[0].file)
        step_ms = group.interval_ms or default_interval_ms
    leaves, window = leaves_of(rules, groups, semantics.version)
    warmup = -(-window // step_ms) * step_ms
    return fetch(Client(url, timeout_s, headers), leaves, start_ms - warmup, end_ms, step_ms, max_series)


# --- reports ------------------------------------------------------------------------------------------


def _when(ms: int, data: Captured) -> str:
    return format_time(ms) if data.start_ms else format_duration(ms)


def _line(f: Firing, data: Captured) -> str:
    labels = format_labels(f.labels) if f.labels else ""
    until = "the end of the data (still firing)" if f.still_firing else _when(f.end_ms, data)
    span = format_duration(f.end_ms - f.start_ms + data.step_ms)
    return f"{f.alert}{labels}: firing {_when(f.start_ms, data)} to {until} ({span})"


def text_report(current: list[Firing], data: Captured, base: list[Firing] | None = None) -> str:
    span = f"{_when(data.start_ms, data)} to {_when(data.start_ms + (data.steps - 1) * data.step_ms, data)}"
    lines = [f"backtest over {data.source or 'the data'}: {span}, every {format_duration(data.step_ms)}"]
    if base is None:
        lines += [_line(f, data) for f in current] or ["no alert fired"]
        lines.append(f"{len(current)} firing interval(s)")
        return "\n".join(lines) + "\n"
    added = [f for f in current if f not in base]
    removed = [f for f in base if f not in current]
    lines += [f"- {_line(f, data)}" for f in removed]
    lines += [f"+ {_line(f, data)}" for f in added]
    if not added and not removed:
        lines.append("the change fires exactly as before")
    lines.append(f"{len(removed)} firing interval(s) no longer, {len(added)} new")
    return "\n".join(lines) + "\n"


def _json(f: Firing) -> dict[str, object]:
    return {"alert": f.alert, "labels": dict(f.labels), "start": f.start_ms / 1000, "end": f.end_ms / 1000,
            "still_firing": f.still_firing}


def json_report(current: list[Firing], data: Captured, base: list[Firing] | None = None) -> str:
    doc: dict[str, object] = {"source": data.source, "start": data.start_ms / 1000,
                              "end": (data.start_ms + (data.steps - 1) * data.step_ms) / 1000,
                              "step": data.step_ms / 1000, "firing": [_json(f) for f in current]}
    if base is not None:
        doc["added"] = [_json(f) for f in current if f not in base]
        doc["removed"] = [_json(f) for f in base if f not in current]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def backtest(rule_files: Sequence[str | Path], *, data: str | Path | None = None, url: str | None = None,
             start: str | None = None, end: str = "now", step: str | None = None, alerts: Sequence[str] = (),
             prometheus: int = 3) -> list[Firing]:
    """When the alerts of ``rule_files`` fire on ``data`` (a file ``ruletest capture`` wrote) or
    on what a Prometheus at ``url`` holds between ``start`` and ``end``. Raises :class:`CaptureError`
    (:class:`~ruletest.rules.loader.RuleFileError` for a rule file that cannot be loaded)."""
    import time

    from ruletest.authoring.promapi import PrometheusAPIError, parse_time
    from ruletest.durations import DurationError, parse_duration
    from ruletest.rule_files import load_groups

    sem = Semantics.of(prometheus)
    groups = load_groups(rule_files, sem)
    alerts_named(groups, alerts)  # unknown names are an error
    if (data is None) == (url is None):
        raise CaptureError("give either data (a captured test file) or url (a Prometheus)")
    if data is not None:
        captured = from_test_file(data)
    else:
        assert url is not None
        if start is None:
            raise CaptureError("a start time is needed to read live data")
        now = round(time.time() * 1000)
        try:
            start_ms, end_ms = parse_time(start, now), parse_time(end, now)
            step_ms = parse_duration(step) if step else None
        except (DurationError, PrometheusAPIError) as exc:
            raise CaptureError(exc.message) from None
        captured = live(url, groups, alerts, start_ms, end_ms, step_ms, sem)
    return firings(groups, captured, sem, alerts)
