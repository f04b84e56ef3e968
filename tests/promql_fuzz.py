"""Mutated PromQL for differential tests of the parsers: expressions from a pool (Prometheus'
parser tests, the corpus) with characters and PromQL fragments inserted, deleted or repeated,
from a fixed seed so every run sees the same inputs."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

DATA = Path(__file__).parent / "data" / "prometheus_parser"

FRAGMENTS = (
    "offset", "@", "@ -5", "@ -1e3", "@ -0.5", "offset -", "@ end()", "bool", "on()", "on(a)", "ignoring(b)",
    "group_left", "group_right(x)", "by", "without", "(", ")", "[5m]", "[5m:]", "[1m:30s]", "-", "+", "step()",
    "range()", "anchored", "smoothed", "1e400", "0x1f", '"\\x41"', "#", "\n", "{}", '{a="b"}', "start()", "end()",
    "-100", "1h", "5m1h", ",", "fill(0)", "</", ">/", "topk", "limitk", "info", "max_of(1m, 2m)", "and", "or",
    "unless", "atan2", "^", "%", "'", "`", "\\", "é", "9.5e10", "Inf", "NaN", "_", ":", "..", "!=", "=~", "!~",
    "==", ">=", "count_values", "quantile",
)
CHARS = "()[]{},:@+-*/%^=!~<>\"'` abcxyz019._#\n\\"


def parse_test_inputs() -> list[str]:
    cases = json.loads((DATA / "parse_test_3.14.json").read_text())["cases"]
    return [c["input"] for c in cases if len(c["input"]) < 300]


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        i = rng.randint(0, len(text))
        if op < 0.25 and text:
            text = text[:i] + text[min(len(text), i + rng.randint(1, 3)):]
        elif op < 0.5:
            text = text[:i] + rng.choice(CHARS) + text[i:]
        elif op < 0.85:
            sep = lambda: " " if rng.random() < 0.5 else ""  # noqa: E731
            text = text[:i] + sep() + rng.choice(FRAGMENTS) + sep() + text[i:]
        else:
            j = rng.randint(0, len(text))
            a, b = sorted((i, j))
            text = text[:a] + text[a:b] * 2 + text[b:]
    return text


def mutations(pool: Sequence[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [mutate(rng, rng.choice(pool)) for _ in range(count)]
