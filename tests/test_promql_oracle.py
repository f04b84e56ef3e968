"""Differential tests: ruletest (Prometheus 2 mode) against promtool 2.42 on ~1000 expressions.

promtool is the oracle; the expressions come from a seeded grammar generator plus a hand-written
list that touches every function and operator (``tests/oracle/generator.py``). In CI a missing
promtool is a failure, never a skip.
"""

from __future__ import annotations

import pytest

from tests.oracle import generator as G
from tests.oracle.compare import agree, engine_for, evaluate
from tests.oracle.promtool import OracleResult, promtool_path, run_oracle

pytestmark = pytest.mark.oracle

EXPRESSIONS = list(dict.fromkeys(G.hand_written() + G.generated(500)))


@pytest.fixture(scope="module")
def oracle() -> dict[tuple[str, int], OracleResult]:
    assert promtool_path() is not None  # the `oracle` marker needs it (tests/needs.py)
    cases = [(e, t) for e in EXPRESSIONS for t in G.EVAL_TIMES_MS]
    return run_oracle(G.SERIES, cases, interval_ms=G.INTERVAL_MS)


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return engine_for(G.SERIES, G.INTERVAL_MS, prometheus=2)


def test_generator_covers_every_function_and_operator() -> None:
    text = "\n".join(EXPRESSIONS)
    names = set(G.RANGE_FUNCS + G.FLOAT_FUNCS + G.DATE_FUNCS + G.AGGS) | {
        "histogram_quantile", "predict_linear", "holt_winters", "topk", "bottomk", "quantile",
        "count_values", "round", "clamp", "clamp_min", "clamp_max", "scalar", "vector", "time",
        "absent", "label_replace", "label_join", "timestamp", "sort", "sort_desc", "pi",
        "quantile_over_time"}
    missing = sorted(n for n in names if f"{n}(" not in text and f"{n} " not in text)
    assert missing == []
    for op in G.ARITH + G.CMP + ["and", "or", "unless", "bool", "on(", "ignoring(", "group_left",
                                 "group_right", "offset", "@", ":]"]:
        assert op in text, op
    assert len(EXPRESSIONS) >= 800


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_same_result_as_promtool(expr: str, oracle, engine) -> None:  # type: ignore[no-untyped-def]
    mismatches = []
    for t in G.EVAL_TIMES_MS:
        ours = evaluate(engine, expr, t)
        theirs = oracle[(expr, t)]
        if not agree(expr, ours, theirs):
            mismatches.append(f"at {t / 1000:g}s\n  ruletest: {ours}\n  promtool: {theirs}")
    assert not mismatches, "\n".join(mismatches)
