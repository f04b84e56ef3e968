"""The ``promtool test rules`` file format (promtool 3.14) and ruletest's explicit extensions:
model and strict loading.

Fields: ``rule_files`` (globs relative to the test file), ``evaluation_interval``,
``group_eval_order``, ``fuzzy_compare`` and ``tests`` — each test group with ``interval``,
``input_series``, ``alert_rule_test``, ``promql_expr_test``, ``external_labels``,
``external_url``, ``name`` and ``start_timestamp``. Unknown fields are errors unless
``ignore_unknown_fields`` (promtool's ``--ignore-unknown-fields``), as in promtool.

ruletest's additions are new keys that promtool does not have (see ``EXTENSIONS``): promtool's
own keys keep exactly their promtool meaning. A file using an addition is refused under
``promtool_compat`` with the key and its line, instead of half-working. Among them, the file's
``alertmanager`` block names an Alertmanager config; test groups may then hold ``routing_test``
and ``notification_test`` (decoded by :mod:`ruletest.alertmanager.assertions`, imported only
for files that use them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from yaml.nodes import Node

from ruletest.durations import DurationError, parse_duration
from ruletest.errors import RuletestError
from ruletest.promql.ast import format_duration
from ruletest.promql.regex import compile_anchored
from ruletest.records import record
from ruletest.results import CaseKind, Code, LoadProblem, Location
from ruletest.yamlnodes import Decoder, Source, YamlError, line_of, parse_source

if TYPE_CHECKING:
    from ruletest.alertmanager.assertions import NotificationTest, RoutingTest
    from ruletest.alertmanager.version import Version

# promtool's keys, per Go type of cmd/promtool/unittest.go.
FILE_FIELDS = frozenset({"rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"})
GROUP_FIELDS = frozenset({"interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
                          "external_url", "name", "start_timestamp"})
SERIES_FIELDS = frozenset({"series", "values"})
ALERT_TEST_FIELDS = frozenset({"eval_time", "alertname", "exp_alerts"})
EXP_ALERT_FIELDS = frozenset({"exp_labels", "exp_annotations"})
EXPR_TEST_FIELDS = frozenset({"expr", "eval_time", "exp_samples"})
SAMPLE_FIELDS = frozenset({"labels", "value", "histogram"})

# ruletest's additions, by the Go type (promtool's name for the place) they extend.
EXTENSIONS: dict[str, frozenset[str]] = {
    "main.unitTestFile": frozenset({"timing", "alertmanager"}),
    "main.testGroup": frozenset({"alert_state_test", "routing_test", "notification_test"}),
    "main.alertTestCase": frozenset({"match", "count"}),
    "main.alert": frozenset({"exp_labels_re", "exp_annotations_re"}),
    "main.promqlTestCase": frozenset({"match", "count", "tolerance", "relative_tolerance", "nan_equal"}),
    "main.sample": frozenset({"labels_re"}),
}
STATE_TEST_FIELDS = frozenset({"alertname", "exp_labels", "exp_labels_re", "at", "from", "to", "state", "never",
                               "fires_at", "resolves_at"})
ALERTMANAGER_FIELDS = frozenset({"config", "version", "template_paths", "external_url", "resend_delay"})
ALERT_STATES = ("inactive", "pending", "firing", "resolved")
MatchMode = Literal["exact", "subset"]


class TestFileError(RuletestError):
    """A test file promtool would refuse to run; ``problems`` lists every problem, located."""

    __test__ = False  # not a pytest test class
    code = Code.TEST_FILE.value

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, problems: list[LoadProblem] | None = None) -> None:
        super().__init__(message, file=file, line=line, column=column)
        self.problems = problems if problems is not None else [
            LoadProblem(Code.TEST_FILE, message, Location(file or "", line, column))]


@record
class InputSeries:
    """An ``input_series`` entry: the series and its values in promtool notation."""

    series: str
    values: str
    line: int


@record
class ExpAlert:
    """An expected alert: its labels and annotations (or patterns for them)."""

    labels: dict[str, str]
    annotations: dict[str, str]
    line: int
    # ruletest: values that must fully match an RE2 regex (anchored like label matchers)
    labels_re: dict[str, str] = field(default_factory=dict)
    annotations_re: dict[str, str] = field(default_factory=dict)


@record
class AlertTest:
    """An ``alert_rule_test`` case: an alert name at an evaluation time and the alerts expected."""

    eval_time_ms: int
    eval_time_text: str
    alertname: str
    exp_alerts: tuple[ExpAlert, ...]
    line: int
    # ruletest: "subset" = only the listed labels must match; count = exact number of firing alerts
    match: MatchMode = "exact"
    count: int | None = None


@record
class ExpSample:
    """An expected sample of a ``promql_expr_test``."""

    labels: str
    value: float
    histogram: str
    line: int
    labels_re: dict[str, str] = field(default_factory=dict)  # ruletest


@record
class ExprTest:
    """A ``promql_expr_test`` case: an expression at an evaluation time and the samples expected."""

    expr: str
    eval_time_ms: int
    eval_time_text: str
    exp_samples: tuple[ExpSample, ...]
    line: int
    # ruletest additions
    match: MatchMode = "exact"
    count: int | None = None
    tolerance: float = 0.0  # absolute
    relative_tolerance: float = 0.0
    nan_equal: bool = False  # an expected NaN matches a NaN (promtool: NaN never matches)


@record
class StateTest:
    """ruletest's ``alert_state_test`` entry: where in its lifecycle an alert is, at a time or
    over a window, or when it first fires or resolves (to the evaluation step)."""

    alertname: str
    labels: dict[str, str]  # instances with these labels (a subset); empty: every instance
    labels_re: dict[str, str]
    at_ms: int | None
    from_ms: int | None
    to_ms: int | None
    state: str | None  # inactive / pending / firing / resolved: at `at`, or at every step of the window
    never: str | None  # pending / firing: at no step of the window
    fires_at_ms: int | None
    resolves_at_ms: int | None
    line: int

    __test__ = False

    @property
    def last_time_ms(self) -> int:
        return max(t for t in (self.at_ms, self.to_ms, self.fires_at_ms, self.resolves_at_ms, 0) if t is not None)

    def describe(self) -> str:
        who = self.alertname + (format_matchers(self.labels, self.labels_re))
        if self.at_ms is not None:
            return f"{who} is {self.state} at {format_duration(self.at_ms)}"
        window = f"from {format_duration(self.from_ms or 0)} to {format_duration(self.to_ms or 0)}"
        if self.state is not None:
            return f"{who} is {self.state} {window}"
        if self.never is not None:
            return f"{who} is never {self.never} {window}"
        if self.fires_at_ms is not None:
            return f"{who} first fires at {format_duration(self.fires_at_ms)}"
        return f"{who} resolves at {format_duration(self.resolves_at_ms or 0)}"


def format_matchers(labels: dict[str, str], labels_re: dict[str, str]) -> str:
    parts = [f'{k}="{v}"' for k, v in sorted(labels.items())] + [f'{k}=~"{v}"' for k, v in sorted(labels_re.items())]
    return "{" + ", ".join(parts) + "}" if parts else ""


@record
class TestGroup:
    """One entry of ``tests``: its input series and the cases evaluated against them."""

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
    state_tests: tuple[StateTest, ...] = ()  # ruletest
    routing_test: RoutingTest | None = None  # ruletest (needs TestFile.alertmanager)
    notification_tests: tuple[NotificationTest, ...] = ()  # ruletest (needs TestFile.alertmanager)

    __test__ = False

    def alert_names(self) -> frozenset[str]:
        """The alerts whose instances are asserted on by name (promtool's alert tests and
        ruletest's lifecycle tests). Notification tests see every alert the rules send."""
        return frozenset({at.alertname for at in self.alert_tests} | {st.alertname for st in self.state_tests})

    @property
    def display_name(self) -> str:
        return self.name or f"unnamed#{self.index}"


@record
class RuleFileRef:
    """A ``rule_files`` entry (a path or glob) and where it is written."""

    pattern: str
    line: int


@record
class AlertmanagerRef:
    """ruletest's ``alertmanager`` block: the Alertmanager config the file's routing and
    notification tests run against, and what the servers would be started with."""

    config: str  # as written: relative to the test file, like rule_files
    line: int
    version: Version | None = None  # the release to emulate (None: the package's default, 0.25)
    # deployed template directory or glob -> where it is in the repository (relative to the test file)
    template_paths: tuple[tuple[str, str], ...] = ()
    external_url: str = ""  # Alertmanager's --web.external-url (.ExternalURL); "" = its default
    resend_delay_ms: int = 60_000  # Prometheus' --rules.alert.resend-delay


@record
class TestFile:
    """A promtool test file: the rule files it loads and its test groups."""

    path: str
    rule_files: tuple[RuleFileRef, ...]
    evaluation_interval_ms: int
    group_eval_order: tuple[str, ...]
    fuzzy_compare: bool
    tests: tuple[TestGroup, ...]
    # ruletest: "server" evaluates each rule group on its own interval, as a Prometheus server does
    timing: Literal["promtool", "server"] = "promtool"
    extensions: tuple[tuple[str, int], ...] = ()  # (ruletest key used, line)
    alertmanager: AlertmanagerRef | None = None

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
    from datetime import datetime

    try:
        return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        dec.error(node, f"start_timestamp: cannot parse {text!r} as Unix time or RFC3339")
        return None


def load_test_file(path: str | Path, *, ignore_unknown_fields: bool = False, promtool_compat: bool = False) -> TestFile:
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TestFileError(f"cannot read test file: {exc.strerror or exc}", file=p) from None
    except UnicodeDecodeError as exc:
        raise TestFileError(f"test file is not valid UTF-8: {exc}", file=p) from None
    return load_test_text(text, p, ignore_unknown_fields=ignore_unknown_fields, promtool_compat=promtool_compat)


def load_test_text(text: str, path: str, *, ignore_unknown_fields: bool = False,
                   promtool_compat: bool = False) -> TestFile:
    return load_test_source(parse_source(text, path), ignore_unknown_fields=ignore_unknown_fields,
                            promtool_compat=promtool_compat)


@dataclass
class _Reader:
    """Decoding state for one test file: promtool's keys, plus ruletest's additions unless the
    file is read as promtool reads it."""

    dec: Decoder
    promtool_compat: bool
    extensions: list[tuple[str, int]] = field(default_factory=list)

    def mapping(self, node: Node | None, what: str, allowed: frozenset[str]) -> dict[str, tuple[Node, Node]]:
        extra = EXTENSIONS.get(what, frozenset())
        fields = self.dec.mapping(node, what, allowed | extra)
        for key in [k for k in fields if k in extra]:  # in file order
            line = line_of(fields[key][0])
            self.extensions.append((key, line))
            if self.promtool_compat:
                self.dec.error(fields[key][0], f"{key!r} is a ruletest addition, not promtool syntax: remove it, or run "
                                               "without --promtool-compat", code="schema/unknown-field",
                               promtool_message=f"field {key} not found in type {what}", key=key)
        return fields


def load_test_source(src: Source, *, ignore_unknown_fields: bool = False, promtool_compat: bool = False) -> TestFile:
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
    rd = _Reader(dec, promtool_compat)
    top = rd.mapping(root, "main.unitTestFile", FILE_FIELDS)
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
    timing: Literal["promtool", "server"] = "promtool"
    if "timing" in top:
        value = dec.string(top["timing"][1], "timing")
        if value not in ("promtool", "server"):
            dec.error(top["timing"][1], f"timing must be promtool or server, not {value!r}")
        elif value == "server":
            timing = "server"
    am = _load_alertmanager(dec, top["alertmanager"][1]) if "alertmanager" in top else None
    tests = []
    for i, gnode in enumerate(dec.sequence(top["tests"][1], "tests") if "tests" in top else []):
        tests.append(_load_group(rd, gnode, i, am is not None))
    if dec.errors:
        e = dec.errors[0]
        more = f" (and {len(dec.errors) - 1} more)" if len(dec.errors) > 1 else ""
        raise TestFileError(e.message + more, file=path, line=e.line, column=e.column, problems=[
            LoadProblem(Code.TEST_FILE, x.message, Location(path, x.line, x.column), promtool_message=x.promtool_message,
                        cause=x.code)
            for x in dec.errors])
    return TestFile(path, rule_files, interval, order, fuzzy, tuple(tests), timing, tuple(rd.extensions), am)


def _load_alertmanager(dec: Decoder, node: Node) -> AlertmanagerRef:
    from ruletest.alertmanager.version import Version, VersionError

    f = dec.mapping(node, "alertmanager", ALERTMANAGER_FIELDS)
    config = dec.string(f["config"][1], "alertmanager.config") if "config" in f else ""
    if not config:
        dec.error(node, "alertmanager: config is required (the path of alertmanager.yml, relative to the test file)")
    version = None
    if "version" in f:
        try:
            version = Version.parse(dec.string(f["version"][1], "alertmanager.version"))
        except VersionError as exc:
            dec.error(f["version"][1], f"alertmanager.version: {exc.message}")
    paths = tuple(dec.string_map(f["template_paths"][1], "alertmanager.template_paths").items()
                  ) if "template_paths" in f else ()
    url = dec.string(f["external_url"][1], "alertmanager.external_url") if "external_url" in f else ""
    resend = 60_000
    if "resend_delay" in f:
        resend, _ = _duration(dec, f["resend_delay"][1], "alertmanager.resend_delay")
    return AlertmanagerRef(config, line_of(node), version, paths, url.rstrip("/"), resend)


def _match_mode(dec: Decoder, fields: dict[str, tuple[Node, Node]]) -> MatchMode:
    if "match" not in fields:
        return "exact"
    value = dec.string(fields["match"][1], "match")
    if value == "subset":
        return "subset"
    if value != "exact":
        dec.error(fields["match"][1], f"match must be exact or subset, not {value!r}")
    return "exact"


def _count(dec: Decoder, fields: dict[str, tuple[Node, Node]]) -> int | None:
    if "count" not in fields:
        return None
    n = dec.int_(fields["count"][1], "count")
    if n < 0:
        dec.error(fields["count"][1], "count must not be negative")
    return n


def _regexes(dec: Decoder, fields: dict[str, tuple[Node, Node]], key: str) -> dict[str, str]:
    if key not in fields:
        return {}
    out = dec.string_map(fields[key][1], key)
    for name, pattern in out.items():
        try:
            compile_anchored(pattern, True)
        except RuletestError as exc:
            dec.error(fields[key][1], f"{key}.{name}: {exc.message}")
    return out


def _optional_duration(dec: Decoder, fields: dict[str, tuple[Node, Node]], key: str) -> int | None:
    return _duration(dec, fields[key][1], key)[0] if key in fields else None


def _load_state_test(dec: Decoder, node: Node) -> StateTest:
    f = dec.mapping(node, "alert_state_test", STATE_TEST_FIELDS)
    st = StateTest(
        dec.string(f["alertname"][1], "alertname") if "alertname" in f else "",
        dec.string_map(f["exp_labels"][1], "exp_labels") if "exp_labels" in f else {},
        _regexes(dec, f, "exp_labels_re"),
        _optional_duration(dec, f, "at"), _optional_duration(dec, f, "from"), _optional_duration(dec, f, "to"),
        dec.string(f["state"][1], "state") if "state" in f else None,
        dec.string(f["never"][1], "never") if "never" in f else None,
        _optional_duration(dec, f, "fires_at"), _optional_duration(dec, f, "resolves_at"), line_of(node))
    if not st.alertname:
        dec.error(node, "alert_state_test entry needs an alertname")
    for key, allowed in (("state", ALERT_STATES), ("never", ("pending", "firing"))):
        value = getattr(st, key)
        if value is not None and value not in allowed:
            dec.error(f[key][1], f"{key} must be one of {', '.join(allowed)}, not {value!r}")
    kinds = [st.at_ms is not None and st.state is not None,
             st.at_ms is None and st.from_ms is not None and st.to_ms is not None
             and (st.state is not None) != (st.never is not None),
             st.fires_at_ms is not None, st.resolves_at_ms is not None]
    if sum(kinds) != 1 or ((st.fires_at_ms is not None or st.resolves_at_ms is not None) and (
            st.state is not None or st.never is not None or st.at_ms is not None)):
        dec.error(node, "alert_state_test entry needs exactly one of: at + state; from + to + state; "
                        "from + to + never; fires_at; resolves_at")
    elif st.from_ms is not None and st.to_ms is not None and st.to_ms < st.from_ms:
        dec.error(f["to"][1], "to is before from")
    return st


def _load_group(rd: _Reader, node: Node, index: int, has_alertmanager: bool) -> TestGroup:
    dec = rd.dec
    f = rd.mapping(node, "main.testGroup", GROUP_FIELDS)
    routing_test = None
    notification_tests: tuple[NotificationTest, ...] = ()
    if "routing_test" in f or "notification_test" in f:
        from ruletest.alertmanager.assertions import load_notification_tests, load_routing_test

        for key in ("routing_test", "notification_test"):
            if key in f and not has_alertmanager:
                dec.error(f[key][0], f"{key} needs the file's alertmanager block (alertmanager: {{config: "
                                     "path/to/alertmanager.yml}})")
        if "routing_test" in f:
            routing_test = load_routing_test(dec, f["routing_test"][1])
        if "notification_test" in f:
            notification_tests = load_notification_tests(dec, f["notification_test"][1])
    interval = None
    if "interval" in f:
        interval, _ = _duration(dec, f["interval"][1], "interval")
    series = []
    for sn in dec.sequence(f["input_series"][1], "input_series") if "input_series" in f else []:
        sf = rd.mapping(sn, "main.series", SERIES_FIELDS)
        series.append(InputSeries(dec.string(sf["series"][1], "series") if "series" in sf else "",
                                  dec.string(sf["values"][1], "values") if "values" in sf else "", line_of(sn)))
    alert_tests = []
    for an in dec.sequence(f["alert_rule_test"][1], "alert_rule_test") if "alert_rule_test" in f else []:
        af = rd.mapping(an, "main.alertTestCase", ALERT_TEST_FIELDS)
        ms, text = _duration(dec, af.get("eval_time", (None, None))[1], "eval_time")
        exp = []
        for en in dec.sequence(af["exp_alerts"][1], "exp_alerts") if "exp_alerts" in af else []:
            ef = rd.mapping(en, "main.alert", EXP_ALERT_FIELDS)
            exp.append(ExpAlert(dec.string_map(ef["exp_labels"][1], "exp_labels") if "exp_labels" in ef else {},
                                dec.string_map(ef["exp_annotations"][1], "exp_annotations")
                                if "exp_annotations" in ef else {}, line_of(en),
                                _regexes(dec, ef, "exp_labels_re"), _regexes(dec, ef, "exp_annotations_re")))
        alert_tests.append(AlertTest(ms, text, dec.string(af["alertname"][1], "alertname") if "alertname" in af
                                     else "", tuple(exp), line_of(an), _match_mode(dec, af), _count(dec, af)))
    expr_tests = []
    for xn in dec.sequence(f["promql_expr_test"][1], "promql_expr_test") if "promql_expr_test" in f else []:
        xf = rd.mapping(xn, "main.promqlTestCase", EXPR_TEST_FIELDS)
        ms, text = _duration(dec, xf.get("eval_time", (None, None))[1], "eval_time")
        samples = []
        for sn in dec.sequence(xf["exp_samples"][1], "exp_samples") if "exp_samples" in xf else []:
            sf = rd.mapping(sn, "main.sample", SAMPLE_FIELDS)
            samples.append(ExpSample(dec.string(sf["labels"][1], "labels") if "labels" in sf else "",
                                     dec.float_(sf["value"][1], "value") if "value" in sf else 0.0,
                                     dec.string(sf["histogram"][1], "histogram") if "histogram" in sf else "",
                                     line_of(sn), _regexes(dec, sf, "labels_re")))
        tolerance = dec.float_(xf["tolerance"][1], "tolerance") if "tolerance" in xf else 0.0
        relative = dec.float_(xf["relative_tolerance"][1], "relative_tolerance") if "relative_tolerance" in xf else 0.0
        for key, value in (("tolerance", tolerance), ("relative_tolerance", relative)):
            if not value >= 0:
                dec.error(xf[key][1], f"{key} must be a non-negative number")
        expr_tests.append(ExprTest(dec.string(xf["expr"][1], "expr") if "expr" in xf else "", ms, text,
                                   tuple(samples), line_of(xn), _match_mode(dec, xf), _count(dec, xf), tolerance,
                                   relative, dec.bool_(xf["nan_equal"][1], "nan_equal") if "nan_equal" in xf else False))
    state_tests = tuple(_load_state_test(dec, n) for n in dec.sequence(f["alert_state_test"][1], "alert_state_test")
                        ) if "alert_state_test" in f else ()
    ext = dec.string_map(f["external_labels"][1], "external_labels") if "external_labels" in f else {}
    url = dec.string(f["external_url"][1], "external_url") if "external_url" in f else ""
    name = dec.string(f["name"][1], "name") if "name" in f else ""
    start = _timestamp(dec, f["start_timestamp"][1]) if "start_timestamp" in f else None
    return TestGroup(index, name, interval, tuple(series), tuple(alert_tests), tuple(expr_tests), ext, url,
                     start, line_of(node), state_tests, routing_test, notification_tests)


@record
class CaseRef:
    """One case of a test group, named by an id that is stable within the file."""

    kind: CaseKind
    index: int  # position among the group's cases of its kind (routing: among routing_test's cases)
    id: str  # "<group display name>::<label>", with "#n" for the n-th repeat of a label
    label: str  # "HighErrorRate@10m", "<expr>@10m", "route {alertname=...}", "notifications to slack@10m"
    line: int


def case_refs(tg: TestGroup) -> list[CaseRef]:
    """Every case of a group: alert tests, expression tests, alert state tests, routing cases,
    then notification tests, in file order. The runner names its results and the pytest plugin
    its items with these ids."""
    raw: list[tuple[CaseKind, int, str, int]] = [
        ("alert", i, f"{a.alertname}@{format_duration(a.eval_time_ms)}", a.line) for i, a in enumerate(tg.alert_tests)]
    raw += [("expr", i, f"{e.expr.strip()}@{format_duration(e.eval_time_ms)}", e.line)
            for i, e in enumerate(tg.expr_tests)]
    raw += [("state", i, s.describe(), s.line) for i, s in enumerate(tg.state_tests)]
    if tg.routing_test is not None:
        raw += [("routing", i, "route " + (format_matchers(dict(c.labels), {}) or "{}"), c.line)
                for i, c in enumerate(tg.routing_test.cases)]
    raw += [("notification", i, f"notifications to {n.receiver}{f'/{n.integration}' if n.integration else ''}"
             f"@{format_duration(n.eval_time_ms)}", n.line) for i, n in enumerate(tg.notification_tests)]
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
    """Content sniffing for collectors: a mapping with ``tests:`` (and usually ``rule_files:``).
    A text that is not valid YAML but has a ``tests:`` line at the top level is a broken test file:
    collected, so that its error is reported instead of the file being passed over."""
    if src.error is not None:
        return any(line.startswith("tests:") for line in src.text.splitlines())
    return "tests" in src.top_keys()


def looks_like_rule_file(text: str) -> bool:
    return is_rule_source(parse_source(text, "<sniff>"))


def looks_like_test_file(text: str) -> bool:
    return is_test_source(parse_source(text, "<sniff>"))
