"""Grafana dashboards in `ruletest lint`: reading them, linting their Prometheus queries with the
rules' checks, and the Veza guide's dashboards (dashboards/)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ruletest.lint import lint_paths
from ruletest.lint.config import LintConfig, load_config, load_inventory
from ruletest.lint.jsonpos import JsonError, load_json
from ruletest.lint.model import Finding

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"
VEZA_INVENTORY = REPO / "tests" / "data" / "veza_original" / "veza_metrics.txt"
# Checks only dashboards have; each is exercised below (tests/lint/test_checks.py counts on it).
GRAFANA_CHECKS = {"grafana/invalid-json", "grafana/legend-label", "grafana/legend-collision"}

PROM = {"type": "prometheus", "uid": "prom"}


def dashboard(*panels: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": "T", "uid": "t", "schemaVersion": 39, "time": {"from": "now-6h", "to": "now"},
            "panels": list(panels), **extra}


def panel(title: str, *targets: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": title, "type": "timeseries", "datasource": PROM, "targets": list(targets), **extra}


def target(expr: str, ref: str = "A", **extra: Any) -> dict[str, Any]:
    return {"refId": ref, "expr": expr, **extra}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def lint(*paths: Path, config: LintConfig | None = None, **kw: Any) -> list[Finding]:
    return lint_paths([str(p) for p in paths], config or LintConfig(), **kw).findings


def line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


# --- the Veza guide's dashboards --------------------------------------------------------------

def repo_lint(*paths: Path) -> list[Finding]:
    return lint(*paths, REPO / "rules", config=load_config(REPO))


def test_guide_overview_dashboard_defects_are_reported() -> None:
    path = DASHBOARDS / "guide" / "veza-platform-overview.json"
    found = {(f.check, f.rule, f.line) for f in repo_lint(path) if f.file == str(path)}
    p95 = line_of(path, '"expr": "histogram_quantile(0.95, http_request_duration_seconds)"')
    p50 = line_of(path, '"expr": "histogram_quantile(0.50, http_request_duration_seconds)"')
    e5xx = line_of(path, '"legendFormat": "5xx errors"')
    e4xx = line_of(path, '"legendFormat": "4xx errors"')
    assert found == {
        # The guide's Response Time panel: `http_request_duration_seconds` is a histogram (the
        # guide's HistogramVec), whose series are _bucket/_sum/_count, and there is no rate().
        ("histogram/quantile-wrong-series", 'panel "Response Time" A', p95),
        ("histogram/quantile-without-rate", 'panel "Response Time" A', p95),
        ("histogram/quantile-wrong-series", 'panel "Response Time" B', p50),
        ("histogram/quantile-without-rate", 'panel "Response Time" B', p50),
        # The 5xx (and 4xx) series: one per-series absolute rate per status, method, endpoint and
        # instance, all drawn under the one name "5xx errors".
        ("grafana/legend-collision", 'panel "Error Rate" A', e5xx),
        ("grafana/legend-collision", 'panel "Error Rate" B', e4xx),
    }


def test_guide_security_dashboard_metrics_are_in_the_inventory() -> None:
    # veza_failed_logins_total and veza_rate_limit_violations_total are defined in the guide
    # (business_metrics.go, "Métriques de sécurité") and so in the inventory built from it: the
    # dashboard reading them is not reported. Against an inventory without them it would be.
    path = DASHBOARDS / "guide" / "security-monitoring.json"
    assert "veza_failed_logins_total counter" in VEZA_INVENTORY.read_text()
    assert [f for f in repo_lint(path) if f.file == str(path)] == []
    reduced = LintConfig(inventory=load_inventory(VEZA_INVENTORY))
    reduced.inventory.types.pop("veza_failed_logins_total")  # type: ignore[union-attr]
    reduced.inventory.types.pop("veza_rate_limit_violations_total")  # type: ignore[union-attr]
    unknown = {(f.rule, f.fragment) for f in lint(path, config=reduced) if f.check == "promql/unknown-metric"}
    assert unknown == {('panel "Failed Login Attempts" A', "veza_failed_logins_total"),
                       ('panel "Rate Limit Violations" A', "veza_rate_limit_violations_total"),
                       ('panel "Suspicious IPs" A', "veza_failed_logins_total")}


def test_corrected_dashboards_lint_clean_and_read_the_alerts_recording_rules() -> None:
    corrected = sorted(DASHBOARDS.glob("*.json"))
    assert [p.name for p in corrected] == ["security-monitoring.json", "veza-platform-overview.json"]
    assert [f for f in repo_lint(*corrected) if f.file.endswith(".json")] == []
    text = (DASHBOARDS / "veza-platform-overview.json").read_text()
    for recorded in ("job:http_requests_5xx:ratio_rate5m", "job:http_request_duration_seconds:p95_rate5m",
                     "veza:cache_hit_ratio:rate5m"):
        assert recorded in text and recorded in (REPO / "rules" / "alerts.yml").read_text()


def test_guide_dashboards_are_valid_exports() -> None:
    for path in sorted(DASHBOARDS.rglob("*.json")):
        data = json.loads(path.read_text())
        assert data["__inputs"][0]["pluginId"] == "prometheus" and data["schemaVersion"] >= 36
        for p in data["panels"]:
            assert p["gridPos"] and p["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
            assert [t["refId"] for t in p["targets"]] == sorted(t["refId"] for t in p["targets"])


# --- reading dashboards -----------------------------------------------------------------------

BAD = "histogram_quantile(0.9, x_seconds_bucket)"  # histogram/quantile-without-rate


def test_api_wrapper_rows_collapsed_rows_and_library_panels(tmp_path: Path) -> None:
    wrapped = write(tmp_path / "wrapped.json", {"meta": {"slug": "t"}, "dashboard": dashboard(
        panel("top", target(BAD)),
        {"type": "row", "title": "r", "collapsed": True, "panels": [panel("in collapsed row", target(BAD))]},
        {"title": "lib", "libraryPanel": {"uid": "L1", "name": "lib"}},
    )})
    data = json.loads(wrapped.read_text())
    data["__elements"] = {"L1": {"name": "lib", "uid": "L1", "kind": 1, "model": panel("lib", target(BAD, "Q"))}}
    write(wrapped, data)
    old = write(tmp_path / "old.json", {"title": "old", "rows": [{"title": "r", "panels": [panel("old row", target(BAD))]}]})
    got = {(Path(f.file).name, f.rule) for f in lint(wrapped, old) if f.check == "histogram/quantile-without-rate"}
    assert got == {("wrapped.json", 'panel "top" A'), ("wrapped.json", 'panel "in collapsed row" A'),
                   ("wrapped.json", 'panel "lib" Q'), ("old.json", 'panel "old row" A')}


def test_findings_point_at_the_expr_line(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", dashboard(panel("p", target("up"), target(BAD, "B"))))
    (finding,) = lint(path)
    assert (finding.line, finding.rule) == (line_of(path, BAD), 'panel "p" B')


def test_annotation_queries_are_linted(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", dashboard(annotations={"list": [
        {"name": "deploys", "datasource": PROM, "expr": "changes(x_total[5m]) > 0 and"}]}))
    (finding,) = lint(path)
    assert (finding.check, finding.rule) == ("promql/syntax", 'annotation "deploys"')


def test_directories_pick_dashboards_by_content(tmp_path: Path) -> None:
    write(tmp_path / "package.json", {"name": "x", "dependencies": {}})
    write(tmp_path / "d.json", dashboard(panel("p", target(BAD))))
    (tmp_path / "broken.json").write_text('{"title": "t", "panels": [\n  {"title": "p",}\n]}\n')
    (tmp_path / "tsconfig.json").write_text('{ // comments: not JSON, not a dashboard\n}\n')
    got = {(Path(f.file).name, f.check, f.line) for f in lint(tmp_path)}
    assert got == {("d.json", "histogram/quantile-without-rate", line_of(tmp_path / "d.json", BAD)),
                   ("broken.json", "grafana/invalid-json", 2)}


def test_json_rule_files_are_still_rule_files(tmp_path: Path) -> None:
    rules = write(tmp_path / "rules.json", {"groups": [{"name": "g", "rules": [{"record": "a:b:c", "expr": "up =="}]}]})
    assert [f.check for f in lint(rules)] == ["promql/syntax"]


def test_json_positions() -> None:
    doc = load_json('{\n  "a": [\n    1,\n    {"b": "x\\ny"}\n  ]\n}')
    assert doc.value == {"a": [1, {"b": "x\ny"}]}
    assert (doc.line(("a",)), doc.line(("a", 1, "b")), doc.span(("a",)), doc.span(())) == (2, 4, (2, 5), (1, 6))
    with pytest.raises(JsonError) as err:
        load_json('{"a": 1,\n "b" 2}', "f.json")
    assert (err.value.line, err.value.column) == (2, 6) and "Expecting ':' delimiter" in err.value.message


# --- data sources -----------------------------------------------------------------------------

def test_only_prometheus_queries_are_linted(tmp_path: Path) -> None:
    loki = {"type": "loki", "uid": "l"}
    path = write(tmp_path / "d.json", {
        "__inputs": [{"name": "DS_LOKI", "pluginId": "loki"}, {"name": "DS_PROM", "pluginId": "prometheus"}],
        **dashboard(
            panel("loki panel", target('sum(rate({app="x"} |= "error" [5m]))'), datasource=loki),
            panel("loki input", target('{app="x"} | json'), datasource="${DS_LOKI}"),
            panel("prom input", target(BAD), datasource="${DS_PROM}"),
            panel("ds variable", target(BAD), datasource="$ds"),
            panel("mixed", target(BAD, datasource=PROM), target('{a="b"} |= "x"', "B", datasource=loki),
                  datasource={"type": "datasource", "uid": "-- Mixed --"}),
            panel("default data source, LogQL", target('count_over_time({a="b"} |~ "x" [5m])'), datasource=None),
            panel("default data source, PromQL", target("sum(rate(x_total[5m])) by"), datasource=None),
            templating={"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]})})
    got = {(f.rule, f.check) for f in lint(path)}
    assert got == {('panel "prom input" A', "histogram/quantile-without-rate"),
                   ('panel "ds variable" A', "histogram/quantile-without-rate"),
                   ('panel "mixed" A', "histogram/quantile-without-rate"),
                   ('panel "default data source, PromQL" A', "promql/syntax")}


# --- variables --------------------------------------------------------------------------------

def test_values_are_substituted_before_the_checks(tmp_path: Path) -> None:
    # An interval variable set to 30s: rate over 30s at a 1m scrape interval.
    path = write(tmp_path / "d.json", dashboard(
        panel("p", target("rate(x_total[$iv])"), target("rate(x_total[$__rate_interval])", "B")),
        templating={"list": [{"name": "iv", "type": "interval", "query": "30s,5m", "current": {"value": "30s"}}]}))
    assert [(f.check, f.rule, f.fragment) for f in lint(path)] == [("counter/rate-window", 'panel "p" A', "[30s]")]


def test_syntax_error_shows_the_query_as_sent(tmp_path: Path) -> None:
    # 1m scrape interval (the default): $__rate_interval = max(1m + 1m, 4 * 1m) = 4m. With a query
    # "Min step" of $step = 2m: max(1m + 2m, 4 * 2m) = 8m (calculateRateInterval).
    path = write(tmp_path / "d.json", dashboard(
        panel("p", target("rate(x_total[$__rate_interval]) >"),
              target("rate(x_total[$__rate_interval]) >", "B", interval="$step")),
        templating={"list": [{"name": "step", "type": "custom", "query": "2m,5m"}]}))
    assert [f.message.split("as sent: ")[1] for f in lint(path)] == ["rate(x_total[4m0s]) >)", "rate(x_total[8m0s]) >)"]


def test_unknown_values_cause_no_findings(tmp_path: Path) -> None:
    # Variables without a value (query variables refreshed on load) become placeholders; findings
    # about a placeholder are not reported: no unknown metric, no regex or matcher finding.
    inv = load_inventory(VEZA_INVENTORY)
    path = write(tmp_path / "d.json", dashboard(
        panel("p", target('sum by ($label) (rate(${metric}_total{job=~"$job", job!="$other"}[5m]))'),
              target("topk($n, veza_active_users)", "B"), legendFormat="{{$label}}"),
        templating={"list": [{"name": n, "type": "query", "refresh": 1} for n in ("metric", "job", "other", "label", "n")]}))
    assert lint(path, config=LintConfig(inventory=inv)) == []


def test_matcher_checks_do_not_depend_on_the_current_selection(tmp_path: Path) -> None:
    variables = {"list": [{"name": "job", "type": "custom", "query": "api,db", "current": {"value": "api"}}]}
    path = write(tmp_path / "d.json", dashboard(
        panel("selection", target('up{job="$job", job!="api"}')),
        panel("literal", target('up{job="a", job="b"}')), templating=variables))
    assert [(f.check, f.rule) for f in lint(path)] == [("promql/impossible-matchers", 'panel "literal" A')]


def test_stale_saved_values_of_query_variables_are_not_used(tmp_path: Path) -> None:
    # Regression (ceph-mixin dashboards): a query variable saved with an object as its current
    # value would be pasted into the query and give a false syntax error.
    current = {"text": {"selected": False, "text": "All", "value": "$__all"},
               "value": {"selected": False, "text": "All", "value": "$__all"}}
    path = write(tmp_path / "d.json", dashboard(
        panel("p", target("sum(rate(x_total{instance=~'$gateway'}[$__rate_interval]))")),
        templating={"list": [{"name": "gateway", "type": "query", "refresh": 2, "current": current}]}))
    assert lint(path) == []


def test_recorded_series_are_checked_against_the_rule_files_of_the_run(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
        """))
    path = write(tmp_path / "d.json", dashboard(panel("p", target("job:up:sum"), target("job:up:typo", "B"),
                                                      target('ALERTS{alertname="Nope"}', "C"))))
    inv = load_inventory(VEZA_INVENTORY)
    with_rules = {(f.check, f.rule) for f in lint(rules, path, config=LintConfig(inventory=inv))}
    assert with_rules == {("deps/undefined-recording", 'panel "p" B'), ("promql/unknown-metric", 'panel "p" B'),
                          ("deps/unknown-alertname", 'panel "p" C')}
    # Without rule files, which series are recorded is not known: nothing to say about them.
    assert lint(path, config=LintConfig(inventory=inv)) == []


