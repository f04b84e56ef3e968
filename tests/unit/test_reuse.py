"""Work reused between evaluations (range-function results by window content, subquery steps,
rule results that cannot change) must give the same bits as evaluating from scratch.

Each check runs the rule simulation step by step, as promtool does, and at every step compares
what the long-lived engine (with its caches) answers with what a fresh engine over the same
storage answers; the rules themselves (recording rules feeding subqueries, alerts over empty
selections) exercise the simulation's reuse."""

from __future__ import annotations

import math
import struct

import pytest

from ruletest.promql import ast as A
from ruletest.promql.clock_free import constant_when_unselected, reads_no_series, value_leaves
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.leaf_keys import series_mapping_selector
from ruletest.promql.parse_options import ParseOptions
from ruletest.promql.reuse import MIN_WINDOW
from ruletest.promql.tree_facts import TreeFacts
from ruletest.promql.values import Scalar, Vector
from ruletest.rules.model import Rule, RuleGroup
from ruletest.rules.simulation import InputSeries, Simulation, SimulationOptions
from ruletest.semantics import Semantics
from ruletest.series import parse_series

MIN = 60_000


def _inputs(series: dict[str, str], interval: int = MIN) -> list[InputSeries]:
    out = []
    for desc, values in series.items():
        spec = parse_series(desc, values)
        ts = [k * interval for k, v in enumerate(spec.values) if v is not None]
        vs = [v for v in spec.values if v is not None]
        out.append(InputSeries(spec.labels, ts, vs))
    return out


def _rule(name: str, expr: str, alert: bool = False, for_ms: int = 0) -> Rule:
    return Rule("alert" if alert else "record", name, expr, (("severity", "page"),) if alert else (), (), for_ms, 0,
                "rules.yml", "g", 1, 1, 0)


def _group(*rules: Rule) -> RuleGroup:
    return RuleGroup("g", "rules.yml", 1, None, 0, 0, (), tuple(rules))


def _bits(value: object) -> object:
    if isinstance(value, Scalar):
        return struct.pack("<d", value.value)
    assert isinstance(value, Vector)
    return sorted((s.labels, struct.pack("<d", s.value)) for s in value.samples)


INPUTS = {
    'flat{job="a"}': "0+0x60 1.6+0x120 0+0x60",
    'flat{job="b"}': "1.1+0x100 _x20 1.1+0x100",
    'ctr{job="a"}': "0+10x80 0+10x80 0+10x80",
    'gauge{job="a"}': "1 2 3 NaN 5 -0 0 Inf 1e308 1e308 -1e308 " + "2+0x100",
    'stale{job="a"}': "1+0x50 stale 1+0x50",
    'late{job="a"}': "_x100 5+0x100",  # created at 100m: selections of it stop being empty
}
QUERIES = [
    "avg_over_time(flat[1h])", "sum_over_time(flat[30m])", "max_over_time(gauge[20m])", "min_over_time(gauge[20m])",
    "stddev_over_time(flat[1h])", "quantile_over_time(0.9, flat[1h])", "changes(flat[1h])", "resets(ctr[1h])",
    "rate(ctr[30m])", "increase(ctr[1h])", "delta(flat[1h])", "avg_over_time(gauge[30m])",
    "avg_over_time((flat or on() vector(100))[2h:])", "max_over_time(rate(ctr[5m])[1h:2m])",
    "avg_over_time(recorded:flat[1h:])", "sum_over_time(recorded:flat[45m:5m] offset 3m)",
    "avg_over_time(stale[30m])", "count_over_time(flat[1h:])",
    # Nested: the inner subquery is asked for windows across the outer one's range every time.
    "max_over_time(avg_over_time((flat + ctr)[10m:1m])[1h:5m])",
    "sum_over_time(sum_over_time(recorded:late[7m:2m])[40m:3m])",
]
RULES = [
    # Reads a series the next rule writes at the same time: its held step t is stale at t + 1.
    _rule("early", "avg_over_time(recorded:late[30m:])"),
    _rule("recorded:late", "flat + ctr"),
    _rule("recorded:flat", "flat * 2"),
    _rule("recorded:avg", "avg_over_time((recorded:flat or on() vector(1))[1h:])"),
    _rule("Absent", 'absent(up{job="x"} == 1)', alert=True),
    _rule("Nothing", "missing_metric > 0", alert=True),
    _rule("Late", "absent(late) or late > 1", alert=True),
    _rule("FlatHigh", "flat > 1", alert=True, for_ms=5 * MIN),
    _rule("Rising", "sum by (job) (rate(ctr[5m])) > 0.1 and on(job) max_over_time(flat[20m]) > 0", alert=True),
    _rule("Clock", "vector(time()) > 0 and on() absent(missing)", alert=True),
    # Reads no series: one value per time for every engine of a run (labels from the clock).
    _rule("clock:hour", 'count_values without () ("hour", hour(timestamp(vector(0)))) * 0'),
    # A range leaf that selects nothing until "late" exists (at 100m).
    _rule("recorded:late_only", "late * 2"),
    _rule("recorded:acc", "late + (last_over_time(recorded:late_only[30m]) or late * 0)"),
    _rule("recorded:gap", "flat + on(job) group_left (hour) (last_over_time(missing_metric[5m]) or clock:hour)"),
]


