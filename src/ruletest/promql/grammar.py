"""The PromQL grammars of Prometheus 3.14 and 2.42, in the rule order of their
``promql/parser/generated_parser.y`` (rule order and token order decide conflicts and default
reductions, hence error messages). Actions are named; :mod:`ruletest.promql.parser` implements
them. Series descriptions are part of the grammar only because they shape the parse tables.

:mod:`ruletest.promql.parse_tables` holds the tables built from these grammars; after an edit,
regenerate it with ``python -m ruletest.promql.grammar`` (a test fails while they differ).
"""

from __future__ import annotations

from pathlib import Path

from ruletest.promql import lalr
from ruletest.promql.lexer import Tok

_NEW_IN_3 = frozenset({
    "OPEN_HIST", "CLOSE_HIST", "histogramDescStart", "SUM_DESC", "COUNT_DESC", "SCHEMA_DESC", "OFFSET_DESC",
    "NEGATIVE_OFFSET_DESC", "BUCKETS_DESC", "NEGATIVE_BUCKETS_DESC", "ZERO_BUCKET_DESC", "ZERO_BUCKET_WIDTH_DESC",
    "CUSTOM_VALUES_DESC", "COUNTER_RESET_HINT_DESC", "histogramDescEnd", "TRIM_UPPER", "TRIM_LOWER", "LIMITK",
    "LIMIT_RATIO", "FILL", "FILL_LEFT", "FILL_RIGHT", "SMOOTHED", "ANCHORED", "STEP", "RANGE", "MAX_OF", "MIN_OF",
    "counterResetHintsStart", "UNKNOWN_COUNTER_RESET", "COUNTER_RESET", "NOT_COUNTER_RESET", "GAUGE_TYPE",
    "counterResetHintsEnd",
})
TOKENS_3 = " ".join(t.name for t in Tok if t >= Tok.EQL)
TOKENS_2 = " ".join(t.name for t in Tok if t >= Tok.EQL and t.name not in _NEW_IN_3)

_BINARY_OPS_3 = "ADD ATAN2 DIV EQLC GTE GTR TRIM_UPPER TRIM_LOWER LAND LOR LSS LTE LUNLESS MOD MUL NEQ POW SUB"
_BINARY_OPS_2 = "ADD ATAN2 DIV EQLC GTE GTR LAND LOR LSS LTE LUNLESS MOD MUL NEQ POW SUB"


def _alternatives(lhs: str, symbols: str, action: str | None = None) -> str:
    suffix = f" => {action}" if action else ""
    names = symbols.split()
    return f"{lhs}: {names[0]}{suffix}\n" + "".join(f"| {s}{suffix}\n" for s in names[1:])


def _binary(ops: str) -> str:
    names = ops.split()
    return (f"binary_expr: expr {names[0]} bin_modifier expr => binary_expr\n"
            + "".join(f"| expr {op} bin_modifier expr => binary_expr\n" for op in names[1:]))


