"""Prometheus' engine tests as promtool test files, run through ``ruletest test``.

Issue 12's acceptance measure: each float ``eval`` of the promqltest-3.14 files becomes a test
group of a promtool test file (named ``file:line``) holding the series loaded before it and one
``promql_expr_test`` per evaluation (an instant eval: one; a range eval: one per step, as the
instant query at that step). The files run through ``ruletest test`` (the CLI, in process, with
JUnit output); a case passes when its group does. Cases expected to fail pass when ruletest
reports an evaluation error (with the expected message, when the case gives one).

What promtool's format cannot say is handled, and counted, as follows:

- the engine tests compare values within a relative 1e-6 and NaN equal to NaN; promtool compares
  exactly and NaN never matches, so the converted cases use ruletest's ``relative_tolerance:
  2e-6`` (``|a-b| <= 2e-6 max(|a|,|b|)`` covers ``almost.Equal``'s ``|a-b| < 1e-6 (|a|+|b|)``)
  and ``nan_equal: true``;
- ordered results compare as sets (promtool sorts), annotations are not compared;
- not converted: cases the interpreter does not run (native histograms, start timestamps,
  type-and-unit labels: see :mod:`tests.promqltest`), results promtool cannot take (strings,
  range vectors), and range queries that read their own step or range (``step()``, ``range()``,
  ``@ start()``...; promtool runs instant queries only);
- promtool loads input series only up to the last ``evaluation_interval`` step before the latest
  evaluation time of a group, so each group ends with one more check, ``vector(1)`` at the first
  step at or after the last sample, to load them all as the engine tests do
  (``evaluation_interval`` stays 1m: it is also the default subquery step, 1m in the engine tests).

A case is *feature-flagged* when its expression needs one of promtool's ``--enable-feature``
flags to parse, or it comes from ``name_label_dropping.test`` (the spec of delayed name
removal); those run with all of promtool's PromQL flags, the others with none.

    python -m tests.promqltest_convert [--keep DIR]    # per-file table and totals
"""

from __future__ import annotations

import math
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

from ruletest.promql import ast as A
from ruletest.promql.histograms import CounterResetHint, FloatHistogram
from ruletest.promql.parser import ParseOptions, PromQLParseError
from ruletest.promql.values import STALE, Labels, format_series
from ruletest.semantics import (
    FEATURE_BINOP_FILL_MODIFIERS,
    FEATURE_DELAYED_NAME_REMOVAL,
    FEATURE_EXPERIMENTAL_FUNCTIONS,
    FEATURE_EXTENDED_RANGE_SELECTORS,
)
from ruletest.series import ExpectedHistogram, expand_expected
from tests.promqltest import (
    TEST_SEMANTICS,
    Clear,
    Eval,
    Load,
    Run,
    _selected,
    parse_file,
)

PROMTOOL_FLAGS = (FEATURE_EXPERIMENTAL_FUNCTIONS, FEATURE_DELAYED_NAME_REMOVAL, FEATURE_EXTENDED_RANGE_SELECTORS,
                  FEATURE_BINOP_FILL_MODIFIERS)
EVALUATION_INTERVAL_MS = 60_000  # the engine tests' subquery step; promtool uses evaluation_interval
MAX_VALUES = 200_000  # per input series
TEST_PARSE_OPTIONS = ParseOptions.for_semantics(TEST_SEMANTICS)


@dataclass
class Case:
    file: str
    line: int
    expr: str
    flagged: bool
    converted: bool
    reason: str = ""  # why not converted
    fail: bool = False
    fail_message: str | None = None
    fail_regex: str | None = None
    status: str = ""  # "pass" / "fail" after running
    histograms: bool = False  # a native histogram case (tests.promqltest.Run.involves_histograms)

    @property
    def group(self) -> str:
        return f"{self.file}:{self.line}"


def _ms_text(ms: int) -> str:
    return f"{ms}ms"