def _relabelled(value: object, name: str) -> object:
    assert isinstance(value, Vector)
    return sorted((tuple(sorted({**dict(s.labels), "__name__": name}.items())), struct.pack("<d", s.value))
                  for s in value.samples)


@pytest.mark.parametrize("prometheus", [2, 3])
def test_reused_work_equals_fresh_evaluation(prometheus: int) -> None:
    options = SimulationOptions(Semantics.of(prometheus), MIN)
    sim = Simulation([_group(*RULES)], _inputs(INPUTS), options)
    # The same rules without "early", to see the storage as "early" saw it (before the rules after
    # it wrote at t): this step's inputs, the rules' outputs up to the previous step.
    before = Simulation([_group(*RULES[1:])], _inputs(INPUTS), options)
    for step, outcome in enumerate(sim.run(0, 240 * MIN)):
        assert not outcome.failed
        t = outcome.t
        before.load_until(t)
        early = Engine(before.storage, sim.engine.options).query(RULES[0].expr, t)
        assert not before.evaluate(t).failed
        assert _bits(sim.engine.query("early", t)) == _relabelled(early, "early"), t
        fresh = Engine(sim.storage, sim.engine.options)
        for rule in RULES[1:]:
            if rule.is_alert:
                # What the rule's expression returned (possibly reused) against a fresh evaluation.
                got = sorted((s.labels, struct.pack("<d", s.value)) for s in sim.history(rule.name)[-1].result)
                assert got == _bits(fresh.query(rule.expr, t)), (rule.name, t)
            else:
                # What the recording rule wrote at t against its expression evaluated afresh.
                assert _bits(sim.engine.query(rule.name, t)) == _relabelled(fresh.query(rule.expr, t), rule.name), (
                    rule.name, t)
        if step % 3 == 0:
            for q in QUERIES:
                assert _bits(sim.engine.query(q, t)) == _bits(fresh.query(q, t)), (q, t)
    # The caches were used (windows of MIN_WINDOW samples or more, subqueries held across steps).
    assert len(sim.engine.range_memo) > 0 and sim.engine.subquery_steps


def test_subquery_steps_recomputed_after_an_older_sample_arrives() -> None:
    # A sample written at or before a held step makes that step and the later ones stale.
    sim = Simulation([], _inputs({"m": "1+1x30"}), SimulationOptions(Semantics.of(3), MIN))
    sim.load_until(30 * MIN)
    q = sim.engine.parse('sum_over_time({__name__="m"}[10m:1m])')

    def at_20m() -> dict[str, float]:
        value = sim.engine.query(q, 20 * MIN)
        assert isinstance(value, Vector)
        return {dict(s.labels).get("x", ""): s.value for s in value.samples}

    # Steps 11m..20m see the samples at 11m..20m: 12 + ... + 21 = 165.
    assert at_20m() == {"": 165.0}
    sim.storage.append((("__name__", "m"), ("x", "y")), 15 * MIN, 100.0)
    # The new series is seen by the steps 15m..19m (the lookback is left-open in Prometheus 3).
    assert at_20m() == {"": 165.0, "y": 500.0}


@pytest.mark.parametrize(("expr", "free"), [
    ("vector(time())", True),
    ("hour() > 3", True),
    ("hour(x)", False),
    ('count_values("y", year(timestamp(vector(0)))) * 0', True),
    ('label_replace(vector(1), "a", "b", "", "") + on() pi()', True),
    ("scalar(vector(2)) * 3", True),
    ("x", False),
    ("vector(1) or x", False),
    ("absent(x)", False),
    ("avg_over_time(vector(1)[5m:1m])", False),  # subqueries are left out
    ('info(vector(1), {k="v"})', False),  # reads the info series
    ("rate(x[5m])", False),
])
def test_which_expressions_read_no_series(expr: str, free: bool) -> None:
    assert reads_no_series(A.parse(expr, ParseOptions(experimental_functions=True))) is free