# --- legends ----------------------------------------------------------------------------------

def test_legend_label_the_query_cannot_return(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", dashboard(panel(
        "p", target("sum by (job) (rate(x_total[5m]))", legendFormat="{{job}} {{ instance }}"),
        target("sum by (job) (rate(x_total[5m]))", "B", legendFormat="{{job}}"),
        target("rate(x_total[5m])", "C", legendFormat="{{instance}}"),
        target("sum(rate(x_total[5m]))", "D", legendFormat="__auto"),
        target("sum(rate(x_total[5m]))", "E", legendFormat="{{pod}}", format="table"))))
    (finding,) = lint(path)
    assert (finding.check, finding.rule, finding.line) == ("grafana/legend-label", 'panel "p" A',
                                                           line_of(path, '"legendFormat": "{{job}} {{ instance }}"'))
    assert "cannot have label instance (they can have: job)" in finding.message


def test_legend_label_removed_by_without(tmp_path: Path) -> None:
    # Prometheus: `without` drops the listed labels and keeps the others; `pod=""` selects series
    # without pod; rate() and aggregations drop the metric name. Grafana renders a legend
    # {{label}} the series lacks as empty. The rules' template/missing-label sees the same shapes.
    path = write(tmp_path / "d.json", dashboard(panel(
        "p", target("sum without (instance) (rate(x_total[5m]))", legendFormat="{{job}} {{instance}}"),
        target('up{pod=""}', "B", legendFormat="{{pod}}"),
        target("rate(x_total[5m])", "C", legendFormat="{{__name__}}"),
        target("sum without (instance) (rate(x_total[5m]))", "D", legendFormat="{{job}} {{pod}}"),
        target("up", "E", legendFormat="{{__name__}} {{instance}}"))))
    got = [(f.check, f.rule, f.message) for f in lint(path)]
    assert got == [
        ("grafana/legend-label", 'panel "p" A', "legend {{instance}}: the query's series cannot have label instance "
                                                "(they can have: any label but instance); it renders empty"),
        ("grafana/legend-label", 'panel "p" B', "legend {{pod}}: the query's series cannot have label pod "
                                                "(they can have: any label but pod); it renders empty"),
        ("grafana/legend-label", 'panel "p" C', "legend {{__name__}}: the query drops the metric name; it renders empty"),
    ]
    # The same shape in a rule: template/missing-label reports it alike.
    rules = tmp_path / "r.yml"
    rules.write_text(textwrap.dedent("""
        groups:
          - name: g
            rules:
              - alert: A
                expr: sum without (instance) (rate(x_total[5m])) > 1
                labels: {severity: warning}
                annotations: {summary: "{{ $labels.instance }}"}
        """))
    (rule,) = [f for f in lint(rules) if f.check == "template/missing-label"]
    assert "(it can have: any label but instance)" in rule.message


