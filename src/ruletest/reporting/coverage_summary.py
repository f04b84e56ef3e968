"""Rule coverage (:class:`ruletest.coverage.CoverageReport`) as numbers and lists, for the HTML
report and the Markdown summary (the terminal prints ``CoverageReport.text()``)."""

from __future__ import annotations

from ruletest.coverage import CoverageReport, RuleCoverage
from ruletest.records import record


@record
class Fraction:
    covered: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0

    def __str__(self) -> str:
        return f"{self.covered}/{self.total} ({self.percent:.1f}%)" if self.total else "0/0"


@record
class CoverageSummary:
    alerting: Fraction
    recording: Fraction
    total: Fraction
    untested: tuple[tuple[str, str, str], ...]  # (file:line, kind, name)
    one_way: tuple[tuple[str, str, str], ...]  # (file:line, alert name, the missing case: firing / not-firing)


def _fraction(items: list[RuleCoverage]) -> Fraction:
    return Fraction(sum(1 for c in items if c.tested), len(items))


def summarize(report: CoverageReport) -> CoverageSummary:
    rules = list(report.rules.values())
    alerts = [c for c in rules if c.rule.is_alert]
    untested = tuple((f"{c.rule.file}:{c.rule.line}", c.rule.kind, c.rule.name)
                     for c in sorted((c for c in rules if not c.tested),
                                     key=lambda c: (c.rule.file, c.rule.group, c.rule.kind, c.rule.name)))
    one_way = tuple((f"{c.rule.file}:{c.rule.line}", c.rule.name, "firing" if not c.expected_firing else "not-firing")
                    for c in sorted((c for c in alerts if c.tested and not (c.expected_firing and c.expected_silent)),
                                    key=lambda c: (c.rule.file, c.rule.name)))
    return CoverageSummary(_fraction(alerts), _fraction([c for c in rules if not c.rule.is_alert]), _fraction(rules),
                           untested, one_way)
