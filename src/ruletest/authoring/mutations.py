"""Mutation operators: small, plausible mistakes made to one rule at a time.

Each :class:`Mutation` is a changed copy of a rule (its expression reprinted from a changed
syntax tree, or one field changed) with a sentence saying which test would notice it. The
operators: comparison operators (``>``↔``>=``, ``<``↔``<=``, flipped, ``==``↔``!=``), thresholds
moved just past the nearest value the tests reach and by ±10%, ``for`` and ``keep_firing_for``
shortened, lengthened and zeroed, range windows halved and doubled, ``rate``↔``irate`` /
``increase``, one ``by``/``without`` label dropped, one matcher dropped or negated,
``and``/``or``/``unless`` swapped, one label or annotation value changed.

Generation is pure: the caller passes what the tests exercise (:class:`MutationContext`) and gets
data back. Mutants that no input can tell from the rule are marked ``equivalent`` where that is
cheap to prove; boundary mutants that only an input exactly at the threshold can kill are marked
``maybe_equivalent``.
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ruletest.authoring.astpaths import Path, node_at, paren, replace_at, shape, walk
from ruletest.authoring.numbers import fmt, nice, shortest_near
from ruletest.errors import PromQLSyntaxError
from ruletest.lint.flow import flow
from ruletest.promql import ast as A
from ruletest.promql.ast import format_duration
from ruletest.promql.values import labels_from
from ruletest.records import record
from ruletest.rules.model import Rule
from ruletest.semantics import Semantics

RuleKey = tuple[str, str, int]  # (rule file, group name, index in the group)

# Operator ids (also the SARIF rule ids, prefixed "mutation/") with what each one does.
OPERATORS: dict[str, str] = {
    "comparison-boundary": "a comparison includes or excludes its boundary (> and >=, < and <=)",
    "comparison-flip": "a comparison points the other way (> and <, >= and <=)",
    "comparison-negate": "an equality comparison is negated (== and !=)",
    "threshold-nearest": "a threshold moved just past the nearest value the tests reach",
    "threshold-10pct": "a threshold moved by 10%",
    "for": "the alert's `for` shortened, lengthened or zeroed",
    "keep-firing-for": "the alert's `keep_firing_for` shortened, lengthened or zeroed",
    "range-window": "a range window halved or doubled",
    "rate-function": "rate() replaced by irate() or increase(), and back",
    "grouping-label": "a by/without label dropped",
    "matcher-drop": "a label matcher dropped",
    "matcher-negate": "a label matcher negated",
    "set-operator": "and/or/unless swapped",
    "label": "a label value changed",
    "annotation": "an annotation value changed",
}

_BOUNDARY = {">": ">=", ">=": ">", "<": "<=", "<=": "<"}
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">="}
_NEGATE = {"==": "!=", "!=": "=="}
_RATE_SWAPS = {"rate": ("irate", "increase"), "irate": ("rate",), "increase": ("rate",)}
_MATCH_NEGATION: dict[str, Literal["=", "!=", "=~", "!~"]] = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}


def rule_key(rule: Rule) -> RuleKey:
    return (rule.file, rule.group, rule.index)


def compare(op: str, a: float, b: float) -> bool:
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == "==":
        return a == b
    return a != b


@record
class Site:
    """A comparison in a rule's expression."""

    path: Path
    op: str
    threshold: float | None  # the number literal compared with, None when both sides are vectors
    literal_left: bool  # ``0.8 > x``
    operand: A.Expr  # the side that is not the literal (the left side when there is no literal)
    timed: bool  # evaluated at the rule's evaluation time (not inside a subquery)

    def holds(self, v: float, op: str | None = None, threshold: float | None = None) -> bool:
        """Whether the comparison holds for an operand value ``v`` (with ``op``/``threshold`` changed)."""
        o = op or self.op
        t = self.threshold if threshold is None else threshold
        assert t is not None
        return compare(o, t, v) if self.literal_left else compare(o, v, t)


def _unwrap(e: A.Expr) -> A.Expr:
    while isinstance(e, A.Paren):
        e = e.expr
    return e


