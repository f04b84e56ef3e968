"""Interpreter of Prometheus' PromQL engine-test language (``promql/promqltest/test.go`` at v3.14.0).

The spec files are Prometheus 3.14's own (``../shared/reference/promqltest-3.14/``, see its
README): ``load``/``load_with_nhcb``/``clear`` and ``eval instant|range`` with the results
Prometheus asserts, so the expected values come from Prometheus, not from us. This module reads
that language and runs each ``eval`` the way ``test.go`` does, against ruletest's engine:

- the test engine's options (``NewTestEngine``/``TestParserOpts``): experimental functions,
  extended range selectors, binop fill modifiers and delayed name removal enabled, lookback 5m,
  a 1m step for subqueries written without one;
- an instant ``eval`` runs the query at its time, then the same query with every selector pinned
  by ``@`` to that time at five other evaluation times (``atModifierTestCases``; skipped when
  the query calls a function that reads the evaluation time), and each of those again as a range
  query over [t-1m, t+1m] whose middle step must give the same result (unless the query reads
  the query's range or step, expects an ordered result, a range vector or a string);
- a range ``eval`` runs one range query; results compare as ``compareResult`` does: the same
  series, values within a relative 1e-6 (``almost.Equal``), NaN equals NaN, positions when
  ordered; errors by ``expect fail [msg:|regex:]`` or the older ``eval_fail`` and
  ``expected_fail_message``/``expected_fail_regexp`` lines.

What is not run is said per case (``Outcome.status == "not run"`` with the reason), never dropped:

- cases that read native histograms (``{{...}}`` samples, or series ``load_with_nhcb`` converts)
  or expect them belong to native histograms (issue 11);
- cases reading series loaded with start timestamps (``@st`` lines): promtool 3.14 can neither
  load start timestamps nor run its engine with ``UseStartTimestamps``;
- ``type_and_unit.test``: type-and-unit labels are a server feature promtool cannot enable.

Annotations (``expect warn|info|no_warn|no_info``, ``eval_warn``/``eval_info``) are parsed but
not checked: ruletest's engine does not produce Prometheus' warnings for float samples. Such a
case is still run and compared; ``Outcome.unchecked_annotations`` says that part was left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from ruletest.durations import parse_duration
from ruletest.errors import RuletestError
from ruletest.promql import ast as A
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import (
    METRIC_NAME,
    STALE,
    Labels,
    Matrix,
    Sample,
    Scalar,
    String,
    Value,
    Vector,
    format_labels,
    get_label,
)
from ruletest.semantics import (
    FEATURE_BINOP_FILL_MODIFIERS,
    FEATURE_DELAYED_NAME_REMOVAL,
    FEATURE_EXPERIMENTAL_FUNCTIONS,
    FEATURE_EXTENDED_RANGE_SELECTORS,
    Semantics,
)
from ruletest.series import ExpectedHistogram, expand_expected, expand_values, parse_series_description

# NewTestEngine / TestParserOpts: every PromQL feature the parser and engine have.
TEST_FEATURES = (FEATURE_EXPERIMENTAL_FUNCTIONS, FEATURE_DELAYED_NAME_REMOVAL, FEATURE_EXTENDED_RANGE_SELECTORS,
                 FEATURE_BINOP_FILL_MODIFIERS)
TEST_SEMANTICS = Semantics.of(3, TEST_FEATURES)
LOOKBACK_MS = 300_000
SUBQUERY_STEP_MS = 60_000  # NoStepSubqueryIntervalFn
EPSILON = 1e-6

# Why a case is not run (Outcome.reason when status is "not run").
NATIVE_HISTOGRAMS = "native histograms (issue 11)"
START_TIMESTAMPS = "start timestamps (promtool 3.14 neither loads them nor enables UseStartTimestamps)"
TYPE_AND_UNIT = "type-and-unit labels (a server feature promtool cannot enable)"

_LOAD = re.compile(r"^load(?:_(with_nhcb))?\s+(.+?)$")
_EVAL_INSTANT = re.compile(r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")
_EVAL_RANGE = re.compile(r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$")
_EXPECT = re.compile(r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$")
_EXPECT_RANGE = re.compile(r"^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$")
_EXPECT_RANGE_PREFIX = "expect range vector"
_EXPECT_STRING_PREFIX = "expect string"
# reQueryContextFuncs: queries whose result depends on the query's own range or step.
_QUERY_CONTEXT = re.compile(r"(start|end|range|step)\(\)")
# AtModifierUnsafeFunctions (promql/functions.go): results vary with the evaluation time even
# when every argument is pinned by @.
_AT_UNSAFE = frozenset({"days_in_month", "day_of_month", "day_of_week", "day_of_year", "end", "hour", "minute",
                        "month", "year", "predict_linear", "range", "start", "step", "time", "timestamp"})


class TestFileError(ValueError):
    """A test file this interpreter cannot read (Prometheus would refuse it too)."""


# --- commands ------------------------------------------------------------------------------------


@dataclass
class SeriesDef:
    labels: Labels
    values: str
    line: int
    has_start_timestamps: bool = False


@dataclass
class Load:
    step_ms: int
    nhcb: bool
    series: list[SeriesDef]
    line: int


@dataclass
class Clear:
    line: int


@dataclass(frozen=True)
class Expect:
    kind: Literal["ordered", "fail", "warn", "no_warn", "info", "no_info"]
    message: str | None = None  # exact message
    regex: str | None = None  # pattern; neither: any message

    def matches(self, text: str) -> bool:
        if self.message is not None:
            return text == self.message
        return self.regex is None or re.search(self.regex, text) is not None


@dataclass
class ExpectedSeries:
    labels: Labels
    values: str  # the raw value sequence
    position: int  # 1-based, for ordered results


@dataclass
class Eval:
    expr: str
    line: int
    is_range: bool
    start_ms: int
    end_ms: int
    step_ms: int  # 0 for instant queries
    eval_ms: int  # the instant query's time
    modifier: str | None = None  # eval_fail, eval_warn, eval_ordered, eval_info
    expects: list[Expect] = field(default_factory=list)
    expected_fail_message: str | None = None
    expected_fail_regexp: str | None = None
    scalar: float | None = None
    expected: dict[Labels, ExpectedSeries] = field(default_factory=dict)
    expected_string: str | None = None
    exclude_from_range_query: bool = False
    range_vector: bool = False  # ``expect range vector``: an instant query returning a matrix

    @property
    def ordered(self) -> bool:
        return self.modifier == "ordered" or any(e.kind == "ordered" for e in self.expects)

    @property
    def fail(self) -> bool:
        return self.modifier == "fail" or any(e.kind == "fail" for e in self.expects)

    @property
    def annotation_expectations(self) -> bool:
        return self.modifier in ("warn", "info") or any(
            e.kind in ("warn", "no_warn", "info", "no_info") for e in self.expects)

    @property
    def expects_histograms(self) -> bool:
        return any("{{" in s.values for s in self.expected.values())


Command = Load | Eval | Clear


def parse_time(text: str) -> int:
    """An ``at``/``from``/``to``/``step`` time: ``model.ParseDuration`` (``0``, ``1h30m``, ``10s``)."""
    return parse_duration(text.strip())


def _parse_number(text: str) -> float | None:
    """test.go ``parseNumber``: ``strconv.ParseInt(s, 0, 64)`` then ``ParseFloat``."""
    try:
        return float(int(text, 0))
    except ValueError:
        pass
    low = text.lower().lstrip("+-")
    if low in ("inf", "infinity", "nan") or re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        try:
            return float(text)
        except ValueError:
            return None
    return None


def split_series_line(line: str) -> tuple[str, str]:
    """Split ``metric{a="b c"} 1 2 3`` where its description ends (values may hold spaces)."""
    depth, quote, esc = 0, "", False
    for pos, ch in enumerate(line):
        if quote:
            if esc:
                esc = False
            elif ch == "\\" and quote != "`":
                esc = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
        elif ch == "{":
            if line.startswith("{{", pos) and depth == 0:
                return line[:pos].strip(), line[pos:].strip()
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return line[: pos + 1], line[pos + 1:].strip()
        elif ch.isspace() and depth == 0:
            return line[:pos], line[pos:].strip()
    return line, ""


def _go_unquote(text: str) -> str:
    """``strconv.Unquote`` for the quoted literal of ``expect string``."""
    from ruletest.promql.parser import unquote

    value, ok = unquote(text)
    if not ok or text[:1] == "'":
        raise TestFileError(f"expected string literal not valid - check that the string is correctly quoted: {text}")
    return value


def parse_file(text: str) -> list[Command]:
    """The commands of a test file, read as ``test.parse`` reads them."""
    lines = [("" if ln.strip().startswith("#") else ln.strip()) for ln in text.split("\n")]
    out: list[Command] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        word = re.split(r"[\t ]+", line, maxsplit=1)[0].lower()
        if word == "clear":
            out.append(Clear(i + 1))
            i += 1
        elif word.startswith("load"):
            i, load = _parse_load(lines, i)
            out.append(load)
        elif word.startswith("eval"):
            i, ev = _parse_eval(lines, i)
            out.append(ev)
        else:
            raise TestFileError(f"line {i + 1}: invalid command {line!r}")
    return out


def _parse_load(lines: list[str], i: int) -> tuple[int, Load]:
    m = _LOAD.match(lines[i])
    if not m:
        raise TestFileError(f"line {i + 1}: invalid load command. (load[_with_nhcb] <step:duration>)")
    load = Load(parse_time(m.group(2)), m.group(1) == "with_nhcb", [], i + 1)
    pending_st: Labels | None = None
    i += 1
    while i < len(lines) and lines[i]:
        line = lines[i]
        first = re.split(r"[ \t]", line, maxsplit=1)[0]
        if first.endswith("@st") and " " in line.replace("\t", " "):
            # The start timestamps of the next line's samples (their values are offsets).
            pending_st = parse_series_description(first.removesuffix("@st"))
            i += 1
            continue
        desc, values = split_series_line(line)
        labels = parse_series_description(desc)
        has_st = pending_st is not None
        if pending_st is not None and pending_st != labels:
            raise TestFileError(f"line {i}: @st metric does not match the following sample line metric")
        pending_st = None
        # A series defined twice in one load keeps its last definition (loadCmd.set).
        load.series = [s for s in load.series if s.labels != labels]
        load.series.append(SeriesDef(labels, values, i + 1, has_st))
        i += 1
    if pending_st is not None:
        raise TestFileError(f"line {i}: @st line has no following sample line")
    return i, load


def _parse_eval(lines: list[str], i: int) -> tuple[int, Eval]:
    line = lines[i]
    inst = _EVAL_INSTANT.match(line)
    rng = _EVAL_RANGE.match(line)
    if inst is None and rng is None:
        raise TestFileError(f"line {i + 1}: invalid evaluation command {line!r}")
    if inst is not None:
        modifier, at, expr = inst.groups()
        t = parse_time(at or "")
        ev = Eval(expr, i + 1, False, t, t, 0, t, modifier)
    else:
        assert rng is not None
        modifier, start, end, step, expr = rng.groups()
        s, e = parse_time(start), parse_time(end)
        if e < s:
            raise TestFileError(f"line {i + 1}: end timestamp ({end}) is before start timestamp ({start})")
        ev = Eval(expr, i + 1, True, s, e, parse_time(step), e, modifier)
    position = 0
    while i + 1 < len(lines) and lines[i + 1]:
        i += 1
        body = lines[i]
        if ev.fail and body.startswith("expected_fail_message"):
            ev.expected_fail_message = body.removeprefix("expected_fail_message").strip()
            break
        if ev.fail and body.startswith("expected_fail_regexp"):
            ev.expected_fail_regexp = body.removeprefix("expected_fail_regexp").strip()
            break
        if body.startswith(_EXPECT_RANGE_PREFIX):
            m = _EXPECT_RANGE.match(body)
            if not m:
                raise TestFileError(f"line {i + 1}: invalid range vector definition {body!r}")
            ev.start_ms, ev.end_ms, ev.step_ms = (parse_time(g) for g in m.groups())
            ev.eval_ms = ev.end_ms
            ev.range_vector = ev.exclude_from_range_query = True
            continue
        if body.startswith(_EXPECT_STRING_PREFIX):
            ev.expected_string = _go_unquote(body.removeprefix(_EXPECT_STRING_PREFIX).strip())
            ev.exclude_from_range_query = True
            continue
        if body.split(" ")[0] == "expect":
            m = _EXPECT.match(body)
            if not m:
                raise TestFileError(f"line {i + 1}: invalid expect statement {body!r}")
            kind, how, what = m.groups()
            if how == "msg":
                ev.expects.append(Expect(kind, message=what.strip()))
            elif how == "regex":
                ev.expects.append(Expect(kind, regex=what.strip()))
            else:
                ev.expects.append(Expect(kind))
            continue
        position += 1
        number = _parse_number(body)
        if number is not None:
            ev.scalar = number
            break
        desc, values = split_series_line(body)
        labels = parse_series_description(desc)
        ev.scalar = None
        ev.expected[labels] = ExpectedSeries(labels, values, position)
    return i + 1, ev


# --- outcomes ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    file: str
    line: int
    expr: str
    status: Literal["pass", "fail", "not run"]
    detail: str = ""  # why it failed, or why it was not run
    unchecked_annotations: bool = False

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


class _Mismatch(Exception):
    pass


# --- running -------------------------------------------------------------------------------------


@dataclass
class _Series:
    points: dict[int, float | object]  # time -> float or STALE
    histograms: bool = False
    start_timestamps: bool = False


class Run:
    """The state of one file between ``clear`` commands: loaded series and an engine over them."""

    def __init__(self, name: str, semantics: Semantics = TEST_SEMANTICS) -> None:
        self.name = name
        self.semantics = semantics
        self.series: dict[Labels, _Series] = {}
        self._engine: Engine | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            storage = Storage()
            for labels, s in self.series.items():
                storage.get_or_create(labels)
                for t in sorted(s.points):
                    value = s.points[t]
                    storage.append(labels, t, STALE if value is STALE else value)  # type: ignore[arg-type]
            self._engine = Engine(storage, EngineOptions(self.semantics, lookback_ms=LOOKBACK_MS,
                                                         default_step_ms=SUBQUERY_STEP_MS))
        return self._engine

    def load(self, cmd: Load) -> None:
        self._engine = None
        for sd in cmd.series:
            entry = self.series.setdefault(sd.labels, _Series({}))
            entry.start_timestamps |= sd.has_start_timestamps
            for i, v in enumerate(expand_values(sd.values, histograms=True)):
                if v is None:
                    continue
                if isinstance(v, float):
                    entry.points[i * cmd.step_ms] = v
                elif v is STALE:
                    entry.points[i * cmd.step_ms] = STALE
                else:
                    entry.histograms = True
        if cmd.nhcb:
            # load_with_nhcb also stores each classic histogram (_bucket, _count, _sum) as one
            # custom-bucket native histogram series under the base name.
            for sd in cmd.series:
                base = _nhcb_base(sd.labels)
                if base is not None:
                    self.series.setdefault(base, _Series({})).histograms = True

    def evaluate(self, ev: Eval) -> Outcome:
        why = self.not_run_reason(ev)
        out = Outcome(self.name, ev.line, ev.expr, "pass", unchecked_annotations=ev.annotation_expectations)
        if why is not None:
            out.status, out.detail = "not run", why
            return out
        try:
            self._run(ev)
        except _Mismatch as exc:
            out.status, out.detail = "fail", str(exc)
        return out

    # --- classification ---

    def not_run_reason(self, ev: Eval) -> str | None:
        """Why ``ev`` is not run (a category of :data:`NATIVE_HISTOGRAMS`...), or None."""
        if self.name == "type_and_unit.test":
            return TYPE_AND_UNIT
        if ev.expects_histograms:
            return NATIVE_HISTOGRAMS
        try:
            node = self.engine().parse(ev.expr)
        except RuletestError:
            return None
        matched = [s for labels, s in self.series.items() if _selected(node, labels, self.semantics)]
        if any(s.histograms for s in matched):
            return NATIVE_HISTOGRAMS
        if any(s.start_timestamps for s in matched):
            return START_TIMESTAMPS
        return None

    # --- execution (test.go execEval) ---

    def _run(self, ev: Eval) -> None:
        eng = self.engine()
        try:
            node = eng.parse(ev.expr)
        except RuletestError as exc:
            self._expected_error(ev, exc, ev.expr)
            return
        if ev.is_range:
            self._run_range(ev, node)
            return
        for text, query, t in self._instant_queries(ev, node):
            self._run_instant(ev, text, query, t)

    def _instant_queries(self, ev: Eval, node: A.Expr) -> Iterator[tuple[str, A.Expr, int]]:
        yield ev.expr, node, ev.eval_ms
        pinned = pin_at(node, ev.eval_ms)
        if pinned is None:
            return
        ts = ev.eval_ms
        times = [-1000, 0, 1000] if ts == 0 else [-10 * ts, 0, _go_div(ts, 5), ts, 10 * ts]
        text = A.to_promql(pinned)
        for t in times:
            yield text, pinned, t

    def _run_instant(self, ev: Eval, text: str, node: A.Expr, t: int) -> None:
        eng = self.engine()
        try:
            result = eng.query(node, t, start_ms=t, end_ms=t, step_ms=0)
        except RuletestError as exc:
            self._expected_error(ev, exc, text)
            return
        if ev.fail:
            raise _Mismatch(f"expected error evaluating query {text!r} but got none")
        _compare(ev, result, ev.start_ms if ev.range_vector else t, ev.step_ms)
        if ev.exclude_from_range_query or _QUERY_CONTEXT.search(text) or ev.ordered:
            return
        # The same query in range mode must give the same result at its middle step.
        try:
            series = range_query(eng, node, t - 60_000, t + 60_000, 60_000)
        except RuletestError as exc:
            raise _Mismatch(f"error evaluating query {text!r} in range mode: {exc}") from None
        samples = [(labels, points[t]) for labels, points in series if t in points]
        if isinstance(result, Scalar):
            if not samples:
                raise _Mismatch(f"range mode: no value at {t}")
            mid: Value = Scalar(samples[0][1])
        else:
            mid = Vector(tuple(Sample(labels, v) for labels, v in samples))
        try:
            _compare(ev, mid, t, 0)
        except _Mismatch as exc:
            raise _Mismatch(f"range mode: {exc}") from None

    def _run_range(self, ev: Eval, node: A.Expr) -> None:
        eng = self.engine()
        try:
            series = range_query(eng, node, ev.start_ms, ev.end_ms, ev.step_ms)
        except RuletestError as exc:
            self._expected_error(ev, exc, ev.expr)
            return
        if ev.fail:
            raise _Mismatch("expected error evaluating query but got none")
        _compare_matrix(ev, series, ev.start_ms, ev.step_ms)

    @staticmethod
    def _expected_error(ev: Eval, exc: RuletestError, text: str) -> None:
        msg = exc.message
        if not ev.fail:
            raise _Mismatch(f"error evaluating query {text!r}: {msg}")
        if ev.expected_fail_message is not None and ev.expected_fail_message != msg:
            raise _Mismatch(f"expected error {ev.expected_fail_message!r}, got {msg!r}")
        if ev.expected_fail_regexp is not None and not re.search(ev.expected_fail_regexp, msg):
            raise _Mismatch(f"expected error matching {ev.expected_fail_regexp!r}, got {msg!r}")
        fails = [e for e in ev.expects if e.kind == "fail"]
        if fails and not fails[0].matches(msg):
            raise _Mismatch(f"expected error matching {fails[0].message or fails[0].regex!r}, got {msg!r}")


def _go_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _nhcb_base(labels: Labels) -> Labels | None:
    name = get_label(labels, METRIC_NAME)
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix):
            if suffix == "_bucket":
                le = get_label(labels, "le")
                try:
                    if math.isnan(float(le)):
                        return None
                except ValueError:
                    return None
            base = name.removesuffix(suffix)
            return tuple(sorted([(k, v) for k, v in labels if k not in (METRIC_NAME, "le")] + [(METRIC_NAME, base)]))
    return None


def _selected(node: A.Expr, labels: Labels, semantics: Semantics) -> bool:
    """Whether a selector anywhere in ``node`` (subqueries and info()'s arguments included)
    selects the series ``labels``."""
    lm = dict(labels)
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, A.VectorSelector) and all(m.matches(lm.get(m.name, ""), semantics.regex_dot_all)
                                                   for m in n.matchers):
            return True
        stack.extend(A.children(n))
    return False


# --- @ pinning (atModifierTestCases) -----------------------------------------------------------------


def pin_at(node: A.Expr, t_ms: int) -> A.Expr | None:
    """``node`` with ``@ t`` on every selector and subquery that has none, outside subqueries that
    have one; None when a call's result varies with the evaluation time (AtModifierUnsafeFunctions)."""
    unsafe = False

    def walk(n: A.Expr) -> A.Expr:
        nonlocal unsafe
        at = A.At("at", t_ms)
        if isinstance(n, A.VectorSelector):
            return n if n.at is not None and n.at.kind == "at" else replace(n, at=at)
        if isinstance(n, A.MatrixSelector):
            vs = n.selector
            return n if vs.at is not None and vs.at.kind == "at" else replace(n, selector=replace(vs, at=at))
        if isinstance(n, A.Subquery):
            # The subquery gets the timestamp first, so nothing inside it is touched.
            return n if n.at is not None and n.at.kind == "at" else replace(n, at=at)
        if isinstance(n, A.Call):
            unsafe = unsafe or n.func in _AT_UNSAFE
            return replace(n, args=tuple(walk(a) for a in n.args))
        if isinstance(n, A.Aggregate):
            return replace(n, expr=walk(n.expr), param=walk(n.param) if n.param is not None else None)
        if isinstance(n, A.Binary):
            return replace(n, lhs=walk(n.lhs), rhs=walk(n.rhs))
        if isinstance(n, A.Unary | A.Paren):
            return replace(n, expr=walk(n.expr))
        return n

    out = walk(node)
    return None if unsafe else out


# --- range queries ---------------------------------------------------------------------------------

RangeResult = list[tuple[Labels, dict[int, float]]]


def range_query(eng: Engine, node: A.Expr, start: int, end: int, step: int) -> RangeResult:
    """Prometheus' range query: the expression at every step, gathered per series, sorted."""
    if node.type not in ("vector", "scalar"):
        documented = {"matrix": "range vector", "string": "string"}[node.type]
        raise RuletestError(f'invalid expression type "{documented}" for range query, must be Scalar or instant Vector')
    series: dict[Labels, dict[int, float]] = {}
    t = start
    while t <= end:
        value = eng.query(node, t, start_ms=start, end_ms=end, step_ms=step)
        if isinstance(value, Scalar):
            series.setdefault((), {})[t] = value.value
        elif isinstance(value, Vector):
            for s in value.samples:
                points = series.setdefault(s.labels, {})
                if t in points:
                    raise RuletestError("vector cannot contain metrics with the same labelset")
                points[t] = s.value
        t += step
    return sorted(series.items())


# --- comparing (compareResult) ---------------------------------------------------------------------


def close(a: float, b: float) -> bool:
    """``almost.Equal(a, b, 1e-6)`` (util/almost): NaN equals NaN."""
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    min_normal = 2.2250738585072014e-308
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    if a == 0 or b == 0 or abs_sum < min_normal:
        return diff < EPSILON * min_normal
    return diff / min(abs_sum, 1.7976931348623157e308) < EPSILON


def _expected_points(exp: ExpectedSeries, start: int, step: int) -> dict[int, float]:
    out: dict[int, float] = {}
    for i, v in enumerate(expand_expected(exp.values)):
        if v is None:
            continue
        if isinstance(v, ExpectedHistogram):
            raise _Mismatch("expected a native histogram")
        out[start + i * step] = math.nan if v is STALE else v  # type: ignore[assignment]
    return out


def _compare(ev: Eval, result: Value, start: int, step: int) -> None:
    if isinstance(result, Matrix):
        series = [(rs.labels, dict(zip(rs.timestamps, rs.values, strict=True))) for rs in result.series]
        _compare_matrix(ev, series, start, step)
    elif isinstance(result, Vector):
        if ev.scalar is not None:
            raise _Mismatch(f"expected scalar result, but got vector {_vector_text(result)}")
        seen: set[Labels] = set()
        for pos, s in enumerate(result.samples):
            exp = ev.expected.get(s.labels)
            if exp is None:
                raise _Mismatch(f"unexpected metric {format_labels(s.labels)} in result, has value {s.value}")
            if ev.ordered and exp.position != pos + 1:
                raise _Mismatch(f"expected metric {format_labels(s.labels)} at position {exp.position} but was at "
                                f"{pos + 1}")
            values = expand_expected(exp.values)
            first = values[0] if values else None
            if isinstance(first, ExpectedHistogram):
                raise _Mismatch("expected a native histogram")
            want = math.nan if first is STALE else (first if isinstance(first, float) else 0.0)
            if not close(want, s.value):
                raise _Mismatch(f"expected {want} for {format_labels(s.labels)} but got {s.value}")
            seen.add(s.labels)
        missing = [k for k in ev.expected if k not in seen]
        if missing:
            raise _Mismatch(f"expected metric {format_labels(missing[0])} not found")
    elif isinstance(result, Scalar):
        if ev.scalar is None:
            raise _Mismatch(f"expected vector or matrix result, but got scalar {result.value}")
        if not close(ev.scalar, result.value):
            raise _Mismatch(f"expected scalar {ev.scalar} but got {result.value}")
    elif isinstance(result, String) and ev.expected_string != result.value:
        raise _Mismatch(f"expected string {ev.expected_string!r} but got {result.value!r}")


def _compare_matrix(ev: Eval, series: RangeResult, start: int, step: int) -> None:
    if ev.ordered:
        raise _Mismatch("expected ordered result, but query returned a matrix")
    if ev.scalar is not None:
        raise _Mismatch("expected scalar result, but got matrix")
    seen: set[Labels] = set()
    for labels, points in series:
        exp = ev.expected.get(labels)
        if exp is None:
            raise _Mismatch(f"unexpected metric {format_labels(labels)} in result, has {sorted(points.items())}")
        seen.add(labels)
        want = _expected_points(exp, start, step)
        if ev.end_ms and any(t > ev.end_ms for t in want) and ev.is_range:
            raise _Mismatch(f"expected {len(want)} points for {format_labels(labels)}, but query time range "
                            "cannot return this many points")
        got = dict(points)
        if sorted(want) != sorted(got) or any(not close(want[t], got[t]) for t in want):
            raise _Mismatch(f"{format_labels(labels)}: expected {sorted(want.items())}, got {sorted(got.items())}")
    missing = [k for k in ev.expected if k not in seen]
    if missing:
        raise _Mismatch(f"expected metric {format_labels(missing[0])} not found")


def _vector_text(v: Vector) -> str:
    return ", ".join(f"{format_labels(s.labels)} => {s.value}" for s in v.samples)


# --- files -----------------------------------------------------------------------------------------


def run_commands(name: str, commands: list[Command], semantics: Semantics = TEST_SEMANTICS) -> list[Outcome]:
    run = Run(name, semantics)
    out = []
    for cmd in commands:
        if isinstance(cmd, Clear):
            run = Run(name, semantics)
        elif isinstance(cmd, Load):
            run.load(cmd)
        else:
            out.append(run.evaluate(cmd))
    return out


def run_file(path: Path, semantics: Semantics = TEST_SEMANTICS) -> list[Outcome]:
    return run_commands(path.name, parse_file(path.read_text(encoding="utf-8")), semantics)


if __name__ == "__main__":
    import sys

    from tests.needs import PROMQLTEST

    files = [Path(p) for p in sys.argv[1:]] or sorted(PROMQLTEST.glob("*.test"))
    totals: dict[str, int] = {}
    for f in files:
        for o in run_file(f):
            totals[o.status] = totals.get(o.status, 0) + 1
            if o.status == "fail":
                print(f"{o.file}:{o.line}: {o.expr}\n    {o.detail[:400]}")
    print(totals)
