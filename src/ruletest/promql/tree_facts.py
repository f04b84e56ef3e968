"""Analyses of a syntax tree (does it need its durations resolved, which selectors read only
histogram counts and sums, is it clock-free...), each computed once per tree; and the values of
trees that read no series, once per evaluation time.

Rule expressions are parsed once per run (the parse cache) but evaluated by a new engine in every
test group: the engines of a run share one :class:`TreeFacts`, so a file of 300 rules tested by
ten groups analyses 300 trees, not 3,000.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

from ruletest.promql import ast as A

T = TypeVar("T")

_LIMIT = 50_000


class TreeFacts:
    """Results of pure functions of a tree, by function and tree identity (the tree is held with
    its result, so that its id cannot be reused while the entry lives)."""

    def __init__(self) -> None:
        self._memo: dict[Callable[[A.Expr], object], dict[int, tuple[A.Expr, object]]] = {}
        self._values: dict[tuple[int, Hashable], tuple[A.Expr, object]] = {}

    def of(self, analysis: Callable[[A.Expr], T], node: A.Expr) -> T:
        """``analysis(node)``, computed the first time it is asked for."""
        memo = self._memo.get(analysis)
        if memo is None:
            memo = self._memo[analysis] = {}
        hit = memo.get(id(node))
        if hit is not None and hit[0] is node:
            return cast(T, hit[1])
        value = analysis(node)
        if len(memo) > _LIMIT:
            memo.clear()
        memo[id(node)] = (node, value)
        return value

    def value(self, node: A.Expr, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, a pure function of ``node`` and ``key`` (the value of a tree that reads
        no series, at one evaluation time), computed the first time it is asked for."""
        hit = self._values.get((id(node), key))
        if hit is not None and hit[0] is node:
            return cast(T, hit[1])
        value = compute()
        if len(self._values) > _LIMIT:
            self._values.clear()
        self._values[id(node), key] = (node, value)
        return value

    def __len__(self) -> int:
        return sum(len(memo) for memo in self._memo.values()) + len(self._values)
