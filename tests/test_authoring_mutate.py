"""``ruletest mutate``: the operators, which mutants the tests kill (reasoned by hand per case),
the report formats, parallel runs, ``--changed`` and the pytest option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ruletest.authoring.mutate as mutate_module
from ruletest.authoring.mutate import MutateError, MutateOptions, MutationReport, mutate_paths
from ruletest.authoring.mutate_report import summary
from ruletest.authoring.mutations import MutationContext, Observed, mutations
from ruletest.promql import ast as A
from ruletest.rules.loader import LoadOptions, load_rule_text
from ruletest.rules.model import Rule
from ruletest.semantics import Semantics

REPO = Path(__file__).resolve().parent.parent
SEM = Semantics.of(3)

RULES = """\
groups:
  - name: g
    rules:
      - alert: High
        expr: x > 10
        for: 2m
        labels: {severity: page}
        annotations: {summary: "x is {{ $value }}"}
"""

# x is 5 from 0m to 9m and 20 from 10m: High's condition holds from 10m, so it fires at 12m.
TESTS = """\
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - name: high
    interval: 1m
    input_series:
      - series: 'x{job="a"}'
        values: '5x9 20x10'
    alert_rule_test:
      - {alertname: High, eval_time: 9m, exp_alerts: []}
      - alertname: High
        eval_time: 12m
        exp_alerts: [{exp_labels: {severity: page, job: a}, exp_annotations: {summary: "x is 20"}}]
"""

PENDING_CHECK = "      - {alertname: High, eval_time: 11m, exp_alerts: []}\n"


def ruletest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruletest.cli", *args], cwd=cwd, capture_output=True, text=True)


def rule(expr: str, **fields: str) -> Rule:
    extra = "".join(f"        {k}: {v}\n" for k, v in fields.items())
    text = f"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: {expr}\n{extra}"
    return load_rule_text(text, "r.yml", LoadOptions(SEM))[0].rules[0]


def by_description(report: MutationReport) -> dict[str, str]:
    return {r.mutation.description: r.status for r in report.results}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "high_test.yml").write_text(TESTS)
    return tmp_path


def test_which_mutants_the_tests_kill(project: Path) -> None:
    report = mutate_paths([str(project)], MutateOptions(SEM, jobs=1))
    got = by_description(report)
    assert got == {
        # Inputs are 5 and 20: nothing equals 10, so `>=` behaves the same on them (decided
        # without running, and flagged as possibly equivalent).
        "> 10 → >= 10": "survived",
        # `x < 10` holds from 0m: firing at 2m, and the test expects nothing at 9m.
        "> 10 → < 10": "killed",
        # Just past the nearest values the tests reach: 20 no longer fires, 5 fires from 0m.
        "> 10 → > 20": "killed",
        "> 10 → > 4": "killed",
        # ±10%: no input lies between 9 and 11.
        "> 10 → > 9": "survived",
        "> 10 → > 11": "survived",
        # Firing at 11m or 10m instead of 12m: the test looks only at 9m and 12m.
        "for: 2m → for: 1m": "survived",
        "for: 2m → for: 0s": "survived",
        # Firing only at 14m: the 12m case fails.
        "for: 2m → for: 4m": "killed",
        # The condition never clears in the test.
        "keep_firing_for: 0s → keep_firing_for: 1m": "survived",
        "label severity: 'page' → severity: 'page_mutant'": "killed",
        "annotation summary → summary + ' (mutant)'": "killed",
    }
    assert summary(report) == "mutation score: 50.0% (6 of 12 mutants killed)"
    static = {r.mutation.description for r in report.results if r.how == "static"}
    assert static == {"> 10 → >= 10", "> 10 → > 9", "> 10 → > 11"}
    missing = {r.mutation.description: r.mutation.missing for r in report.results}
    assert missing["> 10 → > 9"] == "no test evaluates High with x between 9 and 10"
    assert missing["> 10 → >= 10"] == "no test evaluates High with x exactly at 10"
    assert "not firing yet once its condition has held for 1m" in missing["for: 2m → for: 1m"]
    boundary = next(r for r in report.results if r.mutation.description == "> 10 → >= 10")
    assert boundary.mutation.maybe_equivalent is not None
    killed = next(r for r in report.results if r.mutation.description == "for: 2m → for: 4m")
    assert killed.killed_by is not None and "high: High@12m" in killed.killed_by


def test_a_pending_case_kills_the_shortened_for(project: Path) -> None:
    (project / "high_test.yml").write_text(TESTS + PENDING_CHECK)
    got = by_description(mutate_paths([str(project)], MutateOptions(SEM, jobs=1)))
    # At 11m the condition has held for 1m: with `for: 1m` or `for: 0s` the alert fires there.
    assert got["for: 2m → for: 1m"] == "killed"
    assert got["for: 2m → for: 0s"] == "killed"


def test_lifecycle_assertions_kill_mutants(project: Path) -> None:
    # Only an alert_state_test looks at High here. x > 10 from 10m to 14m (20x4), 5 again from 15m:
    # High fires at 12m and resolves at 15m; with keep_firing_for: 1m it would resolve at 16m.
    (project / "high_test.yml").write_text("""\
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'x{job="a"}'
        values: '5x9 20x4 5x10'
    alert_state_test:
      - {alertname: High, fires_at: 12m}
      - {alertname: High, resolves_at: 15m}
