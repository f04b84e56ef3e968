"""JSON with positions: the parsed value plus the line where every value starts and ends, keyed by
its path (``("panels", 0, "targets", 1, "expr")``), so findings in a JSON file get a real
``file:line``. The standard ``json`` module parses (and reports errors with their position);
one pass over the text's tokens then records where each value is."""

from __future__ import annotations

import json
import re
from typing import Any

from ruletest.errors import RuletestError
from ruletest.records import record

JsonPath = tuple[str | int, ...]

# Strings, punctuation, and the other scalars (numbers, true, false, null, NaN...) as one token.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


class JsonError(RuletestError):
    """Text that is not valid JSON, with the line and column of the problem."""


@record
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


class _Frame:
    __slots__ = ("index", "key", "key_line", "object", "path", "want_key")

    def __init__(self, path: JsonPath, is_object: bool) -> None:
        self.path = path
        self.object = is_object
        self.want_key = is_object
        self.key = ""
        self.key_line = 0
        self.index = 0


def _positions(text: str) -> tuple[dict[JsonPath, int], dict[JsonPath, int]]:
    starts: dict[JsonPath, int] = {}
    ends: dict[JsonPath, int] = {}
    stack: list[_Frame] = []
    line, seen = 1, 0
    for m in _TOKEN.finditer(text):
        pos = m.start()
        line += text.count("\n", seen, pos)
        seen = pos
        token = m.group()
        c = token[0]
        if c == ",":
            if stack and not stack[-1].object:
                stack[-1].index += 1
            continue
        if c == ":":
            continue
        if c in "}]":
            ends[stack.pop().path] = line
            continue
        top = stack[-1] if stack else None
        if top is not None and top.want_key:
            top.key = json.loads(token) if "\\" in token else token[1:-1]
            top.key_line = line
            top.want_key = False
            continue
        if top is None:
            path: JsonPath = ()
            start = line
        elif top.object:
            path = (*top.path, top.key)
            start = top.key_line
            top.want_key = True
        else:
            path = (*top.path, top.index)
            start = line
        starts[path] = start
        if c in "{[":
            stack.append(_Frame(path, c == "{"))
        else:
            ends[path] = line
    return starts, ends


def load_json(text: str, file: str = "") -> JsonDocument:
    """Parse ``text`` as JSON (a duplicate member keeps its last value, as JSON.parse does)."""
    text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise JsonError("invalid JSON: nested too deeply", file=file) from None
    starts, ends = _positions(text)
    return JsonDocument(value, starts, ends)
