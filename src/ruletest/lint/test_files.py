"""Checks on promtool-format test files (``test/...``): what ``promtool test rules`` passes
silently."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.coverage import CoverageReport
from ruletest.errors import RuletestError
from ruletest.lint.flow import flow
from ruletest.lint.model import Finding, Severity, register
from ruletest.promql import ast as A
from ruletest.promql.parser import ParseOptions
from ruletest.promtool_format import ExpAlert, TestFile
from ruletest.rule_files import RuleFileCache, test_rules
from ruletest.rules.loader import LoadOptions
from ruletest.rules.model import Rule, RuleGroup
from ruletest.semantics import Semantics
from ruletest.series import count_values, parse_series_description

LOOKBACK_MS = 300_000

register("test/unknown-alertname", Severity.ERROR, "test for an alert no rule defines",
         "An alert_rule_test for an alertname that no rule in rule_files defines always passes when it "
         "expects no alerts: usually a typo or a renamed rule.")
register("test/missing-rule-file", Severity.ERROR, "rule_files entry that matches nothing",
         "promtool only warns and then tests nothing from that entry.")
register("test/eval-after-input", Severity.WARNING, "eval_time after the input series end",
         "An eval_time later than the last input sample plus the 5m lookback tests stale data: "
         "instant selectors return nothing there, so absence-based expectations pass trivially.")
register("test/untested-alert", Severity.WARNING, "alerting rule with no alert_rule_test",
         "An alert in the test files' rule_files that no alert_rule_test names.")
register("test/untested-recording", Severity.INFO, "recording rule no test reads",
         "A recording rule in the test files' rule_files that no promql_expr_test and no tested alert "
         "reads: nothing checks what it records.")
register("test/unknown-group-order", Severity.ERROR, "group_eval_order names a group that does not exist",
         "A group_eval_order entry that is not the name of a group in rule_files orders nothing: usually "
         "a renamed group, and the order the test relies on is no longer enforced.")
register("test/impossible-exp-labels", Severity.ERROR, "expected alert label the rule cannot produce",
         "exp_labels naming a label that neither the alert's expression (label flow) nor its static "
         "labels can produce: the expectation can never match, so the test checks a typo.")
register("test/no-negative-case", Severity.INFO, "alert only ever tested firing",
         "Off by default (`enable = [\"test/no-negative-case\"]`). An alert whose every alert_rule_test "
         "expects it to fire: no test shows it stays silent below its threshold.", default=False)
register("test/interval-mismatch", Severity.WARNING, "evaluation_interval differs from a group's interval",
         "promtool evaluates every group at the test file's evaluation_interval, whatever the group's "
         "own interval: `for` and rate windows then behave differently from production.")


def check_test_file(tf: TestFile, semantics: Semantics, cov: CoverageReport, cache: RuleFileCache) -> Iterator[Finding]:
    """Findings for one test file; records in ``cov`` what its rule files define and its tests
    exercise, so untested rules can be reported across all test files."""
    rules = test_rules(tf, LoadOptions(semantics), cache)  # rule files' own errors: reported when linted
    for p in rules.unmatched:
        yield Finding("test/missing-rule-file", Severity.ERROR, p.message, tf.path, p.where.line)
    groups = list(rules.groups)
    cov.record(tf, groups, semantics)
    own: dict[str, list[Rule]] = {}
    for g in groups:
        for r in g.rules:
            if r.is_alert:
                own.setdefault(r.name, []).append(r)
    yield from _group_checks(tf, groups)
    for tg in tf.tests:
        interval = tg.interval_ms or tf.evaluation_interval_ms
        last_input = -1
        for s in tg.input_series:
            if "{{" in s.values and not semantics.v3:
                continue  # native histograms: the runner says Prometheus 2 cannot load them
            try:
                parse_series_description(s.series)
                n = count_values(s.values, histograms=semantics.v3)
            except RuletestError as exc:
                # promtool refuses to run the group: an error, with its line.
                yield Finding("schema/invalid", Severity.ERROR, f"input series {s.series!r}: {exc.message}",
                              tf.path, s.line)
                continue
            last_input = max(last_input, (n - 1) * interval)
        for at in tg.alert_tests:
            if at.alertname and at.alertname not in own:
                yield Finding("test/unknown-alertname", Severity.ERROR,
                              f"no rule in rule_files defines alert {at.alertname!r}", tf.path, at.line)
                continue
            yield from _impossible_labels(tf, at.exp_alerts, own.get(at.alertname, []), semantics)
        if last_input < 0:
            continue
        for name, t, line in [(a.alertname, a.eval_time_ms, a.line) for a in tg.alert_tests] + \
                [(e.expr, e.eval_time_ms, e.line) for e in tg.expr_tests]:
            if t > last_input + LOOKBACK_MS:
                yield Finding("test/eval-after-input", Severity.WARNING,
                              f"{name} at {A.format_duration(t)} is after the input series end "
                              f"({A.format_duration(last_input)}) plus the 5m lookback", tf.path, line)


def _group_checks(tf: TestFile, groups: list[RuleGroup]) -> Iterator[Finding]:
    names = {g.name for g in groups}
    for name in tf.group_eval_order:
        if groups and name not in names:
            yield Finding("test/unknown-group-order", Severity.ERROR,
                          f"group_eval_order names {name!r}, which no rule file defines", tf.path, None)
    for g in groups:
        if g.interval_ms is not None and g.interval_ms != tf.evaluation_interval_ms:
            yield Finding("test/interval-mismatch", Severity.WARNING,
                          f"group {g.name} runs every {A.format_duration(g.interval_ms)} but the test evaluates "
                          f"every {A.format_duration(tf.evaluation_interval_ms)}", tf.path, None, fragment=g.name)


def _impossible_labels(tf: TestFile, exp_alerts: tuple[ExpAlert, ...], rules: list[Rule],
                       semantics: Semantics) -> Iterator[Finding]:
    flows = []
    for r in rules:
        try:
            flows.append((flow(A.parse(r.expr, ParseOptions.for_lint(semantics))), {k for k, _ in r.labels}))
        except RuletestError:
            return
    for ea in exp_alerts:
        for key in ea.labels:
            if key != "alertname" and not any(f.can_have(key) or key in static for f, static in flows):
                can = sorted({"alertname"} | {k for f, static in flows for k in (f.possible or ())} | {
                    k for _, static in flows for k in static} - {"__name__"})
                open_set = any(f.possible is None for f, _ in flows)
                yield Finding("test/impossible-exp-labels", Severity.ERROR,
                              f"exp_labels has {key}, which the alert can never carry "
                              f"(it can have: {'any label but ' + key if open_set else ', '.join(can)})",
                              tf.path, ea.line)


def untested_rules(cov: CoverageReport) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for c in sorted(cov.rules.values(), key=lambda c: (c.rule.name, c.rule.file, c.rule.line)):
        r = c.rule
        key = (r.kind, r.name)
        if key in seen:
            continue  # one finding per name, at its first definition
        seen.add(key)
        if r.is_alert and not c.tested:
            yield Finding("test/untested-alert", Severity.WARNING,
                          f"alert {r.name} has no alert_rule_test in the linted test files", r.file, r.line, r.name)
        elif r.is_alert and not c.expected_silent:
            yield Finding("test/no-negative-case", Severity.INFO,
                          f"alert {r.name} is only tested firing: add a case with exp_alerts: []", r.file, r.line, r.name)
        elif not r.is_alert and not c.tested:
            yield Finding("test/untested-recording", Severity.INFO,
                          f"recording rule {r.name} is read by no promql_expr_test and no tested alert",
                          r.file, r.line, r.name)
