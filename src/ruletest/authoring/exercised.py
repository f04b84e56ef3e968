"""What the tests exercise: the values each comparison's operand takes at every evaluation of
every test group that loads the rule.

The tests run once more with a probe after each rule that has comparisons: a recording rule,
evaluated right after it in the same group (so it sees exactly the data the rule saw), whose
expression is the comparison's operand. The probes' series are read back from the run's dump.
Mutation testing uses the values to move thresholds just past the nearest value the tests reach,
and to know without running a mutant that no test input can tell it from the rule.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence

from ruletest.authoring.astpaths import Path
from ruletest.authoring.mutations import Observed, RuleKey, comparison_sites, rule_key
from ruletest.errors import PromQLSyntaxError
from ruletest.promql import ast as A
from ruletest.promql.values import METRIC_NAME
from ruletest.promtool_format import TestFile
from ruletest.rule_files import RuleFileCache
from ruletest.rules.loader import LoadOptions
from ruletest.rules.model import Rule, RuleGroup
from ruletest.runner import RunOptions, run_test_file

PROBE_PREFIX = "ruletest_probe_"

SiteKey = tuple[RuleKey, Path]


def _probe_rules(rule: Rule, version: int, start: int) -> list[tuple[Rule, SiteKey]]:
    try:
        root = A.parse(rule.expr, version)
    except PromQLSyntaxError:
        return []
    out: list[tuple[Rule, SiteKey]] = []
    for site in comparison_sites(root):
        if site.threshold is None or not site.timed:
            continue
        name = f"{PROBE_PREFIX}{start + len(out)}"
        probe = dataclasses.replace(rule, kind="record", name=name, expr=A.to_promql(site.operand), labels=(),
                                    annotations=(), for_ms=0, keep_firing_for_ms=0)
        out.append((probe, (rule_key(rule), site.path)))
    return out


def with_probes(groups_by_file: Mapping[str, Sequence[RuleGroup]], version: int
                ) -> tuple[dict[str, list[RuleGroup]], dict[str, SiteKey]]:
    """The rule files' groups with a probe after every rule comparing with a number, and which
    site each probe (by its series name) observes."""
    names: dict[str, SiteKey] = {}
    probed: dict[str, list[RuleGroup]] = {}
    for path, groups in groups_by_file.items():
        out = []
        for g in groups:
            rules: list[Rule] = []
            for r in g.rules:
                rules.append(r)
                for probe, site in _probe_rules(r, version, len(names)):
                    names[probe.name] = site
                    rules.append(probe)
            out.append(dataclasses.replace(g, rules=tuple(rules)))
        probed[path] = out
    return probed, names


def observe(test_files: Sequence[TestFile], groups_by_file: Mapping[str, Sequence[RuleGroup]],
            passing: Mapping[str, set[int]], options: RunOptions) -> dict[SiteKey, Observed]:
    """Observed operand values of every comparison with a number, from the test groups in
    ``passing`` (test file path -> group indexes that pass without mutation)."""
    probed, names = with_probes(groups_by_file, options.semantics.version)
    load = LoadOptions(options.semantics, options.ignore_unknown_fields)
    cache = RuleFileCache({(os.path.normpath(p), load): gs for p, gs in probed.items()})
    values: dict[SiteKey, set[float]] = {site: set() for site in names.values()}
    incomplete_files: set[str] = set()
    run_opts = dataclasses.replace(options, debug=True, explain=False, trace=False)
    for tf in test_files:
        wanted = passing.get(tf.path, set())
        if not wanted:
            continue
        tests = tuple(tg for tg in tf.tests if tg.index in wanted)
        result = run_test_file(dataclasses.replace(tf, tests=tests), run_opts, cache)
        ok = not result.problems
        for gr in result.groups:
            # A probe that fails to evaluate, or changes what a test sees, observed nothing reliable.
            if not gr.passed:
                ok = False
            for series in gr.dump or ():
                name = dict(series.labels).get(METRIC_NAME, "")
                site = names.get(name)
                if site is None:
                    continue
                values[site].update(v for _, v in series.points if not math.isnan(v))
        if not ok:
            incomplete_files.update(os.path.normpath(f) for f in result.rule_files)
    return {site: Observed(tuple(sorted(vs)), os.path.normpath(site[0][0]) not in incomplete_files)
            for site, vs in values.items()}
