"""ruletest.gocompat against Go's own test tables (expected values transcribed from the Go source:
src/strconv/ftoa_test.go, src/fmt/fmt_test.go, src/time) and hand calculations."""

from __future__ import annotations

import math

import pytest

from ruletest.gocompat import (
    GoNumError,
    civil_time,
    format_float,
    format_go_duration,
    format_go_time,
    go_int64,
    go_quote,
    parse_float,
    parse_int,
    quote,
    quote_rune,
)
from ruletest.templates.gofmt import sprintf

BELOW_1E23 = 99999999999999974834176.0
ABOVE_1E23 = 100000000000000008388608.0


@pytest.mark.parametrize(("value", "fmt", "prec", "text"), [
    # strconv/ftoa_test.go, ftoatests
    (1, "e", 5, "1.00000e+00"), (1, "f", 5, "1.00000"), (1, "g", 5, "1"), (1, "g", -1, "1"), (1, "x", -1, "0x1p+00"),
    (1, "x", 5, "0x1.00000p+00"), (20, "g", -1, "20"), (20, "x", -1, "0x1.4p+04"),
    (1234567.8, "g", -1, "1.2345678e+06"), (1234567.8, "x", -1, "0x1.2d687cccccccdp+20"),
    (200000, "g", -1, "200000"), (200000, "x", -1, "0x1.86ap+17"), (200000, "X", -1, "0X1.86AP+17"),
    (2000000, "g", -1, "2e+06"),
    (400, "g", 2, "4e+02"), (40, "g", 2, "40"), (4, "g", 2, "4"), (.4, "g", 2, "0.4"), (.04, "g", 2, "0.04"),
    (.004, "g", 2, "0.004"), (.0004, "g", 2, "0.0004"), (.00004, "g", 2, "4e-05"), (.000004, "g", 2, "4e-06"),
    (0, "e", 5, "0.00000e+00"), (0, "f", 5, "0.00000"), (0, "g", 5, "0"), (0, "g", -1, "0"), (0, "x", 5, "0x0.00000p+00"),
    (-1, "e", 5, "-1.00000e+00"), (-1, "f", 5, "-1.00000"), (-1, "g", 5, "-1"), (-1, "g", -1, "-1"),
    (12, "e", 5, "1.20000e+01"), (12, "f", 5, "12.00000"), (12, "g", 5, "12"), (12, "g", -1, "12"),
    (123456700, "e", 5, "1.23457e+08"), (123456700, "f", 5, "123456700.00000"), (123456700, "g", 5, "1.2346e+08"),
    (123456700, "g", -1, "1.234567e+08"), (1.2345e6, "e", 5, "1.23450e+06"), (1.2345e6, "f", 5, "1234500.00000"),
    (1.2345e6, "g", 5, "1.2345e+06"),
    (1e23, "e", 17, "9.99999999999999916e+22"), (1e23, "f", 17, "99999999999999991611392.00000000000000000"),
    (1e23, "g", 17, "9.9999999999999992e+22"), (1e23, "e", -1, "1e+23"), (1e23, "f", -1, "100000000000000000000000"),
    (1e23, "g", -1, "1e+23"),
    (BELOW_1E23, "e", 17, "9.99999999999999748e+22"), (BELOW_1E23, "f", 17, "99999999999999974834176.00000000000000000"),
    (BELOW_1E23, "g", 17, "9.9999999999999975e+22"), (BELOW_1E23, "e", -1, "9.999999999999997e+22"),
    (BELOW_1E23, "f", -1, "99999999999999970000000"), (BELOW_1E23, "g", -1, "9.999999999999997e+22"),
    (ABOVE_1E23, "e", 17, "1.00000000000000008e+23"), (ABOVE_1E23, "g", 17, "1.0000000000000001e+23"),
    (ABOVE_1E23, "f", -1, "100000000000000010000000"),
    (5e-324, "g", -1, "5e-324"), (-5e-324, "g", -1, "-5e-324"),
    (32, "g", -1, "32"), (32, "g", 0, "3e+01"), (100, "x", -1, "0x1.9p+06"),
    (math.nan, "g", -1, "NaN"), (math.inf, "g", -1, "+Inf"), (-math.inf, "g", -1, "-Inf"),
    (-1, "b", -1, "-4503599627370496p-52"),
    (0.9, "f", 1, "0.9"), (0.09, "f", 1, "0.1"), (0.0999, "f", 1, "0.1"), (0.05, "f", 1, "0.1"), (0.05, "f", 0, "0"),
    (0.5, "f", 1, "0.5"), (0.5, "f", 0, "0"), (1.5, "f", 0, "2"),
    (2.2250738585072012e-308, "g", -1, "2.2250738585072014e-308"),
    (383260575764816448, "f", 0, "383260575764816448"), (383260575764816448, "g", -1, "3.8326057576481645e+17"),
    (498484681984085570, "f", -1, "498484681984085570"), (-5.8339553793802237e+23, "g", -1, "-5.8339553793802237e+23"),
    (2.275555555555555, "x", -1, "0x1.23456789abcdep+01"), (2.275555555555555, "x", 0, "0x1p+01"),
    (2.275555555555555, "x", 2, "0x1.23p+01"), (2.275555555555555, "x", 16, "0x1.23456789abcde000p+01"),
    (2.2755555510520935, "x", 6, "0x1.234568p+01"), (2.275555431842804, "x", 6, "0x1.234566p+01"),
    (3.999969482421875, "x", -1, "0x1.ffffp+01"), (3.999969482421875, "x", 3, "0x1.000p+02"),
    (3.999969482421875, "x", 1, "0x1.0p+02"), (3.999969482421875, "x", 0, "0x1p+02"),
])
def test_format_float_like_strconv(value: float, fmt: str, prec: int, text: str) -> None:
    assert format_float(float(value), fmt, prec) == text


