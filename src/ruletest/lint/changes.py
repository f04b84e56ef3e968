"""``--changed --base REF``: which lines of which files changed since a git revision."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ruletest.errors import RuletestError
from ruletest.rules.loader import LoadOptions
from ruletest.semantics import Semantics

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_lines(base: str, cwd: Path | None = None) -> dict[str, set[int]]:
    """Absolute file path -> changed (added or modified) line numbers, working tree vs ``base``."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True,
                             check=True).stdout.strip()
        diff = subprocess.run(["git", "diff", "--unified=0", "--no-color", base, "--"], cwd=cwd,
                              capture_output=True, text=True, check=True).stdout
        untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=top,
                                   capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise RuletestError(f"--changed: cannot compare with {base!r}: {detail.strip()}") from None
    out: dict[str, set[int]] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None if name == "/dev/null" else str((Path(top) / name.removeprefix("b/")).resolve())
            continue
        m = _HUNK.match(line)
        if m and current is not None:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            out.setdefault(current, set()).update(range(start, start + count))
    for name in untracked:
        path = (Path(top) / name).resolve()
        if path.suffix in (".yml", ".yaml", ".json"):  # rule files and Grafana dashboards
            out[str(path)] = set(range(1, path.read_text(encoding="utf-8", errors="replace").count("\n") + 2))
    return out


def recorded_at(base: str, paths: list[str], semantics: Semantics, cwd: Path | None = None) -> dict[str, str]:
    """Recording rule name -> "file:line" for the rule files under ``paths`` as they were at
    ``base`` (files deleted since then included)."""
    from ruletest.promtool_format import looks_like_test_file
    from ruletest.rules.loader import load_rule_text

    try:
        top = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True,
                                  check=True).stdout.strip())
        rels = [str(Path(p).resolve().relative_to(top)) for p in paths]
        names = subprocess.run(["git", "ls-tree", "-r", "--name-only", base, "--", *rels], cwd=top,
                               capture_output=True, text=True, check=True).stdout.split()
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise RuletestError(f"--changed: cannot list rule files at {base!r}: {detail.strip()}") from None
    out: dict[str, str] = {}
    for name in names:
        if not name.endswith((".yml", ".yaml")):
            continue
        shown = subprocess.run(["git", "show", f"{base}:{name}"], cwd=top, capture_output=True, text=True)
        if shown.returncode != 0 or looks_like_test_file(shown.stdout):
            continue
        try:
            groups = load_rule_text(shown.stdout, name, LoadOptions(semantics))
        except RuletestError:
            continue
        for g in groups:
            for r in g.rules:
                if not r.is_alert:
                    out.setdefault(r.name, f"{name}:{r.line} at {base}")
    return out
