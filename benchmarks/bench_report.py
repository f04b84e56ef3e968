"""How long the reports take to render for the whole realworld corpus, and how big they are.

The corpus is run once with a trace (what `ruletest test --html` does); then the HTML report,
the Markdown summary and JUnit are rendered from those results, each timed on its own. There is
no reference tool to compare with (promtool writes no HTML), so render time is also given as a
share of the run it reports on. ``--trace-cost`` also runs the corpus without a trace, to show
what the trace adds to a run.

    python benchmarks/bench_report.py [--repeat 3] [--trace-cost] [--out report.html]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

SHARED = Path(os.environ.get("RULETEST_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = Path(os.environ.get("RULETEST_CORPUS", SHARED / "corpus" / "realworld"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=CORPUS,
                    help="test files (its MANIFEST.json, else every *_test.yml) (default: the realworld corpus)")
    ap.add_argument("--repeat", type=int, default=3, help="render each report this many times (best is shown)")
    ap.add_argument("--trace-cost", action="store_true", help="also run the corpus without a trace")
    ap.add_argument("--out", help="keep the HTML report here")
    args = ap.parse_args(argv)
    sys.setrecursionlimit(10_000)

    from ruletest.cli import _groups_of, run_files, test_semantics
    from ruletest.coverage import CoverageReport
    from ruletest.reporting.html import html_report
    from ruletest.reporting.junit import junit_xml
    from ruletest.reporting.markdown import markdown_summary
    from ruletest.runner import RunOptions

    corpus = args.corpus.resolve()
    if (corpus / "MANIFEST.json").is_file():
        files = [e["file"] for e in json.loads((corpus / "MANIFEST.json").read_text())["entries"]]
    else:
        files = sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*_test.yml"))
    if not files:
        print(f"bench_report: no test files in {corpus} (set RULETEST_CORPUS or --corpus)", file=sys.stderr)
        return 2
    out = Path(args.out).resolve() if args.out else None
    os.chdir(corpus)  # paths in the report relative to the corpus, as a project's would be
    sem = test_semantics(3, [])
    assert not isinstance(sem, str)
    opts = RunOptions(sem, trace=True)
    started = time.perf_counter()
    ran = run_files(files, opts)
    run_s = time.perf_counter() - started
    results = [r for r, _ in ran]
    coverage = CoverageReport()
    for _, tf in ran:
        if tf is not None:
            coverage.record(tf, _groups_of(tf, opts), sem)
    groups = sum(len(r.groups) for r in results)
    points = sum(len(s.timestamps) for r in results for g in r.groups if g.trace for s in g.trace.inputs)
    print(f"{len(files)} files, {groups} test groups, {points} input samples; run with trace: {run_s:.1f}s")
    if args.trace_cost:
        started = time.perf_counter()
        run_files(files, RunOptions(sem))
        plain_s = time.perf_counter() - started
        print(f"run without trace: {plain_s:.1f}s (the trace adds {100 * (run_s / plain_s - 1):.0f}%)")

    def best(render: object) -> tuple[float, str]:
        assert callable(render)
        times, text = [], ""
        for _ in range(args.repeat):
            t = time.perf_counter()
            text = render()
            times.append(time.perf_counter() - t)
        return min(times), text

    html_s, html = best(lambda: html_report(results, coverage=coverage, duration_s=run_s))
    size = len(html.encode())
    packed = len(gzip.compress(html.encode(), 6))
    print(f"HTML: {html_s:.2f}s ({100 * html_s / run_s:.1f}% of the run), {size / 1e6:.1f} MB "
          f"({size / 1e3 / groups:.1f} kB per group), {packed / 1e6:.2f} MB gzipped")
    md_s, md = best(lambda: markdown_summary(results, coverage=coverage, duration_s=run_s))
    print(f"Markdown: {md_s:.3f}s, {len(md.encode()) / 1e3:.0f} kB")
    junit_s, junit = best(lambda: junit_xml(results))
    print(f"JUnit: {junit_s:.3f}s, {len(junit.encode()) / 1e6:.2f} MB")
    if out is not None:
        out.write_text(html, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
