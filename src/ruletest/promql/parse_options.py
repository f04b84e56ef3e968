"""What every caller of the PromQL parser needs without the parser itself: the options, the
parse errors, the recursion guard and Go's regex messages. The Rust parser path
(:mod:`ruletest.promql.front`, :mod:`ruletest.promql.pp_adapter`) and the evaluator use these; only
expressions that go to ruletest's own parser load :mod:`ruletest.promql.parser` and its working
tree (:mod:`ruletest.promql.parse_nodes`), so a run whose rules the Rust parser handles never
imports them."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache

from ruletest.errors import PromQLSyntaxError
from ruletest.promql.lexer import line_col
from ruletest.records import record
from ruletest.semantics import (
    FEATURE_BINOP_FILL_MODIFIERS,
    FEATURE_EXPERIMENTAL_FUNCTIONS,
    FEATURE_EXTENDED_RANGE_SELECTORS,
    Semantics,
)


@record
class ParseOptions:
    """What the parser accepts: the Prometheus major version it behaves like (2: promtool 2.42,
    3: Prometheus 3.14, where duration expressions are always on) and 3.x feature flags."""

    version: int = 3
    experimental_functions: bool = False
    extended_range_selectors: bool = False
    binop_fill_modifiers: bool = False

    @classmethod
    def for_semantics(cls, semantics: Semantics) -> ParseOptions:
        """What a server with these semantics (version and enabled features) accepts."""
        return cls.of(semantics.version, semantics.features)

    @classmethod
    def for_lint(cls, semantics: Semantics) -> ParseOptions:
        """What the linter parses: the target's syntax, with experimental functions accepted even
        without their flag, so that compat/feature-flag names the missing flag instead of
        promql/syntax reporting an unknown function."""
        return replace(cls.for_semantics(semantics), experimental_functions=True)

    @classmethod
    def of(cls, version: int, features: Iterable[str] = ()) -> ParseOptions:
        """Options from promtool's ``--enable-feature`` names (unknown names are ignored here)."""
        enabled = set(features) if version >= 3 else set()
        return cls(version, FEATURE_EXPERIMENTAL_FUNCTIONS in enabled, FEATURE_EXTENDED_RANGE_SELECTORS in enabled,
                   FEATURE_BINOP_FILL_MODIFIERS in enabled)


@record
class ParseError:
    """One error as Prometheus records it: a message and a position range (code points)."""

    start: int
    end: int
    message: str
    # What kind of refusal, named like the lint check that reports it: a syntax error, a
    # function the target version does not have, or a feature the server must enable.
    code: str = "promql/syntax"

    def text(self, query: str) -> str:
        """Prometheus' text: ``1:6: parse error: unexpected end of input``."""
        return f"{line_col(query, self.start)}: parse error: {self.message}"


class PromQLParseError(PromQLSyntaxError):
    """A PromQL expression Prometheus would refuse: ``errors`` in Prometheus' order (its message
    is the first one's), ``offset`` the code-point index in the expression where it points."""

    def __init__(self, query: str, errors: list[ParseError]) -> None:
        first = errors[0]
        super().__init__(first.text(query), code=first.code)
        self.query = query
        self.errors = tuple(errors)
        self.offset = max(0, min(first.start, len(query)))


@contextmanager
def recursion_room(size: int) -> Iterator[None]:
    """Deeply nested expressions are valid PromQL; the tree code recurses once per level."""
    need = 2000 + 4 * size
    old = sys.getrecursionlimit()
    if need <= old:
        yield
        return
    sys.setrecursionlimit(need)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


# --- regular expressions (Go's regexp/syntax messages) ----------------------------------

_RE2_TO_GO = (
    ("missing )", "missing closing )"),
    ("unexpected )", "unexpected )"),
    ("missing ]", "missing closing ]"),
    ("bad repetition operator", "invalid nested repetition operator"),
    ("no argument for repetition operator", "missing argument to repetition operator"),
    ("trailing \\", "trailing backslash at end of expression"),
    ("invalid named capture group", "invalid named capture"),
    ("invalid character class range", "invalid character class range"),
    ("invalid character class", "invalid character class"),
    ("invalid escape sequence", "invalid escape sequence"),
    ("invalid repetition size", "invalid repeat count"),
    ("invalid perl operator", "invalid or unsupported Perl syntax"),
    ("invalid UTF-8", "invalid UTF-8"),
    ("bad UTF-8", "invalid UTF-8"),
)


@lru_cache(maxsize=1024)
def regex_error(pattern: str, version: int = 3) -> str | None:
    """Go's error for a label-matcher regex (``error parsing regexp: missing closing ): `(a```),
    or None. Prometheus 3 parses the pattern itself; 2.42 first compiled it inside ``^(?:...)$``,
    then parsed it alone."""
    go_only = _go_refuses(pattern, version)
    if version >= 3:
        return go_only or _re2_error(pattern, dot_nl=True)
    return _re2_error("^(?:" + pattern + ")$", dot_nl=False) or go_only or _re2_error(pattern, dot_nl=False)


def _go_refuses(pattern: str, version: int) -> str | None:
    """What Go's regexp/syntax refuses and RE2 accepts: ``\\C`` (any byte), and before Go 1.22
    (Prometheus 2.42) ``(?<name>...)``."""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            if pattern[i + 1] == "C":
                return "error parsing regexp: invalid escape sequence: `\\C`"
            i += 2
            continue
        if version < 3 and pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            return "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"
        i += 1
    return None


def _re2_error(subject: str, dot_nl: bool) -> str | None:
    import re2

    options = re2.Options()
    options.log_errors = False
    options.dot_nl = dot_nl
    try:
        re2.compile(subject, options)
    except re2.error as exc:
        arg = exc.args[0] if exc.args else b""
        text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
        code, _, frag = text.partition(": ")
        for re2_code, go_code in _RE2_TO_GO:
            if code == re2_code:
                if go_code == "trailing backslash at end of expression":
                    frag = ""
                return f"error parsing regexp: {go_code}: `{frag}`"
        return f"error parsing regexp: {text}"
    return None
