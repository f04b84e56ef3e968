"""Whole rule sets: the Veza guide's original rules, the bundled rules, the realworld corpus, and
malformed files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ruletest.lint import lint_paths
from ruletest.lint.config import LintConfig, load_config, load_inventory
from tests.needs import CORPUS


def test_veza_guide_findings() -> None:
    repo = Path(__file__).resolve().parents[2]
    original = repo / "tests" / "data" / "veza_original"
    inv = load_inventory(original / "veza_metrics.txt")
    result = lint_paths([str(original / "guide_alerts.yml")], LintConfig(inventory=inv))
    got = {(f.check, f.rule) for f in result.findings}
    assert ("histogram/quantile-wrong-series", "HighResponseTime") in got
    assert ("histogram/quantile-without-rate", "HighResponseTime") in got
    assert ("promql/unknown-metric", "MessageQueueBacklog") in got


def test_bundled_rules_are_clean_under_the_repository_configuration() -> None:
    # pyproject.toml declares Veza's 15s scrape interval and metric inventory; the one known
    # gap (MessageQueueBacklog's metric is not exported yet) is suppressed in the rule file.
    repo = Path(__file__).resolve().parents[2]
    cfg = load_config(repo)
    assert cfg.scrape_interval_ms == 15_000 and cfg.inventory is not None
    result = lint_paths([str(repo / "rules")], cfg)
    assert [(f.check, f.rule) for f in result.findings if str(f.severity) != "info"] == []


@pytest.mark.needs("corpus")
def test_realworld_corpus_lints_without_crash_or_false_syntax_errors() -> None:
    files = [str(p) for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml")]
    result = lint_paths(files)
    assert result.rules > 1000
    syntax = [(f.file, f.message) for f in result.findings if f.check in ("promql/syntax", "yaml/parse")]
    # The only syntax error in the corpus is promtool's own deliberately broken fixture.
    assert [Path(f).name for f, _ in syntax] == ["bad-rules-syntax.yml"]


def test_malformed_inputs_are_located_errors(tmp_path: Path) -> None:
    (tmp_path / "groups.yml").write_text("groups: 5\n")
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        tests:
          - input_series:
              - series: 'up{'
                values: 1 2
    """))
    got = sorted((f.check, Path(f.file).name, f.line) for f in lint_paths([str(tmp_path)]).findings)
    assert got == [("schema/invalid", "groups.yml", 1), ("schema/invalid", "t_test.yml", 4)]
