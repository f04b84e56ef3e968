from __future__ import annotations

from ruletest.promql.ast import Matcher
from ruletest.promql.storage import Storage
from ruletest.series import STALE

L = (("__name__", "m"), ("job", "a"))


def make() -> Storage:
    st = Storage()
    st.add_series(L, [1.0, 2.0, None, 4.0, STALE, None, 7.0], 0, 60_000)
    return st


def test_instant_lookup_lookback_and_staleness() -> None:
    s = make().lookup(L)
    assert s is not None
    assert s.last_at(60_000, 300_000, True) == (60_000, 2.0)
    assert s.last_at(150_000, 300_000, True) == (60_000, 2.0)  # gap at 2m: the 1m sample is newest
    assert s.last_at(240_000, 300_000, True) is None  # stale marker at 4m hides the series
    assert s.last_at(360_000, 300_000, True) == (360_000, 7.0)
    # The lookback window is left-open in Prometheus 3 and closed in 2.
    assert s.last_at(300_000 + 60_000, 300_000, True) == (360_000, 7.0)
    t = s.last_at(60_000 + 300_000 - 1, 300_000, True)
    assert t is None  # stale marker at 4m is still the newest sample before 6m
    fresh = Storage()
    fresh.add_series(L, [5.0], 0, 60_000)
    only = fresh.lookup(L)
    assert only is not None
    assert only.last_at(300_000, 300_000, True) is None
    assert only.last_at(300_000, 300_000, False) == (0, 5.0)


def test_windows() -> None:
    s = make().lookup(L)
    assert s is not None
    assert s.window(0, 180_000, True) == (1, 3)  # (0, 3m]: samples at 1m and 3m
    assert s.window(0, 180_000, False) == (0, 3)  # [0, 3m]


def test_selection_by_matchers() -> None:
    st = make()
    st.add_series((("__name__", "m"), ("job", "b")), [1.0], 0, 60_000)
    st.add_series((("__name__", "other"),), [1.0], 0, 60_000)
    def names(ms: list[Matcher]) -> list[tuple[tuple[str, str], ...]]:
        return sorted(s.labels for s in st.select(ms, True))
    assert len(names([Matcher("__name__", "=", "m")])) == 2
    assert names([Matcher("__name__", "=", "m"), Matcher("job", "=~", "a|c")]) == [L]
    assert names([Matcher("job", "=", "")]) == [(("__name__", "other"),)]
    assert len(names([Matcher("job", "!=", "")])) == 2
    assert names([Matcher("__name__", "=", "nope")]) == []
