"""The ``promtool test rules`` file format (promtool 3.14): model and strict loading.

Fields: ``rule_files`` (globs relative to the test file), ``evaluation_interval``,
``group_eval_order``, ``fuzzy_compare`` and ``tests`` — each test group with ``interval``,
``input_series``, ``alert_rule_test``, ``promql_expr_test``, ``external_labels``,
``external_url``, ``name`` and ``start_timestamp``. Unknown fields are errors unless
``ignore_unknown_fields`` (promtool's ``--ignore-unknown-fields``), as in promtool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from yaml.nodes import Node

from ruletest.durations import DurationError, parse_duration
from ruletest.errors import RuletestError
from ruletest.promql.ast import format_duration
from ruletest.results import Code, LoadProblem, Location
from ruletest.yamlnodes import Decoder, Source, YamlError, line_of, parse_source

FILE_FIELDS = frozenset({"rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"})
GROUP_FIELDS = frozenset({"interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
                          "external_url", "name", "start_timestamp"})
SERIES_FIELDS = frozenset({"series", "values"})
ALERT_TEST_FIELDS = frozenset({"eval_time", "alertname", "exp_alerts"})
EXP_ALERT_FIELDS = frozenset({"exp_labels", "exp_annotations"})
EXPR_TEST_FIELDS = frozenset({"expr", "eval_time", "exp_samples"})
SAMPLE_FIELDS = frozenset({"labels", "value", "histogram"})


class TestFileError(RuletestError):
    """A test file promtool would refuse to run; ``problems`` lists every problem, located."""

    __test__ = False  # not a pytest test class
    code = Code.TEST_FILE.value

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, problems: list[LoadProblem] | None = None) -> None:
        super().__init__(message, file=file, line=line, column=column)
        self.problems = problems if problems is not None else [
            LoadProblem(Code.TEST_FILE, message, Location(file or "", line, column))]


@dataclass(frozen=True)
class InputSeries:
    series: str
    values: str
    line: int


@dataclass(frozen=True)
class ExpAlert:
    labels: dict[str, str]
    annotations: dict[str, str]
    line: int


@dataclass(frozen=True)
class AlertTest:
    eval_time_ms: int
    eval_time_text: str
    alertname: str
    exp_alerts: tuple[ExpAlert, ...]
    line: int


@dataclass(frozen=True)
class ExpSample:
    labels: str
    value: float
    histogram: str
    line: int


@dataclass(frozen=True)
class ExprTest:
    expr: str
    eval_time_ms: int
    eval_time_text: str
    exp_samples: tuple[ExpSample, ...]
    line: int


@dataclass(frozen=True)
class TestGroup:
    index: int
    name: str
    interval_ms: int | None  # None: not given
    input_series: tuple[InputSeries, ...]
    alert_tests: tuple[AlertTest, ...]
    expr_tests: tuple[ExprTest, ...]
    external_labels: dict[str, str]
    external_url: str
    start_ms: int | None
    line: int

    __test__ = False

    @property
    def display_name(self) -> str:
        return self.name or f"unnamed#{self.index}"


@dataclass(frozen=True)
class RuleFileRef:
    pattern: str
    line: int


@dataclass(frozen=True)
class TestFile:
    path: str
    rule_files: tuple[RuleFileRef, ...]
    evaluation_interval_ms: int
    group_eval_order: tuple[str, ...]
    fuzzy_compare: bool
    tests: tuple[TestGroup, ...]

    __test__ = False

    @property
    def directory(self) -> Path:
        return Path(self.path).parent


def _duration(dec: Decoder, node: Node | None, what: str) -> tuple[int, str]:
    if node is None:
        return 0, "0s"
    text = dec.string(node, what)
    try:
        return parse_duration(text), text
    except DurationError as exc:
        dec.error(node, f"{what}: {exc.message}")
        return 0, text


def _timestamp(dec: Decoder, node: Node) -> int | None:
    text = dec.string(node, "start_timestamp")
    try:
        value = float(text)
        if math.isfinite(value):
            return round(value * 1000)
    except ValueError:
        pass
    try:
        return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        dec.error(node, f"start_timestamp: cannot parse {text!r} as Unix time or RFC3339")
        return None


def load_test_file(path: str | Path, *, ignore_unknown_fields: bool = False) -> TestFile:
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TestFileError(f"cannot read test file: {exc.strerror or exc}", file=p) from None
    except UnicodeDecodeError as exc:
        raise TestFileError(f"test file is not valid UTF-8: {exc}", file=p) from None
    return load_test_text(text, p, ignore_unknown_fields=ignore_unknown_fields)


def load_test_text(text: str, path: str, *, ignore_unknown_fields: bool = False) -> TestFile:
    return load_test_source(parse_source(text, path), ignore_unknown_fields=ignore_unknown_fields)


def load_test_source(src: Source, *, ignore_unknown_fields: bool = False) -> TestFile:
    path = src.path
    try:
        docs = src.documents()
    except YamlError as exc:
        raise TestFileError(exc.message, file=path, line=exc.line, problems=[
            LoadProblem(Code.TEST_FILE, exc.message, Location(path, exc.line, exc.column), cause=exc.code)]) from None
    if not docs:
        return TestFile(path, (), 60_000, (), False, ())
    root = docs[0]
    dec = Decoder(path, ignore_unknown_fields)
    top = dec.mapping(root, "main.unitTestFile", FILE_FIELDS)
    rule_files = tuple(RuleFileRef(dec.string(n, "rule_files"), line_of(n))
                       for n in dec.sequence(top["rule_files"][1], "rule_files")) if "rule_files" in top else ()
    interval = 60_000
    if "evaluation_interval" in top:
        interval, _ = _duration(dec, top["evaluation_interval"][1], "evaluation_interval")
        if interval == 0:
            interval = 60_000
    order = tuple(dec.string_list(top["group_eval_order"][1], "group_eval_order")) \
        if "group_eval_order" in top else ()
    fuzzy = dec.bool_(top["fuzzy_compare"][1], "fuzzy_compare") if "fuzzy_compare" in top else False
    tests = []
    for i, gnode in enumerate(dec.sequence(top["tests"][1], "tests") if "tests" in top else []):
        tests.append(_load_group(dec, gnode, i))
    if dec.errors:
        e = dec.errors[0]
        more = f" (and {len(dec.errors) - 1} more)" if len(dec.errors) > 1 else ""
        raise TestFileError(e.message + more, file=path, line=e.line, column=e.column, problems=[
            LoadProblem(Code.TEST_FILE, x.message, Location(path, x.line, x.column), promtool_message=x.promtool_message,
                        cause=x.code)
            for x in dec.errors])
    return TestFile(path, rule_files, interval, order, fuzzy, tuple(tests))


def _load_group(dec: Decoder, node: Node, index: int) -> TestGroup:
    f = dec.mapping(node, "main.testGroup", GROUP_FIELDS)
    interval = None
    if "interval" in f:
        interval, _ = _duration(dec, f["interval"][1], "interval")
    series = []
    for sn in dec.sequence(f["input_series"][1], "input_series") if "input_series" in f else []:
        sf = dec.mapping(sn, "main.series", SERIES_FIELDS)
        series.append(InputSeries(dec.string(sf["series"][1], "series") if "series" in sf else "",
                                  dec.string(sf["values"][1], "values") if "values" in sf else "", line_of(sn)))
    alert_tests = []
    for an in dec.sequence(f["alert_rule_test"][1], "alert_rule_test") if "alert_rule_test" in f else []:
        af = dec.mapping(an, "main.alertTestCase", ALERT_TEST_FIELDS)
        ms, text = _duration(dec, af.get("eval_time", (None, None))[1], "eval_time")
        exp = []
        for en in dec.sequence(af["exp_alerts"][1], "exp_alerts") if "exp_alerts" in af else []:
            ef = dec.mapping(en, "main.alert", EXP_ALERT_FIELDS)
            exp.append(ExpAlert(dec.string_map(ef["exp_labels"][1], "exp_labels") if "exp_labels" in ef else {},
                                dec.string_map(ef["exp_annotations"][1], "exp_annotations")
                                if "exp_annotations" in ef else {}, line_of(en)))
        alert_tests.append(AlertTest(ms, text, dec.string(af["alertname"][1], "alertname") if "alertname" in af
                                     else "", tuple(exp), line_of(an)))
    expr_tests = []
    for xn in dec.sequence(f["promql_expr_test"][1], "promql_expr_test") if "promql_expr_test" in f else []:
        xf = dec.mapping(xn, "main.promqlTestCase", EXPR_TEST_FIELDS)
        ms, text = _duration(dec, xf.get("eval_time", (None, None))[1], "eval_time")
        samples = []
        for sn in dec.sequence(xf["exp_samples"][1], "exp_samples") if "exp_samples" in xf else []:
            sf = dec.mapping(sn, "main.sample", SAMPLE_FIELDS)
            samples.append(ExpSample(dec.string(sf["labels"][1], "labels") if "labels" in sf else "",
                                     dec.float_(sf["value"][1], "value") if "value" in sf else 0.0,
                                     dec.string(sf["histogram"][1], "histogram") if "histogram" in sf else "",
                                     line_of(sn)))
        expr_tests.append(ExprTest(dec.string(xf["expr"][1], "expr") if "expr" in xf else "", ms, text,
                                   tuple(samples), line_of(xn)))
    ext = dec.string_map(f["external_labels"][1], "external_labels") if "external_labels" in f else {}
    url = dec.string(f["external_url"][1], "external_url") if "external_url" in f else ""
    name = dec.string(f["name"][1], "name") if "name" in f else ""
    start = _timestamp(dec, f["start_timestamp"][1]) if "start_timestamp" in f else None
    return TestGroup(index, name, interval, tuple(series), tuple(alert_tests), tuple(expr_tests), ext, url,
                     start, line_of(node))


@dataclass(frozen=True)
class CaseRef:
    """One case of a test group, named by an id that is stable within the file."""

    kind: Literal["alert", "expr"]
    index: int  # position among the group's alert tests (or expression tests)
    id: str  # "<group display name>::<label>", with "#n" for the n-th repeat of a label
    label: str  # "HighErrorRate@10m" or "<expr>@10m"
    line: int


def case_refs(tg: TestGroup) -> list[CaseRef]:
    """Every case of a group: alert tests, then expression tests, in file order. The runner
    names its results and the pytest plugin its items with these ids."""
    raw: list[tuple[Literal["alert", "expr"], int, str, int]] = [
        ("alert", i, f"{a.alertname}@{format_duration(a.eval_time_ms)}", a.line) for i, a in enumerate(tg.alert_tests)]
    raw += [("expr", i, f"{e.expr.strip()}@{format_duration(e.eval_time_ms)}", e.line)
            for i, e in enumerate(tg.expr_tests)]
    seen: dict[str, int] = {}
    out = []
    for kind, index, label, line in raw:
        n = seen.get(label, 0)
        seen[label] = n + 1
        out.append(CaseRef(kind, index, f"{tg.display_name}::{label}" + (f"#{n}" if n else ""), label, line))
    return out


def is_rule_source(src: Source) -> bool:
    """A Prometheus rule file (top-level ``groups:``) or a ``PrometheusRule`` manifest."""
    keys = src.top_keys()
    return "tests" not in keys and ("groups" in keys or ("spec" in keys and "kind" in keys))


def is_test_source(src: Source) -> bool:
    """Content sniffing for collectors: a mapping with ``tests:`` (and usually ``rule_files:``)."""
    return "tests" in src.top_keys()


def looks_like_rule_file(text: str) -> bool:
    return is_rule_source(parse_source(text, "<sniff>"))


def looks_like_test_file(text: str) -> bool:
    return is_test_source(parse_source(text, "<sniff>"))
