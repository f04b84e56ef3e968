"""What checks see: one rule with its parsed expression and label flow, and the whole rule set."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ruletest.lint.config import LintConfig
from ruletest.lint.flow import Flow, flow
from ruletest.promql import ast as A
from ruletest.promql.parser import ParseOptions
from ruletest.rules.model import Rule, RuleGroup
from ruletest.semantics import Semantics


@dataclass
class LintContext:
    groups: list[RuleGroup]
    config: LintConfig
    # --changed: recording rules at the base revision (name -> where), to find removed ones.
    base_recordings: dict[str, str] | None = None

    @cached_property
    def recorded(self) -> set[str]:
        return {r.name for g in self.groups for r in g.rules if not r.is_alert}

    @cached_property
    def recording_exprs(self) -> dict[str, str]:
        """Recording rule name -> its expression text (the first rule of that name)."""
        out: dict[str, str] = {}
        for g in self.groups:
            for r in g.rules:
                if not r.is_alert:
                    out.setdefault(r.name, r.expr)
        return out

    @cached_property
    def recording_groups(self) -> dict[str, list[RuleGroup]]:
        """Recording rule name -> the groups that record it."""
        out: dict[str, list[RuleGroup]] = {}
        for g in self.groups:
            for r in g.rules:
                if not r.is_alert:
                    out.setdefault(r.name, []).append(g)
        return out

    @cached_property
    def semantics(self) -> Semantics:
        return self.config.semantics

    @cached_property
    def parse_options(self) -> ParseOptions:
        return ParseOptions.for_lint(self.semantics)

    def parsed(self, expr: str) -> A.Expr | None:
        """``expr`` parsed for the target version (cached by the parser), None if it does not parse."""
        from ruletest.errors import RuletestError

        try:
            return A.parse(expr, self.parse_options)
        except RuletestError:
            return None

    @cached_property
    def recording_rules(self) -> dict[str, list[tuple[Rule, RuleGroup]]]:
        """Recording rule name -> every rule recording it, with its group."""
        out: dict[str, list[tuple[Rule, RuleGroup]]] = {}
        for g in self.groups:
            for r in g.rules:
                if not r.is_alert:
                    out.setdefault(r.name, []).append((r, g))
        return out

    def recorders(self, vs: A.VectorSelector) -> list[tuple[Rule, RuleGroup]]:
        """The recording rules whose series ``vs`` can select: those of its name whose static
        labels and pinned label values (label flow) its matchers admit (a rule recording
        `x{job="a"}` is not read by `x{job="b"}`)."""
        from ruletest.lint.flow import NAME
        from ruletest.promql.ast import metric_name

        out = []
        for r, g in self.recording_rules.get(metric_name(vs) or "", []):
            expr = self.parsed(r.expr)
            f = flow(expr) if expr is not None else None
            static = dict(r.labels)
            admitted = True
            for m in vs.matchers:
                if m.name == NAME:
                    continue
                values = frozenset({static[m.name]}) if m.name in static else f.known(m.name) if f else None
                if values is not None and not any(m.matches(v, self.config.semantics.regex_dot_all) for v in values):
                    admitted = False
                    break
            if admitted:
                out.append((r, g))
        return out

    @cached_property
    def recording_reads(self) -> dict[str, set[str]]:
        """Recording rule name -> the recorded series its expression reads."""
        from ruletest.lint.flow import selectors
        from ruletest.promql.ast import metric_name

        out: dict[str, set[str]] = {}
        for g in self.groups:
            for r in g.rules:
                expr = None if r.is_alert else self.parsed(r.expr)
                if expr is None:
                    continue
                names = {metric_name(vs) for vs, _ in selectors(expr)}
                out.setdefault(r.name, set()).update(n for n in names if n is not None and n in self.recorded)
        return out

    @cached_property
    def rules_by_identity(self) -> dict[tuple[str, str, tuple[tuple[str, str], ...], str], list[Rule]]:
        """(kind, name, labels, expr) -> the rules with exactly that definition."""
        out: dict[tuple[str, str, tuple[tuple[str, str], ...], str], list[Rule]] = {}
        for g in self.groups:
            for r in g.rules:
                out.setdefault((r.kind, r.name, r.labels, r.expr.strip()), []).append(r)
        return out

    @cached_property
    def recorded_exprs(self) -> dict[str, str]:
        """Canonical text of each recording rule's expression -> the rule's name."""
        out: dict[str, str] = {}
        for name, text in self.recording_exprs.items():
            expr = self.parsed(text)
            if expr is not None:
                out.setdefault(A.to_promql(expr), name)
        return out

    @cached_property
    def alert_names(self) -> set[str]:
        return {r.name for g in self.groups for r in g.rules if r.is_alert}


@dataclass
class RuleContext:
    rule: Rule
    group: RuleGroup
    expr: A.Expr
    lint: LintContext

    @property
    def config(self) -> LintConfig:
        return self.lint.config

    @property
    def semantics(self) -> Semantics:
        return self.lint.semantics

    @cached_property
    def flow(self) -> Flow:
        return flow(self.expr)


def expression_context(expr_text: str, expr: A.Expr, lint: LintContext, *, file: str, line: int,
                       name: str) -> RuleContext:
    """A context for a bare PromQL expression that belongs to no rule (a dashboard query): a
    stand-in recording rule, alone in its group, with no labels. Checks that read only the
    expression and the rule set run on it unchanged; checks about rules themselves (names, labels,
    groups, `for`) mean nothing here and must not be run on it."""
    rule = Rule("record", name, expr_text, (), (), 0, 0, file, "", line, line, 0)
    return RuleContext(rule, RuleGroup("", file, line, None, 0, 0, (), (rule,)), expr, lint)
