"""``ruletest`` command line: ``ruletest test`` is a drop-in for ``promtool test rules``.

Exit codes: 0 every test passed, 1 a test failed, 2 usage error or a file that cannot be read
or parsed, 5 no test ran (promtool uses 1 for everything)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ruletest import __version__
from ruletest.authoring import commands as authoring
from ruletest.errors import RuletestError
from ruletest.promtool_format import TestFile, TestFileError, load_test_file
from ruletest.reporting import file_text
from ruletest.reporting.files import write_reports
from ruletest.reporting.terminal import Progress, colour_verdicts, use_colour
from ruletest.results import FileResult
from ruletest.rules.loader import LoadOptions
from ruletest.rules.model import RuleGroup
from ruletest.runner import RunOptions, collect_test_files
from ruletest.semantics import PROMQL_FEATURES, Semantics, split_features

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NO_TESTS = 0, 1, 2, 5


def _prometheus_version(text: str) -> int:
    if text not in ("2", "3"):
        raise argparse.ArgumentTypeError("must be 2 or 3")
    return int(text)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError("must be a positive number")
    return n


def _default_jobs() -> int:
    from ruletest.batch import default_jobs

    return default_jobs()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``command`` (the first argument, when it names a subcommand) only
    that subcommand is registered: its usage, help and errors are the same, and a one-file run
    does not build the other dozen subcommands' arguments."""
    ap = argparse.ArgumentParser(prog="ruletest", description="Test and lint Prometheus rules offline.")
    ap.add_argument("--version", action="version", version=f"ruletest {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    registrars = _registrars()
    wanted = [registrars[command]] if command in registrars else list(dict.fromkeys(registrars.values()))
    for register in wanted:
        register(sub)
    return ap


def _registrars() -> dict[str, Callable[[Any], None]]:
    """Each subcommand's registration function (one may register several: authoring's four)."""
    out: dict[str, Callable[[Any], None]] = {"test": _add_test, "schema": _add_schema, "lint": _add_lint,
                                             "alertmanager": _add_alertmanager}
    out.update(dict.fromkeys(authoring.COMMANDS, authoring.register))  # mutate, new, capture, backtest
    return out


def _add_alertmanager(sub: Any) -> None:
    from ruletest.alertmanager.cli import register

    register(sub)


def _add_test(sub: Any) -> None:
    t = sub.add_parser("test", help="run promtool-format rule unit tests (like `promtool test rules`)")
    t.add_argument("files", nargs="+", metavar="FILE", help="test files, or directories to search for *.yml")
    t.add_argument("--related", action="store_true",
                   help="FILEs are changed files (pre-commit): run those that are test files and the test files "
                        "(under [tool.ruletest] test_paths, default .) whose rule_files include a changed rule file")
    t.add_argument("--run", action="append", default=[], metavar="REGEX",
                   help="only run test groups whose name matches (repeatable)")
    t.add_argument("--junit", metavar="PATH", help="write JUnit XML results to PATH (one testcase per assertion; "
                                                    "per test group, as promtool, with --promtool-compat)")
    t.add_argument("--html", metavar="PATH", help="write a self-contained HTML report with charts to PATH")
    t.add_argument("--summary-md", metavar="PATH",
                   help="append a Markdown summary to PATH (e.g. \"$GITHUB_STEP_SUMMARY\")")
    t.add_argument("--diff", action="store_true", help="show a readable diff for every failure")
    t.add_argument("--debug", action="store_true", help="print all series at the last evaluation time")
    t.add_argument("--ignore-unknown-fields", action="store_true",
                   help="ignore unknown fields in test and rule files (as promtool's flag)")
    t.add_argument("--prometheus", type=_prometheus_version, default=None, metavar="{2,3}",
                   help="PromQL semantics to emulate (default: [tool.ruletest] prometheus, else 3)")
    t.add_argument("--promtool-compat", action="store_true",
                   help="accept what promtool accepts: unknown alertnames and rule_files that match nothing")
    t.add_argument("--enable-feature", action="append", default=[], metavar="FEATURE",
                   help="promtool's feature flags (comma-separated, repeatable), e.g. promql-experimental-functions")
    t.add_argument("--timing", choices=["promtool", "server"], default=None,
                   help="evaluation schedule: promtool (every group at every evaluation_interval, the default) or "
                        "server (each group on its own interval, as Prometheus does); overrides a file's timing:")
    t.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help="run N test files at a time, output in file order as if run one by one (default: all cores)")
    t.add_argument("--coverage", action="store_true", help="report rules that no test exercises")
    t.add_argument("--coverage-fail-under", type=float, default=0.0, metavar="PCT",
                   help="fail when rule coverage is below PCT percent")


