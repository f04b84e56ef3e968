"""Lint time for the whole realworld rule corpus (run on demand).

    python benchmarks/bench_lint.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ruletest.lint import lint_paths

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"


def main() -> int:
    files = [str(p) for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml")]
    start = time.perf_counter()
    result = lint_paths(files)
    elapsed = time.perf_counter() - start
    print(f"{result.files} rule files, {result.rules} rules, {len(result.findings)} findings in {elapsed:.2f}s "
          f"({elapsed / max(result.rules, 1) * 1000:.2f} ms per rule)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
