"""``ruletest new``: a promtool test file for one alert, with input values found by evaluating the
rules (never guessed).

The input series are the selectors of the alert's expression and of the recording rules it reads.
One of them is a *knob*: a gauge's value, a counter's increase per interval, or how many of a
histogram's observations fall above the threshold; the others keep a base value. The engine is run
over candidate knob values to find where the alert's expression starts returning something, then
the shortest numbers on either side of that point, close to the threshold: one for a group where
the alert fires once ``for`` has elapsed (and is only pending one evaluation before), one for a
group just below the threshold where it stays silent. Expected labels and annotations are what
the rules render on those inputs. The result is checked by running it before it is returned.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruletest.authoring.impact import Impact
from ruletest.authoring.inputs import InputError, Leaf, Reading, label_sets, read_by
from ruletest.authoring.mutations import Site, comparison_sites, rule_key
from ruletest.authoring.numbers import fmt, nice, shortest_near
from ruletest.authoring.yamltext import quoted, series_text
from ruletest.errors import PromQLSyntaxError, RuletestError
from ruletest.promql import ast as A
from ruletest.promql.ast import format_duration
from ruletest.promql.values import Labels
from ruletest.promtool_format import load_test_source
from ruletest.records import record
from ruletest.reporting import message
from ruletest.rule_files import load_groups
from ruletest.rules.alerting import AlertState
from ruletest.rules.model import Rule, RuleGroup
from ruletest.rules.simulation import InputSeries, Simulation, SimulationOptions
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import Semantics
from ruletest.series import expand_values
from ruletest.yamlnodes import parse_source

BUCKET_OBSERVATIONS = 1000  # histogram observations per interval
# "Just above/below": within 2% of the threshold when a short number allows it, else 10%.
CLOSE = (0.02, 0.1)


class ScaffoldError(RuletestError):
    code = "scaffold/failed"


Knobs = tuple[float | None, ...]  # one value per input leaf; None: the series is absent


@dataclass
class _Model:
    rule: Rule
    groups: list[RuleGroup]
    sem: Semantics
    interval: int
    reading: Reading
    labels: list[Labels]
    site: Site | None
    probe_t: int
    buckets: tuple[float, ...]
    # The same rules under the other Prometheus version (None when they do not load there): a
    # value is only chosen when both agree, so the file passes `ruletest test` and promtool 2.
    other: _Model | None = None
    # promtool loads input series in random order, so sums can differ in the last bit: the
    # reversed order must agree too.
    reversed_inputs: bool = False
    shuffled: _Model | None = None
    coarsened: bool = False  # the interval was made longer than the rule group's (long windows)
    trials: list[int] = field(default_factory=lambda: [0])  # runs so far, shared by the variants
    fired: dict[Knobs, bool] = field(default_factory=dict)

    # --- series ------------------------------------------------------------------------------

    def base(self, leaf: Leaf) -> float:
        return {"gauge": 100.0, "counter": 100.0, "trend": 1.0, "bucket": 0.0}[leaf.kind]

    def series(self, knobs: Knobs, steps: int) -> list[tuple[Labels, str, str]]:
        """(labels, promtool values, what the series does) for each input series."""
        out = []
        every = format_duration(self.interval)
        for leaf, labels, v in zip(self.reading.leaves, self.labels, knobs, strict=True):
            if v is None:
                continue
            if leaf.kind == "gauge":
                out.append((labels, f"{fmt(v)}x{steps}", f"gauge, constant {fmt(v)}"))
            elif leaf.kind == "counter":
                per_s = v * 1000 / self.interval
                out.append((labels, f"0+{fmt(v)}x{steps}", f"counter, +{fmt(v)} every {every} ({per_s:.4g}/s)"))
            elif leaf.kind == "trend":
                out.append((labels, f"0+{fmt(v)}x{steps}", f"gauge growing by {fmt(v)} every {every}"))
            else:
                above = int(v)
                below = BUCKET_OBSERVATIONS - above
                threshold = self.buckets[2]
                for le in self.buckets:
                    count = 0 if le < threshold else below if le == threshold else BUCKET_OBSERVATIONS
                    with_le = tuple(sorted((*labels, ("le", "+Inf" if math.isinf(le) else fmt(le)))))
                    note = ""
                    if le == self.buckets[0]:
                        note = (f"histogram buckets: {BUCKET_OBSERVATIONS} observations every {every}, {below} "
                                f"between {fmt(self.buckets[1])} and {fmt(threshold)}, {above} between "
                                f"{fmt(threshold)} and {fmt(self.buckets[3])}")
                    out.append((with_le, f"0+{count}x{steps}", note))
        return out

    def inputs(self, knobs: Knobs, until: int) -> list[InputSeries]:
        steps = until // self.interval + 1
        out = []
        for labels, values, _ in self.series(knobs, steps):
            expanded = expand_values(values)
            ts = [i * self.interval for i, x in enumerate(expanded) if x is not None]
            vs = [x for x in expanded if x is not None]
            out.append(InputSeries(labels, ts, vs))
        return out[::-1] if self.reversed_inputs else out

    # --- evaluation ------------------------------------------------------------------------------

    def simulate(self, knobs: Knobs, until: int) -> Simulation:
        self.trials[0] += 1
        if self.trials[0] > MAX_TRIALS:
            raise ScaffoldError(f"gave up looking for input values after {MAX_TRIALS} runs of the rules: write the "
                                "input series by hand (or try a longer --evaluation-interval)")
        sim = Simulation(self.groups, self.inputs(knobs, until), SimulationOptions(self.sem, self.interval),
                         record=[self.rule.name])
        for outcome in sim.run(0, until):
            if outcome.failed:
                detail = outcome.load_error or "; ".join(e.message for e in outcome.errors)
                raise ScaffoldError(f"the rules fail to evaluate on generated input: {detail}")
        return sim

    def fires(self, knobs: Knobs) -> bool:
        """Whether the alert's expression returns something once the windows are full."""
        hit = self.fired.get(knobs)
        if hit is None:
            sim = self.simulate(knobs, self.probe_t)
            steps = sim.history(self.rule.name)
            hit = bool(steps and steps[-1].result)
            self.fired[knobs] = hit
        return hit

    def robust(self, knobs: Knobs, want: bool) -> bool:
        """The alert's expression returns something (``want``) or nothing under both versions,
        and not because of float noise at the threshold."""
        variants = [m for m in (self, self.other, self.shuffled) if m is not None]
        if any(m.fires(knobs) != want for m in variants):
            return False
        site = self.site
        if site is None or site.threshold is None or site.op in ("==", "!="):
            return True
        t = site.threshold
        values = [v for m in variants for v in m.operand(knobs)]
        # An exact hit on the threshold is a fine boundary case when it is exact everywhere.
        return all(v == t or abs(v - t) > 1e-9 * max(1.0, abs(t)) for v in values)

    def operand(self, knobs: Knobs) -> list[float]:
        if self.site is None:
            return []
        sim = self.simulate(knobs, self.probe_t)
        return [s.value for s in sim.query(A.to_promql(self.site.operand), self.probe_t)]


