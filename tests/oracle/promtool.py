"""Run expressions through ``promtool test rules`` (Prometheus 2.42) and read back its results.

Each expression becomes a ``promql_expr_test`` with no expected samples: promtool then reports
every non-empty result as a failure whose ``got:`` line carries the labels and the full-precision
value (``strconv.FormatFloat(v, 'E', -1, 64)``), and every evaluation error with its message.
Expressions that promtool does not mention returned an empty vector.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ruletest.promql.ast import format_duration

Labels = tuple[tuple[str, str], ...]


class PromtoolMissing(RuntimeError):
    pass


def promtool_path() -> str | None:
    return shutil.which("promtool")


def require_promtool() -> str:
    """The promtool binary; in CI its absence is a failure, locally a skip decided by the caller."""
    path = promtool_path()
    if path is None:
        raise PromtoolMissing("promtool not found (apt-get install -y prometheus)")
    return path


@dataclass(frozen=True)
class OracleResult:
    samples: tuple[tuple[Labels, float], ...] | None  # None when promtool reported an error
    error: str | None = None


def _go_unquote(s: str, pos: int) -> tuple[str, int]:
    assert s[pos] == '"'
    out = []
    pos += 1
    while s[pos] != '"':
        ch = s[pos]
        if ch == "\\":
            nxt = s[pos + 1]
            simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
                      "f": "\f", "v": "\v"}
            if nxt in simple:
                out.append(simple[nxt])
                pos += 2
            elif nxt == "x":
                out.append(chr(int(s[pos + 2:pos + 4], 16)))
                pos += 4
            elif nxt == "u":
                out.append(chr(int(s[pos + 2:pos + 6], 16)))
                pos += 6
            elif nxt == "U":
                out.append(chr(int(s[pos + 2:pos + 10], 16)))
                pos += 10
            else:
                raise ValueError(f"bad escape in {s!r}")
            continue
        out.append(ch)
        pos += 1
    return "".join(out), pos + 1


def parse_samples(text: str) -> tuple[tuple[Labels, float], ...]:
    """Parse promtool's ``{a="b"} 1E+00, {c="d"} NaN`` (or ``nil``)."""
    text = text.strip()
    if text == "nil":
        return ()
    out = []
    pos = 0
    while pos < len(text):
        assert text[pos] == "{", text[pos:]
        pos += 1
        labels = []
        while text[pos] != "}":
            if text[pos] == '"':
                name, pos = _go_unquote(text, pos)
            else:
                end = text.index("=", pos)
                name, pos = text[pos:end], end
            assert text[pos] == "="
            value, pos = _go_unquote(text, pos + 1)
            labels.append((name, value))
            if text.startswith(", ", pos):
                pos += 2
        pos += 2  # "} "
        end = text.find(", {", pos)
        if end < 0:
            end = len(text)
        out.append((tuple(sorted(labels)), float(text[pos:end])))
        pos = end + 2 if end < len(text) else end
    return tuple(out)


def run_oracle(series: list[tuple[str, str]], cases: list[tuple[str, int]], *, interval_ms: int = 60_000,
               evaluation_interval_ms: int = 60_000) -> dict[tuple[str, int], OracleResult]:
    """Evaluate ``cases`` (expression, eval time in ms) over ``series`` with promtool."""
    promtool = require_promtool()
    by_key: dict[tuple[str, str], tuple[str, int]] = {}
    tests = []
    for expr, t in cases:
        key = (expr, format_duration(t))
        by_key[key] = (expr, t)
        tests.append({"expr": expr, "eval_time": format_duration(t)})
    doc = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": format_duration(evaluation_interval_ms),
        "tests": [{
            "interval": format_duration(interval_ms),
            "input_series": [{"series": s, "values": v} for s, v in series],
            "promql_expr_test": tests,
        }],
    }
    with tempfile.TemporaryDirectory(prefix="ruletest-oracle-") as tmp:
        Path(tmp, "rules.yml").write_text("groups: []\n")
        Path(tmp, "test.yml").write_text(yaml.safe_dump(doc, sort_keys=False, width=10_000))
        proc = subprocess.run([promtool, "test", "rules", "test.yml"], cwd=tmp, capture_output=True,
                              text=True, timeout=600, env={**os.environ, "TZ": "UTC"})
    out = proc.stdout + proc.stderr
    results: dict[tuple[str, int], OracleResult] = {c: OracleResult(()) for c in cases}
    lines = out.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith('expr: "'):
            start = line.index('"')
            expr, pos = _go_unquote(line, start)
            rest = line[pos:]
            assert rest.startswith(", time: "), rest
            rest = rest[len(", time: "):]
            time_s, _, tail = rest.partition(",")
            case = by_key[(expr, time_s)]
            if tail.startswith(" err: "):
                results[case] = OracleResult(None, tail[len(" err: "):])
                i += 1
                continue
            got = lines[i + 2].strip()
            assert got.startswith("got: "), got
            results[case] = OracleResult(parse_samples(got[len("got: "):]))
            i += 3
            continue
        i += 1
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"promtool failed ({proc.returncode}):\n{out[-3000:]}")
    if proc.returncode == 1 and not any(r.error or r.samples for r in results.values()):
        raise RuntimeError(f"promtool failed without reporting any case:\n{out[-3000:]}")
    return results


def dump(results: dict[tuple[str, int], OracleResult]) -> str:
    return json.dumps({f"{k[0]} @ {k[1]}": [list(map(list, s)) for s in (v.samples or ())]
                       for k, v in results.items()}, indent=1)
