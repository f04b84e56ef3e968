"""The CLI with PromQL the Rust parser cannot take: no panic text, Prometheus' errors located in
the rule file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ruletest.rules.loader import LoadOptions, RuleFileError, load_rule_text
from ruletest.semantics import PROMETHEUS_3


def ruletest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruletest.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_negative_at_timestamps_never_print_a_rust_panic(tmp_path: Path) -> None:
    # promql_parser 0.12 panics reading a negative @ timestamp and pyo3 prints the panic first
    # (issue 12). Negative timestamps are valid PromQL (parse_test.go "foo @ -100").
    (tmp_path / "rules.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - record: at_past\n    expr: up @ -100\n"
        "  - alert: Neg\n    expr: |\n      sum by (job) (\n        rate(errors_total[5m] @ -5)\n      ) > 0\n")
    (tmp_path / "test.yml").write_text(
        "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n- interval: 1m\n  input_series:\n"
        "  - series: up{job=\"a\"}\n    values: 1 1 1\n  promql_expr_test:\n  - expr: up @ -60\n"
        "    eval_time: 2m\n    exp_samples: []\n")
    proc = ruletest("test", "test.yml", cwd=tmp_path)
    assert "panicked" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_promql_errors_point_at_the_rule_files_line_and_column() -> None:
    text = ("groups:\n- name: g\n  rules:\n  - record: a\n    expr: |\n      sum(rate(x[5m]))\n"
            "        / on(job)\n      rate(y[5m]] +\n  - record: b\n    expr: 'foo + '\n")
    try:
        load_rule_text(text, "rules.yml", LoadOptions(PROMETHEUS_3))
    except RuleFileError as exc:
        problems = exc.problems
    else:
        raise AssertionError("the rule file loaded")
    first, second = problems
    # "]" at line 8, column 17 of the file; Prometheus' own position is line 3, column 11 of the
    # expression (posrange.go StartPosInput), and its message is lex.go's.
    assert (first.file, first.line, first.column) == ("rules.yml", 8, 17)
    assert first.message.endswith("could not parse expression: 3:11: parse error: unexpected right bracket ']'")
    assert text.splitlines()[first.line - 1][first.column - 1] == "]"
    # End of input in a single-quoted scalar: just after "foo + ".
    assert (second.line, second.column) == (10, 18)
    assert second.message.endswith("could not parse expression: 1:7: parse error: unexpected end of input")
    assert str(second).startswith("rules.yml:10:18: ")
