"""Which rules and tests a change to one rule can reach, through the series rules write and read.

A mutant of rule R changes R's output and, through it, the rules that read that output (the
*affected* rules); every other rule computes what it computed without the mutant, which passed
the tests. So a test group needs only the affected rules, the rules its assertions read, and
what those read in turn (*needed*). A group whose assertions look at no affected rule can only
notice the mutant when an affected rule fails to evaluate: it runs the affected rules alone. The analysis is
conservative: a selector without a metric name, or a template calling ``query``, reads everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from ruletest.authoring.mutations import RuleKey, rule_key
from ruletest.errors import PromQLSyntaxError
from ruletest.lint.flow import selectors
from ruletest.promql import ast as A
from ruletest.promql.ast import metric_name
from ruletest.promtool_format import TestGroup
from ruletest.records import record
from ruletest.rules.model import Rule, RuleGroup
from ruletest.templates import TemplateError, parse_alert_text
from ruletest.templates.parse import IdentifierNode

ALERT_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})


@record
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


def calls_query(text: str, version: int) -> bool:
    """Whether an alert template calls ``query`` (which can read any series)."""
    if "query" not in text:
        return False
    try:
        tmpl = parse_alert_text(text, "x", version)
    except TemplateError:
        return False  # never executed: Prometheus renders the parse error instead
    stack: list[object] = [tmpl.root, *tmpl.defines.values()]
    while stack:
        node = stack.pop()
        if isinstance(node, IdentifierNode) and node.name == "query":
            return True
        if isinstance(node, list):
            stack.extend(node)
        elif dataclasses.is_dataclass(node):
            stack.extend(getattr(node, f.name) for f in dataclasses.fields(node))
    return False


def writes_of(rule: Rule) -> frozenset[str]:
    return ALERT_SERIES if rule.is_alert else frozenset({rule.name})


class Impact:
    """The read/write graph of the rules one test file loads.

    Templates calling ``query`` read anything, but they only change that alert's annotations,
    which no series carries and no rule reads, and their errors are rendered, never raised: they
    matter only to a test group asserting on that alert."""

    def __init__(self, groups: Sequence[RuleGroup], version: int) -> None:
        self.rules = [r for g in groups for r in g.rules]
        self.version = version
        self.keys = [rule_key(r) for r in self.rules]
        self.reads = {rule_key(r): reads_of(r.expr, version) for r in self.rules}
        self.writes = {rule_key(r): writes_of(r) for r in self.rules}
        self.querying = {rule_key(r) for r in self.rules if r.is_alert and any(
            calls_query(v, version) for _, v in (*r.labels, *r.annotations))}
        self._affected: dict[RuleKey, set[RuleKey]] = {}
        self._test_reads: dict[str, Reads] = {}

    def affected(self, key: RuleKey) -> set[RuleKey]:
        """The rule and every rule reading (transitively) what it writes."""
        hit = self._affected.get(key)
        if hit is None:
            hit = self._affected[key] = self._closure({key}, lambda k, other: self.reads[other].touches(self.writes[k]))
        return hit

    def _closure(self, start: set[RuleKey], linked: Callable[[RuleKey, RuleKey], bool]) -> set[RuleKey]:
        out = set(start)
        frontier = list(start)
        while frontier:
            k = frontier.pop()
            for other in self.keys:
                if other not in out and linked(k, other):
                    out.add(other)
                    frontier.append(other)
        return out

    def needed(self, keys: set[RuleKey], templates: set[RuleKey] | None = None) -> set[RuleKey]:
        """``keys``, the rules they read from (transitively), and rules writing the same series
        (two rules recording one name can collide). ``templates``: alerts whose annotations are
        asserted, so what their ``query`` calls read is needed too (anything)."""
        if templates and templates & self.querying:
            return set(self.keys)
        out = self._closure(keys, lambda k, other: self.reads[k].touches(self.writes[other]))
        written = frozenset().union(*(self.writes[k] for k in out)) - ALERT_SERIES
        return out | {k for k in self.keys if self.writes[k] & written}

    def asserted(self, tg: TestGroup) -> set[RuleKey]:
        """The rules whose output an assertion of ``tg`` reads: the alerts it names, the rules
        writing what its expressions select."""
        names = None if tg.notification_tests else tg.alert_names()  # None: all
        out = {rule_key(r) for r in self.rules if r.is_alert and (names is None or r.name in names)}
        for et in tg.expr_tests:
            reads = self._expr_reads(et.expr)
            out |= {rule_key(r) for r in self.rules if reads.touches(self.writes[rule_key(r)])}
        return out

    def _expr_reads(self, expr: str) -> Reads:
        reads = self._test_reads.get(expr)
        if reads is None:
            reads = self._test_reads[expr] = reads_of(expr, self.version)
        return reads

    def observes(self, tg: TestGroup, affected: set[RuleKey]) -> bool:
        """Whether an assertion of ``tg`` looks at an affected rule's output (or at the
        annotations of an alert whose templates query the data)."""
        alerts = {r.name for r in self.rules if r.is_alert and (rule_key(r) in affected or rule_key(r) in self.querying)}
        names = None if tg.notification_tests else tg.alert_names()  # None: all
        if alerts and (names is None or names & alerts):
            return True
        written = frozenset().union(*(self.writes[k] for k in affected))
        return any(self._expr_reads(et.expr).touches(written) for et in tg.expr_tests)
