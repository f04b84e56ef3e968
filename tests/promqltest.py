"""Runner for Prometheus' own PromQL engine test language (``promql/promqltest``).

The files under ``tests/data/promqltest/`` carry the float cases of Prometheus 3's engine tests
(Apache-2.0, see that folder's README): ``load``/``clear``/``eval instant|range`` with the expected
results Prometheus itself asserts. This module parses that language and checks our engine against
it, so the expected values come from Prometheus, not from us.

Supported: ``load <step>``, ``clear``, ``eval instant at T``, ``eval range from A to B step S``,
the old ``eval_fail``/``eval_ordered``/``eval_warn``/``eval_info`` forms and the new ``expect fail
[msg:|regex:]``/``expect ordered``/``expect warn|info|no_warn|no_info`` lines (annotations are not
checked: we do not produce Prometheus' warnings). Comparison follows promqltest: labels exactly,
values within a relative 1e-6 (``almost.Equal``), NaN equals NaN.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruletest.errors import RuletestError
from ruletest.promql import ast as A
from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import Labels, Matrix, Sample, Scalar, String, Value, Vector, format_series
from ruletest.semantics import FEATURE_EXPERIMENTAL_FUNCTIONS, Semantics
from ruletest.series import Stale, expand_values, parse_series_description

# Prometheus' engine tests run with experimental functions enabled (promqltest's default).
EXPERIMENTAL = (FEATURE_EXPERIMENTAL_FUNCTIONS,)

DATA = Path(__file__).parent / "data" / "promqltest"

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}


def parse_time(text: str) -> int:
    """promqltest times: Prometheus durations (``1h30m``), ``0`` or plain seconds."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return round(float(text) * 1000)
    pos, total = 0, 0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            raise ValueError(f"bad duration {text!r}")
        total += round(float(m.group(1)) * _UNIT_MS[m.group(2)])
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"bad duration {text!r}")
    return total


@dataclass
class Load:
    step_ms: int
    nhcb: bool
    series: list[tuple[str, str]]  # (description, values)
    line: int


@dataclass
class Eval:
    expr: str
    line: int
    start_ms: int
    end_ms: int
    step_ms: int  # 0 for instant queries
    fail: bool = False
    fail_msg: str | None = None
    fail_regex: str | None = None
    ordered: bool = False
    expected: list[str] = field(default_factory=list)  # raw result lines
    # ``expect range vector from A to B step S``: an instant query returning a range vector.
    matrix_grid: tuple[int, int, int] | None = None

    @property
    def is_range(self) -> bool:
        return self.step_ms > 0


@dataclass
class Clear:
    line: int


Command = Load | Eval | Clear

_EVAL = re.compile(r"^eval(?:_(fail|ordered|warn|info))?\s+"
                   r"(instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.*)$")


def parse_file(text: str) -> list[Command]:
    lines = text.splitlines()
    out: list[Command] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        i += 1
        if not stripped or stripped.startswith("#"):
            continue
        if stripped == "clear":
            out.append(Clear(i))
            continue
        if stripped.startswith("load"):
            parts = stripped.split()
            load = Load(parse_time(parts[1]), parts[0] == "load_with_nhcb", [], i)
            while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith("#") and lines[i][:1].isspace():
                desc, values = _split_series_line(lines[i].strip())
                load.series.append((desc, values))
                i += 1
            out.append(load)
            continue
        m = _EVAL.match(stripped)
        if not m:
            raise ValueError(f"line {i}: unknown command {stripped!r}")
        variant, _, at, start, end, step, expr = m.groups()
        if at is not None:
            ev = Eval(expr.strip(), i, parse_time(at), parse_time(at), 0)
        else:
            ev = Eval(expr.strip(), i, parse_time(start), parse_time(end), parse_time(step))
        ev.fail = variant == "fail"
        ev.ordered = variant == "ordered"
        while i < len(lines) and lines[i][:1].isspace() and lines[i].strip():
            body = lines[i].strip()
            i += 1
            if body.startswith("#"):
                continue
            if body.startswith("expect "):
                _apply_expect(ev, body[len("expect "):])
                continue
            ev.expected.append(body)
        out.append(ev)
    return out


def _apply_expect(ev: Eval, text: str) -> None:
    if text.startswith("fail"):
        ev.fail = True
        rest = text[len("fail"):].strip()
        if rest.startswith("msg:"):
            ev.fail_msg = rest[len("msg:"):].strip()
        elif rest.startswith("regex:"):
            ev.fail_regex = rest[len("regex:"):].strip()
    elif text.startswith("ordered"):
        ev.ordered = True
    elif text.startswith("range vector"):
        m = re.fullmatch(r"range vector from (\S+) to (\S+) step (\S+)", text)
        if not m:
            raise ValueError(f"bad expect line {text!r}")
        ev.matrix_grid = (parse_time(m.group(1)), parse_time(m.group(2)), parse_time(m.group(3)))
    elif text == "string" or text.startswith("string "):
        ev.expected = ['"' + text[len("string "):] + '"']
    # warn/info/no_warn/no_info/range vector: annotations are not checked here


