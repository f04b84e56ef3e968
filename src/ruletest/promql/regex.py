"""RE2 regular expressions with Prometheus' anchoring.

Prometheus compiles label matchers and ``label_replace`` patterns as ``^(?s:re)$`` with Go's RE2
(Prometheus 3; 2.x used ``^(?:re)$`` so ``.`` did not match a newline). ``google-re2`` gives the
same syntax (``[[:alpha:]]``, ``\\pL``, ``\\Q..\\E``) and the same linear-time guarantee.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ruletest.errors import PromQLSyntaxError


@lru_cache(maxsize=1)
def _re2() -> Any:
    """The ``re2`` module and its options, loaded on the first regex: a test file without a regex
    matcher or template regex never pays for it."""
    import re2

    options = re2.Options()
    options.log_errors = False
    return re2, options


def _re2_message(exc: Exception) -> str:
    """RE2's error text without Python's bytes wrapping (``b'missing ): (.*'`` -> ``missing )``)."""
    arg = exc.args[0] if exc.args else exc
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    return text.split(": ", 1)[0]


@lru_cache(maxsize=4096)
def compile_anchored(pattern: str, dot_all: bool) -> Any:
    """Compile ``pattern`` fully anchored, as Prometheus does for matchers (``^(?s:re)$`` in 3.x,
    where ``.`` matches a newline; ``^(?:re)$`` in 2.x)."""
    wrapped = ("^(?s:" if dot_all else "^(?:") + pattern + ")$"
    re2, options = _re2()
    try:
        return re2.compile(wrapped, options)
    except re2.error as exc:
        raise PromQLSyntaxError(f"invalid regular expression {pattern!r}: {_re2_message(exc)}") from None


@lru_cache(maxsize=4096)
def compile_unanchored(pattern: str) -> Any:
    """Compile ``pattern`` unanchored (Go ``regexp.MustCompile``), for templates."""
    re2, options = _re2()
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        raise PromQLSyntaxError(f"invalid regular expression {pattern!r}: {_re2_message(exc)}") from None


def go_expand(template: str, match: Any) -> str:
    """Go ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``.

    A ``$name`` reference takes the longest run of word characters, so ``$1x`` names group
    ``1x`` (which does not exist and expands to the empty string), exactly like Go.
    """
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch != "$":
            j = template.find("$", i)
            if j < 0:
                j = n
            out.append(template[i:j])
            i = j
            continue
        if i + 1 < n and template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        name, end = _extract_name(template, i + 1)
        if name is None:
            out.append("$")
            i += 1
            continue
        out.append(_group(match, name))
        i = end
    return "".join(out)


def _extract_name(template: str, i: int) -> tuple[str | None, int]:
    n = len(template)
    if i < n and template[i] == "{":
        close = template.find("}", i + 1)
        if close < 0:
            return None, i
        name = template[i + 1 : close]
        if not name or not all(c.isalnum() or c == "_" for c in name):
            return None, i
        return name, close + 1
    j = i
    while j < n and (template[j].isalnum() or template[j] == "_"):
        j += 1
    if j == i:
        return None, i
    return template[i:j], j


def _group(match: Any, name: str) -> str:
    try:
        value = match.group(int(name)) if name.isdigit() else match.group(name)
    except (IndexError, KeyError, ValueError, _re2()[0].error):
        return ""
    return value if value is not None else ""
