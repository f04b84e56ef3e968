"""The simulation of Prometheus' rule manager over a test's input: the clock, the input feed,
the rule groups' states, and a history of what each alerting rule did at every evaluation.

The promtool runner, the Python API (and anything else that needs rules evaluated over time)
drive this one simulation; they decide when to evaluate and what to check, never how.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import field
from typing import Literal

from ruletest.errors import PromQLEvalError
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.histograms import Annotation, FloatHistogram
from ruletest.promql.reuse import RangeMemo
from ruletest.promql.storage import DuplicateSampleError, Storage
from ruletest.promql.tree_facts import TreeFacts
from ruletest.promql.values import STALE, Labels, Sample, Scalar, Stale, Vector, format_labels
from ruletest.records import record
from ruletest.rules.alerting import Alert, AlertState, Annotations, TemplateEnv
from ruletest.rules.group import GroupState, RuleError, query_vector
from ruletest.rules.model import Rule, RuleGroup
from ruletest.semantics import Semantics


@record
class InputSeries:
    """One input series: sample timestamps (ms, ascending) and their values."""

    labels: Labels
    timestamps: Sequence[int]
    values: Sequence[float | FloatHistogram | Stale]  # native histograms too


@record
class SimulationOptions:
    """How a simulation evaluates: semantics, evaluation interval, external labels and URL, schedule."""

    semantics: Semantics
    # Step of subqueries written without one; promtool uses the test file's evaluation_interval.
    evaluation_interval_ms: int = 60_000
    external_labels: dict[str, str] = field(default_factory=dict)
    external_url: str = ""
    # "promtool": every group at every evaluation_interval step (promtool test rules);
    # "server": each group every `interval` of its own (evaluation_interval when unset), as a
    # Prometheus server runs them, groups due at the same time in file order.
    schedule: Literal["promtool", "server"] = "promtool"


@record
class AlertSnapshot:
    """One alert instance as an evaluation left it."""

    rule: Rule
    labels: Labels
    state: AlertState
    active_at_ms: int
    fired_at_ms: int | None
    resolved_at_ms: int | None
    value: float
    _annotations: Annotations

    @property
    def annotations(self) -> Labels:
        return self._annotations.get()

    @property
    def name(self) -> str:
        return self.rule.name


@record
class RuleStep:
    """What one alerting rule did at one evaluation."""

    t: int
    alerts: tuple[AlertSnapshot, ...]  # every instance it holds, resolved ones included
    result: tuple[Sample, ...]  # its expression's result


@record
class GroupStep:
    """A rule group's alerts right after it was evaluated (what Prometheus sends from)."""

    group: RuleGroup
    interval_ms: int  # the group's own interval (evaluation_interval when unset)
    alerts: tuple[AlertSnapshot, ...]


@record
class StepOutcome:
    """What one evaluation time did: its rule errors, a sample the inputs could not write, the groups evaluated."""

    t: int
    errors: tuple[RuleError, ...] = ()
    load_error: str | None = None  # the input feed could not write a sample
    groups: tuple[GroupStep, ...] = ()  # the groups evaluated at t (with record_groups)

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.load_error is not None


def _snapshot(rule: Rule, a: Alert) -> AlertSnapshot:
    return AlertSnapshot(rule, a.labels, a.state, a.active_at, a.fired_at, a.resolved_at, a.value, a.annotations_at)


class _Feed:
    """Input samples appended to storage as the clock advances (promtool's lazy loader)."""

    def __init__(self, series: Sequence[InputSeries], storage: Storage) -> None:
        self.series = series
        self.pos = [0] * len(series)
        self.storage = storage
        self.next = min((s.timestamps[0] for s in series if s.timestamps), default=math.inf)  # next sample due

    def load_until(self, t: int) -> str | None:
        if t < self.next:
            return None
        nxt: float = math.inf
        for i, s in enumerate(self.series):
            p = self.pos[i]
            ts = s.timestamps
            if p >= len(ts):
                continue
            if ts[p] > t:
                nxt = min(nxt, ts[p])
                continue
            end = bisect_left(ts, t + 1, p)
            for k in range(p, end):
                v = s.values[k]
                try:
                    self.storage.append(s.labels, ts[k], STALE if isinstance(v, Stale) else
                                        v if isinstance(v, FloatHistogram) else float(v))
                except DuplicateSampleError:
                    self.next = -math.inf  # the caller stops here; a later call looks again
                    return f"duplicate sample for timestamp {ts[k]} in series {format_labels(s.labels)}"
            self.pos[i] = end
            if end < len(ts):
                nxt = min(nxt, ts[end])
        self.next = nxt
        return None


