"""Test helper: the alert timeline of a promtool-format test group, from the one rule
simulation (every group's alerts after each of its evaluations), for the Alertmanager pipeline."""

from __future__ import annotations

from pathlib import Path

from ruletest.alertmanager.sending import EvalStep, rule_exprs, steps_from_outcome
from ruletest.promtool_format import load_test_file
from ruletest.rule_files import test_rules
from ruletest.rules.loader import LoadOptions
from ruletest.rules.simulation import Simulation, SimulationOptions
from ruletest.runner import input_series, order_groups
from ruletest.semantics import Semantics


def timeline(test_file: str | Path, group: int | str, until_ms: int, prometheus: int = 3
             ) -> tuple[list[EvalStep], dict[str, str]]:
    """(the steps of every rule group at every evaluation up to ``until_ms``, alert name -> expr)."""
    sem = Semantics.of(prometheus)
    tf = load_test_file(str(test_file))
    tg = next(g for g in tf.tests if g.index == group or g.name == group)
    rules = test_rules(tf, LoadOptions(sem))
    assert not rules.problems and not rules.unmatched, (rules.problems, rules.unmatched)
    groups = order_groups(rules.groups, tf.group_eval_order)
    inputs, problems = input_series(tf, tg, sem, until_ms)
    assert not problems, problems
    sim = Simulation(groups, inputs, SimulationOptions(sem, tf.evaluation_interval_ms, dict(tg.external_labels),
                                                      tg.external_url), record=(), record_groups=True)
    steps: list[EvalStep] = []
    for outcome in sim.run(0, until_ms):
        assert not outcome.failed, outcome
        steps.extend(steps_from_outcome(outcome))
    return steps, rule_exprs(groups, sem)
