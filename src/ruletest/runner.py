"""Run promtool-format test files the way ``promtool test rules`` does (``cmd/promtool/unittest.go``),
over the one rule simulation (:mod:`ruletest.rules.simulation`).

Per test group: input series are loaded lazily (samples appear as the clock reaches them); at
every ``evaluation_interval`` step from the start to the last ``eval_time`` all rule groups are
evaluated in order; alert tests are checked against the step at or before their ``eval_time``;
expression tests run after the loop. Results are data (:mod:`ruletest.results`); promtool's
layout and ruletest's explanations are produced by :mod:`ruletest.reporting`.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ruletest.errors import RuletestError
from ruletest.expectations import (
    AlertPattern,
    ValueMatch,
    alerts_match,
    check_lifecycle,
    labels_match,
    one_to_one,
)
from ruletest.history import alert_timeline, lifecycle_steps
from ruletest.promql.histograms import FloatHistogram
from ruletest.promql.reuse import RangeMemo
from ruletest.promql.storage import StoredSeries
from ruletest.promql.tree_facts import TreeFacts
from ruletest.promql.values import Labels, Stale
from ruletest.promtool_format import (
    AlertTest,
    CaseRef,
    ExprTest,
    StateTest,
    TestFile,
    TestGroup,
    case_refs,
    looks_like_test_file,
)
from ruletest.records import record
from ruletest.results import (
    AlertMismatch,
    CaseResult,
    Code,
    ExprError,
    ExprMismatch,
    FileResult,
    GroupResult,
    InternalError,
    LoadProblem,
    Location,
    NotificationMismatch,
    Problem,
    RoutingMismatch,
    RuleEvalError,
    SeriesDump,
    StateMismatch,
)
from ruletest.rule_files import RuleFileCache, test_rules
from ruletest.rules.loader import LoadOptions
from ruletest.rules.model import RuleGroup
from ruletest.rules.simulation import InputSeries, Simulation, SimulationOptions, StepOutcome
from ruletest.semantics import VERSION_SWITCHES, Semantics
from ruletest.series import ExpectedHistogram, parse_histogram, parse_series, parse_series_description

if TYPE_CHECKING:
    from ruletest.alertmanager.sending import EvalStep
    from ruletest.alertmanager.testbed import Testbed


@record
class RunOptions:
    """How test files are run: semantics, selected groups, strictness, and what to record for reports."""

    semantics: Semantics
    run: tuple[str, ...] = ()
    ignore_unknown_fields: bool = False
    debug: bool = False
    # Beyond promtool: an alertname no rule defines, or a rule_files entry that matches nothing,
    # is an error instead of a silent pass / a warning.
    strict: bool = True
    # When a group fails, find what would make it pass: a Prometheus 3.0 change (2.x behaviour)
    # or the other evaluation schedule.
    explain: bool = True
    # Keep what each group's run looked like (inputs, alert timelines, expression values) in
    # GroupResult.trace, for reports that draw it.
    trace: bool = False
    # Evaluation schedule, overriding the test file's `timing` (None: the file decides, else promtool).
    timing: Literal["promtool", "server"] | None = None
    # Range-function results shared by the test groups of a run (a per-group memo when None).
    range_memo: RangeMemo | None = field(default=None, compare=False, repr=False)
    # Analyses of the rules' syntax trees, shared the same way (per group when None).
    tree_facts: TreeFacts | None = field(default=None, compare=False, repr=False)


# Switches that change evaluation (the others change parsing or loading, fixed once rules are loaded).
_EVALUATION_SWITCHES = ("left_open_windows", "regex_dot_all", "kahan_sums", "rate_threshold_before_zero_point",
                        "atan2_drops_name", "histogram_quantile_precision_fix",
                        "test_interval_defaults_to_evaluation_interval")
assert set(_EVALUATION_SWITCHES) <= set(VERSION_SWITCHES)


def _compile_run(pattern: str) -> Any:
    import re2  # only --run needs it

    return re2.compile(pattern)


def order_groups(groups: Sequence[RuleGroup], order: Sequence[str]) -> list[RuleGroup]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(groups, key=lambda g: rank.get(g.name, 0))


def run_test_file(tf: TestFile, opts: RunOptions, cache: RuleFileCache | None = None,
                  on_group: Callable[[GroupResult], None] | None = None) -> FileResult:
    """``on_group`` is called after each test group (progress display)."""
    started = time.perf_counter()
    result = FileResult(tf.path)
    seen_order: set[str] = set()
    for name in tf.group_eval_order:
        if name in seen_order:
            result.problems.append(LoadProblem(Code.GROUP_ORDER, f"group name repeated in evaluation order: {name}",
                                               Location(tf.path)))
            return result
        seen_order.add(name)
    rules = test_rules(tf, LoadOptions(opts.semantics, opts.ignore_unknown_fields), cache)
    result.rule_files = rules.files
    result.warnings.extend(p.promtool_message or p.message for p in rules.unmatched)
    if opts.strict:
        result.problems.extend(rules.unmatched)
    run_re = _compile_run("|".join(opts.run)) if opts.run else None
    ordered = order_groups(rules.groups, tf.group_eval_order)
    am, am_problems = load_alertmanager(tf, opts.strict)
    for tg in tf.tests:
        if run_re is not None and not run_re.search(tg.name):
            continue
        gr = _new_group_result(tf, tg)
        result.groups.append(gr)
        if rules.problems or am_problems:
            gr.problems.extend(rules.problems)
            gr.problems.extend(am_problems)
            continue
        _run_group_safely(tf, tg, ordered, opts, gr, am)
        if on_group is not None:
            on_group(gr)
    result.duration_s = time.perf_counter() - started
    return result


def load_alertmanager(tf: TestFile, strict: bool = True) -> tuple[Testbed | None, list[Problem]]:
    """The Alertmanager of the file's ``alertmanager`` block (config and templates), or the
    problems that stop it from loading, located in the config (or the test file)."""
    ref = tf.alertmanager
    if ref is None:
        return None, []
    from ruletest.alertmanager.loader import ConfigError
    from ruletest.alertmanager.template_set import TemplateLoadError
    from ruletest.alertmanager.testbed import load_testbed, unmatched_templates

    config_path = os.path.normpath(tf.directory / ref.config)
    if not os.path.isfile(config_path):  # a wrong path in the test file, so located there
        return None, [LoadProblem(Code.ALERTMANAGER_CONFIG, f"alertmanager config {ref.config!r}: no such file "
                                  f"({config_path})", Location(tf.path, ref.line))]
    try:
        tb = load_testbed(ref.config, base=tf.directory, version=ref.version, template_paths=ref.template_paths,
                          external_url=ref.external_url, resend_delay_ms=ref.resend_delay_ms)
    except ConfigError as exc:
        return None, [LoadProblem(Code.ALERTMANAGER_CONFIG, f"alertmanager config: {p.message}",
                                  Location(config_path, p.line), cause="am/config-invalid") for p in exc.problems]
    except TemplateLoadError as exc:
        return None, [LoadProblem(Code.ALERTMANAGER_CONFIG, f"alertmanager templates: {exc.message}",
                                  Location(tf.path, ref.line), cause="am/template-syntax")]
    problems: list[Problem] = []
    if strict:
        for written, resolved, line in unmatched_templates(tb.config):
            problems.append(LoadProblem(
                Code.ALERTMANAGER_CONFIG, f"templates entry {written!r} matches no file (looked for {resolved}): map "
                "the deployed directory to the repository with template_paths in the test file's alertmanager block",
                Location(config_path, line or None)))
    return (None, problems) if problems else (tb, [])


def _new_group_result(tf: TestFile, tg: TestGroup) -> GroupResult:
    return GroupResult(tg.display_name, tg.index, Location(tf.path, tg.line))


def _run_group_safely(tf: TestFile, tg: TestGroup, rule_groups: list[RuleGroup], opts: RunOptions,
                      gr: GroupResult, am: Testbed | None = None) -> None:
    started = time.perf_counter()
    try:
        _run_group(tf, tg, rule_groups, opts, gr, am)
        if not gr.passed and opts.explain:
            if opts.semantics.v3:
                gr.passes_with_2x = _switches_that_pass(tf, tg, rule_groups, opts, am)
            gr.passes_with_timing = _timing_that_passes(tf, tg, rule_groups, opts, am)
    except Exception as exc:
        import traceback

        gr.problems.append(InternalError(f"internal error: {type(exc).__name__}: {exc}", Location(tf.path, tg.line),
                                         traceback.format_exc()))
    gr.duration_s = time.perf_counter() - started


def _switches_that_pass(tf: TestFile, tg: TestGroup, rule_groups: list[RuleGroup], opts: RunOptions,
                        am: Testbed | None = None) -> tuple[str, ...]:
    """The Prometheus 3.0 changes under which this failing group would pass, if any."""
    quiet = replace(opts, explain=False, debug=False, trace=False)

    def passes(semantics: Semantics) -> bool:
        probe = _new_group_result(tf, tg)
        _run_group(tf, tg, rule_groups, replace(quiet, semantics=semantics), probe, am)
        return probe.passed

    if not passes(opts.semantics.with_switches(_EVALUATION_SWITCHES, False)):
        return ()
    single = tuple(s for s in _EVALUATION_SWITCHES if passes(opts.semantics.with_switches([s], False)))
    return single or _EVALUATION_SWITCHES


def _timing_that_passes(tf: TestFile, tg: TestGroup, rule_groups: list[RuleGroup], opts: RunOptions,
                        am: Testbed | None = None) -> str | None:
    """The other evaluation schedule, if this failing group passes with it."""
    if all(g.interval_ms in (None, tf.evaluation_interval_ms) for g in rule_groups):
        return None  # both schedules evaluate the same groups at the same times
    other: Literal["promtool", "server"] = "server" if (opts.timing or tf.timing) == "promtool" else "promtool"
    probe = _new_group_result(tf, tg)
    _run_group(tf, tg, rule_groups, replace(opts, explain=False, debug=False, trace=False, timing=other), probe, am)
    return other if probe.passed else None


def input_series(tf: TestFile, tg: TestGroup, semantics: Semantics, end_ms: int
                 ) -> tuple[list[InputSeries], list[Problem]]:
    """A test group's input series as promtool loads them up to ``end_ms`` (after the group's start)."""
    interval = tg.interval_ms if tg.interval_ms else (
        tf.evaluation_interval_ms if semantics.test_interval_defaults_to_evaluation_interval else 0)
    mint = tg.start_ms if tg.start_ms is not None else 0
    return _load_input(tg, interval, mint, mint + end_ms, tf.path, semantics.v3)


def _load_input(tg: TestGroup, interval: int, start: int, end: int, path: str, histograms: bool
                ) -> tuple[list[InputSeries], list[Problem]]:
    """``histograms``: read ``{{...}}`` native histograms (promtool 3.x; 2.42's parser refuses them)."""
    feeds: dict[Labels, tuple[list[int], list[float | FloatHistogram | Stale]]] = {}
    problems: list[Problem] = []
    # Samples after the last evaluation are never loaded (promtool loads lazily), so long
    # sequences are expanded only as far as the test needs.
    limit = (end - start) // interval + 1 if interval > 0 else 1
    for i, s in enumerate(tg.input_series):
        try:
            spec = parse_series(s.series, s.values, limit, histograms=histograms)
        except RuletestError as exc:
            problems.append(LoadProblem(Code.INPUT_SERIES, f"input_series[{i}] {s.series!r}: {exc.message}",
                                        Location(path, s.line, exc.column)))
            continue
        ts: list[int] = []
        vs: list[float | FloatHistogram | Stale] = []
        for j, v in enumerate(spec.values):
            if v is None:
                continue
            t = start + j * interval
            if ts and ts[-1] == t:
                continue  # interval 0 (promtool < 2.49): the first sample at a timestamp wins
            ts.append(t)
            vs.append(v)
        feeds[spec.labels] = (ts, vs)  # a later definition of the same series replaces it
    return [InputSeries(k, v[0], v[1]) for k, v in feeds.items()], problems


def _run_group(tf: TestFile, tg: TestGroup, rule_groups: list[RuleGroup], opts: RunOptions, gr: GroupResult,
               am: Testbed | None = None) -> None:
    sem = opts.semantics
    eval_interval = tf.evaluation_interval_ms
    interval = tg.interval_ms if tg.interval_ms else (
        eval_interval if sem.test_interval_defaults_to_evaluation_interval else 0)
    mint = tg.start_ms if tg.start_ms is not None else 0
    max_eval = max([t.eval_time_ms for t in tg.alert_tests] + [t.eval_time_ms for t in tg.expr_tests]
                   + [s.last_time_ms for s in tg.state_tests] + [0])
    maxt = mint + max_eval
    refs = case_refs(tg)
    # Notification tests run the rules on past promtool's last time (see _evaluate): the input is
    # expanded that far, and still fed to the rules only as the clock reaches it.
    notify_until = max((nt.eval_time_ms for nt in tg.notification_tests), default=0)
    inputs, problems = _load_input(tg, interval, mint, max(maxt, mint + notify_until), tf.path, sem.v3)
    if problems:
        gr.problems.extend(problems)
        return
    if not sem.v3:
        for et in tg.expr_tests:
            for s in et.exp_samples:
                if s.histogram:  # promtool 2.42's sample type has no such field
                    gr.problems.append(LoadProblem(
                        Code.TEST_FILE, "exp_samples: field histogram not found in type main.sample (native histograms "
                        "need Prometheus 3: promtool 2.42 cannot test them)", Location(tf.path, s.line),
                        promtool_message=f"yaml: unmarshal errors:\n  line {s.line}: field histogram not found in type "
                        "main.sample"))
                    return
    for at in tg.alert_tests:
        if at.alertname == "":
            gr.problems.append(LoadProblem(
                Code.MISSING_ALERTNAME, "an alert_rule_test entry has no alertname", Location(tf.path, at.line),
                promtool_message="an item under alert_rule_test misses required attribute alertname at eval_time "
                                 f"{_fmt_duration(at.eval_time_ms)}" + (f" (in TestGroup {tg.name})" if tg.name else "")))
            return
    if (tg.notification_tests or tg.routing_test is not None) and am is not None:
        gr.problems.extend(_unknown_receivers(tf, tg, am))
        if gr.problems:
            return
    # History is kept only where a check reads it: state tests, and traces. Alert tests read the
    # live state; the timeline explaining a failed one comes from a replay (see _add_timelines).
    recorded: set[str] | None = {st.alertname for st in tg.state_tests} | (
        {at.alertname for at in tg.alert_tests} if opts.trace else set())
    if opts.trace and tg.notification_tests:
        recorded = None  # the report draws every alert that could have been sent
    sim_options = SimulationOptions(sem, eval_interval, dict(tg.external_labels), tg.external_url,
                                    schedule=opts.timing or tf.timing)

    def simulation(record: set[str] | None, record_groups: bool = False) -> Simulation:
        return Simulation(rule_groups, inputs, sim_options, record=record, record_groups=record_groups,
                          range_memo=opts.range_memo, tree_facts=opts.tree_facts)

    sim = simulation(recorded, bool(tg.notification_tests))
    defined = sim.alert_names()
    for name, line in [(at.alertname, at.line) for at in tg.alert_tests if opts.strict] + [
            (st.alertname, st.line) for st in tg.state_tests]:  # ruletest's own tests are always strict
        if name not in defined:
            gr.problems.append(LoadProblem(
                Code.UNKNOWN_ALERTNAME, f"no rule in rule_files defines alert {name!r}{_suggest(name, defined)}",
                Location(tf.path, line)))
    if gr.problems:
        return
    try:
        _evaluate(tf, tg, sim, refs, gr, mint, maxt, simulation, am, rule_groups, sem, opts.debug)
        if opts.trace:
            from ruletest.report_trace import for_report, run_trace

            gr.trace = for_report(run_trace(tf, tg, sim, inputs, mint, maxt), tg, sim, rule_groups, interval, sem)
    finally:
        if opts.debug:
            gr.dump = tuple(_dump(s, maxt) for s in sorted(sim.storage.series(), key=lambda s: s.labels))
            gr.dump_time_ms = maxt


def _dump(s: StoredSeries, maxt: int) -> SeriesDump:
    """One series' samples up to ``maxt`` for --debug (floats and native histograms apart)."""
    rs = s.range_series(0, bisect_right(s.ts, maxt))
    return SeriesDump(s.labels, tuple(zip(rs.timestamps, rs.values, strict=True)),
                      tuple(zip(rs.h_timestamps, rs.h_values, strict=True)))


def _evaluate(tf: TestFile, tg: TestGroup, sim: Simulation, refs: list[CaseRef], gr: GroupResult, mint: int,
              maxt: int, simulation: Callable[[set[str]], Simulation], am: Testbed | None = None,
              rule_groups: Sequence[RuleGroup] = (), sem: Semantics | None = None, debug: bool = False) -> None:
    """Run the group's phases in promtool's order: its evaluation loop with the alert tests, then
    the expression tests, then ruletest's additions that may need the rules to run on."""
    steps: list[EvalStep] = []  # every rule group's alerts after each evaluation (for notification tests)
    if not _run_alert_tests(tf, tg, sim, refs, gr, mint, maxt, steps, simulation):
        gr.cases.extend(CaseResult(r.id, r.kind, r.label, Location(tf.path, r.line), False)
                        for r in refs if r.kind != "alert")
        return
    expr_refs = [r for r in refs if r.kind == "expr"]
    for ref, et in zip(expr_refs, tg.expr_tests, strict=True):
        gr.cases.append(CaseResult(ref.id, "expr", ref.label, Location(tf.path, et.line), True,
                                   _check_expr(tf, et, sim, mint, gr.dump_notes if debug else None)))
    if not _run_on(tf, tg, sim, gr, mint, maxt, steps):
        return
    state_refs = [r for r in refs if r.kind == "state"]
    for ref, st in zip(state_refs, tg.state_tests, strict=True):
        gr.cases.append(CaseResult(ref.id, "state", ref.label, Location(tf.path, st.line), True,
                                   _check_state(tf, st, sim, mint, sim.step_ms)))
    if am is not None:
        _check_alertmanager(tf, tg, refs, gr, am, steps, mint, rule_groups, sem)


def _run_alert_tests(tf: TestFile, tg: TestGroup, sim: Simulation, refs: list[CaseRef], gr: GroupResult, mint: int,
                     maxt: int, steps: list[EvalStep], simulation: Callable[[set[str]], Simulation]) -> bool:
    """promtool's loop: evaluate up to ``maxt``, checking each alert test at its step. False when
    a rule failed or a sample could not be loaded (promtool stops the group there; the alert tests
    checked so far keep their results)."""
    if tg.notification_tests:
        from ruletest.alertmanager.sending import steps_from_outcome
    alert_refs = [r for r in refs if r.kind == "alert"]
    by_time: dict[int, list[int]] = {}
    for i, at in enumerate(tg.alert_tests):
        by_time.setdefault(at.eval_time_ms, []).append(i)
    alert_times = sorted(by_time)
    alert_results: dict[int, CaseResult] = {}
    failed: list[tuple[int, int]] = []  # (alert test, evaluation time) of the failed checks
    curr = 0
    start = mint
    eval_interval = tf.evaluation_interval_ms
    if not sim.rules() and not tg.alert_tests and eval_interval > 0:
        # Nothing to evaluate per step: load what promtool's loop would have loaded (samples up
        # to its last step at or before maxt) in one go.
        start = mint + (maxt - mint) // eval_interval * eval_interval
    step = sim.step_ms
    completed = True
    for outcome in sim.run(start, maxt):
        if outcome.failed:
            gr.problems.extend(_outcome_problems(tf, tg, outcome, mint))
            completed = False
            break
        gr.firing_seen |= sim.firing_names()
        if tg.notification_tests:
            steps.extend(steps_from_outcome(outcome))
        while curr < len(alert_times) and outcome.t - mint <= alert_times[curr] < outcome.t + step - mint:
            for i in by_time[alert_times[curr]]:
                at = tg.alert_tests[i]
                mismatch = _check_alerts(tf, tg, at, sim, outcome.t - mint)
                if mismatch is not None:
                    failed.append((i, outcome.t))
                alert_results[i] = CaseResult(alert_refs[i].id, "alert", alert_refs[i].label,
                                              Location(tf.path, at.line), True, mismatch)
            curr += 1
    if failed:
        _add_timelines(tg, alert_results, failed, sim, simulation, start)
    # In the order they were checked (promtool's order of failures), then those never reached.
    gr.cases.extend(alert_results.values())
    gr.cases.extend(CaseResult(r.id, "alert", r.label, Location(tf.path, r.line), False)
                    for i, r in enumerate(alert_refs) if i not in alert_results)
    return completed


def _run_on(tf: TestFile, tg: TestGroup, sim: Simulation, gr: GroupResult, mint: int, maxt: int,
            steps: list[EvalStep]) -> bool:
    """Evaluate past promtool's last step where ruletest's additions need it: "when does it fire
    / resolve" may be answered after the last time the test names, and notifications are sent
    after the alerts fire. Runs after the expression tests, so they still see only what promtool
    would have loaded: until the input has gone stale and the rules have had a step to react, and
    up to the last notification test's eval_time. False when notification tests cannot be
    checked because a rule failed on the way."""
    step = sim.step_ms
    horizon = maxt
    if any(st.fires_at_ms is not None or st.resolves_at_ms is not None for st in tg.state_tests):
        last_input = max((s.timestamps[-1] for s in sim.inputs if s.timestamps), default=mint)
        horizon = max(last_input + sim.engine.options.lookback_ms + step, maxt)
    if tg.notification_tests:
        from ruletest.alertmanager.sending import steps_from_outcome

        horizon = max(horizon, mint + max(nt.eval_time_ms for nt in tg.notification_tests))
    t = (sim.last_time if sim.last_time is not None else mint) + step
    if step <= 0 or t > horizon:
        return True
    for outcome in sim.run(t, horizon):
        if outcome.failed:
            if tg.notification_tests:  # what the rules would have sent from here on is unknown
                gr.problems.extend(_outcome_problems(tf, tg, outcome, mint))
                return False
            break
        if tg.notification_tests:
            steps.extend(steps_from_outcome(outcome))
    return True


def _outcome_problems(tf: TestFile, tg: TestGroup, outcome: StepOutcome, mint: int) -> list[Problem]:
    if outcome.load_error is not None:
        return [LoadProblem(Code.DUPLICATE_SAMPLE, outcome.load_error, Location(tf.path, tg.line))]
    return [RuleEvalError(e.rule.name, Location(e.rule.file, e.rule.line), e.ts, e.message) for e in outcome.errors]


# --- Alertmanager: routing tables and notifications ---------------------------------------------


def _unknown_receivers(tf: TestFile, tg: TestGroup, am: Testbed) -> list[Problem]:
    from ruletest.alertmanager.check import NotificationTestError, notification_target

    out: list[Problem] = []
    for nt in tg.notification_tests:
        try:
            notification_target(am.config, nt)
        except NotificationTestError as exc:
            out.append(LoadProblem(Code.NOTIFICATION_TEST, exc.message, Location(tf.path, nt.line)))
    names = {r.name for r in am.config.receivers}
    for case in tg.routing_test.cases if tg.routing_test is not None else ():
        for name in case.receivers:
            if name not in names:  # a typo would only ever read as "receivers differ"
                out.append(LoadProblem(Code.NOTIFICATION_TEST, f"routing_test: receiver {name!r} is not defined in "
                                       f"{am.config.path}{_suggest(name, names)}", Location(tf.path, case.line)))
    return out


def _check_alertmanager(tf: TestFile, tg: TestGroup, refs: list[CaseRef], gr: GroupResult, am: Testbed,
                        steps: list[EvalStep], mint: int, rule_groups: Sequence[RuleGroup], sem: Semantics | None) -> None:
    from ruletest.alertmanager.check import check_notifications, check_routing, notification_target
    from ruletest.alertmanager.sending import rule_exprs
    from ruletest.alertmanager.testbed import Feed, routed_timeline, simulate

    if tg.routing_test is not None:
        routing_refs = [r for r in refs if r.kind == "routing"]
        for ref, res in zip(routing_refs, check_routing(am.config, tg.routing_test), strict=True):
            where = Location(tf.path, res.case.line)
            problem = None if res.passed else RoutingMismatch(res.case.labels, res.case.receivers, res.receivers,
                                                              res.problems, where)
            gr.cases.append(CaseResult(ref.id, "routing", ref.label, where, True, problem))
    if not tg.notification_tests:
        return
    until = mint + max(nt.eval_time_ms for nt in tg.notification_tests)
    feed = Feed(tuple(steps), rule_exprs(rule_groups, sem) if sem is not None else {}, tg.external_url,
                dict(tg.external_labels))
    sim = simulate(am, feed, start_ms=mint, until_ms=until)
    notification_refs = [r for r in refs if r.kind == "notification"]
    results = check_notifications(am.config, sim, tg.notification_tests, start_ms=mint)
    for ref, nt, outcome in zip(notification_refs, tg.notification_tests, results, strict=True):
        where = Location(tf.path, nt.line)
        mismatch = None
        if not outcome.passed:
            kind, index = notification_target(am.config, nt)
            lo, hi = mint + nt.from_ms, mint + nt.eval_time_ms
            mismatch = NotificationMismatch(
                nt.receiver, f"{kind}[{index}]" if kind else "", nt.from_ms, nt.eval_time_ms, mint,
                nt.exp_notifications, outcome.got, outcome.problems, where,
                tuple(e for e in sim.events if e.receiver == nt.receiver and lo <= e.at_ms <= hi),
                routed_timeline(am.config, steps, nt.receiver, start_ms=mint, until_ms=hi,
                                external_labels=tg.external_labels))
        gr.cases.append(CaseResult(ref.id, "notification", ref.label, where, True, mismatch))


def _fmt_duration(ms: int) -> str:
    from ruletest.promql.ast import format_duration

    return format_duration(ms)


def _suggest(name: str, names: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- alert comparison ------------------------------------------------------------------------


def _add_timelines(tg: TestGroup, results: dict[int, CaseResult], failed: list[tuple[int, int]], sim: Simulation,
                   simulation: Callable[[set[str]], Simulation], start: int) -> None:
    """Give each failed alert check the timeline of its alert up to the check: from ``sim`` if it
    recorded the alert, else from a replay of the same simulation that records it (the
    simulation is deterministic, so the replay's history is the one the run would have kept)."""
    names = {tg.alert_tests[i].alertname for i, _ in failed}
    replay = sim
    if not names <= sim.recorded_names():
        replay = simulation(names)
        for outcome in replay.run(start, max(ts for _, ts in failed)):
            if outcome.failed:
                break
    for i, ts in failed:
        cr = results[i]
        assert isinstance(cr.problem, AlertMismatch)
        timeline = alert_timeline(replay, tg.alert_tests[i].alertname, tg.start_ms or 0, until=ts)
        results[i] = replace(cr, problem=replace(cr.problem, timeline=timeline))


def _check_alerts(tf: TestFile, tg: TestGroup, at: AlertTest, sim: Simulation, checked_at: int
                  ) -> AlertMismatch | None:
    """promtool's check of one alert_rule_test against the live state (the timeline is added by
    _add_timelines)."""
    got = sorted((a.labels, a.annotations) for a in sim.firing(at.alertname))
    exp = sorted((tuple(sorted({**ea.labels, "alertname": at.alertname}.items())), tuple(sorted(ea.annotations.items())),
                  tuple(sorted(ea.labels_re.items())), tuple(sorted(ea.annotations_re.items())))
                 for ea in at.exp_alerts)
    flexible = at.match != "exact" or at.count is not None or any(e[2] or e[3] for e in exp)
    if flexible:
        patterns = [AlertPattern(dict(e[0]), dict(e[1]), dict(e[2]), dict(e[3])) for e in exp]
        ok = alerts_match(patterns, got, subset=at.match == "subset", count=at.count)
    else:
        ok = got == [(e[0], e[1]) for e in exp]  # promtool's comparison
    if ok:
        return None
    return AlertMismatch(at.alertname, at.eval_time_ms, checked_at, tg.name, tuple((e[0], e[1]) for e in exp),
                         tuple(got), Location(tf.path, at.line), None, match=at.match,
                         count=at.count, expected_re=tuple((e[2], e[3]) for e in exp) if flexible else ())


def _check_state(tf: TestFile, st: StateTest, sim: Simulation, mint: int, interval: int) -> Problem | None:
    check = check_lifecycle(lifecycle_steps(sim, st.alertname, mint), interval, st.labels, st.labels_re,
                            at=st.at_ms, start=st.from_ms, end=st.to_ms, state=st.state, never=st.never,
                            fires_at=st.fires_at_ms, resolves_at=st.resolves_at_ms)
    if check.ok:
        return None
    return StateMismatch(st.alertname, st.describe(), check.message, Location(tf.path, st.line),
                         alert_timeline(sim, st.alertname, mint), focus_ms=check.focus, last_ms=check.last)


# --- expression tests ------------------------------------------------------------------------


def _check_expr(tf: TestFile, et: ExprTest, sim: Simulation, mint: int,
                debug_notes: list[tuple[str, int, tuple[str, ...]]] | None = None) -> Problem | None:
    where = Location(tf.path, et.line)
    try:
        got, annotations = sim.query_annotated(et.expr, mint + et.eval_time_ms)
    except RuletestError as exc:
        return ExprError(et.expr, et.eval_time_ms, exc.message, where)
    notes = tuple(a.text() for a in annotations)
    if notes and debug_notes is not None:
        debug_notes.append((et.expr, et.eval_time_ms, notes))
    # (labels, value, labels_re, histogram) in file order
    exp: list[tuple[Labels, float, Labels, ExpectedHistogram | None]] = []
    for s in et.exp_samples:
        try:
            labels = parse_series_description(s.labels)
        except RuletestError as exc:
            return ExprError(et.expr, et.eval_time_ms, f'labels "{s.labels}": {exc.message}', Location(tf.path, s.line))
        hist = None
        if s.histogram:
            try:
                hist = parse_histogram(s.histogram)
            except RuletestError as exc:
                # promtool parses "{} " + histogram: its columns count those 3 characters.
                text = exc.message if exc.column is None else f"1:{exc.column + 3}: parse error: {exc.message}"
                return ExprError(et.expr, et.eval_time_ms, f'labels "{s.labels}": {text}', Location(tf.path, s.line))
        exp.append((labels, s.value, tuple(sorted(s.labels_re.items())), hist))
    got_l = sorted(((s.labels, s.value, s.histogram) for s in got), key=lambda x: x[0])
    flexible = et.match != "exact" or et.count is not None or any(s.labels_re for s in et.exp_samples)
    close = et.tolerance > 0 or et.relative_tolerance > 0 or et.nan_equal
    same = ValueMatch(et.tolerance, et.relative_tolerance, tf.fuzzy_compare, et.nan_equal)

    def same_sample(e: tuple[Labels, float, Labels, ExpectedHistogram | None],
                    g: tuple[Labels, float, FloatHistogram | None]) -> bool:
        # promtool compares the float value too (0 for a histogram) and the histogram's notation;
        # with ruletest's tolerances, the histogram's fields (histogram_expectations).
        if e[3] is None and g[2] is None:
            return same(e[1], g[1])
        from ruletest.histogram_expectations import histograms_equal  # only files with histograms need it

        return same(e[1], g[1]) and histograms_equal(e[3], g[2], same if close else None)

    if flexible:
        subset = et.match == "subset"

        def fits(i: int, j: int) -> bool:
            return (labels_match(dict(got_l[j][0]), dict(exp[i][0]), dict(exp[i][2]), subset)
                    and same_sample(exp[i], got_l[j]))

        wanted = et.count if et.count is not None else len(exp)
        ok = len(got_l) == wanted and one_to_one(len(exp), len(got_l), fits)
    else:
        exp.sort(key=lambda x: x[0])
        ok = len(exp) == len(got_l) and all(e[0] == g[0] and same_sample(e, g) for e, g in zip(exp, got_l, strict=True))
    if ok:
        return None
    exp.sort(key=lambda x: x[0])  # stable: samples with the same labels keep their order
    how = ", ".join(x for x in (
        f"match: {et.match}" if et.match != "exact" else "", f"count: {et.count}" if et.count is not None else "",
        f"tolerance: {et.tolerance:g}" if et.tolerance else "",
        f"relative_tolerance: {et.relative_tolerance:g}" if et.relative_tolerance else "",
        "nan_equal" if et.nan_equal else "",
        *(f"{i}: labels_re " + ", ".join(f"{k}=~{v!r}" for k, v in r) for i, (_, _, r, _) in enumerate(exp) if r),
    ) if x) if flexible or close else ""
    histograms = any(e[3] is not None for e in exp) or any(g[2] is not None for g in got_l)
    return ExprMismatch(et.expr, et.eval_time_ms, tuple((e[0], e[1]) for e in exp), tuple((g[0], g[1]) for g in got_l),
                        where, how=how, values=same, match=et.match, count=et.count,
                        expected_re=tuple(e[2] for e in exp) if flexible else (),
                        expected_histograms=tuple(e[3].histogram if e[3] else None for e in exp) if histograms else (),
                        got_histograms=tuple(g[2] for g in got_l) if histograms else (), notes=notes)


# --- which files are tests -------------------------------------------------------------------


def collect_test_files(paths: Sequence[str]) -> list[str]:
    """Files named on the command line, and under directories the YAML files that are promtool
    test files (a top-level ``tests:``): rule files and virtualenvs are not tests."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for x in sorted(Path(p).rglob("*.y*ml")):
                if any(part.startswith(".") or part in ("node_modules", "site-packages") for part in x.parts[:-1]):
                    continue
                try:
                    if looks_like_test_file(x.read_text(encoding="utf-8")):
                        out.append(str(x))
                except (OSError, UnicodeDecodeError):
                    out.append(str(x))  # unreadable: reported as such, never skipped silently
        else:
            out.append(p)
    return out