def test_fixed_legend_over_several_series(tmp_path: Path) -> None:
    errors = 'rate(http_requests_total{status=~"5.."}[5m])'
    path = write(tmp_path / "d.json", dashboard(panel(
        "p", target(errors, legendFormat="5xx errors"),
        target(errors, "B", legendFormat="{{status}}"),
        target(f"sum({errors})", "C", legendFormat="5xx errors"),
        target('rate(http_requests_total{status="500"}[5m])', "D", legendFormat="500"),
        # Regression (celery-mixin): a label also matched by a variable may be narrowed to one value.
        target('sum by (name) (rate(x_total{name=~"$task", name!~"None"}[5m]))', "E", legendFormat="Succeeded")),
        templating={"list": [{"name": "task", "type": "query", "refresh": 1}]}))
    assert [(f.check, f.rule, f.fragment) for f in lint(path)] == [
        ("grafana/legend-collision", 'panel "p" A', 'status=~"5.."')]


# --- suppressions, --changed, formats ---------------------------------------------------------

def test_suppressions_in_descriptions(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", dashboard(
        panel("kept", target(BAD)),
        panel("suppressed", target(BAD),
              description="Raw buckets on purpose.\nruletest: disable=histogram/quantile-without-rate"),
        panel("expired", target(BAD), description="ruletest: disable=histogram/quantile-without-rate until=2020-01-01"),
        panel("unused", target("up"), description="ruletest: disable=counter/raw-value"),
        panel("legend", target('rate(x_total{a=~"b|c"}[5m])', legendFormat="x")),
        description="ruletest: disable-file=grafana/legend-collision"))
    got = {(f.check, f.rule or f.line) for f in lint(path, today=date(2025, 1, 1))}
    assert got == {("histogram/quantile-without-rate", 'panel "kept" A'),
                   ("histogram/quantile-without-rate", 'panel "expired" A'),
                   ("lint/unused-suppression", line_of(path, "disable=counter/raw-value"))}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_changed_reports_changed_panels_only(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "init")
    data = dashboard(panel("old", target(BAD)), panel("edited", target("up")))
    path = write(tmp_path / "d.json", data)
    git(tmp_path, "add", "d.json")
    git(tmp_path, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "d")
    data["panels"][1]["targets"][0]["expr"] = BAD
    write(path, data)
    write(tmp_path / "new.json", dashboard(panel("new", target(BAD))))

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", "--changed", "--format", "json", "."],
                              cwd=tmp_path, capture_output=True, text=True)

    out = json.loads(run().stdout)
    assert {(f["file"], f["rule"]) for f in out["findings"]} == {("d.json", 'panel "edited" A'),
                                                                  ("new.json", 'panel "new" A')}


