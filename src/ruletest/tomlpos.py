"""Where each key of a TOML document is: ``tomllib`` parses but gives no positions, so a setting
with a bad value could only be reported by file. One pass over the (already validated) text
records the line and column of every key, table header and array element, keyed by its path
(``("tool", "ruletest", "lint", "disable", 0)``), as the parsed document nests them.

The text must be valid TOML (parse it with ``tomllib`` first): this scanner follows TOML's
structure (tables, arrays of tables, dotted and quoted keys, inline tables, arrays, the four
string kinds) but does not check it.
"""

from __future__ import annotations

import bisect
import contextlib

TomlPath = tuple[str | int, ...]

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b", '"': '"', "\\": "\\"}


def key_positions(text: str) -> dict[TomlPath, tuple[int, int]]:
    """1-based (line, column) of every key (for a table: its header, or the first dotted key
    that opened it) and of every array element, by path. A text the scanner cannot follow
    yields the positions found up to there."""
    scanner = _Scanner(text)
    with contextlib.suppress(IndexError, ValueError):  # invalid TOML: what was found still helps
        scanner.document()
    return scanner.found


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.found: dict[TomlPath, tuple[int, int]] = {}
        self.array_tables: dict[TomlPath, int] = {}  # [[name]] -> index of its last element
        self.line_starts = [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def record(self, path: TomlPath, index: int) -> None:
        self.found.setdefault(path, self.position(index))

    def skip(self, newlines: bool) -> None:
        """Skip blanks; with ``newlines``, also line ends and comments."""
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif newlines and c == "#":
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            else:
                return

    def document(self) -> None:
        table: TomlPath = ()
        while True:
            self.skip(newlines=True)
            if self.i >= len(self.s):
                return
            start = self.i
            if self.s[self.i] == "[":
                array = self.s.startswith("[[", self.i)
                self.i += 2 if array else 1
                keys = self.key()
                self.i += 2 if array else 1  # ]] or ]
                table = self.header_path(keys, array, start)
            else:
                keys = self.key()
                self.skip(newlines=False)
                self.i += 1  # =
                self.key_value(table, keys, start)

    def header_path(self, keys: list[str], array: bool, start: int) -> TomlPath:
        path: list[str | int] = []
        for n, k in enumerate(keys):
            path.append(k)
            here = tuple(path)
            if array and n == len(keys) - 1:
                self.record(here, start)
                self.array_tables[here] = self.array_tables.get(here, -1) + 1
                path.append(self.array_tables[here])
            else:
                self.record(here, start)  # [a.b] opens a where a was not opened before
                if here in self.array_tables:  # [a.b] after [[a]]: inside a's last element
                    path.append(self.array_tables[here])
        self.record(tuple(path), start)
        return tuple(path)

    def key_value(self, table: TomlPath, keys: list[str], start: int) -> None:
        for n in range(1, len(keys) + 1):  # dotted keys open their tables where they are
            self.record((*table, *keys[:n]), start)
        self.skip(newlines=False)
        self.value((*table, *keys))

    def key(self) -> list[str]:
        """A (dotted) key; leaves the cursor after it and the blanks that follow."""
        parts: list[str] = []
        while True:
            self.skip(newlines=False)
            c = self.s[self.i]
            if c == '"':
                parts.append(self.basic_string())
            elif c == "'":
                end = self.s.index("'", self.i + 1)
                parts.append(self.s[self.i + 1:end])
                self.i = end + 1
            else:
                begin = self.i
                while self.i < len(self.s) and self.s[self.i] in _BARE_KEY:
                    self.i += 1
                if self.i == begin:
                    raise ValueError("expected a key")
                parts.append(self.s[begin:self.i])
            self.skip(newlines=False)
            if self.i < len(self.s) and self.s[self.i] == ".":
                self.i += 1
                continue
            return parts

    def basic_string(self) -> str:
        """A one-line ``"..."`` string, decoded (keys are compared with what tomllib decoded)."""
        s = self.s
        self.i += 1
        out: list[str] = []
        while s[self.i] != '"':
            c = s[self.i]
            if c == "\\":
                esc = s[self.i + 1]
                if esc in "uU":
                    width = 4 if esc == "u" else 8
                    out.append(chr(int(s[self.i + 2:self.i + 2 + width], 16)))
                    self.i += 2 + width
                else:
                    out.append(_ESCAPES.get(esc, esc))
                    self.i += 2
            else:
                out.append(c)
                self.i += 1
        self.i += 1
        return "".join(out)

    def value(self, path: TomlPath) -> None:
        s = self.s
        c = s[self.i]
        if s.startswith('"""', self.i) or s.startswith("'''", self.i):
            self.multiline_string(s[self.i])
        elif c == '"':
            self.basic_string()
        elif c == "'":
            self.i = s.index("'", self.i + 1) + 1
        elif c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        else:  # number, boolean or date-time (which may hold a space)
            while self.i < len(s) and s[self.i] not in ",]}#\r\n":
                self.i += 1

    def multiline_string(self, quote: str) -> None:
        s = self.s
        self.i += 3
        while True:
            if quote == '"' and s[self.i] == "\\":
                self.i += 2
            elif s.startswith(quote * 3, self.i):
                run = 3
                while run < 5 and self.i + run < len(s) and s[self.i + run] == quote:
                    run += 1  # up to two quotes of the content may touch the closing delimiter
                self.i += run
                return
            else:
                self.i += 1

    def array(self, path: TomlPath) -> None:
        self.i += 1
        index = 0
        while True:
            self.skip(newlines=True)
            if self.s[self.i] == "]":
                self.i += 1
                return
            self.record((*path, index), self.i)
            self.value((*path, index))
            index += 1
            self.skip(newlines=True)
            if self.s[self.i] == ",":
                self.i += 1

    def inline_table(self, path: TomlPath) -> None:
        self.i += 1
        while True:
            self.skip(newlines=True)  # TOML 1.1 allows line breaks in inline tables
            c = self.s[self.i]
            if c == "}":
                self.i += 1
                return
            if c == ",":
                self.i += 1
                continue
            start = self.i
            keys = self.key()
            self.i += 1  # =
            self.key_value(path, keys, start)
