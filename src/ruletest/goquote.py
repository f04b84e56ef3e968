"""Go's ``strconv.Quote``, shared by label printing and template formatting."""

from __future__ import annotations

_SIMPLE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b",
           "\f": "\\f", "\v": "\\v"}


def go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in _SIMPLE:
            out.append(_SIMPLE[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
