"""Every lint check with a rule that triggers it and a near miss that must not; output formats;
suppressions; configuration; and the realworld corpus (no crash, no false syntax errors)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from ruletest.lint import CATALOG, lint_paths
from ruletest.lint.config import ConfigError, Inventory, LintConfig, Policy, load_config, load_inventory
from ruletest.lint.report import FORMATS
from tests.needs import CORPUS
from tests.test_grafana import GRAFANA_CHECKS
from tests.test_lint_precision import PRECISION_CHECKS


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

CASES = [
    # (check, triggering rules, near miss)
    ("promql/impossible-matchers", rules(alert('up{job="a",job="b"} == 0')), rules(alert('up{job="a"} == 0'))),
    ("promql/regex-literal", rules(alert('up{job=~"api"} == 0')), rules(alert('up{job=~"api|web"} == 0'))),
    ("promql/regex-anchors", rules(alert('up{job=~"^api.*"} == 0')), rules(alert('up{job=~"api.*"} == 0'))),
    ("promql/regex-match-all", rules(alert('up{job=~".*"} == 0')), rules(alert('up{job=~".+"} == 0'))),
    ("promql/selector-no-name", rules(alert('{job="a"} == 0')), rules(alert('up{job="a"} == 0'))),
    ("promql/quantile-range", rules(alert("histogram_quantile(95, sum by (le) (rate(h_bucket[5m]))) > 1")),
     rules(alert("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m]))) > 1"))),
    ("promql/sort-in-rule", rules(records=record("a:b:c", "sort(up)")), rules(records=record("a:b:c", "up"))),
    ("histogram/quantile-without-le", rules(alert("histogram_quantile(0.9, sum by (job) (rate(h_bucket[5m]))) > 1")),
     rules(alert("histogram_quantile(0.9, sum by (job, le) (rate(h_bucket[5m]))) > 1"))),
    ("histogram/quantile-wrong-series", rules(alert("histogram_quantile(0.9, rate(h[5m])) > 1")),
     rules(alert("histogram_quantile(0.9, rate(h_bucket[5m]) * on() group_left vector(1)) > 1"))),
    ("histogram/quantile-without-rate", rules(alert("histogram_quantile(0.9, h_bucket) > 1")),
     rules(alert("histogram_quantile(0.9, rate(h_bucket[5m])) > 1"))),
    ("counter/rate-on-gauge", rules(alert("rate(temperature[5m]) > 1")), rules(alert("rate(x_total[5m]) > 1"))),
    ("counter/gauge-func", rules(alert("deriv(x_total[5m]) > 1")), rules(alert("deriv(temperature[5m]) > 1"))),
    ("counter/irate-in-alert", rules(alert("irate(x_total[5m]) > 1")), rules(alert("rate(x_total[5m]) > 1"))),
    ("counter/rate-window", rules(alert("rate(x_total[1m]) > 1")), rules(alert("rate(x_total[2m]) > 1"))),
    ("alert/no-condition", rules(alert("up")), rules(alert("up == 0"))),
    ("alert/always-fires", rules(alert("vector(1)")), rules(alert("vector(1)", name="Watchdog"))),
    ("alert/for-zero", rules(alert("up == 0", extra="\n  for: 0s")), rules(alert("up == 0", extra="\n  for: 5m"))),
    ("template/missing-label", rules(alert("sum by (job) (up) == 0", annotations="summary: '{{ $labels.instance }}'")),
     rules(alert("sum by (job) (up) == 0", annotations="summary: '{{ $labels.job }}'"))),
    ("template/value-in-label", rules(alert("up == 0", labels="severity: warning, v: '{{ $value }}'")),
     rules(alert("up == 0", annotations="summary: '{{ $value }}'"))),
    ("template/syntax", rules(alert("up == 0", annotations="summary: '{{ nosuch }}'")), rules(alert("up == 0"))),
    ("record/name-convention", rules(records=record("uptime", "up")), rules(records=record("job:up:sum", "sum by (job) (up)"))),
    ("record/templated-label", rules(records="- record: a:b:c\n  expr: up\n  labels: {x: '{{ $labels.job }}'}\n"),
     rules(records="- record: a:b:c\n  expr: up\n  labels: {x: y}\n")),
    ("deps/undefined-recording", rules(alert("job:nope:rate5m > 1")),
     rules(alert("job:up:sum > 1"), records=record("job:up:sum", "sum by (job) (up)"))),
    ("deps/unknown-alertname", rules(alert('ALERTS{alertname="Nope"} == 1')),
     rules(alert('ALERTS{alertname="A"} == 1'))),
    ("deps/order-in-group", rules(alert("job:up:sum > 1") + record("job:up:sum", "sum by (job) (up)")),
     rules(alert("job:up:sum > 1"), records=record("job:up:sum", "sum by (job) (up)"))),
    ("compat/removed-function", rules(alert("holt_winters(g[5m], 0.5, 0.5) > 1")),
     rules(alert("double_exponential_smoothing(g[5m], 0.5, 0.5) > 1"))),
    ("promql/syntax", rules(alert("up ==")), rules(alert("up == 0"))),
    ("schema/unknown-field", rules(alert("up == 0", extra="\n  anotations: {}")), rules(alert("up == 0"))),
    ("schema/invalid", rules(records="- record: a:b:c\n  alert: X\n  expr: up\n"), rules(records=record("a:b:c", "up"))),
    ("yaml/parse", "groups: [\n", rules(alert("up == 0"))),
    # Only groups that record: Alertmanager keeps an alert-only group's alerts for 4 intervals.
    ("group/interval-too-long", rules(records=record("a:b:c", "up")).replace("- name: g", "- name: g\n    interval: 10m"),
     rules(alert("up == 0")).replace("- name: g", "- name: g\n    interval: 10m")),
    ("labels/typo", rules(alert("up == 0", annotations="summary: s, sumary: x")), rules(alert("up == 0"))),
    ("counter/rate-after-aggregation", rules(alert("rate(sum(x_total)[5m:]) > 1")),
     rules(alert("sum(rate(x_total[5m])) > 1"))),
    ("alert/never-fires-empty-count", rules(alert('count(up{job="a"} == 1) == 0')),
     rules(alert('count(up{job="a"} == 1) or vector(0) == 0'))),
    ("promql/result-type", rules(records=record("a:b:c", "up[5m]")), rules(records=record("a:b:c", "up"))),
    ("promql/name-only-series", rules(alert('rate({__name__=~"a_total|b_total"}[5m]) > 1')),
     rules(alert('sum({__name__=~"a_total|b_total"}) * 2 > 1'))),
    ("alert/for-below-interval", rules(alert("up == 0", extra="\n  for: 30s")),
     rules(alert("up == 0", extra="\n  for: 2m"))),
    ("alert/label-collision", rules(alert('up{job=~"a|c"} == 0', labels="severity: warning, job: b")),
     rules(alert('sum by (instance) (up{job=~"a|c"}) == 0', labels="severity: warning, job: b"))),
    # A label pinned by `=` has a single value: overwriting it cannot collapse two series.
    ("alert/label-collision", rules(alert('up{job=~"a|c"} == 0', labels="severity: warning, job: b")),
     rules(alert('up{job="a"} == 0', labels="severity: warning, job: b"))),
    # up < 1 and up < 0.5 hold together on the same series (up == 0 and up == 1 never do).
    ("rule/duplicate", rules(alert("up < 1") + alert("up < 0.5")), rules(alert("up < 1") + alert("up < 0.5", name="B"))),
    ("promql/join-label-missing", rules(alert("sum by (job) (up) / on(instance) sum by (job) (up) > 1")),
     rules(alert("sum by (job) (up) / on(job) sum by (job) (up) > 1"))),
    ("promql/fragile-topk", rules(alert("topk(3, rate(x_total[5m])) > 1")),
     rules(records=record("a:b:c", "topk(3, rate(x_total[5m]))"))),
    # One series per identity: kubernetes-mixin's deduplication idiom.
    ("promql/fragile-topk", rules(alert("topk(3, rate(x_total[5m])) > 1")),
     rules(alert("topk by (namespace, pod) (1, max by (namespace, pod, owner) (x_owner)) > 0"))),
    ("promql/nan-aggregation", rules(alert("sum(rate(a_total[5m]) / rate(b_total[5m])) > 1")),
     rules(alert("sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 1"))),
    ("promql/static-join-mismatch", rules(alert('rate(a_total{env="prod"}[5m]) / rate(b_total{env="dev"}[5m]) > 1')),
     rules(alert('rate(a_total{env="prod"}[5m]) / ignoring(env) rate(b_total{env="dev"}[5m]) > 1'))),
    ("promql/join-never-matches", rules(alert('sum(rate(a_total[5m])) / rate(b_total{job="x"}[5m]) > 1')),
     rules(alert('sum(rate(a_total[5m])) / sum(rate(b_total{job="x"}[5m])) > 1'))),
    ("promql/range-too-long", rules(alert("max_over_time(up[30d]) == 0")), rules(alert("max_over_time(up[1d]) == 0"))),
    ("alert/absent-never-fires", rules(alert("absent(sum(up) or vector(0))", extra="\n  for: 5m")),
     rules(alert('absent(up{job="a"})', extra="\n  for: 5m"))),
    ("alert/absent-without-for", rules(alert('absent(up{job="a"})')),
     rules(alert('absent(up{job="a"})', extra="\n  for: 5m"))),
    ("alert/never-fires-sum-of-filter", rules(alert("sum(up == 0) > 0")), rules(alert("count(up == 0) > 0"))),
    ("counter/raw-value", rules(alert("x_total > 100")), rules(alert("rate(x_total[5m]) > 1"))),
    # Label matching reads only the labels of the right side.
    ("counter/raw-value", rules(alert("x_total > 100")), rules(alert("rate(y_total[5m]) > 1 unless x_total"))),
    ("compat/feature-flag", rules(alert("mad_over_time(up[5m]) > 1")), rules(alert("stddev_over_time(up[5m]) > 1"))),
    ("compat/left-open-range", rules(alert("max_over_time(up[1m]) == 0")), rules(alert("max_over_time(up[5m]) == 0"))),
    ("deps/cycle", rules(records=record("a:b:c", "d:e:f + 1") + record("d:e:f", "a:b:c * 2")),
     rules(records=record("d:e:f", "up * 2") + record("a:b:c", "d:e:f + 1"))),
    # A rule reading its own previous value is a deliberate accumulator (gardener's metering).
    ("deps/cycle", rules(records=record("a:b:c", "d:e:f + 1") + record("d:e:f", "a:b:c * 2")),
     rules(records=record("a:b:c", "up or last_over_time(a:b:c[30m])"))),
    ("deps/cross-group", rules(records=record("a:b:c", "up")) + "  - name: h\n    rules:\n"
     + textwrap.indent(record("d:e:f", "a:b:c * 2"), "      "),
     rules(records=record("a:b:c", "up") + record("d:e:f", "a:b:c * 2"))),
    ("group/interval-too-short", rules(alert("up == 0")).replace("- name: g", "- name: g\n    interval: 15s"),
     rules(alert("up == 0")).replace("- name: g", "- name: g\n    interval: 1m")),
    ("template/humanize", rules(alert("up == 0", annotations="summary: '{{ $value }}'")),
     rules(alert("up == 0", annotations="summary: '{{ $value | humanize }}'"))),
    ("template/query", rules(alert("up == 0", annotations="summary: '{{ query \"up ==\" }}'")),
     rules(alert("up == 0", annotations="summary: '{{ query \"up\" }}'"))),
    ("template/render", rules(alert("up == 0", annotations="summary: '{{ humanizeDuration \"abc\" }}'")),
     rules(alert("up == 0", annotations="summary: '{{ humanizeDuration 60 }}'"))),
    ("yaml/duplicate-key", rules(alert("up == 0", extra="\n  expr: up == 1")), rules(alert("up == 0"))),
    ("yaml/multi-document", rules(alert("up == 0")) + "---\ngroups: []\n", rules(alert("up == 0"))),
    ("group/name", rules(alert("up == 0")) + "  - name: g\n    rules: []\n",
     rules(alert("up == 0")) + "  - name: h\n    rules:\n" + textwrap.indent(alert("up == 1", name="B"), "      ")),
    ("group/empty", "groups:\n  - name: g\n    rules: []\n", rules(alert("up == 0"))),
    ("labels/empty-value", rules(alert("up == 0", labels="severity: warning, team: ''")),
     rules(alert("up == 0", labels="severity: warning, team: db"))),
]

TEST_CHECKS = {"test/unknown-alertname", "test/missing-rule-file", "test/eval-after-input", "test/untested-alert",
               "test/untested-recording", "test/unknown-group-order", "test/impossible-exp-labels",
               "test/interval-mismatch", "template/external-label", "rule/duplicate-identical", "compat/group-field",
               "deps/removed-still-used"}


def test_every_catalog_check_is_tested() -> None:
    tested = {c for c, _, _ in CASES} | {"promql/unknown-metric", "lint/unused-suppression"} | TEST_CHECKS | {
        c for c, _, _, _ in POLICY_CASES} | {c for c, _, _ in OFF_BY_DEFAULT_CASES} | {"test/no-negative-case"} | {
        c for c, _, _, _ in DECLARED_CASES} | PRECISION_CHECKS | GRAFANA_CHECKS
    # Alertmanager config checks (am/...) are tested in tests/alertmanager/test_lint.py.
    assert tested == {c for c in CATALOG if not c.startswith("am/")}


@pytest.mark.parametrize(("check", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_check_triggers_and_near_miss_does_not(check: str, bad: str, good: str, tmp_path: Path) -> None:
    cfg = LintConfig()
    assert check in findings(tmp_path, bad, cfg)
    assert check not in findings(tmp_path, good, cfg)


def test_unknown_metric_needs_an_inventory(tmp_path: Path) -> None:
    text = rules(alert("missing_metric > 1"))
    assert "promql/unknown-metric" not in findings(tmp_path, text)
    assert "promql/unknown-metric" in findings(tmp_path, text, LintConfig(inventory=INV))
    assert "promql/unknown-metric" not in findings(tmp_path, rules(alert("node_load1 > 1")), LintConfig(inventory=INV))


def test_inventory_decides_counter_type(tmp_path: Path) -> None:
    # "g" has no counter suffix: without an inventory that is only a hint (info).
    p = tmp_path / "r.yml"
    p.write_text(rules(alert("rate(g[5m]) > 1")))
    (finding,) = [f for f in lint_paths([str(p)]).findings if f.check == "counter/rate-on-gauge"]
    assert str(finding.severity) == "info"
    (finding,) = [f for f in lint_paths([str(p)], LintConfig(inventory=INV)).findings
                  if f.check == "counter/rate-on-gauge"]
    assert str(finding.severity) == "warning" and "declared a gauge" in finding.message


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


def test_veza_guide_findings() -> None:
    repo = Path(__file__).resolve().parent.parent
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
    repo = Path(__file__).resolve().parent.parent
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


def test_test_file_checks(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(rules(alert("up == 0") + alert("up == 1", name="Untested")))
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml, missing.yml]
        tests:
          - interval: 1m
            input_series:
              - series: up
                values: 1 1 1
            alert_rule_test:
              - alertname: A
                eval_time: 2m
              - alertname: Typo
                eval_time: 2m
              - alertname: A
                eval_time: 30m
    """))
    result = lint_paths([str(tmp_path)])
    got = sorted((f.check, Path(f.file).name, f.line) for f in result.findings if f.check.startswith("test/"))
    assert got == [("test/eval-after-input", "t_test.yml", 13), ("test/missing-rule-file", "t_test.yml", 2),
                   ("test/unknown-alertname", "t_test.yml", 11), ("test/untested-alert", "rules.yml", 11)]


