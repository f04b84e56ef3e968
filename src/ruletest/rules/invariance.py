"""When a rule's query result provably cannot change between evaluations, so the simulation
may reuse it instead of evaluating again. Two cases, each shown from the expression's syntax:

* Most rules of a test file select series that the test group under way never writes (each group
  tests a few alerts; every group of the rule files is evaluated at every step). An expression
  whose selectors all select no series is a function of its literals alone, unless something in
  it reads the evaluation time: ``time()``, ``timestamp()``, date functions without an argument,
  or a subquery (its steps are aligned to the clock, so their number varies). It has the same
  value at every evaluation while no series it could select exists; only a new series can change
  that, and the storage counts series creations (``Storage.series_generation``).
* An expression without range selectors, subqueries or clock is a function of what its instant
  selectors see (label sets and values, in order). When those are the same bits as at the last
  evaluation, so is the result: the selectors are evaluated, the rest of the tree is not. Test
  inputs are mostly constant over long stretches, so this is the common case.

The syntax analysis (``promql/clock_free.py``) is a whitelist: syntax nodes and functions not
known to be clock-free (including any added later) make an expression not reusable, never
reused wrongly.
"""

from __future__ import annotations

from collections.abc import Callable

from ruletest.promql import ast as A
from ruletest.promql.clock_free import Leaf, constant_when_unselected, value_leaves
from ruletest.promql.engine import Engine
from ruletest.promql.leaf_keys import range_output, series_mapping_selector, visible
from ruletest.promql.values import Labels, Sample
from ruletest.records import record

QueryFn = Callable[[Engine, A.Expr, int], list[Sample]]


@record
class ReusePlan:
    """An expression with what the analysis found: ``selectors`` (constant while they select
    nothing) and ``leaves`` (its value is a function of theirs, each given with, for a range
    call, the selector whose series it maps: see ``range_output``), None when not."""

    expr: A.Expr
    selectors: tuple[A.VectorSelector, ...] | None
    leaves: tuple[tuple[Leaf, A.VectorSelector | None], ...] | None
    names: tuple[str, ...] | None  # the metric names of ``selectors``, if each selects by name

    @classmethod
    def of(cls, expr: A.Expr) -> ReusePlan:
        selectors = constant_when_unselected(expr)
        names = None
        if selectors is not None:
            found = [A.metric_name(vs) for vs in selectors]
            names = tuple(n for n in found if n is not None) if None not in found else None
        leaves = value_leaves(expr)
        keyed = None if leaves is None else tuple(
            (n, None if isinstance(n, A.VectorSelector) else series_mapping_selector(n)) for n in leaves)
        return cls(expr, selectors, keyed, names)


class RuleQuery:
    """One rule's expression in one simulation, evaluated or, when provably unchanged, reused."""

    __slots__ = ("_generation", "_leaf_key", "_result", "expr", "leaves", "names", "selectors")

    def __init__(self, plan: ReusePlan) -> None:
        self.expr = plan.expr
        self.selectors = plan.selectors
        self.leaves = plan.leaves
        self.names = plan.names
        self._generation = -1  # series generation at which every selector was seen empty
        self._leaf_key: tuple[tuple[tuple[Labels, ...], bytes] | None, ...] | None = None
        self._result: list[Sample] = []

    def evaluate(self, engine: Engine, t: int, query: QueryFn) -> list[Sample]:
        """``query(engine, expr, t)``, or its last result when it cannot differ (the returned
        list must not be modified)."""
        selectors = self.selectors
        if selectors is not None:
            storage = engine.storage
            generation = storage.series_generation
            if generation == self._generation:
                return self._result
            names = self.names
            if self._generation >= 0 and names is not None:
                # Series were created since, but none that these selectors could select.
                created = storage.name_generation
                last = self._generation
                for n in names:
                    if created.get(n, -1) > last:
                        break
                else:  # none of these names
                    self._generation = generation
                    return self._result
            for vs in selectors:
                if engine.select(vs):
                    break
            else:  # no selector selects a series
                result = query(engine, self.expr, t)
                self._generation = generation
                self._leaf_key = None
                self._result = result
                return result
            # A selector selects a series, and will from now on: the storage never drops one.
            self.selectors = None
        leaves = self.leaves
        if leaves is None:
            return query(engine, self.expr, t)
        key = tuple([visible(engine, n, t) if isinstance(n, A.VectorSelector) else range_output(engine, n, t, s)
                     for n, s in leaves])
        if key == self._leaf_key:
            return self._result
        result = query(engine, self.expr, t)
        self._leaf_key = None if None in key else key
        self._result = result
        return result
