from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruletest.gocompat import format_float_f as format_go_float_f
from ruletest.promql.ast import format_duration, parse, to_promql
from ruletest.promql.gomath import go_log2, go_log10
from ruletest.promql.hashing import xxh64
from ruletest.promql.regex import compile_anchored, go_expand
from ruletest.promql.values import format_labels


@pytest.mark.parametrize(("data", "digest"), [
    # Reference vectors of xxHash64 (seed 0).
    (b"", 0xEF46DB3751D8E999),
    (b"a", 0xD24EC4F1A98C6E5B),
    (b"abc", 0x44BC2CF5AD770999),
])
def test_xxh64(data: bytes, digest: int) -> None:
    assert xxh64(data) == digest


@pytest.mark.parametrize(("template", "expected"), [
    # Go regexp.Expand semantics (documented in alert-templates reference, checked against Go).
    ("$1", "ab"), ("${1}x", "abx"), ("$1x", ""), ("$$", "$"), ("$name", "c"), ("$0", "abc"),
    ("$9", ""), ("a$", "a$"),
])
def test_go_expand(template: str, expected: str) -> None:
    m = compile_anchored("(ab)(?P<name>c)", True).search("abc")
    assert go_expand(template, m) == expected


def test_re2_semantics() -> None:
    assert compile_anchored("[[:alpha:]]+", True).match("abc")
    assert compile_anchored(r"\d+", True).match("\u0663") is None  # ASCII digits only, like Go
    assert compile_anchored("(?i)foo", True).match("FOO")
    assert compile_anchored("a.c", True).match("a\nc")
    assert compile_anchored("a.c", False).match("a\nc") is None


@pytest.mark.parametrize(("v", "text"), [
    (1.0, "1"), (0.1, "0.1"), (1e21, "1000000000000000000000"), (1e-7, "0.0000001"),
    (-2.5, "-2.5"), (math.inf, "+Inf"), (-math.inf, "-Inf"), (math.nan, "NaN"),
])
def test_go_float_f_format(v: float, text: str) -> None:
    assert format_go_float_f(v) == text


def test_go_log_functions_exact_on_powers() -> None:
    assert go_log2(8.0) == 3.0
    assert go_log2(0.25) == -2.0
    assert go_log10(1000.0) == pytest.approx(3.0, rel=1e-15)
    assert go_log2(0.0) == -math.inf and math.isnan(go_log2(-1.0))


def test_format_labels_quotes_like_go() -> None:
    assert format_labels((("a", 'x"y\n'), ("b.c", "z"))) == '{a="x\\"y\\n", "b.c"="z"}'


@pytest.mark.parametrize(("ms", "text"), [(0, "0s"), (90_000, "1m30s"), (3_600_000, "1h"), (1500, "1s500ms"),
                                          (86_400_000 * 8, "8d"), (86_400_000 * 14, "2w"), (31_536_000_000, "1y")])
def test_format_duration(ms: int, text: str) -> None:
    # prometheus/common model.Duration.String(): years and weeks only when they divide exactly.
    assert format_duration(ms) == text


@pytest.mark.parametrize("expr", [
    'sum by (job) (rate(http_requests_total{code=~"5.."}[5m] offset 1m))',
    "a / on(x) group_left(y) b", "x[5m:]", "topk(3, x) > bool 2", "-x @ start()", "{\"my.metric\"}",
    "max_over_time(x[10m:1m] @ 100.000 offset -5m)", "a unless ignoring(b) c",
])
def test_printer_round_trips(expr: str) -> None:
    printed = to_promql(parse(expr))
    assert parse(printed) == parse(expr)


@pytest.mark.parametrize(("text", "rewritten"), [
    ("predict_linear(x[50m], 1h)", "predict_linear(x[50m], 3600.0)"),
    ("x offset 5m > 1h30m", "x offset 5m > 5400.0"),
    ('x{a="5m"} + 2m', 'x{a="5m"} + 120.0'),
])
def test_durations_in_number_position(text: str, rewritten: str) -> None:
    # Prometheus 3 reads a duration where a number goes as its seconds (number_duration_literal).
    assert parse(text) == parse(rewritten)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_fixed_point_formatting_is_the_exact_shortest_decimal(v: float) -> None:
    # strconv.FormatFloat(v, 'f', -1, 64): Python's shortest repr, written out by decimal.
    from decimal import Decimal

    from ruletest.promql.gonum import format_fixed

    text = format(Decimal(repr(v)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if v == 0:
        text = "-0" if math.copysign(1, v) < 0 else "0"
    assert format_fixed(v) == text


@pytest.mark.parametrize(("v", "text"), [
    (1e22, "1e+22"), (123456.0, "123456"), (1234567.0, "1.234567e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"),
    (-2.5, "-2.5"), (100.0, "100"), (1.5e-7, "1.5e-07"), (-0.0, "-0"),
])
def test_go_v_formatting_of_floats(v: float, text: str) -> None:
    # strconv.FormatFloat(v, 'g', -1, 64): the shortest digits, with an exponent when the
    # decimal exponent is < -4 or >= 6 (strconv/ftoa.go: "if precision was the shortest
    # possible, use precision 6 for this decision").
    from ruletest.promql.gonum import format_g

    assert format_g(v) == text
