"""The Python API's Alertmanager side: ``Alertmanager`` (routes), ``Run.notifications`` and
``Run.assert_notifications``, the same checks as ``routing_test`` and ``notification_test``. The
scenario and the hand-derived times are those of test_in_test_files.py: ``load`` = 1, 2, 3 ...
each minute, the alert fires at 0; with resend_delay 1m Prometheus posts at 0, 2m, 4m and the
team is told at 30s, 2m30s and 4m30s with the values then posted: 1, 3, 5."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruletest.api import Alertmanager, Notified, Run, Scenario, ScenarioError
from tests.alertmanager.test_in_test_files import CONFIG, RULES


@pytest.fixture
def am(tmp_path: Path) -> Alertmanager:
    (tmp_path / "am.yml").write_text(CONFIG)
    return Alertmanager(tmp_path / "am.yml", external_url="http://am.example")


@pytest.fixture
def run(tmp_path: Path) -> Run:
    (tmp_path / "rules.yml").write_text(RULES)
    return Scenario([tmp_path / "rules.yml"], interval="1m").series("load", "1+1x20").run(until="5m")


def test_notifications(run: Run, am: Alertmanager) -> None:
    sent = run.notifications(am, "team")
    assert [(n.at_s, n.status, n.fields["title"], n.reason) for n in sent] == [
        (30, "firing", "1", "first notification"), (150, "firing", "3", "repeat interval elapsed"),
        (270, "firing", "5", "repeat interval elapsed")]
    first = sent[0]
    assert (first.receiver, first.integration, first.group_labels, first.alerts, first.statuses) == (
        "team", "slack[0]", {"alertname": "Load"}, [{"alertname": "Load", "severity": "page"}], ["firing"])
    assert repr(first) == "Notified(30s team/slack[0] firing {alertname=\"Load\"} '1')"
    assert isinstance(first, Notified)
    assert run.notifications(am, until="2m") == sent[:1]
    assert run.notifications(am) == sent  # every receiver: eu gets nothing


def test_assert_notifications(run: Run, am: Alertmanager) -> None:
    run.assert_notifications(am, "team", [
        {"at": "30s", "status": "firing", "group_labels": {"alertname": "Load"}, "fields": {"title": "1"},
         "alerts": [{"alertname": "Load", "severity": "page"}]},
        {"at": 150, "fields_contain": {"text": "http://am.example"}},
        {"at": "4m30s", "alerts": [{"labels": {"alertname": "Load", "severity": "page"}, "status": "firing"}]}])
    run.assert_notifications(am, "team", [{"at": "2m30s"}], since="1m", until="3m")
    run.assert_notifications(am, "eu", [])
    with pytest.raises(AssertionError) as exc:
        run.assert_notifications(am, "team", [{"at": "1m"}], until="1m")
    text = str(exc.value)
    assert text.startswith("notification_test: receiver team (slack[0]), from 0s to 1m,\n")
    assert "notification 1: expected at 1m, sent at 30s" in text
    assert text.endswith('alerts routed to team, at each rule evaluation:\n'
                         '          0s  firing   {alertname="Load", severity="page"}')


def test_a_config_path_is_enough(run: Run, tmp_path: Path) -> None:
    (tmp_path / "am.yml").write_text(CONFIG)
    assert [n.at_s for n in run.notifications(str(tmp_path / "am.yml"), "team")] == [30, 150, 270]


def test_resend_delay_and_version(run: Run, tmp_path: Path) -> None:
    # resend_delay 3m: posts at 0 and 4m, so the repeat at 2m30s still shows the value posted at 0.
    (tmp_path / "am.yml").write_text(CONFIG)
    am = Alertmanager("am.yml", base=tmp_path, resend_delay="3m", version="0.28")
    assert am.testbed.config.version.minor == 28
    assert [n.fields["title"] for n in run.notifications(am, "team")] == ["1", "1", "5"]


def test_routes(am: Alertmanager) -> None:
    assert am.routes({"alertname": "Load", "cluster": "eu1"}) == ["eu"]
    am.assert_routes({"alertname": "Load"}, ["team"], group_labels=[{"alertname": "Load"}], inhibited=False,
                     muted=[], at="2024-03-02T22:00:00Z")
    with pytest.raises(AssertionError, match=r'^\{alertname="Load", cluster="eu1"\}: expected receivers team, got eu '
                                             r"\(routes: line 8\)$"):
        am.assert_routes({"alertname": "Load", "cluster": "eu1"}, ["team"])


def test_inhibition_in_assert_routes(tmp_path: Path) -> None:
    (tmp_path / "am.yml").write_text(CONFIG + """\
inhibit_rules:
  - source_matchers: ['alertname="Down"']
    target_matchers: ['alertname="Load"']
    equal: [job]
""")
    am = Alertmanager(tmp_path / "am.yml")
    am.assert_routes({"alertname": "Load", "job": "a"}, ["team"], inhibited=True, firing=[{"alertname": "Down", "job": "a"}])
    am.assert_routes({"alertname": "Load", "job": "b"}, ["team"], inhibited=False, firing=[{"alertname": "Down", "job": "a"}])
    with pytest.raises(AssertionError, match="expected inhibited, not inhibited by any of the firing alerts"):
        am.assert_routes({"alertname": "Load", "job": "b"}, ["team"], inhibited=True,
                         firing=[{"alertname": "Down", "job": "a"}])


def test_questions_the_run_cannot_answer_are_errors(run: Run, am: Alertmanager, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"'6m' is after the end of the run \(300s\)"):
        run.notifications(am, "team", until="6m")
    with pytest.raises(ScenarioError, match=r"receiver 'teem' is not defined in .*am.yml \(did you mean 'team'\?\)"):
        run.notifications(am, "teem")
    with pytest.raises(ScenarioError, match=r"receiver 'both' has 2 integrations"):
        run.assert_notifications(am, "both", [])
    with pytest.raises(ScenarioError, match="unknown key 'stat' in exp_notifications"):
        run.assert_notifications(am, "team", [{"stat": "firing"}])
    with pytest.raises(ScenarioError, match="status must be firing or resolved"):
        run.assert_notifications(am, "team", [{"status": "burning"}])
    with pytest.raises(ScenarioError, match="receiver 'teem' is not defined"):
        am.assert_routes({"alertname": "Load"}, ["teem"])
    with pytest.raises(ScenarioError, match="at: expected an RFC 3339 time"):
        am.assert_routes({"alertname": "Load"}, ["team"], at="tomorrow")
    (tmp_path / "bad.yml").write_text(CONFIG.replace("receiver: eu\n", "receiver: europe\n"))
    with pytest.raises(ScenarioError, match=r'bad.yml:9: undefined receiver "europe" used in route'):
        Alertmanager(tmp_path / "bad.yml")
