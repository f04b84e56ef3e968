"""Results of running promtool-format test files, as data.

Every problem says where it is (file, line, column when known) and carries a stable code; a case
result belongs to one ``alert_rule_test`` or ``promql_expr_test`` entry, named by a stable id.
Nothing here formats text for people: promtool's layout, JUnit, pytest reprs, diffs and
timelines are all built from these values in :mod:`ruletest.reporting`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from ruletest.expectations import ValueMatch
from ruletest.promql.histograms import FloatHistogram
from ruletest.promql.values import Labels, Sample
from ruletest.records import record

if TYPE_CHECKING:
    from ruletest.alertmanager.assertions import ExpNotification
    from ruletest.alertmanager.dispatch import Event, Notification
    from ruletest.traces import GroupTrace


class Code(StrEnum):
    """Why something failed; stable identifiers (tools may match them, people read the message)."""

    TEST_FILE = "load/test-file"  # the test file cannot be read or is not a valid test file
    RULE_FILE = "load/rule-file"  # a rule file it names cannot be read or Prometheus would refuse it
    INPUT_SERIES = "load/input-series"  # a bad input_series entry
    GROUP_ORDER = "load/group-eval-order"  # group_eval_order repeats a name
    MISSING_ALERTNAME = "load/missing-alertname"  # an alert_rule_test without alertname
    EXPECTED_LABELS = "load/expected-labels"  # exp_samples labels that do not parse
    RULE_FILES_MATCH_NOTHING = "strict/rule-files-match-nothing"
    UNKNOWN_ALERTNAME = "strict/unknown-alertname"
    DUPLICATE_SAMPLE = "eval/duplicate-sample"  # input series (or rules) write two values at one time
    RULE_EVAL = "eval/rule"  # a rule failed to evaluate (Prometheus would log it and go on)
    ALERT_MISMATCH = "alert/mismatch"
    STATE_MISMATCH = "alert/state"
    EXPR_ERROR = "expr/error"
    EXPR_MISMATCH = "expr/mismatch"
    ALERTMANAGER_CONFIG = "load/alertmanager-config"  # the alertmanager block's config or templates
    NOTIFICATION_TEST = "load/notification-test"  # a notification_test naming no receiver / integration of the config
    ROUTING_MISMATCH = "alertmanager/routing"
    NOTIFICATION_MISMATCH = "alertmanager/notification"
    NO_TESTS = "run/no-tests"  # a test file without test groups (ruletest's own mode)
    INTERNAL = "internal"  # a bug in ruletest: reported for that test, never ending the run


@record
class Location:
    """Where something is written: file, line and column (1-based, when known)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


@record
class LoadProblem:
    """A file, rule file or input the run could not use. ``message`` is ruletest's wording;
    ``promtool_message``, when set, is what promtool prints for the same problem."""

    code: Code
    message: str
    where: Location
    promtool_message: str | None = None
    # The underlying error's own code (e.g. "yaml/parse", "schema/unknown-field", "promql/syntax"),
    # named like the lint check that reports the same problem.
    cause: str | None = None


@record
class RuleEvalError:
    """A rule that failed at an evaluation step (promtool stops the test group there)."""

    rule: str
    rule_where: Location
    time_ms: int  # the evaluation time relative to the group's start
    message: str
    code: Code = Code.RULE_EVAL


@record
class AlertInstanceState:
    """An alert instance as a timeline shows it: labels, state and value."""

    labels: Labels
    state: Literal["pending", "firing", "inactive"]
    value: float


@record
class AlertTimeline:
    """What the rules behind one alert name did at each evaluation step up to a check."""

    states: tuple[tuple[int, tuple[AlertInstanceState, ...]], ...]  # (time ms, instances)
    values: tuple[tuple[int, tuple[Sample, ...]], ...]  # (time ms, the expression's result)


ExpectedAlert = tuple[Labels, Labels]  # (labels incl. alertname, annotations)


@record
class AlertMismatch:
    """An ``alert_rule_test`` whose alerts are not the ones expected."""

    alertname: str
    eval_time_ms: int
    checked_at_ms: int  # the evaluation step the expectation was checked against
    group_name: str
    expected: tuple[ExpectedAlert, ...]  # sorted
    got: tuple[ExpectedAlert, ...]  # sorted
    where: Location
    timeline: AlertTimeline | None = None
    code: Code = Code.ALERT_MISMATCH
    # ruletest's matching, when the test asked for it: how, and the regexes of each expected alert
    match: str = "exact"
    count: int | None = None
    expected_re: tuple[tuple[Labels, Labels], ...] = ()


@record
class StateMismatch:
    """An ``alert_state_test`` that did not hold: what was expected and what decided it."""

    alertname: str
    expectation: str  # "HighErrorRate{job="api"} is pending at 5m"
    observed: str  # "it is firing at 4m"
    where: Location
    timeline: AlertTimeline | None = None
    code: Code = Code.STATE_MISMATCH
    # The time the expectation is about (its `at`, the step that broke a window, the expected
    # fires_at/resolves_at) and the last time it looked at, like the timeline's: relative to the
    # group's start. Explanations show the expression's values around the first, state changes
    # up to the second.
    focus_ms: int = 0
    last_ms: int = 0


@record
class RoutingMismatch:
    """A ``routing_test`` case that did not hold: one message per difference (receivers, group
    labels, inhibition, muting), each naming the label set."""

    labels: Labels
    expected_receivers: tuple[str, ...]
    receivers: tuple[str, ...]  # what Route.Match gives, in order
    messages: tuple[str, ...]
    where: Location
    code: Code = Code.ROUTING_MISMATCH