@pytest.mark.parametrize(("fmt", "args", "text"), [
    # fmt/fmt_test.go, fmtTests
    ("%+.3e", [0.0], "+0.000e+00"), ("%+.3x", [1.0], "+0x1.000p+00"), ("%+07.2f", [-1.0], "-001.00"),
    ("%-07.2f", [1.0], "1.00   "), ("%+-07.2f", [1.0], "+1.00  "), ("%+10.2f", [-1.0], "     -1.00"),
    ("% .3E", [-1.0], "-1.000E+00"), ("% .3x", [1.0], " 0x1.000p+00"), ("%+.3g", [0.0], "+0"), ("% .3g", [1.0], " 1"),
    ("%b", [1.0], "4503599627370496p-52"), ("%#g", [1e-323], "1.00000e-323"), ("%#g", [123456.0], "123456."),
    ("%#g", [1230000.0], "1.23000e+06"), ("%#.0x", [1.0], "0x1.p+00"), ("%#.4g", [0.012], "0.01200"),
    ("%#.4x", [123.0], "0x1.ec00p+06"), ("%#9.4g", [1.0], "    1.000"),
    ("%f", [math.inf], "+Inf"), ("% f", [math.nan], " NaN"), ("% 20F", [math.inf], "                 Inf"),
    ("% +20E", [math.nan], "                +NaN"), ("%+020e", [math.inf], "                +Inf"),
    ("%-020E", [math.nan], "NaN                 "),
    ("%e", [1234.5678e3], "1.234568e+06"), ("%f", [-1e-9], "-0.000000"), ("%g", [1234.5678e-8], "1.2345678e-05"),
    ("%G", [1234.5678e3], "1.2345678E+06"),
    ("%d", [-12345], "-12345"), ("%.d", [0], ""), ("%6.0d", [0], "      "), ("%06.0d", [0], "      "),
    ("% d", [12345], " 12345"), ("%#b", [-6], "-0b110"), ("%#o", [-0o1234], "-01234"), ("%O", [-0o1234], "-0o1234"),
    ("%#X", [0], "0X0"), ("%.20b", [7], "00000000000000000111"), ("%010d", [-12345], "-000012345"),
    ("%020.8d", [-1234], "           -00001234"), ("%-#20.8x", [0x1234abc], "0x01234abc          "),
    ("%U", [-1], "U+FFFFFFFFFFFFFFFF"), ("%#U", [0x263A], "U+263A '☺'"), ("%#.2U", [ord("x")], "U+0078 'x'"),
    ("%#014.6U", [0x2318], "  U+002318 '⌘'"), ("%c", [-1], "\ufffd"), ("%3c", [0x2318], "  ⌘"),
    ("%q", [0], "'\\x00'"), ("%+q", [0xFF], "'\\u00ff'"), ("%010q", [0x2318], "0000000'⌘'"),
    ("%q", ["\a\b\f\n\r\t\v\"\\"], '"\\a\\b\\f\\n\\r\\t\\v\\"\\\\"'), ("%+q", ["日本語"], '"\\u65e5\\u672c\\u8a9e"'),
    ("%#q", ["abc"], "`abc`"), ("%#+q", ["日本語"], "`日本語`"), ("%+010q", ["⌘"], '00"\\u2318"'),
    ("%-010q", ["⌘"], '"⌘"       '), ("%#-8q", ["\t"], "`\t`     "), ("%q", ["\U0010ffff"], '"\\U0010ffff"'),
    ("%05s", ["abc"], "00abc"), ("%.5s", ["日本語日本語"], "日本語日本"), ("%.1x", ["日本語"], "e6"),
    ("%10.1q", ["日本語日本語"], '       "日"'), ("%10v", [None], "     <nil>"), ("%-10v", [None], "<nil>     "),
    ("%# x", ["xyz"], "0x78 0x79 0x7a"), ("%#X", ["xyz"], "0X78797A"),
    # fmt's error forms (fmt/print.go, documented in the fmt package's "Format errors")
    ("%!", [], "%!!(MISSING)"), ("%d", [], "%!d(MISSING)"), ("%z", [1], "%!z(int=1)"),
    ("hi", [1], "hi%!(EXTRA int=1)"), ("%[3]d", [1, 2], "%!d(BADINDEX)"), ("%*d", ["x", 1], "%!(BADWIDTH)1"),
    ("%.*d", [-1, 1], "%!(BADPREC)1"), ("%", [], "%!(NOVERB)"), ("%[2]d %[1]d", [1, 2], "2 1"),
])
def test_sprintf_like_fmt(fmt: str, args: list[object], text: str) -> None:
    assert sprintf(fmt, args) == text


