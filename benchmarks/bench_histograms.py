"""Native histogram queries on a large store, side by side with a reference.

1,000 native histogram series (exponential schema 0, ten buckets: (2^-9, 2^-8] ... (1, 2]) with
one day of samples at a 15s interval (5.76M histogram samples), queried with ``rate`` and
``histogram_quantile`` at the end of the day; ruletest reports milliseconds per evaluation.

The reference: the promtool installed here is 2.42, which cannot load native histograms, so it
runs the same observations as classic histograms (each series as eleven ``_bucket`` series with
``le`` = 2^-8 ... 2 and +Inf, the exact equivalent of those buckets), the queries written for
classic buckets, timed from two runs of a test file: one evaluating a trivial expression
PROMTOOL_COPIES times at the end of the day (promtool loads input lazily, up to the last
evaluation time: this run is its load), and one per query evaluated as many times; the
difference per copy is the query's cost. ruletest's own time
on the classic form is shown too: native / classic says what the native representation costs
in ruletest itself. Times are CPU times (this process's, promtool's as a child's user+sys),
which a shared machine disturbs less than wall time.

    python benchmarks/bench_histograms.py [--series 1000] [--hours 24] [--repeat 3] [--no-promtool]
"""

from __future__ import annotations

import argparse
import sys
import time

# A script beside bench_engine.py: the classic form is stored, queried and timed in promtool as there.
from bench_engine import PROMTOOL_COPIES, STEP_MS, bench_promtool, bench_ruletest, children_cpu
from bench_engine import build_storage as build_classic

from ruletest.promql.histograms import FloatHistogram, Span
from ruletest.promql.storage import Storage
from ruletest.promql.values import labels_from

BUCKETS = 10
OFFSET = -8  # schema 0: bucket i holds (2^(i-1), 2^i]; indices -8..1
LES = [f"{2.0 ** i:g}" for i in range(OFFSET, OFFSET + BUCKETS)] + ["+Inf"]
NAME = "request_duration_seconds"
QUERIES = {  # name: (native query, classic query)
    "rate": (f"rate({NAME}[5m])", f"rate({NAME}_bucket[5m])"),
    "histogram_quantile": (f"histogram_quantile(0.95, rate({NAME}[5m]))",
                           f"histogram_quantile(0.95, rate({NAME}_bucket[5m]))"),
    "sum_by_quantile": (f"histogram_quantile(0.95, sum by (job) (rate({NAME}[5m])))",
                        f"histogram_quantile(0.95, sum by (job, le) (rate({NAME}_bucket[5m])))"),
}


def increments(i: int) -> list[float]:
    """Observations per step in each of series i's ten buckets (most in the middle ones)."""
    scale = 1 + i % 7
    return [float(scale * (1 + min(j, BUCKETS - 1 - j))) for j in range(BUCKETS)]


def series_labels(i: int) -> dict[str, str]:
    return {"__name__": NAME, "job": f"job-{i % 20}", "instance": f"i-{i}"}


def build_native(n: int, points: int) -> Storage:
    st = Storage()
    spans = (Span(OFFSET, BUCKETS),)
    for i in range(n):
        inc = increments(i)
        total = sum(inc)
        per_step_sum = sum(c * 2.0 ** (OFFSET + j - 0.5) for j, c in enumerate(inc))  # mid-bucket values
        hs = (FloatHistogram(count=total * k, sum=per_step_sum * k, positive_spans=spans,
                             positive_buckets=tuple(c * k for c in inc)) for k in range(points))
        st.add_histograms(labels_from(series_labels(i)), range(0, points * STEP_MS, STEP_MS), hs)
    return st


def classic_specs(n: int) -> list[tuple[dict[str, str], float]]:
    """(labels, per-step increment) of the classic buckets holding the same observations."""
    out = []
    for i in range(n):
        inc = increments(i)
        for j, le in enumerate(LES):
            labels = {**series_labels(i), "__name__": f"{NAME}_bucket", "le": le}
            out.append((labels, sum(inc[:j + 1])))
    return out


def _cell(v: float | None) -> str:
    return f"{v:.1f}" if v is not None else "-"


def _ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}" if b else "-"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=1_000)
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-promtool", action="store_true")
    ap.add_argument("--copies", type=int, default=PROMTOOL_COPIES,
                    help="evaluations per query in promtool's runs (more: less noise in the difference)")
    args = ap.parse_args()
    points = int(args.hours * 3600_000 // STEP_MS)
    t_ms = (points - 1) * STEP_MS
    start = time.process_time()
    native = build_native(args.series, points)
    native_load = (time.process_time() - start) * 1000
    specs = classic_specs(args.series)
    start = time.process_time()
    classic = build_classic(specs, points)
    classic_load = (time.process_time() - start) * 1000
    print(f"{args.series} native histogram series x {points} samples "
          f"(classic form: {len(specs)} bucket series)")
    cpu = time.process_time
    ours = {"(load)": native_load, **bench_ruletest(native, t_ms, args.repeat, {k: q[0] for k, q in QUERIES.items()},
                                                    version=3, clock=cpu)}
    ours_classic = {"(load)": classic_load, **bench_ruletest(classic, t_ms, args.repeat,
                                                             {k: q[1] for k, q in QUERIES.items()}, version=3, clock=cpu)}
    classic_queries = {k: q[1] for k, q in QUERIES.items()}
    theirs = None if args.no_promtool else bench_promtool(specs, points, t_ms, classic_queries, args.copies,
                                                          clock=children_cpu)
    print("CPU milliseconds")
    print(f"{'query':<20}{'native ms':>12}{'classic ms':>12}{'promtool ms':>13}"
          f"{'native/classic':>16}{'ratio':>8}")
    for name in ours:
        p = theirs.get(name) if theirs else None
        print(f"{name:<20}{ours[name]:>12.1f}{ours_classic[name]:>12.1f}{_cell(p):>13}"
              f"{_ratio(ours[name], ours_classic[name]):>16}{_ratio(ours[name], p):>8}")
    print("native, classic: ruletest on the native series and on their classic equivalent; promtool: 2.42 on the "
          "classic equivalent (it cannot load native histograms)")
    print("ratio = ruletest native / promtool classic; promtool's load includes parsing its YAML test file and "
          f"{args.copies} trivial evaluations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
