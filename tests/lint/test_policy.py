"""Team policy ([tool.ruletest.lint] required labels and annotations, allowed severities,
[policy] naming, values, `for` ranges, forbidden metrics): silent until declared."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ruletest.lint.config import ConfigError, LintConfig, Policy, load_config
from tests.lint.builders import alert, findings, record, rules

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