def test_output_formats_locate_dashboard_findings(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", dashboard(panel("p", target(BAD))))
    line = line_of(path, BAD)

    def run(fmt: str) -> str:
        done = subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", "--format", fmt, "d.json"],
                              cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 1, done.stderr
        return done.stdout

    assert f'd.json:{line}: error histogram/quantile-without-rate [panel "p" A]' in run("text")
    assert "1 file(s), 0 rule(s), 1 dashboard query" in run("text")
    finding = json.loads(run("json"))["findings"][0]
    assert (finding["file"], finding["line"], finding["rule"]) == ("d.json", line, 'panel "p" A')
    sarif = json.loads(run("sarif"))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert sarif == {"artifactLocation": {"uri": "d.json", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": line}}
    assert f"::error file=d.json,line={line},title=histogram/quantile-without-rate::" in run("github")
    assert f'<error line="{line}" severity="error"' in run("checkstyle")


def test_pre_commit_hook_lints_dashboards_and_skips_other_json(tmp_path: Path) -> None:
    # One lint hook for rules and dashboards: pre-commit passes every changed JSON file, and
    # `--only-recognized` keeps the dashboards (by content, wherever they are).
    import yaml

    from ruletest.lint.discover import recognized

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert "json" in hooks["ruletest-lint"]["types_or"]
    assert hooks["ruletest-lint"]["entry"] == "ruletest lint --only-recognized"
    (tmp_path / "package.json").write_text('{"name": "x", "dependencies": {}}')
    assert recognized(REPO / "dashboards" / "veza-platform-overview.json")
    assert not recognized(tmp_path / "package.json")


def test_every_grafana_check_is_exercised() -> None:
    source = Path(__file__).read_text()
    assert all(f'"{check}"' in source.split("GRAFANA_CHECKS =")[1].split("\n", 1)[1] for check in GRAFANA_CHECKS)


# --- the README's examples --------------------------------------------------------------------

def _readme_blocks(kind: str) -> list[str]:
    section = (REPO / "README.md").read_text().split("## Linting Grafana dashboards", 1)[1].split("\n## ", 1)[0]
    return [b.split("\n", 1)[1] for b in section.split("```")[1::2] if b.startswith(kind + "\n")]


def test_readme_dashboard_commands_run_as_shown() -> None:
    (commands,) = _readme_blocks("sh")
    (expected,) = _readme_blocks("text")
    outputs = []
    for line in commands.strip().splitlines():
        command = line.split("#")[0].split(">")[0].strip()
        assert command.startswith("ruletest lint ")
        # Through the shell, as a user types it: globs such as dashboards/*.json are the shell's to expand.
        python = shlex.quote(sys.executable)
        done = subprocess.run(["bash", "-c", f"{python} -m ruletest.cli {command.removeprefix('ruletest ')}"],
                              cwd=REPO, capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr  # 1: the guide's dashboards have defects
        outputs.append(done.stdout)
    for shown in expected.strip().splitlines():
        assert shown in outputs[1]
    assert json.loads(outputs[2])["runs"][0]["results"]


def test_readme_suppression_example(tmp_path: Path) -> None:
    (example,) = _readme_blocks("json")
    path = tmp_path / "latency.json"
    path.write_text(example)
    assert lint(path) == []
    path.write_text(example.replace("ruletest: disable=", "no suppression: "))
    assert [f.check for f in lint(path)] == ["histogram/quantile-without-rate"]


def test_odd_shapes_do_not_crash(tmp_path: Path) -> None:
    # Fields of unexpected types (hand-edited or generated dashboards) are skipped, not fatal.
    path = write(tmp_path / "d.json", dashboard(
        None, 3, {"title": 5, "targets": None}, {"targets": [None, 1, {"expr": 7}, {"expr": ""}]},
        {"title": "p", "datasource": ["x"], "targets": [{"expr": BAD, "legendFormat": 3, "interval": 9}],
         "maxDataPoints": "many", "panels": {"not": "a list"}, "libraryPanel": "x"},
        {"title": "lib", "libraryPanel": {"uid": 1}},
        templating={"list": [None, {"name": 3}, {"name": "v", "current": [], "options": [None, {"value": None}]},
                             {"name": "i", "type": "interval", "auto": True, "auto_count": "x", "auto_min": 3},
                             {"name": "w", "type": "custom", "query": {"query": "a,b"}, "allValue": 5}]},
        annotations={"list": [None, {"expr": None}, {"expr": "up", "datasource": 3}]},
        time={"from": "yesterday", "to": None}, description=None))
    assert [(f.check, f.rule) for f in lint(path)] == [("histogram/quantile-without-rate", 'panel "p" #1')]