GRAMMAR_3 = f"""
%token {TOKENS_3}
%left LOR
%left LAND LUNLESS
%left EQLC GTE GTR LSS LTE NEQ TRIM_UPPER TRIM_LOWER
%left ADD SUB
%left MUL DIV MOD ATAN2
%right POW
%nonassoc OFFSET
%right LEFT_BRACKET

start: START_METRIC metric => result_2
| START_SERIES_DESCRIPTION series_description
| START_EXPRESSION EOF => no_expression
| START_EXPRESSION expr => result_2
| START_METRIC_SELECTOR vector_selector => result_2
| start EOF
| error => unexpected_anywhere

{_alternatives("expr", "aggregate_expr binary_expr function_call matrix_selector number_duration_literal "
               "offset_expr anchored_expr smoothed_expr paren_expr string_literal subquery_expr unary_expr "
               "vector_selector step_invariant_expr duration_expr")}
aggregate_expr: aggregate_op aggregate_modifier function_call_body => aggregate_modifier_first
| aggregate_op function_call_body aggregate_modifier => aggregate_modifier_last
| aggregate_op function_call_body => aggregate_plain
| aggregate_op error => aggregate_error

aggregate_modifier: BY grouping_labels => aggregate_by
| WITHOUT grouping_labels => aggregate_without

{_binary(_BINARY_OPS_3)}
bin_modifier: fill_modifiers

bool_modifier: => bool_none
| BOOL => bool_bool

on_or_ignoring: bool_modifier IGNORING grouping_labels => ignoring
| bool_modifier ON grouping_labels => on

group_modifiers: bool_modifier
| on_or_ignoring
| on_or_ignoring GROUP_LEFT maybe_grouping_labels => group_left
| on_or_ignoring GROUP_RIGHT maybe_grouping_labels => group_right

fill_modifiers: group_modifiers
| group_modifiers FILL fill_value => fill_both
| group_modifiers FILL_LEFT fill_value => fill_left
| group_modifiers FILL_RIGHT fill_value => fill_right
| group_modifiers FILL_LEFT fill_value FILL_RIGHT fill_value => fill_left_right
| group_modifiers FILL_RIGHT fill_value FILL_LEFT fill_value => fill_right_left

grouping_labels: LEFT_PAREN grouping_label_list RIGHT_PAREN => value_2
| LEFT_PAREN grouping_label_list COMMA RIGHT_PAREN => value_2
| LEFT_PAREN RIGHT_PAREN => empty_labels
| error => grouping_labels_error

grouping_label_list: grouping_label_list COMMA grouping_label => append_label
| grouping_label => label_list
| grouping_label_list error => grouping_label_list_error

grouping_label: maybe_label => grouping_label
| STRING => grouping_label_string
| error => grouping_label_error

fill_value: LEFT_PAREN number_duration_literal RIGHT_PAREN => value_2
| LEFT_PAREN unary_op number_duration_literal RIGHT_PAREN => fill_value_signed

function_call: IDENTIFIER function_call_body => function_call
| at_modifier_preprocessors function_call_body => function_call
| STEP function_call_body => function_call
| RANGE function_call_body => function_call
| max_of_min_of function_call_body => function_call

function_call_body: LEFT_PAREN function_call_args RIGHT_PAREN => value_2
| LEFT_PAREN RIGHT_PAREN => empty_args

function_call_args: function_call_args COMMA expr => append_arg
| expr => arg_list
| function_call_args COMMA => trailing_comma

paren_expr: LEFT_PAREN expr RIGHT_PAREN => paren_expr

positive_duration_expr: duration_expr => positive_duration

offset_expr: expr OFFSET offset_duration_expr => offset
| expr OFFSET error => offset_error

anchored_expr: expr ANCHORED => anchored

smoothed_expr: expr SMOOTHED => smoothed

step_invariant_expr: expr AT signed_or_unsigned_number => at_timestamp
| expr AT at_modifier_preprocessors LEFT_PAREN RIGHT_PAREN => at_preprocessor
| expr AT error => at_error

at_modifier_preprocessors: START
| END_KW

matrix_selector: expr LEFT_BRACKET positive_duration_expr RIGHT_BRACKET => matrix_selector

subquery_expr: expr LEFT_BRACKET positive_duration_expr COLON positive_duration_expr RIGHT_BRACKET => subquery_step
| expr LEFT_BRACKET positive_duration_expr COLON RIGHT_BRACKET => subquery
| expr LEFT_BRACKET positive_duration_expr COLON positive_duration_expr error => subquery_error_close
| expr LEFT_BRACKET positive_duration_expr COLON error => subquery_error_step
| expr LEFT_BRACKET positive_duration_expr error => subquery_error_colon
| expr LEFT_BRACKET error => subquery_error_range

unary_expr: unary_op expr %prec MUL => unary_expr

vector_selector: metric_identifier label_matchers => selector_name_matchers
| metric_identifier => selector_name
| label_matchers => selector_matchers

label_matchers: LEFT_BRACE label_match_list RIGHT_BRACE => label_matchers
| LEFT_BRACE label_match_list COMMA RIGHT_BRACE => label_matchers_comma
| LEFT_BRACE RIGHT_BRACE => label_matchers_empty

label_match_list: label_match_list COMMA label_matcher => append_matcher
| label_matcher => matcher_list
| label_match_list error => label_match_list_error

label_matcher: IDENTIFIER match_op STRING => label_matcher
| string_identifier match_op STRING => label_matcher
| string_identifier => metric_name_matcher
| string_identifier match_op error => label_matcher_error_string
| IDENTIFIER match_op error => label_matcher_error_string
| IDENTIFIER error => label_matcher_error_op
| error => label_matcher_error

metric: metric_identifier label_set
| label_set

{_alternatives("metric_identifier", "AVG BOTTOMK BY COUNT COUNT_VALUES FILL FILL_LEFT FILL_RIGHT GROUP IDENTIFIER "
               "LAND LOR LUNLESS MAX METRIC_IDENTIFIER MIN OFFSET QUANTILE STDDEV STDVAR SUM TOPK WITHOUT START "
               "END_KW LIMITK LIMIT_RATIO STEP RANGE ANCHORED SMOOTHED MAX_OF MIN_OF")}
label_set: LEFT_BRACE label_set_list RIGHT_BRACE
| LEFT_BRACE label_set_list COMMA RIGHT_BRACE
| LEFT_BRACE RIGHT_BRACE
| => nothing

label_set_list: label_set_list COMMA label_set_item
| label_set_item
| label_set_list error => nothing

label_set_item: IDENTIFIER EQL STRING
| string_identifier EQL STRING
| string_identifier
| IDENTIFIER EQL error => nothing
| string_identifier EQL error => nothing
| IDENTIFIER error => nothing
| error => nothing

series_description: metric series_values

series_values: => nothing
| series_values SPACE series_item
| series_values SPACE
| error => nothing

series_item: BLANK
| BLANK TIMES uint
| series_value
| series_value TIMES uint
| series_value signed_number TIMES uint
| histogram_series_value
| histogram_series_value TIMES uint
| histogram_series_value ADD histogram_series_value TIMES uint
| histogram_series_value SUB histogram_series_value TIMES uint

series_value: IDENTIFIER
| number
| signed_number

histogram_series_value: OPEN_HIST histogram_desc_map SPACE CLOSE_HIST
| OPEN_HIST histogram_desc_map CLOSE_HIST
| OPEN_HIST SPACE CLOSE_HIST
| OPEN_HIST CLOSE_HIST

histogram_desc_map: histogram_desc_map SPACE histogram_desc_item
| histogram_desc_item
| histogram_desc_map error => nothing

histogram_desc_item: SCHEMA_DESC COLON int
| SUM_DESC COLON signed_or_unsigned_number
| COUNT_DESC COLON signed_or_unsigned_number
| ZERO_BUCKET_DESC COLON signed_or_unsigned_number
| ZERO_BUCKET_WIDTH_DESC COLON number
| CUSTOM_VALUES_DESC COLON bucket_set
| BUCKETS_DESC COLON bucket_set
| OFFSET_DESC COLON int
| NEGATIVE_BUCKETS_DESC COLON bucket_set
| NEGATIVE_OFFSET_DESC COLON int
| COUNTER_RESET_HINT_DESC COLON counter_reset_hint

bucket_set: LEFT_BRACKET bucket_set_list SPACE RIGHT_BRACKET
| LEFT_BRACKET bucket_set_list RIGHT_BRACKET

bucket_set_list: bucket_set_list SPACE signed_or_unsigned_number
| signed_or_unsigned_number
| bucket_set_list error

{_alternatives("counter_reset_hint", "UNKNOWN_COUNTER_RESET COUNTER_RESET NOT_COUNTER_RESET GAUGE_TYPE")}
{_alternatives("aggregate_op", "AVG BOTTOMK COUNT COUNT_VALUES GROUP MAX MIN QUANTILE STDDEV STDVAR SUM TOPK "
               "LIMITK LIMIT_RATIO")}
{_alternatives("maybe_label", "AVG BOOL BOTTOMK BY COUNT COUNT_VALUES GROUP GROUP_LEFT GROUP_RIGHT FILL FILL_LEFT "
               "FILL_RIGHT IDENTIFIER IGNORING LAND LOR LUNLESS MAX METRIC_IDENTIFIER MIN OFFSET ON QUANTILE "
               "STDDEV STDVAR SUM TOPK START END_KW ATAN2 LIMITK LIMIT_RATIO STEP RANGE ANCHORED SMOOTHED "
               "MAX_OF MIN_OF")}
{_alternatives("unary_op", "ADD SUB")}
{_alternatives("match_op", "EQL NEQ EQL_REGEX NEQ_REGEX")}
number_duration_literal: NUMBER => number_literal
| DURATION => duration_literal

number: NUMBER => number
| DURATION => duration_number

signed_number: ADD number => value_2
| SUB number => negate_2

signed_or_unsigned_number: number
| signed_number

uint: NUMBER => nothing

int: SUB uint => nothing
| uint => nothing

string_literal: STRING => string_literal

string_identifier: STRING => string_identifier

maybe_grouping_labels: => nothing
| grouping_labels

offset_duration_expr: number_duration_literal => duration_in_range
| unary_op number_duration_literal => signed_duration_literal
| STEP LEFT_PAREN RIGHT_PAREN => duration_step
| RANGE LEFT_PAREN RIGHT_PAREN => duration_range
| unary_op STEP LEFT_PAREN RIGHT_PAREN => signed_duration_step
| unary_op RANGE LEFT_PAREN RIGHT_PAREN => signed_duration_range
| max_of_min_of LEFT_PAREN duration_expr COMMA duration_expr RIGHT_PAREN => duration_min_max
| unary_op max_of_min_of LEFT_PAREN duration_expr COMMA duration_expr RIGHT_PAREN => signed_duration_min_max
| unary_op LEFT_PAREN duration_expr RIGHT_PAREN %prec MUL => signed_paren_duration
| duration_expr

max_of_min_of: MAX_OF
| MIN_OF

duration_expr: number_duration_literal => duration_in_range
| unary_op duration_expr %prec MUL => unary_duration
| duration_expr ADD duration_expr => duration_binary
| duration_expr SUB duration_expr => duration_binary
| duration_expr MUL duration_expr => duration_binary
| duration_expr DIV duration_expr => duration_div
| duration_expr MOD duration_expr => duration_mod
| duration_expr POW duration_expr => duration_binary
| STEP LEFT_PAREN RIGHT_PAREN => duration_step
| RANGE LEFT_PAREN RIGHT_PAREN => duration_range
| max_of_min_of LEFT_PAREN duration_expr COMMA duration_expr RIGHT_PAREN => duration_min_max
| paren_duration_expr

paren_duration_expr: LEFT_PAREN duration_expr RIGHT_PAREN => paren_duration
"""