def comparison_sites(root: A.Expr) -> list[Site]:
    out = []
    for path, node, ancestors in walk(root):
        if not isinstance(node, A.Binary) or node.op not in A.COMPARISON_OPS:
            continue
        timed = not any(isinstance(a, A.Subquery) for a in ancestors)
        lhs, rhs = _unwrap(node.lhs), _unwrap(node.rhs)
        if isinstance(rhs, A.NumberLiteral) and node.lhs.type != "scalar":
            out.append(Site(path, node.op, rhs.value, False, node.lhs, timed))
        elif isinstance(lhs, A.NumberLiteral) and node.rhs.type != "scalar":
            out.append(Site(path, node.op, lhs.value, True, node.rhs, timed))
        else:
            out.append(Site(path, node.op, None, False, node.lhs, timed))
    return out


@record
class Observed:
    """The values a comparison's operand took at every evaluation of the tests that load the rule."""

    values: tuple[float, ...]  # sorted, distinct, NaN left out (it compares false either way)
    complete: bool = True  # False: some test run could not be observed; decide nothing from it


@record
class MutationContext:
    semantics: Semantics
    # Evaluation intervals of the test files that load the rule: `for` values that fire at the
    # same evaluation under every one of them are not worth a mutant.
    intervals_ms: tuple[int, ...] = ()
    observed: Mapping[Path, Observed] = field(default_factory=dict)


@record
class Mutation:
    operator: str  # a key of OPERATORS
    rule: Rule  # the rule as written
    mutant: Rule  # the rule with the change
    before: str
    after: str
    missing: str  # the test that would kill it, when it survives
    line: int
    equivalent: str | None = None  # proven to behave like the rule on every input: why
    maybe_equivalent: str | None = None  # only an unusual input tells it apart: which
    # The tests' inputs give the same result as the rule at every evaluation: it survives
    # without being run (the comparison's operand was observed at every evaluation).
    unchanged_on_tests: bool = False
    invalid: str | None = None  # the mutant cannot be written as a valid rule

    @property
    def description(self) -> str:
        return f"{self.before} → {self.after}"


def _short(e: A.Expr, limit: int = 70) -> str:
    text = A.to_promql(e)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _subject(rule: Rule) -> str:
    return rule.name


# --- value domains -----------------------------------------------------------------------------

_INTEGER_FUNCS = frozenset({
    "count_over_time", "changes", "resets", "absent", "absent_over_time", "present_over_time", "floor", "ceil",
    "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year",
})
_PASS_FUNCS = frozenset({"abs", "vector", "scalar", "sort", "sort_desc", "label_replace", "label_join",
                         "last_over_time", "max_over_time", "min_over_time", "sort_by_label", "sort_by_label_desc"})
_INTEGER_AGGS = frozenset({"count", "count_values", "group"})
_PASS_AGGS = frozenset({"sum", "min", "max", "topk", "bottomk", "limitk", "limit_ratio"})


def integer_valued(e: A.Expr) -> bool:
    """Whether every value ``e`` can produce is an integer (or NaN/Inf), whatever the input."""
    e = _unwrap(e)
    if isinstance(e, A.NumberLiteral):
        return e.value == int(e.value) if math.isfinite(e.value) else True
    if isinstance(e, A.Unary):
        return integer_valued(e.expr)
    if isinstance(e, A.Call):
        if e.func in _INTEGER_FUNCS or (e.func == "round" and len(e.args) == 1):
            return True
        if e.func in _PASS_FUNCS and e.args:
            return integer_valued(e.args[0])
        return False
    if isinstance(e, A.MatrixSelector | A.VectorSelector):
        return False
    if isinstance(e, A.Aggregate):
        if e.op in _INTEGER_AGGS:
            return True
        return e.op in _PASS_AGGS and integer_valued(e.expr)
    if isinstance(e, A.Binary):
        if e.op in A.COMPARISON_OPS:
            return True if e.return_bool else integer_valued(e.lhs if e.rhs.type == "scalar" or
                                                              e.lhs.type != "scalar" else e.rhs)
        if e.op in ("and", "unless"):
            return integer_valued(e.lhs)
        if e.op in ("or", "+", "-", "*"):
            return integer_valued(e.lhs) and integer_valued(e.rhs)
    return False


def _same_on_integers(site: Site, op: str, threshold: float) -> bool:
    """Whether ``x op' T'`` selects the same integers as the site's comparison."""
    t0 = site.threshold
    if t0 is None or not (math.isfinite(t0) and math.isfinite(threshold)):
        return False
    lo = math.floor(min(t0, threshold)) - 1
    hi = math.ceil(max(t0, threshold)) + 1
    return all(site.holds(float(i)) == site.holds(float(i), op, threshold) for i in range(lo, hi + 1))


