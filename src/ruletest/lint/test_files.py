"""Checks on promtool-format test files (``test/...``): what ``promtool test rules`` passes
silently."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.errors import RuletestError
from ruletest.lint.model import Finding, Severity, register
from ruletest.promql import ast as A
from ruletest.promtool_format import TestFile
from ruletest.rules.loader import LoadOptions, load_rule_file
from ruletest.runner import resolve_rule_files
from ruletest.series import expand_values

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


def check_test_file(tf: TestFile, prometheus: int, alerts: dict[str, tuple[str, int]],
                    tested: set[str]) -> Iterator[Finding]:
    """Findings for one test file; fills ``alerts`` (defined in its rule files) and ``tested``
    (alert names its tests name) so untested alerts can be reported across all test files."""
    files, problems, _ = resolve_rule_files(tf)
    for p in problems:
        yield Finding("test/missing-rule-file", Severity.ERROR, p.message, tf.path, p.line)
    own: dict[str, tuple[str, int]] = {}
    for f in files:
        try:
            for g in load_rule_file(f, LoadOptions(prometheus=prometheus)):
                for r in g.rules:
                    if r.is_alert:
                        own.setdefault(r.name, (r.file, r.line))
        except RuletestError:
            continue  # reported when the rule file itself is linted
    for name, where in own.items():
        alerts.setdefault(name, where)
    for tg in tf.tests:
        interval = tg.interval_ms or tf.evaluation_interval_ms
        last_input = -1
        for s in tg.input_series:
            try:
                n = len(expand_values(s.values, limit=None))
            except RuletestError:
                continue
            last_input = max(last_input, (n - 1) * interval)
        for at in tg.alert_tests:
            tested.add(at.alertname)
            if at.alertname and at.alertname not in own:
                yield Finding("test/unknown-alertname", Severity.ERROR,
                              f"no rule in rule_files defines alert {at.alertname!r}", tf.path, at.line)
        if last_input < 0:
            continue
        for name, t, line in [(a.alertname, a.eval_time_ms, a.line) for a in tg.alert_tests] + \
                [(e.expr, e.eval_time_ms, e.line) for e in tg.expr_tests]:
            if t > last_input + LOOKBACK_MS:
                yield Finding("test/eval-after-input", Severity.WARNING,
                              f"{name} at {A.format_duration(t)} is after the input series end "
                              f"({A.format_duration(last_input)}) plus the 5m lookback", tf.path, line)


def untested_alerts(alerts: dict[str, tuple[str, int]], tested: set[str]) -> Iterator[Finding]:
    for name, (file, line) in sorted(alerts.items()):
        if name not in tested:
            yield Finding("test/untested-alert", Severity.WARNING,
                          f"alert {name} has no alert_rule_test in the linted test files", file, line, name)