GRAMMAR_2 = f"""
%token {TOKENS_2}
%left LOR
%left LAND LUNLESS
%left EQLC GTE GTR LSS LTE NEQ
%left ADD SUB
%left MUL DIV MOD ATAN2
%right POW
%nonassoc OFFSET
%right LEFT_BRACKET

start: START_METRIC metric => result_2
| START_SERIES_DESCRIPTION series_description
| START_EXPRESSION EOF => no_expression
| START_EXPRESSION expr => result_2
| START_METRIC_SELECTOR vector_selector => result_2
| start EOF
| error => unexpected_anywhere

{_alternatives("expr", "aggregate_expr binary_expr function_call matrix_selector number_literal offset_expr "
               "paren_expr string_literal subquery_expr unary_expr vector_selector step_invariant_expr")}
aggregate_expr: aggregate_op aggregate_modifier function_call_body => aggregate_modifier_first
| aggregate_op function_call_body aggregate_modifier => aggregate_modifier_last
| aggregate_op function_call_body => aggregate_plain
| aggregate_op error => aggregate_error

aggregate_modifier: BY grouping_labels => aggregate_by
| WITHOUT grouping_labels => aggregate_without

{_binary(_BINARY_OPS_2)}
bin_modifier: group_modifiers

bool_modifier: => bool_none
| BOOL => bool_bool

on_or_ignoring: bool_modifier IGNORING grouping_labels => ignoring
| bool_modifier ON grouping_labels => on

group_modifiers: bool_modifier
| on_or_ignoring
| on_or_ignoring GROUP_LEFT maybe_grouping_labels => group_left
| on_or_ignoring GROUP_RIGHT maybe_grouping_labels => group_right

grouping_labels: LEFT_PAREN grouping_label_list RIGHT_PAREN => value_2
| LEFT_PAREN grouping_label_list COMMA RIGHT_PAREN => value_2
| LEFT_PAREN RIGHT_PAREN => empty_labels
| error => grouping_labels_error

grouping_label_list: grouping_label_list COMMA grouping_label => append_label
| grouping_label => label_list
| grouping_label_list error => grouping_label_list_error

grouping_label: maybe_label => grouping_label_2
| error => grouping_label_error

function_call: IDENTIFIER function_call_body => function_call

function_call_body: LEFT_PAREN function_call_args RIGHT_PAREN => value_2
| LEFT_PAREN RIGHT_PAREN => empty_args

function_call_args: function_call_args COMMA expr => append_arg
| expr => arg_list
| function_call_args COMMA => trailing_comma

paren_expr: LEFT_PAREN expr RIGHT_PAREN => paren_expr

offset_expr: expr OFFSET duration => offset_2
| expr OFFSET SUB duration => offset_negative_2
| expr OFFSET error => offset_error_2

step_invariant_expr: expr AT signed_or_unsigned_number => at_timestamp
| expr AT at_modifier_preprocessors LEFT_PAREN RIGHT_PAREN => at_preprocessor
| expr AT error => at_error

at_modifier_preprocessors: START
| END_KW

matrix_selector: expr LEFT_BRACKET duration RIGHT_BRACKET => matrix_selector_2

subquery_expr: expr LEFT_BRACKET duration COLON maybe_duration RIGHT_BRACKET => subquery_2
| expr LEFT_BRACKET duration COLON duration error => subquery_error_close
| expr LEFT_BRACKET duration COLON error => subquery_error_step_2
| expr LEFT_BRACKET duration error => subquery_error_colon
| expr LEFT_BRACKET error => subquery_error_range_2

unary_expr: unary_op expr %prec MUL => unary_expr

vector_selector: metric_identifier label_matchers => selector_name_matchers
| metric_identifier => selector_name
| label_matchers => selector_matchers

label_matchers: LEFT_BRACE label_match_list RIGHT_BRACE => label_matchers
| LEFT_BRACE label_match_list COMMA RIGHT_BRACE => label_matchers_comma
| LEFT_BRACE RIGHT_BRACE => label_matchers_empty

label_match_list: label_match_list COMMA label_matcher => append_matcher
| label_matcher => matcher_list
| label_match_list error => label_match_list_error

label_matcher: IDENTIFIER match_op STRING => label_matcher
| IDENTIFIER match_op error => label_matcher_error_string
| IDENTIFIER error => label_matcher_error_op
| error => label_matcher_error

metric: metric_identifier label_set
| label_set

{_alternatives("metric_identifier", "AVG BOTTOMK BY COUNT COUNT_VALUES GROUP IDENTIFIER LAND LOR LUNLESS MAX "
               "METRIC_IDENTIFIER MIN OFFSET QUANTILE STDDEV STDVAR SUM TOPK WITHOUT START END_KW")}
label_set: LEFT_BRACE label_set_list RIGHT_BRACE
| LEFT_BRACE label_set_list COMMA RIGHT_BRACE
| LEFT_BRACE RIGHT_BRACE
| => nothing

label_set_list: label_set_list COMMA label_set_item
| label_set_item
| label_set_list error => nothing

label_set_item: IDENTIFIER EQL STRING
| IDENTIFIER EQL error => nothing
| IDENTIFIER error => nothing
| error => nothing

series_description: metric series_values

series_values: => nothing
| series_values SPACE series_item
| series_values SPACE
| error => nothing

series_item: BLANK
| BLANK TIMES uint
| series_value
| series_value TIMES uint
| series_value signed_number TIMES uint

series_value: IDENTIFIER
| number
| signed_number

{_alternatives("aggregate_op", "AVG BOTTOMK COUNT COUNT_VALUES GROUP MAX MIN QUANTILE STDDEV STDVAR SUM TOPK")}
{_alternatives("maybe_label", "AVG BOOL BOTTOMK BY COUNT COUNT_VALUES GROUP GROUP_LEFT GROUP_RIGHT IDENTIFIER "
               "IGNORING LAND LOR LUNLESS MAX METRIC_IDENTIFIER MIN OFFSET ON QUANTILE STDDEV STDVAR SUM TOPK "
               "START END_KW ATAN2")}
{_alternatives("unary_op", "ADD SUB")}
{_alternatives("match_op", "EQL NEQ EQL_REGEX NEQ_REGEX")}
number_literal: NUMBER => number_literal

number: NUMBER => number

signed_number: ADD number => value_2
| SUB number => negate_2

signed_or_unsigned_number: number
| signed_number

uint: NUMBER => nothing

duration: DURATION => duration_2

string_literal: STRING => string_literal

maybe_duration: => zero
| duration

maybe_grouping_labels: => nothing
| grouping_labels
"""


