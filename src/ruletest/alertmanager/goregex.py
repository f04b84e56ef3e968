"""Go ``regexp`` (RE2) for matchers and template functions, with Go's error messages.

Matchers and ``match_re`` compile ``^(?:v)$`` (so ``.`` does not match a newline); the template
functions ``match`` and ``reReplaceAll`` are unanchored. ``google-re2`` has Go's syntax and
semantics (ASCII ``\\d \\w \\s \\b``, no backreferences or lookaround); only its error texts
differ, so they are translated to ``regexp/syntax``'s.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from ruletest.errors import RuletestError

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False

# RE2 (C++) error code text -> Go regexp/syntax ErrorCode text.
_GO_CODES = {
    "missing )": "missing closing )",
    "missing ]": "missing closing ]",
    "unexpected )": "unexpected )",
    "no argument for repetition operator": "missing argument to repetition operator",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid repetition size": "invalid repeat count",
    "invalid escape sequence": "invalid escape sequence",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "trailing \\": "trailing backslash at end of expression",
    "invalid character class": "invalid character class",
    "invalid character class range": "invalid character class range",
    "invalid named capture group": "invalid named capture",
    "duplicate capture group name": "duplicate capture group name",
    "invalid UTF-8": "invalid UTF-8",
    "pattern too large - compile failed": "expression too large",
    "pattern too large - reverse compile failed": "expression too large",
}


class RegexError(RuletestError):
    """A pattern Go's ``regexp.Compile`` rejects; the message is Go's."""


def go_error(exc: Exception, pattern: str) -> str:
    arg = exc.args[0] if exc.args else exc
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    code, sep, frag = text.partition(": ")
    if not sep:
        code, frag = text, ""
    if code == "missing )" or code == "unexpected )":
        frag = pattern  # Go quotes the whole expression for unbalanced parentheses
    elif code == "trailing \\":
        frag = ""
    return f"error parsing regexp: {_GO_CODES.get(code, code)}: `{frag}`"


@lru_cache(maxsize=4096)
def compile_anchored(value: str) -> Any:
    """``regexp.Compile("^(?:" + value + ")$")``; raises :class:`RegexError` with Go's message."""
    wrapped = "^(?:" + value + ")$"
    try:
        return re2.compile(wrapped, _OPTIONS)
    except re2.error as exc:
        raise RegexError(go_error(exc, wrapped)) from None


@lru_cache(maxsize=4096)
def compile_unanchored(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise RegexError(go_error(exc, pattern)) from None
