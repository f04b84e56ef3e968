"""`ruletest lint` against `promtool check rules` on the same rule files, as a ratio.

promtool's check is the reference: it loads every file, parses every expression and template
and checks promtool's structural rules (what `ruletest lint` does first, before its 90+
semantic checks). Both are given the rule files of the realworld corpus (found by content; test
files and other YAML left out), one process each, best of ``--repeat`` runs.

    python benchmarks/bench_lint.py [--corpus DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

SHARED = Path(os.environ.get("RULETEST_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = Path(os.environ.get("RULETEST_CORPUS", SHARED / "corpus" / "realworld"))


# Measured as installed: bytecode cached (PYTHONDONTWRITEBYTECODE would recompile every module).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _best(command: list[str], repeat: int) -> tuple[float, subprocess.CompletedProcess[str]]:
    best, proc = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=_ENV)
        best = min(best, time.perf_counter() - start)
    assert proc is not None
    return best, proc


def _rule_file(path: Path) -> bool:
    """A Prometheus rule file (`groups:` at the top), which is what promtool check rules reads."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(doc, dict) and "groups" in doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="directory of rule files (default: the realworld corpus)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"bench_lint: no corpus at {args.corpus} (set RULETEST_CORPUS or --corpus)", file=sys.stderr)
        return 2

    from ruletest.lint import lint_paths
    from ruletest.lint.discover import find_lintable

    files = [str(p) for p in find_lintable([str(args.corpus)]) if _rule_file(p)]
    start = time.perf_counter()
    result = lint_paths(files)
    in_process = time.perf_counter() - start
    ours, proc = _best([sys.executable, "-m", "ruletest.cli", "lint", *files], args.repeat)
    if proc.returncode not in (0, 1):
        print(proc.stderr, file=sys.stderr)
        return 1
    print(f"{len(files)} rule files, {result.rules} rules, {len(result.findings)} findings")
    per_rule = in_process / max(result.rules, 1) * 1000
    print(f"ruletest lint     {ours:7.2f} s  ({in_process:.2f} s in process, {per_rule:.2f} ms per rule)")
    promtool = shutil.which("promtool")
    if promtool is None:
        print("promtool check rules: not installed (apt-get install prometheus)")
        return 0
    theirs, _ = _best([promtool, "check", "rules", *files], args.repeat)
    print(f"promtool check    {theirs:7.2f} s")
    print(f"ratio (ruletest / promtool): {ours / theirs:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