def test_expressions_reading_no_series_are_computed_once_per_time_in_a_run(calls: list[int]) -> None:
    # Every test group of a run has its own engine (its own storage) and the same TreeFacts.
    trees = TreeFacts()
    options = EngineOptions(Semantics.of(3))
    engines = [Engine(Simulation([], _inputs({"m": "1x5"}), SimulationOptions(Semantics.of(3), MIN)).storage,
                      options, tree_facts=trees) for _ in range(3)]
    e = A.parse('count_values("h", hour(vector(time()))) * 0')
    got = [_bits(engine.query(e, t)) for t in (3_600_000, 7_200_000) for engine in engines]
    fresh = [_bits(engines[0].query_annotated(e, t)[0]) for t in (3_600_000, 7_200_000)]
    assert got == [fresh[0]] * 3 + [fresh[1]] * 3 and fresh[0] != fresh[1]
    calls.clear()
    for engine in engines:
        engine.query(e, 3_600_000)
    assert calls == []  # all three answered from the first engine's evaluation
    other = Engine(engines[0].storage, EngineOptions(Semantics.of(2)), tree_facts=trees)
    other.query(e, 3_600_000)
    assert calls  # other options: computed again


@pytest.mark.parametrize(("expr", "selector"), [
    ("last_over_time(x[30m])", "x"),
    ('quantile_over_time(0.9, x{a="b"}[5m])', 'x{a="b"}'),
    ("predict_linear((x[1h]), 60)", "x"),
    ("absent_over_time(x[5m])", None),  # a sample from nothing
    ("quantile_over_time(scalar(y), x[5m])", None),  # an expression that could fail over nothing
    ("max_over_time(x[5m:1m])", None),
])
def test_which_range_calls_return_nothing_over_no_series(expr: str, selector: str | None) -> None:
    call = A.parse(expr)
    assert isinstance(call, A.Call)
    found = series_mapping_selector(call)
    assert (None if found is None else A.to_promql(found)) == selector


@pytest.mark.parametrize(("expr", "constant", "leaves"), [
    ('absent(up{job="x"} == 1)', True, ['up{job="x"}']),
    ("sum by (a) (rate(x[5m])) > 0", True, ["rate(x[5m])"]),
    ("time() - x > 5", False, None),
    ("hour() > 3 and x", False, None),
    ("hour(x) > 3", True, ["x"]),
    ("timestamp(x)", False, None),
    ("avg_over_time(x[5m:1m]) / y", False, ["y", "avg_over_time(x[5m:1m])"]),
    ("x @ 100", True, None),
    ("label_replace(x, 'a', '$1', 'b', '(.*)') * on(a) group_left y", True, ["y", "x"]),
    ("absent_over_time(x[5m]) or vector(time())", False, None),
])
def test_which_expressions_may_be_reused(expr: str, constant: bool, leaves: list[str] | None) -> None:
    e = A.parse(expr)
    assert (constant_when_unselected(e) is not None) == constant
    found = value_leaves(e)
    assert (None if found is None else [A.to_promql(n) for n in found]) == leaves


def test_negative_zero_and_nan_are_told_apart() -> None:
    # 1/x distinguishes -0 from 0: a reused result keyed by value equality would be wrong.
    sim = Simulation([_group(_rule("inv", "1 / x"))],
                     _inputs({"x": "0 -0 0 NaN NaN"}), SimulationOptions(Semantics.of(3), MIN))
    got = []
    for outcome in sim.run(0, 4 * MIN):
        value = sim.engine.query("inv", outcome.t)
        assert isinstance(value, Vector)
        got.append(value.samples[0].value)
    assert got[:3] == [math.inf, -math.inf, math.inf]
    assert all(math.isnan(v) for v in got[3:])


