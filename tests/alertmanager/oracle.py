"""Running Debian's amtool 0.25 (package prometheus-alertmanager) next to ruletest's commands."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ruletest.cli import build_parser

# The Debian amtool does not load Alertmanager's default templates (the server reads them from
# here); pass them explicitly to compare with ruletest, which always loads its own copy.
DEBIAN_TEMPLATES = ("/usr/share/prometheus/alertmanager/default.tmpl", "/usr/share/prometheus/alertmanager/email.tmpl")
_WARNING = "Warning: --config.file flag overrides the --alertmanager.url.\n"


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    rc: int


def amtool(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Run:
    exe = shutil.which("amtool")
    assert exe is not None
    p = subprocess.run([exe, *args], capture_output=True, text=True, cwd=cwd, input=stdin, timeout=30,
                       env={"PATH": "/usr/bin:/bin", "TZ": "UTC"})
    return Run(p.stdout, p.stderr.replace(_WARNING, ""), p.returncode)


def ruletest(*args: str, cwd: Path | None = None) -> Run:
    """``ruletest alertmanager ARGS`` in-process (the same code as the console script)."""
    import os

    from ruletest.alertmanager.cli import run

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        ns = build_parser().parse_args(["alertmanager", *args])
        rc = run(ns, out, err)
    finally:
        os.chdir(old)
    return Run(out.getvalue(), err.getvalue(), rc)
