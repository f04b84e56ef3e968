"""Lint configuration: pyproject.toml, the metric inventory, and suppression comments
(ruletest's and pint's)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from ruletest.lint import lint_paths
from ruletest.lint.config import ConfigError, LintConfig, load_config, load_inventory
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


# --- Validation: every key of [tool.ruletest] is checked. Expected lines are where the test's own
# TOML text has the offending key or item (found by searching the text, not by ruletest).

def _line_of(text: str, fragment: str) -> int:
    (line,) = [n for n, content in enumerate(text.splitlines(), 1) if fragment in content]
    return line


def _error(tmp_path: Path, text: str, name: str = "pyproject.toml", explicit: bool = False) -> ConfigError:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, explicit=str(tmp_path / name) if explicit else None)
    return info.value


@pytest.mark.parametrize(("text", "offending", "code", "says"), [
    # A misspelt policy key must not silently turn the policy off.
    ('[tool.ruletest]\nallowed_severitys = ["page"]\n', "allowed_severitys", "config/unknown-key",
     "unknown setting 'allowed_severitys' in [tool.ruletest] (did you mean 'allowed_severities'?)"),
    ('[tool.ruletest.lint]\nenabel = ["alert/runbook-url"]\n', "enabel", "config/unknown-key",
     "unknown setting 'enabel' in [tool.ruletest.lint] (did you mean 'enable'?)"),
    ('[tool.ruletest.lint]\ndisable = [\n  "group/size",\n  "rule/duplicat",\n]\n', '"rule/duplicat"',
     "config/unknown-check", "disable: unknown check 'rule/duplicat' (did you mean 'rule/duplicate'?)"),
    ('[tool.ruletest]\nenable = ["alert/runbok-url"]\n', "enable", "config/unknown-check",
     "enable: unknown check 'alert/runbok-url' (did you mean 'alert/runbook-url'?)"),
    ('[tool.ruletest.lint]\nseverity = {"rule/duplicate" = "fatal"}\n', "severity", "config/invalid-value",
     'severity of rule/duplicate must be error, warning or info, got "fatal"'),
    ('[tool.ruletest.lint]\nseverity = {"rule/duplicat" = "info"}\n', "severity", "config/unknown-check",
     "severity: unknown check 'rule/duplicat' (did you mean 'rule/duplicate'?)"),
    ('[tool.ruletest]\nprometheus = "three"\n', "prometheus", "config/invalid-value",
     'prometheus must be 2 or 3 (the major version to emulate), got "three"'),
    ('[tool.ruletest]\nprometheus = 4\n', "prometheus", "config/invalid-value", "prometheus must be 2 or 3"),
    ('[tool.ruletest]\nprometheus = true\n', "prometheus", "config/invalid-value", "got true"),
    ('[tool.ruletest]\ngroup_max_rules = "x"\n', "group_max_rules", "config/invalid-value",
     'group_max_rules must be a positive integer, got "x"'),
    ('[tool.ruletest]\nscrape_interval = "5x"\n', "scrape_interval", "config/invalid-value",
     'scrape_interval: not a valid duration string: "5x"'),
    ('[tool.ruletest]\nevaluation_interval = 15\n', "evaluation_interval", "config/invalid-value",
     'evaluation_interval must be a duration such as "15s", got 15'),
    ('[tool.ruletest]\nretention = "0"\n', "retention", "config/invalid-value", "retention must be positive"),
    ('[tool.ruletest]\nrequired_labels = "severity"\n', "required_labels", "config/invalid-value",
     'required_labels must be a list of strings, got "severity"'),
    ('[tool.ruletest]\nexternal_labels = {site = 1}\n', "external_labels", "config/invalid-value",
     "external_labels must be a table of label = \"value\": site = 1 is not a string"),
    ('[tool.ruletest]\ninventory = "missing.txt"\n', "inventory", "config/unreadable",
     'inventory = "missing.txt": cannot read metric inventory'),
    ('[tool.ruletest]\nlint = ["x"]\n', "lint", "config/invalid-value", "lint must be a table"),
    # A policy key at the top level, and a top-level key in the policy: say where it belongs.
    ('[tool.ruletest]\nalert_name = "[A-Z].*"\n', "alert_name", "config/unknown-key",
     "unknown setting 'alert_name' in [tool.ruletest] (alert_name belongs in [tool.ruletest.policy])"),
    ('[tool.ruletest.policy]\nprometheus = 2\n', "prometheus", "config/unknown-key",
     "unknown policy setting 'prometheus' in [tool.ruletest.policy] (prometheus belongs in [tool.ruletest])"),
    ('[tool.ruletest.policy]\nalert_nme = "x"\n', "alert_nme", "config/unknown-key",
     "(did you mean 'alert_name'?)"),
    ('[tool.ruletest.policy]\nlabel_values = {team = "("}\n', "label_values", "config/invalid-value",
     "invalid policy regex '('"),
    ('[tool.ruletest.policy]\nfor_min = "1h"\nfor_max = "5m"\n', "for_max", "config/invalid-value",
     "policy for_min is above for_max"),
    ('[tool.ruletest]\nprometheus = 3\nscrape_interval = "15s\n', "scrape_interval", "config/syntax",
     "invalid TOML"),
])
def test_bad_settings_name_the_file_and_line(tmp_path: Path, text: str, offending: str, code: str, says: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    err = _error(tmp_path, text)
    assert err.code == code
    assert err.file == "pyproject.toml"
    assert err.line == _line_of(text, offending.strip())
    assert says in err.message


def test_every_problem_is_reported_in_file_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = textwrap.dedent("""\
        [tool.ruletest]
        allowed_severitys = ["page"]
        [tool.ruletest.lint]
        enabel = ["alert/runbook-url"]
        disable = ["rule/duplicat"]
        severity = {"rule/duplicate" = "fatal"}
    """)
    err = _error(tmp_path, text)
    assert [(p.line, p.code) for p in err.problems] == [
        (2, "config/unknown-key"), (4, "config/unknown-key"), (5, "config/unknown-check"),
        (6, "config/invalid-value")]
    assert str(err).splitlines()[0].startswith("pyproject.toml:2:1: unknown setting 'allowed_severitys'")
    assert str(err).splitlines()[2].startswith("pyproject.toml:5:12: disable: unknown check")  # at the item


def test_ruletest_toml_keys_are_checked(tmp_path: Path) -> None:
    err = _error(tmp_path, '[lint]\nallowed_severites = ["page"]\n', name="ruletest.toml")
    assert err.code == "config/unknown-key" and err.line == 2
    assert "in [lint] (did you mean 'allowed_severities'?)" in err.message


def test_an_explicit_file_may_hold_a_tool_ruletest_table(tmp_path: Path) -> None:
    # `--config pp.toml` with a pyproject layout: its [tool.ruletest] is read, whatever the name.
    (tmp_path / "pp.toml").write_text('[project]\nname = "x"\n[tool.ruletest]\nprometheus = 2\n'
                                      '[tool.ruletest.lint]\ndisable = ["group/size"]\n')
    cfg = load_config(explicit=str(tmp_path / "pp.toml"))
    assert cfg.prometheus == 2 and cfg.disabled == {"group/size"}
    (tmp_path / "pp.toml").write_text('[tool.ruletest]\nprometheus = 4\n')
    with pytest.raises(ConfigError) as info:
        load_config(explicit=str(tmp_path / "pp.toml"))
    assert info.value.line == 2


def test_a_file_without_the_table(tmp_path: Path) -> None:
    # A project's pyproject.toml that does not configure ruletest: defaults.
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.black]\nline-length = 100\n')
    assert load_config(tmp_path) == LintConfig()
    # Named explicitly, a file without settings is a mistake.
    for text in ('[project]\nname = "x"\n', '[tool.black]\nline-length = 100\n'):
        assert _error(tmp_path, text, explicit=True).code == "config/no-table"
    (tmp_path / "other.toml").write_text('[tool.black]\nline-length = 100\n')
    with pytest.raises(ConfigError) as info:
        load_config(explicit=str(tmp_path / "other.toml"))
    assert info.value.code == "config/no-table"


def test_every_documented_setting_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "metrics.txt").write_text("# TYPE up gauge\n")
    (tmp_path / "ruletest.toml").write_text(textwrap.dedent("""
        prometheus = "2"
        scrape_interval = "15s"
        evaluation_interval = "30s"
        retention = "30d"
        features = ["promql-experimental-functions"]
        inventory = "metrics.txt"
        external_labels = {site = "eqiad"}
        test_paths = ["tests"]
        group_max_rules = 20
        [lint]
        allowed_severities = ["page"]
        required_labels = ["severity"]
        required_annotations = ["summary"]
        disable = ["record/name-convention"]
        enable = ["alert/runbook-url"]
        severity = {"counter/irate-in-alert" = "INFO"}
        [policy]
        alert_name = "[A-Z].*"
        record_name = ".*:.*"
        label_values = {team = "a|b"}
        annotation_values = {runbook_url = "https://.*"}
        for_min = "0s"
        for_max = "1h"
        forbidden_metrics = ["x_.*"]
    """))
    cfg = load_config(tmp_path)
    assert (cfg.prometheus, cfg.scrape_interval_ms, cfg.evaluation_interval_ms, cfg.retention_ms) == (
        2, 15_000, 30_000, 30 * 86_400_000)
    assert cfg.scrape_interval_declared and cfg.evaluation_interval_declared and cfg.retention_declared
    assert cfg.features == {"promql-experimental-functions"} and cfg.external_labels == {"site": "eqiad"}
    assert cfg.test_paths == (str(tmp_path / "tests"),) and cfg.group_max_rules == 20
    assert cfg.allowed_severities == ("page",) and cfg.required_labels == ("severity",)
    assert cfg.required_annotations == ("summary",)
    assert cfg.disabled == {"record/name-convention"} and cfg.enabled == {"alert/runbook-url"}
    assert cfg.severity_overrides == {"counter/irate-in-alert": "info"}
    assert cfg.policy.for_min_ms == 0 and cfg.policy.for_max_ms == 3_600_000
    assert cfg.policy.record_name == ".*:.*" and cfg.policy.annotation_values == {"runbook_url": "https://.*"}


@pytest.mark.parametrize("setting", ['prometheus = "three"', "prometheus = 4", 'group_max_rules = "x"',
                                     'scrape_interval = "5x"', 'allowed_severitys = ["page"]'])
def test_the_commands_exit_2_with_the_message(tmp_path: Path, setting: str, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from ruletest.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f"[tool.ruletest]\n{setting}\n")
    (tmp_path / "r.yml").write_text(rules(alert("up == 0")))
    (tmp_path / "t.yml").write_text("rule_files: [r.yml]\ntests: []\n")
    for args in (["lint", "r.yml"], ["test", "t.yml"]):
        assert main(args) == 2
        out, err = capsys.readouterr()
        assert err.startswith(f"ruletest {args[0]}: pyproject.toml:2:1: ") and out == ""
    (tmp_path / "pp.toml").write_text(f"[tool.ruletest]\n{setting}\n")
    (tmp_path / "pyproject.toml").unlink()
    assert main(["lint", "--config", "pp.toml", "r.yml"]) == 2
    assert capsys.readouterr().err.startswith("ruletest lint: pp.toml:2:1: ")


def test_no_traceback_from_the_command(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ruletest]\nprometheus = "three"\n')
    (tmp_path / "r.yml").write_text(rules(alert("up == 0")))
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", "r.yml"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == ('ruletest lint: pyproject.toml:2:1: prometheus must be 2 or 3 (the major version to '
                           'emulate), got "three"\n')
