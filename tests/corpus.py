"""The realworld acceptance corpus (``shared/corpus/realworld``): where it is and what each file
is expected to do."""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tests.needs import CORPUS, available

# Files whose expected verdict depends on promtool flags (from cmd/promtool/unittest_test.go,
# recorded in the manifest's upstream_expected text).
FLAG_RUNS: dict[str, list[tuple[list[str], str]]] = {
    "rules_run.yml": [([], "fail"), (["--run", "correct"], "pass")],
    "rules_run_fuzzy.yml": [(["--run", "correct"], "pass"), (["--run", "wrong"], "fail")],
    "rules_run_extrafields.yml": [(["--ignore-unknown-fields"], "pass"), ([], "fail")],
}
# Files with native histograms (input {{...}} series, exp_samples[].histogram): they pass with
# Prometheus 3 semantics, as upstream expects; promtool 2.42 cannot load them (see the manifest's
# promtool_2_42 tags), and neither can ruletest with --prometheus 2.
NATIVE_HISTOGRAM_FILES = {"prometheus__prometheus/cmd/promtool/testdata/unittest.yml"}


@dataclass(frozen=True)
class Entry:
    file: str
    project: str
    prometheus: int
    expected: str  # pass / fail
    runs: tuple[tuple[tuple[str, ...], str], ...]
    tags: tuple[str, ...]

    @property
    def path(self) -> Path:
        return CORPUS / self.file


def entries() -> list[Entry]:
    """The manifest's entries (none when the corpus is not there: see ``tests/needs.py``)."""
    if not available("corpus"):
        return []
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())
    out = []
    for e in manifest["entries"]:
        if e["project"].startswith("VictoriaMetrics"):
            continue  # vmalert-tool dialect, not promtool
        upstream = e["upstream_promtool"]
        v3 = upstream.startswith(("v3", "3", "same tree"))
        if v3:
            expected = "pass" if e["upstream_expected"].startswith("pass") else "fail"
        else:
            expected = "pass" if e["promtool_2_42"]["verdict"] == "pass" else "fail"
        name = Path(e["file"]).name
        runs = FLAG_RUNS.get(name, [([], expected)]) if e["project"] == "prometheus__prometheus" else [([], expected)]
        out.append(Entry(e["file"], e["project"], 3 if v3 else 2, expected,
                         tuple((tuple(a), v) for a, v in runs), tuple(e["promtool_2_42"]["tags"])))
    return out


def run_cli(entry: Entry, args: list[str]) -> tuple[int, str, str]:
    """Run ``ruletest test`` in-process from the file's own directory (as the manifest says)."""
    from ruletest.cli import main

    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(entry.path.parent)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["test", "--prometheus", str(entry.prometheus), *args, entry.path.name])
    finally:
        os.chdir(cwd)
    return rc, out.getvalue(), err.getvalue()