""")
    got = by_description(mutate_paths([str(project)], MutateOptions(SEM, jobs=1)))
    assert got["keep_firing_for: 0s → keep_firing_for: 1m"] == "killed"
    assert got["for: 2m → for: 4m"] == "killed"  # fires_at moves to 14m


def test_files_are_never_rewritten_and_parallel_equals_serial(project: Path) -> None:
    before = {p.name: p.read_bytes() for p in project.iterdir()}
    serial = mutate_paths([str(project)], MutateOptions(SEM, jobs=1))
    parallel = mutate_paths([str(project)], MutateOptions(SEM, jobs=2))
    assert {p.name: p.read_bytes() for p in project.iterdir()} == before

    def key(report: MutationReport) -> list[tuple[object, ...]]:
        return [(r.id, r.mutation.description, r.status, r.how, r.killed_by) for r in report.results]

    assert key(serial) == key(parallel)


def test_only_test_files_loading_the_rule_file_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "other.yml").write_text("groups:\n  - name: o\n    rules:\n      - record: y2\n        expr: y * 2\n")
    (project / "other_test.yml").write_text(
        "rule_files: [other.yml]\ntests:\n  - input_series: [{series: y, values: '1'}]\n"
        "    promql_expr_test: [{expr: y2, eval_time: 0m, exp_samples: [{labels: y2, value: 2}]}]\n")
    ran: list[tuple[str, str]] = []
    real = mutate_module.run_test_file

    def spy(tf, opts, cache=None):  # type: ignore[no-untyped-def]
        ran.append((Path(tf.path).name, tf.tests[0].display_name))
        return real(tf, opts, cache)

    monkeypatch.setattr(mutate_module, "run_test_file", spy)
    report = mutate_paths([str(project / "rules.yml"), str(project / "high_test.yml"), str(project / "other_test.yml")],
                          MutateOptions(SEM, jobs=1))
    assert {r.mutation.rule.name for r in report.results} == {"High"}  # only the rule file named
    assert report.rule_files == [str(project / "rules.yml")]
    mutant_runs = ran[2:]  # after the two baseline runs
    assert mutant_runs and {name for name, _ in mutant_runs} == {"high_test.yml"}


def test_test_groups_failing_without_mutation_are_left_out(project: Path) -> None:
    broken = TESTS.replace("exp_alerts: []}", "exp_alerts: [{exp_labels: {severity: page, job: a}}]}")
    (project / "high_test.yml").write_text(broken)
    report = mutate_paths([str(project)], MutateOptions(SEM, jobs=1))
    assert report.excluded == [f"{project / 'high_test.yml'}: high"]
    assert {r.status for r in report.results} == {"uncovered"}
    # No passing test reaches any value, so there are no nearest-value thresholds: 12 - 2 mutants.
    assert summary(report) == "mutation score: 0.0% (0 of 10 mutants killed)"


def test_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(MutateError, match="no promtool test files"):
        mutate_paths([str(tmp_path)], MutateOptions(SEM))
    proc = ruletest("mutate", "nope.yml", cwd=tmp_path)
    assert proc.returncode == 2 and "no such file or directory: nope.yml" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- operators -----------------------------------------------------------------------------------


def test_expression_operators() -> None:
    r = rule('sum by (job, le) (rate(h{status=~"5..", env="p"}[5m])) > 0.5 and on(job) up == 1')
    got = {(m.operator, A.to_promql(A.parse(m.mutant.expr))) for m in mutations(r, MutationContext(SEM))
           if m.operator in ("grouping-label", "matcher-drop", "matcher-negate", "rate-function", "range-window",
                             "set-operator")}
    tail = " > 0.5 and on(job) up == 1"
    # Both sides printed by the same printer, so the comparison is about the trees, not spacing.
    assert got == {(op, A.to_promql(A.parse(expr))) for op, expr in {
        ("grouping-label", 'sum by (le) (rate(h{status=~"5..", env="p"}[5m]))' + tail),
        ("grouping-label", 'sum by (job) (rate(h{status=~"5..", env="p"}[5m]))' + tail),
        ("matcher-drop", 'sum by (job, le) (rate(h{env="p"}[5m]))' + tail),
        ("matcher-drop", 'sum by (job, le) (rate(h{status=~"5.."}[5m]))' + tail),
        ("matcher-negate", 'sum by (job, le) (rate(h{status!~"5..", env="p"}[5m]))' + tail),
        ("matcher-negate", 'sum by (job, le) (rate(h{status=~"5..", env!="p"}[5m]))' + tail),
        ("rate-function", 'sum by (job, le) (irate(h{status=~"5..", env="p"}[5m]))' + tail),
        ("rate-function", 'sum by (job, le) (increase(h{status=~"5..", env="p"}[5m]))' + tail),
        ("range-window", 'sum by (job, le) (rate(h{status=~"5..", env="p"}[2m30s]))' + tail),
        ("range-window", 'sum by (job, le) (rate(h{status=~"5..", env="p"}[10m]))' + tail),
        # `and` binds tighter than `or`: the swapped operands keep their meaning with parentheses.
        ("set-operator", '(sum by (job, le) (rate(h{status=~"5..", env="p"}[5m])) > 0.5) or on(job) (up == 1)'),
        ("set-operator", '(sum by (job, le) (rate(h{status=~"5..", env="p"}[5m])) > 0.5) unless on(job) (up == 1)'),
    }}


def test_set_operator_swaps_keep_the_tree() -> None:
    # `a or b and c` is `a or (b and c)`; swapping `or` for `unless` must not become `(a unless b) and c`.
    swapped = {m.after: m.mutant.expr for m in mutations(rule("a or b and c"), MutationContext(SEM))
               if m.operator == "set-operator" and m.before == "`or`"}
    assert swapped == {"`and`": "a and (b and c)", "`unless`": "a unless (b and c)"}


def test_comparisons_and_thresholds_without_observations() -> None:
    got = {m.description for m in mutations(rule("0.8 > x"), MutationContext(SEM)) if m.operator.startswith(
        ("comparison", "threshold"))}
    # Literal on the left: the threshold text stays on the left. 0.8 * 0.9 = 0.72, 0.8 * 1.1 = 0.88.
    assert got == {"0.8 > → 0.8 >=", "0.8 > → 0.8 <", "0.8 > → 0.72 >", "0.8 > → 0.88 >"}
    eq = {m.description for m in mutations(rule("up == 0"), MutationContext(SEM)) if m.operator.startswith("comp")}
    assert eq == {"== 0 → != 0"}


def test_nearest_threshold_uses_observed_values() -> None:
    # Observed 0.05, 0.09 and 0.11 around 0.1: 0.11 stops firing at 0.11, 0.09 starts at 0.08.
    obs = {(): Observed((0.05, 0.09, 0.11))}
    got = {m.after for m in mutations(rule("x > 0.1"), MutationContext(SEM, (60_000,), obs))
           if m.operator == "threshold-nearest"}
    assert got == {"> 0.11", "> 0.08"}


def test_equivalent_mutants_are_detected() -> None:
    ctx = MutationContext(SEM)
    got = {m.description: m.equivalent for m in mutations(rule("count(up) > 0.5"), ctx) if m.equivalent}
    # count() is an integer: > 0.5 and >= 0.5 select the same values; so do 0.45 and 0.55.
    assert set(got) == {"> 0.5 → >= 0.5", "> 0.5 → > 0.45", "> 0.5 → > 0.55"}
    drop = {m.description: m.equivalent for m in mutations(rule('x{job=~".*"} > 1'), ctx)
            if m.operator == "matcher-drop"}
    assert drop == {'job=~".*" → (dropped)': 'job=~".*" matches every value'}
    # A label the aggregated series cannot have: dropping it from `by` changes nothing.
    by = {m.description: m.equivalent for m in mutations(rule("sum by (job) (count by (env) (x)) > 1"), ctx)
          if m.operator == "grouping-label" and m.equivalent}
    assert by == {"sum by (job) → sum by ()": "the aggregated series never have a 'job' label"}


def test_for_mutants_skip_values_firing_at_the_same_evaluation() -> None:
    # for 1m at a 1m interval: 30s fires at the same evaluation (ceil(30s/1m) = 1), so the
    # shortened mutant is left out and only 0s and 2m remain.
    got = {m.description for m in mutations(rule("x > 1", **{"for": "1m"}), MutationContext(SEM, (60_000,)))
           if m.operator == "for"}
    assert got == {"for: 1m → for: 0s", "for: 1m → for: 2m"}


# --- the Veza rules ------------------------------------------------------------------------------


def test_veza_rules_mutants_that_must_die() -> None:
    report = mutate_paths([str(REPO / "rules"), str(REPO / "fixtures")], MutateOptions(SEM, jobs=1))
    status = {(r.mutation.rule.name, r.mutation.description): r.status for r in report.results}
    # fixtures/service_down_test.yml expects ServiceDown firing while up is 0 and silent while 1.
    assert status[("ServiceDown", "== 0 → != 0")] == "killed"
    # database_connections_high_test.yml: silent at exactly 80, firing above: `>=` fires at 80.
    assert status[("DatabaseConnectionsHigh", "> 80 → >= 80")] == "killed"
    # high_error_rate_test.yml: a busy service at 5% and 9% errors must stay silent, which only
    # the 5xx matcher keeps apart from all requests.
    assert status[("job:http_requests_5xx:rate5m", 'status=~"5.." → (dropped)')] == "killed"
    # lifecycle_test.yml: ServiceDown resolves at 4m15s, at 4m30s with keep_firing_for: 15s.
    assert status[("ServiceDown", "keep_firing_for: 0s → keep_firing_for: 15s")] == "killed"
    # Every other alert's fixture expects it resolved at the first evaluation after its
    # condition clears, so keeping any of them firing 15s longer is noticed.
    assert {name for (name, d), s in status.items() if d.startswith("keep_firing_for: 0s →") and s != "killed"} == set()
    # Inputs exactly at the threshold (0.1 = 10 / (90 + 10) with rates exact in float64, a p95 of
    # exactly 2s, a hit ratio of exactly 0.8) must stay silent: `>=` / `<=` fire there.
    assert status[("HighErrorRate", "> 0.1 → >= 0.1")] == "killed"
    assert status[("HighResponseTime", "> 2 → >= 2")] == "killed"
    assert status[("CacheHitRateLow", "< 0.8 → <= 0.8")] == "killed"
    # high_response_time_test.yml: after one fast step the 5m p95 is still above 2s, the last
    # two samples' (irate) already under.
    p95 = "job:http_request_duration_seconds:p95_rate5m"
    assert status[(p95, "rate(http_request_duration_seconds_bucket[5m]) → irate(http_request_duration_seconds_bucket[5m])")] \
        == "killed"
    # A kill is a test noticing the change, never a test group that could not load once cut down.
    assert not [r.killed_by for r in report.results if r.killed_by and r.killed_by.endswith("LoadProblem")]
    assert report.excluded == []
    assert not [r for r in report.results if r.status in ("invalid", "error")]


# --- command line ----------------------------------------------------------------------------------


def test_cli_formats_and_fail_under(project: Path) -> None:
    text = ruletest("mutate", ".", cwd=project)
    assert text.returncode == 0
    assert text.stdout.splitlines()[-1] == "mutation score: 50.0% (6 of 12 mutants killed)"
    assert "  survived threshold-10pct: > 10 → > 9\n    missing: no test evaluates High with x between 9 and 10" \
        in text.stdout
    low = ruletest("mutate", "--fail-under", "60", ".", cwd=project)
    assert low.returncode == 1 and "mutation score 50.0% is below 60%" in low.stderr
    doc = json.loads(ruletest("mutate", "--format", "json", "-j", "2", ".", cwd=project).stdout)
    assert doc["summary"] == "mutation score: 50.0% (6 of 12 mutants killed)"
    assert doc["counts"]["killed"] == 6 and len(doc["mutants"]) == 12
    nine = next(m for m in doc["mutants"] if m["after"] == "> 9")
    assert nine["mutant"]["expr"] == "x > 9" and nine["status"] == "survived" and nine["file"] == "rules.yml"


def test_sarif_lists_survivors_and_validates(project: Path) -> None:
    import sarif_pydantic  # a [test] dependency

    doc = json.loads(ruletest("mutate", "--format", "sarif", ".", cwd=project).stdout)
    sarif_pydantic.Sarif.model_validate(doc)
    results = doc["runs"][0]["results"]
    assert len(results) == 6  # the six survivors
    assert {r["ruleId"] for r in results} == {"mutation/comparison-boundary", "mutation/threshold-10pct",
                                              "mutation/for", "mutation/keep-firing-for"}
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "rules.yml" and loc["region"]["startLine"] == 5


def test_changed_mutates_only_changed_rules(project: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)

    (project / "rules.yml").write_text(RULES + "      - alert: Low\n        expr: x < 1\n")
    git("init", "-q")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "empty")
    git("add", ".")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "rules")
    (project / "rules.yml").write_text(RULES + "      - alert: Low\n        expr: x < 2\n")
    doc = json.loads(ruletest("mutate", "--changed", "--format", "json", ".", cwd=project).stdout)
    assert {m["rule"] for m in doc["mutants"]} == {"Low"}
    nothing = ruletest("mutate", "--changed", "--base", "HEAD", "high_test.yml", cwd=project)
    (project / "rules.yml").write_text(RULES + "      - alert: Low\n        expr: x < 1\n")
    unchanged = ruletest("mutate", "--changed", ".", cwd=project)
    assert unchanged.returncode == 0 and "mutation score: n/a (no mutants to run)" in unchanged.stdout
    assert nothing.returncode == 0


# --- pytest option -----------------------------------------------------------------------------------

pytest_plugins = ["pytester"]


def test_pytest_option(pytester: pytest.Pytester) -> None:
    pytester.mkdir("fixtures")
    (pytester.path / "fixtures" / "rules.yml").write_text(RULES)
    (pytester.path / "fixtures" / "high_test.yml").write_text(TESTS)
    pytester.makeini("[pytest]\nruletest_files = fixtures/*.yml\n")
    ok = pytester.runpytest_subprocess("--ruletest-mutate", "-p", "no:cacheprovider")
    ok.assert_outcomes(passed=2)
    ok.stdout.fnmatch_lines(["*ruletest mutation testing*", "mutation score: 50.0% (6 of 12 mutants killed)"])
    low = pytester.runpytest_subprocess("--ruletest-mutate-fail-under", "75", "-p", "no:cacheprovider")
    assert low.ret == pytest.ExitCode.TESTS_FAILED
    low.stdout.fnmatch_lines(["FAIL: mutation score: 50.0% (6 of 12 mutants killed) is below 75%"])


# --- pruning is exact -------------------------------------------------------------------------------

JOIN_RULES = """\
groups:
  - name: g
    rules:
      - alert: A
        expr: a * on(job) b{env="p"} > 0