def grammar(version: int) -> lalr.Grammar:
    return lalr.read_grammar(GRAMMAR_3 if version >= 3 else GRAMMAR_2, "start")


def render_tables() -> str:
    """The source of :mod:`ruletest.promql.parse_tables` (building tables takes a few hundred
    milliseconds; loading them, a few)."""
    lines = [
        '"""Generated by ``python -m ruletest.promql.grammar`` from :mod:`ruletest.promql.grammar`; do',
        "not edit. Per Prometheus major version: the rules (lhs index, length, action), and per state",
        "the shifts, gotos, default action and exceptions (see :class:`ruletest.promql.lalr.Tables`).",
        'Tokens are :class:`ruletest.promql.lexer.Tok` values."""',
        "",
        "# fmt: off",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "TABLES: dict[int, dict[str, Any]] = {}",
    ]
    for version in (3, 2):
        t = lalr.build(grammar(version))
        nonterminals = sorted({r.lhs for r in t.rules})
        index = {n: i for i, n in enumerate(nonterminals)}

        def tok(name: str) -> int:
            if name == lalr.END:
                return int(Tok.END)
            if name == lalr.ERROR:
                return int(Tok.ERRTOK)
            return int(Tok[name])

        data = {
            "rules": [(index[r.lhs], len(r.rhs), r.action) for r in t.rules],
            "shifts": [{tok(k): v for k, v in s.items()} for s in t.shifts],
            "gotos": [{index[k]: v for k, v in g.items()} for g in t.gotos],
            "defaults": list(t.default),
            "exceptions": [{tok(k): v for k, v in e.items()} for e in t.exceptions],
            "exception_defaults": list(t.exception_default),
        }
        lines.append(f"TABLES[{version}] = {{")
        for key, value in data.items():
            lines.append(f"    {key!r}: {value!r},")
        lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    target = Path(__file__).with_name("parse_tables.py")
    target.write_text(render_tables())
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
