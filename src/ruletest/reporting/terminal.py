"""What a terminal gets beyond plain text: colour for pass/fail and a progress line.

Colour only on a terminal, never with ``NO_COLOR`` set (https://no-color.org) or ``TERM=dumb``.
The progress line goes to stderr, only when stderr is a terminal and the run has lasted a
couple of seconds; it is erased before anything else is written, so it never ends up in
stdout, in a pipe or in a log.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from typing import TextIO

GREEN, RED, BOLD, RESET = "\x1b[32m", "\x1b[31m", "\x1b[1m", "\x1b[0m"
_ERASE = "\r\x1b[K"


def use_colour(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_VERDICT = re.compile(r"^(  )(SUCCESS|FAILED:)$", re.MULTILINE)


def colour_verdicts(text: str) -> str:
    """promtool's ``  SUCCESS`` in green and ``  FAILED:`` in red (the rest unchanged)."""
    return _VERDICT.sub(lambda m: m.group(1) + (GREEN if m.group(2) == "SUCCESS" else RED + BOLD)
                        + m.group(2) + RESET, text)


class Progress:
    """``ruletest: 12/284 files, 311 groups, 2 failed, 14s`` on stderr, redrawn at most a few
    times a second after ``delay_s``. Call :meth:`clear` before writing anything else."""

    def __init__(self, stream: TextIO, total_files: int, *, delay_s: float = 2.0,
                 enabled: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.total_files = total_files
        self.delay_s = delay_s
        self.enabled = (getattr(stream, "isatty", lambda: False)() if enabled is None else enabled)
        self.clock = clock
        self.started = clock()
        self.files = 0
        self.groups = 0
        self.failed = 0
        self._shown = False
        self._last_draw = 0.0

    def group_done(self, passed: bool) -> None:
        self.groups += 1
        self.failed += 0 if passed else 1
        self._draw()

    def files_done(self, count: int) -> None:
        self.files = count
        self._draw()

    def line(self) -> str:
        elapsed = self.clock() - self.started
        failed = f", {self.failed} failed" if self.failed else ""
        return f"ruletest: {self.files}/{self.total_files} files, {self.groups} groups{failed}, {elapsed:.0f}s"

    def _draw(self) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.delay_s or (self._shown and now - self._last_draw < 0.2):
            return
        self.stream.write(_ERASE + self.line())
        self.stream.flush()
        self._shown = True
        self._last_draw = now

    def clear(self) -> None:
        if self._shown:
            self.stream.write(_ERASE)
            self.stream.flush()
            self._shown = False
