"""``ruletest test -j N``: files run in worker processes, and everything reported (stdout, stderr,
JUnit XML, exit code) is what the serial run reports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Passing and failing files, a rule evaluation error, a file that cannot be read, a file of
# another kind: every way a file's result can look.
FILES = [
    *sorted(str(p) for p in (REPO / "fixtures").glob("*_test.yml")),
    str(REPO / "tests" / "data" / "scenarios" / "limit_test.yml"),
    str(REPO / "tests" / "data" / "scenarios" / "eval_error_test.yml"),
    str(REPO / "tests" / "data" / "scenarios" / "scenarios_test.yml"),
    "missing_test.yml",
]


def run(tmp: Path, *args: str) -> tuple[int, str, str, str]:
    junit = tmp / f"junit{'-'.join(args)}.xml"
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "test", "--junit", str(junit), *args, *FILES],
                          cwd=REPO, capture_output=True, text=True)
    # JUnit timestamps are the time each suite was written, and times are measured.
    xml = re.sub(r'(timestamp|time)="[^"]*"', "", junit.read_text()) if junit.exists() else ""
    return proc.returncode, proc.stdout, proc.stderr, xml


def test_parallel_run_reports_what_the_serial_run_reports(tmp_path: Path) -> None:
    serial = run(tmp_path, "-j", "1")
    assert serial[0] == 2  # the missing file
    assert "FAILED" in serial[2] and "SUCCESS" in serial[1]
    assert run(tmp_path, "-j", "3") == serial
    assert run(tmp_path) == serial  # default: all cores
    assert run(tmp_path, "-j", "2", "--promtool-compat", "--prometheus", "2")[1:] == run(
        tmp_path, "-j", "1", "--promtool-compat", "--prometheus", "2")[1:]


def test_coverage_over_parallel_runs_is_the_serial_one() -> None:
    fixtures = sorted(str(p) for p in (REPO / "fixtures").glob("*_test.yml"))

    def coverage(jobs: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ruletest.cli", "test", "-j", jobs, "--coverage", *fixtures],
                              cwd=REPO, capture_output=True, text=True)

    serial = coverage("1")
    assert "Total:" in serial.stderr
    parallel = coverage("2")
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)


def test_jobs_must_be_positive() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "test", "-j", "0", "x.yml"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "-j/--jobs: must be a positive number" in proc.stderr
