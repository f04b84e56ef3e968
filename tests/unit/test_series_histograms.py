"""The ``{{...}}`` native histogram series notation (promtool 3.x).

Expected values come from Prometheus v3.14.0's ``promql/parser/parse_test.go``
(``TestParseHistogramSeries``, transcribed in ``tests/data/histograms/parse_test.json``), the
validation errors of ``model/histogram`` (words from ``generic.go``/``float_histogram.go``), the
``load`` blocks of Prometheus's engine tests (``promqltest-3.14``), and hand expansions shown in
the tests.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from ruletest.errors import SeriesNotationError
from ruletest.promql.histograms import CounterResetHint, FloatHistogram, Span
from ruletest.series import (
    MAX_EXPANDED_VALUES,
    STALE,
    ExpectedHistogram,
    count_values,
    expand_expected,
    expand_values,
    parse_histogram,
    parse_series,
)
from tests.needs import PROMQLTEST, params
from tests.unit.test_histograms import hist

PARSE = json.loads((Path(__file__).resolve().parent.parent / "data" / "histograms" / "parse_test.json").read_text())


def values(text: str, limit: int | None = None) -> tuple[Any, ...]:
    return expand_values(text, limit, histograms=True)


# --- promql/parser/parse_test.go TestParseHistogramSeries ---------------------------------------

_GO_CASES = PARSE["tests"]["TestParseHistogramSeries"]

# Where we point somewhere more useful than Prometheus (1-based columns in the whole `{} ...`
# input, as the Go test writes them): a duplicate key at the key (Prometheus says 1:1), a failed
# `{{a}}+{{b}}xN` at its start (Prometheus: at N), a space after `{{` at the space.
_OUR_COLUMNS = {"double property": 15, "series with different schemas - second one is smaller": 4,
                "space after {{": 6}
# Prometheus names an internal token here; we say what is wrong.
_OUR_MESSAGES = {"space after {{": 'unexpected " " in series values'}


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _GO_CASES if "expected" in c])
def test_go_parser_values(case: dict[str, Any]) -> None:
    # The Go test compares whole FloatHistogram structs: layouts of `+`/`-` sums included.
    # The parser does not validate (negative counts parse); loading would.
    assert case["input"].startswith("{} ")
    got = expand_expected(case["input"][3:])
    assert [v.histogram for v in got if isinstance(v, ExpectedHistogram)] == [hist(h) for h in case["expected"]]
    assert len(got) == len(case["expected"])


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _GO_CASES if "expectedError" in c])
def test_go_parser_errors(case: dict[str, Any]) -> None:
    m = re.fullmatch(r"1:(\d+): parse error: (.*)", case["expectedError"])
    assert m
    column = _OUR_COLUMNS.get(case["name"], int(m.group(1)))
    message = _OUR_MESSAGES.get(case["name"], m.group(2))
    with pytest.raises(SeriesNotationError) as exc:
        values(case["input"][3:])
    assert exc.value.message == message
    assert exc.value.column == column - 3  # our columns count in the values string


def test_test_expressions_read_back() -> None:
    # TestHistogramTestExpression: printing then parsing gives the same text back.
    for case in PARSE["tests"]["TestHistogramTestExpression"]:
        (h,) = values(case["expected"])
        assert h.test_expression() == case["expected"]


# --- the notation --------------------------------------------------------------------------------


def test_every_key_and_the_defaults() -> None:
    (h,) = values("{{schema:2 sum:-1.5 count:7 z_bucket:1 z_bucket_w:0.01 buckets:[1 2] offset:-1 "
                  "n_buckets:[3] n_offset:2 counter_reset_hint:not_reset}}")
    assert h == FloatHistogram(CounterResetHint.NOT_RESET, 2, 0.01, 1, 7, -1.5, (Span(-1, 2),), (1, 2),
                               (Span(2, 1),), (3,))
    assert values("{{}}") == (FloatHistogram(),)
    (nhcb,) = values("{{custom_values:[0.1 0.5] schema:-53 buckets:[1 0 2] count:3 sum:1}}")
    assert nhcb.custom_values == (0.1, 0.5) and nhcb.positive_spans == (Span(0, 3),)


def test_keys_hints_and_words_ignore_case() -> None:
    # promql's lexer lowercases descriptor words (histogramDesc[strings.ToLower(word)]).
    (h,) = values("{{SCHEMA:1 Sum:inf COUNT:NaN counter_reset_hint:GAUGE}}")
    assert h.schema == 1 and h.sum == math.inf and math.isnan(h.count)
    assert h.counter_reset_hint is CounterResetHint.GAUGE


def test_numbers_read_like_promql() -> None:
    # parser.number: strconv.ParseInt(s, 0, 64) first, so a leading 0 is octal; underscores
    # between digits are allowed; then ParseFloat.
    (h,) = values("{{sum:010 count:1_000 z_bucket:1e3 buckets:[.5 2.]}}")
    assert (h.sum, h.count, h.zero_count, h.positive_buckets) == (8, 1000, 1000, (0.5, 2.0))
    with pytest.raises(SeriesNotationError, match="invalid repetition in series values"):
        values("{{schema:1.5}}")


def test_repetitions_and_increments() -> None:
    a = FloatHistogram(count=1, sum=2, positive_spans=(Span(0, 1),), positive_buckets=(1,))
    assert values("{{count:1 sum:2 buckets:[1]}}x2") == (a, a, a)
    assert values("{{count:1 sum:2 buckets:[1]}}x0") == (a,)
    # Hand expansion of {{a}}+{{b}}x2: a, a+b, a+2b (Prometheus adds b again each step).
    assert [h.count for h in values("{{count:1}}+{{count:2}}x2")] == [1, 3, 5]
    assert [h.count for h in values("{{count:10}}-{{count:2}}x2")] == [10, 8, 6]


def test_histograms_floats_blanks_and_stale_mix() -> None:
    got = values("1 {{count:1}} _ stale 2+1x1 {{count:2}}x1 _x2")
    assert got == (1.0, FloatHistogram(count=1), None, STALE, 2.0, 3.0, FloatHistogram(count=2),
                   FloatHistogram(count=2), None, None)
    assert count_values("1 {{count:1}} _ stale 2+1x1 {{count:2}}x1 _x2", histograms=True) == len(got)


def test_expansion_stops_at_the_limit() -> None:
    got = values("{{count:1}}+{{count:1}}x100000000 7", limit=3)
    assert [h.count for h in got] == [1, 2, 3]
    assert count_values("{{count:1}}+{{count:1}}x100000000 7", histograms=True) == 100000002
    with pytest.raises(SeriesNotationError, match="at most"):
        values(f"{{{{count:1}}}}x{MAX_EXPANDED_VALUES}")


def test_histograms_must_be_asked_for() -> None:
    # Callers that store samples opt in (Prometheus 3 semantics): promtool 2.42's parser stops at
    # the "{" ("unexpected character in series sequence: '{'"), located.
    for call, column in ((lambda: expand_values("{{count:1}}"), 1), (lambda: count_values("1 {{count:1}}"), 3),
                         (lambda: parse_series("m", "{{count:1}}"), 1)):
        with pytest.raises(SeriesNotationError, match=re.escape("unexpected character in series sequence: '{'")) as info:
            call()
        assert info.value.column == column
    assert parse_series("m", "{{count:1}}", histograms=True).values == (FloatHistogram(count=1),)


@pytest.mark.parametrize(("text", "message", "column"), [
    # Prometheus's Validate() words (model/histogram/float_histogram.go, generic.go), at the item.
    ("1 {{schema:9}}", "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, "
                       "or -53 for custom buckets, got schema 9", 3),
    ("{{count:-1}}", "observation count is  -1: histogram's observation count is negative", 1),
    ("{{buckets:[1 -2]}}", "positive side: bucket number 2 has observation count of -2: histogram has a bucket "
                           "whose observation count is negative", 1),
    ("{{n_buckets:[-1]}}", "negative side: bucket number 1 has observation count of -1: histogram has a bucket "
                           "whose observation count is negative", 1),
    ("{{z_bucket:-1}}", "zero bucket has observation count of -1: histogram has a bucket whose observation count "
                        "is negative", 1),
    ("{{schema:-53 custom_values:[2 1] buckets:[1]}}", "custom buckets: previous bound is 2.000000 and current is "
     "1.000000: histogram custom bounds must be in strictly increasing order", 1),
    ("{{schema:-53 custom_values:[1 Inf] buckets:[1]}}", "custom buckets: last +Inf bound must not be explicitly "
     "defined: histogram custom bounds must be finite", 1),
    ("{{schema:-53 custom_values:[1] buckets:[1 2 3]}}", "custom buckets: only 1 custom bounds defined which is "
     "insufficient to cover total span length of 3: histogram custom bounds are too few", 1),
    ("{{schema:-53 custom_values:[1] n_buckets:[1]}}", "custom buckets: must not have negative spans", 1),
    ("{{schema:-53 z_bucket:1}}", "custom buckets: must have zero count of 0", 1),
    ("{{schema:-53 z_bucket_w:1}}", "custom buckets: must have zero threshold of 0", 1),
    ("{{schema:0 custom_values:[1]}}", "histogram with exponential schema must not have custom bounds", 1),
    # Subtracting into negative counts fails when the sample is loaded, not before.
    ("_ {{count:2}}-{{count:1}}x3", "observation count is  -1: histogram's observation count is negative", 3),
])
def test_invalid_histograms_are_located_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(SeriesNotationError) as exc:
        values(text)
    assert exc.value.message == message
    assert exc.value.column == column


def test_invalid_histograms_beyond_the_limit_are_not_loaded() -> None:
    # promtool loads samples lazily: a bad sample after the last evaluation never fails a test.
    assert [h.count for h in values("{{count:2}}-{{count:1}}x3", limit=3)] == [2, 1, 0]


@pytest.mark.parametrize(("text", "message", "column"), [
    ("{{count:1", "unclosed histogram description: missing '}}'", 1),
    ("{{count:1 sum:}}", "unexpected \"}\" in histogram description, expected a number for sum:", 15),
    ("{{count:1,sum:2}}", "histogram description incomplete unexpected: \",\"", 10),
    ("{{z_bucket_w:-1}}", "unexpected \"-\" in histogram description: z_bucket_w takes an unsigned number", 14),
    ("{{buckets:[]}}", "invalid character in buckets description: \"]\"", 12),
    ("{{buckets:[-Inf]}}", "bad number syntax: \"I\"", 13),
    ("{{buckets:[1+2]}}", "invalid character in buckets description: \"+\"", 13),
    ("{{sum:5m}}", "bad number syntax: \"5m\"", 7),
    ("{{count:1}}x", "expected a repetition count after 'x'", 13),
    ("{{count:1}}+{{count:1}}", "expected a repetition count after {{...}}+{{...}}, as in x10", 24),
    ("{{count:1}}+1x2", "expected a histogram after \"+\", as in {{...}}+{{...}}x10", 13),
    ("{{count:1}}1", "unexpected character in series sequence: \"1\"", 12),
    ("1{{count:1}}", "a histogram must be separated from the value before it by a space", 2),
    ("{{schema:0}}+{{schema:-53 custom_values:[1]}}x1", "error combining histograms: cannot merge from schema -53 "
                                                         "to 0", 1),
    ("{{schema:-53 custom_values:[1]}}+{{schema:0}}x1", "cannot apply this operation on histograms with a mix of "
                                                         "exponential and custom bucket schemas", 1),
])
def test_syntax_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(SeriesNotationError) as exc:
        values(text)
    assert exc.value.message == message
    assert exc.value.column == column


def test_float_errors_inside_histogram_sequences_are_located() -> None:
    with pytest.raises(SeriesNotationError) as exc:
        values("{{count:1}} 1+2")
    assert exc.value.column == 13 and exc.value.message.startswith("invalid value '1+2'")


# --- expected values -----------------------------------------------------------------------------


def test_expected_values_keep_whether_the_hint_was_written() -> None:
    # promqltest compares the counter reset hint only where the expected text gives one; for
    # {{a}}+{{b}}xN Prometheus takes b's (parse.go histogramsIncreaseSeries).
    got = expand_expected("{{count:1}} {{count:1 counter_reset_hint:unknown}} {{count:1}}+{{count:1 "
                          "counter_reset_hint:gauge}}x1 2")
    assert [v.hint_given for v in got if isinstance(v, ExpectedHistogram)] == [False, True, True, True]
    assert got[-1] == 2.0
    # Results may hold negative buckets: expected values are not validated.
    (neg,) = expand_expected("{{count:-1 buckets:[-2]}}")
    assert isinstance(neg, ExpectedHistogram) and neg.histogram.count == -1
    assert expand_expected("1 _ stale") == (1.0, None, STALE)


def test_parse_histogram_is_promtools_exp_samples_histogram() -> None:
    # cmd/promtool/unittest.go reads exp_samples[].histogram with ParseSeriesDesc("{} " + h) and
    # wants exactly one histogram value.
    assert parse_histogram("{{count:2 sum:3}}") == ExpectedHistogram(FloatHistogram(count=2, sum=3), False)
    for text, message in (("{{count:1}}x1", "expected 1 value, got 2"), ("1", "expected histogram, got 1.000000"),
                          ("", "expected 1 value, got 0"), ("stale", "expected histogram, got NaN"),
                          ("_", "expected histogram, got _"), ("-Inf", "expected histogram, got -Inf")):
        with pytest.raises(SeriesNotationError, match=re.escape(message)):
            parse_histogram(text)


# --- every histogram in Prometheus's engine tests -------------------------------------------------


def _promqltest_histogram_lines() -> list[tuple[str, str, bool]]:
    """(file:line, values, is_load) for every line with a ``{{`` in a load block or an eval result."""
    out = []
    for path in sorted(PROMQLTEST.glob("*.test")):
        in_load = False
        for n, raw in enumerate(path.read_text().splitlines(), 1):
            line = raw.strip()
            if not raw[:1].isspace():
                in_load = line.startswith("load")
                continue
            if "{{" not in line or line.startswith("expect"):
                continue
            start = line.index("{{") if line.startswith("{{") or "} " not in line else line.index("} ") + 2
            if not line.startswith("{{"):
                # `metric{a="b"} values` or `metric values`
                m = re.match(r"^(\S*\{[^}]*\}|[a-zA-Z_:][a-zA-Z0-9_:]*)\s+(.*)$", line)
                assert m, line
                start = m.start(2)
            out.append((f"{path.name}:{n}", line[start:], in_load))
    return out


@pytest.mark.parametrize("line", params(_promqltest_histogram_lines() if PROMQLTEST.exists() else [], "promqltest",
                                        ids=lambda x: x[0]))
def test_promqltest_histograms_parse(line: tuple[str, str, bool]) -> None:
    _where, text, is_load = line
    if is_load:
        got = expand_values(text, histograms=True)  # and validate, as Prometheus's TSDB does
        assert any(isinstance(v, FloatHistogram) for v in got)
        assert count_values(text, histograms=True) == len(got)
    else:
        assert any(isinstance(v, ExpectedHistogram) for v in expand_expected(text))
