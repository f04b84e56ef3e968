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