def _add_schema(sub: Any) -> None:
    sch = sub.add_parser("schema", help="print the JSON Schema of test files or rule files (for editors)")
    sch.add_argument("kind", nargs="?", choices=["test", "rules"], default="test",
                     help="test: promtool test files with ruletest's additions (default); rules: rule files")


def _add_lint(sub: Any) -> None:
    lint = sub.add_parser("lint", help="check rule files and Grafana dashboards offline (see --list)")
    lint.add_argument("paths", nargs="*", metavar="PATH", help="rule files, Grafana dashboard JSON files, or directories")
    lint.add_argument("--only-recognized", action="store_true",
                      help="skip given files that are not rule files, promtool test files or Grafana dashboards by "
                           "their content (for pre-commit, which passes every changed YAML and JSON file)")
    lint.add_argument("--format", choices=["text", "json", "github", "sarif", "checkstyle"], default=None,
                      help="output format (default: github under GitHub Actions, else text)")
    lint.add_argument("--fail-on", choices=["error", "warning", "info"], default="error",
                      help="exit 1 when a finding has at least this severity (default error)")
    lint.add_argument("--config", metavar="FILE",
                      help="TOML file to read settings from: its [tool.ruletest] table, else its top level "
                           "(default: the nearest ruletest.toml or pyproject.toml)")
    lint.add_argument("--inventory", metavar="FILE", help="metric inventory (exposition text or name: type lines)")
    lint.add_argument("--prometheus", type=_prometheus_version, default=None, metavar="{2,3}",
                      help="target Prometheus version (default from config, else 3)")
    lint.add_argument("--scrape-interval", metavar="DURATION", help="declared scrape interval (default 1m)")
    lint.add_argument("--enable-feature", action="append", default=[], metavar="FEATURE",
                      help="a feature the target Prometheus enables (comma-separated, repeatable), e.g. "
                           "promql-experimental-functions; adds to `features` in the configuration")
    lint.add_argument("--changed", action="store_true",
                      help="report only rules changed since --base (all files are still loaded)")
    lint.add_argument("--base", default="HEAD", metavar="REF", help="git revision for --changed (default HEAD)")
    lint.add_argument("--explain", metavar="ID", help="describe one check and exit")
    lint.add_argument("--list", action="store_true", help="list every check and exit")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    if args.command == "test":
        return cmd_test(args)
    if args.command == "lint":
        return cmd_lint(args)
    if args.command == "schema":
        import json

        from ruletest.schema import SCHEMAS

        print(json.dumps(SCHEMAS[args.kind](), indent=2))
        return EXIT_OK
    if args.command == "alertmanager":
        from ruletest.alertmanager.cli import run as run_alertmanager

        return run_alertmanager(args)
    if args.command in authoring.COMMANDS:
        return authoring.run(args)
    return EXIT_USAGE


