"""Where a character of a YAML scalar's value is in its file.

An error found inside a scalar (a PromQL parse error at offset 27 of ``expr:``) is reported at
the file's line and column of that character, whatever the scalar's style: plain or quoted
(line folding, ``''`` and backslash escapes) or block (``|`` literal, ``>`` folded). The value is
rebuilt from the source with each character's position; if the rebuilt value differs from the
parsed one (a construct not handled here), the scalar's start is used instead of a guess.
"""

from __future__ import annotations

from yaml.nodes import Node

_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028",
            "P": "\u2029"}
_HEX_WIDTH = {"x": 2, "u": 4, "U": 8}


def scalar_position(text: str, node: Node, offset: int) -> tuple[int, int]:
    """1-based (line, column) in ``text`` of character ``offset`` of the scalar ``node``'s value."""
    start = node.start_mark.index
    fallback = (node.start_mark.line + 1, node.start_mark.column + 1)
    value = node.value if isinstance(node.value, str) else None
    if value is None or not 0 <= offset <= len(value):
        return fallback
    style = getattr(node, "style", None)
    try:
        if style in ("|", ">"):
            chars, positions, end = _block(text, start, node.end_mark.index, style == ">")
        else:
            chars, positions, end = _flow(text, start, node.end_mark.index, style)
    except (IndexError, ValueError):
        return fallback
    if "".join(chars) != value:
        return fallback
    index = positions[offset] if offset < len(positions) else end
    return _line_col(text, index)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _flow(text: str, start: int, end: int, style: str | None) -> tuple[list[str], list[int], int]:
    quoted = style in ("'", '"')
    i = start + 1 if quoted else start
    stop = end - 1 if quoted else end
    chars: list[str] = []
    positions: list[int] = []
    escaped: list[bool] = []
    while i < stop:
        c = text[i]
        if c in "\r\n":
            while chars and chars[-1] in " \t" and not escaped[-1]:
                chars.pop()
                positions.pop()
                escaped.pop()
            breaks = 0
            j = i
            while j < stop:
                if text.startswith("\r\n", j):
                    j += 2
                    breaks += 1
                elif text[j] in "\r\n":
                    j += 1
                    breaks += 1
                elif text[j] in " \t":
                    j += 1
                else:
                    break
            for folded in [" "] if breaks == 1 else ["\n"] * (breaks - 1):
                chars.append(folded)
                positions.append(i)
                escaped.append(False)
            i = j
            continue
        if style == "'" and c == "'":
            chars.append("'")
            positions.append(i)
            escaped.append(True)
            i += 2
            continue
        if style == '"' and c == "\\":
            n = text[i + 1]
            if n in "\r\n":
                j = i + 1 + (2 if text.startswith("\r\n", i + 1) else 1)
                while j < stop and text[j] in " \t":
                    j += 1
                i = j
                continue
            if n in _HEX_WIDTH:
                width = _HEX_WIDTH[n]
                chars.append(chr(int(text[i + 2:i + 2 + width], 16)))
                positions.append(i)
                escaped.append(True)
                i += 2 + width
                continue
            chars.append(_ESCAPES[n])
            positions.append(i)
            escaped.append(True)
            i += 2
            continue
        chars.append(c)
        positions.append(i)
        escaped.append(False)
        i += 1
    return chars, positions, stop


def _block(text: str, start: int, end: int, folded: bool) -> tuple[list[str], list[int], int]:
    """libyaml's scan_block_scalar with positions (auto-detected indentation only)."""
    header_end = text.index("\n", start)
    header = text[start + 1:header_end].split("#", 1)[0].strip()
    if any(ch.isdigit() for ch in header):
        raise ValueError("explicit indentation indicator")
    chomp = "+" if "+" in header else "-" if "-" in header else ""
    lines: list[tuple[int, int]] = []  # (start index, end index without the break) of each line
    i = header_end + 1
    while i < end:
        j = text.find("\n", i)
        j = end if j < 0 or j > end else j
        lines.append((i, j))
        i = j + 1
    indent = 0
    for a, b in lines:
        line = text[a:b].rstrip("\r")
        if line.strip(" "):
            indent = len(line) - len(line.lstrip(" "))
            break
    chars: list[str] = []
    positions: list[int] = []
    leading_break: tuple[str, int] | None = None
    trailing: list[int] = []  # positions of the breaks of empty lines
    leading_blank = False
    last_pos = header_end
    for a, b in lines:
        line = text[a:b].rstrip("\r")
        spaces = len(line) - len(line.lstrip(" "))
        if spaces == len(line) and len(line) <= indent:
            trailing.append(b)  # an empty line: a break kept or folded below
            last_pos = b
            continue
        if spaces < indent:
            break
        content = line[indent:]
        trailing_blank = content[:1] in (" ", "\t")
        if folded and leading_break is not None and not leading_blank and not trailing_blank:
            if not trailing:
                chars.append(" ")
                positions.append(leading_break[1])
            leading_break = None
        elif leading_break is not None:
            chars.append("\n")
            positions.append(leading_break[1])
            leading_break = None
        for t in trailing:
            chars.append("\n")
            positions.append(t)
        trailing = []
        leading_blank = trailing_blank
        for k, ch in enumerate(content):
            chars.append(ch)
            positions.append(a + indent + k)
        leading_break = ("\n", b)
        last_pos = b
    if chomp != "-" and leading_break is not None:
        chars.append("\n")
        positions.append(leading_break[1])
    if chomp == "+":
        for t in trailing:
            chars.append("\n")
            positions.append(t)
    return chars, positions, last_pos