"""

JOIN_TESTS = """\
rule_files: [rules.yml]
tests:
  - name: a fires
    input_series:
      - {series: 'a{job="j"}', values: '1x5'}
      - {series: 'b{job="j", env="p"}', values: '1x5'}
    alert_rule_test:
      - {alertname: A, eval_time: 1m, exp_alerts: [{exp_labels: {job: j}}]}
  - name: other
    input_series:
      - {series: 'a{job="j"}', values: '1x5'}
      - {series: 'b{job="j", env="p"}', values: '1x5'}
      - {series: 'b{job="j", env="q"}', values: '1x5'}
    promql_expr_test:
      - {expr: a, eval_time: 1m, exp_samples: [{labels: 'a{job="j"}', value: 1}]}
"""


def test_an_evaluation_error_in_a_group_not_testing_the_rule_kills(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(JOIN_RULES)
    (tmp_path / "join_test.yml").write_text(JOIN_TESTS)
    report = mutate_paths([str(tmp_path)], MutateOptions(SEM, jobs=1))
    dropped = next(r for r in report.results if r.mutation.description == 'env="p" → (dropped)')
    # Without the matcher, "other" joins a with two b series on job: many-to-many matching fails
    # there, although no assertion of "other" is about A. In "a fires" A still fires as expected.
    assert dropped.status == "killed"
    assert dropped.killed_by is not None and ": other: " in dropped.killed_by


def test_pruned_runs_give_the_results_of_full_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from ruletest.authoring.impact import Impact

    # Every test group run with every rule, against groups run with the rules they need.
    paths = [str(REPO / "rules"), str(REPO / "fixtures" / "high_error_rate_test.yml"),
             str(REPO / "fixtures" / "recording_rules_test.yml"), str(REPO / "fixtures" / "service_down_test.yml")]
    pruned = mutate_paths(paths, MutateOptions(SEM, jobs=1))
    monkeypatch.setattr(Impact, "needed", lambda self, keys, templates=None: set(self.keys))
    monkeypatch.setattr(Impact, "observes", lambda self, tg, affected: True)
    full = mutate_paths(paths, MutateOptions(SEM, jobs=1))
    assert len(pruned.results) > 150 and pruned.count("uncovered") > 50
    assert [(r.mutation.description, r.status == "killed") for r in pruned.results] == \
        [(r.mutation.description, r.status == "killed") for r in full.results]


def test_rules_no_assertion_reaches_are_uncovered(project: Path) -> None:
    (project / "rules.yml").write_text(RULES + "      - alert: Untested\n        expr: x > 100\n")
    report = mutate_paths([str(project)], MutateOptions(SEM, jobs=1))
    untested = {r.status for r in report.results if r.mutation.rule.name == "Untested"}
    assert untested == {"uncovered"}
    from ruletest.authoring.mutate_report import text

    out = text(report)
    assert "Untested: 0 of" in out and "no test asserts on Untested or on a rule reading it" in out
    assert "ruletest new Untested --rules" in out
