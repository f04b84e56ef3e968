"""Small rule files for lint tests: a group with alerts and recording rules, and the set of
checks that report on one."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ruletest.lint import lint_paths
from ruletest.lint.config import Inventory, LintConfig


def rules(alerts: str = "", records: str = "") -> str:
    return textwrap.dedent("""
        groups:
          - name: g
            rules:
        """) + textwrap.indent(textwrap.dedent(records) + textwrap.dedent(alerts), "      ")


def alert(expr: str, *, labels: str = "severity: warning", annotations: str = "summary: s", extra: str = "",
          name: str = "A") -> str:
    return f"""
- alert: {name}
  expr: '{expr}'{extra}
  labels: {{{labels}}}
  annotations: {{{annotations}}}
"""


def record(name: str, expr: str) -> str:
    return f"""
- record: {name}
  expr: '{expr}'
"""


def findings(tmp_path: Path, text: str, config: LintConfig | None = None) -> set[str]:
    p = tmp_path / "rules.yml"
    p.write_text(text)
    return {f.check for f in lint_paths([str(p)], config or LintConfig()).findings}

INV = Inventory({"x_total": "counter", "g": "gauge", "h": "histogram", "node_*": "gauge"})
