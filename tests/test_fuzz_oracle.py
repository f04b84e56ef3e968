"""Differential fuzzing against promtool 2.42: random test files (series, expressions, alerting and
recording rules, templates) run by both tools, everything each tool *got* compared.

CI runs a fixed seed and a bounded number of cases (``tests/oracle/README.md`` says how to run
many more). The cases come from ``tests/oracle/fuzz.py``, the comparison (and the only
tolerances: promtool's random series order, Go's libm) from ``tests/oracle/outcomes.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.oracle.fuzz import Outcome, make_case, run_cases

pytestmark = pytest.mark.oracle

SEED = int(os.environ.get("RULETEST_FUZZ_SEED", "20260401"))
COUNT = int(os.environ.get("RULETEST_FUZZ_CASES", "1000"))
CHUNK = 25

# Every function Prometheus 2.42 has (promql/parser/functions.go at v2.42.0) and every template
# function of its template/template.go and text/template: the generator must reach them all.
def _words(text: str) -> list[str]:
    return text.split()


PROMQL_FUNCTIONS_242 = _words(
    "abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp clamp_max "
    "clamp_min cos cosh count_over_time days_in_month day_of_month day_of_week day_of_year deg delta deriv exp "
    "floor histogram_count histogram_sum histogram_quantile holt_winters hour idelta increase irate label_replace "
    "label_join last_over_time ln log10 log2 max_over_time min_over_time minute month pi predict_linear "
    "present_over_time quantile_over_time rad rate resets round scalar sgn sin sinh sort sort_desc sqrt "
    "stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector year")
AGGREGATIONS = _words("sum avg min max count group stddev stdvar topk bottomk quantile count_values")
TEMPLATE_FUNCTIONS = _words(
    "query first label value args reReplaceAll safeHtml match title toUpper toLower graphLink tableLink "
    "sortByLabel stripPort stripDomain humanize humanize1024 humanizeDuration humanizePercentage "
    "humanizeTimestamp toTime parseDuration strvalue pathPrefix externalURL and or not len index slice print "
    "printf println html js urlquery eq ne lt le gt ge call")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Outcome]:
    directory = tmp_path_factory.mktemp("fuzz")
    return {o.case.index: o for o in run_cases(SEED, list(range(COUNT)), Path(directory))}


def _reproduce(o: Outcome) -> str:
    return (f"{o.test_file} ({o.case.kind}); regenerate with "
            f"`python -m tests.oracle.fuzz --seed {SEED} --start {o.case.index} --count 1 --keep DIR`")


@pytest.mark.parametrize("chunk", range((COUNT + CHUNK - 1) // CHUNK), ids=lambda c: f"cases{c * CHUNK}-")
def test_same_results_as_promtool(chunk: int, outcomes: dict[int, Outcome]) -> None:
    report = []
    for i in range(chunk * CHUNK, min(COUNT, (chunk + 1) * CHUNK)):
        o = outcomes[i]
        if o.differences:
            report.append(_reproduce(o) + "\n" + "\n".join(o.differences[:5]))
    assert not report, "\n\n".join(report)


def test_fuzzer_reaches_every_function_and_compares_real_results(outcomes: dict[int, Outcome]) -> None:
    """The generator must keep covering the language, and most cases must report something to
    compare (a fuzzer whose cases all fail to load would agree with anything)."""
    cases = [make_case(SEED, i) for i in range(min(COUNT, 400))]
    exprs = " ".join(e for c in cases for e, _ in c.expr_tests) + " " + " ".join(
        r["expr"] for c in cases for g in c.rule_groups for r in g["rules"])
    templates = " ".join(v for c in cases for g in c.rule_groups for r in g["rules"]
                         for v in [*r.get("annotations", {}).values(), *r.get("labels", {}).values()])
    missing = [f for f in PROMQL_FUNCTIONS_242 + AGGREGATIONS if not re.search(rf"\b{f}\b", exprs)]
    missing += [f for f in TEMPLATE_FUNCTIONS if not re.search(rf"\b{f}\b", templates)]
    assert missing == []
    for modifier in ("offset", "@ ", "bool", "on(", "ignoring(", "group_left", "group_right", "without", ":]",
                     "keep_firing_for"):
        assert modifier in exprs + str([c.rule_groups for c in cases]), modifier
    kinds = {o.case.kind for o in outcomes.values()}
    assert kinds == {"promql", "rules", "templates"}
    reported = sum(o.reported for o in outcomes.values())
    alerts_compared = sum(1 for o in outcomes.values() for i in o.theirs if i.kind == "alert" and i.alerts)
    assert reported > COUNT and alerts_compared > COUNT // 10, (reported, alerts_compared)
