"""What a failure's explanation shows, in test-file output (CLI, pytest, Markdown, HTML share
``reporting.explain``) and in the Python API: the expression's values around the time the
failing expectation is about, and wording that follows the expectation's match mode.

Every expected time and line is derived by hand in the comments from Prometheus' rule semantics
(an alert is pending from the first evaluation that returns it, firing once ``for`` has passed,
resolved at the first evaluation that no longer returns it) and the explanation's stated layout:
state changes up to the evaluation after the last time the check looked at; values at the last
evaluation at or before the focus time, the two before it and the two after.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from ruletest.api import Scenario
from ruletest.reporting import detail, render
from tests.unit.helpers import DOWN_RULES, TWO_DOWN, run_tests

RULES = DOWN_RULES
run = run_tests


def value_times(text: str) -> tuple[str, list[str]]:
    """The focus time and the times of the 'expression value around' block of an explanation."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if "expression value around" in ln)
    focus = re.search(r"around (\S+):", lines[start])
    assert focus is not None
    times = []
    for ln in lines[start + 1:]:
        m = re.match(r"\s+(\d+[smh]\S*)\s{2}", ln)
        if m is None:
            break
        times.append(m.group(1))
    return focus.group(1), times


# up is 1 at 0m and 1m, 0 from 2m to 6m, 1 again from 7m (to 9m): `up == 0` returns nothing at
# 0m, 1m and from 7m. Down is pending at 2m and 3m, firing at 4m (2m after 2m) to 6m, resolved
# at 7m. The last entry needs the run to go on past 9m (until the input is stale), so every
# group runs to at least 9m: values exist well after each focus time.
DOWN = """
- name: lifecycle
  interval: 1m
  input_series:
    - series: 'up{job="api"}'
      values: '1 1 0 0 0 0 0 1 1 1'
  alert_state_test:
    - {alertname: Down, resolves_at: 7m}
"""


@pytest.mark.parametrize(("entry", "focus", "times", "changes"), [
    # Its `at`: the evaluations 0s, 1m before 2m, 2m, and 3m, 4m after. Not the last ones of the run.
    ("{alertname: Down, at: 2m, state: firing}", "2m", ["0s", "1m", "2m", "3m", "4m"], ["2m  pending"]),
    # Between evaluations: the last one at or before 2m30s is 2m.
    ("{alertname: Down, at: 2m30s, state: firing}", "2m30s", ["0s", "1m", "2m", "3m", "4m"], ["2m  pending"]),
    # A window: the step that broke it (firing at 4m, inside 2m..6m); changes up to the
    # evaluation after the window's end (7m, resolved).
    ("{alertname: Down, from: 2m, to: 6m, state: pending}", "4m", ["2m", "3m", "4m", "5m", "6m"],
     ["2m  pending", "4m  firing", "7m  resolved"]),
    ("{alertname: Down, from: 0m, to: 9m, never: firing}", "4m", ["2m", "3m", "4m", "5m", "6m"],
     ["2m  pending", "4m  firing", "7m  resolved"]),
    # An event: around the expected time (3m); the changes show when it did happen (4m).
    ("{alertname: Down, fires_at: 3m}", "3m", ["1m", "2m", "3m", "4m", "5m"], ["2m  pending", "4m  firing"]),
    ("{alertname: Down, resolves_at: 9m}", "9m", ["7m", "8m", "9m", "10m", "11m"],
     ["2m  pending", "4m  firing", "7m  resolved"]),
])
def test_state_failures_show_values_around_the_time_they_are_about(tmp_path: Path, entry: str, focus: str,
                                                                    times: list[str], changes: list[str]) -> None:
    result = run(tmp_path, DOWN + f"    - {entry}\n")
    (problem,) = result.all_problems()
    text = detail(problem)
    assert value_times(text) == (focus, times)
    shown = [" ".join(ln.split()[:2]).replace(" ", "  ") for ln in text.splitlines()
             if re.match(r"\s+\d+m\s+(pending|firing|resolved)\b", ln)]
    assert shown == changes
    # The value at the focus step: up{job="api"} is 0 from 2m to 6m (`up == 0` keeps the name).
    by_time = dict(re.findall(r"^\s+(\d+m\S*)\s{2}(.*)$", text.split("expression value around", 1)[1], re.M))
    assert by_time[times[2]] == ('{__name__="up", job="api"} 0.0' if times[2] in ("2m", "3m", "4m", "5m", "6m")
                                 else "(no result)")


