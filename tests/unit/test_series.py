"""promtool series notation. Expected expansions follow the Prometheus documentation of
``promtool test rules`` ('a+bxn' becomes 'a a+b a+(2*b) ... a+(n*b)', '_' is a missing sample)."""

from __future__ import annotations

import math

import pytest

from ruletest.errors import SeriesNotationError
from ruletest.series import MAX_EXPANDED_VALUES, STALE, count_values, expand_values, parse_series_description


@pytest.mark.parametrize(("text", "expected"), [
    ("1+2x3", (1.0, 3.0, 5.0, 7.0)),
    ("1-1x3", (1.0, 0.0, -1.0, -2.0)),
    ("5x2", (5.0, 5.0, 5.0)),
    ("0x40", (0.0,) * 41),  # not hexadecimal: promtool forbids hex in values
    ("_x3", (None, None, None)),
    ("1 _ 3", (1.0, None, 3.0)),
    ("-1 +2 1e3 1.5e-3 .5", (-1.0, 2.0, 1000.0, 0.0015, 0.5)),
    ("-2+1x2", (-2.0, -1.0, 0.0)),
    ("1e3+1e2x1", (1000.0, 1100.0)),
])
def test_expanding_notation(text: str, expected: tuple[float | None, ...]) -> None:
    assert expand_values(text) == expected


def test_stale_with_repetition() -> None:
    # promtool accepts "stale+0x2": adding to a stale marker keeps it stale.
    assert expand_values("stale+0x2") == (STALE, STALE, STALE)


def test_expansion_can_stop_early() -> None:
    assert expand_values("0+1x100000000 5", limit=3) == (0.0, 1.0, 2.0)


def test_special_values() -> None:
    values = expand_values("Inf -Inf +Inf NaN stale")
    assert values[0] == math.inf and values[1] == -math.inf and values[2] == math.inf
    assert isinstance(values[3], float) and math.isnan(values[3])
    assert values[4] is STALE


def test_increments_accumulate_like_prometheus() -> None:
    # The grammar does `value += step` per element, so rounding accumulates exactly like this.
    assert expand_values("0.1+0.1x2") == (0.1, 0.1 + 0.1, 0.1 + 0.1 + 0.1)


@pytest.mark.parametrize(("text", "message"), [
    ("1 abc", "invalid value 'abc'"),
    ("1+x3", "invalid value"),
    ("_+1x3", "cannot have an increment"),
    ("1+2x3x4", "invalid value"),
    ("1+2", "invalid value"),
    ("{{schema:0 sum:1 count:1}}", "native histograms need Prometheus 3"),
    (f"1x{MAX_EXPANDED_VALUES}", "at most"),
])
def test_bad_values_have_clear_errors(text: str, message: str) -> None:
    with pytest.raises(SeriesNotationError, match=message):
        expand_values(text)


@pytest.mark.parametrize(("text", "expected"), [
    ('up{job="api",instance="a:1"}', (("__name__", "up"), ("instance", "a:1"), ("job", "api"))),
    ("up", (("__name__", "up"),)),
    ('{__name__="up", job="x"}', (("__name__", "up"), ("job", "x"))),
    ('{"my.metric", "my.label"="v"}', (("__name__", "my.metric"), ("my.label", "v"))),
    ('m{a="q\\"uote\\n", b=\'single\'}', (("__name__", "m"), ("a", 'q"uote\n'), ("b", "single"))),
    ('job:rate5m{job="x"}', (("__name__", "job:rate5m"), ("job", "x"))),
    ('m{a=""}', (("__name__", "m"),)),
])
def test_series_descriptions(text: str, expected: tuple[tuple[str, str], ...]) -> None:
    assert parse_series_description(text) == expected


@pytest.mark.parametrize("text", ["", "{}"])
def test_empty_label_sets_are_valid(text: str) -> None:
    # promtool's exp_samples use labels: '{}' (and '') for scalar results.
    assert parse_series_description(text) == ()


@pytest.mark.parametrize("text", ['m{a="1"', "m{a}", 'm{a="1",a="2"}', 'm{a="1"} x', 'm{a=1}'])
def test_bad_descriptions(text: str) -> None:
    with pytest.raises(SeriesNotationError):
        parse_series_description(text)


@pytest.mark.parametrize("text", ["1 2 3", "0+10x5 _x3 stale", "1x3 _ 2-1x2", "stale+0x3 5", "_x0 1", ""])
def test_count_values_agrees_with_expansion(text: str) -> None:
    assert count_values(text) == len(expand_values(text))


def test_count_values_does_not_expand() -> None:
    # Ten billion steps: counted, not materialised.
    assert count_values("0x9999999999") == 10_000_000_000
    with pytest.raises(SeriesNotationError):
        count_values("1+2")
