"""Lint findings and the check catalog."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from ruletest.records import record

if TYPE_CHECKING:
    from ruletest.lint.context import LintContext, RuleContext


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()


@record
class Finding:
    check: str
    severity: Severity
    message: str
    file: str
    line: int | None = None
    rule: str = ""
    fragment: str = ""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.check, self.message)


# A check yields (message, line or None for the expr line, fragment[, severity override]).
RuleCheck = Callable[["RuleContext"], Iterator[tuple[Any, ...]]]
FileCheck = Callable[["LintContext"], Iterator[Finding]]


@record
class CheckInfo:
    id: str
    severity: Severity
    summary: str
    explain: str
    func: RuleCheck | None = None
    default: bool = True  # off-by-default checks (style) run only when listed in `enable`


CATALOG: dict[str, CheckInfo] = {}


def check(check_id: str, severity: Severity, summary: str, explain: str = "", *,
          default: bool = True) -> Callable[[RuleCheck], RuleCheck]:
    """Register a per-rule check. It yields (message, line or None for the rule's expr line,
    offending fragment). ``default=False``: a style check that runs only when enabled."""

    def deco(func: RuleCheck) -> RuleCheck:
        CATALOG[check_id] = CheckInfo(check_id, severity, summary, explain or inspect.cleandoc(func.__doc__ or ""),
                                      func, default)
        return func

    return deco


def register(check_id: str, severity: Severity, summary: str, explain: str, *, default: bool = True) -> None:
    """Register a check implemented outside the per-rule pipeline (schema, deps, suppressions)."""
    CATALOG[check_id] = CheckInfo(check_id, severity, summary, explain, default=default)


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    rules: int = 0
    queries: int = 0  # dashboard queries
    test_files: int = 0  # promtool test files checked besides the rule files

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)
