"""Rule files as data: groups of recording and alerting rules, with where they came from."""

from __future__ import annotations

from typing import Literal

from ruletest.promql.values import Labels
from ruletest.records import record


@record
class Rule:
    """A recording or alerting rule as written in its rule file."""

    kind: Literal["record", "alert"]
    name: str
    expr: str
    labels: Labels  # group labels merged under the rule's own labels
    annotations: Labels
    for_ms: int
    keep_firing_for_ms: int
    file: str
    group: str
    line: int
    expr_line: int
    index: int  # position in its group

    @property
    def is_alert(self) -> bool:
        return self.kind == "alert"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@record
class RuleGroup:
    """A rule group: its rules, interval, query offset and limit."""

    name: str
    file: str
    line: int
    interval_ms: int | None  # None: the evaluation interval
    query_offset_ms: int
    limit: int
    labels: Labels
    rules: tuple[Rule, ...]

    def alerting_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.is_alert)
