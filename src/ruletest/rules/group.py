"""Evaluating one rule group at a timestamp (``rules/group.go``): rules run in order, each one's
output is written back before the next runs, series that disappear get stale markers, and a
rule's error is recorded without stopping the others."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from ruletest.errors import PromQLEvalError, RuletestError
from ruletest.promql import ast as A
from ruletest.promql.engine import Engine
from ruletest.promql.parse_options import ParseOptions
from ruletest.promql.storage import DuplicateSampleError, Storage
from ruletest.promql.values import METRIC_NAME, STALE, Labels, Sample, Scalar, Vector, labels_from
from ruletest.records import record
from ruletest.rules.alerting import AlertingRuleState, TemplateEnv, template_value
from ruletest.rules.invariance import ReusePlan, RuleQuery
from ruletest.rules.model import Rule, RuleGroup
from ruletest.semantics import Semantics

if TYPE_CHECKING:
    from ruletest.templates.values import PointerValue


@record
class RuleError:
    """A rule that failed to evaluate at a time."""

    rule: Rule
    ts: int
    message: str


def rule_expression(rule: Rule, semantics: Semantics) -> A.Expr:
    """The expression as Prometheus evaluates it: rules run ``expr.String()``, which sorts each
    selector's matchers. Only ``absent()`` can tell (it derives labels in matcher order)."""
    return _rule_plan(rule.expr, ParseOptions.for_semantics(semantics)).expr


@lru_cache(maxsize=4096)
def _rule_plan(expr: str, options: ParseOptions) -> ReusePlan:
    """The tree and its reuse analysis, once per expression (every test group of a file
    simulates the same rules)."""
    return ReusePlan.of(_sort_matchers(A.parse(expr, options)))


def _sort_matchers(e: A.Expr) -> A.Expr:
    if isinstance(e, A.VectorSelector):
        name = [m for m in e.matchers if m.name == "__name__" and m.op == "=" and m.value == e.name]
        rest = [m for m in e.matchers if m not in name]
        if len(rest) > 1:
            rest.sort(key=str)  # str quotes the value as Go does: not needed for one matcher
        matchers = tuple(name + rest)
        return e if matchers == e.matchers else replace(e, matchers=matchers)
    if isinstance(e, A.MatrixSelector):
        sel = _sort_matchers(e.selector)
        assert isinstance(sel, A.VectorSelector)
        return replace(e, selector=sel)
    if isinstance(e, A.Call):
        return replace(e, args=tuple(_sort_matchers(a) for a in e.args))
    if isinstance(e, A.Subquery | A.Paren | A.Unary):
        return replace(e, expr=_sort_matchers(e.expr))
    if isinstance(e, A.Aggregate):
        param = _sort_matchers(e.param) if e.param is not None else None
        return replace(e, expr=_sort_matchers(e.expr), param=param)
    if isinstance(e, A.Binary):
        return replace(e, lhs=_sort_matchers(e.lhs), rhs=_sort_matchers(e.rhs))
    return e


def query_vector(engine: Engine, expr: A.Expr, t: int) -> list[Sample]:
    value = engine.query(expr, t)
    if isinstance(value, Vector):
        return list(value.samples)
    if isinstance(value, Scalar):
        return [Sample((), value.value)]
    raise PromQLEvalError("rule result is not a vector or scalar")


class _RuleState:
    """One rule of a group across evaluations."""

    __slots__ = ("alert", "last_result", "previous", "query", "recorded", "relabelled", "rule", "written")

    def __init__(self, rule: Rule, query: RuleQuery) -> None:
        self.rule = rule
        self.query = query
        self.alert = AlertingRuleState(rule) if rule.is_alert else None
        self.last_result: list[Sample] = []
        self.previous: dict[Labels, None] = {}  # the series it wrote last time
        self.written: list[Sample] | None = None  # the samples it wrote last time, if it wrote them all
        # Recording rules: the output label set of each input label set seen, and the samples
        # recorded from the last result (the same when the query reuses that result).
        self.relabelled: dict[Labels, Labels] = {}
        self.recorded: tuple[list[Sample], list[Sample]] = ([], [])