# --- generation ----------------------------------------------------------------------------------


@dataclass
class _Builder:
    rule: Rule
    ctx: MutationContext
    root: A.Expr
    reprintable: bool  # the rule's own expression prints back to itself
    out: list[Mutation] = field(default_factory=list)

    def expr(self, operator: str, path: Path, new: A.Expr, before: str, after: str, missing: str, **extra: object
             ) -> None:
        mutated = replace_at(self.root, path, new)
        text = A.to_promql(mutated)
        invalid: str | None = None
        if not self.reprintable:
            invalid = "ruletest's printer cannot reproduce this expression exactly"
        else:
            try:
                back = A.parse(text, self.ctx.semantics.version)
            except PromQLSyntaxError as exc:
                invalid = exc.message
            else:
                if shape(back) != shape(mutated):
                    invalid = "the printed mutant parses to a different expression"
        mutant = dataclasses.replace(self.rule, expr=text)
        self.out.append(Mutation(operator, self.rule, mutant, before, after, missing, self.rule.expr_line,
                                 invalid=invalid, **extra))  # type: ignore[arg-type]

    def field(self, operator: str, before: str, after: str, missing: str, **changes: object) -> None:
        mutant = dataclasses.replace(self.rule, **changes)  # type: ignore[arg-type]
        self.out.append(Mutation(operator, self.rule, mutant, before, after, missing, self.rule.line))


def mutations(rule: Rule, ctx: MutationContext) -> list[Mutation]:
    """Every mutant of one rule (duplicates and no-op changes removed), in a stable order."""
    try:
        root = A.parse(rule.expr, ctx.semantics.version)
    except PromQLSyntaxError:
        return []
    try:
        reprintable = shape(A.parse(A.to_promql(root), ctx.semantics.version)) == shape(root)
    except PromQLSyntaxError:
        reprintable = False
    b = _Builder(rule, ctx, root, reprintable)
    sites = {s.path: s for s in comparison_sites(root)}
    for path, node, ancestors in walk(root):
        parent = ancestors[-1] if ancestors else None
        if isinstance(node, A.Binary) and node.op in A.COMPARISON_OPS:
            _comparison(b, sites[path], node)
        elif isinstance(node, A.Binary) and node.op in A.SET_OPS:
            _set_operator(b, path, node, parent)
        elif isinstance(node, A.Call) and node.func in _RATE_SWAPS:
            _rate_function(b, path, node)
        elif isinstance(node, A.MatrixSelector) and node.range_ms > 0:
            _range_window(b, path, node, parent)
        elif isinstance(node, A.Aggregate) and node.grouping:
            _grouping(b, path, node)
        elif isinstance(node, A.VectorSelector):
            _matchers(b, path, node)
    if rule.is_alert:
        _durations(b)
    _labels(b)
    return _dedupe(rule, b.out)


def _dedupe(rule: Rule, items: list[Mutation]) -> list[Mutation]:
    seen = {_rule_identity(rule)}
    out = []
    for m in items:
        ident = _rule_identity(m.mutant)
        if ident in seen and m.invalid is None:
            continue
        seen.add(ident)
        out.append(m)
    return out


def _rule_identity(r: Rule) -> tuple[object, ...]:
    return (r.expr, r.for_ms, r.keep_firing_for_ms, r.labels, r.annotations)


def _cmp_text(node: A.Binary, site: Site, op: str | None = None, threshold: float | None = None) -> str:
    """``> 0.1`` (or the whole comparison when both sides are expressions)."""
    o = (op or node.op) + (" bool" if node.return_bool else "")
    if site.threshold is None:
        return f"{_short(node.lhs, 40)} {o} {_short(node.rhs, 40)}"
    t = fmt(site.threshold if threshold is None else threshold)
    return f"{t} {o}" if site.literal_left else f"{o} {t}"


