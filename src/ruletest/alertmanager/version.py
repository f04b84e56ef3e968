"""Which Alertmanager release to emulate, and the behaviours that changed between releases.

The oracle in CI is Debian's Alertmanager 0.25 (``amtool``, ``prometheus-alertmanager``), so 0.25
is the default. Later releases differ in small, documented ways (``shared/reference/
alertmanager.md`` §8); each difference is one predicate here, so callers never compare version
numbers themselves.
"""

from __future__ import annotations

import re

from ruletest.errors import RuletestError
from ruletest.records import record

OLDEST = (0, 25)
NEWEST = (0, 34)


class VersionError(RuletestError):
    pass


@record(order=True)
class Version:
    """An Alertmanager release as major.minor (0.25, 0.34...)."""

    major: int = 0
    minor: int = 25

    @classmethod
    def parse(cls, text: str) -> Version:
        m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", text.strip())
        if not m:
            raise VersionError(f"invalid Alertmanager version {text!r} (expected e.g. 0.25 or 0.28.1)")
        v = cls(int(m.group(1)), int(m.group(2)))
        if not OLDEST <= (v.major, v.minor) <= NEWEST:
            raise VersionError(f"Alertmanager version {text} is not supported (0.25 to 0.34)")
        return v

    def at_least(self, minor: int) -> bool:
        return (self.major, self.minor) >= (0, minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    # --- behaviours by release (reference §8) ----------------------------------------------

    @property
    def utf8_matchers(self) -> bool:
        """0.27+: the UTF-8 matcher parser, in fallback mode by default."""
        return self.at_least(27)

    @property
    def utf8_label_names(self) -> bool:
        """0.27+: any non-empty UTF-8 string is a valid label name in group_by (0.28+ in equal)."""
        return self.at_least(27)

    @property
    def group_by_empty_overrides(self) -> bool:
        """0.31+: ``group_by: []`` means "no labels" instead of "inherit"."""
        return self.at_least(31)

    @property
    def labelset_sorted_by_name(self) -> bool:
        """0.28+: ``LabelSet.String`` (group keys) sorts by name, not by the ``name="value"`` text."""
        return self.at_least(28)

    @property
    def immediate_flush_on_every_insert(self) -> bool:
        """0.25-0.29: an old alert flushes a group at once on any insert before its first flush."""
        return not self.at_least(30)

    @property
    def destroys_empty_groups_at_once(self) -> bool:
        """0.32+: a group emptied by a flush is destroyed at once (else: the 30 s maintenance)."""
        return self.at_least(32)

    @property
    def notification_reason(self) -> bool:
        return self.at_least(32)

    @property
    def kv_string(self) -> bool:
        """0.26+: ``KV.String()`` / ``Pairs.String()`` print ``k=v, k=v``."""
        return self.at_least(26)

    @property
    def amtool_default_statuses(self) -> bool:
        """0.28+: amtool's default render data has one firing and one resolved alert."""
        return self.at_least(28)


DEFAULT = Version(0, 25)
