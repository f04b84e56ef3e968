"""ruletest lint: offline checks of Prometheus rule files (see ``ruletest lint --list``)."""

from __future__ import annotations

from ruletest.lint.linter import lint_paths
from ruletest.lint.model import CATALOG, Finding, LintResult, Severity

__all__ = ["CATALOG", "Finding", "LintResult", "Severity", "lint_paths"]
