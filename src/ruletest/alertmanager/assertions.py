"""The YAML of Alertmanager tests, decoded from a test file's nodes (strict, with lines).

Two forms, for a test group next to ``alert_rule_test`` (or a file of their own):

``routing_test`` -- a routing table. Each case is a label set and the receivers it reaches, in
``Route.Match`` order (amtool's ``--verify.receivers``), either written out::

    routing_test:
      firing:                       # alerts that are firing (inhibition sources), optional
        - {alertname: ServiceDown, severity: critical, job: api}
      at: 2024-03-02T22:00:00Z      # when (time intervals), optional
      cases:
        - labels: {alertname: HighErrorRate, severity: critical, job: api}
          receivers: [pager-duty-critical, slack-notifications]
          group_labels: [{alertname: HighErrorRate}, {alertname: HighErrorRate}]  # optional
          inhibited: false          # optional: muted by one of `firing`
          muted: []                 # optional: receivers whose route is muted at `at`

or as one line, ``labels -> receivers``::

        - alertname=HighErrorRate severity=critical job=api -> pager-duty-critical, slack-notifications

``notification_test`` -- what a receiver is sent while the group's rules run::

    notification_test:
      - eval_time: 15m              # notifications sent from `from` (default 0) up to here
        receiver: slack-notifications
        integration: slack          # needed when the receiver has several integrations
        exp_notifications:          # exactly these, in time order ([] = none)
          - at: 7m30s               # each key is optional
            status: firing
            group_labels: {alertname: HighErrorRate}
            alerts:
              - labels: {alertname: HighErrorRate, job: api, severity: critical, team: backend}
                status: firing
            fields:                 # rendered fields, exactly (title, text, headers.Subject ...)
              title: "[FIRING:1] HighErrorRate"
            fields_contain:         # or a substring of them
              text: "Taux d'erreur"
"""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode

from ruletest.alertmanager.gotime import TimeError, parse_rfc3339
from ruletest.alertmanager.matchers import MatcherError, parse_matcher_classic
from ruletest.durations import DurationError, parse_duration
from ruletest.records import record
from ruletest.yamlnodes import Decoder, line_of

ROUTING_FIELDS = frozenset({"firing", "at", "cases"})
CASE_FIELDS = frozenset({"labels", "receivers", "group_labels", "inhibited", "muted"})
NOTIFICATION_TEST_FIELDS = frozenset({"eval_time", "from", "receiver", "integration", "exp_notifications"})
EXP_NOTIFICATION_FIELDS = frozenset({"at", "status", "group_labels", "alerts", "fields", "fields_contain"})
EXP_ALERT_FIELDS = frozenset({"labels", "annotations", "status"})

Labels = tuple[tuple[str, str], ...]


@record
class RoutingCase:
    labels: Labels
    receivers: tuple[str, ...]
    line: int
    group_labels: tuple[Labels, ...] | None = None
    inhibited: bool | None = None
    muted: tuple[str, ...] | None = None


@record
class RoutingTest:
    cases: tuple[RoutingCase, ...]
    line: int
    firing: tuple[Labels, ...] = ()
    at_ns: int | None = None


@record
class ExpNotifiedAlert:
    labels: Labels
    line: int
    annotations: Labels | None = None
    status: str | None = None


@record
class ExpNotification:
    line: int
    at_ms: int | None = None
    status: str | None = None
    group_labels: Labels | None = None
    alerts: tuple[ExpNotifiedAlert, ...] | None = None
    fields: tuple[tuple[str, str], ...] = ()
    fields_contain: tuple[tuple[str, str], ...] = ()


@record
class NotificationTest:
    eval_time_ms: int
    receiver: str
    exp_notifications: tuple[ExpNotification, ...]
    line: int
    from_ms: int = 0
    integration: str | None = None  # "slack" or "slack[1]"


def _labels(d: Decoder, node: Node | None, what: str) -> Labels:
    return tuple(sorted(d.string_map(node, what).items()))


def _duration(d: Decoder, node: Node | None, what: str) -> int:
    text = d.string(node, what)
    try:
        return parse_duration(text)
    except DurationError as exc:
        d.error(node, f"{what}: {exc.message}")
        return 0


def parse_case_line(text: str) -> tuple[Labels, tuple[str, ...]]:
    """``a=1 b="x y" -> r1, r2``: labels as amtool takes them (classic single matchers,
    separated by spaces or commas outside quotes), then the receivers."""
    left, sep, right = text.partition("->")
    if not sep:
        raise MatcherError(f"expected 'labels -> receivers', got {text!r}")
    labels: dict[str, str] = {}
    for token in _split_labels(left):
        m = parse_matcher_classic(token)
        if m.op != "=":
            raise MatcherError("labels must be specified as key=value pairs")
        labels[m.name] = m.value
    receivers = tuple(r.strip() for r in right.split(",") if r.strip())
    if not receivers:
        raise MatcherError(f"no receivers after '->' in {text!r}")
    return tuple(sorted(labels.items())), receivers


