"""Acceptance: ruletest's verdict equals promtool's on 278 public promtool test files.

Files pinned to a 2.x promtool run with ``--prometheus 2`` and must get promtool 2.42's verdict;
files whose project pins promtool 3.x run with the default semantics and must get the verdict
upstream CI expects. ``--promtool-compat`` turns off ruletest's extra strictness here (it is
tested on its own below, on real typos this corpus contains). For files that fail under 2.42,
the failures must be the same ones promtool reports (promtool is run for comparison).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.corpus import NATIVE_HISTOGRAM_FILES, Entry, entries, run_cli
from tests.needs import params

pytestmark = pytest.mark.needs("corpus")

ENTRIES = entries()


def _ids(e: Entry) -> str:
    return e.file


def test_corpus_is_complete() -> None:
    assert len(ENTRIES) == 278
    assert sum(1 for e in ENTRIES if e.prometheus == 2) == 221


@pytest.mark.parametrize("entry", params(ENTRIES, "corpus", ids=_ids))
def test_same_verdict_as_promtool(entry: Entry) -> None:
    for args, expected in entry.runs:
        rc, _out, err = run_cli(entry, ["--promtool-compat", *args])
        got = "pass" if rc == 0 else "fail"
        assert got == expected, f"{entry.file} {args}: expected {expected}, got {got}\n{err[-4000:]}"
        assert "Traceback" not in err


_KEY = re.compile(r"^\s+(alertname: \S+, time: \S+|expr: \".*\", time: [^,]+|rule: .*, time: \S+)", re.M)


def _failure_keys(text: str) -> set[str]:
    return {m.group(1).rstrip(",") for m in _KEY.finditer(text)}


@pytest.mark.oracle
@pytest.mark.needs("promtool")
@pytest.mark.parametrize("entry", params([e for e in ENTRIES if e.prometheus == 2 and e.expected == "fail"], "corpus",
                                          ids=_ids))
def test_same_failures_as_promtool(entry: Entry) -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None
    proc = subprocess.run([promtool, "test", "rules", entry.path.name], cwd=entry.path.parent,
                          capture_output=True, text=True, timeout=600)
    theirs = _failure_keys(proc.stdout + proc.stderr)
    _rc, out, err = run_cli(entry, ["--promtool-compat"])
    ours = _failure_keys(out + err)
    if "unsupported_field" in " ".join(entry.tags) or "parse_error" in " ".join(entry.tags):
        assert _rc != 0
        return
    assert ours == theirs


def test_native_histograms_pass_with_prometheus_3_and_are_refused_by_2() -> None:
    entry = next(e for e in ENTRIES if e.file in NATIVE_HISTOGRAM_FILES)
    assert entry.prometheus == 3 and entry.expected == "pass"
    rc, _out, err = run_cli(entry, [])
    assert rc == 0, err
    # As promtool 2.42 (the manifest: "fail:unsupported_field", histogram in main.sample), with
    # the reason: its series notation has no histograms either.
    rc, _out, err = run_cli(Entry(entry.file, entry.project, 2, "fail", (), entry.tags), [])
    assert rc != 0
    assert "native histograms need Prometheus 3" in err


@pytest.mark.parametrize(("file", "typo", "suggestion"), [
    ("alphagov__govuk-helm-charts/charts/monitoring-config/rules/chat_ai_tests.yaml",
     "SidekiqDefaultQueueAge", "SidekiqDefaultJobAge"),
    ("alphagov__govuk-helm-charts/charts/monitoring-config/rules/search_api_alerts_tests.yaml",
     "SearchApiElasticsearchDiskSpaceLow", "SearchApiElasticsearchDiskSpace"),
])
def test_strict_mode_catches_real_typos(file: str, typo: str, suggestion: str) -> None:
    # promtool passes these files: their tests assert that alerts which no rule defines stay
    # silent, which can never fail. ruletest (without --promtool-compat) reports them.
    entry = next(e for e in ENTRIES if e.file == file)
    rc, _out, err = run_cli(entry, [])
    assert rc == 1
    assert f"no rule in rule_files defines alert '{typo}' (did you mean '{suggestion}'?)" in err