# --- searching ---------------------------------------------------------------------------------------


def _grid(kind: str, site: Site | None, interval: int) -> list[float]:
    powers = [10.0 ** k for k in range(-3, 10)]
    values = {0.0, *powers}
    if kind == "gauge":
        values |= {-p for p in powers}
    if site is not None and site.threshold is not None and math.isfinite(site.threshold):
        t = site.threshold
        per_interval = t * interval / 1000
        values |= {t, t + 1, t - 1, per_interval, nice(per_interval * 1.1)}
    if kind != "gauge":
        values = {v for v in values if v >= 0}
    return sorted(values)


def _preference(v: float) -> tuple[int, float, bool]:
    """Round numbers first: 0, then 1, then 10 and 0.1, ...; positive before negative."""
    return (0, 0.0, False) if v == 0 else (1, abs(math.log10(abs(v))), v < 0)


@record
class _Choice:
    leaf: int | None  # the knob's leaf (None: presence of the series)
    fire: Knobs
    silent: Knobs


def _search_leaf(model: _Model, i: int) -> _Choice | None:
    leaf = model.reading.leaves[i]
    base: Knobs = tuple(None if lf.in_absent else model.base(lf) for lf in model.reading.leaves)

    def knobs(v: float) -> Knobs:
        return (*base[:i], v, *base[i + 1:])

    def fires(v: float) -> bool:
        return model.fires(knobs(v))

    if leaf.kind == "bucket":
        lo, hi = 0.0, float(BUCKET_OBSERVATIONS)
        if fires(lo) == fires(hi):
            return None
        want_hi = fires(hi)
        while hi - lo > 1:
            mid = float((lo + hi) // 2)
            if fires(mid) == want_hi:
                hi = mid
            else:
                lo = mid
        # Step away from the boundary until both versions agree (float noise at the threshold).
        step = 1.0 if want_hi else -1.0
        top = float(BUCKET_OBSERVATIONS)
        on_fire = [min(max(v, 0.0), top) for v in ((hi if want_hi else lo) + k * step for k in range(50))]
        on_silent = [min(max(v, 0.0), top) for v in ((lo if want_hi else hi) - k * step for k in range(50))]
        fire_at = next((v for v in on_fire if model.robust(knobs(v), True)), None)
        silent_below = next((v for v in on_silent if model.robust(knobs(v), False)), None)
        if fire_at is None or silent_below is None:
            return None
        return _Choice(i, knobs(fire_at), knobs(silent_below))
    grid = _grid(leaf.kind, model.site, model.interval)
    results = [fires(v) for v in grid]
    crossings = [(grid[k], grid[k + 1]) for k in range(len(grid) - 1) if results[k] != results[k + 1]]
    if not crossings:
        return None
    site = model.site
    if site is None or site.threshold in (None, 0) or site.op in ("==", "!="):
        fires_at = sorted((v for v, r in zip(grid, results, strict=True) if r), key=_preference)
        silent_at = sorted((v for v, r in zip(grid, results, strict=True) if not r), key=_preference)
        fire = next((v for v in fires_at if model.robust(knobs(v), True)), None)
        silent = next((v for v in silent_at if model.robust(knobs(v), False)), None)
        return None if fire is None or silent is None else _Choice(i, knobs(fire), knobs(silent))
    a, b = min(crossings, key=lambda ab: _preference(ab[0]))
    # Candidates may lie one grid step beyond the crossing (where the value is still robust).
    bracket = (grid[max(grid.index(a) - 1, 0)], grid[min(grid.index(b) + 1, len(grid) - 1)])
    fa = fires(a)
    for _ in range(60):
        mid = (a + b) / 2
        if mid in (a, b) or abs(b - a) <= 1e-9 * max(abs(a), abs(b)):
            break
        if fires(mid) == fa:
            a = mid
        else:
            b = mid
    lo, hi = sorted((a, b))
    threshold = site.threshold
    assert threshold is not None

    def close(v: float, within: float) -> bool:
        got = model.operand(knobs(v))
        return bool(got) and all(abs(x - threshold) <= within * abs(threshold) for x in got)

    def pick(want: bool) -> float | None:
        def ok(v: float, within: float | None) -> bool:
            return (bracket[0] <= v <= bracket[1] and model.robust(knobs(v), want)
                    and (within is None or close(v, within)))

        tiers: tuple[float | None, ...] = (*CLOSE, None)
        for within in tiers:
            def accept(v: float, within: float | None = within) -> bool:
                return ok(v, within)

            found = shortest_near((lo + hi) / 2, accept)
            if found is not None:
                return found
        return None

    chosen_fire, chosen_silent = pick(True), pick(False)
    if chosen_fire is None or chosen_silent is None:
        return None
    return _Choice(i, knobs(chosen_fire), knobs(chosen_silent))


def _search_presence(model: _Model, i: int) -> _Choice | None:
    # A series whose presence is what matters reads best as 1.
    base: Knobs = tuple(1.0 if lf.in_absent and lf.kind == "gauge" else model.base(lf) for lf in model.reading.leaves)
    present = base
    absent = (*base[:i], None, *base[i + 1:])
    if model.robust(absent, True) and model.robust(present, False):
        return _Choice(None, absent, present)
    if model.robust(present, True) and model.robust(absent, False):
        return _Choice(None, present, absent)
    return None


def _search(model: _Model) -> _Choice:
    leaves = model.reading.leaves
    # Series picked out by matchers (the 5xx requests, one instance) vary first: they are what a
    # reader expects to change.
    by_specificity = sorted(range(len(leaves)), key=lambda i: -len(leaves[i].matchers))
    presence: list[tuple[Callable[[_Model, int], _Choice | None], int]] = [(_search_presence, i) for i in by_specificity]
    knobs: list[tuple[Callable[[_Model, int], _Choice | None], int]] = [(_search_leaf, i) for i in by_specificity]
    for search, i in (presence + knobs if any(lf.in_absent for lf in leaves) else knobs + presence):
        found = search(model, i)
        if found is not None:
            return found
    raise ScaffoldError(f"found no input that makes {model.rule.name} fire and another that keeps it silent "
                        f"(tried each of {', '.join(lf.describe() for lf in leaves)} as the varying series): "
                        "write the input series by hand")


# --- the test file ------------------------------------------------------------------------------------


@record
class _Timeline:
    fire_at: int
    pending_at: int | None
    silent_at: int
    end: int
    expected: tuple[tuple[Labels, Labels], ...]  # (labels without alertname, annotations)
    active_at: int


def _timeline(model: _Model, choice: _Choice) -> _Timeline:
    rule = model.rule
    horizon = model.probe_t + rule.for_ms + 4 * model.interval
    sim = Simulation(model.groups, model.inputs(choice.fire, horizon), SimulationOptions(model.sem, model.interval),
                     record=[rule.name])
    fire_at = active_at = None
    expected: tuple[tuple[Labels, Labels], ...] = ()
    for outcome in sim.run(0, horizon):
        if outcome.failed:
            raise ScaffoldError("the rules fail to evaluate on generated input")
        alerts = sim.firing(rule.name)
        if active_at is None and sim.alerts(rule.name):
            active_at = outcome.t
        if alerts:
            fire_at = outcome.t
            expected = tuple(sorted((tuple((k, v) for k, v in a.labels if k != "alertname"), a.annotations)
                                    for a in alerts))
            break
    if fire_at is None or active_at is None:
        raise ScaffoldError(f"{rule.name} does not fire on the input that makes its expression true "
                            f"(within {format_duration(horizon)})")
    pending_at = None
    if rule.for_ms > 0:
        pending_at = fire_at - model.interval
        states = [s for s in sim.history(rule.name) if s.t == pending_at]
        if not states or not any(a.state == AlertState.PENDING for a in states[0].alerts):
            pending_at = None
    silent_at = fire_at + max(rule.for_ms, model.interval)
    return _Timeline(fire_at, pending_at, silent_at, max(fire_at, silent_at), expected, active_at)


def _operand_note(model: _Model, knobs: Knobs) -> str:
    site = model.site
    if site is None or site.threshold is None:
        return "the expression returns " + ("a result" if model.fires(knobs) else "nothing")
    values = model.operand(knobs)
    got = ", ".join(f"{v:.4g}" for v in values) if values else "nothing"
    op_text = A.to_promql(site.operand)
    if len(op_text) > 60:
        op_text = op_text[:59] + "…"
    return f"{op_text} = {got} (threshold {site.op} {fmt(site.threshold)})"


def _group_lines(model: _Model, name: str, knobs: Knobs, steps: int, checks: list[str], note: str) -> list[str]:
    every = format_duration(model.interval)
    series = model.series(knobs, steps)
    lines = [f"  - name: {quoted(name)}", f"    # {note}", f"    interval: {every}",
             "    input_series:" if series else "    input_series: []  # the alert fires when its series is absent"]
    for labels, values, what in series:
        if what:
            lines.append(f"      # {what}")
        lines.append(f"      - series: {series_text(labels)}")
        lines.append(f"        values: '{values}'")
    lines.append("    alert_rule_test:")
    lines.extend(checks)
    return lines


def _check(alert: str, at: int, comment: str, expected: tuple[tuple[Labels, Labels], ...] = ()) -> list[str]:
    lines = [f"      # {comment}", f"      - alertname: {alert}", f"        eval_time: {format_duration(at)}"]
    if not expected:
        lines.append("        exp_alerts: []")
        return lines
    lines.append("        exp_alerts:")
    for labels, rendered in expected:
        lines.append("          - exp_labels:")
        lines.extend(f"              {k}: {quoted(v)}" for k, v in labels)
        if rendered:
            lines.append("            exp_annotations:")
            lines.extend(f"              {k}: {quoted(v)}" for k, v in rendered)
    return lines


def _render(model: _Model, choice: _Choice, tl: _Timeline, rule_refs: Sequence[str], duplicates: int,
            order: Sequence[str]) -> str:
    rule = model.rule
    every = format_duration(model.interval)
    steps = tl.end // model.interval
    expr_lines = rule.expr.strip().splitlines()
    head = [f"# Test of the alert {rule.name} ({os.path.relpath(rule.file)}:{rule.line}), written by `ruletest new`.",
            "# The input values were found by evaluating the rules; review the names and values before committing.",
            f"#   expr: {expr_lines[0]}"]
    head += [f"#         {ln}" for ln in expr_lines[1:]]
    head.append(f"#   for: {format_duration(rule.for_ms)}")
    for rec in model.reading.recordings:
        head.append(f"# It reads {rec.name}, recorded by {os.path.relpath(rec.file)}:{rec.line} from the input series.")
    if model.coarsened:
        head.append(f"# Evaluated every {every}, longer than the rules' own interval: their windows reach "
                    f"{format_duration(model.reading.max_window_ms)}.")
    if duplicates:
        head.append(f"# {duplicates} other rule(s) named {rule.name} exist; this file tests the first one.")
    lines = [*head, "rule_files:"]
    lines += [f"  - {quoted(ref)}" for ref in rule_refs]
    lines.append(f"evaluation_interval: {every}")
    if len(order) > 1:
        # promtool evaluates groups in random order unless told: recording rules first.
        lines.append("group_eval_order: [" + ", ".join(quoted(g) for g in order) + "]")
    lines.append("tests:")
    fire_checks: list[str] = []
    active = format_duration(tl.active_at)
    if tl.pending_at is not None:
        fire_checks += _check(rule.name, tl.pending_at,
                              f"The condition holds from {active}; `for: {format_duration(rule.for_ms)}` has not "
                              "elapsed yet: pending, not firing.")
    else:
        fire_checks += [f"      # The condition holds from {active}"
                        + (" and the alert has no `for`: it fires at once." if rule.for_ms == 0 else ".")]
    fire_checks += _check(rule.name, tl.fire_at, f"Firing once `for` has elapsed ({format_duration(tl.fire_at)}).",
                          tl.expected)
    lines += _group_lines(model, f"{rule.name} fires once for has elapsed", choice.fire, steps, fire_checks,
                          _operand_note(model, choice.fire))
    silent_checks = _check(rule.name, tl.silent_at, "On the silent side of the threshold: not firing, even once "
                                                    "`for` has elapsed.")
    lines += _group_lines(model, f"{rule.name} silent just below the threshold", choice.silent, steps, silent_checks,
                          _operand_note(model, choice.silent))
    return "\n".join(lines) + "\n"


# --- entry points ------------------------------------------------------------------------------------


@record
class ScaffoldOptions:
    semantics: Semantics
    evaluation_interval_ms: int | None = None  # default: the rule group's interval, else the next one
    default_interval_ms: int = 60_000  # the global evaluation interval (Prometheus' default: 1m)


def _site(rule: Rule, version: int) -> Site | None:
    try:
        root = A.parse(rule.expr, version)
    except PromQLSyntaxError:
        return None
    return next((s for s in comparison_sites(root) if s.threshold is not None and s.timed), None)


def scaffold_rule(rule: Rule, groups: Sequence[RuleGroup], options: ScaffoldOptions, *,
                  base_dir: str | Path = ".") -> str:
    """A promtool test file for the alerting ``rule`` (``groups``: every loaded rule group, for
    the recording rules it reads). ``rule_files`` are written relative to ``base_dir``."""
    if not rule.is_alert:
        raise ScaffoldError(f"{rule.name} is a recording rule; `ruletest new` writes tests for alerts")
    sem = options.semantics
    recorded = {r.name: r for g in groups for r in g.rules if not r.is_alert}
    try:
        reading = read_by(rule, recorded, sem.version)
        labels = label_sets(reading.leaves, reading.shared_labels)
    except InputError as exc:
        raise ScaffoldError(exc.message) from None
    # Selectors that land on the same series (a metric read twice) are one input.
    first: dict[Labels, int] = {}
    for i, lb in enumerate(labels):
        first.setdefault(lb, i)
    keep = sorted(first.values())
    reading = dataclasses.replace(reading, leaves=tuple(reading.leaves[i] for i in keep))
    labels = [labels[i] for i in keep]
    if not reading.leaves:
        raise ScaffoldError(f"{rule.name} reads no series: nothing to write input for")
    group = next(g for g in groups if g.name == rule.group and g.file == rule.file)
    interval = options.evaluation_interval_ms or group.interval_ms or options.default_interval_ms
    coarse = None
    if options.evaluation_interval_ms is None:
        coarse = _coarser(interval, max(reading.max_window_ms, 5 * 60_000) + rule.for_ms)
    if coarse is not None:
        interval = coarse
    impact = Impact(groups, sem.version)
    # Every alerting rule with this name: promtool checks them together.
    needed = impact.needed({rule_key(r) for g in groups for r in g.rules if r.is_alert and r.name == rule.name})
    kept = [dataclasses.replace(g, rules=tuple(r for r in g.rules if rule_key(r) in needed)) for g in groups]
    kept = [g for g in kept if g.rules]
    site = _site(rule, sem.version)
    threshold = site.threshold if site is not None and site.threshold and site.threshold > 0 else 1.0
    buckets = (*(nice(threshold * f) for f in (0.25, 0.5, 1, 2, 4)), math.inf)
    window = max(reading.max_window_ms, 5 * 60_000)
    probe_t = (window // interval + 3) * interval
    model = _Model(rule, kept, sem, interval, reading, labels, site, probe_t, buckets)
    model.coarsened = coarse is not None
    other_sem = Semantics.of(2 if sem.v3 else 3, sem.features if sem.v3 else ())
    if _loads(kept, other_sem):
        model.other = _Model(rule, kept, other_sem, interval, reading, labels, site, probe_t, buckets,
                             trials=model.trials)
    model.shuffled = _Model(rule, kept, sem, interval, reading, labels, site, probe_t, buckets, reversed_inputs=True,
                            trials=model.trials)
    choice = _search(model)
    timeline = _timeline(model, choice)
    files = list(dict.fromkeys(g.file for g in kept))
    refs = [os.path.relpath(f, base_dir) for f in files]
    duplicates = sum(1 for g in groups for r in g.rules if r.is_alert and r.name == rule.name) - 1
    order = [g.name for g in groups if g.file in files]
    text = _render(model, choice, timeline, refs, duplicates, order)
    _verify(text, Path(base_dir) / "scaffold_test.yml", sem)
    return text


MAX_TRIALS = 600  # runs of the rules one scaffold may spend searching
MAX_STEPS = 720  # evaluations per trial run; longer windows get a coarser test interval
_NICE_INTERVALS = [d * 1000 for d in (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)]


def _coarser(interval: int, span_ms: int) -> int | None:
    """A longer evaluation interval when the rules' windows (plus `for`) need more than
    MAX_STEPS evaluations at ``interval``: a test of a 3d burn rate need not evaluate every minute."""
    if span_ms // interval <= MAX_STEPS:
        return None
    return next((d for d in _NICE_INTERVALS if d > interval and span_ms // d <= MAX_STEPS), _NICE_INTERVALS[-1])


def _loads(groups: Sequence[RuleGroup], sem: Semantics) -> bool:
    try:
        for g in groups:
            for r in g.rules:
                A.parse(r.expr, sem.version)
    except PromQLSyntaxError:
        return False
    return True


def _verify(text: str, where: Path, sem: Semantics) -> None:
    """The scaffold must pass, under these semantics and under Prometheus 2's when its rules load there."""
    tf = load_test_source(parse_source(text, str(where)))
    for semantics in dict.fromkeys([sem, Semantics.of(2)]):
        result = run_test_file(tf, RunOptions(semantics, explain=False))
        if result.passed:
            continue
        if semantics != sem and result.unreadable:
            continue  # the rules are not Prometheus 2 rules: promtool 2 cannot run this file anyway
        problems = "; ".join(message(p) for p in result.all_problems()[:3])
        raise ScaffoldError(f"the scaffolded test does not pass under {semantics.describe()} ({problems}); "
                            "please report this")


def find_alert(name: str, groups: Sequence[RuleGroup]) -> Rule:
    for g in groups:
        for r in g.rules:
            if r.is_alert and r.name == name:
                return r
    import difflib

    names = sorted({r.name for g in groups for r in g.rules if r.is_alert})
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ScaffoldError(f"no alerting rule named {name!r} in the rule files{hint}")


def scaffold(alert: str, rule_files: Sequence[str | Path], *, output: str | Path | None = None,
             prometheus: int = 3, features: Sequence[str] = (), evaluation_interval: str | None = None) -> str:
    """The text of a promtool test file for ``alert``, from the rule files that define it and the
    recording rules it reads. ``output``: where the file will live (its ``rule_files`` are written
    relative to it); nothing is written. ``evaluation_interval``: e.g. ``"15s"`` (default: the
    rule group's interval, else 1m)."""
    from ruletest.durations import parse_duration

    sem = Semantics.of(prometheus, features)
    groups = load_groups(rule_files, sem)
    rule = find_alert(alert, groups)
    interval = parse_duration(evaluation_interval) if evaluation_interval else None
    base = Path(output).parent if output is not None else Path(".")
    return scaffold_rule(rule, groups, ScaffoldOptions(sem, interval), base_dir=base)


def untested_alerts(groups: Sequence[RuleGroup], test_files: Sequence[str | Path]) -> list[Rule]:
    """Alerting rules no ``alert_rule_test`` of the test files names (first rule of each name)."""
    from ruletest.promtool_format import TestFileError, load_test_file

    tested: set[str] = set()
    for f in test_files:
        try:
            tf = load_test_file(f)
        except TestFileError:
            continue
        tested |= {at.alertname for tg in tf.tests for at in tg.alert_tests}
    out: dict[str, Rule] = {}
    for g in groups:
        for r in g.rules:
            if r.is_alert and r.name not in tested:
                out.setdefault(r.name, r)
    return list(out.values())
