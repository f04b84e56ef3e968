"""The Python API is as strict as the CLI: a question the run cannot answer is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruletest.api import Scenario, ScenarioError

RULES = """
groups:
  - name: g
    rules:
      - alert: ServiceDown
        expr: up == 0
        for: 1m
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Scenario:
    (tmp_path / "rules.yml").write_text(RULES)
    return Scenario([str(tmp_path / "rules.yml")], interval="1m").series('up{job="a"}', "1 0 0 0")


def test_unknown_alert_is_an_error_with_a_suggestion(scenario: Scenario) -> None:
    run = scenario.run(until="3m")
    with pytest.raises(ScenarioError, match="no rule in the scenario defines alert 'ServiceDwn' "
                                            r"\(did you mean 'ServiceDown'\?\)"):
        run.firing("ServiceDwn", at="2m")
    with pytest.raises(ScenarioError, match="ServiceDwn"):
        run.first_firing("ServiceDwn")
    # The real name answers: up is 0 from 1m, so with `for: 1m` it fires at 2m.
    assert run.firing("ServiceDown", at="2m") == [{"alertname": "ServiceDown", "job": "a"}]
    assert run.first_firing("ServiceDown") == 120


def test_asking_after_the_run_ended_is_an_error(scenario: Scenario) -> None:
    run = scenario.run(until="3m")
    with pytest.raises(ScenarioError, match="after the end of the run"):
        run.firing("ServiceDown", at="10m")
    with pytest.raises(ScenarioError, match="after the end of the run"):
        run.query("up", at="1h")


def test_api_expands_series_as_far_as_the_run_needs(tmp_path: Path) -> None:
    # The CLI runs 0+1x100000000 because it only expands what the test evaluates; so does the API.
    (tmp_path / "rules.yml").write_text(RULES)
    s = Scenario([str(tmp_path / "rules.yml")], interval="1m").series("m", "0+1x100000000")
    assert s.run(until="5m").query("m", at="5m") == {"m{}": 5.0}


