"""Run the check catalog over rule files: load, check each rule, apply suppressions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ruletest.coverage import CoverageReport
from ruletest.errors import RuletestError
from ruletest.lint import alert, compat, counter, deps, grafana, group, histogram, policy, promql, record, rule, template  # noqa: F401 (importing registers the checks)
from ruletest.lint.config import LintConfig
from ruletest.lint.context import LintContext, RuleContext
from ruletest.lint.model import CATALOG, Finding, LintResult, Severity, register
from ruletest.lint.source import source_checks
from ruletest.lint.suppress import Suppression, parse_suppressions
from ruletest.lint.test_files import check_test_file, untested_rules
from ruletest.promql import ast as A
from ruletest.promtool_format import TestFileError, is_test_source, load_test_source
from ruletest.rule_files import RuleFileCache
from ruletest.rules.loader import LoadOptions, RuleFileError, load_rule_source
from ruletest.rules.model import RuleGroup
from ruletest.yamlnodes import parse_source

register("yaml/parse", Severity.ERROR, "invalid YAML", "The file is not valid YAML; Prometheus cannot load it.")
register("schema/invalid", Severity.ERROR, "rule file Prometheus would reject",
         "Structure errors promtool check rules reports: missing record/alert, bad durations, invalid names.")
register("schema/unknown-field", Severity.ERROR, "unknown field",
         "Prometheus rejects unknown fields in rule files (a typo such as `anotations` is an error).")
register("promql/syntax", Severity.ERROR, "PromQL does not parse", "The expression is not valid PromQL.")
register("template/syntax", Severity.ERROR, "Go template does not parse",
         "A label or annotation template Prometheus cannot parse (unknown function, unclosed action...).")
register("compat/group-field", Severity.ERROR, "group field the target Prometheus does not know",
         "Group `labels` need Prometheus 3 and `query_offset` 2.53: an older server rejects the file.")
register("lint/unused-suppression", Severity.INFO, "suppression comment that suppresses nothing",
         "A `# ruletest: disable=...` comment whose check no longer reports anything here; remove it.")


def collect_rule_files(paths: Sequence[str]) -> list[Path]:
    from ruletest.lint.discover import find_lintable

    return find_lintable(paths)  # by content: `alerts.yml.example`, `x.prometheusrules.yaml.test`


def _check_id(code: str) -> str:
    """The catalog check for a loader error code (the loader raises codes named like checks)."""
    return code if code in CATALOG else "schema/invalid"


def lint_paths(paths: Sequence[str], config: LintConfig | None = None, *, today: date | None = None,
               only: dict[str, set[int]] | None = None, base_recordings: dict[str, str] | None = None) -> LintResult:
    """Lint rule files (and promtool test files) under ``paths``. ``only`` restricts the
    report to the given lines of the given files (``--changed``); every file is still loaded, so
    checks across rules see them all. ``base_recordings`` (recording rules at the base revision)
    lets rules that read a removed recording be reported wherever they are."""
    cfg = config or LintConfig()
    result = LintResult()
    loaded: list[tuple[Path, str, list[RuleGroup]]] = []
    raw: list[Finding] = []
    coverage = CoverageReport()
    cache = RuleFileCache()
    sem = cfg.semantics
    saw_tests = False
    dashboards = grafana.dashboard_files(paths)  # Grafana dashboards (by content) in directories
    for path in collect_rule_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raw.append(Finding("yaml/parse", Severity.ERROR, f"cannot read file: {exc}", str(path)))
            continue
        if grafana.claims(text):
            dashboards.append((path, text))
            continue
        src = parse_source(text, str(path))
        if is_test_source(src):
            saw_tests = True
            result.test_files += 1
            try:
                tf = load_test_source(src)
            except TestFileError as exc:
                for p in exc.problems:
                    cid = _check_id(p.cause or "schema/invalid")
                    raw.append(Finding(cid, CATALOG[cid].severity, p.message, str(path), p.where.line))
                continue
            raw.extend(check_test_file(tf, sem, coverage, cache))
            continue
        result.files += 1
        raw.extend(source_checks(src))
        try:
            groups = load_rule_source(src, LoadOptions(sem))
        except RuleFileError as exc:
            for problem in exc.problems:
                cid = _check_id(problem.code)
                raw.append(Finding(cid, CATALOG[cid].severity, problem.message, str(path), problem.line))
            groups = []
        loaded.append((path, text, groups))
    all_groups = [g for _, _, gs in loaded for g in gs]
    ctx = LintContext(all_groups, cfg, base_recordings)
    for path, _text, groups in loaded:
        for g in groups:
            for r in g.rules:
                result.rules += 1
                try:
                    expr = A.parse(r.expr, ctx.parse_options)
                except RuletestError:
                    continue
                rc = RuleContext(r, g, expr, ctx)
                for info in CATALOG.values():
                    if info.func is None or not cfg.runs(info.id, info.default):
                        continue
                    for item in info.func(rc):
                        message, line, fragment = item[0], item[1], item[2]
                        severity = item[3] if len(item) > 3 and item[3] is not None else info.severity
                        raw.append(Finding(info.id, severity, message, str(path),
                                           line if line is not None else r.expr_line, r.name, fragment))
    if saw_tests:
        raw.extend(untested_rules(coverage))
    if only is not None:
        # A removed recording breaks rules the change did not touch: those are reported too.
        raw = [f for f in raw if f.check == "deps/removed-still-used" or (
            f.file in only and (f.line is None or f.line in only[f.file] or _rule_touched(f, loaded, only[f.file])))]
    if dashboards:  # their queries, against the rules above; --changed and suppressions applied there
        dash = grafana.lint_dashboards(dashboards, ctx, only=only, today=today)
        raw.extend(dash.findings)
        result.files += dash.files
        result.queries += dash.queries
    raw = list(dict.fromkeys(raw))  # one finding per place, even when a pattern occurs twice there
    result.findings = _filter(raw, loaded, cfg, today or date.today())
    result.findings.sort(key=Finding.sort_key)
    return result


def _rule_touched(f: Finding, loaded: list[tuple[Path, str, list[RuleGroup]]], lines: set[int]) -> bool:
    for path, text, groups in loaded:
        if str(path) != f.file:
            continue
        for start, end in _rule_spans(groups, text.count("\n") + 1):
            if f.line is not None and start <= f.line <= end:
                return any(start <= ln <= end for ln in lines)
    return False


def _rule_spans(groups: list[RuleGroup], total_lines: int) -> list[tuple[int, int]]:
    starts = sorted(r.line for g in groups for r in g.rules)
    spans = []
    for i, s in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else total_lines
        spans.append((s, end))
    return spans


def _filter(raw: list[Finding], loaded: list[tuple[Path, str, list[RuleGroup]]], cfg: LintConfig,
            today: date) -> list[Finding]:
    sup: dict[str, tuple[list[Suppression], list[tuple[int, int]]]] = {}
    for path, text, groups in loaded:
        sup[str(path)] = (parse_suppressions(text), _rule_spans(groups, text.count("\n") + 1))
    out: list[Finding] = []
    for f in raw:
        if not cfg.runs(f.check, CATALOG[f.check].default):
            continue
        if f.check in cfg.severity_overrides:
            f = Finding(f.check, Severity[cfg.severity_overrides[f.check].upper()], f.message, f.file, f.line,
                        f.rule, f.fragment)
        entry = sup.get(f.file)
        if entry is not None and _suppressed(f, *entry, today=today):
            continue
        out.append(f)
    for file, (suppressions, _spans) in sup.items():
        for s in suppressions:
            if not s.used and not s.foreign and s.active(today) and cfg.runs("lint/unused-suppression", True):
                out.append(Finding("lint/unused-suppression", Severity.INFO,
                                   f"suppression of {', '.join(s.ids)} matches no finding", file, s.line))
    return out


def _suppressed(f: Finding, suppressions: list[Suppression], spans: list[tuple[int, int]], *, today: date) -> bool:
    span = next(((s, e) for s, e in spans if f.line is not None and s <= f.line <= e), None)
    for s in suppressions:
        if not s.covers(f.check) or not s.active(today):
            continue
        if s.file_level or (span is not None and span[0] - 1 <= s.line <= span[1]):
            s.used = True
            return True
    return False
