"""JSON with positions: the parsed value plus the line where every value starts and ends, keyed by
its path (``("panels", 0, "targets", 1, "expr")``), so findings in a JSON file get a real
``file:line``. The standard ``json`` module keeps no positions."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

from ruletest.errors import RuletestError

JsonPath = tuple[str | int, ...]

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class JsonError(RuletestError):
    """Text that is not valid JSON (RFC 8259), with the line and column of the problem."""


@dataclass(frozen=True)
class JsonDocument:
    value: Any
    starts: dict[JsonPath, int]  # path -> line where the value starts (for members: the key's line)
    ends: dict[JsonPath, int]  # path -> line where the value ends

    def line(self, path: JsonPath) -> int | None:
        return self.starts.get(path)

    def span(self, path: JsonPath) -> tuple[int, int] | None:
        start = self.starts.get(path)
        end = self.ends.get(path)
        return None if start is None or end is None else (start, end)


class _Parser:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.newlines = [i for i, c in enumerate(text) if c == "\n"]
        self.starts: dict[JsonPath, int] = {}
        self.ends: dict[JsonPath, int] = {}

    def line_of(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def fail(self, pos: int, what: str) -> JsonError:
        line = self.line_of(pos)
        column = pos - (self.newlines[line - 2] if line > 1 else -1)
        return JsonError(f"invalid JSON: {what}", file=self.file, line=line, column=column)

    def skip(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        assert m is not None  # the pattern matches the empty string
        return m.end()

    def value(self, pos: int, path: JsonPath, key_line: int | None) -> tuple[Any, int]:
        pos = self.skip(pos)
        if pos >= len(self.text):
            raise self.fail(pos, "unexpected end of text")
        self.starts[path] = key_line if key_line is not None else self.line_of(pos)
        c = self.text[pos]
        out: Any
        if c == "{":
            out, end = self.obj(pos + 1, path)
        elif c == "[":
            out, end = self.array(pos + 1, path)
        elif c == '"':
            out, end = self.string(pos)
        else:
            m = _NUMBER.match(self.text, pos)
            if m and m.end() > pos:
                token = m.group(0)
                out, end = (float(token) if any(ch in token for ch in ".eE") else int(token)), m.end()
            else:
                for word, literal in _LITERALS.items():
                    if self.text.startswith(word, pos):
                        out, end = literal, pos + len(word)
                        break
                else:
                    raise self.fail(pos, f"unexpected character {c!r}")
        self.ends[path] = self.line_of(max(end - 1, pos))
        return out, end

    def string(self, pos: int) -> tuple[str, int]:
        m = _STRING.match(self.text, pos)
        if m is None:
            raise self.fail(pos, "unterminated string or invalid escape")
        token = m.group(0)
        return (json.loads(token) if "\\" in token else token[1:-1]), m.end()

    def obj(self, pos: int, path: JsonPath) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        pos = self.skip(pos)
        if self.text.startswith("}", pos):
            return out, pos + 1
        while True:
            pos = self.skip(pos)
            if not self.text.startswith('"', pos):
                raise self.fail(pos, "expected a member name in double quotes")
            key_line = self.line_of(pos)
            key, pos = self.string(pos)
            pos = self.skip(pos)
            if not self.text.startswith(":", pos):
                raise self.fail(pos, "expected ':' after a member name")
            out[key], pos = self.value(pos + 1, (*path, key), key_line)
            pos = self.skip(pos)
            if self.text.startswith(",", pos):
                pos += 1
                continue
            if self.text.startswith("}", pos):
                return out, pos + 1
            raise self.fail(pos, "expected ',' or '}' in an object")

    def array(self, pos: int, path: JsonPath) -> tuple[list[Any], int]:
        out: list[Any] = []
        pos = self.skip(pos)
        if self.text.startswith("]", pos):
            return out, pos + 1
        while True:
            item, pos = self.value(pos, (*path, len(out)), None)
            out.append(item)
            pos = self.skip(pos)
            if self.text.startswith(",", pos):
                pos += 1
                continue
            if self.text.startswith("]", pos):
                return out, pos + 1
            raise self.fail(pos, "expected ',' or ']' in an array")


def load_json(text: str, file: str = "") -> JsonDocument:
    """Parse ``text`` as JSON (a duplicate member keeps its last value, as JSON.parse does)."""
    parser = _Parser(text.removeprefix("\ufeff"), file)
    try:
        value, pos = parser.value(0, (), None)
    except RecursionError:
        raise JsonError("invalid JSON: nested too deeply", file=file) from None
    pos = parser.skip(pos)
    if pos != len(parser.text):
        raise parser.fail(pos, "unexpected text after the JSON value")
    return JsonDocument(value, parser.starts, parser.ends)
