"""What the leaves of a clock-free expression (:func:`~ruletest.promql.clock_free.value_leaves`)
see at an evaluation time, as keys: when every leaf's key is the same as at another time, so is
the expression's value, and that result may be reused. Keys hold label sets in order and the
values' bits (0.0 and -0.0 differ, a NaN equals itself); None when a value cannot be keyed
(native histograms), which means "evaluate".
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from ruletest.promql import ast as A
from ruletest.promql.function_table import FUNCTIONS
from ruletest.promql.values import Labels, Vector
from ruletest.promql.vector_functions import unwrap

if TYPE_CHECKING:
    from ruletest.promql.engine import Engine


_NOTHING: tuple[tuple[Labels, ...], bytes] = ((), b"")


def range_output(engine: Engine, call: A.Call, t: int,
                 selector: A.VectorSelector | None) -> tuple[tuple[Labels, ...], bytes] | None:
    """A range-function call's output vector at ``t``: label sets in order, values' bits.
    ``selector``: the call's :func:`series_mapping_selector`."""
    if selector is not None and not engine.select(selector):
        return _NOTHING  # as the query would find, without building one
    value = engine.query(call, t, finish=False)  # as the rule's query sees it (names still flagged)
    if not isinstance(value, Vector):
        return None
    labels = []
    values = array("d")
    for s in value.samples:
        v = s.value
        if type(v) is not float or s.histogram is not None:
            return None  # a histogram's value is 0: its bits say nothing
        labels.append(s.labels)
        values.append(v)
    return tuple(labels), values.tobytes()


def series_mapping_selector(call: A.Call) -> A.VectorSelector | None:
    """The selector of a call that maps each selected series to at most one sample, so that it
    returns nothing when the selector selects nothing: a range function (``absent_over_time``,
    which makes a sample from nothing, is not of that kind) over a plain matrix selector, with
    literals as its other arguments (an expression there could fail even over nothing)."""
    fd = FUNCTIONS.get(call.func)
    if fd is None or fd.kind != "range":
        return None
    found = None
    for arg in call.args:
        a = unwrap(arg)
        if isinstance(a, A.MatrixSelector) and found is None:
            if a.selector.anchored or a.selector.smoothed:
                return None
            found = a.selector
        elif not isinstance(a, A.NumberLiteral):
            return None
    return found


def visible(engine: Engine, vs: A.VectorSelector, t: int) -> tuple[tuple[Labels, ...], bytes] | None:
    """What an instant selector sees at ``t`` (as the engine's instant selection does): the
    label sets in order, and the values' bits (so that 0.0 and -0.0 differ, and a NaN equals
    itself). None when a value is not a float (it cannot be keyed by bits)."""
    ref = t - vs.offset_ms
    options = engine.options
    lookback = options.lookback_ms
    left_open = options.semantics.left_open_windows
    labels = []
    values = array("d")
    for s in engine.select(vs):
        if s.hist is not None:
            return None  # native histograms (a histogram sample's vs entry is 0) are not keyed
        got = s.last_at(ref, lookback, left_open)
        if got is not None:
            v = got[1]
            if type(v) is not float:
                return None
            labels.append(s.labels)
            values.append(v)
    return tuple(labels), values.tobytes()
