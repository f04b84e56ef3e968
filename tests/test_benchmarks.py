"""The benchmarks run (on small inputs here; README says how to run them in full) and print the
side-by-side ratio they exist for. Their numbers are measurements, not test results: nothing
here asserts a speed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import REPO

BENCHMARKS = REPO / "benchmarks"


def _run(script: str, *args: str, cwd: Path = REPO) -> str:
    proc = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.needs("promtool")
def test_benchmarks_run_on_a_small_input(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(REPO / "rules" / "alerts.yml", rules)
    shutil.copy(REPO / "rules" / "recording_rules.yml", rules)
    (rules / "not_rules.yml").write_text("global: {scrape_interval: 15s}\n")  # other YAML is left out
    lint = _run("bench_lint.py", "--corpus", str(rules), "--repeat", "1")
    assert "2 rule files, 17 rules" in lint and "ratio (ruletest / promtool):" in lint

    engine = _run("bench_engine.py", "--series", "20", "--hours", "1", "--repeat", "1")
    assert "20 series x 240 samples" in engine and "ratio" in engine

    histograms = _run("bench_histograms.py", "--series", "10", "--hours", "1", "--repeat", "1")
    assert "10 native histogram series x 240 samples" in histograms and "histogram_quantile" in histograms

    report = _run("bench_report.py", "--corpus", str(REPO / "fixtures"), "--repeat", "1")
    assert "HTML:" in report and "JUnit:" in report

    mutate = _run("bench_mutate.py", "--no-corpus", "--jobs", "1")
    assert "veza: " in mutate and "mutation score: " in mutate and "ratio" in mutate

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # A plain promtool test file; its rule_files (../rules/*.yml) are the copies above.
    shutil.copy(REPO / "fixtures" / "service_down_test.yml", corpus)
    bench = _run("bench_corpus.py", "--corpus", str(corpus), "--repeat", "1", "--file-repeat", "0", "--top", "1",
                 "--min-seconds", "0", "--small-repeat", "2")
    assert "whole corpus: 1 files" in bench and "ratio ruletest/promtool" in bench and "worst ratio" in bench
    assert "a small file on its own" in bench and "ratio of the means" in bench