@dataclass
class GroupState:
    """One rule group's state across evaluations: the alerts of its alerting rules, the series
    each rule wrote last time (to mark the ones that disappear stale) and each rule's last result."""

    group: RuleGroup
    _rules: list[_RuleState]

    @classmethod
    def create(cls, group: RuleGroup, semantics: Semantics) -> GroupState:
        options = ParseOptions.for_semantics(semantics)
        return cls(group, [_RuleState(r, RuleQuery(_rule_plan(r.expr, options))) for r in group.rules])

    def alerting_rules(self) -> list[AlertingRuleState]:
        return [r.alert for r in self._rules if r.alert is not None]

    def alerting(self) -> list[tuple[int, AlertingRuleState]]:
        """(rule index in the group, state) of each alerting rule."""
        return [(i, r.alert) for i, r in enumerate(self._rules) if r.alert is not None]

    def last_result(self, rule_index: int) -> list[Sample]:
        """The rule's expression result at the last evaluation (empty before the first)."""
        return self._rules[rule_index].last_result

    def eval(self, ts: int, engine: Engine, storage: Storage, env: TemplateEnv) -> list[RuleError]:
        errors: list[RuleError] = []
        query_ts = ts - self.group.query_offset_ms

        def template_query(q: str, t: int) -> list[PointerValue]:
            from ruletest.templates import make_sample

            samples = query_vector(engine, engine.parse(q), t)
            return [make_sample(s.labels, template_value(s)) for s in samples]

        limit = self.group.limit
        append = storage.append
        for state in self._rules:
            try:
                result = state.query.evaluate(engine, query_ts, query_vector)
                state.last_result = result
                if state.alert is not None:
                    samples = state.alert.eval(result, ts, query_ts, env, limit, template_query)
                elif result is state.recorded[0]:
                    samples = state.recorded[1]
                else:
                    samples = _recorded(state.rule, result, limit, state.relabelled)
                    state.recorded = (result, samples)
            except RuletestError as exc:
                errors.append(RuleError(state.rule, ts, exc.message))
                continue
            previous = state.previous
            if not samples and not previous:
                continue
            if samples is state.written:
                # Last time's samples again: the same series, none to mark stale. (A duplicate
                # goes the long way, where appending a sample written already changes nothing.)
                try:
                    for s in samples:
                        append(s.labels, query_ts, s.histogram if s.histogram is not None else s.value)
                    continue
                except DuplicateSampleError:
                    pass
            returned: dict[Labels, None] = {}
            failed: str | None = None
            for s in samples:
                try:
                    append(s.labels, query_ts, s.histogram if s.histogram is not None else s.value)
                    returned[s.labels] = None
                except DuplicateSampleError:
                    failed = "duplicate sample for timestamp"
            if previous:
                for labels in previous:
                    if labels not in returned:
                        with contextlib.suppress(DuplicateSampleError):
                            append(labels, query_ts, STALE)
            state.previous = returned
            state.written = samples if failed is None else None
            if failed is not None:
                errors.append(RuleError(state.rule, ts, failed))
        return errors


def _recorded(rule: Rule, result: list[Sample], limit: int, relabelled: dict[Labels, Labels]) -> list[Sample]:
    out = []
    seen: set[Labels] = set()
    for s in result:
        ls = relabelled.get(s.labels)
        if ls is None:
            labels = dict(s.labels)
            labels[METRIC_NAME] = rule.name
            labels.update(dict(rule.labels))
            ls = labels_from(labels)
            if len(relabelled) > 10_000:
                relabelled.clear()
            relabelled[s.labels] = ls
        if ls in seen:
            raise PromQLEvalError("vector contains metrics with the same labelset after applying rule labels")
        seen.add(ls)
        out.append(Sample(ls, s.value, s.histogram))
    if limit > 0 and len(out) > limit:
        raise PromQLEvalError(f"exceeded limit of {limit} with {len(out)} series")
    return out
