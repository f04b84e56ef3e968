"""ruletest vs promtool 2.42 on the realworld corpus, side by side in one run, as wall-time ratios.

The files are every corpus file whose promtool 2.42 verdict is "pass" (rule_files resolve
relative to each test file, so the working directory does not matter). ruletest runs with
``--prometheus 2 --promtool-compat`` so both tools do the same work, and with its default
``-j`` (all cores); promtool has no such option (its Go runtime uses every core for itself).

1. The whole corpus, one invocation of each tool, ``--repeat`` times (alternating, so that both
   see the same machine load): wall and CPU time of each run, medians, and the ratio of the
   median walls.
2. Every file on its own, one invocation of each tool per file; the table shows the 10 files
   promtool takes longest on, timed ``--file-repeat`` times more (medians). The worst ratio is
   given over the files promtool needs at least ``--min-seconds`` for (timed again as well,
   medians): below that both tools are mostly starting up (Python takes ~0.1 s more than a Go
   binary to start).
3. One small test file (``--small``, default the Veza ``service_down_test.yml``) as a user runs
   it (``ruletest test FILE``, the installed command): ``--small-repeat`` runs of each tool,
   alternating; the mean and median wall times and the ratio of the means. This is where start-up
   counts: Python and ruletest's imports against a Go binary.

The package is byte-compiled first, as a wheel install does (the tests run from a source tree,
where ``PYTHONDONTWRITEBYTECODE`` may be set).

    python benchmarks/bench_corpus.py [--repeat 3] [--file-repeat 2] [--top 10] [--skip-files] [--corpus DIR]
                                      [--small FILE] [--small-repeat 30]

``--corpus DIR`` runs on another directory: its MANIFEST.json's promtool-pass files if it has
one, else every promtool test file under it.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(os.environ.get("RULETEST_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"))
SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "service_down_test.yml"
RULETEST = [sys.executable, "-m", "ruletest", "test", "--prometheus", "2", "--promtool-compat"]


def files(corpus: Path) -> list[str]:
    manifest = corpus / "MANIFEST.json"
    if not manifest.exists():
        from ruletest.runner import collect_test_files

        return collect_test_files([str(corpus)])
    entries = json.loads(manifest.read_text())["entries"]
    return [str(corpus / e["file"]) for e in entries if e["promtool_2_42"]["verdict"] == "pass"]


# Measured as installed: bytecode cached (a PYTHONDONTWRITEBYTECODE environment would recompile
# every module on each start and charge it to ruletest).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, children included) and the exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def short(path: str) -> str:
    return os.path.relpath(path, _corpus)


_corpus = CORPUS


def whole_corpus(fs: list[str], promtool: str, repeat: int) -> None:
    print(f"== whole corpus: {len(fs)} files (promtool 2.42 verdict: pass), one invocation per tool, {repeat} runs")
    ours: list[float] = []
    theirs: list[float] = []
    cpu_ours: list[float] = []
    cpu_theirs: list[float] = []
    for i in range(repeat):
        # Alternate which tool goes first: the machine's load drifts.
        order = [("ruletest", RULETEST + fs), ("promtool", [promtool, "test", "rules", *fs])]
        if i % 2:
            order.reverse()
        line = []
        for name, cmd in order:
            wall, cpu, rc = timed(cmd)
            (ours if name == "ruletest" else theirs).append(wall)
            (cpu_ours if name == "ruletest" else cpu_theirs).append(cpu)
            line.append(f"{name} {wall:6.1f}s wall {cpu:6.1f}s cpu (exit {rc})")
        print(f"run {i + 1}: " + ", ".join(sorted(line)))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"median: ruletest {o:.1f}s, promtool {t:.1f}s, ratio ruletest/promtool = {o / t:.3f}")
    co, ct = statistics.median(cpu_ours), statistics.median(cpu_theirs)
    print(f"median CPU: ruletest {co:.1f}s, promtool {ct:.1f}s, ratio ruletest/promtool = {co / ct:.3f}")


def per_file(fs: list[str], promtool: str, top: int, repeat: int, min_seconds: float) -> None:
    print(f"\n== each file on its own ({len(fs)} files, one invocation per tool and file)")
    times: dict[str, tuple[list[float], list[float]]] = {}
    for f in fs:
        t_prom, _, _ = timed([promtool, "test", "rules", f])
        t_ours, _, _ = timed([*RULETEST, f])
        times[f] = ([t_ours], [t_prom])
    slowest = sorted(fs, key=lambda f: -times[f][1][0])[:top]
    # The files counted in the worst ratio are timed again too: on a shared machine one slow run
    # of promtool on a small file (a load spike) would otherwise put it among them.
    again = slowest + [f for f in fs if times[f][1][0] >= min_seconds and f not in slowest]
    for _ in range(repeat):
        for f in again:
            times[f][1].append(timed([promtool, "test", "rules", f])[0])
            times[f][0].append(timed([*RULETEST, f])[0])
    print(f"the {top} files promtool takes longest on (median of {repeat + 1} runs each):")
    print(f"{'ruletest s':>11} {'promtool s':>11} {'ratio':>7}  file")
    for f in slowest:
        o, t = statistics.median(times[f][0]), statistics.median(times[f][1])
        print(f"{o:11.2f} {t:11.2f} {o / t:7.3f}  {short(f)}")
    heavy = [f for f in fs if statistics.median(times[f][1]) >= min_seconds]
    if heavy:
        ratio = {f: statistics.median(times[f][0]) / statistics.median(times[f][1]) for f in heavy}
        worst = sorted(heavy, key=lambda f: -ratio[f])
        o, t = statistics.median(times[worst[0]][0]), statistics.median(times[worst[0]][1])
        print(f"worst ratio over the {len(heavy)} files promtool needs >= {min_seconds:g}s for: {ratio[worst[0]]:.3f} "
              f"({short(worst[0])}: ruletest {o:.2f}s, promtool {t:.2f}s); the {min(top, len(worst))} worst:")
        print(f"{'ruletest s':>11} {'promtool s':>11} {'ratio':>7}  file")
        for f in worst[:top]:
            print(f"{statistics.median(times[f][0]):11.2f} {statistics.median(times[f][1]):11.2f} {ratio[f]:7.3f}  "
                  f"{short(f)}")
    total_o = sum(statistics.median(v[0]) for v in times.values())
    total_t = sum(statistics.median(v[1]) for v in times.values())
    print(f"sum over all files, one process per file: ruletest {total_o:.1f}s, promtool {total_t:.1f}s, "
          f"ratio {total_o / total_t:.3f}")


def small_file(path: Path, promtool: str, repeat: int) -> None:
    print(f"\n== a small file on its own: {path} ({repeat} runs of each tool, alternating)")
    script = Path(sys.executable).with_name("ruletest")
    ours_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "ruletest.cli"]
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(repeat):
        ours.append(timed([*ours_cmd, "test", str(path)])[0])
        theirs.append(timed([promtool, "test", "rules", str(path)])[0])
    o, t = statistics.mean(ours), statistics.mean(theirs)
    print(f"ruletest test: mean {o:.3f}s, median {statistics.median(ours):.3f}s; promtool test rules: mean {t:.3f}s, "
          f"median {statistics.median(theirs):.3f}s; ratio of the means {o / t:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="whole-corpus runs of each tool (default 3; 0: skip)")
    ap.add_argument("--file-repeat", type=int, default=2, help="extra runs of each of the slowest files (default 2)")
    ap.add_argument("--top", type=int, default=10, help="slowest files to show (default 10)")
    ap.add_argument("--min-seconds", type=float, default=1.0,
                    help="files promtool needs at least this long for count in the worst ratio (default 1)")
    ap.add_argument("--skip-files", action="store_true", help="only the whole-corpus runs")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus directory (default: the realworld corpus)")
    ap.add_argument("--small", type=Path, default=SMALL, help="the small test file (default: %(default)s)")
    ap.add_argument("--small-repeat", type=int, default=30, help="runs of each tool on it (default 30; 0: skip)")
    args = ap.parse_args()
    promtool = shutil.which("promtool")
    if promtool is None:
        print("promtool is not installed (apt-get install -y prometheus)", file=sys.stderr)
        return 2
    import ruletest

    compileall.compile_dir(str(Path(ruletest.__file__).parent), quiet=1)
    global _corpus
    _corpus = args.corpus
    fs = files(args.corpus)
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.repeat > 0:
        whole_corpus(fs, promtool, args.repeat)
    if not args.skip_files:
        per_file(fs, promtool, args.top, args.file_repeat, args.min_seconds)
    if args.small_repeat > 0:
        small_file(args.small, promtool, args.small_repeat)
    print(f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