def test_quote_like_strconv() -> None:
    # strconv/quote_test.go: quotetests and quoterunetests
    assert quote("\a\b\f\r\n\t\v") == '"\\a\\b\\f\\r\\n\\t\\v"'
    assert quote("\\") == '"\\\\"'
    assert quote("abc\x7f") == '"abc\\x7f"'
    assert quote("\u263a") == '"☺"'
    assert quote("\u263a", ascii_only=True) == '"\\u263a"'
    assert quote("\U0010ffff") == '"\\U0010ffff"'
    assert quote("\x04") == '"\\x04"'
    assert quote_rune("a") == "'a'" and quote_rune("'") == "'\\''" and quote_rune("\u263a", ascii_only=True) == "'\\u263a'"
    assert go_quote('x"y') == '"x\\"y"'


@pytest.mark.parametrize(("text", "value"), [
    ("1", 1.0), ("+1", 1.0), ("1e23", 1e23), ("1E23", 1e23), ("100000000000000000000000", 1e23), ("1e-100", 1e-100),
    ("0x1p-2", 0.25), ("0x1.8p1", 3.0), ("inf", math.inf), ("-Inf", -math.inf), ("+INFINITY", math.inf),
    (".5", 0.5), ("5.", 5.0), ("1_000", 1000.0), ("0x_1p0", 1.0), ("1e-400", 0.0),
])
def test_parse_float_accepts_go_syntax(text: str, value: float) -> None:
    # strconv/atof_test.go atoftests, and the Go spec's underscore rule (underscores between digits)
    assert parse_float(text) == value
    assert math.isnan(parse_float("NaN")) and math.isnan(parse_float("nan"))


@pytest.mark.parametrize(("text", "reason"), [
    ("", "invalid syntax"), ("x", "invalid syntax"), (" 1", "invalid syntax"), ("1_", "invalid syntax"),
    ("_1", "invalid syntax"), ("1__0", "invalid syntax"), ("+nan", "invalid syntax"), ("0x1", "invalid syntax"),
    ("1e400", "value out of range"), ("-1e400", "value out of range"),
])
def test_parse_float_errors_like_strconv(text: str, reason: str) -> None:
    with pytest.raises(GoNumError) as exc:
        parse_float(text)
    assert str(exc.value) == f"strconv.ParseFloat: parsing {go_quote(text)}: {reason}"


def test_parse_int_base_zero() -> None:
    # strconv.ParseInt(s, 0, 64): prefixes, a leading 0 is octal, underscores between digits.
    assert [parse_int(s) for s in ["10", "010", "0x1F", "0b101", "0o17", "1_000", "-0", "-9223372036854775808"]] == [
        10, 8, 31, 5, 15, 1000, 0, -(2**63)]
    assert [parse_int(s) for s in ["09", "9223372036854775808", "1__0", "0x", ""]] == [None] * 5
    assert parse_int("18446744073709551615", unsigned=True) == 2**64 - 1 and parse_int("-1", unsigned=True) is None


def test_go_int64_conversion_on_amd64() -> None:
    # CVTTSD2SQ: truncation toward zero, the "integer indefinite" value for NaN and out of range.
    assert [go_int64(x) for x in (1.9, -1.9, 2.0**62)] == [1, -1, 2**62]
    assert {go_int64(x) for x in (math.nan, math.inf, -math.inf, 2.0**63, -1e19)} == {-(2**63)}


def test_civil_time() -> None:
    # Hand calculations: 1e9 s after the epoch is 2001-09-09 01:46:40 (a Sunday); the minimum
    # int64 wraps around Go's uint64 absolute time to the year 292277026596 (time.Unix docs'
    # range), also what promtool 2.42 answers for year(vector(NaN)).
    c = civil_time(1_000_000_000)
    assert (c.year, c.month, c.day, c.hour, c.minute, c.second, c.weekday, c.yday) == (2001, 9, 9, 1, 46, 40, 0, 252)
    assert civil_time(-(2**63)).year == 292277026596
    assert civil_time(-1).year == 1969 and civil_time(-1).hour == 23


def test_go_time_and_duration_strings() -> None:
    # time.Time.String / time.Duration.String (time/format.go, time/time.go docs and examples)
    assert format_go_time(1435065584128) == "2015-06-23 13:19:44.128 +0000 UTC"
    assert format_go_time(0) == "1970-01-01 00:00:00 +0000 UTC"
    assert format_go_time(-2500) == "1969-12-31 23:59:57.5 +0000 UTC"
    assert [format_go_duration(ns) for ns in (0, 1, 1100, 2_200_000, 3_300_000_000, 4 * 60_000_000_000 + 5_000_000_000,
                                              -5_006_000_000_000, 3_600_000_000_000 + 1)] == [
        "0s", "1ns", "1.1µs", "2.2ms", "3.3s", "4m5s", "-1h23m26s", "1h0m0.000000001s"]