def _comparison(b: _Builder, site: Site, node: A.Binary) -> None:
    subject = _subject(b.rule)
    operand = _short(site.operand)
    observed = b.ctx.observed.get(site.path) if site.timed else None
    known = observed is not None and observed.complete and site.threshold is not None

    def unchanged(op: str, threshold: float | None = None) -> bool:
        if not known or observed is None:
            return False
        return all(site.holds(v) == site.holds(v, op, threshold) for v in observed.values)

    t = site.threshold
    for op, operator in ((_BOUNDARY.get(node.op), "comparison-boundary"), (_FLIP.get(node.op), "comparison-flip"),
                         (_NEGATE.get(node.op), "comparison-negate")):
        if op is None:
            continue
        new = dataclasses.replace(node, op=op)
        if t is None:
            missing = {"comparison-boundary": f"no test evaluates {subject} with {_short(node.lhs, 40)} equal to "
                                              f"{_short(node.rhs, 40)}",
                       "comparison-flip": f"no test checks which way {subject} compares {_short(node.lhs, 40)} with "
                                          f"{_short(node.rhs, 40)}",
                       "comparison-negate": f"no test checks {subject} both when the two sides are equal and when "
                                            "they differ"}[operator]
            b.expr(operator, site.path, new, _cmp_text(node, site), _cmp_text(node, site, op), missing)
            continue
        equivalent = maybe = None
        if operator == "comparison-boundary":
            missing = f"no test evaluates {subject} with {operand} exactly at {fmt(t)}"
            if integer_valued(site.operand) and _same_on_integers(site, op, t):
                equivalent = f"{operand} only takes integer values, never {fmt(t)}"
            else:
                maybe = f"only an input where {operand} is exactly {fmt(t)} tells `{node.op}` from `{op}`"
        elif operator == "comparison-flip":
            missing = (f"no test checks that {subject} holds on one side of {fmt(t)} and not on the other "
                       f"(cases with {operand} above and below {fmt(t)})")
        else:
            missing = f"no test evaluates {subject} both with {operand} equal to {fmt(t)} and different from it"
        b.expr(operator, site.path, new, _cmp_text(node, site), _cmp_text(node, site, op), missing,
               equivalent=equivalent, maybe_equivalent=maybe, unchanged_on_tests=unchanged(op))
    if t is None or node.op in _NEGATE or not math.isfinite(t):
        return
    literal_path = (*site.path, 0 if site.literal_left else 1)
    literal = node_at(b.root, literal_path)

    def threshold_mutant(operator: str, new_t: float, missing: str) -> None:
        if new_t == t or not math.isfinite(new_t):
            return
        equivalent = None
        if integer_valued(site.operand) and _same_on_integers(site, node.op, new_t):
            equivalent = f"{operand} only takes integer values, and none lies between {fmt(t)} and {fmt(new_t)}"
        new_literal = _number(literal, new_t)
        b.expr(operator, literal_path, new_literal, _cmp_text(node, site), _cmp_text(node, site, threshold=new_t),
               missing, equivalent=equivalent, unchanged_on_tests=unchanged(node.op, new_t))

    values = observed.values if observed is not None else ()
    for v, nudged in _nearest_nudges(site, values):
        side = "holds" if site.holds(v) else "does not hold"
        what = "fire" if b.rule.is_alert else "hold"
        what = what if site.holds(v) else ("stay silent" if b.rule.is_alert else "not hold")
        threshold_mutant("threshold-nearest", nudged,
                         f"tests reach {operand} = {fmt(v)} (the value closest to {fmt(t)} where the comparison "
                         f"{side}), but none checks that {subject} should {what} there")
    for factor in (0.9, 1.1):
        if t == 0:
            continue
        new_t = nice(t * factor)
        lo, hi = sorted((t, new_t))
        between = [v for v in values[bisect_left(values, lo):bisect_right(values, hi)]
                   if site.holds(v) != site.holds(v, threshold=new_t)]
        if between:
            missing = (f"tests reach {operand} = {fmt(between[0])} (between {fmt(lo)} and {fmt(hi)}), but none "
                       f"checks {subject} at that value")
        else:
            missing = f"no test evaluates {subject} with {operand} between {fmt(lo)} and {fmt(hi)}"
        threshold_mutant("threshold-10pct", new_t, missing)


def _number(literal: A.Expr, value: float) -> A.Expr:
    inner = _unwrap(literal)
    assert isinstance(inner, A.NumberLiteral)
    new: A.Expr = dataclasses.replace(inner, value=value)
    return paren(new) if isinstance(literal, A.Paren) else new


