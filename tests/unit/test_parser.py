"""ruletest's PromQL parser and front layer: the 3.14 syntax promql_parser lacks, feature flags,
2.x mode, positions, duration folding, the printer, and the tables. Expected messages are
Prometheus' own, quoted from its sources (paths under promql/parser/ at v3.14.0 unless said)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from ruletest.errors import PromQLSyntaxError
from ruletest.promql import ast as A
from ruletest.promql import grammar
from ruletest.promql.ast import parse, to_promql
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.front import needs_own_parser
from ruletest.promql.lexer import Tok, line_col, tokenize
from ruletest.promql.parser import ParseOptions, PromQLParseError, parse_promql
from ruletest.promql.storage import Storage
from ruletest.promql.values import Vector
from ruletest.semantics import PROMETHEUS_3, PROMQL_FEATURES

DATA = Path(__file__).parent.parent / "data" / "prometheus_parser"
V3 = ParseOptions(3)
ALL = ParseOptions(3, experimental_functions=True, extended_range_selectors=True, binop_fill_modifiers=True)
ALL_FEATURES = PROMQL_FEATURES
V2 = ParseOptions(2)


def error(text: str, options: ParseOptions = V3) -> str:
    with pytest.raises(PromQLParseError) as info:
        parse(text, options)
    return str(info.value)


# --- printer: printer_test.go TestExprString -------------------------------------------------

PRINTER = json.loads((DATA / "printer_test_3.14.json").read_text())["cases"]
# Constant duration expressions are folded at parse time (ruletest keeps milliseconds), so these
# print their value, not the arithmetic Prometheus keeps until query time.
FOLDED = {"foo offset +(5*2)": "foo offset 10s", "foo offset +min_of(10s, 20s)": "foo offset 10s",
          "foo offset -min_of(10s, 20s)": "foo offset -10s"}


@pytest.mark.parametrize("case", PRINTER, ids=[c["in"] for c in PRINTER])
def test_printer_matches_prometheus(case: dict[str, str]) -> None:
    # TestExprString's parser: duration expressions, extended range selectors, fill modifiers.
    tree = parse(case["in"], ParseOptions(3, extended_range_selectors=True, binop_fill_modifiers=True))
    assert to_promql(tree) == FOLDED.get(case["in"], case["out"])


# --- 3.14 syntax the Rust parser lacks ------------------------------------------------------

def test_duration_arithmetic_is_folded() -> None:
    assert parse("rate(x[5m+1m])", V3) == parse("rate(x[6m])", V3)
    assert parse("x[60*30]", V3) == parse("x[30m]", V3)
    assert parse("x offset (1m*2)", V3) == parse("x offset 2m", V3)
    assert parse("x[5m:(30s*2)]", V3) == parse("x[5m:1m]", V3)
    assert parse("x offset -(5)", V3) == parse("x offset -5s", V3)
    assert parse("foo[max_of(1m, 2m)]", V3) == parse("foo[2m]", V3)


def test_step_and_range_stay_expressions() -> None:
    e = parse("rate(x[step() * 2])", V3)
    assert isinstance(e, A.Call) and isinstance(e.args[0], A.MatrixSelector)
    m = e.args[0]
    assert m.range_ms == 0 and m.range_expr == A.DurationExpr("*", A.DurationExpr("step", None, None),
                                                               A.NumberLiteral(2.0))
    s = parse("x offset -range()", V3)
    assert isinstance(s, A.VectorSelector) and s.offset_expr == A.DurationExpr("-", None, A.DurationExpr("range", None, None))


def test_constant_duration_refused_at_query_time_stays_an_expression() -> None:
    # promql/durations.go refuses a non-positive range when the query runs, not when parsing.
    e = parse("x[1m - 2m]", V3)
    assert isinstance(e, A.MatrixSelector) and e.range_ms == 0 and e.range_expr is not None
    assert to_promql(e) == "x[1m - 2m]"


def test_anchored_and_smoothed_stay_valid_names() -> None:
    # Valid in plain 3.x (prometheus#17352): keywords only after an expression.
    sel = parse('anchored{job="test"}', V3)
    assert isinstance(sel, A.VectorSelector) and sel.name == "anchored"
    agg = parse("sum by (smoothed) (x)", V3)
    assert isinstance(agg, A.Aggregate) and agg.grouping == ("smoothed",)
    assert isinstance(parse("smoothed + anchored", V3), A.Binary)


def test_extended_range_selectors_need_the_feature() -> None:
    # parse.go setAnchored/setSmoothed.
    assert error("rate(x[5m] anchored)") == "1:6: parse error: anchored modifier is experimental and not enabled"
    assert error("rate(x[5m] smoothed)") == "1:6: parse error: smoothed modifier is experimental and not enabled"
    on = ParseOptions(3, extended_range_selectors=True)
    e = parse("rate(x[5m] anchored)", on)
    assert isinstance(e, A.Call) and isinstance(e.args[0], A.MatrixSelector) and e.args[0].selector.anchored
    assert error("x[5m:] anchored", on) == "1:1: parse error: anchored modifier is not supported for subqueries"


def test_fill_modifiers_need_the_feature() -> None:
    # parse.go newBinaryExpression.
    assert error("a + fill(0) b") == "1:1: parse error: binop fill modifiers are experimental and not enabled"
    e = parse("a + fill_left(1) fill_right(2) b", ParseOptions(3, binop_fill_modifiers=True))
    assert isinstance(e, A.Binary) and e.matching is not None
    assert (e.matching.fill_lhs, e.matching.fill_rhs) == (1.0, 2.0)
    # fill is a keyword only before "(" (lex.go lexKeywordOrIdentifier).
    assert isinstance(parse("fill + fill", V3), A.Binary)


def test_trim_operators() -> None:
    e = parse("h >/ 0.5", V3)
    assert isinstance(e, A.Binary) and e.op == ">/" and e.matching is None
    assert isinstance(parse("h </ +Inf", V3), A.Binary)
    assert [t.typ for t in tokenize("a</b")][:3] == [Tok.IDENTIFIER, Tok.TRIM_UPPER, Tok.IDENTIFIER]


def test_negative_at_timestamp() -> None:
    # parse_test.go: "foo @ -100" has Timestamp -100000 (ms).
    e = parse("x @ -100", V3)
    assert isinstance(e, A.VectorSelector) and e.at == A.At("at", -100_000)
    assert to_promql(e) == "x @ -100.000"


def test_experimental_functions_need_the_feature() -> None:
    # generated_parser.y function_call; parse.go newAggregateExpr.
    assert error("sort_by_label(x, \"a\")") == '1:1: parse error: function "sort_by_label" is not enabled'
    assert error("limitk(2, x)") == ("1:1: parse error: limitk() is experimental and must be enabled with "
                                     "--enable-feature=promql-experimental-functions")
    on = ParseOptions(3, experimental_functions=True)
    assert isinstance(parse("sort_by_label(x, \"a\")", on), A.Call)
    assert isinstance(parse("limitk(2, x)", on), A.Aggregate)


def test_bare_version_keeps_experimental_functions_enabled() -> None:
    # The older parse(text, 3) form, until callers pass ParseOptions built from their semantics.
    assert isinstance(parse("mad_over_time(x[5m])", 3), A.Call)


def test_info_accepts_a_selector_matching_the_empty_string() -> None:
    on = ParseOptions(3, experimental_functions=True)
    e = parse('info(x, {data=~".*"})', on)
    assert isinstance(e, A.Call) and e.func == "info"
    # parse.go checkAST: info()'s second argument.
    assert error("info(rate(x[5m]), target_info)", on) == \
        "1:19: parse error: expected label selectors only, got vector selector instead"
    assert error('info(x, {foo="bar"} == 1)', on) == "1:9: parse error: expected label selectors only"


def test_things_promql_parser_accepts_are_refused() -> None:
    # parse_test.go expectations, and the lexer's view of `or` inside braces.
    assert error('x{a="1" or b="2"}') == \
        '1:9: parse error: unexpected identifier "or" in label matching, expected "," or "}"'
    assert error("1e400") == ('1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e400": '
                              "value out of range")
    assert error("foo offset 9.5e10") == "1:12: parse error: duration out of range"
    assert error("rate(+x[5m])") == ('1:6: parse error: unary expression only allowed on expressions of type '
                                     'scalar or instant vector, got "range vector"')


def test_prometheus_wording_for_common_mistakes() -> None:
    # issue 9: "foo +" is "unexpected end of input"; types are "range vector"/"instant vector".
    assert error("foo +") == "1:6: parse error: unexpected end of input"
    assert error("rate(x)") == ('1:6: parse error: expected type range vector in call to function "rate", '
                                "got instant vector")
    assert error("x[5m] + 1") == "1:1: parse error: binary expression must contain only scalar and instant vector types"
    assert error("1 + on(a) x") == "1:1: parse error: vector matching only allowed between instant vectors"
    assert error('sum by ("") (x)') == '1:9: parse error: invalid label name for grouping: ""'
    assert error("{}") == "1:1: parse error: vector selector must contain at least one non-empty matcher"
    assert error('x{a=~"(b"}') == "1:3: parse error: error parsing regexp: missing closing ): `(b`"


def test_errors_on_later_lines_count_lines_and_bytes() -> None:
    # posrange.go StartPosInput: 1-based line, byte column (message as promtool 2.42 prints it).
    assert error("sum(\n  rate(x[5m])\n  +\n)") == '4:1: parse error: unexpected ")" in aggregation'
    assert line_col("é +", 2) == "1:4"  # "é" is two bytes


def test_holt_winters_only_in_2x() -> None:
    assert error("holt_winters(x[5m], 0.1, 0.2)") == '1:1: parse error: unknown function with name "holt_winters"'
    assert isinstance(parse("holt_winters(x[5m], 0.1, 0.2)", V2), A.Call)
    assert error("double_exponential_smoothing(x[5m], 0.1, 0.2)", V2) == \
        '1:1: parse error: unknown function with name "double_exponential_smoothing"'


def test_2x_mode_refuses_3x_syntax_as_promtool_242() -> None:
    # Messages printed by promtool 2.42's "check rules" (see also tests/test_parser_oracle.py).
    assert error("rate(x[5m+1m])", V2) == \
        '1:10: parse error: unexpected <op:+> in subquery or range, expected ":" or "]"'
    assert error('{"my.metric"}', V2) == \
        '1:2: parse error: unexpected string "\\"my.metric"... in label matching, expected identifier or "}"'
    assert error("x > 5m", V2) == '1:5: parse error: unexpected duration "5m"'
    assert error('sum by ("") (x)', V2) == '1:9: parse error: unexpected string "\\"\\"" in grouping opts, expected label'
    assert isinstance(parse("anchored + x", V2), A.Binary)


def test_positions_on_every_node() -> None:
    e = parse('sum by (job) (rate(x{a="b"}[5m])) / 2', V3, positions=True)
    assert isinstance(e, A.Binary) and e.pos == (0, 37)
    assert isinstance(e.lhs, A.Aggregate) and e.lhs.pos == (0, 33)
    call = e.lhs.expr
    assert isinstance(call, A.Call) and call.pos == (14, 32)
    matrix = call.args[0]
    assert isinstance(matrix, A.MatrixSelector) and matrix.pos == (19, 31)
    assert matrix.selector.pos == (19, 27)
    assert e.rhs.pos == (36, 37)


def test_positions_do_not_change_equality() -> None:
    assert parse("a + b", V3, positions=True) == parse("a  +  b", V3)


def test_options_from_feature_names() -> None:
    o = ParseOptions.of(3, ["promql-experimental-functions", "promql-binop-fill-modifiers", "other"])
    assert o == ParseOptions(3, experimental_functions=True, binop_fill_modifiers=True)
    assert ParseOptions.of(2, ["promql-experimental-functions"]) == ParseOptions(2)


def test_errors_are_syntax_errors_with_an_offset() -> None:
    with pytest.raises(PromQLSyntaxError) as info:
        parse("rate(x[5m]", V3)
    assert isinstance(info.value, PromQLParseError)
    assert info.value.offset == 10 and info.value.message == "1:11: parse error: unclosed left parenthesis"


def test_deep_nesting_parses() -> None:
    text = "(" * 3000 + "1" + ")" * 3000
    assert isinstance(parse(text, V3), A.Paren)


def test_prescan_routes_what_promql_parser_gets_wrong() -> None:
    for text in ("x @ -1", "x[5m+1m]", "x offset step()", "a > bool fill(0) b", "x{a=\"\\x41\"}", "+x",
                 "info(x)", "h >/ 1", "anchored", "SUM(x)", "x[300]", "1_000", "0x1f", "# c\nx"):
        assert needs_own_parser(text), text
    for text in ('sum by (job) (rate(x{a="b"}[5m])) > 0.5', "x offset -5m", "a - b", "-x"):
        assert not needs_own_parser(text), text


def test_parse_tables_are_current() -> None:
    # src/ruletest/promql/parse_tables.py is generated from grammar.py: regenerate after edits
    # with `python -m ruletest.promql.grammar`.
    current = (Path(grammar.__file__).with_name("parse_tables.py")).read_text()
    assert current == grammar.render_tables()


def test_rust_panics_never_reach_stderr() -> None:
    # Reading a negative @ timestamp from promql_parser's tree panics inside Rust, which prints
    # the panic to file descriptor 2; the adapter silences that descriptor around Rust calls.
    code = ("from ruletest.promql import pp_adapter\n"
            "from ruletest.promql.parser import ParseOptions\n"
            "try:\n    pp_adapter.parse('x @ -100', ParseOptions(3))\n"
            "except pp_adapter.Reroute:\n    print('rerouted')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "rerouted"
    assert "panicked" not in out.stderr and out.stderr == ""


def test_nan_literal() -> None:
    e = parse("NaN", V3)
    assert isinstance(e, A.NumberLiteral) and math.isnan(e.value)
    assert parse_promql("-Inf", V3) == A.NumberLiteral(-math.inf)


def test_folded_durations_evaluate() -> None:
    engine = Engine(Storage(), EngineOptions(PROMETHEUS_3))
    assert engine.query(parse("rate(x[5m+1m])", V3), 0) == Vector(())


def test_sorting_rule_matchers_keeps_the_new_fields() -> None:
    from ruletest.rules.group import _sort_matchers

    e = parse('rate(x{b="1",a="2"}[5m] anchored) + fill(1) y', ALL, positions=True)
    s = _sort_matchers(e)
    assert isinstance(s, A.Binary) and s.matching is not None and s.matching.fill_lhs == 1.0
    call = s.lhs
    assert isinstance(call, A.Call) and isinstance(call.args[0], A.MatrixSelector)
    sel = call.args[0].selector
    assert sel.anchored and [m.name for m in sel.matchers] == ["__name__", "a", "b"]
    assert s.pos == e.pos and sel.pos is not None


def test_rust_parser_trees_are_checked_against_the_asked_versions_functions() -> None:
    from ruletest.promql import pp_adapter

    assert pp_adapter.parse("histogram_avg(x)", ParseOptions(3)).func == "histogram_avg"  # type: ignore[attr-defined]
    with pytest.raises(pp_adapter.Reroute):
        pp_adapter.parse("histogram_avg(x)", ParseOptions(2))  # added after 2.42
