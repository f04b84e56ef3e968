"""ruletest vs promtool 2.42 on the realworld corpus, side by side, as a wall-time ratio.

Both tools get the same files in one invocation each (rule_files resolve relative to each test
file, so the working directory does not matter): every corpus file whose promtool 2.42 verdict
is "pass". ruletest runs with ``--prometheus 2 --promtool-compat`` so both do the same work.

    python benchmarks/bench_corpus.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"


def files() -> list[str]:
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())
    return [str(CORPUS / e["file"]) for e in manifest["entries"] if e["promtool_2_42"]["verdict"] == "pass"]


def timed(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    fs = files()
    promtool = shutil.which("promtool")
    ours_cmd = [sys.executable, "-m", "ruletest.cli", "test", "--prometheus", "2", "--promtool-compat", *fs]
    print(f"{len(fs)} files (promtool 2.42 verdict: pass)")
    for i in range(args.repeat):
        t_ours, rc_ours = timed(ours_cmd)
        line = f"run {i + 1}: ruletest {t_ours:.1f}s (exit {rc_ours})"
        if promtool:
            t_prom, rc_prom = timed([promtool, "test", "rules", *fs])
            line += f", promtool {t_prom:.1f}s (exit {rc_prom}), ratio ruletest/promtool = {t_ours / t_prom:.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
