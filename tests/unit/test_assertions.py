"""ruletest's additions to the test format: alert lifecycle, flexible matching, tolerance, the
server's schedule. Expected times are derived by hand from Prometheus' rule semantics as the
alert generator specification states them (prometheus/compliance alert_generator/
specification.md): an alert is pending from the evaluation that first returns it (ActiveAt),
firing at the first evaluation with ``t - ActiveAt >= for`` (FiredAt), and inactive (resolved,
kept 15 minutes) at the first evaluation that does not return it (ResolvedAt)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ruletest.promtool_format import TestFileError, load_test_file
from ruletest.reporting import file_text, message
from tests.unit.helpers import DOWN_RULES, TWO_DOWN, run_tests

RULES = DOWN_RULES
run = run_tests


# up is 1 at 0m and 1m, 0 from 2m to 6m, 1 again from 7m: pending at 2m (ActiveAt) and 3m
# (3m - 2m < for), firing at 4m (FiredAt: 4m - 2m >= 2m) to 6m, resolved at 7m (ResolvedAt).
DOWN = """
- name: lifecycle
  interval: 1m
  input_series:
    - series: 'up{job="api"}'
      values: '1 1 0 0 0 0 0 1 1 1'
  alert_state_test:
"""


@pytest.mark.parametrize("entry", [
    "{alertname: Down, at: 1m, state: inactive}",
    "{alertname: Down, at: 2m, state: pending}",
    "{alertname: Down, at: 3m30s, state: pending}",  # checked against the 3m evaluation
    "{alertname: Down, at: 4m, state: firing}",
    "{alertname: Down, at: 8m, state: resolved}",
    "{alertname: Down, exp_labels: {job: api}, from: 4m, to: 6m, state: firing}",
    "{alertname: Down, from: 2m, to: 3m, state: pending}",
    "{alertname: Down, from: 0m, to: 3m, never: firing}",
    "{alertname: Down, from: 7m, to: 9m, never: pending}",
    "{alertname: Down, fires_at: 4m}",
    "{alertname: Down, fires_at: 4m30s}",  # to the evaluation step
    "{alertname: Down, resolves_at: 7m}",
    "{alertname: Down, exp_labels_re: {job: 'a.*'}, at: 5m, state: firing}",
    "{alertname: Down, exp_labels: {job: other}, at: 5m, state: inactive}",  # no such instance
])
def test_lifecycle_assertions_hold(tmp_path: Path, entry: str) -> None:
    result = run(tmp_path, DOWN + f"    - {entry}\n")
    assert result.passed, [message(p) for p in result.all_problems()]


@pytest.mark.parametrize(("entry", "observed"), [
    ("{alertname: Down, at: 3m, state: firing}", "it is pending"),
    ("{alertname: Down, from: 2m, to: 5m, state: pending}", "it is firing at 4m"),
    ("{alertname: Down, from: 0m, to: 9m, never: firing}", "it is firing at 4m"),
    ("{alertname: Down, fires_at: 3m}", "it fires at 4m"),
    ("{alertname: Down, resolves_at: 9m}", "it resolves at 7m"),
])
def test_lifecycle_failures_say_what_decided(tmp_path: Path, entry: str, observed: str) -> None:
    result = run(tmp_path, DOWN + f"    - {entry}\n")
    (problem,) = result.all_problems()
    assert observed in message(problem)
    _out, err = file_text(result)
    assert "state timeline:" in err and "2m  pending" in err


FLEX = TWO_DOWN


@pytest.mark.parametrize(("extra", "passes"), [
    # Promtool's form needs every label; ruletest's subset match needs only the listed ones.
    ("match: subset\n  exp_alerts: [{exp_labels: {job: a}}, {exp_labels: {job: b}}]", True),
    ("exp_alerts: [{exp_labels: {job: a}}, {exp_labels: {job: b}}]", False),
    ("match: subset\n  exp_alerts: [{exp_labels: {job: a}}]", False),  # two fire, one expected
    ("count: 2\n  exp_alerts: []", True),
    ("count: 3\n  exp_alerts: []", False),
    ("match: subset\n  count: 2\n  exp_alerts: [{exp_labels: {job: a}}]", True),
    ("match: subset\n  exp_alerts: [{exp_labels_re: {instance: '.*:9100'}}, {exp_labels_re: {job: '.+'}}]", True),
    ("match: subset\n  exp_alerts: [{exp_labels_re: {instance: '9100'}}, {exp_labels: {job: b}}]", False),  # anchored
    ("match: subset\n  exp_alerts: [{exp_labels: {job: a}, exp_annotations_re: {summary: '. is down'}},"
     " {exp_labels: {job: b}, exp_annotations: {summary: b is down}}]", True),
])
def test_flexible_alert_matching(tmp_path: Path, extra: str, passes: bool) -> None:
    body = FLEX + textwrap.indent(extra.replace("\n  ", "\n"), "      ") + "\n"
    result = run(tmp_path, body, rules=RULES.replace("for: 2m", "for: 0m"))
    assert result.passed is passes, [message(p) for p in result.all_problems()]


EXPR = """
- interval: 1m
  input_series:
    - series: 'm{job="a"}'
      values: '1 1 1'
  promql_expr_test:
    - expr: {expr}
      eval_time: 1m
