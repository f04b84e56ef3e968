"""Lint configuration: pyproject.toml, the metric inventory, and suppression comments
(ruletest's and pint's)."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from ruletest.lint import lint_paths
from ruletest.lint.config import load_config, load_inventory
from tests.lint.builders import alert, findings, record, rules


def test_suppressions(tmp_path: Path) -> None:
    text = rules(alert('up{job=~"api"} == 0') + "  # ruletest: disable=promql/regex-literal\n"
                 + alert('up{job=~"web"} == 0', name="B")
                 + alert("up == 0", name="C") + "  # ruletest: disable=alert/no-condition\n"
                 + alert("vector(1)", name="D") + "  # ruletest: disable=alert/always-fires until=2000-01-01\n")
    p = tmp_path / "r.yml"
    p.write_text(text)
    result = lint_paths([str(p)], today=date(2026, 1, 1))
    got = sorted((f.check, f.rule) for f in result.findings)
    assert ("promql/regex-literal", "A") not in got
    assert ("promql/regex-literal", "B") in got
    assert ("alert/always-fires", "D") in got  # the suppression expired
    assert ("lint/unused-suppression", "") in got  # C's suppression matches nothing


def test_pint_comments_are_honoured(tmp_path: Path) -> None:
    text = rules(alert('up{job=~"api"} == 0')).replace("- alert: A", "# pint disable promql/regexp\n      - alert: A")
    assert "promql/regex-literal" not in findings(tmp_path, text)


def test_config_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "metrics.txt").write_text("# TYPE up gauge\nnode_*: gauge\n")
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.ruletest]
        prometheus = 2
        scrape_interval = "15s"
        inventory = "metrics.txt"
        [tool.ruletest.lint]
        allowed_severities = ["page", "ticket"]
        required_annotations = ["summary"]
        disable = ["record/name-convention"]
        severity = {"alert/missing-annotation" = "error"}
    """))
    cfg = load_config(tmp_path)
    assert cfg.prometheus == 2 and cfg.scrape_interval_ms == 15_000
    assert cfg.allowed_severities == ("page", "ticket")
    assert cfg.inventory is not None and cfg.inventory.type_of("node_load1") == "gauge"
    p = tmp_path / "r.yml"
    p.write_text(rules(alert("up == 0", annotations="description: d"), records=record("x", "up")))
    result = lint_paths([str(p)], cfg)
    checks = {(f.check, str(f.severity)) for f in result.findings}
    assert ("alert/missing-annotation", "error") in checks
    assert ("alert/severity-value", "warning") in checks
    assert not any(c == "record/name-convention" for c, _ in checks)


def test_inventory_errors_name_the_line(tmp_path: Path) -> None:
    p = tmp_path / "inv.txt"
    p.write_text("a: counter\nb: sometimes\n")
    with pytest.raises(Exception, match=r"inv.txt:2: expected 'name: type'"):
        load_inventory(p)
