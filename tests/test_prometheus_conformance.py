"""Prometheus 3.14's own engine tests against ruletest's engine.

The 21 files of ``promql/promqltest/testdata`` (``../shared/reference/promqltest-3.14/``,
unmodified) run through :mod:`tests.promqltest`, which executes every ``eval`` as Prometheus'
``test.go`` does: the test engine's options (experimental functions, extended range selectors,
fill modifiers, delayed name removal, lookback 5m, 1m subquery step), instant queries also with
``@``-pinned variants and in range mode. Every ``eval`` is one test item, named ``file:line``.

Nothing is dropped silently: a case the interpreter does not run is an ``xfail(strict)`` item
with its reason (native histograms belong to issue 11; start timestamps and type-and-unit labels
are server features promtool cannot use), and the number of such cases per file is pinned by
``NOT_RUN``. A case that runs and fails is an error unless listed in ``KNOWN`` with its reason;
a listed case that passes is an error too (strict xfail).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from tests.needs import PROMQLTEST, available, params
from tests.promqltest import (
    NATIVE_HISTOGRAMS,
    START_TIMESTAMPS,
    TYPE_AND_UNIT,
    Eval,
    Outcome,
    parse_file,
    pin_at,
    run_commands,
    run_file,
)

# Cases that run and fail, with the reason; strict: one that starts passing must be removed.
KNOWN: dict[tuple[str, int], str] = {}

# Cases not run, per file and reason (counted by the interpreter; pinned so that a float case
# wrongly taken for a histogram one, or the reverse, is noticed).
NOT_RUN: dict[tuple[str, str], int] = {
    ("aggregators.test", NATIVE_HISTOGRAMS): 35,
    ("extended_vectors.test", NATIVE_HISTOGRAMS): 49,
    ("functions.test", NATIVE_HISTOGRAMS): 108,
    ("histograms.test", NATIVE_HISTOGRAMS): 92,
    ("info.test", NATIVE_HISTOGRAMS): 1,
    ("limit.test", NATIVE_HISTOGRAMS): 36,
    ("native_histograms.test", NATIVE_HISTOGRAMS): 519,
    ("operators.test", NATIVE_HISTOGRAMS): 72,
    ("range_queries.test", NATIVE_HISTOGRAMS): 2,
    ("start_timestamps.test", NATIVE_HISTOGRAMS): 10,
    ("start_timestamps.test", START_TIMESTAMPS): 16,
    ("subquery.test", NATIVE_HISTOGRAMS): 2,
    ("type_and_unit.test", TYPE_AND_UNIT): 58,
}

FILE_COUNT = 21


def _files() -> list[Path]:
    return sorted(PROMQLTEST.glob("*.test")) if available("promqltest") else []


@cache
def _outcomes(name: str) -> dict[int, Outcome]:
    return {o.line: o for o in run_file(PROMQLTEST / name)}


def _cases() -> list[object]:
    out: list[object] = []
    for path in _files():
        for line, o in _outcomes(path.name).items():
            if o.status == "not run":
                continue
            marks = [pytest.mark.xfail(strict=True, reason=KNOWN[(path.name, line)])] if (path.name, line) in KNOWN else []
            out.append(pytest.param(path.name, line, id=f"{path.name}:{line}", marks=marks))
    if not out:
        return [pytest.param(None, None, id="needs-promqltest", marks=pytest.mark.needs("promqltest"))]
    return out


def _not_run_groups() -> list[object]:
    groups: dict[tuple[str, str], list[int]] = {}
    for path in _files():
        for line, o in _outcomes(path.name).items():
            if o.status == "not run":
                groups.setdefault((path.name, o.detail), []).append(line)
    out: list[object] = []
    for (file, reason), lines in groups.items():
        listed = ", ".join(map(str, lines))
        out.append(pytest.param(file, lines, id=f"{file}:{reason.split(' (')[0]}", marks=pytest.mark.xfail(
            strict=True, reason=f"not run: {reason}: {len(lines)} cases, lines {listed}")))
    if not out:
        return [pytest.param(None, None, id="needs-promqltest", marks=pytest.mark.needs("promqltest"))]
    return out


@pytest.mark.parametrize(("file", "line"), _cases())
def test_prometheus_engine_case(file: str, line: int) -> None:
    case = _outcomes(file)[line]
    assert case.status == "pass", f"{case.id}: {case.expr}\n{case.detail}"


@pytest.mark.parametrize(("file", "lines"), _not_run_groups())
def test_prometheus_engine_cases_not_run(file: str, lines: list[int]) -> None:
    # One strict xfail per file and reason, listing the cases; all of them must pass to XPASS.
    outcomes = _outcomes(file)
    assert all(outcomes[line].status == "pass" for line in lines)


@pytest.mark.needs("promqltest")
def test_all_files_and_not_run_counts() -> None:
    files = _files()
    assert len(files) == FILE_COUNT
    counts = Counter((f.name, o.detail) for f in files for o in _outcomes(f.name).values() if o.status == "not run")
    assert dict(counts) == NOT_RUN
    assert all((f, line) in {(p.name, ln) for p in files for ln in _outcomes(p.name)} for f, line in KNOWN)


@pytest.mark.parametrize("path", params(_files(), "promqltest", ids=lambda p: p.name))
def test_every_file_has_cases(path: Path) -> None:
    commands = parse_file(path.read_text(encoding="utf-8"))
    assert [c for c in commands if isinstance(c, Eval)], f"{path.name} has no eval commands"


# --- the interpreter itself (synthetic files; expected values by hand) ---------------------------


def _run(text: str) -> list[Outcome]:
    return run_commands("synthetic.test", parse_file(text))


def test_a_wrong_expectation_fails() -> None:
    (outcome,) = _run('load 5m\n  m{a="b"} 1 2 3\n\neval instant at 10m m\n  m{a="b"} 4\n')
    assert outcome.status == "fail" and 'expected 4.0 for {__name__="m", a="b"} but got 3.0' in outcome.detail


def test_instant_cases_are_checked_in_range_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.promqltest as P

    text = "load 1m\n  m 0+1x10\n\neval instant at 5m m\n  m 5\n"
    assert [o.status for o in _run(text)] == ["pass"]
    ranges: list[tuple[int, int, int]] = []
    real = P.range_query

    def spy(eng: object, node: object, start: int, end: int, step: int) -> P.RangeResult:
        ranges.append((start, end, step))
        result = real(eng, node, start, end, step)  # type: ignore[arg-type]
        return [(labels, {t: v + 1 for t, v in points.items()}) for labels, points in result]

    monkeypatch.setattr(P, "range_query", spy)
    (o,) = _run(text)
    assert o.status == "fail" and o.detail.startswith("range mode:")
    # [t-1m, t+1m] with a 1m step around 5m.
    assert ranges == [(240_000, 360_000, 60_000)]
    # Queries that read the query's own range or step are not checked in range mode.
    monkeypatch.setattr(P, "range_query", spy)
    assert [o.status for o in _run("load 1m\n  m 0+1x10\n\neval instant at 5m m offset step()\n  m 5\n")] == ["pass"]


def test_at_pinned_variants() -> None:
    from ruletest.promql import ast as A

    node = A.parse("rate(x[5m]) + sum_over_time(rate(y[1m])[10m:1m] offset 1m) + z @ 5", 3)
    pinned = pin_at(node, 60_000)
    assert pinned is not None
    # The subquery is pinned, not what is inside it; a selector with its own @ keeps it.
    assert A.to_promql(pinned) == ("rate(x[5m] @ 60.000) + sum_over_time(rate(y[1m])[10m:1m] @ 60.000 offset 1m) "
                                   "+ z @ 5.000")
    assert pin_at(A.parse("time() + x", 3), 60_000) is None  # time() reads the evaluation time


def test_expected_errors() -> None:
    text = ("load 1m\n  a{x=\"1\"} 1\n  a{x=\"2\"} 1\n  b 1\n\n"
            "eval instant at 0 b + on() a\n  expect fail msg: nope\n\n"
            "eval_fail instant at 0 b + on() a\n\n"
            "eval instant at 0 b + on() a\n  expect fail regex: many-to-many matching not allowed\n\n"
            "eval instant at 0 b\n  expect fail\n")
    wrong_msg, old_form, regex, no_error = _run(text)
    assert wrong_msg.status == "fail" and "expected error matching 'nope'" in wrong_msg.detail
    assert old_form.status == "pass" and regex.status == "pass"
    assert no_error.status == "fail" and "expected error" in no_error.detail


def test_ordered_range_vector_and_string_results() -> None:
    text = ("load 10s\n  m{k=\"a\"} 1+1x5\n  m{k=\"b\"} 9\n\n"
            "eval instant at 10s sort_desc(m)\n  expect ordered\n  m{k=\"b\"} 9\n  m{k=\"a\"} 2\n\n"
            "eval instant at 10s sort(m)\n  expect ordered\n  m{k=\"b\"} 9\n  m{k=\"a\"} 2\n\n"
            # The query runs at the range vector's end (50s), whatever "at" says: (20s, 50s].
            "eval instant at 1m m{k=\"a\"}[30s]\n  expect range vector from 30s to 50s step 10s\n  m{k=\"a\"} 4 5 6\n\n"
            "eval instant at 0 \"x\"\n  expect string \"x\"\n")
    ordered, misordered, matrix, string = _run(text)
    assert ordered.status == "pass" and matrix.status == "pass" and string.status == "pass"
    assert misordered.status == "fail" and "at position" in misordered.detail


def test_histogram_and_start_timestamp_cases_are_reported_not_run() -> None:
    text = ("load 1m\n  h {{schema:0 count:1 sum:1}}\n  f 1\n  s@st _ -1s\n  s _ 1\n\n"
            "eval instant at 0 h\n  h {{schema:0 count:1 sum:1}}\n\n"
            "eval instant at 0 count({__name__=~\"h|f\"})\n  {} 2\n\n"
            "eval instant at 1m s\n  s 1\n\n"
            "eval instant at 0 f\n  f 1\n\n"
            "clear\nload_with_nhcb 1m\n  x_bucket{le=\"+Inf\"} 1\n\n"
            "eval instant at 0 x\n\n"
            "eval instant at 0 x_bucket\n  x_bucket{le=\"+Inf\"} 1\n")
    out = _run(text)
    assert [(o.status, o.detail) for o in out] == [
        ("not run", NATIVE_HISTOGRAMS), ("not run", NATIVE_HISTOGRAMS), ("not run", START_TIMESTAMPS),
        ("pass", ""), ("not run", NATIVE_HISTOGRAMS), ("pass", "")]


def test_annotation_expectations_are_marked_unchecked() -> None:
    (o,) = _run("load 1m\n  m 1\n\neval instant at 0 m\n  expect warn\n  m 1\n")
    assert o.status == "pass" and o.unchecked_annotations