def test_range_memo_keys_hold_what_the_result_depends_on() -> None:
    from array import array

    from ruletest.promql.functions import RANGE_FUNCTIONS, RangeArgs
    from ruletest.promql.reuse import RangeMemo

    memo = RangeMemo()
    sem = Semantics.of(3)
    n = MIN_WINDOW + 4
    vs = array("d", [float(k % 5 + 1) for k in range(n)])

    def call(name: str, ts: list[int], params: tuple[float, ...] = (), end: int = 100 * MIN) -> float | None:
        fn = memo.wrap(name, RANGE_FUNCTIONS[name], params, sem)
        return fn(array("q", ts), array("d", vs), RangeArgs(end - 20 * MIN, end, 20 * MIN, end, params, sem))

    def plain(name: str, ts: list[int], params: tuple[float, ...] = (), end: int = 100 * MIN) -> float | None:
        return RANGE_FUNCTIONS[name](ts, vs, RangeArgs(end - 20 * MIN, end, 20 * MIN, end, params, sem))

    regular = [100 * MIN - (n - 1 - k) * MIN for k in range(n)]
    # Same values and last sample, a later first sample (a gap after it): another extrapolation.
    gapped = [regular[0] + 30_000, *regular[1:]]
    for name in ("rate", "increase", "delta"):
        assert call(name, regular) == plain(name, regular)
        assert call(name, gapped) == plain(name, gapped) != plain(name, regular)
        # The same window relative to a later evaluation time: the memo answers, the same value.
        later = [x + 7 * MIN for x in regular]
        assert call(name, later, end=107 * MIN) == plain(name, regular)
    # Parameters are part of the key, by their bits.
    assert call("quantile_over_time", regular, (0.5,)) == plain("quantile_over_time", regular, (0.5,))
    assert call("quantile_over_time", regular, (0.9,)) == plain("quantile_over_time", regular, (0.9,))
    assert call("quantile_over_time", regular, (0.5,)) != call("quantile_over_time", regular, (0.9,))
    assert math.isinf(plain("quantile_over_time", regular, (-0.5,)) or 0.0)
    assert call("quantile_over_time", regular, (-0.5,)) == -math.inf
    # One memo serves several semantics, apart: avg_over_time is an incremental mean in
    # Prometheus 2 (1e16 + 1 - 1e16 loses the 1: mean 0), a compensated sum / count in 3 (1/20).
    window = array("d", [1e16, 1.0, -1e16] + [0.0] * 17)
    got = []
    for version in (2, 3, 2):
        s = Semantics.of(version)
        got.append(memo.wrap("avg_over_time", RANGE_FUNCTIONS["avg_over_time"], (), s)([], window, RangeArgs(
            0, 1, 1, 1, (), s)))
    assert got == [0.0, 0.05, 0.0]


def test_range_call_result_is_reused_only_while_nothing_is_written() -> None:
    sim = Simulation([], _inputs({"m": "1+1x10"}), SimulationOptions(Semantics.of(3), MIN))
    sim.load_until(5 * MIN)
    q = sim.engine.parse("sum_over_time(m[10m])")

    def value() -> float:
        v = sim.engine.query(q, 10 * MIN)
        assert isinstance(v, Vector)
        return v.samples[0].value

    assert value() == 2 + 3 + 4 + 5 + 6  # samples at 1m..5m (the window is (0m, 10m] in Prometheus 3)
    assert value() == 20.0
    sim.load_until(10 * MIN)  # samples at 6m..10m arrive: the same call at the same time differs
    assert value() == sum(range(2, 12))  # samples at 1m..10m


FEATURES = ("promql-extended-range-selectors", "promql-delayed-name-removal", "promql-experimental-functions")
# Prometheus 3.14 syntax the reuse must see through: smoothed selectors read the sample after t,
# per-query offsets and ranges are resolved before evaluation, and with delayed name removal a
# range call's output may hold series that differ only by their (flagged) name.
RULES_314 = [
    _rule("recorded:smooth", "flat smoothed * 2"),
    _rule("Smooth", "gauge smoothed > 1", alert=True),
    _rule("Anchored", "rate(ctr[10m] anchored) > 0 and on(job) increase(flat[20m] smoothed) >= 0", alert=True),
    _rule("Offset", "flat offset (step() + 5m) > 1", alert=True),
    _rule("Window", "avg_over_time(flat[step() + 10m]) > 1", alert=True),
    _rule("Names", 'sum by (job) (rate({__name__=~"ctr|flat"}[5m])) > 0', alert=True),
    _rule("Relabel", 'label_replace(rate({__name__=~"ctr|flat"}[5m]), "m", "$1", "__name__", "(.*)") >= 0',
          alert=True),
]


