"""Checks across all linted rules: duplicates (promtool check rules parity)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from ruletest.lint.context import RuleContext
from ruletest.lint.flow import NAME, Flow, flow
from ruletest.lint.model import Severity, check
from ruletest.promql import ast as A
from ruletest.rules.model import Rule

Out = Iterator[tuple[str, int | None, str]]


def _same_definition(ctx: RuleContext) -> Iterator[Rule]:
    """Earlier rules of the same file with this rule's kind, name and static labels: what
    promtool check rules calls duplicates."""
    key = (ctx.rule.kind, ctx.rule.name, ctx.rule.labels)
    for g in ctx.lint.groups:
        if g.file != ctx.rule.file:
            continue
        for r in g.rules:
            if r is not ctx.rule and (r.kind, r.name, r.labels) == key and \
                    (r.file, r.line) < (ctx.rule.file, ctx.rule.line):
                yield r


def separating_label(a: Flow, b: Flow, static: frozenset[str]) -> str | None:
    """A label on which every output series of ``a`` differs from every output series of ``b``
    (so the two never write the same series), or None when they can overlap. ``static`` labels
    are set by both rules to the same value, so they separate nothing."""
    labels = {k for k, _ in a.values} | {k for k, _ in b.values} | {k for k, _ in a.constraints} | {
        k for k, _ in b.constraints} | a.guaranteed | b.guaranteed
    for label in sorted(labels - static - {NAME}):
        if _apart(a, b, label) or _apart(b, a, label):
            return label
    return None


def _apart(a: Flow, b: Flow, label: str) -> bool:
    known = a.known(label)
    if known is not None and not any(b.admits(label, v) for v in known):
        return True  # `job="a"` vs `job="b"`, `handler="/q"` vs `handler!="/q"`
    if known == frozenset({""}) and label in b.guaranteed:
        return True  # one side never has the label, the other always does
    mine = _prefixes(a, label)
    if mine is None:
        return False
    theirs = _prefixes(b, label)
    if theirs is not None and all(not x.startswith(y) and not y.startswith(x) for x in mine for y in theirs):
        return True  # `code=~"2.."` vs `code=~"3.."`
    # `instance=~"dse-k8s-.*"` vs `instance!~"dse-k8s.*"`
    return any(all(p.startswith(q) for p in mine) for m in b.matchers(label) if m.op == "!~"
               for q in _any_suffix(m.value))


def _prefixes(f: Flow, label: str) -> set[str] | None:
    """Literal prefixes one of which every value of ``label`` starts with, when known."""
    known = f.known(label)
    if known is not None:
        return set(known)
    for m in f.matchers(label):
        if m.op == "=~":
            found = regex_prefixes(m.value)
            if found is not None:
                return found
    return None


_QUANTIFIERS = "*?{"


def _alternatives(pattern: str) -> list[str] | None:
    """Top-level alternatives of a regex, one wrapping group removed; None if unbalanced."""
    p = pattern[1:] if pattern.startswith("^") else pattern
    p = p[:-1] if p.endswith("$") and not p.endswith("\\$") else p
    for prefix in ("(?:", "("):
        if p.startswith(prefix) and p.endswith(")") and _balanced(p[len(prefix):-1]):
            p = p[len(prefix):-1]
            break
    out, depth, start, i = [], 0, 0, 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        depth += c == "("
        depth -= c == ")"
        if c == "|" and depth == 0:
            out.append(p[start:i])
            start = i + 1
        i += 1
    return [*out, p[start:]] if depth == 0 else None


def _balanced(p: str) -> bool:
    depth = 0
    i = 0
    while i < len(p):
        if p[i] == "\\":
            i += 2
            continue
        depth += p[i] == "("
        depth -= p[i] == ")"
        if depth < 0:
            return False
        i += 1
    return depth == 0


def _literal_head(alt: str) -> tuple[str, str]:
    """The literal characters an alternative starts with, and what follows them."""
    head: list[str] = []
    i = 0
    while i < len(alt):
        c = alt[i]
        if c == "\\" and i + 1 < len(alt) and not alt[i + 1].isalnum():
            ch, nxt = alt[i + 1], i + 2
        elif c in ".*+?()[]{}|^$\\":
            break
        else:
            ch, nxt = c, i + 1
        if nxt < len(alt) and alt[nxt] in _QUANTIFIERS:
            break  # `ab?`: the b is optional
        head.append(ch)
        i = nxt
    return "".join(head), alt[i:]


def regex_prefixes(pattern: str) -> set[str] | None:
    """Literal prefixes, one per alternative, that every match of the anchored regex starts
    with (`5..` -> {"5"}, `dse-k8s-.*|ms-.*` -> {"dse-k8s-", "ms-"}); None when an alternative
    has none."""
    alts = _alternatives(pattern)
    if alts is None:
        return None
    out = set()
    for alt in alts:
        head, _ = _literal_head(alt)
        if not head:
            return None
        out.add(head)
    return out


def _any_suffix(pattern: str) -> set[str]:
    """The literals Q of a regex made only of `Q.*` alternatives (everything starting with Q)."""
    alts = _alternatives(pattern)
    out = set()
    for alt in alts or []:
        head, rest = _literal_head(alt)
        if rest not in (".*", "(.*)") or not head:
            return set()
        out.add(head)
    return out


def shape(e: A.Expr) -> str:
    """``e`` with its label matchers (but the metric name) and numbers blanked: two rules with
    the same shape are one rule written twice, for other series or thresholds."""
    if isinstance(e, A.VectorSelector):
        return e.name or "{}"
    if isinstance(e, A.NumberLiteral):
        return "N"
    if isinstance(e, A.MatrixSelector):
        return f"{shape(e.selector)}[{e.range_ms}]"
    if isinstance(e, A.Paren):
        return shape(e.expr)
    parts = ",".join(shape(c) for c in A.children(e))
    head = e.func if isinstance(e, A.Call) else getattr(e, "op", type(e).__name__)
    if isinstance(e, A.Aggregate):
        head += f"{'without' if e.without else 'by'}({','.join(sorted(e.grouping))})"
    if isinstance(e, A.Binary) and e.matching is not None:
        m = e.matching
        head += f"{m.card}{'on' if m.on else 'ignoring'}({','.join(sorted(m.labels))})"
    return f"{head}({parts})"


def _overlap(ctx: RuleContext, other: Rule) -> tuple[bool, str | None]:
    """Whether ``other`` can write the series this rule writes: (same shape or certain to
    collide, what keeps them apart if anything: "their job labels differ", "their conditions
    never hold together")."""
    expr = ctx.lint.parsed(other.expr)
    if expr is None:
        return False, None
    theirs = flow(expr)
    mine = ctx.flow
    # Two recording rules whose results have no labels at all write one series, whatever they read.
    labelless = not ctx.rule.is_alert and all(
        f.possible is not None and not f.possible - {NAME} for f in (mine, theirs))
    alike = labelless or shape(ctx.expr) == shape(expr)
    label = separating_label(mine, theirs, frozenset(k for k, _ in ctx.rule.labels))
    if label is not None:
        return alike, f"their {label} labels differ, so they write different series"
    a, b = _threshold(ctx.expr), _threshold(expr)
    if a is not None and b is not None and a[0] == b[0] and not _intervals_meet(a[1], b[1]):
        return alike, "their conditions never hold together"
    return alike, None


Interval = tuple[float, bool, float, bool]  # low, low included, high, high included


def _threshold(e: A.Expr) -> tuple[str, Interval] | None:
    """`x > 80` as (shape of x, the values it keeps), for a rule that compares one expression
    with a number."""
    while isinstance(e, A.Paren):
        e = e.expr
    if not (isinstance(e, A.Binary) and e.op in A.COMPARISON_OPS and e.op != "!=" and not e.return_bool
            and e.matching is None):
        return None
    side, number, op = e.lhs, e.rhs, e.op
    while isinstance(number, A.Paren):
        number = number.expr
    if not isinstance(number, A.NumberLiteral):
        side, number = e.rhs, e.lhs
        while isinstance(number, A.Paren):
            number = number.expr
        op = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)
    if not isinstance(number, A.NumberLiteral):
        return None
    c, inf = float(number.value), float("inf")
    interval: Interval = {"==": (c, True, c, True), ">": (c, False, inf, False), ">=": (c, True, inf, False),
                          "<": (-inf, False, c, False), "<=": (-inf, False, c, True)}[op]
    return shape(side), interval


