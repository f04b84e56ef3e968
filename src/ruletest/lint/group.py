"""Checks on rule groups and on rule labels shared by alerts and recordings."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check
from ruletest.promql.ast import format_duration

Out = Iterator[tuple[Any, ...]]
WELL_KNOWN = ("severity", "summary", "description", "runbook_url", "dashboard", "dashboard_url", "team")


@check("group/interval-too-long", Severity.WARNING, "recording group interval longer than the 5m lookback")
def interval_too_long(ctx: RuleContext) -> Out:
    """Recorded series go stale after 5 minutes without a new sample; a group that records and is
    evaluated less often produces series that vanish between evaluations, and alerts reading
    them flap (`alert/never-fires-gaps` reports the alerts that can then never fire). Groups of
    alerts only are not reported: Alertmanager keeps their alerts for four intervals."""
    g = ctx.group
    if ctx.rule.index == 0 and g.interval_ms is not None and g.interval_ms > 300_000 and \
            any(not r.is_alert for r in g.rules):
        yield f"group {g.name} runs every {format_duration(g.interval_ms)}: its series go stale after 5m", \
            g.line, g.name


@check("labels/typo", Severity.WARNING, "label or annotation name close to a well-known one")
def typo(ctx: RuleContext) -> Out:
    """`sumary`, `serverity` or `runbook` vs `runbook_url`: receivers and templates look for the
    exact names."""
    for where, mapping in (("label", ctx.rule.labels), ("annotation", ctx.rule.annotations)):
        for key, _ in mapping:
            # `dashboard_url`, `summary_short`: a well-known name extended, not misspelt.
            if key in WELL_KNOWN or any(key.startswith(w + "_") or key.endswith("_" + w) for w in WELL_KNOWN):
                continue
            close = difflib.get_close_matches(key, WELL_KNOWN, n=1, cutoff=0.8)
            if close:
                yield f"{where} {key} looks like a misspelt {close[0]}", ctx.rule.line, key


@check("group/interval-too-short", Severity.WARNING, "group interval shorter than the scrape interval")
def interval_too_short(ctx: RuleContext) -> Out:
    """Evaluating more often than targets are scraped recomputes the same inputs: extra load,
    identical results. Without a declared `scrape_interval` (1m assumed), only a hint (info)."""
    g = ctx.group
    if ctx.rule.index == 0 and g.interval_ms is not None and g.interval_ms < ctx.config.scrape_interval_ms:
        yield (f"group {g.name} runs every {format_duration(g.interval_ms)}, more often than the "
               f"{format_duration(ctx.config.scrape_interval_ms)} scrape interval"), g.line, g.name, \
            None if ctx.config.scrape_interval_declared else Severity.INFO


@check("group/size", Severity.INFO, "group with many rules", default=False)
def size(ctx: RuleContext) -> Out:
    """Off by default (`enable = ["group/size"]`). Rules of a group run one after another; a group
    with more than `group_max_rules` (default 50) rules may not finish within its interval."""
    g = ctx.group
    if ctx.rule.index == 0 and len(g.rules) > ctx.config.group_max_rules:
        yield f"group {g.name} has {len(g.rules)} rules (more than {ctx.config.group_max_rules})", g.line, g.name