def _split_series_line(line: str) -> tuple[str, str]:
    """Split ``metric{a="b c"} 1 2 3`` at the end of the label set (values may contain spaces)."""
    depth, quote, esc = 0, False, False
    for pos, ch in enumerate(line):
        if quote:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                quote = False
            continue
        if ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return line[: pos + 1], line[pos + 1:].strip()
        elif ch.isspace() and depth == 0:
            return line[:pos], line[pos:].strip()
    return line, ""


@dataclass
class Outcome:
    file: str
    line: int
    expr: str
    status: str  # "pass" | "fail" | "unsupported"
    detail: str = ""


def _close(a: float, b: float) -> bool:
    """promqltest's ``almost.Equal(a, b, 1e-6)`` (util/almost): NaN equals NaN."""
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    min_normal = 2.2250738585072014e-308
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    if a == 0 or b == 0 or abs_sum < min_normal:
        return diff < 1e-6 * min_normal
    return diff / min(abs_sum, 1.7976931348623157e308) < 1e-6


def _float(tok: str) -> float:
    t = tok.strip()
    low = t.lower()
    if low in ("inf", "+inf"):
        return math.inf
    if low == "-inf":
        return -math.inf
    if low == "nan":
        return math.nan
    return float(t)


def _expected_instant(ev: Eval) -> tuple[str, dict[str, float] | float | str]:
    """('vector', {series: value}) / ('scalar', value) / ('string', text)."""
    lines = ev.expected
    if len(lines) == 1 and _is_number(lines[0]):
        return "scalar", _float(lines[0])
    if len(lines) == 1 and lines[0].startswith('"'):
        return "string", lines[0][1:-1]
    out: dict[str, float] = {}
    for line in lines:
        desc, value = _split_series_line(line)
        out[format_series(parse_series_description(desc))] = _float(value)
    return "vector", out


def _is_number(tok: str) -> bool:
    try:
        _float(tok)
    except ValueError:
        return False
    return True


def _uses_unsupported(text: str) -> bool:
    return "{{" in text


class Run:
    """Executes one file's commands in order against a fresh storage per ``clear``."""

    def __init__(self, name: str, prometheus: int = 3) -> None:
        self.name = name
        self.prometheus = prometheus
        self.samples: dict[Labels, dict[int, float | Stale]] = {}
        self.histogram_metrics: set[str] = set()
        self._engine: Engine | None = None

    def engine(self) -> Engine:
        if self._engine is not None:
            return self._engine
        storage = Storage()
        for labels, points in self.samples.items():
            storage.get_or_create(labels)
            for t in sorted(points):
                storage.append(labels, t, points[t])
        self._engine = Engine(storage, EngineOptions(Semantics.of(self.prometheus, EXPERIMENTAL), default_step_ms=60_000))
        return self._engine

    def load(self, cmd: Load) -> None:
        self._engine = None
        for desc, values in cmd.series:
            labels = parse_series_description(desc)
            name = dict(labels).get("__name__", "")
            if _uses_unsupported(values):
                self.histogram_metrics.add(name)
                continue
            if cmd.nhcb and name.endswith("_bucket"):
                # load_with_nhcb also stores the buckets as one native histogram series.
                self.histogram_metrics.add(name.removesuffix("_bucket"))
            points = self.samples.setdefault(labels, {})
            for i, v in enumerate(expand_values(values)):
                if v is not None:
                    # A later sample at the same time replaces the earlier one, as in promqltest.
                    points[i * cmd.step_ms] = v

    def evaluate(self, ev: Eval) -> Outcome:
        status, detail = self._evaluate(ev)
        return Outcome(self.name, ev.line, ev.expr, status, detail)

    def _evaluate(self, ev: Eval) -> tuple[str, str]:
        eng = self.engine()
        if any(_uses_unsupported(x) for x in ev.expected) or self._reads_histograms(eng, ev.expr):
            return "unsupported", "native histograms"
        steps = range(ev.start_ms, ev.end_ms + 1, ev.step_ms) if ev.is_range else [ev.start_ms]
        results: list[tuple[int, Value]] = []
        try:
            node = eng.parse(ev.expr)
            for t in steps:
                results.append((t, eng.query(node, t, start_ms=ev.start_ms, end_ms=ev.end_ms)))
        except RuletestError as exc:
            if not ev.fail:
                return "fail", f"unexpected error: {exc}"
            if ev.fail_msg is not None and ev.fail_msg not in str(exc):
                return "fail", f"error message {str(exc)!r}, expected {ev.fail_msg!r}"
            if ev.fail_regex is not None and not re.search(ev.fail_regex, str(exc)):
                return "fail", f"error message {str(exc)!r}, expected to match {ev.fail_regex!r}"
            return "pass", ""
        if ev.fail:
            return "fail", "expected an error, got a result"
        if ev.is_range:
            return _compare_range(ev, results)
        return _compare_instant(ev, results[0][1])

    def _reads_histograms(self, eng: Engine, expr: str) -> bool:
        """Whether a selector of ``expr`` may match a metric whose samples were native histograms."""
        try:
            node = eng.parse(expr)
        except RuletestError:
            return False
        stack: list[A.Expr] = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, A.VectorSelector):
                name_matchers = [m for m in n.matchers if m.name == "__name__"]
                if any(all(m.matches(h, True) for m in name_matchers) for h in self.histogram_metrics):
                    return True
            stack.extend(A.children(n))
        return False