def _number(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return repr(v)


def _yaml_float(v: float) -> str:
    if math.isnan(v):
        return ".nan"
    if math.isinf(v):
        return ".inf" if v > 0 else "-.inf"
    text = repr(v)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"  # YAML 1.1 reads 1e-06 as a string
    return text


def _notation(h: FloatHistogram) -> str:
    """promtool's notation of ``h``, made readable by its own parser: Go prints an empty
    ``custom_values:[]`` (a custom-bucket histogram with only the +Inf bucket) and infinities as
    ``+Inf``, which the notation's grammar does not accept (it reads ``Inf``)."""
    text = h.test_expression().replace(" custom_values:[]", "")
    return re.sub(r"(?<=[:\[ ])\+Inf", "Inf", text)


def _values_text(points: dict[int, object], step: int) -> str:
    """A promtool value sequence for samples at multiples of ``step``: exact floats, ``_`` runs."""
    last = max(points)
    out: list[str] = []
    gap = 0
    for i in range(last // step + 1):
        v = points.get(i * step)
        if v is None:
            gap += 1
            continue
        if gap:
            out.append("_" if gap == 1 else f"_x{gap}")
            gap = 0
        if isinstance(v, FloatHistogram):
            out.append(_notation(v))
        else:
            out.append("stale" if v is STALE else _number(v))  # type: ignore[arg-type]
    return " ".join(out)


def _series_block(run: Run, expr: str) -> tuple[list[str], int, int]:
    """input_series lines, the interval, and the time of the last sample: every series loaded,
    or, when their common interval would need too many values, those the expression selects."""
    chosen: dict[Labels, dict[int, object]] = {k: s.points for k, s in run.series.items() if s.points}
    chosen.update(run.nhcb.items())  # load_with_nhcb's histograms, written out
    times = [t for s in chosen.values() for t in s]
    if not times:
        return [], EVALUATION_INTERVAL_MS, 0
    step = reduce(math.gcd, (t for t in times if t), 0) or EVALUATION_INTERVAL_MS
    if max(times) // step > MAX_VALUES:
        node = A.parse(expr, TEST_PARSE_OPTIONS)
        chosen = {k: s for k, s in chosen.items() if _selected(node, k, run.semantics)}
        times = [t for s in chosen.values() for t in s] or [0]
        step = reduce(math.gcd, (t for t in times if t), 0) or EVALUATION_INTERVAL_MS
    lines = []
    for labels, s in sorted(chosen.items()):
        lines.append(f"      - series: {_yaml_str(format_series(labels))}")
        lines.append(f"        values: {_yaml_str(_values_text(s, step))}")
    return lines, step, max(times)


def _yaml_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _exp_samples(expected: Iterable[tuple[Labels, float | FloatHistogram]], indent: str) -> list[str]:
    out = []
    for labels, value in expected:
        out.append(f"{indent}- labels: {_yaml_str(format_series(labels))}")
        if isinstance(value, FloatHistogram):
            out.append(f"{indent}  histogram: {_yaml_str(_notation(value))}")
        else:
            out.append(f"{indent}  value: {_yaml_float(value)}")
    return out


def _expr_test(expr: str, t: int, samples: list[tuple[Labels, float | FloatHistogram]]) -> list[str]:
    lines = [f"      - expr: {_yaml_str(expr)}", f"        eval_time: {_ms_text(t)}",
             "        relative_tolerance: 2.0e-6", "        nan_equal: true"]
    if samples:
        lines.append("        exp_samples:")
        lines += _exp_samples(samples, "          ")
    else:
        lines.append("        exp_samples: []")
    return lines


def _expected_at(ev: Eval, i: int) -> list[tuple[Labels, float | FloatHistogram]]:
    """Expected samples of step ``i`` (0 for an instant eval). A histogram is written in
    promtool's notation, which has its counter reset hint only when it is not ``unknown``: one
    the engine test spells out as ``unknown`` is then not compared (ruletest's tolerant
    comparison compares the hint only when written)."""
    if ev.scalar is not None:
        return [((), ev.scalar)]
    out: list[tuple[Labels, float | FloatHistogram]] = []
    for labels, exp in ev.expected.items():
        values = expand_expected(exp.values)
        if i < len(values):
            v = values[i]
            if isinstance(v, float):
                out.append((labels, v))
            elif isinstance(v, ExpectedHistogram):
                out.append((labels, v.histogram if v.hint_given else v.histogram.with_hint(CounterResetHint.UNKNOWN)))
            elif v is STALE:
                out.append((labels, math.nan))
    return out


def needs_flags(expr: str) -> bool:
    """Whether promtool 3.14 refuses ``expr`` without an ``--enable-feature`` flag."""
    try:
        A.parse(expr, ParseOptions(3))
    except PromQLParseError:
        return True
    return False


def convert(path: Path) -> tuple[list[Case], dict[bool, list[str]]]:
    """The cases of one promqltest file and the test groups they became, by flagged-ness."""
    run = Run(path.name)
    cases: list[Case] = []
    groups: dict[bool, list[str]] = {False: [], True: []}
    for cmd in parse_file(path.read_text(encoding="utf-8")):
        if isinstance(cmd, Clear):
            run = Run(path.name)
            continue
        if isinstance(cmd, Load):
            run.load(cmd)
            continue
        ev: Eval = cmd
        flagged = needs_flags(ev.expr) or path.name == "name_label_dropping.test"
        case = Case(path.name, ev.line, ev.expr, flagged, True, histograms=run.involves_histograms(ev))
        cases.append(case)
        why = run.not_run_reason(ev)
        if why is not None:
            case.converted, case.reason = False, f"not run: {why}"
            continue
        if ev.expected_string is not None:
            case.converted, case.reason = False, "a string result (promtool takes vectors and scalars)"
            continue
        if ev.range_vector:
            case.converted, case.reason = False, "a range vector result (promtool takes vectors and scalars)"
            continue
        if ev.is_range and _QUERY_CONTEXT.search(ev.expr):
            case.converted, case.reason = False, "a range query reading its own range or step"
            continue
        fails = [e for e in ev.expects if e.kind == "fail"]
        case.fail = ev.fail
        case.fail_message = ev.expected_fail_message or (fails[0].message if fails else None)
        case.fail_regex = ev.expected_fail_regexp or (fails[0].regex if fails else None)
        series, step, last = _series_block(run, ev.expr)
        lines = [f"  - name: {_yaml_str(case.group)}", f"    interval: {_ms_text(step)}"]
        lines += (["    input_series:", *series] if series else ["    input_series: []"])
        lines.append("    promql_expr_test:")
        times = range(ev.start_ms, ev.end_ms + 1, ev.step_ms) if ev.is_range else [ev.eval_ms]
        for i, t in enumerate(times):
            lines += _expr_test(ev.expr, t, [] if ev.fail else _expected_at(ev, i))
        # promtool loads samples at each evaluation_interval step up to the group's last eval_time:
        # a step at or after the last sample loads them all.
        lines += _expr_test("vector(1)", -(-last // EVALUATION_INTERVAL_MS) * EVALUATION_INTERVAL_MS, [((), 1.0)])
        groups[flagged].append("\n".join(lines))
    return cases, groups


def write_files(directory: Path, name: str, groups: dict[bool, list[str]]) -> dict[bool, Path]:
    (directory / "empty_rules.yml").write_text("groups: []\n")
    out = {}
    for flagged, items in groups.items():
        if not items:
            continue
        p = directory / f"{name.removesuffix('.test')}{'.flagged' if flagged else ''}.yml"
        p.write_text("rule_files: [empty_rules.yml]\nevaluation_interval: 1m\ntests:\n" + "\n".join(items) + "\n")
        out[flagged] = p
    return out


def run_ruletest(files: list[Path], flags: Iterable[str], junit: Path) -> dict[str, list[str]]:
    """``ruletest test`` on ``files``: each group's failure messages (empty when it passed)."""
    import contextlib
    import io

    from ruletest.cli import main

    args = ["test", "--junit", str(junit), *[str(f) for f in files]]
    if flags:
        args[1:1] = ["--enable-feature", ",".join(flags)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(args)
    # One testcase per assertion, named "group::assertion"; a group's verdict is all of them.
    out: dict[str, list[str]] = {}
    for tc in ET.parse(junit).getroot().iter("testcase"):
        group = tc.get("name", "").split("::", 1)[0]
        out.setdefault(group, []).extend(f.text or "" for f in tc.findall("failure"))
    return out


_ERR = re.compile(r", err: (.*)")
# start(), end(), range(), step(): their value differs between a range query and an instant one
# (function names are case-insensitive in PromQL).
_QUERY_CONTEXT = re.compile(r"(start|end|range|step)\(\)", re.IGNORECASE)


def verdict(case: Case, failures: list[str]) -> str:
    if not case.fail:
        return "fail" if failures else "pass"
    errors = [m.group(1) for f in failures for m in [_ERR.search(f.splitlines()[0])] if m]
    for err in errors:
        if case.fail_message is not None and err != case.fail_message:
            continue
        if case.fail_regex is not None and not re.search(case.fail_regex, err):
            continue
        return "pass"
    return "fail"


def measure(paths: list[Path], keep: Path | None = None) -> list[Case]:
    """Convert and run every file; each case gets its status."""
    cases: list[Case] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        files: dict[bool, list[Path]] = {False: [], True: []}
        for path in paths:
            file_cases, groups = convert(path)
            cases += file_cases
            for flagged, p in write_files(directory, path.name, groups).items():
                files[flagged].append(p)
        results: dict[str, list[str]] = {}
        for flagged, fs in files.items():
            if fs:
                results.update(run_ruletest(fs, PROMTOOL_FLAGS if flagged else (), directory / f"junit{int(flagged)}.xml"))
    for case in cases:
        if case.converted:
            case.status = verdict(case, results.get(case.group, ["(group missing)"]))
    return cases


def table(cases: list[Case]) -> str:
    rows = ["file                          default pass/run   flagged pass/run   not converted"]
    files = sorted({c.file for c in cases})
    for f in [*files, "total"]:
        cs = [c for c in cases if f in ("total", c.file)]
        d = [c for c in cs if c.converted and not c.flagged]
        g = [c for c in cs if c.converted and c.flagged]
        rows.append(f"{f:<30}{sum(c.status == 'pass' for c in d):>7}/{len(d):<10}"
                    f"{sum(c.status == 'pass' for c in g):>7}/{len(g):<10}{sum(not c.converted for c in cs):>10}")
    h = [c for c in cases if c.converted and c.histograms]
    rows.append(f"native histogram cases (default and flagged): {sum(c.status == 'pass' for c in h)}/{len(h)} pass, "
                f"{sum(c.histograms and not c.converted for c in cases)} not converted")
    return "\n".join(rows)


if __name__ == "__main__":
    import argparse

    from tests.needs import PROMQLTEST

    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--keep", type=Path, help="write the converted files here")
    args = ap.parse_args()
    chosen = [Path(p) for p in args.files] or sorted(PROMQLTEST.glob("*.test"))
    result = measure(chosen, args.keep)
    print(table(result))
    reasons: dict[str, int] = {}
    for c in result:
        if not c.converted:
            reasons[c.reason] = reasons.get(c.reason, 0) + 1
    for r, n in sorted(reasons.items()):
        print(f"not converted: {n:5d}  {r}")
    for c in result:
        if c.status == "fail":
            print(f"FAIL {c.group}{' (flagged)' if c.flagged else ''}: {c.expr}")
