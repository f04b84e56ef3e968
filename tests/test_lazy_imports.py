"""A small ``ruletest test`` run imports only what it uses (issue 17: a one-file run is mostly
interpreter start and imports). Not timed: speed is measured by ``benchmarks/``; this only
catches an eager import that creeps back onto the path of a plain run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs the CLI in a fresh interpreter (this process has imported everything already) and reports
# the modules loaded once the run is over, reporting included.
# json is imported after the run (and its modules dropped from the answer): the run must not need it.
_PROBE = """
import contextlib, io, sys
from ruletest.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(["test", sys.argv[1]])
modules = sorted(sys.modules)
import json
print(json.dumps({"rc": rc, "modules": modules}))
"""


def _modules_after_run(test_file: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, test_file], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["rc"] == 0
    return set(out["modules"])


def test_small_run_loads_neither_lint_nor_authoring_nor_alertmanager_internals() -> None:
    loaded = _modules_after_run("fixtures/service_down_test.yml")
    assert "ruletest.runner" in loaded  # the probe did run the tests
    # Subcommand registration needs only these; everything else of lint, authoring and
    # alertmanager belongs to their own subcommands (or to a test file with alertmanager: set).
    allowed = {"ruletest.lint", "ruletest.lint.config", "ruletest.authoring", "ruletest.authoring.commands"}
    for package in ("ruletest.lint", "ruletest.authoring", "ruletest.alertmanager"):
        extra = {m for m in loaded if (m == package or m.startswith(package + ".")) and m not in allowed}
        assert not extra, f"a plain test run imported {sorted(extra)}"


def test_small_run_loads_no_unused_report_formats_or_parsers() -> None:
    loaded = _modules_after_run("fixtures/service_down_test.yml")
    absent = {
        # report formats the run did not ask for
        "ruletest.reporting.html", "ruletest.reporting.junit", "ruletest.reporting.markdown",
        "ruletest.reporting.charts", "ruletest.reporting.svg", "ruletest.reporting.histogram_diff",
        "ruletest.reporting.coverage_summary",
        # the trace reports draw (RunOptions.trace)
        "ruletest.traces", "ruletest.report_trace",
        # expressions the Rust parser takes never load ruletest's own parser and its working tree
        "ruletest.promql.parser", "ruletest.promql.parse_nodes", "ruletest.promql.parse_convert",
        "ruletest.promql.parse_tables", "ruletest.promql.grammar", "ruletest.promql.parse_check",
        # no expected histogram in the file
        "ruletest.histogram_expectations", "ruletest.promql.histogram_aggregations",
        # the Python API, Hypothesis strategies, the pytest plugin, JSON schemas
        "ruletest.api", "ruletest.strategies", "ruletest.schema", "hypothesis", "jinja2",
        # close-match suggestions only for a misspelt key; JSON only for lint output and errors
        "difflib", "json",
        # numbers are formatted from their shortest digits
        "decimal",
    }
    assert not absent & loaded, f"a plain test run imported {sorted(absent & loaded)}"


def test_run_without_alert_templates_loads_no_template_engine(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n"
        "  - alert: Down\n    expr: job:up:sum == 0\n    annotations:\n      summary: plain text\n")
    (tmp_path / "test.yml").write_text(
        "rule_files: [rules.yml]\ntests:\n- interval: 1m\n  input_series:\n  - series: up{job=\"a\"}\n"
        "    values: 1x5\n  promql_expr_test:\n  - expr: job:up:sum\n    eval_time: 5m\n    exp_samples:\n"
        "    - labels: job:up:sum{job=\"a\"}\n      value: 1\n  alert_rule_test:\n  - alertname: Down\n"
        "    eval_time: 5m\n")
    loaded = _modules_after_run(str(tmp_path / "test.yml"))
    assert "ruletest.runner" in loaded
    assert not {m for m in loaded if m.startswith("ruletest.templates")}, sorted(loaded)
