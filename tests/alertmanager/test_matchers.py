"""Matchers: the classic parser (the only one in 0.25), the UTF-8 parser of 0.27+ and the
fallback between them. Expected values are Alertmanager's own test tables
(tests/data/alertmanager/utf8_matcher_cases.json, from matcher/parse/parse_test.go) and the facts
verified against amtool 0.25 in the reference (shared/reference/alertmanager.md §1.4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ruletest.alertmanager.matchers import (
    Matcher,
    MatcherError,
    Matchers,
    parse_matcher,
    parse_matcher_classic,
    parse_matcher_utf8,
    parse_matchers,
    parse_matchers_classic,
    parse_matchers_utf8,
)
from ruletest.alertmanager.version import Version

CASES = json.loads((Path(__file__).parents[1] / "data" / "alertmanager" / "utf8_matcher_cases.json").read_text())


def _triples(ms: list[Matcher]) -> list[list[str]]:
    return [[m.op, m.name, m.value] for m in ms]


@pytest.mark.parametrize("case", CASES["TestMatchers"], ids=lambda c: c["name"])
def test_utf8_matchers_table(case: dict[str, object]) -> None:
    if "error" in case:
        with pytest.raises(MatcherError) as exc:
            parse_matchers_utf8(str(case["input"]))
        assert exc.value.message == case["error"]
    else:
        assert _triples(parse_matchers_utf8(str(case["input"]))) == case["expected"]


@pytest.mark.parametrize("case", CASES["TestMatcher"], ids=lambda c: c["name"])
def test_utf8_single_matcher_table(case: dict[str, object]) -> None:
    if "error" in case:
        with pytest.raises(MatcherError) as exc:
            parse_matcher_utf8(str(case["input"]))
        assert exc.value.message == case["error"]
    else:
        assert _triples([parse_matcher_utf8(str(case["input"]))]) == case["expected"]


@pytest.mark.parametrize(("text", "expected"), [
    ("{a=b", [["=", "a", "b"]]),  # braces are trimmed independently (verified)
    ("a=b}", [["=", "a", "b"]]),
    ('foo=~\\d+', [["=~", "foo", "\\d+"]]),  # a spurious escape keeps its backslash
    ('foo=~"\\d+"', [["=~", "foo", "\\d+"]]),
    ("foo=bar baz", [["=", "foo", "bar baz"]]),
    ("foo=", [["=", "foo", ""]]),
    ("foo=~=x", [["=~", "foo", "=x"]]),
    ('a="x,y",b!=z , ', [["=", "a", "x,y"], ["!=", "b", "z"]]),  # trailing comma and spaces ignored
    ('a="\\"q\\"\\n"', [["=", "a", '"q"\n']]),
    ("a:b=c", [["=", "a:b", "c"]]),  # ':' is allowed in classic names
])
def test_classic_parser(text: str, expected: list[list[str]]) -> None:
    assert _triples(parse_matchers_classic(text)) == expected


@pytest.mark.parametrize(("text", "error"), [
    ("a=b,,c=d", "bad matcher format: "),
    ('foo=="x"', 'matcher value contains unescaped double quote: ="x"'),
    ('foo="x', 'matcher value contains unescaped double quote: "x'),
    ("1a=b", "bad matcher format: 1a=b"),
    ("a=~(", "error parsing regexp: missing closing ): `^(?:()$`"),
])
def test_classic_parser_errors(text: str, error: str) -> None:
    with pytest.raises(MatcherError) as exc:
        parse_matchers_classic(text)
    assert exc.value.message == error


def test_matcher_string_and_order() -> None:
    ms = Matchers.of([Matcher.new("=~", "b", "x"), Matcher.new("!=", "a", 'q"\n\\'), Matcher.new("=", "a", "q")])
    # Sorted by name, value, then type; only \, newline and " are escaped (openMetricsEscape).
    assert ms.to_string(Version(0, 25)) == '{a="q",a!="q\\"\\n\\\\",b=~"x"}'
    # 0.27+: a name with a reserved character is quoted with strconv.Quote, value too.
    assert Matcher.new("=", "foo bar", "é\t").to_string(Version(0, 27)) == '"foo bar"="é\\t"'
    assert Matcher.new("=", "foo bar", "é\t").to_string(Version(0, 25)) == 'foo bar="é\t"'


def test_regex_matchers_are_anchored_and_dot_excludes_newline() -> None:
    m = Matcher.new("=~", "a", "b.")
    assert m.matches("bx") and not m.matches("xbx") and not m.matches("b\n")


def test_fallback_mode_prefers_classic_and_reports_incompatible_input() -> None:
    # \d is not a valid escape for the UTF-8 parser: classic wins, and the input is reported.
    parsed = parse_matchers('foo=~"\\d+"', "fallback")
    assert _triples(list(parsed.matchers)) == [["=~", "foo", "\\d+"]]
    assert parsed.incompatible is not None and "invalid input" in parsed.incompatible
    assert parsed.suggestion == 'foo=~"\\\\d+"'
    # Valid only for the UTF-8 parser (a quoted name): used in fallback mode, refused in classic.
    assert _triples(list(parse_matchers('"foo bar"=x', "fallback").matchers)) == [["=", "foo bar", "x"]]
    with pytest.raises(MatcherError):
        parse_matchers('"foo bar"=x', "classic")
    assert parse_matchers("a=b", "classic").incompatible is None


def test_single_matcher_modes() -> None:
    # ParseMatcher (one matcher, amtool's label arguments) does not trim braces (verified).
    with pytest.raises(MatcherError, match=r"bad matcher format: \{a=b\}"):
        parse_matcher_classic("{a=b}")
    with pytest.raises(MatcherError, match="unexpected open or close brace"):
        parse_matcher("{a=b}", "fallback")
    assert parse_matcher("a=b", "utf8").value == "b"
