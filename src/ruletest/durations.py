"""Prometheus duration strings (``model.ParseDuration``): ``1h30m``, ``500ms``, ``2d``, ``1w``, ``1y``."""

from __future__ import annotations

import re

from ruletest.errors import RuletestError
from ruletest.gocompat import go_quote

_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000,
          "y": 31_536_000_000}
_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")


class DurationError(RuletestError):
    pass


def parse_duration(text: str, *, allow_negative: bool = False) -> int:
    """Milliseconds for a Prometheus duration; ``0`` is accepted, fractions are not."""
    if text == "":
        raise DurationError("empty duration string")
    s = text.strip()
    sign = 1
    if allow_negative and s.startswith("-"):
        sign, s = -1, s[1:]
    if s == "0":
        return 0
    m = _RE.match(s)
    if not s or not m or not any(m.groups()):
        raise DurationError(f"not a valid duration string: {go_quote(text)}")
    total = 0
    for value, unit in zip(m.groups(), ("y", "w", "d", "h", "m", "s", "ms"), strict=True):
        if value is not None:
            total += int(value) * _UNITS[unit]
    if total >= 2**63 // 1_000_000:
        raise DurationError(f'duration out of range: "{text}"')
    return sign * total