def test_test_file_checks_on_groups_labels_and_recordings(tmp_path: Path) -> None:
    text = rules(alert("sum by (job) (up) == 0"), records=record("job:up:sum", "sum by (job) (up)")
                 + record("job:up:max", "max by (job) (up)"))
    (tmp_path / "rules.yml").write_text(text.replace("- name: g", "- name: g\n    interval: 30s"))
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml]
        group_eval_order: [g, nope]
        tests:
          - interval: 1m
            input_series:
              - series: up{job="a", instance="i"}
                values: 0 0 0
            promql_expr_test:
              - expr: job:up:sum
                eval_time: 1m
            alert_rule_test:
              - alertname: A
                eval_time: 2m
                exp_alerts:
                  - exp_labels: {job: a, severity: warning}
                  - exp_labels: {job: a, instance: i, severity: warning}
    """))
    got = sorted((f.check, Path(f.file).name, f.line) for f in lint_paths([str(tmp_path)]).findings
                 if f.check.startswith("test/"))
    # job:up:max is read by nothing; instance cannot survive sum by (job); the group runs every
    # 30s in production but every 1m (the default evaluation_interval) in the test.
    assert got == [("test/impossible-exp-labels", "t_test.yml", 17), ("test/interval-mismatch", "t_test.yml", None),
                   ("test/unknown-group-order", "t_test.yml", None),
                   ("test/untested-recording", "rules.yml", 10)]


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


def test_identical_rules_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(rules(alert("up == 0")))
    (tmp_path / "b.yml").write_text(rules(alert("up == 0")))
    (tmp_path / "c.yml").write_text(rules(alert("up == 1")))
    found = [(f.check, Path(f.file).name) for f in lint_paths([str(tmp_path)]).findings
             if f.check == "rule/duplicate-identical"]
    assert found == [("rule/duplicate-identical", "b.yml")]


def test_group_fields_of_prometheus_3_are_errors_for_prometheus_2(tmp_path: Path) -> None:
    text = rules(alert("up == 0")).replace("- name: g", "- name: g\n    query_offset: 1m\n    labels: {team: x}")
    assert "compat/group-field" not in findings(tmp_path, text)
    assert "compat/group-field" in findings(tmp_path, text, LintConfig(prometheus=2))


def test_experimental_functions_are_allowed_once_declared(tmp_path: Path) -> None:
    text = rules(alert("mad_over_time(up[5m]) > 1") + alert("limitk(2, up) == 0", name="B"))
    p = tmp_path / "rules.yml"
    p.write_text(text)
    # A server without the flag refuses to load these rules (Prometheus' parse error names each).
    flagged = [f.message for f in lint_paths([str(p)]).findings if f.check == "compat/feature-flag"]
    assert len(flagged) == 2
    assert 'function "mad_over_time" is not enabled' in flagged[0]
    assert "limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions" in flagged[1]
    cfg = LintConfig(features=frozenset({"promql-experimental-functions"}))
    assert "compat/feature-flag" not in findings(tmp_path, text, cfg)


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


def test_external_label_needs_declared_labels(tmp_path: Path) -> None:
    text = rules(alert("up == 0", annotations="summary: '{{ $externalLabels.site }} {{ $externalLabels.dc }}'"))
    assert "template/external-label" not in findings(tmp_path, text)
    p = tmp_path / "rules.yml"
    p.write_text(text)
    result = lint_paths([str(p)], LintConfig(external_labels={"site": "eqiad"}))
    assert [f.message for f in result.findings if f.check == "template/external-label"] == [
        "annotation summary uses $externalLabels.dc, which is not declared"]


def test_rate_over_recorded_sum(tmp_path: Path) -> None:
    text = rules(alert("rate(job:x:sum[5m]) > 1"), records=record("job:x:sum", "sum by (job) (x_total)"))
    assert "counter/rate-after-aggregation" in findings(tmp_path, text)


# Team policy in [tool.ruletest.lint]: silent until declared (issue 19: 265 findings of 619 on
# public rules came from these defaults; `page` and `high`/`medium` severities and mixins'
# `message`/`description` annotations are all in use).
DECLARED_CASES = [
    ("alert/missing-label", LintConfig(required_labels=("severity",)), rules(alert("up == 0", labels="team: x")),
     rules(alert("up == 0"))),
    ("alert/severity-value", LintConfig(allowed_severities=("critical", "warning")),
     rules(alert("up == 0", labels="severity: urgent")), rules(alert("up == 0"))),
    ("alert/missing-annotation", LintConfig(required_annotations=("summary",)),
     rules(alert("up == 0", annotations="description: d")), rules(alert("up == 0"))),
]


@pytest.mark.parametrize(("check", "cfg", "bad", "good"), DECLARED_CASES, ids=[c[0] for c in DECLARED_CASES])
def test_declared_policy_check_triggers_only_when_declared(check: str, cfg: LintConfig, bad: str, good: str,
                                                           tmp_path: Path) -> None:
    assert check in findings(tmp_path, bad, cfg)
    assert check not in findings(tmp_path, good, cfg)
    assert check not in findings(tmp_path, bad, LintConfig())


POLICY_CASES = [
    ("policy/name", Policy(alert_name="[A-Z][A-Za-z0-9]*"), rules(alert("up == 0", name="instance_down")),
     rules(alert("up == 0", name="InstanceDown"))),
    ("policy/name", Policy(record_name="[a-z_]+:[a-z0-9_]+:[a-z0-9_]+"), rules(records=record("uptime", "up")),
     rules(records=record("job:up:sum", "sum by (job) (up)"))),
    ("policy/label-value", Policy(label_values={"team": "backend|database"}),
     rules(alert("up == 0", labels="severity: warning, team: frontend")),
     rules(alert("up == 0", labels="severity: warning, team: backend"))),
    ("policy/annotation-value", Policy(annotation_values={"runbook_url": "https://runbooks/.*"}),
     rules(alert("up == 0", annotations="summary: s, runbook_url: 'http://wiki/x'")),
     rules(alert("up == 0", annotations="summary: s, runbook_url: 'https://runbooks/x'"))),
    ("policy/for-range", Policy(for_min_ms=60_000), rules(alert("up == 0")),
     rules(alert("up == 0", extra="\n  for: 5m"))),
    ("policy/for-range", Policy(for_max_ms=3_600_000), rules(alert("up == 0", extra="\n  for: 2h")),
     rules(alert("up == 0", extra="\n  for: 5m"))),
    ("policy/forbidden-metric", Policy(forbidden_metrics=("apiserver_.*_bucket",)),
     rules(alert("histogram_quantile(0.9, rate(apiserver_request_duration_seconds_bucket[5m])) > 1")),
     rules(alert("rate(apiserver_request_total[5m]) > 1"))),
]


@pytest.mark.parametrize(("check", "policy", "bad", "good"), POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_policy_check_triggers_and_near_miss_does_not(check: str, policy: Policy, bad: str, good: str,
                                                      tmp_path: Path) -> None:
    cfg = LintConfig(policy=policy)
    assert check in findings(tmp_path, bad, cfg)
    assert check not in findings(tmp_path, good, cfg)
    # Without a policy the checks are silent.
    assert check not in findings(tmp_path, bad, LintConfig())


def test_policy_is_read_from_configuration(tmp_path: Path) -> None:
    (tmp_path / "ruletest.toml").write_text(textwrap.dedent("""
        [policy]
        alert_name = "[A-Z].*"
        label_values = {team = "a|b"}
        for_min = "1m"
        forbidden_metrics = ["x_.*"]
    """))
    cfg = load_config(tmp_path)
    assert cfg.policy.alert_name == "[A-Z].*" and cfg.policy.label_values == {"team": "a|b"}
    assert cfg.policy.for_min_ms == 60_000 and cfg.policy.forbidden_metrics == ("x_.*",)
    (tmp_path / "ruletest.toml").write_text('[policy]\nalert_name = "("\n')
    with pytest.raises(ConfigError, match="invalid policy regex"):
        load_config(tmp_path)
    (tmp_path / "ruletest.toml").write_text('[policy]\nalert_nme = "x"\n')
    with pytest.raises(ConfigError, match="unknown policy setting"):
        load_config(tmp_path)


OFF_BY_DEFAULT_CASES = [
    ("alert/name-style", rules(alert("up == 0", name="instance_down")), rules(alert("up == 0", name="InstanceDown"))),
    ("alert/runbook-url", rules(alert("up == 0", annotations="summary: s, runbook_url: 'wiki page'")),
     rules(alert("up == 0", annotations="summary: s, runbook_url: 'https://runbooks.example/up'"))),
    ("group/size", rules("".join(alert("up == 0", name=f"A{i}") for i in range(3))),
     rules("".join(alert("up == 0", name=f"A{i}") for i in range(2)))),
    ("deps/use-recording-rule", rules(alert("sum by (job) (up) == 0"), records=record("job:up:sum", "sum by (job) (up)")),
     rules(alert("job:up:sum == 0"), records=record("job:up:sum", "sum by (job) (up)"))),
]


@pytest.mark.parametrize(("check", "bad", "good"), OFF_BY_DEFAULT_CASES, ids=[c[0] for c in OFF_BY_DEFAULT_CASES])
def test_off_by_default_check_runs_only_when_enabled(check: str, bad: str, good: str, tmp_path: Path) -> None:
    assert CATALOG[check].default is False
    assert check not in findings(tmp_path, bad)
    cfg = LintConfig(enabled=frozenset({check}), group_max_rules=2)
    assert check in findings(tmp_path, bad, cfg)
    assert check not in findings(tmp_path, good, cfg)


def test_no_negative_case_when_enabled(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(rules(alert("up == 0") + alert("up == 1", name="B")))
    (tmp_path / "t_test.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml]
        tests:
          - interval: 1m
            input_series:
              - series: up
                values: 0 0 0
            alert_rule_test:
              - alertname: A
                eval_time: 2m
                exp_alerts: [{exp_labels: {severity: warning}}]
              - alertname: B
                eval_time: 2m
              - alertname: B
                eval_time: 1m
                exp_alerts: [{exp_labels: {severity: warning}}]
    """))
    assert not [f for f in lint_paths([str(tmp_path)]).findings if f.check == "test/no-negative-case"]
    cfg = LintConfig(enabled=frozenset({"test/no-negative-case"}))
    assert [f.rule for f in lint_paths([str(tmp_path)], cfg).findings if f.check == "test/no-negative-case"] == ["A"]
