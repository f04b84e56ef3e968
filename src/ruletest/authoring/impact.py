"""Which rules and tests a change to one rule can reach, through the series rules write and read.

A mutant of rule R changes R's output and, through it, the rules that read that output (the
*affected* rules). A test group whose assertions look at none of them can only notice the mutant
when an affected rule fails to evaluate; that needs only the affected rules and what they read
(*upstream*), so the group runs with that subset instead of every rule. The analysis is
conservative: a selector without a metric name, or a template calling ``query``, reads everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ruletest.authoring.mutations import RuleKey, rule_key
from ruletest.errors import PromQLSyntaxError
from ruletest.lint.flow import metric_name, selectors
from ruletest.promql import ast as A
from ruletest.promtool_format import TestGroup
from ruletest.rules.model import Rule, RuleGroup

ALERT_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})


@dataclass(frozen=True)
class Reads:
    names: frozenset[str]
    everything: bool = False

    def touches(self, written: frozenset[str]) -> bool:
        return self.everything or bool(self.names & written)


def reads_of(expr: str, version: int) -> Reads:
    try:
        root = A.parse(expr, version)
    except PromQLSyntaxError:
        return Reads(frozenset(), True)
    names = set()
    for vs, _ in selectors(root):
        name = metric_name(vs)
        if name is None:
            return Reads(frozenset(), True)
        names.add(name)
    return Reads(frozenset(names))


def _rule_reads(rule: Rule, version: int) -> Reads:
    if any("query" in v for _, v in (*rule.labels, *rule.annotations)):
        return Reads(frozenset(), True)
    return reads_of(rule.expr, version)


def writes_of(rule: Rule) -> frozenset[str]:
    return ALERT_SERIES if rule.is_alert else frozenset({rule.name})


class Impact:
    """The read/write graph of the rules one test file loads."""

    def __init__(self, groups: Sequence[RuleGroup], version: int) -> None:
        self.rules = [r for g in groups for r in g.rules]
        self.version = version
        self.reads = {rule_key(r): _rule_reads(r, version) for r in self.rules}
        self.writes = {rule_key(r): writes_of(r) for r in self.rules}

    def affected(self, key: RuleKey) -> set[RuleKey]:
        """The rule and every rule reading (transitively) what it writes."""
        out = {key}
        frontier = [key]
        while frontier:
            written = self.writes[frontier.pop()]
            for r in self.rules:
                k = rule_key(r)
                if k not in out and self.reads[k].touches(written):
                    out.add(k)
                    frontier.append(k)
        return out

    def needed(self, keys: set[RuleKey]) -> set[RuleKey]:
        """``keys``, the rules they read from (transitively), and rules writing the same series
        (two rules recording one name can collide)."""
        out = set(keys)
        frontier = list(keys)
        while frontier:
            reads = self.reads[frontier.pop()]
            for r in self.rules:
                k = rule_key(r)
                if k not in out and reads.touches(self.writes[k]):
                    out.add(k)
                    frontier.append(k)
        written = frozenset().union(*(self.writes[k] for k in out)) - ALERT_SERIES
        out |= {rule_key(r) for r in self.rules if self.writes[rule_key(r)] & written}
        return out

    def observes(self, tg: TestGroup, affected: set[RuleKey]) -> bool:
        """Whether an assertion of ``tg`` looks at an affected rule's output."""
        alerts = {r.name for r in self.rules if r.is_alert and rule_key(r) in affected}
        if any(at.alertname in alerts for at in tg.alert_tests):
            return True
        written = frozenset().union(*(self.writes[k] for k in affected))
        return any(reads_of(et.expr, self.version).touches(written) for et in tg.expr_tests)
