"""``ruletest alertmanager routes|render|check``: drop-ins for ``amtool config routes test``,
``amtool template render`` and ``amtool check-config`` (same flags, stdout and exit codes as
amtool 0.25), plus ruletest's additions (``--show``, ``--config.file`` for render, config lint).

Errors go to stderr as ``ruletest: error: FILE:LINE: reason`` where amtool prints
``amtool: error: reason``."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ruletest.alertmanager.version import DEFAULT, Version, VersionError

if TYPE_CHECKING:
    from ruletest.alertmanager.config import Config

EXIT_OK, EXIT_FAIL = 0, 1


def _version(text: str) -> Version:
    try:
        return Version.parse(text)
    except VersionError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _path_map(text: str) -> tuple[str, str]:
    prefix, sep, local = text.partition("=")
    if not sep or not prefix or not local:
        raise argparse.ArgumentTypeError("expected PREFIX=DIRECTORY, e.g. /etc/alertmanager/template=templates")
    return prefix, local


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alertmanager", dest="am_version", type=_version, default=DEFAULT, metavar="VERSION",
                   help=f"Alertmanager release to emulate, 0.25 to 0.34 (default {DEFAULT})")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``alertmanager`` and its commands to ruletest's subcommands."""
    am = sub.add_parser("alertmanager", help="test Alertmanager configs: routes, templates, config checks (like amtool)")
    cmds = am.add_subparsers(dest="am_command", required=True)

    r = cmds.add_parser("routes", help="which receivers a label set reaches (like `amtool config routes test`)")
    r.add_argument("labels", nargs="*", metavar="LABEL=VALUE", help="the alert's labels")
    r.add_argument("--config.file", dest="config_file", required=True, metavar="FILE", help="alertmanager.yml")
    r.add_argument("--tree", action="store_true", help="print the matching routes")
    r.add_argument("--verify.receivers", dest="verify", default="", metavar="A,B",
                   help="fail (exit 1) unless exactly these receivers are reached")
    r.add_argument("--show", action="store_true", help="print the whole routing tree (like `amtool config routes`)")
    _common(r)

    t = cmds.add_parser("render", help="render a template (like `amtool template render`)")
    t.add_argument("--template.glob", dest="globs", action="append", default=[], metavar="GLOB",
                   help="template files to load (repeatable); Alertmanager's defaults are always loaded first")
    t.add_argument("--template.text", dest="text", required=True, metavar="TEXT", help="the template to render")
    t.add_argument("--template.type", dest="type", choices=["text", "html"], default="text")
    t.add_argument("--template.data", dest="data", metavar="FILE", help="JSON template.Data (default: amtool's)")
    t.add_argument("--config.file", dest="config_file", metavar="FILE",
                   help="load the templates this alertmanager.yml names (relative to it)")
    t.add_argument("--template.path-map", dest="path_map", action="append", type=_path_map, default=[],
                   metavar="PREFIX=DIR", help="read templates listed under PREFIX (e.g. /etc/alertmanager/template) "
                                              "from DIR, relative to the config file")
    _common(t)

    c = cmds.add_parser("check", help="validate configs (like `amtool check-config`), optionally lint them")
    c.add_argument("files", nargs="*", metavar="FILE", help="alertmanager.yml files (stdin if none)")
    c.add_argument("--rules", action="append", default=[], metavar="PATH",
                   help="rule files or directories: lint the config against the alerts they define")
    c.add_argument("--lint", action="store_true", help="lint even without --rules")
    c.add_argument("--format", choices=["text", "json", "github", "sarif", "checkstyle"], default="text",
                   help="lint output format (default text)")
    c.add_argument("--fail-on", choices=["error", "warning", "info"], default="warning",
                   help="exit 1 when a lint finding has at least this severity (default warning)")
    c.add_argument("--template.path-map", dest="path_map", action="append", type=_path_map, default=[],
                   metavar="PREFIX=DIR", help="as for render")
    _common(c)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if args.am_command == "routes":
        return cmd_routes(args, out, err)
    if args.am_command == "render":
        return cmd_render(args, out, err)
    return cmd_check(args, out, err)


def _error(err: TextIO, message: str) -> int:
    err.write(f"ruletest: error: {message}\n")
    return EXIT_FAIL