def test_api_lifecycle_failures_show_the_same_times(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(RULES)
    s = Scenario([str(tmp_path / "rules.yml")], interval="1m").series('up{job="api"}', "1 1 0 0 0 0 0 1 1 1")
    run_ = s.run(until="16m")
    with pytest.raises(AssertionError) as err:
        run_.assert_state("Down", "firing", at="2m")
    assert value_times(str(err.value)) == ("2m", ["0s", "1m", "2m", "3m", "4m"])  # not 14m 15m 16m
    with pytest.raises(AssertionError) as err:
        run_.assert_fires_at("Down", "3m", labels_re={"job": "a.."})
    assert str(err.value).startswith('expected Down{job=~"a.."} first fires at 3m: it fires at 4m')
    assert value_times(str(err.value)) == ("3m", ["1m", "2m", "3m", "4m", "5m"])


# --- wording that follows the match mode -----------------------------------------------------

FLEX = TWO_DOWN
A = '{alertname="Down", instance="a:9100", job="a", severity="page"}'
B = '{alertname="Down", instance="b:9100", job="b", severity="page"}'


@pytest.mark.parametrize(("extra", "lines"), [
    # {job: a} is matched by the job="a" alert: only job="b"'s alert is left over.
    ("match: subset\n  exp_alerts: [{exp_labels: {job: a}}]", [f"+ firing, not expected:        {B}"]),
    # Both expectations are met; the count is what fails, and nothing is listed as unexpected.
    ("match: subset\n  count: 3\n  exp_alerts: [{exp_labels: {job: a}}]", ["# count: expected 3 firing alerts, got 2"]),
    ("count: 1\n  exp_alerts: []", ["# count: expected 1 firing alert, got 2"]),
    # No alert has job="c"; the two that fire are matched by nothing either (no count given).
    ("match: subset\n  exp_alerts: [{exp_labels: {job: c}}]",
     ['- expected firing, no alert matches: {alertname="Down", job="c"}', f"+ firing, not expected:        {A}",
      f"+ firing, not expected:        {B}"]),
    # The labels fit, an annotation does not: said of that alert, not as missing + unexpected.
    ("match: subset\n  exp_alerts: [{exp_labels: {job: a}, exp_annotations: {summary: a is up}}, {exp_labels: {job: b}}]",
     [f"~ {A} annotation summary: expected 'a is up', got 'a is down'"]),
    ("match: subset\n  exp_alerts: [{exp_labels: {job: a}, exp_annotations_re: {summary: '.* up'}},"
     " {exp_labels_re: {instance: 'b:.*'}}]",
     [f"~ {A} annotation summary: expected to match '.* up', got 'a is down'"]),
    # promtool's exact form: whole label sets and annotation sets.
    ("exp_alerts: [{exp_labels: {job: a, instance: 'a:9100', severity: page}, exp_annotations: {summary: a is down}}]",
     [f"+ firing, not expected:        {B}"]),
])
def test_alert_explanations_follow_the_match_mode(tmp_path: Path, extra: str, lines: list[str]) -> None:
    body = FLEX + textwrap.indent(extra.replace("\n  ", "\n"), "      ") + "\n"
    result = run(tmp_path, body, rules=RULES.replace("for: 2m", "for: 0m"))
    (problem,) = result.all_problems()
    text = detail(problem)
    diff = [ln.strip() for ln in text.split("  state timeline:")[0].splitlines()[1:]]
    assert diff == lines


EXPR = """
- interval: 1m
  input_series:
    - series: 'm{job="a"}'
      values: '1 1 1'
    - series: 'm{job="b"}'
      values: '4 4 4'
  promql_expr_test:
    - expr: {expr}
      eval_time: 1m
"""


@pytest.mark.parametrize(("expr", "extra", "lines"), [
    # {job="a"} fits m{job="a"}; its value (1) is what differs. m{job="b"} is matched by nothing.
    ("m", "match: subset\n  exp_samples: [{labels: '{job=\"a\"}', value: 2}]",
     ['~ {__name__="m", job="a"} expected 2.0, got 1.0', '+ {__name__="m", job="b"} 4.0   (returned, not expected)']),
    ("m", "match: subset\n  count: 3\n  exp_samples: [{labels: '{job=\"a\"}', value: 1}]",
     ["# count: expected 3 samples, got 2"]),
    ("m", "match: subset\n  exp_samples: [{labels: '{}', labels_re: {job: 'c|d'}, value: 1}, {labels: 'm', value: 4}]",
     ['- {job=~"c|d"} 1.0   (expected, no sample matches)', '+ {__name__="m", job="a"} 1.0   (returned, not expected)']),
    # Within the tolerance (4 vs 4.05, 0.1): not listed as a difference; 1 vs 2 is.
    ("m", "tolerance: 0.1\n  exp_samples: [{labels: 'm{job=\"a\"}', value: 2}, {labels: 'm{job=\"b\"}', value: 4.05}]",
     ['~ {__name__="m", job="a"} expected 2.0, got 1.0']),
    # 0/0 is NaN; promtool's comparison never matches it.
    ("m / 0 - m / 0", "exp_samples: [{labels: '{job=\"a\"}', value: .nan}, {labels: '{job=\"b\"}', value: .nan}]",
     ['~ {job="a"} expected NaN, got NaN   (NaN never equals NaN unless nan_equal is true; YAML writes NaN as .nan)',
      '~ {job="b"} expected NaN, got NaN   (NaN never equals NaN unless nan_equal is true; YAML writes NaN as .nan)']),
])
def test_sample_explanations_follow_the_match_mode(tmp_path: Path, expr: str, extra: str, lines: list[str]) -> None:
    result = run(tmp_path, EXPR.replace("{expr}", expr) + textwrap.indent(extra.replace("\n  ", "\n"), "      ") + "\n")
    (problem,) = result.all_problems()
    assert [ln.strip() for ln in detail(problem).splitlines()] == lines


def test_nan_hint_without_the_diff(tmp_path: Path) -> None:
    # The CLI shows the diff only with --diff; the hint about NaN is shown either way.
    result = run(tmp_path, EXPR.replace("{expr}", "m / 0 - m / 0")
                 + "      exp_samples: [{labels: '{job=\"a\"}', value: .nan}, {labels: '{job=\"b\"}', value: .nan}]\n")
    (problem,) = result.all_problems()
    text = render(problem, diff=False)
    assert text.splitlines()[-1].strip() == "note: NaN never equals NaN unless nan_equal is true; YAML writes NaN as .nan"
    assert "note: NaN" not in render(problem, diff=True)  # the diff says it on each NaN's line