class Simulation:
    """Rule groups evaluated over input series, one evaluation time after another."""

    def __init__(self, groups: Sequence[RuleGroup], inputs: Sequence[InputSeries], options: SimulationOptions,
                 *, record: Iterable[str] | None = None, record_groups: bool = False,
                 range_memo: RangeMemo | None = None, tree_facts: TreeFacts | None = None) -> None:
        """``record``: the alert names whose history to keep (``None``: every alerting rule);
        ``record_groups``: report each evaluated group's alerts in the step outcome;
        ``range_memo``, ``tree_facts``: range-function results and analyses of syntax trees
        shared with other simulations."""
        self._record_groups = record_groups
        self.options = options
        self.storage = Storage()
        self.engine = Engine(self.storage, EngineOptions(options.semantics,
                                                         default_step_ms=options.evaluation_interval_ms),
                             range_memo=range_memo, tree_facts=tree_facts)
        self._env = TemplateEnv(dict(options.external_labels), options.external_url, options.semantics)
        self._groups = [GroupState.create(g, options.semantics) for g in groups]
        self.inputs = tuple(inputs)
        self._feed = _Feed(inputs, self.storage)
        wanted = None if record is None else frozenset(record)
        self._recorded = [(st, i, ars) for st in self._groups for i, ars in st.alerting()
                          if wanted is None or ars.rule.name in wanted]
        self._alerting = [ars for st in self._groups for ars in st.alerting_rules()]
        # alert name -> evaluation time -> step (rules sharing a name are merged per time)
        self._history: dict[str, dict[int, RuleStep]] = {}
        self.last_time: int | None = None
        self._origin: int | None = None
        self._intervals = [g.interval_ms or options.evaluation_interval_ms for g in groups]

    @property
    def step_ms(self) -> int:
        """The clock's tick: the evaluation interval, or (server schedule) the largest step that
        reaches every group's evaluation times."""
        if self.options.schedule == "promtool" or not self._intervals:
            return self.options.evaluation_interval_ms
        return math.gcd(*self._intervals)

    # --- the clock ------------------------------------------------------------------------

    def evaluate(self, t: int) -> StepOutcome:
        """Load every input sample at or before ``t``, then evaluate every group at ``t`` in order."""
        load_error = self._feed.load_until(t)
        if load_error is not None:
            return StepOutcome(t, load_error=load_error)
        errors: list[RuleError] = []
        if self._origin is None:
            self._origin = t
        server = self.options.schedule == "server"
        evaluated: list[GroupStep] = []
        for st, interval in zip(self._groups, self._intervals, strict=True):
            if server and interval > 0 and (t - self._origin) % interval:
                continue  # not this group's turn
            errors.extend(st.eval(t, self.engine, self.storage, self._env))
            if self._record_groups:
                evaluated.append(GroupStep(st.group, interval, tuple(
                    _snapshot(ars.rule, a) for ars in st.alerting_rules() for a in ars.instances())))
        self.last_time = t
        for st, index, ars in self._recorded:
            rule = ars.rule
            steps = self._history.setdefault(rule.name, {})
            step = RuleStep(t, tuple(_snapshot(rule, a) for a in ars.instances()), tuple(st.last_result(index)))
            prev = steps.get(t)
            steps[t] = step if prev is None else RuleStep(t, prev.alerts + step.alerts, prev.result + step.result)
        return StepOutcome(t, tuple(errors), groups=tuple(evaluated))

    def load_until(self, t: int) -> str | None:
        """Load input samples without evaluating (when nothing needs evaluating per step)."""
        return self._feed.load_until(t)

    def run(self, start: int, end: int) -> Iterator[StepOutcome]:
        """Evaluate at ``start``, ``start+step_ms``, ... up to ``end``; the caller may stop early.
        A later run continues the same clock (groups stay on their schedule)."""
        if self._origin is None:
            self._origin = start
        step = self.step_ms
        t = start
        while t <= end:
            yield self.evaluate(t)
            if step <= 0:
                return
            t += step

    # --- reading the state ------------------------------------------------------------------

    def alerts(self, name: str) -> list[AlertSnapshot]:
        """Every instance the rules named ``name`` hold now (pending, firing, resolved)."""
        out: list[AlertSnapshot] = []
        for st in self._groups:
            for ars in st.alerting_rules():
                if ars.rule.name == name:
                    out.extend(_snapshot(ars.rule, a) for a in ars.instances())
        return out

    def firing(self, name: str) -> list[AlertSnapshot]:
        return [a for a in self.alerts(name) if a.state == AlertState.FIRING]

    def firing_names(self) -> set[str]:
        return {ars.rule.name for ars in self._alerting if ars.active and ars.firing()}

    def alert_names(self) -> set[str]:
        return {r.name for st in self._groups for r in st.group.rules if r.is_alert}

    def rules(self) -> list[Rule]:
        return [r for st in self._groups for r in st.group.rules]

    def recorded_names(self) -> set[str]:
        """The alert names whose history is kept."""
        return {ars.rule.name for _, _, ars in self._recorded}

    def history(self, name: str) -> list[RuleStep]:
        """The recorded evaluations of the alerting rules named ``name`` (several rules may share
        a name: their steps are merged per evaluation time)."""
        return list(self._history.get(name, {}).values())

    def query(self, expr: str, t: int) -> list[Sample]:
        """Evaluate ``expr`` at ``t`` against everything loaded and recorded so far."""
        return query_vector(self.engine, self.engine.parse(expr), t)

    def query_annotated(self, expr: str, t: int) -> tuple[list[Sample], tuple[Annotation, ...]]:
        """:meth:`query` with the warnings and infos Prometheus would attach to the result."""
        value, notes = self.engine.query_annotated(self.engine.parse(expr), t)
        if isinstance(value, Vector):
            return list(value.samples), notes
        if isinstance(value, Scalar):
            return [Sample((), value.value)], notes
        raise PromQLEvalError("rule result is not a vector or scalar")
