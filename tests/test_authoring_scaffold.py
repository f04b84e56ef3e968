"""``ruletest new``: scaffolded test files pass ``ruletest test`` and promtool 2.42, with the values
and times reasoned out by hand for simple alerts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ruletest.authoring.mutate import MutateOptions, mutate_paths
from ruletest.authoring.scaffold import ScaffoldError, scaffold
from ruletest.rule_files import load_groups
from ruletest.semantics import Semantics
from tests import needs

REPO = Path(__file__).resolve().parent.parent
VEZA_RULES = [str(REPO / "rules" / "recording_rules.yml"), str(REPO / "rules" / "alerts.yml")]
VEZA_ALERTS = [r.name for g in load_groups(VEZA_RULES, Semantics.of(3)) for r in g.rules if r.is_alert]


def ruletest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruletest.cli", *args], cwd=cwd, capture_output=True, text=True)


def promtool(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", "test", "rules", path.name], cwd=path.parent, capture_output=True, text=True)


def groups_of(text: str) -> list[dict]:  # type: ignore[type-arg]
    return yaml.safe_load(text)["tests"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def veza_scaffolds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("veza") / "fixtures"
    out.mkdir()
    for rules in VEZA_RULES:
        (out.parent / Path(rules).name).write_text(Path(rules).read_text())
    files = {}
    for name in VEZA_ALERTS:
        path = out / f"{name}_test.yml"
        path.write_text(scaffold(name, [str(out.parent / Path(r).name) for r in VEZA_RULES], output=path,
                                 evaluation_interval="15s"))
        files[name] = path
    return files


def test_every_veza_scaffold_passes_ruletest_in_both_versions(veza_scaffolds: dict[str, Path]) -> None:
    files = [str(p) for p in veza_scaffolds.values()]
    for version in ("3", "2"):
        proc = ruletest("test", "--prometheus", version, *files, cwd=REPO)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.count("SUCCESS") == len(VEZA_ALERTS)


@pytest.mark.oracle
@pytest.mark.parametrize("alert", VEZA_ALERTS)
def test_every_veza_scaffold_passes_promtool(veza_scaffolds: dict[str, Path], alert: str) -> None:
    proc = promtool(veza_scaffolds[alert])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_values_and_times_for_a_gauge(veza_scaffolds: dict[str, Path]) -> None:
    text = veza_scaffolds["DatabaseConnectionsHigh"].read_text()
    fire, silent = groups_of(text)
    # veza_db_connections > 80, for 2m, evaluated every 15s: the shortest value above 80 is 81,
    # and 80 itself is the closest silent one (80 > 80 is false). The last check is at 4m: 16
    # intervals of 15s.
    assert fire["input_series"] == [{"series": "veza_db_connections", "values": "81x16"}]
    assert silent["input_series"] == [{"series": "veza_db_connections", "values": "80x16"}]
    # The series exists from 0s: pending from 0s, firing at 2m, pending at 1m45s.
    assert [(c["eval_time"], c["exp_alerts"]) for c in fire["alert_rule_test"]] == [
        ("1m45s", []),
        ("2m", [{"exp_labels": {"severity": "warning", "team": "database"},
                 "exp_annotations": {"summary": "Connexions DB élevées",
                                     "description": "Le nombre de connexions à la base de données est élevé (81)"}}]),
    ]
    # Silent checked once `for` has elapsed again after the firing time: 2m + 2m.
    assert [(c["eval_time"], c["exp_alerts"]) for c in silent["alert_rule_test"]] == [("4m", [])]
    assert "# gauge, constant 81" in text and "veza_db_connections = 81 (threshold > 80)" in text


def test_equality_alert_uses_round_values(veza_scaffolds: dict[str, Path]) -> None:
    fire, silent = groups_of(veza_scaffolds["ServiceDown"].read_text())
    # up == 0: firing with 0, silent with 1 (not -1 or 0.001).
    assert fire["input_series"][0]["values"].startswith("0x")
    assert silent["input_series"][0]["values"].startswith("1x")


def test_counter_through_recording_rules(veza_scaffolds: dict[str, Path]) -> None:
    text = veza_scaffolds["HighErrorRate"].read_text()
    fire, _ = groups_of(text)
    series = {s["series"] for s in fire["input_series"]}
    # The alert reads job:http_requests_5xx:ratio_rate5m; the inputs are what the recording rules
    # select: all requests and the 5xx ones (status=~"5.." satisfied by "500"), with a shared job.
    assert series == {'http_requests_total{job="job-1"}', 'http_requests_total{job="job-1", status="500"}'}
    assert "It reads job:http_requests_5xx:ratio_rate5m, recorded by" in text
    assert all(s["values"].startswith("0+") for s in fire["input_series"])  # counters
    # promtool evaluates groups in random order unless told: the recording rules go first.
    assert yaml.safe_load(text)["group_eval_order"] == [
        "veza_http_recording", "veza_cache_recording", "veza_critical_alerts", "veza_business_alerts"]


def test_mutation_testing_a_scaffold_kills_boundary_and_for_mutants(veza_scaffolds: dict[str, Path]) -> None:
    path = veza_scaffolds["DatabaseConnectionsHigh"]
    report = mutate_paths([str(path.parent.parent / "alerts.yml"), str(path)], MutateOptions(Semantics.of(3), jobs=1))
    status = {r.mutation.description: r.status for r in report.results if r.mutation.rule.name == path.stem[:-5]}
    assert status["> 80 → >= 80"] == "killed"  # the silent case sits at exactly 80
    assert status["for: 2m → for: 1m"] == "killed"  # the pending check at 1m45s
    assert status["for: 2m → for: 4m"] == "killed"  # the firing check at 2m


SHAPES = {
    # histogram_quantile over bucket counters, a join adding a label, an absent() alert, two
    # series compared with each other, a regex matcher and a counter compared with 0.
    "histogram": "histogram_quantile(0.9, sum by (le, service) (rate(rpc_seconds_bucket[10m]))) > 0.5",
    "join": 'sum by (instance) (rate(errors_total[5m])) * on(instance) group_left(team) owner_info > 1',
    "absent": 'absent(up{job="batch"})',
    "vectors": "queue_depth > on(queue) queue_capacity",
    "regex": 'sum by (code) (rate(http_total{code=~"5..|429"}[5m])) > 2',
    "zero": "increase(restarts_total[15m]) > 0",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_expression_shapes_pass_ruletest_and_promtool(tmp_path: Path, shape: str) -> None:
    (tmp_path / "rules.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n"
        f"        expr: {SHAPES[shape]!r}\n        for: 3m\n        labels: {{severity: page}}\n"
        "        annotations: {summary: '{{ $labels }} at {{ $value }}'}\n")
    out = tmp_path / "a_test.yml"
    out.write_text(scaffold("A", [str(tmp_path / "rules.yml")], output=out))
    proc = ruletest("test", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fire, silent = groups_of(out.read_text())
    assert fire["alert_rule_test"][-1]["exp_alerts"] and silent["alert_rule_test"][-1]["exp_alerts"] == []
    if needs.available("promtool"):
        assert promtool(out).returncode == 0, promtool(out).stdout


def test_absent_fires_without_the_series(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text("groups:\n  - name: g\n    rules:\n      - alert: A\n"
                                        "        expr: absent(up{job=\"batch\"})\n")
    fire, silent = groups_of(scaffold("A", [str(tmp_path / "rules.yml")]))
    assert fire["input_series"] == []
    # Present (as 1) in the silent group, checked one 1m interval after the firing time (0s).
    assert silent["input_series"] == [{"series": 'up{job="batch"}', "values": "1x1"}]
    # No `for`: firing at the first evaluation, with absent()'s labels from the equality matcher.
    assert fire["alert_rule_test"] == [{"alertname": "A", "eval_time": "0s", "exp_alerts": [
        {"exp_labels": {"job": "batch"}}]}]


def test_errors(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: sum(x)\n"
        "      - alert: Always\n        expr: vector(1) > 0\n"
        "      - alert: Never\n        expr: up > 0 and up < 0\n")
    rules = [str(tmp_path / "rules.yml")]
    with pytest.raises(ScaffoldError, match="no alerting rule named 'Alway' in the rule files \\(did you mean 'Always'"):
        scaffold("Alway", rules)
    with pytest.raises(ScaffoldError, match="Always reads no series"):
        scaffold("Always", rules)
    with pytest.raises(ScaffoldError, match="found no input that makes Never fire"):
        scaffold("Never", rules)
    proc = ruletest("new", "Never", "--rules", "rules.yml", "-o", "never_test.yml", cwd=tmp_path)
    assert proc.returncode == 1 and "write the input series by hand" in proc.stderr
    assert not (tmp_path / "never_test.yml").exists()  # nothing written


def test_cli_writes_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text("groups:\n  - name: g\n    rules:\n      - alert: High\n        expr: x > 10\n"
                     "      - alert: Low\n        expr: x < 1\n")
    (tmp_path / "tests").mkdir()
    proc = ruletest("new", "High", "--rules", "rules.yml", "-o", "tests/high_test.yml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load((tmp_path / "tests" / "high_test.yml").read_text())["rule_files"] == ["../rules.yml"]
    again = ruletest("new", "High", "--rules", "rules.yml", "-o", "tests/high_test.yml", cwd=tmp_path)
    assert again.returncode == 1 and "exists (use --force to overwrite)" in again.stderr
    # --untested: High is tested now, Low is not.
    untested = ruletest("new", "--untested", "--rules", "rules.yml", "--tests", "tests", "-o", "tests", cwd=tmp_path)
    assert untested.returncode == 0, untested.stderr
    assert sorted(p.name for p in (tmp_path / "tests").iterdir()) == ["high_test.yml", "low_test.yml"]
    assert ruletest("test", "tests", cwd=tmp_path).returncode == 0
    usage = ruletest("new", "--untested", "--rules", "rules.yml", cwd=tmp_path)
    assert usage.returncode == 2 and "--untested needs -o DIRECTORY" in usage.stderr


def test_long_windows_get_a_coarser_interval(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text("groups:\n  - name: g\n    rules:\n      - alert: Burn\n"
                                        "        expr: sum(rate(errors_total[3d])) > 1\n        for: 1h\n")
    out = tmp_path / "burn_test.yml"
    out.write_text(scaffold("Burn", [str(tmp_path / "rules.yml")], output=out))
    # 3d + 1h at the default 1m would be 4380 evaluations per trial, more than 720: the smallest
    # listed interval keeping it under 720 is 10m (438 evaluations; 5m would need 876).
    assert "evaluation_interval: 10m" in out.read_text()
    assert "# Evaluated every 10m, longer than the rules' own interval: their windows reach 3d." in out.read_text()
    assert ruletest("test", str(out), cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("argv", [
    ["new", "A"],
    ["capture", "--url", "http://127.0.0.1:9", "--start", "0", "--end", "60", "--alert", "A"],
    ["backtest", "--data", "unused.yml", "--alert", "A"],
])
def test_authoring_commands_name_a_broken_rule_file(argv: list[str], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # The rule file is loaded before anything else (no server is contacted, no data read).
    from ruletest.cli import main

    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[5m] > 1\n")
    assert main([*argv, "--rules", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"ruletest {argv[0]}: {bad}:5:" in err and "unclosed left parenthesis" in err
