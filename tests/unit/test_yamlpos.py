"""Positions of scalar characters in their YAML file, for every scalar style. Each document holds
one ``X`` in its ``expr`` value; the expected position is where ``X`` is in the source text."""

from __future__ import annotations

import pytest
from yaml.nodes import MappingNode, Node, ScalarNode

from ruletest.yamlnodes import parse_source
from ruletest.yamlpos import scalar_position

DOCS = [
    "expr: foo + bar X baz\n",
    'expr: "foo + \\"q\\" X"\n',
    "expr: 'it''s X'\n",
    "expr: |\n  sum(\n    rate(x[5m])\n  ) X\n",
    "expr: |-\n  a\n\n  b X\n",
    "expr: >\n  sum(rate(x[5m]))\n  / on() X\n",
    "expr: >-\n  a\n    more\n  b X\n\n",
    "expr: |+\n  a\n\n  X\n\n",
    "expr: foo\n  + bar\n\n  X baz\n",
    'expr: "a\\\n   X b"\n',
    'k:\n  - expr: "é é X"\n',
    'expr: "foo\\r\\n  X"\n',
    "expr: 'a\n\n   X'\n",
    "groups:\n  - rules:\n      - expr: |\n          up == 0\n            and X\n",
    "expr: |  # a comment\n  a X\n",
]


def _expr_node(node: Node) -> ScalarNode:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.value == "expr":
                assert isinstance(value, ScalarNode)
                return value
            found = _find(value)
            if found is not None:
                return found
    found = _find(node)
    assert found is not None
    return found


def _find(node: Node) -> ScalarNode | None:
    children = node.value if isinstance(node.value, list) else []
    for child in children:
        for n in child if isinstance(child, tuple) else (child,):
            if isinstance(n, MappingNode):
                for key, value in n.value:
                    if key.value == "expr":
                        return value  # type: ignore[no-any-return]
            found = _find(n)
            if found is not None:
                return found
    return None


@pytest.mark.parametrize("text", DOCS)
def test_marker_position(text: str) -> None:
    node = _expr_node(parse_source(text, "f.yml").documents()[0])
    line, col = scalar_position(text, node, node.value.index("X"))
    source_line = text.splitlines()[line - 1]
    assert source_line[col - 1] == "X"
    assert [i for i, ln in enumerate(text.splitlines(), 1) if "X" in ln] == [line]


def test_end_of_value_is_just_after_its_last_character() -> None:
    text = "expr: 'foo + '\n"
    node = _expr_node(parse_source(text, "f.yml").documents()[0])
    assert scalar_position(text, node, len(node.value)) == (1, 14)  # the closing quote


def test_unhandled_styles_fall_back_to_the_scalar_start() -> None:
    # An explicit indentation indicator is not rebuilt: the start of the scalar, never a guess.
    text = "expr: |2\n    a X\n"
    node = _expr_node(parse_source(text, "f.yml").documents()[0])
    assert scalar_position(text, node, node.value.index("X")) == (1, 7)