def cmd_lint(args: argparse.Namespace) -> int:
    import os

    from ruletest.durations import parse_duration
    from ruletest.lint import CATALOG, Severity, lint_paths
    from ruletest.lint.config import load_config, load_inventory
    from ruletest.lint.report import FORMATS

    if args.list or args.explain:
        ids = [args.explain] if args.explain else sorted(CATALOG)
        for cid in ids:
            info = CATALOG.get(cid)
            if info is None:
                print(f"ruletest: unknown check {cid!r} (see ruletest lint --list)", file=sys.stderr)
                return EXIT_USAGE
            if args.explain:
                print(f"{info.id} ({info.severity}): {info.summary}\n\n{info.explain}")
            else:
                print(f"{info.id:<34} {info.severity!s:<8} {info.summary}{'' if info.default else ' (off by default)'}")
        return EXIT_OK
    if not args.paths:
        print("ruletest lint: no paths given", file=sys.stderr)
        return EXIT_USAGE
    try:
        cfg = load_config(explicit=args.config)
        if args.inventory:
            cfg.inventory = load_inventory(args.inventory)
        if args.prometheus:
            cfg.prometheus = args.prometheus
        if args.scrape_interval:
            cfg.scrape_interval_ms = parse_duration(args.scrape_interval)
            cfg.scrape_interval_declared = True
        cfg.features = cfg.features | set(split_features(args.enable_feature))
    except RuletestError as exc:
        print(f"ruletest lint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"ruletest lint: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    only = None
    base_recordings = None
    if args.changed:
        from ruletest.lint.changes import changed_lines, recorded_at

        try:
            changed = changed_lines(args.base)
            base_recordings = recorded_at(args.base, list(args.paths), cfg.semantics)
        except RuletestError as exc:
            print(f"ruletest lint: {exc}", file=sys.stderr)
            return EXIT_USAGE
        only = {}
        for p in args.paths:
            base = Path(p).resolve()
            for f, lines in changed.items():
                if f == str(base) or f.startswith(str(base) + os.sep):
                    only[str(Path(p) / Path(f).relative_to(base)) if base.is_dir() else p] = lines
    if args.only_recognized:
        from ruletest.lint.discover import recognized

        args.paths = [p for p in args.paths if Path(p).is_dir() or recognized(Path(p))]
        if not args.paths:
            print("ruletest lint: none of the given files is a rule file, test file or dashboard", file=sys.stderr)
            return EXIT_OK
    result = lint_paths(args.paths, cfg, only=only, base_recordings=base_recordings)
    if result.files == 0 and result.test_files == 0:
        # A gate that lints nothing must not pass silently (a renamed directory, unusual names).
        print(f"ruletest lint: no rule files or promtool test files in {', '.join(args.paths)}", file=sys.stderr)
        return EXIT_USAGE
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    sys.stdout.write(FORMATS[fmt](result))
    threshold = Severity[args.fail_on.upper()]
    return EXIT_FAIL if any(f.severity >= threshold for f in result.findings) else EXIT_OK


# `promtool --enable-feature` names that ruletest cannot honour yet: refused by name, never
# ignored. (promql-delayed-name-removal, the last one, is implemented.)
_UNSUPPORTED_FEATURES: dict[str, str] = {}


def test_semantics(version: int, features: Sequence[str]) -> Semantics | str:
    """The semantics of a test run, or why the requested features cannot be honoured."""
    wanted = split_features(features)
    for feature in wanted:
        if feature in _UNSUPPORTED_FEATURES:
            return f"feature {feature} is not supported: {_UNSUPPORTED_FEATURES[feature]}"
    return Semantics.of(version, wanted)


def cmd_test(args: argparse.Namespace) -> int:
    from ruletest.lint.config import load_config

    try:
        project = load_config()  # [tool.ruletest]: the target version and the server's features
    except RuletestError as exc:
        print(f"ruletest test: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sem = test_semantics(args.prometheus or project.prometheus, [*project.features, *args.enable_feature])
    if isinstance(sem, str):
        print(f"ruletest test: {sem}", file=sys.stderr)
        return EXIT_USAGE
    for feature in sorted(sem.features - PROMQL_FEATURES):
        # promtool warns about features it does not know and goes on; so does ruletest.
        print(f"  WARNING: Unknown feature passed to \"--enable-feature\": {feature}", file=sys.stderr)
    opts = RunOptions(sem, run=tuple(args.run), ignore_unknown_fields=args.ignore_unknown_fields, debug=args.debug,
                      strict=not args.promtool_compat, timing=args.timing)
    if args.related:
        files = related_test_files(args.files, project.test_paths)
        if not files:
            print("ruletest test: no promtool test file among or using the given files", file=sys.stderr)
            return EXIT_OK
    else:
        files = collect_test_files(args.files)
    if not files:
        print(f"ruletest test: no promtool test files (YAML with a top-level tests:) in {', '.join(args.files)}",
              file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    progress = Progress(sys.stderr, len(files))
    show_coverage = args.coverage or args.coverage_fail_under > 0
    want_coverage = bool(show_coverage or args.html or args.summary_md)
    results = run_files(files, replace(opts, trace=True) if args.html else opts, progress,  # --html draws the runs
                        jobs=args.jobs or _default_jobs(), keep_models=want_coverage)
    progress.clear()
    coverage = None
    if want_coverage:
        from ruletest.coverage import CoverageReport

        coverage = CoverageReport()
    colour_out, colour_err = use_colour(sys.stdout), use_colour(sys.stderr)
    for result, tf in results:
        if coverage is not None and tf is not None:
            coverage.record(tf, _groups_of(tf, opts), sem)
        out, err = file_text(result, diff=args.diff, promtool_compat=args.promtool_compat)
        sys.stdout.write(colour_verdicts(out) if colour_out else out)
        sys.stderr.write(colour_verdicts(err) if colour_err else err)
    plain = [r for r, _ in results]
    if args.junit:
        from ruletest.reporting import junit_xml

        # Go's XML encoder writes a byte that is not UTF-8 (a "\xff" escape in a query) as U+FFFD.
        xml = junit_xml(plain, promtool_compat=args.promtool_compat)
        xml = xml.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        Path(args.junit).write_text(xml, encoding="utf-8")
    problem = write_reports(plain, html=args.html, summary_md=args.summary_md, coverage=coverage,
                            duration_s=time.perf_counter() - started)
    if problem:
        print(f"ruletest test: {problem}", file=sys.stderr)
        return EXIT_USAGE
    failed = any(not r.passed for r in plain)
    if coverage is not None and show_coverage:
        print(coverage.text(), file=sys.stderr)
        if args.coverage_fail_under > 0 and coverage.percent() < args.coverage_fail_under:
            print(f"Rule test coverage {coverage.percent():.1f}% is below the threshold of "
                  f"{args.coverage_fail_under:.1f}%.", file=sys.stderr)
            failed = True
    if any(r.unreadable for r in plain):
        return EXIT_USAGE
    if failed:
        return EXIT_FAIL
    if not args.promtool_compat and not any(r.cases or any(g.cases for g in r.groups) for r in plain):
        what = "--run selected no test group" if args.run else "the files hold no test cases"
        print(f"ruletest test: no test ran ({what})", file=sys.stderr)
        return EXIT_NO_TESTS
    return EXIT_OK


def related_test_files(changed: Sequence[str], test_paths: Sequence[str]) -> list[str]:
    """The changed files that are test files, and the test files under ``test_paths`` whose
    ``rule_files`` match a changed file (what a pre-commit hook should run)."""
    from ruletest.promtool_format import looks_like_test_file
    from ruletest.rule_files import resolve

    changed_abs = {os.path.abspath(f) for f in changed}
    out: list[str] = []
    # Changed rule files are matched by path, so their tests are found wherever they live.
    for f in changed:
        try:
            if looks_like_test_file(Path(f).read_text(encoding="utf-8")):
                out.append(f)
        except (OSError, UnicodeDecodeError):
            continue
    for candidate in collect_test_files([p for p in test_paths if Path(p).exists()]):
        if os.path.abspath(candidate) in {os.path.abspath(x) for x in out}:
            continue
        try:
            tf = load_test_file(candidate)
        except TestFileError:
            continue  # broken test files are reported when they are run, not when searched
        files, _ = resolve(tf)
        if changed_abs & {os.path.abspath(x) for x in files}:
            rel = os.path.relpath(candidate)
            out.append(candidate if rel.startswith("..") else rel)
    return out


def run_files(files: Sequence[str], opts: RunOptions, progress: Progress | None = None, *, jobs: int = 1,
              keep_models: bool = True) -> list[tuple[FileResult, TestFile | None]]:
    """Load and run each test file (``jobs`` at a time, results in file order); a file that cannot
    be loaded is a failed result, never an exception. ``keep_models=False``: the parsed test files
    may be dropped (None in the pairs) when run in other processes."""
    from ruletest.batch import run_files as run_batch

    return run_batch(files, opts, jobs, keep_models=keep_models, progress=progress)


def _groups_of(tf: TestFile, opts: RunOptions) -> list[RuleGroup]:
    from ruletest.rule_files import test_rules

    return list(test_rules(tf, LoadOptions(opts.semantics, opts.ignore_unknown_fields)).groups)


if __name__ == "__main__":
    sys.exit(main())
