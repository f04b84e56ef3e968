"""Suppression comments: ``# ruletest: disable=ID[,ID] [until=YYYY-MM-DD]`` on a rule (or the
line above it), ``# ruletest: disable-file=ID``, and pint's ``# pint disable CHECK`` via a
mapping of pint's check names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_RT = re.compile(r"#\s*ruletest:\s*(disable|disable-file)=([\w/,*.-]+)(?:\s+until=(\d{4}-\d{2}-\d{2}))?")
_PINT = re.compile(r"#\s*pint\s+(disable|file/disable)\s+([\w/.-]+)")

PINT_TO_RULETEST = {
    "promql/regexp": ["promql/regex-literal", "promql/regex-anchors", "promql/regex-match-all"],
    "promql/series": ["promql/unknown-metric", "deps/undefined-recording"],
    "promql/rate": ["counter/rate-window", "counter/rate-after-aggregation"],
    "promql/counter": ["counter/rate-on-gauge", "counter/gauge-func", "counter/raw-value"],
    "promql/vector_matching": ["promql/join-label-missing", "promql/join-never-matches", "promql/static-join-mismatch"],
    "promql/impossible": ["promql/impossible-matchers", "promql/static-join-mismatch"],
    "promql/range_query": ["promql/range-too-long"],
    "alerts/template": ["template/missing-label", "template/value-in-label", "template/humanize", "template/query",
                        "template/render"],
    "alerts/annotation": ["alert/missing-annotation"],
    "alerts/absent": ["alert/absent-without-for", "alert/absent-never-fires"],
    "rule/label": ["alert/missing-label", "alert/severity-value"],
    "alerts/comparison": ["alert/no-condition", "alert/always-fires"],
    "alerts/for": ["alert/for-zero"],
    "promql/fragile": ["alert/no-condition", "promql/fragile-topk"],
    "rule/dependency": ["deps/undefined-recording"],
    "rule/duplicate": ["rule/duplicate", "rule/duplicate-identical"],
}


@dataclass
class Suppression:
    line: int
    ids: tuple[str, ...]
    file_level: bool
    until: date | None
    used: bool = False
    foreign: bool = False  # pint's comment: its check may still need it, so never "unused"

    def covers(self, check: str) -> bool:
        return any(i == "*" or i == check for i in self.ids)

    def active(self, today: date) -> bool:
        return self.until is None or today <= self.until


def parse_suppressions(text: str) -> list[Suppression]:
    out: list[Suppression] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        m = _RT.search(line)
        if m:
            until = date.fromisoformat(m.group(3)) if m.group(3) else None
            out.append(Suppression(lineno, tuple(m.group(2).split(",")), m.group(1) == "disable-file", until))
            continue
        p = _PINT.search(line)
        if p:
            name = p.group(2).split("(")[0]
            ids = tuple(PINT_TO_RULETEST.get(name, []))
            if ids:
                out.append(Suppression(lineno, ids, p.group(1) == "file/disable", None, foreign=True))
    return out