def test_reused_work_equals_fresh_evaluation_with_314_features() -> None:
    sem = Semantics.of(3, FEATURES)
    # A sample every 2m: a smoothed value between two samples changes when the later one arrives.
    inputs = _inputs(INPUTS) + _inputs({'sparse{job="a"}': "0+10x120"}, 2 * MIN)
    sim = Simulation([_group(*RULES_314)], inputs, SimulationOptions(sem, MIN))
    queries = ["max_over_time((flat smoothed)[30m:])", "sum_over_time((sparse smoothed)[10m:1m])",
               "sum_over_time(rate(ctr[5m] anchored)[1h:])",
               'sum by (job) (count_over_time(rate({__name__=~"ctr|flat"}[5m])[20m:]))']
    for outcome in sim.run(0, 240 * MIN):
        assert not outcome.failed, outcome
        t = outcome.t
        fresh = Engine(sim.storage, sim.engine.options)
        for rule in RULES_314:
            if rule.is_alert:
                got = sorted((s.labels, struct.pack("<d", s.value)) for s in sim.history(rule.name)[-1].result)
                assert got == _bits(fresh.query(rule.expr, t)), (rule.name, t)
        for q in queries:
            assert _bits(sim.engine.query(q, t)) == _bits(fresh.query(q, t)), (q, t)