def _nearest_nudges(site: Site, values: tuple[float, ...]) -> Iterator[tuple[float, float]]:
    """(value, new threshold): for the value closest to the threshold on each side of the
    comparison, a short threshold that moves that value (and no other observed one) across."""
    t = site.threshold
    if t is None or site.op in _NEGATE:
        return
    finite = [v for v in values if math.isfinite(v)]
    for side in (True, False):
        candidates = [v for v in finite if site.holds(v) == side]
        if not candidates:
            continue
        v = min(candidates, key=lambda w: (abs(w - t), w))

        def crosses_only_v(d: float, v: float = v) -> bool:
            # "Just past": no farther from the value than the value is from the threshold.
            if d == t or not math.isfinite(d) or abs(d - v) > abs(v - t) or site.holds(v, threshold=d) == site.holds(v):
                return False
            lo, hi = sorted((t, d))
            # Values that differ from it only by float noise (sums in another order) move with it.
            return all(site.holds(w, threshold=d) == site.holds(w) or abs(w - v) <= 1e-9 * max(1.0, abs(v))
                       for w in finite[bisect_left(finite, lo):bisect_right(finite, hi)])

        nudged = shortest_near(v, crosses_only_v)
        if nudged is not None:
            yield v, nudged


def _set_operator(b: _Builder, path: Path, node: A.Binary, parent: A.Expr | None) -> None:
    lhs, rhs = _short(node.lhs, 40), _short(node.rhs, 40)
    for op in sorted(A.SET_OPS - {node.op}):
        # Operators bind differently (`and`/`unless` before `or`): parentheses keep the tree.
        new: A.Expr = dataclasses.replace(
            node, op=op,
            lhs=paren(node.lhs) if isinstance(node.lhs, A.Binary) else node.lhs,
            rhs=paren(node.rhs) if isinstance(node.rhs, A.Binary) else node.rhs)
        if isinstance(parent, A.Binary):
            new = paren(new)
        if {node.op, op} == {"and", "or"}:
            missing = f"no test has {lhs} without a matching {rhs} (or the other way round)"
        elif {node.op, op} == {"and", "unless"}:
            missing = f"no test has {lhs} both with and without a matching {rhs}"
        else:
            missing = f"no test has {lhs} and {rhs} at the same time, and {rhs} alone"
        b.expr("set-operator", path, new, f"`{node.op}`", f"`{op}`", missing + f" ({_subject(b.rule)})")


def _rate_function(b: _Builder, path: Path, node: A.Call) -> None:
    arg = _short(node.args[0], 50) if node.args else ""
    window = ""
    inner = _unwrap(node.args[0]) if node.args else None
    if isinstance(inner, A.MatrixSelector):
        window = format_duration(inner.range_ms)
    for func in _RATE_SWAPS[node.func]:
        new = dataclasses.replace(node, func=func)
        if {node.func, func} == {"rate", "irate"}:
            missing = (f"no test has a counter whose per-second rate changes within the {window or 'range'} window "
                       f"of {arg} (irate reads only the last two samples)")
        else:
            missing = (f"no test tells {node.func}({arg}) from {func}({arg}) (per second vs. over the whole "
                       f"{window or 'range'}): a case where {_subject(b.rule)} depends on the counter's speed")
        b.expr("rate-function", path, new, f"{node.func}({arg})", f"{func}({arg})", missing)


