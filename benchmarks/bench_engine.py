"""Engine throughput on a large store, side by side with promtool 2.42.

10,000 series with one day of samples at a 15s interval (57.6M samples). Each query is
evaluated at the last steps of the day; ruletest reports milliseconds per evaluation. promtool
cannot be timed without also loading the data, so it runs an equivalent test file once with a
trivial query (``vector(0)``, which loads the day as the others do) and once per query with that
query evaluated PROMTOOL_COPIES times; the difference, divided by the copies, is its time per
evaluation. Load times are reported too.

    python benchmarks/bench_engine.py [--series 10000] [--hours 24] [--repeat 3] [--no-promtool]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable
from pathlib import Path

from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import labels_from
from ruletest.semantics import Semantics

STEP_MS = 15_000
PROMTOOL_COPIES = 20
QUERIES = {
    "selector": 'http_requests_total{job="job-7"}',
    "selector_all": "http_requests_total",
    "rate": "rate(http_requests_total[5m])",
    "sum_by": "sum by (job) (rate(http_requests_total[5m]))",
    "histogram_quantile": "histogram_quantile(0.9, sum by (le, job) (rate(request_duration_bucket[5m])))",
    "join": "rate(http_requests_total[5m]) * on(instance) group_left(version) build_info",
}
LES = ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "2.5", "5", "10", "+Inf"]


def series_specs(n: int) -> list[tuple[dict[str, str], float]]:
    """(labels, per-step increment) for n series: half counters, 40% buckets, 10% info."""
    out: list[tuple[dict[str, str], float]] = []
    counters = n // 2
    buckets = (n * 4 // 10) // len(LES)
    infos = n - counters - buckets * len(LES)
    for i in range(counters):
        out.append(({"__name__": "http_requests_total", "job": f"job-{i % 50}", "instance": f"i-{i}"},
                    float(1 + i % 7)))
    for i in range(buckets):
        for j, le in enumerate(LES):
            out.append(({"__name__": "request_duration_bucket", "job": f"job-{i % 40}", "instance": f"i-{i}",
                         "le": le}, float(j + 1)))
    for i in range(infos):
        out.append(({"__name__": "build_info", "instance": f"i-{i}", "version": f"v{i % 3}"}, 0.0))
    return out


def build_storage(specs: list[tuple[dict[str, str], float]], points: int) -> Storage:
    st = Storage()
    ts = array("q", range(0, points * STEP_MS, STEP_MS))
    for labels, inc in specs:
        st.add_arrays(labels_from(labels), ts, (inc * k for k in range(points)))
    return st


def bench_ruletest(st: Storage, t_ms: int, repeat: int, queries: dict[str, str] = QUERIES,
                   version: int = 2, clock: Callable[[], float] = time.perf_counter,
                   ) -> dict[str, float]:
    """Milliseconds (of ``clock``) per evaluation of each query."""
    engine = Engine(st, EngineOptions(Semantics.of(version)))
    out = {}
    for name, q in queries.items():
        engine.query(q, t_ms - repeat * STEP_MS)  # warm the parse and selection caches
        start = clock()
        # At successive steps, as rules are evaluated: the same time twice would reuse the
        # last result (nothing was written in between).
        for k in range(repeat):
            engine.query(q, t_ms - (repeat - 1 - k) * STEP_MS)
        out[name] = (clock() - start) / repeat * 1000
    return out


def _promtool_file(path: Path, specs: list[tuple[dict[str, str], float]], points: int, t_ms: int,
                   queries: list[str], copies: int) -> None:
    lines = ["rule_files: [rules.yml]", "evaluation_interval: 15s", "tests:", "  - interval: 15s",
             "    input_series:"]
    for labels, inc in specs:
        name = labels["__name__"]
        rest = ",".join(f'{k}="{v}"' for k, v in labels.items() if k != "__name__")
        lines.append(f"      - series: '{name}{{{rest}}}'")
        lines.append(f"        values: '0+{inc:g}x{points - 1}'")
    if queries:
        lines.append("    promql_expr_test:")
        for q in queries:
            for k in range(copies):
                # count() keeps promtool's failure report (it prints every result) to one line.
                lines.append(f"      - expr: 'count({q})'")
                lines.append(f"        eval_time: {t_ms - k * STEP_MS}ms")
    path.write_text("\n".join(lines) + "\n")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_promtool(specs: list[tuple[dict[str, str], float]], points: int, t_ms: int,
                   queries: dict[str, str] = QUERIES, copies: int = PROMTOOL_COPIES,
                   clock: Callable[[], float] = time.perf_counter) -> dict[str, float] | None:
    """promtool's load and its milliseconds per evaluation of each query (``clock``: wall time,
    or ``children_cpu`` for its CPU time)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        return None
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "rules.yml").write_text("groups: []\n")

        def run(exprs: list[str]) -> float:
            _promtool_file(Path(tmp, "t.yml"), specs, points, t_ms, exprs, copies)
            start = clock()
            subprocess.run([promtool, "test", "rules", "t.yml"], cwd=tmp, capture_output=True, check=False)
            return clock() - start

        # promtool loads input series lazily, up to the last eval_time: the baseline must evaluate
        # something at the same times, or the query runs are charged with loading the day.
        base = run(["vector(0)"])
        out["(load)"] = base * 1000
        for name, q in queries.items():
            out[name] = max(0.0, (run([q]) - base) * 1000 / copies)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-promtool", action="store_true")
    args = ap.parse_args()
    points = int(args.hours * 3600_000 // STEP_MS)
    specs = series_specs(args.series)
    t_ms = (points - 1) * STEP_MS
    start = time.perf_counter()
    st = build_storage(specs, points)
    load_ms = (time.perf_counter() - start) * 1000
    print(f"{len(specs)} series x {points} samples")
    ours = {"(load)": load_ms, **bench_ruletest(st, t_ms, args.repeat)}
    theirs = None if args.no_promtool else bench_promtool(specs, points, t_ms)
    print(f"{'query':<20}{'ruletest ms':>14}{'promtool ms':>14}{'ratio':>8}")
    for name in ours:
        p = theirs.get(name) if theirs else None
        ratio = f"{ours[name] / p:.2f}" if p else "-"
        print(f"{name:<20}{ours[name]:>14.1f}{(f'{p:.1f}' if p is not None else '-'):>14}{ratio:>8}")
    print("ratio = ruletest / promtool; promtool's load includes parsing its YAML test file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
