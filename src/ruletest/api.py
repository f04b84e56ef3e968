"""Python testing API: build series, evaluate rules over time, assert on alerts and queries.

    from ruletest.api import Scenario

    s = Scenario(["rules/recording_rules.yml", "rules/alerts.yml"], interval="15s")
    s.series('up{job="api", instance="a"}', "1x3 0x12")          # promtool notation
    s.series('veza_db_connections', [50, 50, 81, 81, 81])          # or Python values
    run = s.run(until="5m")
    assert run.firing("ServiceDown", at="2m") == [{"alertname": "ServiceDown", "job": "api", ...}]
    assert run.query("up", at="1m") == {'up{instance="a", job="api"}': 0.0}

    am = Alertmanager("alertmanager/alertmanager.yml", template_paths={"/etc/alertmanager/template": "templates"})
    am.assert_routes({"alertname": "ServiceDown", "severity": "critical"}, ["pager-duty-critical", "slack-notifications"])
    run.assert_notifications(am, "slack-notifications", [{"at": "2m30s", "status": "firing"}], until="5m")

Evaluation is the simulation ``ruletest test`` uses (:mod:`ruletest.rules.simulation`): rule
groups are evaluated every ``evaluation_interval`` in order, alerts move through pending and
firing, and the state at a time is the state of the last evaluation at or before it. The API is
as strict as the CLI: asking about an alert no rule defines, or about a time the run did not
reach, is an error, never an empty answer. Notifications are what the Alertmanager of
``Alertmanager(config)`` sends for the alerts the run's rules send (the path ``notification_test``
takes in test files), on the run's clock from 0 to ``until``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruletest.durations import parse_duration
from ruletest.errors import RuletestError
from ruletest.expectations import (
    AlertPattern,
    SamplePattern,
    ValueMatch,
    alerts_match,
    check_lifecycle,
    first_time,
    samples_match,
    selected,
    state_of,
    step_at,
)
from ruletest.history import alert_timeline, lifecycle_steps
from ruletest.promql.histograms import FloatHistogram
from ruletest.promql.values import STALE, Labels, Stale, format_labels, format_series, labels_from
from ruletest.promtool_format import format_matchers
from ruletest.records import record
from ruletest.reporting.explain import explain_alert, samples_diff, timeline_lines
from ruletest.results import AlertMismatch, ExprMismatch, Location
from ruletest.rules.alerting import AlertState
from ruletest.rules.loader import LoadOptions, load_rule_file
from ruletest.rules.model import RuleGroup
from ruletest.rules.simulation import AlertSnapshot, GroupStep, InputSeries, Simulation, SimulationOptions
from ruletest.semantics import Semantics
from ruletest.series import HistogramSeriesValue, count_values, expand_values, parse_series_description

if TYPE_CHECKING:
    from ruletest.alertmanager.assertions import NotificationTest
    from ruletest.alertmanager.dispatch import Notification
    from ruletest.alertmanager.dispatch import Simulation as AlertmanagerSimulation
    from ruletest.alertmanager.sending import EvalStep
    from ruletest.alertmanager.testbed import Testbed

__all__ = ["Alert", "Alertmanager", "Notified", "Run", "Scenario", "ScenarioError"]


class ScenarioError(RuletestError):
    """A scenario that cannot run (bad rules, bad series), an evaluation error, or a question
    the run cannot answer (an alert no rule defines, a time after ``until``)."""


def _ms(value: str | int | float) -> int:
    if isinstance(value, str):
        return parse_duration(value)
    return round(value * 1000)


@record
class Alert:
    """An active alert at a point in time."""

    labels: dict[str, str]
    annotations: dict[str, str]
    state: str  # "pending" or "firing"
    active_at_s: float
    value: float

    def __repr__(self) -> str:
        return f"Alert({self.state} {format_labels(labels_from(self.labels))} since {self.active_at_s:g}s)"


_Values = str | Iterable[float | FloatHistogram | str | None]


@dataclass
class Scenario:
    """Input series plus rule files; :meth:`run` evaluates them like promtool."""

    rule_files: Sequence[str | Path] = ()
    interval: str | int | float = "1m"  # step of input series
    evaluation_interval: str | int | float | None = None  # defaults to ``interval``
    prometheus: int = 3
    features: Sequence[str] = ()  # --enable-feature values
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    groups: list[RuleGroup] = field(default_factory=list)
    _series: list[tuple[Labels, _Values]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.semantics = Semantics.of(self.prometheus, self.features)
        opts = LoadOptions(self.semantics)
        for f in self.rule_files:
            self.groups.extend(load_rule_file(f, opts))

    def series(self, description: str, values: str | Iterable[float | FloatHistogram | str | None]) -> Scenario:
        """Add a series: ``values`` in promtool notation, or Python numbers (``None`` = missing,
        ``math.nan`` is a NaN sample; use the string ``"stale"`` for a stale marker). Native
        histograms (Prometheus 3) are ``{{...}}`` in the notation, or ``FloatHistogram`` values.
        The notation is checked now and expanded when the scenario runs, as far as ``until``
        needs (the same limits as ``ruletest test``)."""
        labels = parse_series_description(description)
        if isinstance(values, str):
            count_values(values, histograms=self.semantics.v3)  # syntax errors now, not at run time
            self._series.append((labels, values))
        else:
            self._series.append((labels, list(values)))
        return self

    def run(self, until: str | int | float) -> Run:
        step = _ms(self.evaluation_interval if self.evaluation_interval is not None else self.interval)
        interval = _ms(self.interval)
        end = _ms(until)
        if step <= 0:
            raise ScenarioError("evaluation_interval must be positive")
        if interval <= 0:
            raise ScenarioError("interval must be positive")
        limit = end // interval + 1
        inputs = []
        for labels, values in self._series:
            expanded: Sequence[HistogramSeriesValue] = (
                expand_values(values, limit, histograms=self.semantics.v3) if isinstance(values, str)
                else [_python_value(v, self.semantics.v3) for v in values])
            ts: list[int] = []
            vs: list[float | FloatHistogram | Stale] = []
            for i, v in enumerate(expanded):
                if v is not None and i * interval <= end:
                    ts.append(i * interval)
                    vs.append(v)
            inputs.append(InputSeries(labels, ts, vs))
        sim = Simulation(self.groups, inputs, SimulationOptions(self.semantics, step, dict(self.external_labels),
                                                                self.external_url), record_groups=True)
        run = Run(sim, step, end, tuple(self.groups))
        for outcome in sim.run(0, end):
            run._group_steps.append((outcome.t, outcome.groups))  # what Prometheus would send from
            if outcome.load_error is not None:
                raise ScenarioError(outcome.load_error)
            if outcome.errors:
                e = outcome.errors[0]
                raise ScenarioError(f"rule {e.rule.name} ({e.rule.where}) failed at {outcome.t / 1000:g}s: {e.message}")
        return run


def _python_value(v: float | FloatHistogram | str | None, histograms: bool) -> HistogramSeriesValue:
    if v is None:
        return None
    if isinstance(v, FloatHistogram):
        if not histograms:
            raise ScenarioError("native histograms need Prometheus 3 (prometheus=3)")
        err = v.validate()
        if err:
            raise ScenarioError(f"invalid histogram {v.test_expression()}: {err}")
        return v
    if isinstance(v, str):
        if v == "stale":
            return STALE
        raise ScenarioError(f"unknown series value {v!r} (use a number, None or 'stale')")
    return float(v)


@dataclass
class Run:
    """The outcome of a scenario: alert states per evaluation, and queries on the final data."""

    simulation: Simulation
    step_ms: int
    until_ms: int
    rule_groups: tuple[RuleGroup, ...] = ()
    _group_steps: list[tuple[int, tuple[GroupStep, ...]]] = field(default_factory=list)
    _notified: dict[tuple[int, int], tuple[Alertmanager, AlertmanagerSimulation]] = field(default_factory=dict)

    def _check(self, name: str, at: str | int | float | None = None) -> int:
        known = self.simulation.alert_names()
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(f"no rule in the scenario defines alert {name!r}{hint}")
        if at is None:
            return self.until_ms
        t = _ms(at)
        if t > self.until_ms:
            raise ScenarioError(f"{at!r} is after the end of the run ({self.until_ms / 1000:g}s): "
                                "run the scenario further (until=...)")
        if t < 0:
            raise ScenarioError(f"{at!r} is before the start of the run")
        return t

    def _snapshots(self, name: str, t: int) -> list[AlertSnapshot]:
        chosen: tuple[AlertSnapshot, ...] = ()
        for step in self.simulation.history(name):
            if step.t > t:
                break
            chosen = step.alerts
        return [a for a in chosen if a.state != AlertState.INACTIVE]

    def alerts(self, name: str, at: str | int | float) -> list[Alert]:
        """Active (pending or firing) alerts of ``name`` at ``at``."""
        t = self._check(name, at)
        out = [Alert(dict(a.labels), dict(a.annotations), a.state.value, a.active_at_ms / 1000, a.value)
               for a in self._snapshots(name, t)]
        return sorted(out, key=lambda a: sorted(a.labels.items()))

    def firing(self, name: str, at: str | int | float) -> list[dict[str, str]]:
        """Label sets of the firing alerts of ``name`` at ``at`` (as promtool compares them)."""
        return [a.labels for a in self.alerts(name, at) if a.state == "firing"]

    def first_firing(self, name: str, labels: Mapping[str, str] | None = None,
                     labels_re: Mapping[str, str] | None = None) -> float | None:
        """Seconds at which ``name`` (its instances with ``labels``, a subset, and label values
        fully matching the RE2 regexes of ``labels_re``) first fired, or ``None`` if it never
        fired in the run."""
        self._check(name)
        t = first_time(lifecycle_steps(self.simulation, name, 0), labels or {}, labels_re or {}, "fires")
        return None if t is None else t / 1000

    def query(self, expr: str, at: str | int | float) -> dict[str, float]:
        """Evaluate ``expr`` at ``at``: ``{series: value}`` (``{}`` for a scalar's key)."""
        t = _ms(at)
        if t > self.until_ms:
            raise ScenarioError(f"{at!r} is after the end of the run ({self.until_ms / 1000:g}s)")
        samples = self.simulation.query(expr, t)
        if any(s.histogram is not None for s in samples):
            raise ScenarioError(f"{expr} returns native histograms at {at!r}: use query_histograms()")
        return {format_series(s.labels) if s.labels else "{}": s.value for s in samples}

    def query_histograms(self, expr: str, at: str | int | float) -> dict[str, FloatHistogram]:
        """Evaluate ``expr``, which returns native histograms, at ``at``: ``{series: histogram}``."""
        t = _ms(at)
        if t > self.until_ms:
            raise ScenarioError(f"{at!r} is after the end of the run ({self.until_ms / 1000:g}s)")
        samples = self.simulation.query(expr, t)
        if any(s.histogram is None for s in samples):
            raise ScenarioError(f"{expr} returns floats at {at!r}: use query()")
        return {format_series(s.labels) if s.labels else "{}": s.histogram for s in samples
                if s.histogram is not None}

    # --- lifecycle: the same checks as alert_state_test ---------------------------------------

    def state(self, name: str, at: str | int | float, labels: Mapping[str, str] | None = None,
              labels_re: Mapping[str, str] | None = None) -> str:
        """``inactive``, ``pending``, ``firing`` or ``resolved`` (fired, then resolved in the last 15
        minutes): the state of the instances of ``name`` with ``labels`` (a subset) at ``at``."""
        t = self._check(name, at)
        steps = lifecycle_steps(self.simulation, name, 0)
        i = step_at(steps, t)
        return "inactive" if i is None else state_of(selected(steps[i][1], labels or {}, labels_re or {}))

    def resolves_at(self, name: str, labels: Mapping[str, str] | None = None,
                    labels_re: Mapping[str, str] | None = None) -> float | None:
        """Seconds at which the instances of ``name`` with ``labels`` (and ``labels_re``, as in
        :meth:`first_firing`) first stop firing after having fired, or ``None``."""
        self._check(name)
        t = first_time(lifecycle_steps(self.simulation, name, 0), labels or {}, labels_re or {}, "resolves")
        return None if t is None else t / 1000

    def assert_state(self, name: str, state: str, *, at: str | int | float | None = None,
                     between: tuple[str | int | float, str | int | float] | None = None,
                     labels: Mapping[str, str] | None = None, labels_re: Mapping[str, str] | None = None) -> None:
        """Assert the state of ``name`` at a time (``at=``), or at every evaluation of a window
        (``between=(start, end)``), as an ``alert_state_test`` entry does. ``labels``
        (``exp_labels``): only the instances with these labels (a subset); ``labels_re``
        (``exp_labels_re``): only those whose label values fully match these RE2 regexes. Fails
        with the alert's state timeline and the expression's values around the time that
        decided it."""
        if (at is None) == (between is None):
            raise ScenarioError("assert_state needs exactly one of at= and between=")
        if at is not None:
            t = self._check(name, at)
            self._lifecycle(name, f"is {state} at {at}", labels, labels_re, at=t, state=state)
        else:
            assert between is not None
            start, end = self._check(name, between[0]), self._check(name, between[1])
            self._lifecycle(name, f"is {state} between {between[0]} and {between[1]}", labels, labels_re,
                            start=start, end=end, state=state)

    def assert_never(self, name: str, state: str = "firing", *,
                     between: tuple[str | int | float, str | int | float] | None = None,
                     labels: Mapping[str, str] | None = None, labels_re: Mapping[str, str] | None = None) -> None:
        """Assert that ``name`` is never ``state`` (firing or pending) in a window (default: the run)."""
        start, end = (self._check(name, between[0]), self._check(name, between[1])) if between else (0, self.until_ms)
        self._lifecycle(name, f"is never {state}" + (f" between {between[0]} and {between[1]}" if between else ""),
                        labels, labels_re, start=start, end=end, never=state)

    def assert_fires_at(self, name: str, at: str | int | float, *, labels: Mapping[str, str] | None = None,
                        labels_re: Mapping[str, str] | None = None) -> None:
        """Assert that ``name`` (its instances with ``labels`` and ``labels_re``, as in
        :meth:`assert_state`) first fires at the evaluation step of ``at``."""
        self._lifecycle(name, f"first fires at {at}", labels, labels_re, fires_at=self._check(name, at))

    def assert_resolves_at(self, name: str, at: str | int | float, *, labels: Mapping[str, str] | None = None,
                           labels_re: Mapping[str, str] | None = None) -> None:
        """Assert that ``name`` (its instances with ``labels`` and ``labels_re``) first stops firing,
        after having fired, at the evaluation step of ``at``."""
        self._lifecycle(name, f"resolves at {at}", labels, labels_re, resolves_at=self._check(name, at))

    def _lifecycle(self, name: str, expectation: str, labels: Mapping[str, str] | None,
                   labels_re: Mapping[str, str] | None, **when: object) -> None:
        steps = lifecycle_steps(self.simulation, name, 0)
        try:
            check = check_lifecycle(steps, self.step_ms, labels or {}, labels_re or {}, **when)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
        if not check.ok:
            # The same explanation as alert_state_test's: values around the time the expectation is about.
            timeline = "\n".join(timeline_lines(alert_timeline(self.simulation, name), check.last, check.focus))
            who = name + format_matchers(dict(labels or {}), dict(labels_re or {}))
            raise AssertionError(f"expected {who} {expectation}: {check.message}\n{timeline}")

    # --- matching: the same rules as alert_rule_test / promql_expr_test additions --------------

    def assert_firing(self, name: str, at: str | int | float, expected: Sequence[Mapping[str, str]], *,
                      subset: bool = False, count: int | None = None,
                      labels_re: Sequence[Mapping[str, str]] | None = None,
                      annotations: Sequence[Mapping[str, str]] | None = None,
                      annotations_re: Sequence[Mapping[str, str]] | None = None) -> None:
        """Assert the firing alerts of ``name`` at ``at``, as an ``alert_rule_test`` entry does.

        ``expected``: one label set per firing alert (``alertname`` may be left out), each
        matched by a different alert (``exp_labels``). ``subset=True`` (``match: subset``): only
        the listed labels (and annotations) must match. ``count`` (``count``): the number of
        firing alerts, replacing the check that each alert is expected. ``labels_re``
        (``exp_labels_re``): per expected alert, label values that must fully match an RE2
        regex. ``annotations`` (``exp_annotations``) and ``annotations_re``
        (``exp_annotations_re``): per expected alert, its annotations, rendered as Prometheus
        does; when neither is given annotations are not compared (unlike promtool's form), when
        one is, they are compared like labels. Each of the per-alert lists, when given, has one
        mapping per entry of ``expected``. Fails with what differs and the alert's timeline."""
        t = self._check(name, at)
        n = len(expected)
        lists = {"labels_re": labels_re, "annotations": annotations, "annotations_re": annotations_re}
        for arg, given in lists.items():
            if given is not None and len(given) != n:
                raise ScenarioError(f"{arg} has {len(given)} entries for {n} expected alerts: give one mapping per "
                                    "expected alert ({} for none)")
        compare_annotations = annotations is not None or annotations_re is not None
        snapshots = self._snapshots(name, t)
        got = sorted((a.labels, a.annotations if compare_annotations else ()) for a in snapshots
                     if a.state == AlertState.FIRING)
        rows = [(labels_from({**{k: v for k, v in e.items() if k != "alertname"}, "alertname": name}),
                 labels_from((annotations or [{}] * n)[i]), labels_from((labels_re or [{}] * n)[i]),
                 labels_from((annotations_re or [{}] * n)[i])) for i, e in enumerate(expected)]
        patterns = [AlertPattern(dict(lb), dict(an), dict(lr), dict(ar)) for lb, an, lr, ar in rows]
        regexes = any(lr or ar for _, _, lr, ar in rows)
        if alerts_match(patterns, got, subset=subset, count=count):
            return
        checked_at = max((s.t for s in self.simulation.history(name) if s.t <= t), default=t)
        mismatch = AlertMismatch(name, t, checked_at, "", tuple((lb, an) for lb, an, _, _ in rows), tuple(got),
                                 Location(""), alert_timeline(self.simulation, name),
                                 match="subset" if subset else "exact", count=count,
                                 expected_re=tuple((lr, ar) for _, _, lr, ar in rows) if regexes else ())
        raise AssertionError(f"firing {name} alerts at {at} do not match {list(expected)}"
                             f"{' (subset)' if subset else ''}{f', count {count}' if count is not None else ''}\n"
                             + explain_alert(mismatch))

    def assert_query(self, expr: str, at: str | int | float, expected: Mapping[str, float], *, subset: bool = False,
                     labels_re: Mapping[str, Mapping[str, str]] | None = None, count: int | None = None,
                     tolerance: float = 0.0, relative_tolerance: float = 0.0, nan_equal: bool = False) -> None:
        """Assert the result of ``expr`` at ``at``, as a ``promql_expr_test`` entry does.

        ``expected``: series notation (``'up{job="api"}'``, ``"{}"`` for no labels) -> value, each
        matched by a different sample. ``subset=True`` (``match: subset``): only the listed labels
        must match. ``labels_re`` (``labels_re``): per key of ``expected``, label values that must
        fully match an RE2 regex. ``count`` (``count``): the number of samples, replacing the
        check that each sample is expected. ``tolerance`` / ``relative_tolerance``: how far a
        value may be from the expected one, absolutely or as a share of the larger.
        ``nan_equal`` (``nan_equal``): whether an expected NaN matches a NaN; false by default,
        as in test files and promtool, where NaN never equals NaN."""
        t = _ms(at)
        if t > self.until_ms:
            raise ScenarioError(f"{at!r} is after the end of the run ({self.until_ms / 1000:g}s)")
        regexes = dict(labels_re or {})
        stray = sorted(set(regexes) - set(expected))
        if stray:
            raise ScenarioError(f"labels_re key {stray[0]!r} is not a key of expected: give the regexes of each "
                                "expected series under its key")
        rows = []
        for key, value in expected.items():
            try:
                labels = parse_series_description(key)
            except RuletestError as exc:
                raise ScenarioError(f"expected series {key!r}: {exc.message}") from None
            rows.append((labels, float(value), labels_from(regexes.get(key, {}))))
        got = sorted(((s.labels, s.value) for s in self.simulation.query(expr, t)), key=lambda x: x[0])
        same = ValueMatch(tolerance, relative_tolerance, False, nan_equal)
        patterns = [SamplePattern(dict(lb), v, dict(r)) for lb, v, r in rows]
        if samples_match(patterns, got, same, subset=subset, count=count):
            return
        rows.sort(key=lambda x: x[0])
        flexible = subset or count is not None or bool(regexes)
        mismatch = ExprMismatch(expr, t, tuple((lb, v) for lb, v, _ in rows), tuple(got), Location(""), values=same,
                                match="subset" if subset else "exact", count=count,
                                expected_re=tuple(r for _, _, r in rows) if flexible else ())
        how = ", ".join(x for x in (f"tolerance {tolerance:g}" if tolerance else "",
                                    f"relative tolerance {relative_tolerance:g}" if relative_tolerance else "",
                                    "subset" if subset else "", f"count {count}" if count is not None else "") if x)
        shown = {format_series(lb) if lb else "{}": v for lb, v in got}
        raise AssertionError(f"{expr} at {at}: expected {dict(expected)}, got {shown}" + (f" ({how})" if how else "")
                             + "\n" + samples_diff(mismatch))

    # --- notifications: the same path as notification_test -----------------------------------

    def _eval_steps(self, until_ms: int) -> list[EvalStep]:
        from ruletest.alertmanager.sending import step_from_group

        return [step_from_group(g, ts) for ts, groups in self._group_steps if ts <= until_ms for g in groups]

    def _alertmanager(self, config: Alertmanager | str | Path, until: str | int | float | None
                      ) -> tuple[Alertmanager, AlertmanagerSimulation, int]:
        from ruletest.alertmanager.sending import rule_exprs
        from ruletest.alertmanager.testbed import Feed, simulate

        am = config if isinstance(config, Alertmanager) else Alertmanager(config)
        t = self.until_ms if until is None else _ms(until)
        if t > self.until_ms:
            raise ScenarioError(f"{until!r} is after the end of the run ({self.until_ms / 1000:g}s): run the scenario "
                                "further (until=...)")
        key = (id(am), t)  # the entry keeps `am` alive, so its id is not reused while cached
        if key not in self._notified:
            opts = self.simulation.options
            feed = Feed(tuple(self._eval_steps(t)), rule_exprs(self.rule_groups, opts.semantics), opts.external_url,
                        dict(opts.external_labels))
            self._notified[key] = (am, simulate(am.testbed, feed, start_ms=0, until_ms=t))
        return am, self._notified[key][1], t

    def notifications(self, config: Alertmanager | str | Path, receiver: str | None = None, *,
                      until: str | int | float | None = None) -> list[Notified]:
        """What the Alertmanager of ``config`` (an :class:`Alertmanager` or the path of its config)
        sends, to ``receiver`` or to every receiver, for the alerts this run's rules send, up to
        ``until`` (default: the end of the run), in time order."""
        am, sim, _ = self._alertmanager(config, until)
        if receiver is not None and am.testbed.config.receiver(receiver) is None:
            raise ScenarioError(f"receiver {receiver!r} is not defined in {am.testbed.config.path}"
                                f"{_hint(receiver, [r.name for r in am.testbed.config.receivers])}")
        return [Notified.of(n) for n in sim.notifications if receiver is None or n.receiver == receiver]

    def assert_notifications(self, config: Alertmanager | str | Path, receiver: str,
                             expected: Sequence[Mapping[str, Any]], *, until: str | int | float | None = None,
                             since: str | int | float = 0, integration: str | None = None) -> None:
        """Assert the notifications ``receiver`` (its ``integration``, when it has several) is sent
        between ``since`` and ``until``: exactly ``expected``, in time order, each a mapping with
        the keys of a ``notification_test``'s ``exp_notifications`` entry (``at``, ``status``,
        ``group_labels``, ``alerts``, ``fields``, ``fields_contain``), all optional."""
        from ruletest.alertmanager.check import NotificationTestError, check_notifications, notification_target
        from ruletest.alertmanager.testbed import routed_timeline
        from ruletest.reporting.notifications import notification_detail, notification_message
        from ruletest.results import Location, NotificationMismatch

        am, sim, t = self._alertmanager(config, until)
        test = _notification_test(receiver, t, _ms(since), integration, expected)
        config_ = am.testbed.config
        try:
            kind, index = notification_target(config_, test)
        except NotificationTestError as exc:
            raise ScenarioError(exc.message) from None
        (result,) = check_notifications(config_, sim, [test])
        if result.passed:
            return
        opts = self.simulation.options
        p = NotificationMismatch(receiver, f"{kind}[{index}]" if kind else "", test.from_ms, t, 0,
                                 test.exp_notifications, result.got, result.problems, Location(config_.path),
                                 tuple(e for e in sim.events if e.receiver == receiver and test.from_ms <= e.at_ms <= t),
                                 routed_timeline(config_, self._eval_steps(t), receiver, start_ms=0, until_ms=t,
                                                 external_labels=opts.external_labels))
        raise AssertionError(notification_message(p).strip() + "\n" + notification_detail(p))


def _hint(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _duration_text(value: str | int | float) -> str:
    return value if isinstance(value, str) else f"{round(value * 1000)}ms"


def _notification_test(receiver: str, until_ms: int, since_ms: int, integration: str | None,
                       expected: Sequence[Mapping[str, Any]]) -> NotificationTest:
    """The expectation as a ``notification_test`` entry, decoded (and checked) by the same loader."""
    import yaml

    from ruletest.alertmanager.assertions import load_notification_tests
    from ruletest.yamlnodes import Decoder, parse_source

    exps = []
    for e in expected:
        if not isinstance(e, Mapping):
            raise ScenarioError(f"each expected notification is a mapping (at, status, group_labels, alerts, fields, "
                                f"fields_contain), not {e!r}")
        e = dict(e)
        if "at" in e:
            e["at"] = _duration_text(e["at"])
        if isinstance(e.get("alerts"), list):
            e["alerts"] = [a if isinstance(a, Mapping) and "labels" in a else {"labels": a} for a in e["alerts"]]
        exps.append(e)
    entry: dict[str, Any] = {"eval_time": f"{until_ms}ms", "from": f"{since_ms}ms", "receiver": receiver,
                             "exp_notifications": exps}
    if integration is not None:
        entry["integration"] = integration
    text = yaml.safe_dump([_plain(entry)], allow_unicode=True, sort_keys=False)
    d = Decoder("<expected notifications>")
    tests = load_notification_tests(d, parse_source(text, "<expected notifications>").documents()[0])
    if d.errors:
        raise ScenarioError("; ".join(e.message for e in d.errors))
    # Lines of the YAML made here mean nothing to the caller: messages leave them out.
    return replace(tests[0], line=0, exp_notifications=tuple(replace(e, line=0) for e in tests[0].exp_notifications))


def _plain(value: Any) -> Any:
    """Mappings and sequences as the YAML dumper takes them (dicts and lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@record
class Notified:
    """One notification: a call of one integration of one receiver."""

    at_s: float  # seconds from the start of the run
    receiver: str
    integration: str  # "slack[0]"
    status: str  # "firing" or "resolved"
    group_labels: dict[str, str]
    alerts: list[dict[str, str]]  # each alert's labels, in the order sent
    statuses: list[str]  # each alert's status, parallel to alerts
    fields: dict[str, str]  # rendered fields: title, text, description, headers.Subject ...
    reason: str  # "first notification", "new alerts added", ...

    @classmethod
    def of(cls, n: Notification) -> Notified:
        return cls(n.at_ms / 1000, n.receiver, f"{n.integration}[{n.index}]", n.status, dict(n.group_labels),
                   [dict(a.labels) for a in n.alerts], [a.status for a in n.alerts], dict(n.fields), n.reason)

    def __repr__(self) -> str:
        title = self.fields.get("title") or self.fields.get("description") or self.fields.get("headers.Subject") or ""
        return (f"Notified({self.at_s:g}s {self.receiver}/{self.integration} {self.status} "
                f"{format_labels(labels_from(self.group_labels))}{' ' + repr(title) if title else ''})")


class Alertmanager:
    """An Alertmanager config with its templates, as a test runs it: ``version`` the release
    to emulate (default 0.25), ``template_paths`` maps the deployed template directory to one in
    the repository, ``external_url`` is Alertmanager's and ``resend_delay`` Prometheus'.
    Relative paths are read from ``base`` (default: the working directory)."""

    def __init__(self, config: str | Path, *, version: str | None = None,
                 template_paths: Mapping[str, str] | None = None, external_url: str = "",
                 resend_delay: str | int | float = "1m", base: str | Path = ".") -> None:
        from ruletest.alertmanager.testbed import load_testbed
        from ruletest.alertmanager.version import Version

        try:
            self.testbed: Testbed = load_testbed(config, base=base, version=Version.parse(version) if version else None,
                                                 template_paths=dict(template_paths or {}), external_url=external_url,
                                                 resend_delay_ms=_ms(resend_delay))
        except RuletestError as exc:
            raise ScenarioError(str(exc)) from None

    def routes(self, labels: Mapping[str, str]) -> list[str]:
        """The receivers an alert with ``labels`` reaches, in order (``amtool config routes test``)."""
        from ruletest.alertmanager.route import build_tree

        return [r.opts.receiver for r in build_tree(self.testbed.config).match(dict(labels))]

    def assert_routes(self, labels: Mapping[str, str], receivers: Sequence[str], *,
                      group_labels: Sequence[Mapping[str, str]] | None = None, inhibited: bool | None = None,
                      muted: Sequence[str] | None = None, firing: Sequence[Mapping[str, str]] = (),
                      at: str | None = None) -> None:
        """Assert the receivers ``labels`` reaches (in order), and optionally the group labels on
        each route, whether one of the ``firing`` alerts inhibits it, and which receivers' routes
        are muted at ``at`` (RFC 3339): a ``routing_test`` case."""
        from ruletest.alertmanager.assertions import RoutingCase, RoutingTest
        from ruletest.alertmanager.check import check_routing
        from ruletest.alertmanager.gotime import TimeError, parse_rfc3339

        def labelset(m: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
            return tuple(sorted((str(k), str(v)) for k, v in m.items()))

        unknown = [r for r in receivers if self.testbed.config.receiver(r) is None]
        if unknown:
            raise ScenarioError(f"receiver {unknown[0]!r} is not defined in {self.testbed.config.path}"
                                f"{_hint(unknown[0], [r.name for r in self.testbed.config.receivers])}")
        try:
            at_ns = parse_rfc3339(at).ns if at is not None else None
        except TimeError:
            raise ScenarioError(f"at: expected an RFC 3339 time such as 2024-03-02T22:00:00Z, not {at!r}") from None
        case = RoutingCase(labelset(labels), tuple(receivers), 0,
                           tuple(labelset(g) for g in group_labels) if group_labels is not None else None,
                           inhibited, tuple(muted) if muted is not None else None)
        (result,) = check_routing(self.testbed.config, RoutingTest((case,), 0, tuple(labelset(f) for f in firing), at_ns))
        if not result.passed:
            raise AssertionError("\n".join(result.problems))
