"""The ``ruletest`` command (also ``python -m ruletest``): :func:`ruletest.cli.main` in a process of
its own, with CPython's garbage collector tuned for it.

A run builds many short-lived objects and few reference cycles. With the default thresholds
the collector runs hundreds of times per run, and its full collections (one more at exit) rescan
the ~10^5 objects the imports created, which live as long as the process. So the imports run
with the collector off, their objects are then frozen out of its way (``gc.freeze``), and young
objects are collected less often, as mypy does for the same reason. A small test file runs about
0.015 s faster that way, out of 0.13 s (``benchmarks/bench_corpus.py --small``).

Only the command's own process is tuned: ``main`` called in another program (the test suite,
an editor integration) leaves the collector as it finds it.
"""

from __future__ import annotations

import gc
import sys

# Allocations (minus deallocations) between collections of the youngest generation, then how
# many of those before the next generation is collected, and the next (defaults: 700, 10, 10).
THRESHOLDS = (50_000, 20, 20)


def entry() -> None:
    """Run the command line in ``sys.argv`` and exit with its status."""
    gc.disable()
    try:
        from ruletest.cli import main
    finally:
        gc.freeze()
        gc.set_threshold(*THRESHOLDS)
        gc.enable()
    sys.exit(main())


if __name__ == "__main__":
    entry()