def _compare_instant(ev: Eval, got: Value) -> tuple[str, str]:
    if isinstance(got, Matrix):
        if ev.matrix_grid is None:
            return "fail", "got a range vector"
        start, _, step = ev.matrix_grid
        grid = Eval(ev.expr, ev.line, start, start, step, expected=ev.expected)
        times = sorted({t for rs in got.series for t in rs.timestamps})
        points: list[tuple[int, Value]] = [
            (t, Vector(tuple(Sample(rs.labels, v) for rs in got.series
                             for ts, v in zip(rs.timestamps, rs.values, strict=True) if ts == t)))
            for t in times]
        return _compare_range(grid, points)
    kind, exp = _expected_instant(ev)
    if isinstance(got, Scalar):
        if not isinstance(exp, float) or not _close(exp, got.value):
            return "fail", f"got scalar {got.value}, expected {kind} {exp}"
        return "pass", ""
    if isinstance(got, String):
        if exp != got.value:
            return "fail", f"got string {got.value!r}, expected {kind} {exp!r}"
        return "pass", ""
    if not isinstance(exp, dict):
        return "fail", f"got a vector, expected {kind} {exp}"
    got_map = {format_series(s.labels): s.value for s in got.samples}
    problems = []
    for k, v in exp.items():
        if k not in got_map:
            problems.append(f"missing {k} {v}")
        elif not _close(v, got_map[k]):
            problems.append(f"{k}: got {got_map[k]!r}, expected {v!r}")
    problems += [f"unexpected {k} {v}" for k, v in got_map.items() if k not in exp]
    if not problems and ev.ordered:
        order = [format_series(parse_series_description(_split_series_line(x)[0])) for x in ev.expected]
        if order != [format_series(s.labels) for s in got.samples]:
            problems.append(f"order {[format_series(s.labels) for s in got.samples]}")
    return ("fail" if problems else "pass"), "; ".join(problems)


def _compare_range(ev: Eval, results: list[tuple[int, Value]]) -> tuple[str, str]:
    got: dict[str, dict[int, float]] = {}
    for t, value in results:
        if isinstance(value, Scalar):
            got.setdefault("{}", {})[t] = value.value
        elif isinstance(value, Vector):
            for s in value.samples:
                got.setdefault(format_series(s.labels), {})[t] = s.value
        else:
            return "fail", f"range query over a {type(value).__name__}"
    exp: dict[str, dict[int, float]] = {}
    for line in ev.expected:
        if _is_number(line.split()[0]) and not line.startswith("{"):
            desc, values = "{}", line
        else:
            desc, values = _split_series_line(line)
        key = format_series(parse_series_description(desc))
        exp[key] = {ev.start_ms + i * ev.step_ms: v for i, v in enumerate(expand_values(values)) if isinstance(v, float)}
    problems = []
    for k in sorted(set(exp) | set(got)):
        e, g = exp.get(k, {}), got.get(k, {})
        if set(e) != set(g) or any(not _close(e[t], g[t]) for t in e):
            problems.append(f"{k}: got {sorted(g.items())}, expected {sorted(e.items())}")
    return ("fail" if problems else "pass"), "; ".join(problems)


def run_file(path: Path) -> list[Outcome]:
    text = path.read_text()
    # A file transcribed from Prometheus 2.x declares it on its first line.
    prometheus = 2 if text.startswith("# ruletest: prometheus=2") else 3
    commands = parse_file(text)
    run = Run(path.name, prometheus)
    out = []
    for cmd in commands:
        if isinstance(cmd, Clear):
            run = Run(path.name, prometheus)
        elif isinstance(cmd, Load):
            run.load(cmd)
        else:
            out.append(run.evaluate(cmd))
    return out


if __name__ == "__main__":
    import sys

    files = [Path(p) for p in sys.argv[1:]] or sorted(DATA.glob("*.test"))
    totals: dict[str, int] = {}
    for f in files:
        for o in run_file(f):
            totals[o.status] = totals.get(o.status, 0) + 1
            if o.status == "fail":
                print(f"{o.file}:{o.line}: {o.expr}\n    {o.detail[:400]}")
    print(totals)
