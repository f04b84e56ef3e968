"""The authoring subcommands of ``ruletest``: ``mutate``, ``new``, ``capture`` and ``backtest``.

``ruletest.cli`` registers them with :func:`register` and hands their arguments to :func:`run`.
Kept import-light: the work is imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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

    n = sub.add_parser("new", help="scaffold a promtool test file for an alert",
                       description="Write a test for an alert: input series from its expression's selectors (and the "
                                   "recording rules it reads), values found by evaluating the rules, cases for "
                                   "firing once `for` has elapsed, pending before, and silent below the threshold.")
    n.add_argument("alertname", nargs="?", metavar="ALERTNAME", help="the alert to write a test for")
    n.add_argument("--rules", nargs="+", required=True, metavar="FILE", help="rule files (the alert's and those "
                   "recording what it reads)")
    n.add_argument("-o", "--output", metavar="OUT", help="file to write (with --untested: a directory); default stdout")
    n.add_argument("--untested", action="store_true", help="write a test for every alert no test names")
    n.add_argument("--tests", nargs="+", default=["."], metavar="PATH",
                   help="with --untested: test files or directories that count as tested (default .)")
    n.add_argument("--evaluation-interval", metavar="DURATION",
                   help="evaluation interval of the test (default: the rule group's, else [tool.ruletest] "
                        "evaluation_interval, else 1m)")
    n.add_argument("--force", action="store_true", help="overwrite existing files")
    _semantics_flags(n)

    c = sub.add_parser("capture", help="write a regression test from what a live Prometheus saw",
                       description="Fetch the series the alerts read (one range query per selector, through the "
                                   "recording rules they read) and write a test file whose expectations are what the "
                                   "rules do on that data. Nothing is written unless everything was fetched.")
    _live_flags(c, required=True)
    c.add_argument("-o", "--output", metavar="FILE", help="file to write (default stdout)")
    c.add_argument("--anonymize", action="store_true",
                   help="replace label values (except those the rules match on) by <label>-<n>")
    c.add_argument("--force", action="store_true", help="overwrite an existing file")
    _semantics_flags(c)

    b = sub.add_parser("backtest", help="when would each alert have fired on captured or live data?",
                       description="Evaluate the rule files over a captured test file (--data) or live data (--url) "
                                   "and list when each alert fires; with --base, what changed since a git revision.")
    _live_flags(b, required=False)
    b.add_argument("--data", metavar="FILE", help="a test file written by `ruletest capture` (its first test group)")
    b.add_argument("--base", metavar="REF", help="compare with the rule files at this git revision")
    b.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    _semantics_flags(b)


def _live_flags(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--rules", nargs="+", required=True, metavar="FILE", help="rule files")
    p.add_argument("--url", required=required, metavar="URL", help="Prometheus base URL, e.g. http://localhost:9090")
    p.add_argument("--start", required=required, metavar="TIME",
                   help="RFC 3339, unix seconds, now, or now-DURATION (e.g. now-2h)")
    p.add_argument("--end", default="now", metavar="TIME", help="end of the range (default now)")
    p.add_argument("--step", metavar="DURATION",
                   help="sampling interval = the test's interval (default: the alert group's interval, else "
                        "[tool.ruletest] evaluation_interval, else 1m)")
    p.add_argument("--alert", action="append", default=[], metavar="NAME", help="only these alerts (repeatable)")
    p.add_argument("--max-series", type=int, default=1000, metavar="N", help="refuse more series than this")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per HTTP request")
    p.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                   help="HTTP header for every request, e.g. 'Authorization: Bearer ...' (repeatable)")


def run(args: argparse.Namespace) -> int:
    if args.command == "mutate":
        return _mutate(args)
    if args.command == "new":
        return _new(args)
    if args.command == "capture":
        return _capture(args)
    if args.command == "backtest":
        return _backtest(args)
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


def write_atomically(path: Path, text: str, force: bool) -> str | None:
    """Write ``text`` to ``path`` whole or not at all; the reason when it was not written."""
    import os
    import tempfile

    if path.exists() and not force:
        return f"{path} exists (use --force to overwrite)"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        return f"cannot write {path}: {exc.strerror or exc}"
    return None


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _new(args: argparse.Namespace) -> int:
    from ruletest.authoring.scaffold import (
        ScaffoldError,
        ScaffoldOptions,
        find_alert,
        scaffold_rule,
        untested_alerts,
    )
    from ruletest.durations import DurationError, parse_duration
    from ruletest.lint.config import ConfigError, load_config
    from ruletest.rule_files import load_groups
    from ruletest.rules.loader import RuleFileError
    from ruletest.runner import collect_test_files

    sem = _semantics(args, "new")
    if isinstance(sem, int):
        return sem
    if bool(args.alertname) == bool(args.untested):
        print("ruletest new: give either ALERTNAME or --untested", file=sys.stderr)
        return EXIT_USAGE
    if args.untested and not args.output:
        print("ruletest new: --untested needs -o DIRECTORY", file=sys.stderr)
        return EXIT_USAGE
    try:
        interval = parse_duration(args.evaluation_interval) if args.evaluation_interval else None
        default_interval = load_config().evaluation_interval_ms
        groups = load_groups(args.rules, sem)
        if args.untested:
            rules = untested_alerts(groups, collect_test_files(args.tests))
        else:
            rules = [find_alert(args.alertname, groups)]
    except (ScaffoldError, RuleFileError, DurationError, ConfigError) as exc:
        print(f"ruletest new: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = ScaffoldOptions(sem, interval, default_interval)
    failed = False
    for rule in rules:
        out = Path(args.output) if args.output else None
        if args.untested and out is not None:
            out = out / f"{_snake(rule.name)}_test.yml"
        try:
            text = scaffold_rule(rule, groups, options, base_dir=out.parent if out is not None else Path("."))
        except ScaffoldError as exc:
            print(f"ruletest new: {rule.name}: {exc}", file=sys.stderr)
            failed = True
            continue
        if out is None:
            sys.stdout.write(text)
            continue
        problem = write_atomically(out, text, args.force)
        if problem is not None:
            print(f"ruletest new: {problem}", file=sys.stderr)
            failed = True
        else:
            print(f"wrote {out}", file=sys.stderr)
    if args.untested and not rules:
        print("ruletest new: every alert is named by some alert_rule_test", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK



def _headers(values: list[str]) -> dict[str, str] | str:
    out = {}
    for v in values:
        name, sep, value = v.partition(":")
        if not sep or not name.strip():
            return f"--header {v!r}: expected 'NAME: VALUE'"
        out[name.strip()] = value.strip()
    return out


def _capture(args: argparse.Namespace) -> int:
    import time

    from ruletest.authoring.capture import CaptureError, CaptureOptions, capture_test
    from ruletest.authoring.promapi import PrometheusAPIError, parse_time
    from ruletest.durations import DurationError, parse_duration
    from ruletest.lint.config import ConfigError, load_config
    from ruletest.rules.loader import RuleFileError

    sem = _semantics(args, "capture")
    if isinstance(sem, int):
        return sem
    headers = _headers(args.header)
    if isinstance(headers, str):
        print(f"ruletest capture: {headers}", file=sys.stderr)
        return EXIT_USAGE
    now = round(time.time() * 1000)
    try:
        options = CaptureOptions(sem, parse_time(args.start, now), parse_time(args.end, now),
                                 parse_duration(args.step) if args.step else None, tuple(args.alert), args.anonymize,
                                 args.max_series, args.timeout, headers, load_config().evaluation_interval_ms)
    except (DurationError, PrometheusAPIError, ConfigError) as exc:
        print(f"ruletest capture: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.output) if args.output else None
    if out is not None and out.exists() and not args.force:
        print(f"ruletest capture: {out} exists (use --force to overwrite)", file=sys.stderr)
        return EXIT_USAGE
    try:
        text = capture_test(args.url, args.rules, options, base_dir=out.parent if out is not None else Path("."))
    except RuleFileError as exc:  # as ruletest test: a file that cannot be loaded is exit 2
        print(f"ruletest capture: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CaptureError as exc:
        print(f"ruletest capture: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    problem = write_atomically(out, text, args.force)
    if problem is not None:
        print(f"ruletest capture: {problem}", file=sys.stderr)
        return EXIT_FAIL
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def _backtest(args: argparse.Namespace) -> int:
    import time

    from ruletest.authoring import backtest as bt
    from ruletest.authoring.capture import CaptureError, alerts_named
    from ruletest.authoring.promapi import PrometheusAPIError, parse_time
    from ruletest.durations import DurationError, parse_duration
    from ruletest.lint.config import ConfigError, load_config
    from ruletest.rule_files import load_groups
    from ruletest.rules.loader import RuleFileError

    sem = _semantics(args, "backtest")
    if isinstance(sem, int):
        return sem
    if (args.data is None) == (args.url is None):
        print("ruletest backtest: give either --data FILE or --url URL --start TIME", file=sys.stderr)
        return EXIT_USAGE
    try:
        groups = load_groups(args.rules, sem)
        alerts_named(groups, args.alert)  # unknown names are an error
        if args.data is not None:
            data = bt.from_test_file(args.data)
        else:
            if args.start is None:
                print("ruletest backtest: --url needs --start", file=sys.stderr)
                return EXIT_USAGE
            headers = _headers(args.header)
            if isinstance(headers, str):
                print(f"ruletest backtest: {headers}", file=sys.stderr)
                return EXIT_USAGE
            now = round(time.time() * 1000)
            step = parse_duration(args.step) if args.step else None
            data = bt.live(args.url, groups, args.alert, parse_time(args.start, now), parse_time(args.end, now), step,
                           sem, args.max_series, args.timeout, headers, load_config().evaluation_interval_ms)
        current = bt.firings(groups, data, sem, args.alert)
        base = None
        if args.base is not None:
            base_groups = bt.rules_at(args.base, args.rules, sem)
            base = bt.firings(base_groups, data, sem, args.alert)
    except (CaptureError, RuleFileError, DurationError, PrometheusAPIError, ConfigError) as exc:
        print(f"ruletest backtest: {exc}", file=sys.stderr)
        return EXIT_FAIL if isinstance(exc, CaptureError) else EXIT_USAGE
    report = bt.json_report if args.format == "json" else bt.text_report
    sys.stdout.write(report(current, data, base))
    return EXIT_OK
