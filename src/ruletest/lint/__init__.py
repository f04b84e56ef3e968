"""ruletest lint: offline checks of Prometheus rule files (see ``ruletest lint --list``)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruletest.lint.linter import lint_paths
    from ruletest.lint.model import CATALOG, Finding, LintResult, Severity

__all__ = ["CATALOG", "Finding", "LintResult", "Severity", "lint_paths"]

# Imported on first use: `ruletest test` reads its settings from ruletest.lint.config and must not
# pay for loading every check.
_WHERE = {"lint_paths": "ruletest.lint.linter", "CATALOG": "ruletest.lint.model", "Finding": "ruletest.lint.model",
          "LintResult": "ruletest.lint.model", "Severity": "ruletest.lint.model"}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(where), name)
    globals()[name] = value
    return value
