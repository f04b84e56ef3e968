"""ruletest lint: offline checks of Prometheus rule files (see ``ruletest lint --list``).

The names below are imported on first use, so that reading the configuration
(``ruletest.lint.config``, which the pytest plugin does at start-up) does not load every check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruletest.lint.linter import lint_paths
    from ruletest.lint.model import CATALOG, Finding, LintResult, Severity

__all__ = ["CATALOG", "Finding", "LintResult", "Severity", "lint_paths"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    # By sys.modules, not by this package's attributes (which may hold a module that was unloaded).
    linter = importlib.import_module("ruletest.lint.linter")  # imports every check, which fills CATALOG
    return getattr(linter if name == "lint_paths" else importlib.import_module("ruletest.lint.model"), name)
