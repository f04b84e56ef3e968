"""The two parsers behind :func:`ruletest.promql.ast.parse` agree.

promql_parser (Rust) builds the trees of the 3.x expressions it parses, unless the front layer's
pre-scan sends them to ruletest's own parser. Over every expression we have (Prometheus 3.14's
parser tests and engine tests, the realworld corpus, ruletest's own test data, and mutated
expressions), wherever the Rust parser parses an input the pre-scan lets through, ruletest's
parser must parse it to the same tree. Where both parse an input the pre-scan reroutes, trees may
differ only for the reasons listed in KNOWN_DIFFERENCES. Where the Rust parser accepts what
ruletest's parser refuses, the pre-scan must reroute (these are promql_parser's false acceptances:
Prometheus refuses them).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ruletest.promql import pp_adapter
from ruletest.promql.front import needs_own_parser, parse_expression
from ruletest.promql.parser import ParseOptions, PromQLParseError, parse_promql
from tests.corpus import entries
from tests.needs import PROMQLTEST, available, params
from tests.promql_fuzz import mutations, parse_test_inputs
from tests.promqltest import Eval, parse_file

REPO = Path(__file__).resolve().parent.parent
DEFAULT = ParseOptions(3, experimental_functions=True)
# promqltest's parser (promql/promqltest/test.go TestParserOpts): every parser feature.
ALL = ParseOptions(3, experimental_functions=True, extended_range_selectors=True, binop_fill_modifiers=True)

# Inputs both parsers accept with different trees. The front layer reroutes them (string escapes).
KNOWN_DIFFERENCES = {
    # Go keeps "\xff" as one byte (invalid UTF-8); promql_parser decodes it as U+00FF.
    'label_replace(testmetric, "\\xff", "", "src", "(.*)")',
    'count_values("a\\xc5z", version)',
    '"\\a\\b\\f\\n\\r\\t\\v\\\\\\" - \\xFF\\377\\u1234\\U00010111\\U0001011111☺"',
    "'\\a\\b\\f\\n\\r\\t\\v\\\\\\' - \\xFF\\377\\u1234\\U00010111\\U0001011111☺'",
}


def canon(e: Any) -> Any:
    """A tree's compared fields, NaN equal to NaN."""
    if dataclasses.is_dataclass(e) and not isinstance(e, type):
        return (type(e).__name__,
                *((f.name, canon(getattr(e, f.name))) for f in dataclasses.fields(e) if f.compare))
    if isinstance(e, tuple | list):
        return tuple(canon(x) for x in e)
    if isinstance(e, float) and math.isnan(e):
        return "NaN"
    return e


def compare(texts: list[str], options: ParseOptions) -> list[str]:
    """Problems: inputs where the runtime result would differ from ruletest's parser alone."""
    problems = []
    for text in dict.fromkeys(texts):
        try:
            ours: Any = canon(parse_promql(text, options))
        except PromQLParseError:
            ours = None
        try:
            rust: Any = canon(pp_adapter.parse(text, options))
        except pp_adapter.Reroute:
            rust = None
        if rust is None:
            continue
        routed = needs_own_parser(text)
        if ours is None and not routed:
            problems.append(f"promql_parser accepts what Prometheus refuses, not rerouted: {text!r}")
        elif ours is not None and ours != rust and (not routed or text not in KNOWN_DIFFERENCES):
            problems.append(f"different trees ({'rerouted' if routed else 'NOT rerouted'}): {text!r}")
    return problems


def _yaml_exprs(path: Path) -> Iterator[str]:
    try:
        docs = list(yaml.load_all(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except (yaml.YAMLError, UnicodeDecodeError):
        return

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
    for doc in docs:
        yield from walk(doc)


def test_prometheus_parser_test_inputs() -> None:
    # TestParseExpressions' options (the table needs them).
    assert compare(parse_test_inputs(), ParseOptions(3, True, True, False)) == []


def _promqltest_files() -> list[Path]:
    return sorted(PROMQLTEST.glob("*.test")) if available("promqltest") else []


@pytest.mark.parametrize("path", params(_promqltest_files(), "promqltest", ids=lambda p: p.name))
def test_prometheus_engine_test_expressions(path: Path) -> None:
    exprs = [c.expr for c in parse_file(path.read_text()) if isinstance(c, Eval)]
    for text in exprs:
        parse_promql(text, ALL)  # every one of them parses in Prometheus (failures are at evaluation)
    assert compare(exprs, ALL) == []


@pytest.mark.needs("corpus")
def test_realworld_corpus_expressions() -> None:
    paths: set[Path] = set()
    for entry in entries():
        paths.add(entry.path)
        paths.update(entry.path.parent.glob("*.y*ml"))
    texts = [text for path in sorted(paths) for text in _yaml_exprs(path)]
    assert len(texts) > 1000
    assert compare(texts, DEFAULT) == []


def test_ruletest_own_test_data() -> None:
    texts: list[str] = []
    for pattern in ("fixtures/**/*.yml", "rules/**/*.yml", "tests/data/**/*.yml", "tests/data/**/*.yaml"):
        for path in REPO.glob(pattern):
            texts.extend(_yaml_exprs(path))
    # (Prometheus' engine-test expressions, once copied here, are checked from ../shared above.)
    assert len(texts) >= 50
    assert compare(texts, DEFAULT) == []


def test_mutated_expressions(capfd: pytest.CaptureFixture[str]) -> None:
    texts = mutations(parse_test_inputs(), 1500, seed=1234)
    assert compare(texts, DEFAULT) == []
    # The runtime path (pre-scan, Rust parser, fallback) answers as ruletest's parser alone does.
    for text in texts:
        try:
            runtime: Any = canon(parse_expression(text, DEFAULT, False))
        except PromQLParseError as exc:
            runtime = str(exc)
        try:
            alone: Any = canon(parse_promql(text, DEFAULT))
        except PromQLParseError as exc:
            alone = str(exc)
        assert runtime == alone, text
    # Inputs such as "x @ -5" make the Rust parser panic; nothing of it reaches stderr.
    assert "panicked" not in capfd.readouterr().err
