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
from ruletest.promql.values import Labels, Vector

if TYPE_CHECKING:
    from ruletest.promql.engine import Engine


def range_output(engine: Engine, call: A.Call, t: int) -> tuple[tuple[Labels, ...], bytes] | None:
    """A range-function call's output vector at ``t``: label sets in order, values' bits."""
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
