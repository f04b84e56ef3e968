"""How an expectation matches what the rules did: alert lists (promtool's exact comparison, or
ruletest's subset/regex/count matching), samples (exact, promtool's fuzzy last bit, or a
tolerance; NaN only when asked), and alert lifecycle states over the evaluation steps.

Pure functions over plain values: the runner (test files) and the Python API use the same ones,
so a YAML expectation and its Python twin can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import Literal

from ruletest.promql.regex import compile_anchored
from ruletest.promql.values import Labels
from ruletest.records import record

AlertPair = tuple[Labels, Labels]  # (labels, annotations)
State = Literal["inactive", "pending", "firing", "resolved"]


@record
class AlertPattern:
    """One expected alert: exact values, and values that must fully match a regex."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    labels_re: Mapping[str, str] = field(default_factory=dict)
    annotations_re: Mapping[str, str] = field(default_factory=dict)

    def matches(self, got: AlertPair, subset: bool) -> bool:
        return (labels_match(dict(got[0]), self.labels, self.labels_re, subset, ignore=("alertname",))
                and labels_match(dict(got[1]), self.annotations, self.annotations_re, subset))


@record
class SamplePattern:
    """One expected sample: its labels (exact, and regexes) and its value."""

    labels: Mapping[str, str]
    value: float
    labels_re: Mapping[str, str] = field(default_factory=dict)


def labels_match(got: Mapping[str, str], exact: Mapping[str, str], regexes: Mapping[str, str], subset: bool,
                 ignore: tuple[str, ...] = ()) -> bool:
    """Whether a label (or annotation) set has the expected values: ``subset`` lets it carry
    labels that are not listed."""
    for k, v in exact.items():
        if got.get(k, "") != v:
            return False
    for k, pattern in regexes.items():
        if compile_anchored(pattern, True).match(got.get(k, "")) is None:
            return False
    if subset:
        return True
    listed = set(exact) | set(regexes) | set(ignore)
    return all(k in listed for k in got)


def alerts_match(expected: Sequence[AlertPattern], got: Sequence[AlertPair], *, subset: bool = False,
                 count: int | None = None) -> bool:
    """Whether the firing alerts ``got`` are the ``expected`` ones: each expectation matches a
    different alert and no alert is left over (``count``, when given, replaces the length check)."""
    return _counted(len(expected), len(got), count) and one_to_one(
        len(expected), len(got), lambda i, j: expected[i].matches(got[j], subset))


def samples_match(expected: Sequence[SamplePattern], got: Sequence[tuple[Labels, float]],
                  same: Callable[[float, float], bool], *, subset: bool = False, count: int | None = None) -> bool:
    """Like :func:`alerts_match`, for the samples of an expression: values compared by ``same``."""

    def fits(i: int, j: int) -> bool:
        e = expected[i]
        return labels_match(dict(got[j][0]), e.labels, e.labels_re, subset) and same(e.value, got[j][1])

    return _counted(len(expected), len(got), count) and one_to_one(len(expected), len(got), fits)


def _counted(n_expected: int, n_got: int, count: int | None) -> bool:
    return n_got == (count if count is not None else n_expected)


def one_to_one(n_expected: int, n_got: int, fits: Callable[[int, int], bool]) -> bool:
    """Whether every expectation can be given its own match."""
    return len(pairing(n_expected, n_got, fits)) == n_expected


