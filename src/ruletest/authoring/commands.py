"""The authoring subcommands of ``ruletest``: ``mutate``, ``new``, ``capture`` and ``backtest``.

``ruletest.cli`` registers them with :func:`register` and hands their arguments to :func:`run`.
Kept import-light: the work is imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

COMMANDS = ("mutate", "new", "capture", "backtest")
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NO_TESTS = 0, 1, 2, 5


def _semantics_flags(p: argparse.ArgumentParser) -> None:
    from ruletest.cli import _prometheus_version

    p.add_argument("--prometheus", type=_prometheus_version, default=None, metavar="{2,3}",
                   help="PromQL semantics to emulate (default: [tool.ruletest] prometheus, else 3)")
    p.add_argument("--enable-feature", action="append", default=[], metavar="FEATURE",
                   help="promtool's feature flags (comma-separated, repeatable)")


def register(sub: Any) -> None:
    m = sub.add_parser("mutate", help="mutation testing: would the tests notice a wrong threshold?",
                       description="Mutate each rule (thresholds, comparison operators, for, windows, matchers, "
                                   "labels...) and run the tests that load it: a surviving mutant is a test missing.")
    m.add_argument("paths", nargs="+", metavar="FILE",
                   help="rule files and their test files, or directories holding both; with test files only, "
                        "every rule file they load is mutated")
    m.add_argument("--format", choices=["text", "json", "sarif"], default="text", help="output format")
    m.add_argument("--fail-under", type=float, default=None, metavar="PCT",
                   help="exit 1 when the mutation score is below PCT percent")
    m.add_argument("-j", "--jobs", type=int, default=0, metavar="N", help="processes (default: one per core)")
    m.add_argument("--changed", action="store_true", help="mutate only rules changed since --base")
    m.add_argument("--base", default="HEAD", metavar="REF", help="git revision for --changed (default HEAD)")
    m.add_argument("--ignore-unknown-fields", action="store_true", help="as promtool's flag")
    _semantics_flags(m)


def run(args: argparse.Namespace) -> int:
    if args.command == "mutate":
        return _mutate(args)
    return EXIT_USAGE


def _semantics(args: argparse.Namespace, command: str) -> Any:
    """The semantics asked for (flags over [tool.ruletest]), or an exit code after an error."""
    from ruletest.cli import test_semantics
    from ruletest.errors import RuletestError
    from ruletest.lint.config import load_config

    try:
        project = load_config()
    except RuletestError as exc:
        print(f"ruletest {command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sem = test_semantics(args.prometheus or project.prometheus, [*project.features, *args.enable_feature])
    if isinstance(sem, str):
        print(f"ruletest {command}: {sem}", file=sys.stderr)
        return EXIT_USAGE
    return sem


def _mutate(args: argparse.Namespace) -> int:
    from ruletest.authoring.mutate import MutateOptions, mutate_paths
    from ruletest.authoring.mutate_report import FORMATS, summary
    from ruletest.errors import RuletestError

    sem = _semantics(args, "mutate")
    if isinstance(sem, int):
        return sem
    changed = None
    if args.changed:
        from ruletest.lint.changes import changed_lines

        try:
            changed = changed_lines(args.base)
        except RuletestError as exc:
            print(f"ruletest mutate: {exc}", file=sys.stderr)
            return EXIT_USAGE
    try:
        report = mutate_paths(args.paths, MutateOptions(sem, jobs=max(args.jobs, 0), changed=changed,
                                                        ignore_unknown_fields=args.ignore_unknown_fields))
    except RuletestError as exc:
        print(f"ruletest mutate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(FORMATS[args.format](report))
    if report.score is None:
        if args.format != "text":
            print(summary(report), file=sys.stderr)
        return EXIT_OK if args.changed else EXIT_NO_TESTS
    if args.format != "text":
        print(summary(report), file=sys.stderr)
    if args.fail_under is not None and report.score < args.fail_under:
        print(f"ruletest mutate: mutation score {report.score:.1f}% is below {args.fail_under:g}%", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK
