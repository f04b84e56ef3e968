"""Version compatibility checks (the target Prometheus version is declared, default 3)."""

from __future__ import annotations

from collections.abc import Iterator

from ruletest.lint.context import RuleContext
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A

Out = Iterator[tuple[str, int | None, str]]


@check("compat/removed-function", Severity.ERROR, "function removed in Prometheus 3")
def removed_function(ctx: RuleContext) -> Out:
    """`holt_winters` was renamed `double_exponential_smoothing` (behind a feature flag) in
    Prometheus 3; rule files using it no longer load."""
    if ctx.config.prometheus < 3:
        return
    stack = [ctx.expr]
    while stack:
        e = stack.pop()
        stack.extend(A.children(e))
        if isinstance(e, A.Call) and e.func == "holt_winters":
            yield "holt_winters() does not exist in Prometheus 3 (double_exponential_smoothing)", None, "holt_winters"
