"""Positions of TOML keys: every key and array element tomllib parses is found, at the line and
column where it is written (checked against the text itself, not against our own output)."""

from __future__ import annotations

import textwrap
import tomllib
from typing import Any

import pytest

from ruletest.tomlpos import TomlPath, key_positions

DOCUMENT = textwrap.dedent('''\
    # a comment [not.a.table]
    title = "x = [1, 2]" # trailing
    "quoted key" = 1
    'literal.key' = 2
    dotted . key = { inner = true, "in ner" = [1, 2] }
    date = 1979-05-27 07:32:00Z
    text = """
    [not.a.table]
    key = "not a key" \\"""
    ""\"""
    raw = \'\'\'
    [still.not]\'\'\'
    [tool.ruletest]
    prometheus = 3
    [ tool . ruletest . lint ]
    disable = [
      "rule/duplicate",  # why
      # a comment line
      "group/size",
    ]
    severity = {"rule/duplicate" = "error"}
    [[servers]]
    name = "a"
    [servers.meta]
    tag = "m"
    [[servers]]
    name = "b"
    escaped = {"a\\u0062" = 1}
    ''')


def _paths(value: Any, prefix: TomlPath = ()) -> list[TomlPath]:
    out: list[TomlPath] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            out.append((*prefix, n))
            out.extend(_paths(v, (*prefix, n)))
    return out


def test_every_parsed_key_and_element_has_a_position() -> None:
    found = key_positions(DOCUMENT)
    missing = [p for p in _paths(tomllib.loads(DOCUMENT)) if p not in found]
    assert missing == []


@pytest.mark.parametrize(("path", "written"), [
    (("title",), 'title = "x'),
    (("quoted key",), '"quoted key"'),
    (("literal.key",), "'literal.key'"),
    (("dotted", "key"), "dotted . key"),
    (("dotted", "key", "inner"), "inner = true"),
    (("dotted", "key", "in ner", 1), "2]"),
    (("date",), "date = 1979"),
    (("raw",), "raw = '''"),
    (("tool", "ruletest"), "[tool.ruletest]"),
    (("tool", "ruletest", "prometheus"), "prometheus = 3"),
    (("tool", "ruletest", "lint"), "[ tool . ruletest . lint ]"),
    (("tool", "ruletest", "lint", "disable"), "disable = ["),
    (("tool", "ruletest", "lint", "disable", 0), '"rule/duplicate",'),
    (("tool", "ruletest", "lint", "disable", 1), '"group/size"'),
    (("tool", "ruletest", "lint", "severity", "rule/duplicate"), '"rule/duplicate" = "error"'),
    (("servers", 0, "name"), 'name = "a"'),
    (("servers", 0, "meta", "tag"), 'tag = "m"'),
    (("servers", 1, "name"), 'name = "b"'),
    (("servers", 1, "escaped", "ab"), '"a\\u0062"'),
])
def test_positions_point_at_what_is_written(path: TomlPath, written: str) -> None:
    line, column = key_positions(DOCUMENT)[path]
    assert DOCUMENT.splitlines()[line - 1][column - 1:].startswith(written)


def test_text_that_is_not_toml_gives_what_was_found() -> None:
    assert key_positions('a = 1\nb = "unterminated\n') == {("a",): (1, 1), ("b",): (2, 1)}
