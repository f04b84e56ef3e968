"""Mutation testing output: text for people, JSON for tools, SARIF for code scanning.

The summary line always reads ``mutation score: 87.5% (35 of 40 mutants killed)``. Survivors
are listed per rule with the mutation and the test that is missing. SARIF uses the lint
reporter's shape (:func:`ruletest.lint.report.sarif`), one result per surviving mutant.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ruletest.authoring.mutate import MutantResult, MutationReport
from ruletest.authoring.mutations import OPERATORS
from ruletest.lint.model import Finding, LintResult, Severity
from ruletest.lint.report import sarif as lint_sarif
from ruletest.promql.ast import format_duration


def _rel(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def summary(report: MutationReport) -> str:
    score = report.score
    if score is None:
        return "mutation score: n/a (no mutants to run)"
    return f"mutation score: {score:.1f}% ({report.killed} of {report.counted} mutants killed)"


def _by_rule(report: MutationReport) -> dict[tuple[str, int, str], list[MutantResult]]:
    out: dict[tuple[str, int, str], list[MutantResult]] = {}
    for r in report.results:
        rule = r.mutation.rule
        out.setdefault((rule.file, rule.line, rule.name), []).append(r)
    return out


def text(report: MutationReport) -> str:
    lines = []
    rules = _by_rule(report)
    lines.append(f"{len(report.results)} mutants of {len(rules)} rules in {len(report.rule_files)} rule file(s), "
                 f"tested by {len(report.test_files)} test file(s)")
    for (file, line, name), results in rules.items():
        counted = [r for r in results if r.status in ("killed", "survived", "uncovered")]
        killed = sum(1 for r in counted if r.status == "killed")
        uncovered = next((r for r in results if r.status == "uncovered"), None)
        if uncovered is not None:
            # Every mutant of the rule survives for the same reason: one line says it.
            lines.append(f"{_rel(file)}:{line} {name}: 0 of {len(counted)} killed: {uncovered.detail}")
            lines.append(f"    missing: {uncovered_hint(uncovered)}")
            continue
        lines.append(f"{_rel(file)}:{line} {name}: {killed} of {len(counted)} killed")
        for r in results:
            m = r.mutation
            if r.status == "survived":
                flag = f" (possibly equivalent: {m.maybe_equivalent})" if m.maybe_equivalent else ""
                lines.append(f"  survived {m.operator}: {m.description}{flag}")
                lines.append(f"    missing: {m.missing}")
            elif r.status == "error":
                lines.append(f"  error {m.operator}: {m.description}: {r.detail}")
    equivalent = [r for r in report.results if r.status == "equivalent"]
    invalid = [r for r in report.results if r.status == "invalid"]
    if equivalent:
        lines.append(f"equivalent mutants (not counted): {len(equivalent)}")
        lines.extend(f"  {_rel(r.mutation.rule.file)}:{r.mutation.line} {r.mutation.rule.name}: "
                     f"{r.mutation.description}: {r.detail}" for r in equivalent)
    if invalid:
        lines.append(f"mutants that are not valid rules (not counted): {len(invalid)}")
        lines.extend(f"  {_rel(r.mutation.rule.file)}:{r.mutation.line} {r.mutation.rule.name}: "
                     f"{r.mutation.description}: {r.detail}" for r in invalid)
    if report.excluded:
        lines.append(f"test groups left out (they fail without any mutation): {len(report.excluded)}")
        lines.extend(f"  {_rel(x)}" for x in report.excluded)
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def uncovered_hint(r: MutantResult) -> str:
    """The test missing for a rule no assertion reaches."""
    rule = r.mutation.rule
    if rule.is_alert:
        return (f"any alert_rule_test for {rule.name} (`ruletest new {rule.name} --rules {_rel(rule.file)}` "
                "writes one)")
    return f"a promql_expr_test of {rule.name}, or a test of an alert that reads it"


def _mutant_json(r: MutantResult) -> dict[str, Any]:
    m = r.mutation
    return {
        "id": r.id, "file": _rel(m.rule.file), "line": m.line, "rule": m.rule.name, "kind": m.rule.kind,
        "operator": m.operator, "before": m.before, "after": m.after, "status": r.status, "how": r.how,
        "killed_by": r.killed_by,
        "missing_test": m.missing if r.status == "survived" else uncovered_hint(r) if r.status == "uncovered" else None,
        "possibly_equivalent": m.maybe_equivalent, "detail": r.detail,
        "mutant": {"expr": m.mutant.expr, "for": format_duration(m.mutant.for_ms),
                   "keep_firing_for": format_duration(m.mutant.keep_firing_for_ms),
                   "labels": dict(m.mutant.labels), "annotations": dict(m.mutant.annotations)},
    }


def json_report(report: MutationReport) -> str:
    doc = {
        "summary": summary(report), "score": report.score, "killed": report.killed, "counted": report.counted,
        "counts": {s: report.count(s) for s in ("killed", "survived", "uncovered", "equivalent", "invalid", "error")},
        "rule_files": [_rel(f) for f in report.rule_files], "test_files": [_rel(f) for f in report.test_files],
        "excluded_test_groups": [_rel(x) for x in report.excluded],
        "mutants": [_mutant_json(r) for r in report.results],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def sarif(report: MutationReport) -> str:
    findings = []
    for (_file, _line, _name), results in _by_rule(report).items():
        uncovered = next((r for r in results if r.status == "uncovered"), None)
        if uncovered is not None:
            rule = uncovered.mutation.rule
            findings.append(Finding("mutation/uncovered", Severity.WARNING,
                                    f"{rule.name}: none of its {len(results)} mutants can be killed: {uncovered.detail}; "
                                    f"missing: {uncovered_hint(uncovered)}", rule.file, rule.line, rule.name))
    for r in report.results:
        if r.status != "survived":
            continue
        m = r.mutation
        maybe = f" (possibly equivalent: {m.maybe_equivalent})" if m.maybe_equivalent else ""
        findings.append(Finding(f"mutation/{m.operator}", Severity.WARNING,
                                f"{m.rule.name}: mutant {m.description} survived{maybe}: {m.missing}",
                                m.rule.file, m.line, m.rule.name, m.before))
    doc = json.loads(lint_sarif(LintResult(findings, len(report.rule_files), len(_by_rule(report)))))
    for rule in doc["runs"][0]["tool"]["driver"]["rules"]:
        what = OPERATORS.get(rule["id"].removeprefix("mutation/"), "a rule no test assertion reaches")
        rule["shortDescription"] = {"text": f"surviving mutant: {what}"}
        rule["fullDescription"] = {"text": f"A mutant of a rule ({what}) passes every test that loads the rule: "
                                           "the tests would not notice this mistake."}
    doc["runs"][0]["properties"] = {"summary": summary(report)}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": text, "json": json_report, "sarif": sarif}
