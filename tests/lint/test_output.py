"""What `ruletest lint` prints and returns: text, JSON, GitHub, Checkstyle and SARIF formats,
exit codes, --explain and --list, and --changed against a git base."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ruletest.lint import lint_paths
from ruletest.lint.report import FORMATS
from tests.lint.builders import alert, record, rules


def test_formats(tmp_path: Path) -> None:
    p = tmp_path / "r.yml"
    p.write_text(rules(alert('up{job=~"api"} == 0')))
    result = lint_paths([str(p)])
    assert "r.yml:7: info promql/regex-literal [A]: use job=\"api\"" in FORMATS["text"](result)
    data = json.loads(FORMATS["json"](result))
    assert data["findings"][0]["check"] == "promql/regex-literal"
    gh = FORMATS["github"](result)
    assert gh.startswith("::notice file=") and ",line=7,title=promql/regex-literal::" in gh
    assert "<error line=\"7\" severity=\"info\"" in FORMATS["checkstyle"](result)


def test_sarif_validates_against_sarif_2_1_0(tmp_path: Path) -> None:
    import sarif_pydantic  # a [test] dependency: missing, this errors instead of skipping
    p = tmp_path / "r.yml"
    p.write_text(rules(alert('up{job=~"api"} == 0') + alert("up", name="B")))
    doc = json.loads(FORMATS["sarif"](lint_paths([str(p)])))
    sarif_pydantic.Sarif.model_validate(doc)
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    assert [r["ruleId"] for r in run["results"]] == ["promql/regex-literal", "alert/no-condition"]
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert all(len(r["partialFingerprints"]["ruletest/v1"]) == 64 for r in run["results"])


def test_cli_exit_codes_and_explain(tmp_path: Path) -> None:
    p = tmp_path / "r.yml"
    p.write_text(rules(alert("up")))  # alert/no-condition: a warning

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", *args], capture_output=True, text=True,
                              cwd=tmp_path)

    assert run(str(p)).returncode == 0
    assert run("--fail-on", "warning", str(p)).returncode == 1
    assert run("nope.yml").returncode == 2
    explain = run("--explain", "histogram/quantile-without-le")
    assert explain.returncode == 0 and "aggregating them without keeping `le`" in explain.stdout
    assert "promql/regex-literal" in run("--list").stdout


def test_changed_only_reports_changed_rules(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    p = tmp_path / "rules.yml"
    p.write_text(rules(alert('up{job=~"a"} == 0') + alert('up{job=~"b"} == 0', name="B")))
    git("add", ".")
    git("commit", "-qm", "x")
    p.write_text(rules(alert('up{job=~"a"} == 0') + alert('up{job=~"c"} == 0', name="B")))
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", "--changed", "--base", "HEAD",
                           "--format", "json", "rules.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["B"]


def test_changed_reports_readers_of_a_removed_recording_rule(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    (tmp_path / "records.yml").write_text(rules(records=record("job:up:sum", "sum by (job) (up)")
                                                + record("job:up:max", "max by (job) (up)")))
    (tmp_path / "alerts.yml").write_text(rules(alert("job:up:sum == 0") + alert("job:up:max == 0", name="B")))
    git("add", ".")
    git("commit", "-qm", "x")
    # The change removes job:up:sum; alerts.yml is untouched but its rule A still reads it.
    (tmp_path / "records.yml").write_text(rules(records=record("job:up:max", "max by (job) (up)")))
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", "--changed", "--base", "HEAD",
                           "--format", "json", "."], cwd=tmp_path, capture_output=True, text=True)
    found = [(f["check"], f["rule"]) for f in json.loads(proc.stdout)["findings"]]
    assert ("deps/removed-still-used", "A") in found
    assert not any(rule == "B" for _, rule in found)
    assert proc.returncode == 1
