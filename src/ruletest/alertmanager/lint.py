"""Lint of Alertmanager configs, checked against the alerting rules that feed them.

What each alert of the rules can look like is derived statically: its ``alertname``, the
rule's labels (exact unless templated), and the labels its expression can return (label flow;
a plain selector is taken to carry the labels it names plus the target labels ``job`` and
``instance``). A matcher is then true, false or unknown for that alert; findings are reported
only where the answer is certain. Findings use the same model, formats and suppression
comments (``# ruletest: disable=ID`` on the line or the line above) as ``ruletest lint``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from ruletest.alertmanager.config import Config, NamedInterval, RouteConfig
from ruletest.alertmanager.integrations import templated_fields
from ruletest.alertmanager.matchers import Matcher, Matchers
from ruletest.alertmanager.route import Route, build_tree
from ruletest.alertmanager.template_funcs import SINCE
from ruletest.alertmanager.template_set import TemplateLoadError, TemplateSet, load_template_set
from ruletest.alertmanager.version import Version
from ruletest.errors import RuletestError
from ruletest.lint.model import CATALOG, Finding, LintResult, Severity, register
from ruletest.lint.suppress import parse_suppressions
from ruletest.records import record
from ruletest.semantics import PROMETHEUS_3, Semantics
from ruletest.templates import parse as P
from ruletest.templates.parse import TemplateError

register("am/config-invalid", Severity.ERROR, "Alertmanager config Alertmanager would refuse",
         "amtool check-config fails: unknown fields, bad durations or matchers, undefined receivers ...")
register("am/template-syntax", Severity.ERROR, "notification template that does not parse",
         "A template file or templated field Alertmanager cannot parse: it fails to load the config (files) or "
         "every notification of that integration (fields).")
register("am/template-version", Severity.ERROR, "template function newer than the target Alertmanager",
         "The function exists only from a later Alertmanager release; the target release refuses the template "
         "(`function \"since\" not defined`). Upgrade, or use what the release has.")
register("am/template-undefined", Severity.ERROR, "template used but not defined",
         "`{{ template \"x\" . }}` names a template no loaded file defines (check the `templates` globs and "
         "their paths); rendering fails and the notification is not sent.")
register("am/receiver-unused", Severity.WARNING, "receiver never routed to",
         "No route sends alerts to this receiver (directly or inherited), so it never notifies.")
register("am/route-unreachable", Severity.WARNING, "route no alert of the rules can reach",
         "For every alerting rule the route's matchers (or an earlier sibling without `continue`) rule it out.")
register("am/default-route-only", Severity.INFO, "alert that reaches only the root route",
         "No child route can match this alert, so it goes to the default receiver.")
register("am/group-by-unknown", Severity.WARNING, "group_by label no alert carries",
         "No alerting rule, external label or label the expressions keep provides this label: every alert lacks "
         "it and it does not split groups (a typo, or a label the guide's setup does not have).")
register("am/inhibit-no-equal", Severity.WARNING, "inhibit rule without equal",
         "Without `equal` any source alert mutes every target alert, across services and clusters.")
register("am/inhibit-source-unknown", Severity.WARNING, "inhibit rule whose source no rule produces",
         "No alerting rule can produce an alert matching the source matchers, so the rule never inhibits.")
register("am/deprecated-matcher", Severity.INFO, "deprecated match / match_re",
         "`match`, `match_re`, `source_match*` and `target_match*` are deprecated; use `matchers`.")
register("am/matcher-utf8", Severity.WARNING, "matcher a later Alertmanager reads differently",
         "Alertmanager 0.27+ parses matchers with a UTF-8 parser; this input is not valid for it (or means "
         "something else) and relies on the classic fallback. Quote values and escape backslashes.")
register("am/time-interval-overlap", Severity.WARNING, "overlapping time intervals",
         "A route is both active and muted at the same times, or one interval's entries overlap.")


# --- what alerts can look like ---------------------------------------------------------------


@record
class AlertShape:
    name: str
    file: str
    line: int
    known: dict[str, str]  # exact values (alertname, non-templated rule labels, external labels)
    unknown: frozenset[str]  # labels present with an unknown value
    maybe: frozenset[str] | None  # labels that may be present (None: any)

    def value_states(self, name: str) -> tuple[str | None, bool]:
        """(exact value or None, may be absent)."""
        if name in self.known:
            return self.known[name], False
        if name in self.unknown:
            return None, False
        if self.maybe is None or name in self.maybe:
            return None, True
        return "", False

    def carries(self, label: str) -> bool | None:
        if label in self.known or label in self.unknown:
            return True
        if self.maybe is not None and label not in self.maybe:
            return False
        return None


def _matcher_state(m: Matcher, shape: AlertShape) -> bool | None:
    value, _ = shape.value_states(m.name)
    return m.matches(value) if value is not None else None


def matchers_state(ms: Matchers, shape: AlertShape) -> bool | None:
    """True: always matches; False: never; None: depends on the series."""
    states = [_matcher_state(m, shape) for m in ms]
    if any(s is False for s in states):
        return False
    return True if all(s is True for s in states) else None


def alert_shapes(rule_paths: Sequence[str], external_labels: dict[str, str] | None = None,
                 semantics: Semantics = PROMETHEUS_3) -> tuple[list[AlertShape], list[Finding]]:
    from ruletest.lint.flow import flow, selectors
    from ruletest.lint.linter import collect_rule_files
    from ruletest.promql import ast as A
    from ruletest.promql.parser import ParseOptions
    from ruletest.rules.loader import LoadOptions, RuleFileError, load_rule_file

    shapes: list[AlertShape] = []
    problems: list[Finding] = []
    for path in collect_rule_files(rule_paths):
        try:
            groups = load_rule_file(path, LoadOptions(semantics))
        except RuleFileError as exc:
            problems.append(Finding("am/config-invalid", Severity.ERROR, f"rule file: {exc.message}", str(path),
                                    exc.line))
            continue
        for g in groups:
            for r in g.rules:
                if not r.is_alert:
                    continue
                known = dict(external_labels or {})
                unknown: set[str] = set()
                try:
                    expr = A.parse(r.expr, ParseOptions.for_lint(semantics))
                    f = flow(expr)
                    guaranteed = set(f.guaranteed) - {"__name__"}
                    maybe = None if f.possible is None else set(f.possible) - {"__name__"}
                    if maybe is None:
                        # A selector's series carry the labels it names and the target labels.
                        named = {m.name for vs, _ in selectors(expr) for m in vs.matchers} - {"__name__"}
                        maybe = named | {"job", "instance"} | guaranteed
                except RuletestError:
                    guaranteed, maybe = set(), None
                for k in guaranteed:
                    known.pop(k, None)
                unknown |= guaranteed
                for k, v in r.labels:
                    if "{{" in v:
                        unknown.add(k)
                        known.pop(k, None)
                    else:
                        known[k] = v
                        unknown.discard(k)
                known["alertname"] = r.name
                shapes.append(AlertShape(r.name, r.file, r.line, known, frozenset(unknown),
                                         None if maybe is None else frozenset(maybe | set(known) | unknown)))
    return shapes, problems


# --- the checks ----------------------------------------------------------------------------


def _reach(route: Route, shape: AlertShape) -> list[Route]:
    """The routes ``shape`` may end in (Route.Match with unknown matchers taken both ways)."""
    if matchers_state(route.matchers, shape) is False:
        return []
    out: list[Route] = []
    for child in route.routes:
        got = _reach(child, shape)
        out.extend(got)
        if got and matchers_state(child.matchers, shape) is True and not child.continue_:
            return out  # this child always matches: later siblings are never tried
    return [*out, route]


def _replacing_matchers(route: RouteConfig, version: Version) -> list[str]:
    """The ``matchers`` equivalent to a route's ``match``, ``match_re`` and ``matchers``. A
    ``match_re`` value is written as is: Alertmanager anchors it (``^(?:v)$``, config.Regexp), as
    it anchors every ``=~`` matcher's value (labels.NewMatcher), so ``severity=~"crit.*"`` means
    what ``match_re: {severity: crit.*}`` meant."""
    ms = [Matcher.new("=", k, v) for k, v in route.match] + [Matcher.new("=~", k, v) for k, v in route.match_re]
    return [m.to_string(version) for m in sorted(ms, key=Matcher.sort_key)] + [t for t, _ in route.matcher_texts]


def _yaml_quote(text: str) -> str:
    """A YAML single-quoted scalar (backslashes are literal there; a quote is doubled)."""
    return "'" + text.replace("'", "''") + "'"


def _config_findings(config: Config, shapes: list[AlertShape] | None, version: Version) -> list[Finding]:
    path = config.path
    out: list[Finding] = []
    tree = build_tree(config)
    nodes = tree.walk()
    used = {r.opts.receiver for r in nodes}
    for rcv in config.receivers:
        if rcv.name not in used:
            out.append(Finding("am/receiver-unused", Severity.WARNING,
                               f"receiver {rcv.name!r} is never routed to: no route sends alerts to it", path,
                               rcv.line))
    for r in nodes:
        if r.config.uses_match:
            out.append(Finding("am/deprecated-matcher", Severity.INFO, "match/match_re are deprecated: write "
                               f"matchers: [{', '.join(_yaml_quote(t) for t in _replacing_matchers(r.config, version))}]",
                               path, r.line))
    for rule in config.inhibit_rules:
        if not rule.equal:
            out.append(Finding("am/inhibit-no-equal", Severity.WARNING,
                               "inhibit rule has no equal: any source alert mutes every target alert", path, rule.line))
        if rule.uses_match:
            out.append(Finding("am/deprecated-matcher", Severity.INFO,
                               "source_match/target_match(_re) are deprecated: use source_matchers/target_matchers",
                               path, rule.line))
    for line, why in config.warnings:
        out.append(Finding("am/matcher-utf8", Severity.WARNING, why, path, line))
    out.extend(_interval_findings(config, nodes))
    if shapes is not None:
        out.extend(_rule_findings(config, tree, shapes, version))
    return out


def _rule_findings(config: Config, tree: Route, shapes: list[AlertShape], version: Version) -> list[Finding]:
    path = config.path
    out: list[Finding] = []
    reached: dict[int, bool] = {}
    for shape in shapes:
        for r in _reach(tree, shape):
            reached[id(r)] = True
        if tree.routes and all(matchers_state(c.matchers, shape) is False for c in tree.routes):
            out.append(Finding("am/default-route-only", Severity.INFO,
                               f"alert {shape.name} ({shape.file}:{shape.line}) matches no child route: it goes only "
                               f"to the default receiver {tree.opts.receiver!r}", path, tree.line))
    for r in tree.walk()[1:]:
        if id(r) not in reached and not _has_reached_descendant(r, reached):
            out.append(Finding("am/route-unreachable", Severity.WARNING,
                               f"route {r.matchers.to_string(version)} (receiver {r.opts.receiver}) is reached by no "
                               "alert of the rules", path, r.line))
    for r in tree.walk():
        if r.config.group_by is None or r.opts.group_by_all:
            continue
        for label in sorted(r.config.group_by):
            states = [s.carries(label) for s in shapes]
            if shapes and all(s is False for s in states):
                out.append(Finding("am/group-by-unknown", Severity.WARNING,
                                   f"group_by label {label!r}: no alert of the rules carries it (not set by a rule, "
                                   "an external label or a label their expressions keep)", path, r.line))
    for rule in config.inhibit_rules:
        if shapes and all(matchers_state(rule.source, s) is False for s in shapes):
            out.append(Finding("am/inhibit-source-unknown", Severity.WARNING,
                               f"inhibit rule source {rule.source.to_string(version)} matches no alert of the rules: "
                               "it never inhibits", path, rule.line))
    return out


def _has_reached_descendant(r: Route, reached: dict[int, bool]) -> bool:
    return any(id(c) in reached or _has_reached_descendant(c, reached) for c in r.routes)


def _overlap(a: NamedInterval, b: NamedInterval) -> datetime | None:
    """A time (minute resolution, over two years from 2024) in both intervals, if any."""
    marks = {0, 1439}
    for ti in (*a.entries, *b.entries):
        for s, e in ti.times or ():
            marks |= {s, max(s, e - 1)}
    start = datetime(2024, 1, 1)
    for day in range(731):
        d = start + timedelta(days=day)
        for m in sorted(marks):
            t = d + timedelta(minutes=m)
            ns = int((t - datetime(1970, 1, 1)).total_seconds()) * 1_000_000_000
            if a.contains(ns) and b.contains(ns):
                return t
    return None


def _interval_findings(config: Config, nodes: list[Route]) -> list[Finding]:
    out = []
    for r in nodes:
        for act in r.opts.active_time_intervals:
            for mute in r.opts.mute_time_intervals:
                ia, im = config.interval(act), config.interval(mute)
                if ia is None or im is None:
                    continue
                when = _overlap(ia, im)
                if when is not None:
                    out.append(Finding("am/time-interval-overlap", Severity.WARNING,
                                       f"active interval {act!r} and mute interval {mute!r} overlap (e.g. "
                                       f"{when:%A %Y-%m-%d %H:%M} UTC): the route is muted while active", config.path,
                                       r.line))
    return out


# --- templates ---------------------------------------------------------------------------------


def _template_refs(node: P.Node) -> list[str]:
    out: list[str] = []
    if isinstance(node, P.TemplateNode):
        out.append(node.name)
    elif isinstance(node, P.ListNode):
        for n in node.nodes:
            out.extend(_template_refs(n))
    elif isinstance(node, P.BranchNode):
        out.extend(_template_refs(node.body))
        if node.else_list is not None:
            out.extend(_template_refs(node.else_list))
    return out


def _newer_function(exc: TemplateError, version: Version) -> str | None:
    func = exc.undefined_function
    if func is not None and func in SINCE and not version.at_least(SINCE[func]):
        return func
    return None


def _template_findings(config: Config, version: Version) -> list[Finding]:
    path = config.path
    out: list[Finding] = []
    try:
        ts = load_template_set(config.template_globs, version)
    except TemplateLoadError as exc:
        func = _newer_function(exc, version)
        if func:
            out.append(Finding("am/template-version", Severity.ERROR,
                               f"{exc.message}: {func} needs Alertmanager 0.{SINCE[func]} (emulating {version}); "
                               "Alertmanager refuses to load these templates", path, config.template_lines[0]
                               if config.template_lines else None))
        else:
            out.append(Finding("am/template-syntax", Severity.ERROR, exc.message, path,
                               config.template_lines[0] if config.template_lines else None))
        try:
            ts = load_template_set(config.template_globs, Version(0, 34))
        except TemplateLoadError:
            return out
    from ruletest.alertmanager.testbed import unmatched_templates

    for written, resolved, line in unmatched_templates(config):
        out.append(Finding("am/template-undefined", Severity.WARNING,
                           f"templates entry {written!r} matches no file (resolved to {resolved}); "
                           "map deployed paths with --template.path-map", path, line or None))
    defined = set(ts.text_defs)
    for name, body in ts.text_defs.items():
        origin = ts.text_origins.get(name)
        if origin is None or origin.name in ("default.tmpl", "email.tmpl"):
            continue
        for ref in _template_refs(body):
            if ref not in defined:
                out.append(Finding("am/template-undefined", Severity.ERROR,
                                   f"template {name!r} in {origin.name} uses template {ref!r}, which is not defined",
                                   path, None))
    for rcv in config.receivers:
        for integ in rcv.integrations:
            for fname, (text, _html) in templated_fields(integ).items():
                try:
                    tmpl = _parse_field(ts, text)
                except TemplateError as exc:
                    func = _newer_function(exc, version)
                    cid = "am/template-version" if func else "am/template-syntax"
                    extra = f": {func} needs Alertmanager 0.{SINCE[func]} (emulating {version})" if func else ""
                    out.append(Finding(cid, Severity.ERROR, f"receiver {rcv.name!r} {integ.name} {fname}: "
                                       f"{exc.message}{extra}", path, integ.line))
                    continue
                for ref in _template_refs(tmpl.root):
                    if ref not in defined and ref not in tmpl.defines:
                        out.append(Finding("am/template-undefined", Severity.ERROR,
                                           f"receiver {rcv.name!r} {integ.name} {fname} uses template {ref!r}, which is "
                                           "not defined by the default templates or the config's template files",
                                           path, integ.line))
    return out


def _parse_field(ts: TemplateSet, text: str) -> P.Template:
    from ruletest.alertmanager.template_funcs import names as func_names
    from ruletest.templates.exec import BUILTIN_NAMES

    return P.parse_template("", text, set(func_names(ts.version)) | set(BUILTIN_NAMES))


def default_route_alerts(config: Config, shapes: Sequence[AlertShape]) -> list[AlertShape]:
    """The alerts (of :func:`alert_shapes`) that reach no child route, only the root's receiver:
    what a coverage report lists as "reaches no receiver but the default"."""
    tree = build_tree(config)
    return [s for s in shapes if tree.routes and all(matchers_state(c.matchers, s) is False for c in tree.routes)]


# --- running -----------------------------------------------------------------------------------


def lint_configs(configs: Iterable[Config], rule_paths: Sequence[str] = (), *, version: Version | None = None,
                 today: date | None = None) -> LintResult:
    """Lint loaded configs (against the alerting rules under ``rule_paths``, if any)."""
    result = LintResult()
    shapes: list[AlertShape] | None = None
    raw: list[Finding] = []
    if rule_paths:
        shapes, problems = alert_shapes(rule_paths)
        raw.extend(problems)
        result.rules = len(shapes)
    texts: dict[str, str] = {}
    for config in configs:
        v = version or config.version
        result.files += 1
        texts[config.path] = config.text
        raw.extend(_config_findings(config, shapes, v))
        raw.extend(_template_findings(config, v))
    raw = list(dict.fromkeys(raw))
    result.findings = _suppress(raw, texts, today or date.today())
    result.findings.sort(key=Finding.sort_key)
    return result


def _suppress(raw: list[Finding], texts: dict[str, str], today: date) -> list[Finding]:
    sups = {path: parse_suppressions(text) for path, text in texts.items()}
    out = []
    for f in raw:
        hit = False
        for s in sups.get(f.file, []):
            if s.covers(f.check) and s.active(today) and (s.file_level or (f.line is not None and
                                                                            s.line in (f.line, f.line - 1))):
                s.used = True
                hit = True
                break
        if not hit:
            out.append(f)
    for path, ss in sups.items():
        for s in ss:
            if not s.used and not s.foreign and s.active(today) and any(i.startswith("am/") for i in s.ids):
                out.append(Finding("lint/unused-suppression", Severity.INFO,
                                   f"suppression of {', '.join(s.ids)} matches no finding", path, s.line))
    return out


def lint_config_files(paths: Sequence[str], rule_paths: Sequence[str] = (), *, version: Version | None = None,
                      template_paths: dict[str, str] | None = None) -> LintResult:
    """Load and lint config files; a config Alertmanager refuses is one ``am/config-invalid``
    finding per problem."""
    from ruletest.alertmanager.loader import ConfigError, LoadOptions, load_config_file

    configs = []
    invalid: list[Finding] = []
    for p in paths:
        try:
            configs.append(load_config_file(p, LoadOptions(version=version or Version(),
                                                           template_paths=template_paths or {})))
        except ConfigError as exc:
            invalid.extend(Finding("am/config-invalid", Severity.ERROR, prob.message, str(Path(p)), prob.line)
                           for prob in exc.problems)
    result = lint_configs(configs, rule_paths, version=version)
    result.files += len({f.file for f in invalid})
    result.findings = sorted(result.findings + invalid, key=Finding.sort_key)
    return result


__all__ = ["CATALOG", "AlertShape", "alert_shapes", "default_route_alerts", "lint_config_files", "lint_configs",
           "matchers_state"]