def _split_labels(text: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    quoted = escaped = False
    for c in text:
        if escaped:
            cur.append(c)
            escaped = False
            continue
        if c == "\\":
            escaped = True
            cur.append(c)
            continue
        if c == '"':
            quoted = not quoted
        if not quoted and (c.isspace() or c == ","):
            if cur:
                out.append("".join(cur))
                cur = []
            continue
        cur.append(c)
    if cur:
        out.append("".join(cur))
    return out


def load_routing_test(d: Decoder, node: Node | None) -> RoutingTest | None:
    """Decode a ``routing_test`` node; errors are collected in ``d``."""
    if node is None:
        return None
    fields = d.mapping(node, "routing_test", ROUTING_FIELDS)
    firing = tuple(_labels(d, n, "routing_test.firing") for n in d.sequence(fields.get("firing", (None, None))[1],
                                                                          "routing_test.firing"))
    at_ns = None
    if "at" in fields:
        at_node = fields["at"][1]
        try:
            at_ns = parse_rfc3339(d.string(at_node, "routing_test.at")).ns
        except TimeError:
            d.error(at_node, "routing_test.at: expected an RFC 3339 time such as 2024-03-02T22:00:00Z")
    cases = []
    for n in d.sequence(fields.get("cases", (None, None))[1], "routing_test.cases"):
        case = _case(d, n)
        if case is not None:
            cases.append(case)
    if "cases" not in fields:
        d.error(node, "routing_test: cases is required")
    return RoutingTest(tuple(cases), line_of(node), firing, at_ns)


def _case(d: Decoder, n: Node) -> RoutingCase | None:
    if isinstance(n, ScalarNode):
        try:
            labels, receivers = parse_case_line(str(n.value))
        except MatcherError as exc:
            d.error(n, f"routing_test case: {exc.message}")
            return None
        return RoutingCase(labels, receivers, line_of(n))
    f = d.mapping(n, "routing_test case", CASE_FIELDS)
    if "labels" not in f or "receivers" not in f:
        d.error(n, "routing_test case: labels and receivers are required")
        return None
    group_labels = None
    if "group_labels" in f:
        group_labels = tuple(_labels(d, x, "group_labels") for x in d.sequence(f["group_labels"][1], "group_labels"))
    inhibited = d.bool_(f["inhibited"][1], "inhibited") if "inhibited" in f else None
    muted = tuple(d.string_list(f["muted"][1], "muted")) if "muted" in f else None
    return RoutingCase(_labels(d, f["labels"][1], "labels"), tuple(d.string_list(f["receivers"][1], "receivers")),
                       line_of(n), group_labels, inhibited, muted)


def load_notification_tests(d: Decoder, node: Node | None) -> tuple[NotificationTest, ...]:
    """Decode a ``notification_test`` list; errors are collected in ``d``."""
    out = []
    for n in d.sequence(node, "notification_test"):
        f = d.mapping(n, "notification_test", NOTIFICATION_TEST_FIELDS)
        if "eval_time" not in f or "receiver" not in f:
            d.error(n, "notification_test: eval_time and receiver are required")
            continue
        eval_time = _duration(d, f["eval_time"][1], "eval_time")
        from_ms = _duration(d, f["from"][1], "from") if "from" in f else 0
        exps = [_exp_notification(d, e) for e in d.sequence(f.get("exp_notifications", (None, None))[1],
                                                               "exp_notifications")]
        out.append(NotificationTest(eval_time, d.string(f["receiver"][1], "receiver"), tuple(exps), line_of(n), from_ms,
                                    d.string(f["integration"][1], "integration") if "integration" in f else None))
    return tuple(out)


def _exp_notification(d: Decoder, n: Node) -> ExpNotification:
    f = d.mapping(n, "exp_notifications", EXP_NOTIFICATION_FIELDS)
    status = d.string(f["status"][1], "status") if "status" in f else None
    if status not in (None, "firing", "resolved"):
        d.error(f["status"][1], f"status must be firing or resolved, got {status!r}")
    alerts = None
    if "alerts" in f:
        items = []
        for a in d.sequence(f["alerts"][1], "alerts"):
            af = d.mapping(a, "alerts", EXP_ALERT_FIELDS)
            items.append(ExpNotifiedAlert(
                _labels(d, af.get("labels", (None, None))[1], "labels"), line_of(a),
                _labels(d, af["annotations"][1], "annotations") if "annotations" in af else None,
                d.string(af["status"][1], "status") if "status" in af else None))
        alerts = tuple(items)
    return ExpNotification(
        line_of(n), _duration(d, f["at"][1], "at") if "at" in f else None, status,
        _labels(d, f["group_labels"][1], "group_labels") if "group_labels" in f else None, alerts,
        tuple(d.string_map(f["fields"][1], "fields").items()) if "fields" in f else (),
        tuple(d.string_map(f["fields_contain"][1], "fields_contain").items()) if "fields_contain" in f else ())
