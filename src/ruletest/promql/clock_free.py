"""Which expressions are functions of their leaves alone, not of the evaluation time: the
syntax analysis behind reusing results between evaluations (``rules/invariance.py``) and
computing a subquery's steps once when they cannot differ (``engine.py``); and which are
functions of the evaluation time alone (they read no series: ``reads_no_series``).

It is a whitelist: syntax nodes and functions not known to be clock-free (including any added
later) make an expression not clock-free, never wrongly so.
"""

from __future__ import annotations

from ruletest.promql import ast as A
from ruletest.promql.function_table import FUNCTIONS

# Functions evaluated by the engine (kind "special") whose value is a function of their
# arguments' values alone. time() and timestamp() read the clock; the rest are not listed.
CLOCK_FREE_SPECIAL = frozenset({
    "pi", "vector", "scalar", "absent", "absent_over_time", "clamp", "clamp_min", "clamp_max", "round",
    "sort", "sort_desc", "sort_by_label", "sort_by_label_desc", "label_replace", "label_join",
    "histogram_quantile", "histogram_fraction",
})


# The functions that read the evaluation time (date functions without an argument too).
CLOCK_SPECIAL = frozenset({"time", "timestamp"})


def reads_no_series(e: A.Expr) -> bool:
    """Whether ``e`` reads no series at all: no selector, no function that reads the storage
    (``info()``). Its value is then a function of the evaluation time and the query's bounds
    (``vector(time())``, ``year(timestamp(vector(0)))``), the same in every test group."""
    return _clock_free_leaves(e, ranges_are_leaves=False, clock=True) == []


def constant_when_unselected(e: A.Expr) -> tuple[A.VectorSelector, ...] | None:
    """The selectors of ``e`` if ``e`` has the same value at every evaluation time while none of
    them selects a series; None when that cannot be shown."""
    found = _clock_free_leaves(e, ranges_are_leaves=False, clock=False)
    if found is None:
        return None
    return tuple(n.selector if isinstance(n, A.MatrixSelector) else n for n in found if not isinstance(n, A.Call))


Leaf = A.VectorSelector | A.Call


def value_leaves(e: A.Expr) -> tuple[Leaf, ...] | None:
    """Subtrees whose values ``e``'s value is a function of: its instant selectors (what each
    sees at the evaluation time: label sets and values) and its range-function calls (their
    output vectors). Around them: no clock, no subquery. None when that cannot be shown."""
    found = _clock_free_leaves(e, ranges_are_leaves=True, clock=False)
    if found is None or any(isinstance(n, A.MatrixSelector)
                            or (isinstance(n, A.VectorSelector)
                                and (n.at is not None or n.smoothed or n.offset_expr is not None))
                            for n in found):
        return None  # instant leaves are read as the last sample at t - offset (see _visible)
    return tuple(n for n in found if not isinstance(n, A.MatrixSelector))


def _clock_free_leaves(e: A.Expr, ranges_are_leaves: bool,
                       clock: bool) -> list[A.VectorSelector | A.MatrixSelector | A.Call] | None:
    """The leaves of ``e`` (selectors; range calls too when ``ranges_are_leaves``), or None when
    something else in it is not a function of its arguments: a subquery, anything unknown, and
    the clock unless ``clock`` allows it."""
    leaves: list[A.VectorSelector | A.MatrixSelector | A.Call] = []
    stack: list[A.Expr] = [e]
    while stack:
        n = stack.pop()
        kind = type(n)
        if kind is A.NumberLiteral or kind is A.StringLiteral:
            continue
        if kind is A.VectorSelector or kind is A.MatrixSelector:
            assert isinstance(n, A.VectorSelector | A.MatrixSelector)
            if n not in leaves:
                leaves.append(n)
        elif kind is A.Paren or kind is A.Unary or kind is A.Binary or kind is A.Aggregate:
            stack.extend(A.children(n))
        elif kind is A.Call:
            assert isinstance(n, A.Call)
            fd = FUNCTIONS.get(n.func)
            if fd is None:
                return None
            if ranges_are_leaves and (fd.kind == "range" or n.func == "absent_over_time"):
                if n not in leaves:
                    leaves.append(n)
                continue
            if fd.kind == "special" and n.func not in CLOCK_FREE_SPECIAL and not (clock and n.func in CLOCK_SPECIAL):
                return None
            if fd.kind == "date" and not n.args and not clock:
                return None  # hour() is hour(vector(time()))
            if fd.kind not in ("special", "date", "float", "range"):
                return None
            stack.extend(n.args)
        else:
            return None  # subqueries, duration expressions, anything newer
    return leaves
