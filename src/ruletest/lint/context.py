"""What checks see: one rule with its parsed expression and label flow, and the whole rule set."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ruletest.lint.config import LintConfig
from ruletest.lint.flow import Flow, flow
from ruletest.promql import ast as A
from ruletest.rules.model import Rule, RuleGroup


@dataclass
class LintContext:
    groups: list[RuleGroup]
    config: LintConfig

    @cached_property
    def recorded(self) -> set[str]:
        return {r.name for g in self.groups for r in g.rules if not r.is_alert}

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

    @cached_property
    def flow(self) -> Flow:
        return flow(self.expr)