@pytest.mark.parametrize("expr", ["x smoothed > 1", "x offset (step() + 5m) > 1"])
def test_selectors_not_read_as_the_last_sample_are_not_leaves(expr: str) -> None:
    assert value_leaves(A.parse(expr, ParseOptions.of(3, FEATURES))) is None


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The times at which queries evaluate a subtree (``_Query.vector``) from now on."""
    from ruletest.promql import engine as E

    seen: list[int] = []
    vector = E._Query.vector

    def counted(self: E._Query, e: A.Expr, t: int) -> object:
        seen.append(t)
        return vector(self, e, t)

    monkeypatch.setattr(E._Query, "vector", counted)
    return seen


# Subqueries whose inner expression selects nothing yet (``late`` is created at 100m) or never.
UNSELECTED_SUBQUERIES = [
    "count_over_time((missing_metric > 0)[30m:1m])",
    "absent_over_time((missing_metric)[10m:1m])",
    "count_over_time((vector(1) or absent(late))[20m:3m])",
    'sum_over_time(absent(late{job="a"})[15m:1m])',
    "sum_over_time((vector(2) * on() group(late))[20m:1m])",
    "avg_over_time(label_replace(absent(late), \"x\", \"y\", \"\", \"\")[7m:2m] offset 1m)",
    "max_over_time(clamp_max(absent(missing_metric) * 3, 2)[1h:])",
]


def _assert_equal_to_fresh_evaluation(prometheus: int, queries: list[str], every_ms: int,
                                      offsets: tuple[int, ...]) -> None:
    """Each query, every ``every_ms`` of a simulation of RULES, at those offsets from the step
    (off the steps' grid too), against query_annotated, which computes every step afresh."""
    sim = Simulation([_group(*RULES)], _inputs(INPUTS), SimulationOptions(Semantics.of(prometheus), MIN))
    for outcome in sim.run(0, 130 * MIN):
        assert not outcome.failed
        if outcome.t % every_ms:
            continue
        for q in queries:
            for t in (outcome.t + o for o in offsets):
                fresh, _ = sim.engine.query_annotated(q, t)
                assert _bits(sim.engine.query(q, t)) == _bits(fresh), (q, t)


@pytest.mark.parametrize("prometheus", [2, 3])
def test_subquery_over_unselected_series_equals_fresh_evaluation(prometheus: int) -> None:
    # An inner expression that is clock-free and selects no series has one value at every step:
    # the engine computes it once.
    _assert_equal_to_fresh_evaluation(prometheus, UNSELECTED_SUBQUERIES, 7 * MIN, (17_000,))


def test_subquery_over_unselected_series_evaluates_its_inner_expression_once(calls: list[int]) -> None:
    sim = Simulation([], _inputs({"m": "1+1x30"}), SimulationOptions(Semantics.of(3), MIN))
    sim.load_until(30 * MIN)
    value = sim.engine.query("count_over_time((vector(1) or absent(late))[20m:1m])", 30 * MIN)
    assert isinstance(value, Vector) and [s.value for s in value.samples] == [20.0]
    assert set(calls) == {11 * MIN}  # the first step only
    calls.clear()
    sim.engine.query("count_over_time((vector(1) or absent(m))[20m:1m])", 30 * MIN)  # m exists
    assert len(set(calls)) == 20


def test_tree_facts_computes_each_analysis_once_per_tree() -> None:
    seen: list[A.Expr] = []

    def analysis(e: A.Expr) -> int:
        seen.append(e)
        return len(seen)

    facts = TreeFacts()
    tree = A.parse("rate(x[5m]) > 1", ParseOptions.of(3))
    twin = A.parse("rate(y[5m]) > 1", ParseOptions.of(3))
    assert [facts.of(analysis, tree), facts.of(analysis, tree), facts.of(analysis, twin)] == [1, 1, 2]
    assert facts.of(constant_when_unselected, tree) == constant_when_unselected(tree)
    # Engines given the same facts share them: the second engine analyses nothing anew.
    storage = Simulation([], [], SimulationOptions(Semantics.of(3), MIN)).storage
    first = Engine(storage, EngineOptions(Semantics.of(3)), tree_facts=facts)
    first.query(tree, 0)
    held = len(facts)
    Engine(storage, EngineOptions(Semantics.of(3)), tree_facts=facts).query(tree, 0)
    assert len(facts) == held >= 2


# Subqueries finer than their input's one-minute samples: steps that see the same samples reuse.
FINE_SUBQUERIES = [
    "max_over_time((flat + ctr)[10m:10s])",
    "count_over_time((gauge > 1)[30m:7s])",
    "sum_over_time((gauge * -1)[12m:20s])",
    "sum_over_time((stale * 2)[20m:15s])",
    'avg_over_time(sum by (job) ({__name__=~"flat|ctr"})[15m:20s])',
    "max_over_time((flat offset 3m)[10m:30s])",
    "min_over_time((late or on() vector(0))[5m:5s])",
    "sum_over_time(max_over_time((flat - ctr)[3m:10s])[20m:1m])",
]


@pytest.mark.parametrize("prometheus", [2, 3])
def test_fine_subquery_steps_equal_fresh_evaluation(prometheus: int) -> None:
    _assert_equal_to_fresh_evaluation(prometheus, FINE_SUBQUERIES, 5 * MIN, (0, 17_000))


def test_fine_subquery_evaluates_once_per_change_of_what_it_sees(calls: list[int]) -> None:
    sim = Simulation([], _inputs({"m": "1+1x30"}), SimulationOptions(Semantics.of(3), MIN))
    sim.load_until(30 * MIN)
    value = sim.engine.query("sum_over_time((m * 2)[10m:10s])", 30 * MIN)
    # Steps 20m10s..30m (60 of them) see the samples at 20m..30m (values 21..31): five steps see
    # 21, six each 22..30, the last one 31. Eleven views.
    assert isinstance(value, Vector) and [s.value for s in value.samples] == [2 * (5 * 21 + 6 * sum(range(22, 31)) + 31)]
    assert len(set(calls)) == 11


def test_fine_subquery_view_is_kept_across_evaluations(calls: list[int]) -> None:
    sim = Simulation([], _inputs({"m": "5+0x30"}), SimulationOptions(Semantics.of(3), MIN))
    sim.load_until(30 * MIN)
    q = sim.engine.parse("sum_over_time((m * 2)[10m:10s])")
    assert _bits(sim.engine.query(q, 20 * MIN)) == [((), struct.pack("<d", 600.0))]
    calls.clear()
    # The next evaluation's new steps (20m10s..21m) see a sample of the same value as the last
    # step of the previous one: none is evaluated.
    assert _bits(sim.engine.query(q, 21 * MIN)) == [((), struct.pack("<d", 600.0))]
    assert calls == []


def test_selections_are_refreshed_when_a_series_they_could_select_is_created() -> None:
    sim = Simulation([], _inputs({'x{a="1"}': "1", 'y{a="1"}': "1"}), SimulationOptions(Semantics.of(3), MIN))
    sim.load_until(0)
    engine = sim.engine
    named, anonymous = engine.parse("x"), engine.parse('{a="1"}')
    assert isinstance(named, A.VectorSelector) and isinstance(anonymous, A.VectorSelector)
    first = engine.select(named)
    assert [dict(s.labels)["a"] for s in first] == ["1"] and len(engine.select(anonymous)) == 2
    sim.storage.append((("__name__", "z"), ("a", "1")), 0, 1.0)  # another name: x's selection stands
    assert engine.select(named) is first
    assert len(engine.select(anonymous)) == 3  # a selector without a name sees every new series
    sim.storage.append((("__name__", "x"), ("a", "2")), 0, 1.0)
    assert [dict(s.labels)["a"] for s in engine.select(named)] == ["1", "2"]