def _range_window(b: _Builder, path: Path, node: A.MatrixSelector, parent: A.Expr | None) -> None:
    fn = parent.func if isinstance(parent, A.Call) else "the function"
    for new_range in (node.range_ms // 2, node.range_ms * 2):
        if new_range <= 0 or new_range == node.range_ms:
            continue
        new = dataclasses.replace(node, range_ms=new_range)
        missing = (f"no test distinguishes a {format_duration(node.range_ms)} window from a "
                   f"{format_duration(new_range)} one in {fn}(): an input that changes within "
                   f"{format_duration(max(node.range_ms, new_range))}")
        b.expr("range-window", path, new, _short(node, 60), _short(new, 60), f"{missing} ({_short(node.selector, 50)})")


def _grouping(b: _Builder, path: Path, node: A.Aggregate) -> None:
    inner = flow(node.expr)
    clause = "without" if node.without else "by"
    for label in node.grouping:
        rest = tuple(g for g in node.grouping if g != label)
        new = dataclasses.replace(node, grouping=rest)
        equivalent = None
        if not inner.can_have(label):
            equivalent = f"the aggregated series never have a {label!r} label"
        if node.without:
            missing = f"no test has {_short(node.expr, 50)} series that differ only in {label!r}"
        else:
            missing = (f"no test has {_short(node.expr, 50)} series with two different {label!r} values at once "
                       f"({node.op} would merge them)")
        b.expr("grouping-label", path, new, f"{node.op} {clause} ({', '.join(node.grouping)})",
               f"{node.op} {clause} ({', '.join(rest)})", missing, equivalent=equivalent)


def _matchers(b: _Builder, path: Path, node: A.VectorSelector) -> None:
    metric = node.name or _short(node, 40)
    for i, m in enumerate(node.matchers):
        if m.name == "__name__":
            continue
        dropped = dataclasses.replace(node, matchers=node.matchers[:i] + node.matchers[i + 1:])
        equivalent = None
        if m.op == "=~" and m.value in (".*", "(.*)", ".*?"):
            equivalent = f"{m} matches every value"
        b.expr("matcher-drop", path, dropped, str(m), "(dropped)",
               f"no test has a {metric} series with {m.name} not matching {m} (the selector must leave it out)",
               equivalent=equivalent)
        flipped = dataclasses.replace(m, op=_MATCH_NEGATION[m.op])
        negated = dataclasses.replace(node, matchers=(*node.matchers[:i], flipped, *node.matchers[i + 1:]))
        b.expr("matcher-negate", path, negated, str(m), str(flipped),
               f"no test depends on {metric} series matching {m}: a case where {_subject(b.rule)} comes from them")


def _fires_at(for_ms: int, interval_ms: int) -> int:
    """Evaluations after the condition starts holding at which an alert with this `for` fires."""
    return -(-for_ms // interval_ms)


def _distinct(a: int, b_ms: int, intervals: tuple[int, ...]) -> bool:
    return not intervals or any(_fires_at(a, i) != _fires_at(b_ms, i) for i in intervals)


def _durations(b: _Builder) -> None:
    rule = b.rule
    name = rule.name
    intervals = b.ctx.intervals_ms
    step = max(intervals) if intervals else 60_000
    f = rule.for_ms
    if f > 0:
        shorter = next((s for s in (f // 2 // 1000 * 1000, f - step) if 0 < s < f and _distinct(s, f, intervals)), None)
        for new in (shorter, 0):
            if new is None:
                continue
            when = f"once its condition has held for {format_duration(new)}" if new else "as soon as its condition holds"
            b.field("for", f"for: {format_duration(f)}", f"for: {format_duration(new)}",
                    f"no test checks that {name} is not firing yet {when} (pending until {format_duration(f)})",
                    for_ms=new)
    longer = f * 2 if f > 0 else step
    if _distinct(longer, f, intervals):
        b.field("for", f"for: {format_duration(f)}", f"for: {format_duration(longer)}",
                f"no test checks that {name} fires once {format_duration(f)} have elapsed "
                f"(the mutant waits {format_duration(longer)})", for_ms=longer)
    k = rule.keep_firing_for_ms
    if k > 0:
        shorter = next((s for s in (k // 2 // 1000 * 1000, k - step) if 0 < s < k and _distinct(s, k, intervals)), None)
        for new in (shorter, 0):
            if new is None:
                continue
            b.field("keep-firing-for", f"keep_firing_for: {format_duration(k)}",
                    f"keep_firing_for: {format_duration(new)}",
                    f"no test checks that {name} keeps firing for {format_duration(k)} after its condition clears",
                    keep_firing_for_ms=new)
    longer = k * 2 if k > 0 else step
    b.field("keep-firing-for", f"keep_firing_for: {format_duration(k)}", f"keep_firing_for: {format_duration(longer)}",
            f"no test checks that {name} stops firing " + (f"{format_duration(k)} after its condition clears"
                                                          if k else "as soon as its condition clears"),
            keep_firing_for_ms=longer)


def _labels(b: _Builder) -> None:
    rule = b.rule
    name = rule.name
    for k, v in rule.labels:
        changed = labels_from({**dict(rule.labels), k: v + "_mutant"})
        missing = (f"no test expects {name} to fire (exp_labels would compare {k}={v!r})" if rule.is_alert
                   else f"no promql_expr_test checks the {k!r} label of {name}'s series")
        b.field("label", f"label {k}: {v!r}", f"{k}: {v + '_mutant'!r}", missing, labels=changed)
    if not rule.is_alert:
        return
    for k, v in rule.annotations:
        changed = tuple(sorted({**dict(rule.annotations), k: v + " (mutant)"}.items()))
        b.field("annotation", f"annotation {k}", f"{k} + ' (mutant)'",
                f"no test expects {name} to fire with exp_annotations (it would compare {k})", annotations=changed)
