"""Seeded generators of Alertmanager configs and label sets for differential tests."""

from __future__ import annotations

import random
from typing import Any

import yaml

NAMES = ["alertname", "severity", "team", "job", "instance", "env", "a", "a1"]
VALUES = ["db", "infra", "critical", "warning", "api", "x y", 'q"uote', "é🙂", "a\\b", "db-1", "", "10.0.0.1:9100"]
REGEXES = ["db|infra", "d.*", ".+", "", "(a|b)c?", "[0-9]+.*", "crit.*|warn.*", "(?i)DB", "x y|api", "\\d+"]


def _quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _matcher(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    op = rng.choice(["=", "!=", "=~", "!~"])
    value = rng.choice(REGEXES if "~" in op else VALUES)
    text = _quote(value) if rng.random() < 0.7 or not value.isalnum() else value
    return f"{name}{op}{text}"


def route(rng: random.Random, depth: int, receivers: list[str]) -> dict[str, Any]:
    r: dict[str, Any] = {}
    kind = rng.random()
    if kind < 0.5:
        r["matchers"] = [",".join(_matcher(rng) for _ in range(rng.randint(1, 2))) for _ in range(rng.randint(1, 2))]
    elif kind < 0.7:
        r["match"] = {rng.choice(NAMES): rng.choice([v for v in VALUES if v])}
    elif kind < 0.85:
        r["match_re"] = {rng.choice(NAMES): rng.choice(REGEXES)}
    else:
        r["matchers"] = [_matcher(rng)]
        r["match"] = {rng.choice(NAMES): rng.choice(VALUES[:5])}
    if rng.random() < 0.6:
        r["receiver"] = rng.choice(receivers)
    if rng.random() < 0.35:
        r["continue"] = True
    if rng.random() < 0.3:
        r["group_by"] = rng.sample(NAMES, rng.randint(0, 2)) if rng.random() < 0.8 else ["..."]
    if depth < 3 and rng.random() < 0.5:
        r["routes"] = [route(rng, depth + 1, receivers) for _ in range(rng.randint(1, 3))]
    return r


def config(seed: int) -> str:
    rng = random.Random(seed)
    receivers = [f"r{i}" for i in range(rng.randint(2, 5))] + ["team.x/y"]
    root: dict[str, Any] = {"receiver": rng.choice(receivers), "group_by": ["alertname"]}
    root["routes"] = [route(rng, 1, receivers) for _ in range(rng.randint(1, 4))]
    doc = {"route": root, "receivers": [{"name": n} for n in receivers]}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def labels(rng: random.Random) -> list[str]:
    """amtool label arguments (name="value", Go-escaped)."""
    out = []
    for name in rng.sample(NAMES, rng.randint(0, 5)):
        out.append(f"{name}={_quote(rng.choice(VALUES))}")
    return out