def cmd_routes(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ruletest.alertmanager.loader import ConfigError, LoadOptions, load_config_file
    from ruletest.alertmanager.matchers import MatcherError, default_mode, parse_matcher
    from ruletest.alertmanager.route import build_tree, format_matching_tree, format_tree

    version: Version = args.am_version
    try:
        config = load_config_file(args.config_file, LoadOptions(version=version))
    except ConfigError as exc:
        return _error(err, "\n".join(exc.located()))
    tree = build_tree(config)
    if args.show:
        out.write(format_tree(tree, version) + "\n")
        return EXIT_OK
    labels: dict[str, str] = {}
    for text in args.labels:
        try:
            m = parse_matcher(text, default_mode(version))
        except MatcherError as exc:
            return _error(err, f"Failed to parse labels: {exc.message}")
        if m.op != "=":
            return _error(err, "Failed to parse labels: labels must be specified as key=value pairs")
        labels[m.name] = m.value
    matched = tree.match(labels)
    if args.tree:
        out.write(format_matching_tree(tree, matched, version) + "\n\n")
    slug = ",".join(r.opts.receiver for r in matched)
    out.write(slug + "\n")
    if args.verify and args.verify != slug:
        out.write("WARNING: Expected receivers did not match resolved receivers.\n")
        return EXIT_FAIL
    return EXIT_OK


def cmd_render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ruletest.alertmanager.amtool import DataError, data_from_json, default_data
    from ruletest.alertmanager.loader import ConfigError, LoadOptions, load_config_file
    from ruletest.alertmanager.template_set import TemplateLoadError, load_template_set
    from ruletest.templates.parse import TemplateError

    version: Version = args.am_version
    globs = list(args.globs)
    config = None
    if args.config_file:
        try:
            config = load_config_file(args.config_file, LoadOptions(version=version,
                                                                    template_paths=dict(args.path_map)))
        except ConfigError as exc:
            return _error(err, "\n".join(exc.located()))
        globs = list(config.template_globs) + globs
    elif not globs:
        return _error(err, "required flag --template.glob not provided (or name them with --config.file)")
    try:
        templates = load_template_set(globs, version)
    except TemplateLoadError as exc:
        return _error(err, exc.message)
    if args.data:
        try:
            data = data_from_json(Path(args.data).read_text(encoding="utf-8"))
        except OSError as exc:
            return _error(err, f"open {args.data}: {exc.strerror}")
        except DataError as exc:
            return _error(err, exc.message)
    else:
        data = default_data(version)
    import time

    try:
        rendered = templates.execute(args.text, data, html=args.type == "html", now_ms=time.time_ns() // 1_000_000)
    except TemplateError as exc:
        return _error(err, exc.message + "".join(f"\n  {hint}" for hint in _unmatched_hints(config, args.globs)))
    out.write(rendered)
    return EXIT_OK


def _unmatched_hints(config: Config | None, globs: Sequence[str]) -> list[str]:
    """Why a template may be missing: ``templates`` entries (or ``--template.glob``s) that match
    no file. Alertmanager accepts them; here they usually name the deployed directory
    (``/etc/alertmanager/template/*.tmpl``), which ``--template.path-map`` maps to the repository's."""
    from ruletest.alertmanager.template_set import expand_globs
    from ruletest.alertmanager.testbed import unmatched_templates

    hints = []
    if config is not None:
        for written, resolved, line in unmatched_templates(config):
            where = f"{config.path}:{line}" if line else config.path
            hint = f"{where}: templates entry {written!r} matches no file"
            if resolved != written:
                hint += f" (read as {resolved})"
            if os.path.isabs(written):
                directory = os.path.dirname(re.split(r"[*?[]", written, maxsplit=1)[0]) or "/"
                hint += (f"; map the deployed directory to the repository's with --template.path-map "
                         f"{directory}=DIR (DIR relative to {os.path.basename(config.path)})")
            hints.append(hint)
    hints.extend(f"--template.glob {g!r} matches no file" for g in globs if not expand_globs([g]))
    return hints


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ruletest.alertmanager.amtool import found_block
    from ruletest.alertmanager.loader import ConfigError, LoadOptions, load_config_text
    from ruletest.alertmanager.template_set import TemplateLoadError, load_template_set

    version: Version = args.am_version
    files: Sequence[str] = args.files or ["-"]
    missing = [f for f in files if f != "-" and not Path(f).exists()]
    if missing:
        return _error(err, f"path '{missing[0]}' does not exist")
    failed = 0
    loaded = []
    for f in files:
        shown = "/dev/stdin" if f == "-" else f
        out.write(f"Checking '{shown}'")
        text = sys.stdin.read() if f == "-" else Path(f).read_text(encoding="utf-8", errors="replace")
        opts = LoadOptions(version=version, template_paths=dict(args.path_map))
        try:
            config = load_config_text(text, shown if f == "-" else f, opts)
        except ConfigError as exc:
            out.write(f"  FAILED: {exc.amtool}\n\n")
            for line in exc.located():
                err.write(line + "\n")
            failed += 1
            continue
        out.write("  SUCCESS\n")
        out.write("\n".join(found_block(config)) + "\n")
        if config.templates:
            try:
                # amtool parses only the user's files here (its Debian build ships no defaults).
                load_template_set(config.template_globs, version)
            except TemplateLoadError as exc:
                out.write(f"  FAILED: {exc.message}\n")
                failed += 1
            else:
                out.write("  SUCCESS\n")
        out.write("\n")
        loaded.append(config)
    status = EXIT_OK
    if failed:
        err.write(f"ruletest: error: failed to validate {failed} file(s)\n")
        status = EXIT_FAIL
    if args.rules or args.lint:
        from ruletest.alertmanager.lint import lint_configs
        from ruletest.lint import Severity
        from ruletest.lint.report import FORMATS

        result = lint_configs(loaded, args.rules, version=version)
        out.write(FORMATS[args.format](result))
        threshold = Severity[args.fail_on.upper()]
        if any(f.severity >= threshold for f in result.findings):
            status = EXIT_FAIL
    return status