def test_bad_notation_is_reported_when_the_series_is_added(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(RULES)
    with pytest.raises(ScenarioError.__mro__[1], match="invalid value"):
        Scenario([str(tmp_path / "rules.yml")]).series("m", "1 2 x3")


# --- lifecycle and matching assertions: the same rules as alert_state_test -------------------
# ServiceDown: up is 0 from 1m ("1 0 0 0"): pending at 1m (ActiveAt), firing at 2m (for: 1m),
# up 1 again from 4m in LIFE: resolved at 4m.

LIFE = "1 0 0 0 1 1 1"


def test_state_and_lifecycle_assertions(scenario: Scenario, tmp_path: Path) -> None:
    s = Scenario([str(tmp_path / "rules.yml")], interval="1m").series('up{job="a"}', LIFE)
    run = s.run(until="6m")
    assert [run.state("ServiceDown", at=f"{m}m") for m in range(7)] == [
        "inactive", "pending", "firing", "firing", "resolved", "resolved", "resolved"]
    assert run.state("ServiceDown", at="3m", labels={"job": "b"}) == "inactive"
    run.assert_state("ServiceDown", "pending", at="1m30s")
    run.assert_state("ServiceDown", "firing", between=("2m", "3m"))
    run.assert_never("ServiceDown", "firing", between=("0m", "1m"))
    run.assert_fires_at("ServiceDown", "2m")
    run.assert_resolves_at("ServiceDown", "4m")
    assert run.resolves_at("ServiceDown") == 240
    with pytest.raises(AssertionError, match=r"expected ServiceDown is firing at 1m: it is pending\n  state timeline:"):
        run.assert_state("ServiceDown", "firing", at="1m")
    with pytest.raises(AssertionError, match="it is firing at 2m"):
        run.assert_never("ServiceDown")


def test_flexible_firing_and_query_assertions(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(RULES)
    s = Scenario([str(tmp_path / "rules.yml")], interval="1m")
    s.series('up{job="a", instance="x:1"}', "0 0 0").series('up{job="b", instance="y:1"}', "0 0 0")
    run = s.run(until="2m")
    run.assert_firing("ServiceDown", "1m", [{"job": "a"}, {"job": "b"}], subset=True)
    run.assert_firing("ServiceDown", "1m", [], count=2)
    run.assert_firing("ServiceDown", "1m", [{}, {}], subset=True, labels_re=[{"instance": "x:.*"}, {"instance": ".+"}])
    with pytest.raises(AssertionError, match="do not match"):
        run.assert_firing("ServiceDown", "1m", [{"job": "a"}], subset=True)
    run.assert_query("sum(up) / 3", "1m", {"{}": 0.0})
    run.assert_query("vector(1) / 3", "1m", {"{}": 0.3333}, tolerance=0.001)
    with pytest.raises(AssertionError, match="tolerance"):
        run.assert_query("vector(1) / 3", "1m", {"{}": 0.3333}, tolerance=0.00001)


ANNOTATED = """
groups:
  - name: g
    rules:
      - alert: ServiceDown
        expr: up == 0
        for: 1m
        labels: {severity: page}
        annotations: {summary: '{{ $labels.job }} is down'}
"""


def test_api_matching_has_the_test_file_keys(tmp_path: Path) -> None:
    # Both instances are down from 0m: pending at 0m, firing from 1m (for: 1m); the summaries
    # render to "a is down" and "b is down". `up` at 1m is 0 for both.
    (tmp_path / "rules.yml").write_text(ANNOTATED)
    s = Scenario([str(tmp_path / "rules.yml")], interval="1m")
    run = s.series('up{job="a", instance="x:1"}', "0 0 0").series('up{job="b", instance="y:1"}', "0 0 0").run(until="2m")
    # exp_annotations / exp_annotations_re
    run.assert_firing("ServiceDown", "1m", [{"job": "a"}, {"job": "b"}], subset=True,
                      annotations=[{"summary": "a is down"}, {"summary": "b is down"}])
    run.assert_firing("ServiceDown", "1m", [{"job": "a"}, {}], subset=True, annotations_re=[{"summary": "a .*"}, {}])
    with pytest.raises(AssertionError, match=r"annotation summary: expected 'a is up', got 'a is down'"):
        run.assert_firing("ServiceDown", "1m", [{"job": "a"}, {"job": "b"}], subset=True,
                          annotations=[{"summary": "a is up"}, {}])
    # Without match: subset, annotations given are compared as a whole set, as promtool does.
    run.assert_firing("ServiceDown", "1m", [{"job": "a", "instance": "x:1", "severity": "page"},
                                            {"job": "b", "instance": "y:1", "severity": "page"}],
                      annotations=[{"summary": "a is down"}, {"summary": "b is down"}])
    with pytest.raises(ScenarioError, match="annotations has 1 entries for 2 expected alerts"):
        run.assert_firing("ServiceDown", "1m", [{}, {}], subset=True, annotations=[{}])
    # match: subset, labels_re and count for samples
    run.assert_query("up", "1m", {'{job="a"}': 0, '{job="b"}': 0}, subset=True)
    run.assert_query("up", "1m", {"up": 0}, subset=True, count=2)
    run.assert_query("up", "1m", {"{}": 0, "up": 0}, subset=True, labels_re={"{}": {"instance": "x:.*"}})
    with pytest.raises(AssertionError, match=r"# count: expected 3 samples, got 2"):
        run.assert_query("up", "1m", {"up": 0}, subset=True, count=3)
    with pytest.raises(AssertionError, match=r'\+ \{__name__="up", instance="y:1", job="b"\} 0.0   \(returned, not '
                                             r"expected\)"):
        run.assert_query("up", "1m", {'{job="a"}': 0}, subset=True)
    with pytest.raises(ScenarioError, match="labels_re key 'up' is not a key of expected"):
        run.assert_query("up", "1m", {"{}": 0}, labels_re={"up": {"job": "a"}})
    # 0 / 0 is NaN: it matches an expected NaN only with nan_equal, as in test files (and never in promtool).
    with pytest.raises(AssertionError, match="NaN never equals NaN unless nan_equal is true"):
        run.assert_query("sum(up) / 0", "1m", {"{}": float("nan")})
    run.assert_query("sum(up) / 0", "1m", {"{}": float("nan")}, nan_equal=True)
    # Lifecycle questions select instances by regex too.
    run.assert_fires_at("ServiceDown", "1m", labels_re={"instance": "y:.*"})
    assert run.first_firing("ServiceDown", labels_re={"instance": "y:.*"}) == 60
    assert run.first_firing("ServiceDown", labels_re={"instance": "z:.*"}) is None
    assert run.resolves_at("ServiceDown", labels_re={"instance": "y:.*"}) is None  # still down at 2m