"""


@pytest.mark.parametrize(("expr", "extra", "passes"), [
    ("m / 3", "exp_samples: [{labels: '{job=\"a\"}', value: 0.3333}]", False),
    ("m / 3", "tolerance: 0.001\n  exp_samples: [{labels: '{job=\"a\"}', value: 0.3333}]", True),
    ("m / 3", "relative_tolerance: 0.001\n  exp_samples: [{labels: '{job=\"a\"}', value: 0.3333}]", True),
    ("m / 3", "relative_tolerance: 0.00001\n  exp_samples: [{labels: '{job=\"a\"}', value: 0.3333}]", False),
    ("m / 0 - m / 0", "exp_samples: [{labels: '{job=\"a\"}', value: .nan}]", False),  # promtool: NaN never matches
    ("m / 0 - m / 0", "nan_equal: true\n  exp_samples: [{labels: '{job=\"a\"}', value: .nan}]", True),
    ("m", "match: subset\n  exp_samples: [{labels: 'm', value: 1}]", True),
    ("m", "count: 1\n  exp_samples: []", True),
    ("m", "match: subset\n  exp_samples: [{labels: '{}', labels_re: {job: '[ab]'}, value: 1}]", True),
])
def test_sample_matching(tmp_path: Path, expr: str, extra: str, passes: bool) -> None:
    result = run(tmp_path, EXPR.replace("{expr}", expr) + textwrap.indent(extra.replace("\n  ", "\n"), "      ") + "\n")
    assert result.passed is passes, [message(p) for p in result.all_problems()]


def test_additions_are_refused_under_promtool_compat(tmp_path: Path) -> None:
    (tmp_path / "t.yml").write_text(textwrap.dedent("""\
        rule_files: []
        tests:
          - interval: 1m
            promql_expr_test:
              - expr: vector(1)
                eval_time: 0m
                tolerance: 0.1
                exp_samples: [{labels: '{}', value: 1}]
        """))
    assert load_test_file(tmp_path / "t.yml").extensions == (("tolerance", 7),)
    with pytest.raises(TestFileError) as err:
        load_test_file(tmp_path / "t.yml", promtool_compat=True)
    (problem,) = err.value.problems
    assert problem.where.line == 7
    assert problem.message.startswith("'tolerance' is a ruletest addition, not promtool syntax")


def test_bad_additions_are_located_errors(tmp_path: Path) -> None:
    (tmp_path / "t.yml").write_text(textwrap.dedent("""\
        tests:
          - alert_state_test:
              - {alertname: X, at: 1m}
              - {alertname: X, at: 1m, state: burning}
              - {alertname: X, from: 5m, to: 1m, state: firing}
        """))
    with pytest.raises(TestFileError) as err:
        load_test_file(tmp_path / "t.yml")
    got = [(p.where.line, p.message.split(":")[0]) for p in err.value.problems]
    assert got == [(3, "alert_state_test entry needs exactly one of"), (4, "state must be one of inactive, pending, "
                                                                             "firing, resolved, not 'burning'"),
                   (5, "to is before from")]


SLOW_GROUP = """
groups:
  - name: slow
    interval: 2m
    rules:
      - alert: Down
        expr: up == 0
        for: 1m
"""


def test_server_timing_evaluates_each_group_on_its_own_interval(tmp_path: Path) -> None:
    # up is 0 from 1m. promtool evaluates the group every 1m (evaluation_interval): pending at
    # 1m, firing at 2m. A server evaluates it every 2m: pending at 2m, firing at 4m.
    tests = """
    - name: slow
      interval: 1m
      input_series: [{series: up, values: '1 0 0 0 0 0'}]
      alert_state_test:
        - {alertname: Down, fires_at: 2m}
    """
    assert run(tmp_path, tests, rules=SLOW_GROUP).passed
    server = run(tmp_path, tests, rules=SLOW_GROUP, timing="server")
    (problem,) = server.all_problems()
    assert "it fires at 4m" in message(problem)
    assert server.groups[0].passes_with_timing == "promtool"
    _out, err = file_text(server)
    assert "passes with promtool's schedule" in err