def pairing(n_expected: int, n_got: int, fits: Callable[[int, int], bool]) -> dict[int, int]:
    """As many (expectation -> item) pairs as can be made, each item used once (bipartite
    matching by augmenting paths: a loose pattern may fit several items, and must not take one a
    stricter one needs). Explanations read it to say which expectations found nothing."""
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j in range(n_got):
            if j in seen or not fits(i, j):
                continue
            seen.add(j)
            if j not in owner or place(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(n_expected):
        place(i, set())
    return {i: j for j, i in owner.items()}


def values_equal(expected: float, got: float, *, tolerance: float = 0.0, relative: float = 0.0, fuzzy: bool = False,
                 nan_equal: bool = False) -> bool:
    if math.isnan(expected) or math.isnan(got):
        return nan_equal and math.isnan(expected) and math.isnan(got)
    if expected == got:
        return True
    if fuzzy and (math.nextafter(expected, -math.inf) == got or math.nextafter(expected, math.inf) == got):
        return True
    if math.isinf(expected) or math.isinf(got):
        return False
    diff = abs(expected - got)
    return diff <= tolerance or diff <= relative * max(abs(expected), abs(got))


@record
class ValueMatch:
    """How an expected sample value is compared with the one returned (:func:`values_equal`'s
    options), kept with a mismatch so its explanation compares the same way."""

    tolerance: float = 0.0
    relative: float = 0.0
    fuzzy: bool = False
    nan_equal: bool = False

    def __call__(self, expected: float, got: float) -> bool:
        return values_equal(expected, got, tolerance=self.tolerance, relative=self.relative, fuzzy=self.fuzzy,
                            nan_equal=self.nan_equal)


# --- lifecycle -------------------------------------------------------------------------------


@record
class InstanceState:
    """One alert instance as a state test sees it: its labels, state and value."""

    labels: Labels
    state: State
    value: float


Step = tuple[int, Sequence[InstanceState]]  # (time relative to the test's start, the alert's instances)


def selected(instances: Sequence[InstanceState], labels: Mapping[str, str],
             labels_re: Mapping[str, str]) -> list[InstanceState]:
    return [i for i in instances if labels_match(dict(i.labels), labels, labels_re, subset=True)]


def state_of(instances: Sequence[InstanceState]) -> State:
    """The state of an alert (the instances one expectation is about): the most advanced one."""
    states = {i.state for i in instances}
    order: tuple[State, ...] = ("firing", "pending", "resolved")
    return next((s for s in order if s in states), "inactive")


def step_at(steps: Sequence[Step], t: int) -> int | None:
    """Index of the evaluation a check at ``t`` is made against: the last one at or before ``t``
    (promtool's rule: ``ts <= t < ts + interval``)."""
    found = None
    for i, (ts, _) in enumerate(steps):
        if ts > t:
            break
        found = i
    return found


@record
class StateCheck:
    """The outcome of one state assertion: whether it held, what was observed, and the message when not."""

    ok: bool
    observed: tuple[tuple[int, State], ...]  # (step time, state) that decided it
    message: str
    # What an explanation shows: the expression's values around ``focus`` (the time the
    # expectation is about, or the step that broke it), state changes up to ``last`` (the last
    # time the check looked at).
    focus: int = 0
    last: int = 0


def check_state_at(steps: Sequence[Step], t: int, interval: int, expected: State, labels: Mapping[str, str],
                   labels_re: Mapping[str, str]) -> StateCheck:
    i = step_at(steps, t)
    if i is None:
        return StateCheck(False, (), "no evaluation at or before that time", t, t)
    ts, inst = steps[i]
    got = state_of(selected(inst, labels, labels_re))
    return StateCheck(got == expected, ((ts, got),), f"it is {got}", t, t)


def check_state_window(steps: Sequence[Step], start: int, end: int, interval: int, labels: Mapping[str, str],
                       labels_re: Mapping[str, str], *, always: State | None = None,
                       never: State | None = None) -> StateCheck:
    first = step_at(steps, start)
    window = [(ts, state_of(selected(inst, labels, labels_re))) for k, (ts, inst) in enumerate(steps)
              if (first is not None and k >= first) and ts <= end]
    if not window:
        return StateCheck(False, (), "no evaluation in that window", start, end)
    if always is not None:
        wrong = [(ts, s) for ts, s in window if s != always]
        return StateCheck(not wrong, tuple(wrong[:1]) or tuple(window[:1]),
                          f"it is {wrong[0][1]} at {_d(wrong[0][0])}" if wrong else "",
                          wrong[0][0] if wrong else start, end)
    assert never is not None
    hits = [(ts, s) for ts, s in window if s == never]
    return StateCheck(not hits, tuple(hits[:1]), f"it is {never} at {_d(hits[0][0])}" if hits else "",
                      hits[0][0] if hits else start, end)


def first_time(steps: Sequence[Step], labels: Mapping[str, str], labels_re: Mapping[str, str],
               event: Literal["fires", "resolves"]) -> int | None:
    """When the selected instances first fire, or first stop firing after having fired."""
    fired = False
    for ts, inst in steps:
        firing = state_of(selected(inst, labels, labels_re)) == "firing"
        if event == "fires" and firing:
            return ts
        if event == "resolves":
            if firing:
                fired = True
            elif fired:
                return ts
    return None


def check_event(steps: Sequence[Step], expected_t: int, interval: int, labels: Mapping[str, str],
                labels_re: Mapping[str, str], event: Literal["fires", "resolves"]) -> StateCheck:
    got = first_time(steps, labels, labels_re, event)
    if got is None:
        # Every change the run saw, to show that none was the expected one.
        return StateCheck(False, (), "it never " + ("fires" if event == "fires" else "resolves"), expected_t,
                          max(expected_t, steps[-1][0] if steps else expected_t))
    # To the evaluation step: the expectation names any time in [step, step + interval).
    ok = got <= expected_t < got + max(interval, 1)
    return StateCheck(ok, ((got, "firing" if event == "fires" else "resolved"),),
                      f"it {'fires' if event == 'fires' else 'resolves'} at {_d(got)}", expected_t,
                      max(expected_t, got))


def check_lifecycle(steps: Sequence[Step], interval: int, labels: Mapping[str, str], labels_re: Mapping[str, str], *,
                    at: int | None = None, start: int | None = None, end: int | None = None,
                    state: str | None = None, never: str | None = None, fires_at: int | None = None,
                    resolves_at: int | None = None) -> StateCheck:
    """One lifecycle expectation (exactly one of: at+state, start+end+state, start+end+never,
    fires_at, resolves_at), as ``alert_state_test`` and the Python API state them."""
    if at is not None:
        return check_state_at(steps, at, interval, _as_state(state), labels, labels_re)
    if fires_at is not None:
        return check_event(steps, fires_at, interval, labels, labels_re, "fires")
    if resolves_at is not None:
        return check_event(steps, resolves_at, interval, labels, labels_re, "resolves")
    if start is None or end is None:
        raise ValueError("a lifecycle expectation needs at, start and end, fires_at or resolves_at")
    return check_state_window(steps, start, end, interval, labels, labels_re,
                              always=_as_state(state) if state is not None else None,
                              never=_as_state(never) if never is not None else None)


def _as_state(value: str | None) -> State:
    if value not in ("inactive", "pending", "firing", "resolved"):
        raise ValueError(f"not an alert state: {value!r} (inactive, pending, firing, resolved)")
    return value  # type: ignore[return-value]


def _d(ms: int) -> str:
    from ruletest.promql.ast import format_duration

    return format_duration(ms)