def _intervals_meet(a: Interval, b: Interval) -> bool:
    low, low_in = max((a[0], a[1]), (b[0], b[1]), key=lambda x: (x[0], not x[1]))
    high, high_in = min((a[2], a[3]), (b[2], b[3]), key=lambda x: (x[0], x[1]))
    return low < high or (low == high and low_in and high_in)


@check("rule/duplicate", Severity.ERROR, "the same rule written twice for overlapping series")
def duplicate(ctx: RuleContext) -> Out:
    """Two rules with the same name and labels and the same expression shape (the same rule
    copied, with other selectors or thresholds), whose results can share a label set: two
    recording rules then write the same series and overwrite each other, two alerts raise the
    same alert twice. Label-less recording rules of one name always collide, whatever their
    expressions. Not reported: rules kept apart by a label their expressions pin to different
    values (`job="a"` vs `job="b"`, `handler="x"` vs `handler!="x"`, `code=~"2.."` vs
    `code=~"3.."`, a constant `label_replace`) or by thresholds that never hold together
    (`x == 1` vs `x == 3`), and one alert or series defined by several different expressions (an
    alert with several conditions, a series recorded from several metrics), which promtool
    check rules reports since it compares only names and labels (`rule/promtool-duplicate`).
    Only rules of one file are compared: across files the same rule is often deployed to
    different Prometheus servers."""
    for r in _same_definition(ctx):
        alike, apart = _overlap(ctx, r)
        if alike and apart is None:
            yield f"{ctx.rule.kind} {ctx.rule.name} duplicates the rule at {r.file}:{r.line}: both can " \
                  "write the same series", ctx.rule.line, ctx.rule.name
            return