@record
class NotificationMismatch:
    """A ``notification_test`` that did not hold: what the receiver (integration) was expected to
    be sent between ``from`` and ``eval_time`` and what it was sent, with why."""

    receiver: str
    integration: str  # "slack[0]"; "" when the receiver has no integration
    from_ms: int  # relative to the test group's start
    eval_time_ms: int
    start_ms: int  # the group's start: notification times are absolute
    expected: tuple[ExpNotification, ...]
    got: tuple[Notification, ...]
    messages: tuple[str, ...]  # one per difference
    where: Location
    flushes: tuple[Event, ...] = ()  # the receiver's flushes in the window that sent nothing, and why
    timeline: AlertTimeline | None = None  # the alerts routed to the receiver, evaluation by evaluation
    code: Code = Code.NOTIFICATION_MISMATCH


@record
class ExprError:
    """A ``promql_expr_test`` expression that failed to evaluate."""

    expr: str
    eval_time_ms: int
    message: str
    where: Location
    code: Code = Code.EXPR_ERROR


@record
class ExprMismatch:
    """A ``promql_expr_test`` whose samples are not the ones expected."""

    expr: str
    eval_time_ms: int
    expected: tuple[tuple[Labels, float], ...]  # sorted by labels
    got: tuple[tuple[Labels, float], ...]
    where: Location
    code: Code = Code.EXPR_MISMATCH
    how: str = ""  # ruletest's matching when asked for ("tolerance 0.01, match: subset")
    # How the samples were compared, for explanations that must agree with the verdict.
    values: ValueMatch = field(default_factory=ValueMatch)
    match: str = "exact"
    count: int | None = None
    expected_re: tuple[Labels, ...] = ()  # parallel to expected; empty when no sample has labels_re
    # Native histograms, parallel to expected and got (whose value is then 0), when any sample
    # on either side is one; empty otherwise.
    expected_histograms: tuple[FloatHistogram | None, ...] = ()
    got_histograms: tuple[FloatHistogram | None, ...] = ()
    notes: tuple[str, ...] = ()  # the warnings and infos Prometheus attaches to the result


@record
class InternalError:
    """A bug in ruletest, reported for the test that met it."""

    message: str
    where: Location
    traceback: str
    code: Code = Code.INTERNAL


Problem = (LoadProblem | RuleEvalError | AlertMismatch | StateMismatch | ExprError | ExprMismatch | RoutingMismatch
           | NotificationMismatch | InternalError)

CaseKind = Literal["alert", "expr", "state", "routing", "notification"]


@record
class CaseResult:
    """One ``alert_rule_test``, ``promql_expr_test``, ``alert_state_test`` or ``notification_test``
    entry, or one ``routing_test`` case."""

    id: str  # stable within the file: "<group>::<label>", see promtool_format.case_ids
    kind: CaseKind
    label: str  # HighErrorRate@10m, expr@10m, route {...}, notifications to slack@10m
    where: Location
    ran: bool
    problem: Problem | None = None

    @property
    def passed(self) -> bool:
        return self.ran and self.problem is None


@record
class SeriesDump:
    """``--debug``: every sample of one series up to the last evaluation."""

    labels: Labels
    points: tuple[tuple[int, float], ...]
    histograms: tuple[tuple[int, FloatHistogram], ...] = ()  # native histogram samples


@dataclass
class GroupResult:
    """The outcome of one test group: its cases and problems."""

    name: str  # the test group's display name
    index: int
    where: Location
    cases: list[CaseResult] = field(default_factory=list)
    # Problems that are not about one case (load errors, rule evaluation errors): they fail every
    # case of the group. Case problems are in `cases`.
    problems: list[Problem] = field(default_factory=list)
    firing_seen: set[str] = field(default_factory=set)  # alertnames that fired at some step
    dump: tuple[SeriesDump, ...] | None = None  # --debug
    dump_time_ms: int = 0
    # --debug: the warnings and infos of each expression test that had some: (expr, eval time, texts).
    dump_notes: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)
    # When the group fails under Prometheus 3 and passes with some 2.x behaviour: the names of
    # the semantics switches (ruletest.semantics.VERSION_SWITCHES) that make the difference.
    passes_with_2x: tuple[str, ...] = ()
    # When the group fails and passes with the other evaluation schedule ("promtool": every group
    # every evaluation_interval; "server": each group on its own interval): that schedule.
    passes_with_timing: str | None = None
    duration_s: float = 0.0
    trace: GroupTrace | None = None  # RunOptions.trace

    def all_problems(self) -> list[Problem]:
        """Every problem in promtool's order: load problems stop a group before any case runs;
        case failures come in the order they were checked; an evaluation error that stops the
        group comes after the failures checked before it."""
        return [c.problem for c in self.cases if c.problem is not None] + self.problems

    @property
    def passed(self) -> bool:
        return not self.problems and all(c.problem is None for c in self.cases)


@dataclass
class FileResult:
    """The outcome of one test file: its groups and the problems that concern the whole file."""

    path: str
    problems: list[Problem] = field(default_factory=list)  # file-level
    groups: list[GroupResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # promtool's warnings (rule_files matching nothing)
    rule_files: tuple[str, ...] = ()
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems and all(g.passed for g in self.groups)

    def all_problems(self) -> list[Problem]:
        out = list(self.problems)
        for g in self.groups:
            out.extend(g.all_problems())
        return out

    @property
    def cases(self) -> list[CaseResult]:
        return [c for g in self.groups for c in g.cases]

    @property
    def unreadable(self) -> bool:
        """The file (or a rule file it needs) could not be read or parsed."""
        return any(isinstance(p, LoadProblem) and p.code in (Code.TEST_FILE, Code.RULE_FILE, Code.ALERTMANAGER_CONFIG)
                   for p in self.all_problems())
