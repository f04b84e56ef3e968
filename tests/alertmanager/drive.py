"""Test helper: the alert timeline of a promtool-format test group, from ruletest's rule
evaluation (rules.group.GroupState), for the Alertmanager pipeline.

This loop follows runner.py's (input samples appear as the clock reaches them; groups are
evaluated in order every evaluation_interval) but records every step and runs past the last
eval_time. It is a stand-in until the runner exposes its per-step states (one simulation)."""

from __future__ import annotations

from pathlib import Path

from ruletest.alertmanager.sending import EvalStep, rule_exprs, step_from_group
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promtool_format import load_test_file
from ruletest.rules.alerting import TemplateEnv
from ruletest.rules.group import GroupState
from ruletest.runner import RunOptions, load_rules, order_groups, resolve_rule_files
from ruletest.series import STALE, parse_series


def timeline(test_file: str | Path, group: int | str, until_ms: int, prometheus: int = 3
             ) -> tuple[list[EvalStep], dict[str, str]]:
    """(the steps of every rule group at every evaluation up to ``until_ms``, alert name -> expr)."""
    tf = load_test_file(str(test_file))
    tg = next(g for g in tf.tests if g.index == group or g.name == group)
    files, problems, _ = resolve_rule_files(tf)
    assert not problems, problems
    groups, load_problems = load_rules(files, RunOptions(prometheus=prometheus))
    assert not load_problems, load_problems
    groups = order_groups(groups, tf.group_eval_order)
    step = tf.evaluation_interval_ms
    interval = tg.interval_ms or step
    storage = Storage()
    feeds = []
    limit = until_ms // interval + 1
    for s in tg.input_series:
        spec = parse_series(s.series, s.values, limit)
        feeds.append((spec.labels, [(i * interval, v) for i, v in enumerate(spec.values) if v is not None]))
    engine = Engine(storage, EngineOptions(prometheus=prometheus, default_step_ms=step))
    env = TemplateEnv(dict(tg.external_labels), tg.external_url, prometheus)
    states = [GroupState.create(g, prometheus) for g in groups]
    pos = [0] * len(feeds)
    steps: list[EvalStep] = []
    ts = 0
    while ts <= until_ms:
        for i, (labels, samples) in enumerate(feeds):
            while pos[i] < len(samples) and samples[pos[i]][0] <= ts:
                t, v = samples[pos[i]]
                storage.append(labels, t, STALE if v is STALE else float(v))  # type: ignore[arg-type]
                pos[i] += 1
        for st in states:
            errors = st.eval(ts, engine, storage, env)
            assert not errors, errors
            steps.append(step_from_group(st, ts, step))
        ts += step
    return steps, rule_exprs(groups, prometheus)
