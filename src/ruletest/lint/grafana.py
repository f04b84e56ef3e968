"""Grafana dashboards: their Prometheus queries, linted with the rules' checks and inventory.

A dashboard file is recognised by its content: a JSON object with ``panels`` (or the old
``rows``) and a dashboard field (``title``, ``uid``, ``schemaVersion``...), either as exported
(classic JSON model) or wrapped as the HTTP API returns it (``{"dashboard": {...}, "meta": ...}``).
Panels nested in rows (collapsed rows hold theirs) are read, old ``rows[].panels`` too, and
library panels whose model is inline (``__elements`` of an "export for sharing externally").
Each Prometheus target (``expr``) is located by the line of its ``expr`` member, with its
panel's title and ``refId``; Grafana's variables are substituted first (:mod:`grafana_vars`).

Suppressions: JSON has no comments, so a panel's ``description`` may hold
``ruletest: disable=ID[,ID] [until=YYYY-MM-DD]`` (for that panel and the panels nested in it)
and the dashboard's ``description`` ``ruletest: disable-file=ID`` (or ``disable=``) for the whole
dashboard: the same syntax as in rule files, without the ``#``. Grafana keeps both fields on save.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruletest.errors import RuletestError
from ruletest.lint.config import LintConfig
from ruletest.lint.context import LintContext, RuleContext, expression_context
from ruletest.lint.flow import NAME, flow, selectors
from ruletest.lint.grafana_vars import (
    PLACEHOLDER,
    VARIABLE_RE,
    Interpolated,
    Variable,
    candidates,
    range_ms,
    resolve_setting,
    time_context,
    variables_from_templating,
)
from ruletest.lint.jsonpos import JsonDocument, JsonError, JsonPath, load_json
from ruletest.lint.model import CATALOG, Finding, Severity, register
from ruletest.lint.suppress import Suppression, parse_suppressions
from ruletest.promql import ast as A
from ruletest.promql.ast import format_duration
from ruletest.promql.parser import ParseOptions
from ruletest.records import record

register("grafana/invalid-json", Severity.ERROR, "dashboard file that is not valid JSON",
         "A Grafana dashboard (a .json file with panels) that does not parse as JSON: Grafana cannot import it.")
register("grafana/legend-label", Severity.WARNING, "legend uses a label the query cannot return",
         "`legendFormat` `{{instance}}` after `sum by (job)`: the query's series have no `instance`, so "
         "every legend entry renders without it (label flow, as for alert templates).")
register("grafana/legend-collision", Severity.WARNING, "fixed legend for a query that returns several series",
         "A legend without `{{label}}` names every series alike. When a matcher such as `status=~\"5..\"` "
         "selects several values of a label the query keeps, the panel draws several lines with one name "
         "(the value of each series, not a total): aggregate them, or put the label in the legend.")

# Checks that read only the expression and the linted rule set: they mean the same for a
# dashboard query as for a rule's expression. (Checks on rules themselves - names, labels,
# annotations, groups, `for`, alert conditions - do not apply to a query.)
EXPRESSION_CHECKS = (
    "promql/quantile-range", "promql/unknown-metric", "promql/join-label-missing", "promql/name-only-series",
    "promql/join-never-matches", "promql/range-too-long",
    "counter/rate-on-gauge", "counter/gauge-func", "counter/rate-window", "counter/rate-after-aggregation",
    "counter/raw-value",
    "histogram/quantile-without-le", "histogram/quantile-wrong-series", "histogram/quantile-without-rate",
    "compat/removed-function", "compat/feature-flag", "compat/left-open-range",
    "deps/removed-still-used", "deps/use-recording-rule", "policy/forbidden-metric",
)
# Checks on matcher values: run with every dashboard variable masked, since a contradiction that
# depends on the current selection (`job="$job", job!="api"`) is not a defect of the dashboard.
MASKED_CHECKS = ("promql/impossible-matchers", "promql/static-join-mismatch")
# Checks against the rule set: only meaningful when rule files are linted in the same run.
RULE_SET_CHECKS = ("deps/undefined-recording", "deps/unknown-alertname")

_LOGQL = re.compile(r"\|[=~]|\|\s*(json|logfmt|pattern|regexp|line_format|label_format|unwrap|drop|keep|decolorize)\b")
_LEGEND_LABEL = re.compile(r"\{\{\s*(.+?)\s*\}\}")  # Grafana's legend format: {{ label }}
_REGEX_META = re.compile(r"[.*+?()\[\]{}|\\^$]")


@record
class Target:
    """One Prometheus query of a panel (or of an annotation)."""

    panel: str
    ref: str
    expr: str
    line: int
    legend: str | None = None
    legend_line: int | None = None
    span: tuple[int, int] = (0, 0)  # lines of the panel holding it
    interval: str | None = None  # the query's "Min step"
    min_interval: str | None = None  # the panel's "Min interval"
    max_data_points: int | None = None
    table: bool = False  # format "table": no legend
    datasource_known: bool = True  # False: no data source type given, could be Loki

    @property
    def where(self) -> str:
        return f"{self.panel} {self.ref}".strip()


@record
class Scoped:
    """A suppression text and the lines it covers (None: the whole dashboard)."""

    text: str
    line: int
    span: tuple[int, int] | None


@record
class Dashboard:
    file: str
    title: str
    range_ms: int
    variables: dict[str, Variable]
    targets: tuple[Target, ...]
    suppressions: tuple[Scoped, ...] = ()
    templating_span: tuple[int, int] | None = None
    other_queries: int = 0  # targets of other data sources, not linted


# --- recognising and reading dashboards -------------------------------------------------------

def _is_dashboard(obj: Any) -> bool:
    return isinstance(obj, dict) and (isinstance(obj.get("panels"), list) or isinstance(obj.get("rows"), list)) \
        and any(k in obj for k in ("title", "uid", "schemaVersion", "templating", "time"))


def _dashboard_root(value: Any) -> JsonPath | None:
    if _is_dashboard(value):
        return ()
    if isinstance(value, dict) and _is_dashboard(value.get("dashboard")):
        return ("dashboard",)
    return None


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> JsonDocument | None:
    # Recognising a dashboard and linting it read the same text: parse it once.
    try:
        return load_json(text)
    except JsonError:
        return None


def claims(text: str) -> bool:
    """Whether ``text`` is a Grafana dashboard (or a broken one: JSON-looking text with panels)."""
    if text.lstrip("\ufeff \t\r\n")[:1] != "{" or ('"panels"' not in text and '"rows"' not in text):
        return False
    doc = _parsed(text)
    return doc is None or _dashboard_root(doc.value) is not None


def dashboard_files(paths: Sequence[str]) -> list[tuple[Path, str]]:
    """Dashboards (by content) among the ``.json`` files under the given directories."""
    out: list[tuple[Path, str]] = []
    for p in paths:
        root = Path(p)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.json")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if claims(text):
                out.append((path, text))
    return out


def _walk_panels(panels: Any, path: JsonPath) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    if not isinstance(panels, list):
        return
    for i, panel in enumerate(panels):
        if not isinstance(panel, dict):
            continue
        here = (*path, i)
        yield panel, here
        yield from _walk_panels(panel.get("panels"), (*here, "panels"))


def _plugin_kind(plugin: Any) -> str:
    if not isinstance(plugin, str) or not plugin:
        return "unknown"
    return "prometheus" if "prometheus" in plugin.lower() else "other"


def _datasource_kind(ds: Any, root: dict[str, Any], variables: dict[str, Any]) -> str:
    """"prometheus", "other", "mixed" (targets say) or "unknown" (the default data source, or a
    name this file does not describe)."""
    if ds is None:
        return "unknown"
    if isinstance(ds, dict):
        uid = ds.get("uid")
        kind = ds.get("type")
        if uid == "-- Mixed --":
            return "mixed"
        if isinstance(kind, str) and kind:
            return "other" if kind in ("datasource", "grafana") else _plugin_kind(kind)
        ds = uid
    if not isinstance(ds, str):
        return "unknown"
    if ds == "-- Mixed --":
        return "mixed"
    if ds in ("-- Grafana --", "-- Dashboard --", "grafana"):
        return "other"
    inputs = _list(root.get("__inputs"))
    m = re.fullmatch(r"\$\{?(\w+)\}?", ds)
    name = m.group(1) if m else ds
    for item in inputs:
        if isinstance(item, dict) and name in (item.get("name"), item.get("label")):
            return _plugin_kind(item.get("pluginId"))
    var = variables.get(name) if m else None
    if isinstance(var, dict) and var.get("type") == "datasource":
        return _plugin_kind(var.get("query"))
    if ds.lower() in ("prometheus", "thanos", "mimir", "cortex"):
        return "prometheus"
    return "unknown"


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_dashboard(doc: JsonDocument, file: str) -> Dashboard | None:
    """The dashboard in a parsed JSON document, None when it holds none."""
    base = _dashboard_root(doc.value)
    if base is None:
        return None
    root: dict[str, Any] = doc.value
    dash: dict[str, Any] = root if not base else root["dashboard"]
    templating = _obj(dash.get("templating"))
    raw_vars = {v["name"]: v for v in _list(templating.get("list")) if isinstance(v, dict) and isinstance(v.get("name"), str)}
    elements = _obj(root.get("__elements")) or _obj(dash.get("__elements"))
    elements_path: JsonPath = ("__elements",) if isinstance(root.get("__elements"), dict) else (*base, "__elements")
    targets: list[Target] = []
    suppressions: list[Scoped] = []
    other = 0

    def span(path: JsonPath) -> tuple[int, int]:
        return doc.span(path) or (doc.line(path) or 1, doc.line(path) or 1)

    def add_panel(panel: dict[str, Any], path: JsonPath, title: str | None = None) -> None:
        nonlocal other
        title = title if title is not None else (_string(panel.get("title")) or f"panel {panel.get('id', '?')}")
        description = _string(panel.get("description"))
        if description and "ruletest:" in description:
            suppressions.append(Scoped(description, doc.line((*path, "description")) or 1, span(path)))
        library = panel.get("libraryPanel")
        if not isinstance(panel.get("targets"), list) and isinstance(library, dict):
            uid = _string(library.get("uid")) or ""
            element = _obj(elements.get(uid))
            if isinstance(element.get("model"), dict):
                model_path = (*elements_path, uid, "model")
                add_panel(element["model"], model_path, title)
                for nested, nested_path in _walk_panels(element["model"].get("panels"), (*model_path, "panels")):
                    add_panel(nested, nested_path)
            return
        panel_ds = _datasource_kind(panel.get("datasource"), root, raw_vars)
        for i, target in enumerate(panel.get("targets") or []):
            if not isinstance(target, dict) or not isinstance(target.get("expr"), str) or not target["expr"].strip():
                continue
            kind = _datasource_kind(target.get("datasource"), root, raw_vars) if target.get("datasource") \
                is not None else panel_ds
            if kind in ("mixed",):
                kind = "unknown"
            if kind == "other":
                other += 1
                continue
            tpath = (*path, "targets", i)
            max_points = panel.get("maxDataPoints")
            targets.append(Target(
                panel=f'panel "{title}"', ref=_string(target.get("refId")) or f"#{i + 1}", expr=target["expr"],
                line=doc.line((*tpath, "expr")) or 1, legend=_string(target.get("legendFormat")),
                legend_line=doc.line((*tpath, "legendFormat")), span=span(path),
                interval=_string(target.get("interval")), min_interval=_string(panel.get("interval")),
                max_data_points=max_points if isinstance(max_points, int) and max_points > 0 else None,
                table=target.get("format") == "table", datasource_known=kind == "prometheus"))

    for panel, path in _walk_panels(dash.get("panels"), (*base, "panels")):
        add_panel(panel, path)
    for r, row in enumerate(dash.get("rows") or []):
        if isinstance(row, dict):
            for panel, path in _walk_panels(row.get("panels"), (*base, "rows", r, "panels")):
                add_panel(panel, path)
    for i, item in enumerate(_list(_obj(dash.get("annotations")).get("list"))):
        if not isinstance(item, dict) or not isinstance(item.get("expr"), str) or not item["expr"].strip():
            continue
        kind = _datasource_kind(item.get("datasource"), root, raw_vars)
        if kind == "other":
            other += 1
            continue
        apath = (*base, "annotations", "list", i)
        targets.append(Target(panel=f'annotation "{_string(item.get("name")) or i + 1}"', ref="", expr=item["expr"],
                              line=doc.line((*apath, "expr")) or 1, span=span(apath), interval=_string(item.get("step")),
                              table=True, datasource_known=kind == "prometheus"))
    description = _string(dash.get("description"))
    if description and "ruletest:" in description:
        suppressions.append(Scoped(description, doc.line((*base, "description")) or 1, None))
    return Dashboard(file=file, title=_string(dash.get("title")) or "", range_ms=range_ms(dash.get("time")),
                     variables=variables_from_templating(templating), targets=tuple(targets),
                     suppressions=tuple(suppressions), templating_span=doc.span((*base, "templating")),
                     other_queries=other)


# --- linting ----------------------------------------------------------------------------------

@dataclass
class DashboardLint:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    queries: int = 0


def _parse(options: Iterator[Interpolated], parse_options: ParseOptions) -> tuple[Interpolated, A.Expr | None, str]:
    first: Interpolated | None = None
    error = ""
    for option in options:
        try:
            return option, A.parse(option.text, parse_options), ""
        except RuletestError as exc:
            if first is None:
                first, error = option, exc.message
    assert first is not None
    return first, None, error


def _run(check_id: str, rc: RuleContext, target: Target, file: str) -> Iterator[Finding]:
    info = CATALOG[check_id]
    assert info.func is not None
    for item in info.func(rc):
        message, fragment = str(item[0]), str(item[2])
        if PLACEHOLDER in message or PLACEHOLDER in fragment:
            continue  # about a variable whose value is not known offline
        severity = item[3] if len(item) > 3 and item[3] is not None else info.severity
        yield Finding(check_id, severity, message, file, target.line, target.where, fragment)


def _multi_valued(m: A.Matcher) -> bool:
    return m.op in ("!=", "!~") or (m.op == "=~" and bool(_REGEX_META.search(m.value)))


def _legend_checks(target: Target, expr: A.Expr, masked: A.Expr, file: str, config: LintConfig) -> Iterator[Finding]:
    legend = target.legend
    if legend is None or legend.strip() in ("", "__auto") or target.table:
        return
    line = target.legend_line or target.line
    out = flow(expr)
    labels = _LEGEND_LABEL.findall(legend)
    if config.runs("grafana/legend-label", True):
        for label in dict.fromkeys(labels):
            name = VARIABLE_RE.sub(lambda m: PLACEHOLDER, label)
            # The label flow rules use for `$labels.x` (template/missing-label): a closed set after
            # `by`, "any label but" after `without`, `ignoring` or a `l=""` matcher.
            if PLACEHOLDER in name or out.can_have(name):
                continue
            why = ("the query drops the metric name" if name == NAME else
                   f"the query's series cannot have label {label} (they can have: {out.describe()})")
            yield Finding("grafana/legend-label", Severity.WARNING,
                          f"legend {{{{{label}}}}}: {why}; it renders empty", file, line, target.where, legend)
    if labels or not config.runs("grafana/legend-collision", True):
        return
    kept = flow(masked).guaranteed - {NAME}
    for vs, _ in selectors(masked):
        # A label also matched by `=` or by a dashboard variable may be narrowed to one value.
        pinned = {m.name for m in vs.matchers if m.op == "=" or PLACEHOLDER in m.value}
        for m in vs.matchers:
            if m.name in kept and m.name not in pinned and m.name != NAME and _multi_valued(m):
                yield Finding("grafana/legend-collision", Severity.WARNING,
                              f'legend "{legend}" names every series alike, but {m} selects several values of '
                              f"{m.name} and the query keeps {m.name}: the panel draws one line per series, all "
                              f'named "{legend}"; aggregate them (sum by (...)) or put {{{{{m.name}}}}} in the legend',
                              file, line, target.where, str(m))
                return


def _lint_target(target: Target, dash: Dashboard, ctx: LintContext, rule_files: bool) -> Iterator[Finding]:
    cfg = ctx.config
    time = time_context(dash.range_ms, cfg.scrape_interval_ms, max_data_points=target.max_data_points,
                        min_interval=resolve_setting(target.min_interval, dash.variables),
                        query_interval=resolve_setting(target.interval, dash.variables))
    neutral = format_duration(4 * cfg.scrape_interval_ms)
    resolved, expr, error = _parse(candidates(target.expr, dash.variables, time, neutral_duration=neutral),
                                   ctx.parse_options)
    if expr is None:
        if not target.datasource_known and _LOGQL.search(target.expr):
            return  # a Loki query on a data source this file does not name
        if cfg.runs("promql/syntax", True):
            shown = f" (as sent: {resolved.text})" if resolved.text != target.expr else ""
            yield Finding("promql/syntax", Severity.ERROR, f"query does not parse: {error}{shown}", dash.file,
                          target.line, target.where, target.expr)
        return
    masked = expr
    if any((m.group(1) or m.group(2) or m.group(4)) in dash.variables for m in VARIABLE_RE.finditer(target.expr)):
        _, parsed, _ = _parse(candidates(target.expr, dash.variables, time, neutral_duration=neutral, mask=True),
                              ctx.parse_options)
        masked = parsed if parsed is not None else expr
    rc = expression_context(resolved.text, expr, ctx, file=dash.file, line=target.line, name=target.where)
    masked_rc = rc if masked is expr else expression_context(A.to_promql(masked), masked, ctx, file=dash.file,
                                                             line=target.line, name=target.where)
    for cid in (*EXPRESSION_CHECKS, *MASKED_CHECKS, *(RULE_SET_CHECKS if rule_files else ())):
        info = CATALOG.get(cid)
        if info is None or info.func is None or not cfg.runs(cid, info.default):
            continue
        for finding in _run(cid, masked_rc if cid in MASKED_CHECKS else rc, target, dash.file):
            if cid == "promql/unknown-metric" and not rule_files and ":" in finding.fragment:
                continue  # a recorded series: which rules record it is unknown without rule files
            yield finding
    yield from _legend_checks(target, expr, masked, dash.file, cfg)


def _changed(target: Target, dash: Dashboard, lines: set[int]) -> bool:
    if dash.templating_span and any(dash.templating_span[0] <= ln <= dash.templating_span[1] for ln in lines):
        return True  # a variable changed: every query may read differently
    return any(target.span[0] <= ln <= target.span[1] for ln in lines) or target.line in lines


def lint_dashboards(files: Sequence[tuple[Path, str]], ctx: LintContext, *, only: dict[str, set[int]] | None = None,
                    today: date | None = None) -> DashboardLint:
    """Lint the dashboards' Prometheus queries against the rule set in ``ctx``. ``only``: report
    only queries of panels with changed lines (``--changed``)."""
    out = DashboardLint()
    cfg = ctx.config
    today = today or date.today()
    rule_files = bool(ctx.groups)
    for path, text in files:
        file = str(path)
        out.files += 1
        doc = _parsed(text)
        if doc is None:
            try:
                load_json(text, file)
            except JsonError as exc:
                if cfg.runs("grafana/invalid-json", True) and (only is None or file in only):
                    out.findings.append(Finding("grafana/invalid-json", Severity.ERROR, exc.message, file, exc.line))
            continue
        dash = read_dashboard(doc, file)
        if dash is None:
            continue
        found: list[Finding] = []
        for target in dash.targets:
            out.queries += 1
            if only is not None and (file not in only or not _changed(target, dash, only[file])):
                if not ctx.base_recordings:
                    continue
                found.extend(f for f in _lint_target(target, dash, ctx, rule_files)
                             if f.check == "deps/removed-still-used")
                continue
            found.extend(_lint_target(target, dash, ctx, rule_files))
        out.findings.extend(_suppress(list(dict.fromkeys(found)), dash, cfg, today))
    return out


def _suppress(found: list[Finding], dash: Dashboard, cfg: LintConfig, today: date) -> list[Finding]:
    scoped: list[tuple[Suppression, tuple[int, int] | None]] = []
    for item in dash.suppressions:
        for text_line in item.text.splitlines():
            for s in parse_suppressions("#" + text_line):
                s.line = item.line
                scoped.append((s, item.span))
    kept = []
    for f in found:
        if not cfg.runs(f.check, CATALOG[f.check].default):
            continue
        hit = None
        for s, span in scoped:
            if s.covers(f.check) and s.active(today) and (
                    span is None or s.file_level or (f.line is not None and span[0] <= f.line <= span[1])):
                hit = s
                break
        if hit is not None:
            hit.used = True
            continue
        kept.append(f)
    if cfg.runs("lint/unused-suppression", True):
        for s, _span in scoped:
            if not s.used and not s.foreign and s.active(today):
                kept.append(Finding("lint/unused-suppression", Severity.INFO,
                                    f"suppression of {', '.join(s.ids)} matches no finding", dash.file, s.line))
    return kept