@check("rule/promtool-duplicate", Severity.WARNING, "same name and static labels, as promtool reports",
       default=False)
def promtool_duplicate(ctx: RuleContext) -> Out:
    """Off by default (`enable = ["rule/promtool-duplicate"]`), for parity with `promtool check
    rules`, which warns about two rules of a file with the same name and static labels whatever
    their expressions. Reports the pairs `rule/duplicate` leaves out (different expressions, or
    results that can never overlap); all of them when `rule/duplicate` is disabled."""
    for r in _same_definition(ctx):
        alike, why = _overlap(ctx, r)
        if why is not None or not alike or not ctx.config.runs("rule/duplicate", True):
            apart = f" ({why})" if why else ""
            yield f"{ctx.rule.kind} {ctx.rule.name} has the name and labels of the rule at {r.file}:{r.line}" \
                  f"{apart}", ctx.rule.line, ctx.rule.name
            return


@lru_cache(maxsize=256)
def _manifest(path: str) -> bool:
    """Whether the rule file is a Kubernetes PrometheusRule manifest."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "kind: PrometheusRule" in text


@check("rule/duplicate-identical", Severity.WARNING, "the same rule defined twice")
def duplicate_identical(ctx: RuleContext) -> Out:
    """The same rule (kind, name, labels and expression) in two files of one directory, which a
    server usually loads together (`rule_files: [rules/*.yml]`): the copies double the work and
    the notifications. Copies in different directories are taken to be deployed to different
    servers and are not reported, nor a PrometheusRule manifest and a plain rule file holding
    the same rules (one is applied by the operator, the other loaded by a server)."""
    key = (ctx.rule.kind, ctx.rule.name, ctx.rule.labels, ctx.rule.expr.strip())
    here = Path(ctx.rule.file).parent
    for r in ctx.lint.rules_by_identity.get(key, []):
        if r is ctx.rule or r.file == ctx.rule.file or Path(r.file).parent != here:
            continue  # same file: rule/duplicate reports it
        if _manifest(r.file) != _manifest(ctx.rule.file):
            continue  # a PrometheusRule and a plain rule file: one is for the operator, one for a server
        if (r.file, r.line) < (ctx.rule.file, ctx.rule.line):
            yield f"{ctx.rule.kind} {ctx.rule.name} is identical to the rule at {r.file}:{r.line}", \
                ctx.rule.line, ctx.rule.name
            return
