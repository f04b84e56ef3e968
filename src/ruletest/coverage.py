"""Rule coverage: which alerting and recording rules the test files exercise.

An alerting rule is covered when an ``alert_rule_test`` names it; ruletest also reports whether
some test expects it to fire and some expects it silent. A recording rule is covered when a
``promql_expr_test`` selects its output, or a tested alerting rule reads it. For test files with
an ``alertmanager`` block, it also says which alerts of their rule files reach no route of that
config but the root, i.e. only its default receiver."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ruletest.errors import RuletestError
from ruletest.promql import ast as A
from ruletest.promql.parse_options import ParseOptions
from ruletest.promtool_format import AlertmanagerRef, TestFile
from ruletest.rules.model import Rule, RuleGroup
from ruletest.semantics import Semantics


@dataclass
class RuleCoverage:
    rule: Rule
    tested: bool = False
    expected_firing: bool = False
    expected_silent: bool = False


@dataclass
class RoutingCoverage:
    """An Alertmanager config named by test files, and the rule files those tests load."""

    ref: AlertmanagerRef
    base: str  # the directory of the (first) test file naming it
    rule_files: set[str] = field(default_factory=set)


@dataclass
class CoverageReport:
    rules: dict[tuple[str, str, str, str], RuleCoverage] = field(default_factory=dict)
    alertmanagers: dict[str, RoutingCoverage] = field(default_factory=dict)  # normalised config path ->

    def add_rules(self, groups: Iterable[RuleGroup]) -> None:
        for g in groups:
            for r in g.rules:
                self.rules.setdefault((r.file, g.name, r.kind, r.name), RuleCoverage(r))

    def record(self, tf: TestFile, groups: Sequence[RuleGroup], semantics: Semantics) -> None:
        self.add_rules(groups)
        if tf.alertmanager is not None:
            key = os.path.normpath(tf.directory / tf.alertmanager.config)
            am = self.alertmanagers.setdefault(key, RoutingCoverage(tf.alertmanager, str(tf.directory)))
            am.rule_files |= {r.file for g in groups for r in g.rules if r.is_alert}
        alert_names: dict[str, tuple[bool, bool]] = {}
        selected: set[str] = set()
        for tg in tf.tests:
            for at in tg.alert_tests:
                fires, silent = alert_names.get(at.alertname, (False, False))
                alert_names[at.alertname] = (fires or bool(at.exp_alerts), silent or not at.exp_alerts)
            for et in tg.expr_tests:
                selected |= metric_names(et.expr, semantics)
        for g in groups:
            for r in g.rules:
                if r.is_alert and r.name in alert_names:
                    selected |= metric_names(r.expr, semantics)
        for g in groups:
            for r in g.rules:
                cov = self.rules[(r.file, g.name, r.kind, r.name)]
                if r.is_alert and r.name in alert_names:
                    fires, silent = alert_names[r.name]
                    cov.tested = True
                    cov.expected_firing |= fires
                    cov.expected_silent |= silent
                elif not r.is_alert and r.name in selected:
                    cov.tested = True

    def percent(self) -> float:
        if not self.rules:
            return 100.0
        return 100.0 * sum(1 for c in self.rules.values() if c.tested) / len(self.rules)

    def text(self) -> str:
        alerts = [c for c in self.rules.values() if c.rule.is_alert]
        records = [c for c in self.rules.values() if not c.rule.is_alert]
        lines = ["Rule test coverage:",
                 f"  Alerting rules:  {_fraction(alerts)}",
                 f"  Recording rules: {_fraction(records)}",
                 f"  Total:           {_fraction(list(self.rules.values()))}"]
        untested = sorted((c for c in self.rules.values() if not c.tested),
                          key=lambda c: (c.rule.file, c.rule.group, c.rule.kind, c.rule.name))
        if untested:
            lines.append("  Untested rules:")
            for c in untested:
                lines.append(f"    {c.rule.file}:{c.rule.line}  {c.rule.kind}: {c.rule.name}")
        half = sorted((c for c in alerts if c.tested and not (c.expected_firing and c.expected_silent)),
                      key=lambda c: (c.rule.file, c.rule.name))
        if half:
            lines.append("  Alerting rules tested only one way:")
            for c in half:
                missing = "firing" if not c.expected_firing else "not-firing"
                lines.append(f"    {c.rule.file}:{c.rule.line}  {c.rule.name}: no {missing} case")
        for path, am in sorted(self.alertmanagers.items()):
            lines.extend(_routing_lines(path, am))
        return "\n".join(lines)


def _routing_lines(path: str, am: RoutingCoverage) -> list[str]:
    """Which alerts of the rule files reach only the config's default receiver (the root route's)."""
    from ruletest.alertmanager.lint import alert_shapes, default_route_alerts
    from ruletest.alertmanager.testbed import load_testbed

    try:
        tb = load_testbed(am.ref.config, base=am.base, version=am.ref.version, template_paths=am.ref.template_paths)
    except RuletestError:
        return [f"  Alertmanager {path}: not loaded (see the test results)"]
    shapes, _ = alert_shapes(sorted(am.rule_files))
    default = tb.config.route.receiver
    only = default_route_alerts(tb.config, shapes)
    lines = [f"  Alertmanager {path}: {len(only)} of {len(shapes)} alerts reach only the default receiver ({default})"
             + (":" if only else "")]
    if only:
        lines.extend(f"    {s.file}:{s.line}  {s.name}" for s in sorted(only, key=lambda s: (s.file, s.line)))
    return lines


def _fraction(items: Sequence[RuleCoverage]) -> str:
    if not items:
        return "0/0 covered"
    covered = sum(1 for c in items if c.tested)
    return f"{covered}/{len(items)} covered ({100.0 * covered / len(items):.1f}%)"


def metric_names(expr: str, semantics: Semantics) -> set[str]:
    """Metric names an expression selects by equality (``x`` or ``{__name__="x"}``)."""
    try:
        root = A.parse(expr, ParseOptions.for_semantics(semantics))
    except RuletestError:
        return set()
    out: set[str] = set()
    stack: list[A.Expr] = [root]
    while stack:
        e = stack.pop()
        if isinstance(e, A.VectorSelector):
            for m in e.matchers:
                if m.name == "__name__" and m.op == "=":
                    out.add(m.value)
        stack.extend(A.children(e))
    return out
