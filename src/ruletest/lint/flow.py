"""Label flow: which labels an expression's output always has, may have, or cannot have, which
values some of them can take; and whether it always returns something or filters (has a
condition).

``possible`` is ``None`` when any label may appear (a selector can return any label set) except
those in ``excluded`` (removed by ``without``, ``ignoring`` or a ``l=""`` matcher): "any label but
these". ``values`` holds, for some labels, every value the label can have on an output series,
``""`` standing for "absent" (``job="a"`` pins job to {"a"}, ``job=~"a|b"`` to {"a", "b"}, a
constant ``label_replace`` sets it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ruletest.promql import ast as A
from ruletest.promql.function_table import lookup, returns_no_labels
from ruletest.promql.regex import compile_anchored
from ruletest.records import record

NAME = "__name__"

Values = tuple[tuple[str, frozenset[str]], ...]


@record
class Flow:
    guaranteed: frozenset[str]
    possible: frozenset[str] | None
    always_returns: bool = False
    filters: bool = False
    excluded: frozenset[str] = frozenset()  # with possible None: labels that cannot appear
    values: Values = ()  # label -> every value it can take ("" = absent), for labels known so
    # label -> the other matchers every value satisfies (`job!="a"`, `code=~"5.."`, `pod!~"tmp-.*"`)
    constraints: tuple[tuple[str, frozenset[A.Matcher]], ...] = ()

    def can_have(self, label: str) -> bool:
        if self.possible is None:
            return label not in self.excluded
        return label in self.possible

    def known(self, label: str) -> frozenset[str] | None:
        """Every value ``label`` can take on an output series ("" when absent), None if unknown."""
        for name, vals in self.values:
            if name == label:
                return vals
        if not self.can_have(label):
            return frozenset({""})
        return None

    def matchers(self, label: str) -> frozenset[A.Matcher]:
        """Matchers every value of ``label`` satisfies, besides its known values."""
        for name, ms in self.constraints:
            if name == label:
                return ms
        return frozenset()

    def admits(self, label: str, value: str) -> bool:
        """Whether ``label`` can have ``value`` ("" = absent) on an output series."""
        known = self.known(label)
        if known is not None and value not in known:
            return False
        return all(_safe_match(m, value) for m in self.matchers(label))

    def without(self, *names: str) -> Flow:
        drop = frozenset(names)
        if self.possible is None:
            return _make(self.guaranteed - drop, None, self.always_returns, self.filters, self.excluded | drop,
                         self.values, self.constraints)
        return _make(self.guaranteed - drop, self.possible - drop, self.always_returns, self.filters, frozenset(),
                     self.values, self.constraints)

    def describe(self) -> str:
        """The labels the output can have, for messages."""
        if self.possible is None:
            gone = sorted(self.excluded - {NAME})
            return "any label but " + ", ".join(gone) if gone else "any label"
        return ", ".join(sorted(self.possible - {NAME})) or "none"


def _make(guaranteed: Iterable[str], possible: Iterable[str] | None, always_returns: bool = False,
          filters: bool = False, excluded: Iterable[str] = (),
          values: Mapping[str, frozenset[str]] | Iterable[tuple[str, frozenset[str]]] = (),
          constraints: Mapping[str, frozenset[A.Matcher]] | Iterable[tuple[str, frozenset[A.Matcher]]] = ()) -> Flow:
    """A Flow with its invariants: values only for labels that can appear, ``excluded`` only
    with an open label set, no negative constraint where the values are known."""
    poss = None if possible is None else frozenset(possible)
    excl = frozenset(excluded) if poss is None else frozenset()

    def can(label: str) -> bool:
        return label not in excl if poss is None else label in poss

    kept = tuple(sorted((k, x) for k, x in (values.items() if isinstance(values, Mapping) else values)
                        if can(k) and k != NAME and x))
    pinned = {k for k, _ in kept}
    cons = tuple(sorted(((k, x) for k, x in (constraints.items() if isinstance(constraints, Mapping) else constraints)
                         if can(k) and k != NAME and k not in pinned and x), key=lambda kx: kx[0]))
    return Flow(frozenset(guaranteed), poss, always_returns, filters, excl, kept, cons)


EMPTY = Flow(frozenset(), frozenset(), always_returns=True)
_META = set(".*+?()[]{}|^$\\")


_MAX_ALTERNATIVES = 256


def literal_alternatives(pattern: str) -> frozenset[str] | None:
    """The strings a fully anchored label regex matches when it is built from literals,
    alternation and groups only (``a|b``, ``(?:a|b)``, ``(run|stop)_sandbox``, ``^a\\.b$``);
    None when it uses any other regex syntax (classes, repetition, flags)."""
    parsed = _alternation(pattern, 0, top=True)
    if parsed is None or parsed[1] != len(pattern):
        return None
    return frozenset(parsed[0])


def _alternation(p: str, i: int, top: bool = False) -> tuple[set[str], int] | None:
    out: set[str] = set()
    while True:
        seq = _sequence(p, i, top)
        if seq is None:
            return None
        out |= seq[0]
        i = seq[1]
        if i < len(p) and p[i] == "|":
            i += 1
            continue
        return (out, i) if len(out) <= _MAX_ALTERNATIVES else None


def _sequence(p: str, i: int, top: bool) -> tuple[set[str], int] | None:
    strings = {""}
    start = i
    while i < len(p) and p[i] not in "|)":
        c = p[i]
        piece: set[str]
        if c == "(":
            if p.startswith("(?:", i):
                i += 3
            elif p.startswith("(?", i):
                return None  # flags, named groups
            else:
                i += 1
            inner = _alternation(p, i)
            if inner is None or inner[1] >= len(p) or p[inner[1]] != ")":
                return None
            piece, i = inner[0], inner[1] + 1
        elif c == "\\":
            if i + 1 >= len(p) or p[i + 1].isalnum():
                return None  # \d, \b, \pL...: a class or an assertion, not a literal
            piece, i = {p[i + 1]}, i + 2
        elif top and ((c == "^" and i == start) or (c == "$" and (i + 1 == len(p) or p[i + 1] == "|"))):
            i += 1  # anchors at the ends of an alternative change nothing in an anchored match
            continue
        elif c in _META:
            return None
        else:
            piece, i = {c}, i + 1
        strings = {a + b for a in strings for b in piece}
        if len(strings) > _MAX_ALTERNATIVES:
            return None
    return strings, i


def _matches_empty(m: A.Matcher) -> bool:
    if m.op == "=":
        return m.value == ""
    if m.op == "!=":
        return m.value != ""
    try:
        # Whether "." matches a newline cannot change whether the empty string matches.
        hit = compile_anchored(m.value, True).match("") is not None
    except Exception:
        return True
    return hit if m.op == "=~" else not hit


def matcher_values(m: A.Matcher) -> frozenset[str] | None:
    """The values a positive matcher admits when they are finitely many ("" = absent)."""
    if m.op == "=":
        return frozenset({m.value})
    if m.op == "=~":
        return literal_alternatives(m.value)
    return None


def selector_flow(vs: A.VectorSelector) -> Flow:
    guaranteed = frozenset(m.name for m in vs.matchers if not _matches_empty(m))
    # `l=""` or `l!~".+"`: only series without l match.
    only_empty = frozenset(m.name for m in vs.matchers if m.name != NAME and _only_empty(m))
    values: dict[str, frozenset[str]] = {}
    for m in vs.matchers:
        vals = matcher_values(m)
        if vals is not None and m.name != NAME:
            values[m.name] = values[m.name] & vals if m.name in values else vals
    constraints: dict[str, frozenset[A.Matcher]] = {}
    for m in vs.matchers:
        if m.name in values and m.op in ("!=", "!~"):
            values[m.name] = frozenset(v for v in values[m.name] if _safe_match(m, v))
        elif m.name not in values and m.name != NAME and m.op != "=":
            constraints[m.name] = constraints.get(m.name, frozenset()) | {m}
    return _make(guaranteed, None, excluded=only_empty, values=values, constraints=constraints)


def _safe_match(m: A.Matcher, value: str) -> bool:
    try:
        # Values pinned by matchers rarely hold a newline, where 2.x and 3.x anchoring differ.
        return m.matches(value, True)
    except Exception:
        return True  # an invalid regex is promql/syntax's business


def _only_empty(m: A.Matcher) -> bool:
    if m.op == "=":
        return m.value == ""
    if m.op == "!~":
        return m.value in (".+", "(.+)")
    return False


def flow(e: A.Expr) -> Flow:
    if isinstance(e, A.NumberLiteral | A.StringLiteral):
        return EMPTY
    if isinstance(e, A.VectorSelector):
        return selector_flow(e)
    if isinstance(e, A.MatrixSelector):
        return selector_flow(e.selector)
    if isinstance(e, A.Subquery | A.Paren):
        return flow(e.expr)
    if isinstance(e, A.Unary):
        return flow(e.expr).without(NAME)
    if isinstance(e, A.Call):
        return _call_flow(e)
    if isinstance(e, A.Aggregate):
        return _aggregate_flow(e)
    if isinstance(e, A.Binary):
        return _binary_flow(e)
    return Flow(frozenset(), None)


def _string_arg(e: A.Call, i: int) -> str | None:
    arg = unwrap(e.args[i]) if len(e.args) > i else None
    return arg.value if isinstance(arg, A.StringLiteral) else None


def _call_flow(e: A.Call) -> Flow:
    name = e.func
    fd = lookup(name)
    if fd is not None and returns_no_labels(fd, len(e.args)):
        return EMPTY
    if name in ("absent", "absent_over_time"):
        arg = e.args[0]
        while isinstance(arg, A.Paren):
            arg = arg.expr
        if isinstance(arg, A.MatrixSelector):
            arg = arg.selector
        pinned: dict[str, frozenset[str]] = {}
        if isinstance(arg, A.VectorSelector):
            pinned = {m.name: frozenset({m.value}) for m in arg.matchers if m.op == "=" and m.name != NAME}
        labels = frozenset(k for k, v in pinned.items() if v != frozenset({""}))
        return _make(labels, labels, always_returns=False, filters=True, values=pinned)
    inner_arg = next((a for a in e.args if a.type in ("vector", "matrix")), None)
    inner = flow(inner_arg) if inner_arg is not None else EMPTY
    if name == "histogram_quantile" or name == "histogram_fraction":
        return inner.without(NAME, "le")
    if name in ("label_replace", "label_join"):
        return _label_write(e, inner)
    if fd is not None and fd.keeps_name:
        return inner
    return inner.without(NAME)


def _label_write(e: A.Call, inner: Flow) -> Flow:
    """label_replace / label_join: the destination label may now appear; a constant
    label_replace whose regex matches every value of its source sets it to that constant."""
    dst = _string_arg(e, 1)
    if dst is None:
        return _make(inner.guaranteed, None, inner.always_returns, inner.filters)
    constraints = {k: v for k, v in inner.constraints if k != dst}
    possible = None if inner.possible is None else inner.possible | {dst}
    excluded = inner.excluded - {dst}
    values = dict(inner.values)
    values.pop(dst, None)
    guaranteed = set(inner.guaranteed)
    replacement, src, regex = _string_arg(e, 2), _string_arg(e, 3), _string_arg(e, 4)
    if e.func == "label_replace" and replacement is not None and "$" not in replacement and src is not None \
            and regex is not None:
        src_values = inner.known(src) if src else frozenset({""})
        try:
            pattern = compile_anchored(regex, True)
        except Exception:
            pattern = None
        always = pattern is not None and (regex in (".*", "(.*)") or (
            src_values is not None and all(pattern.match(v) is not None for v in src_values)))
        old = inner.known(dst)
        if always:
            values[dst] = frozenset({replacement})
            if replacement:
                guaranteed.add(dst)
            else:
                guaranteed.discard(dst)
        elif old is not None:
            values[dst] = old | {replacement}
    return _make(guaranteed, possible, inner.always_returns, inner.filters, excluded, values, constraints)


def _aggregate_flow(e: A.Aggregate) -> Flow:
    inner = flow(e.expr)
    if e.op in ("topk", "bottomk", "limitk", "limit_ratio"):
        return inner
    if e.without:
        out = inner.without(NAME, *e.grouping)
    else:
        keep = frozenset(e.grouping)
        possible = keep if inner.possible is None else frozenset(keep & inner.possible)
        out = _make(keep & inner.guaranteed, possible, inner.always_returns, inner.filters,
                    values=[(k, v) for k, v in inner.values if k in keep], constraints=inner.constraints)
    if e.op == "count_values" and isinstance(e.param, A.StringLiteral):
        label = e.param.value
        widened = None if out.possible is None else frozenset(out.possible | {label})
        out = _make(out.guaranteed | {label}, widened, out.always_returns, out.filters, out.excluded - {label},
                    [(k, v) for k, v in out.values if k != label], [(k, v) for k, v in out.constraints if k != label])
    return out


def _guarantees(f: Flow, label: str, m: A.Matcher) -> bool:
    """Whether every value of ``label`` on ``f``'s output satisfies ``m``."""
    known = f.known(label)
    if known is not None:
        return all(_safe_match(m, v) for v in known)
    return m in f.matchers(label)


def _matched(label: str, m: A.VectorMatching) -> bool:
    """Whether two series must agree on ``label`` to match."""
    return label in m.labels if m.on else (label not in m.labels and label != NAME)


def _intersect(base: Flow, other: Flow, m: A.VectorMatching) -> dict[str, frozenset[str]]:
    """``base``'s known values, narrowed by what ``other`` allows on the labels both sides must
    share to match."""
    out = dict(base.values)
    for label in {k for k, _ in base.values} | {k for k, _ in other.values}:
        if not _matched(label, m):
            continue
        mine, theirs = base.known(label), other.known(label)
        if theirs is not None:
            out[label] = theirs if mine is None else mine & theirs
    return out


def _binary_flow(e: A.Binary) -> Flow:
    lhs, rhs = flow(e.lhs), flow(e.rhs)
    comparison = e.op in A.COMPARISON_OPS
    if e.lhs.type == "scalar" and e.rhs.type == "scalar":
        return EMPTY
    if e.matching is None:  # vector op scalar
        vec = lhs if e.lhs.type != "scalar" else rhs
        filters = vec.filters or (comparison and not e.return_bool)
        if comparison and not e.return_bool:
            return _make(vec.guaranteed, vec.possible, False, filters, vec.excluded, vec.values, vec.constraints)
        return vec.without(NAME)
    m = e.matching
    if e.op == "or":
        if lhs.possible is not None and rhs.possible is not None:
            possible: frozenset[str] | None = lhs.possible | rhs.possible
            excluded: frozenset[str] = frozenset()
        else:
            possible = None
            excluded = frozenset(label for label in (lhs.excluded | rhs.excluded)
                                 if not lhs.can_have(label) and not rhs.can_have(label))
        values: dict[str, frozenset[str]] = {}
        for label in {k for k, _ in lhs.values} | {k for k, _ in rhs.values}:
            left, right = lhs.known(label), rhs.known(label)
            if left is not None and right is not None:
                values[label] = left | right
        # A matcher every series of both sides satisfies.
        constraints = {label: frozenset(m for m in lhs.matchers(label) | rhs.matchers(label)
                                        if _guarantees(lhs, label, m) and _guarantees(rhs, label, m))
                       for label in {k for k, _ in lhs.constraints} | {k for k, _ in rhs.constraints}}
        return _make(lhs.guaranteed & rhs.guaranteed, possible, lhs.always_returns or rhs.always_returns,
                     lhs.filters and rhs.filters, excluded, values, constraints)
    if e.op in ("and", "unless"):
        kept = _intersect(lhs, rhs, m) if e.op == "and" else dict(lhs.values)
        return _make(lhs.guaranteed, lhs.possible, False, True, lhs.excluded, kept, lhs.constraints)
    base, other = (lhs, rhs) if m.card != "one-to-many" else (rhs, lhs)
    narrowed = _intersect(base, other, m)
    out = _make(base.guaranteed, base.possible, base.always_returns, base.filters, base.excluded, narrowed,
                base.constraints)
    if not (comparison and not e.return_bool):
        out = out.without(NAME)
    if m.card == "one-to-one":
        if m.on:
            keep = frozenset(m.labels)
            possible = keep if out.possible is None else frozenset(keep & out.possible)
            out = _make(out.guaranteed & keep, possible, out.always_returns, out.filters, values=out.values,
                        constraints=out.constraints)
        else:
            out = out.without(*m.labels)
    if m.include:
        # group_x(l): l is copied from the "one" side, and removed where that side lacks it.
        include = frozenset(m.include)
        possible = None if out.possible is None else out.possible | include
        values = {k: v for k, v in out.values if k not in include}
        for label in include:
            known = other.known(label)
            if known is not None:
                values[label] = known
        out = _make((out.guaranteed - include) | (other.guaranteed & include), possible, out.always_returns,
                    out.filters, out.excluded - include, values, [(k, v) for k, v in out.constraints if k not in include])
    filters = lhs.filters or rhs.filters or (comparison and not e.return_bool)
    return _make(out.guaranteed, out.possible, lhs.always_returns and rhs.always_returns, filters, out.excluded,
                 out.values, out.constraints)


def selectors(e: A.Expr) -> list[tuple[A.VectorSelector, list[A.Expr]]]:
    """Every vector selector with its ancestors (outermost first)."""
    out: list[tuple[A.VectorSelector, list[A.Expr]]] = []

    def walk(n: A.Expr, path: list[A.Expr]) -> None:
        if isinstance(n, A.VectorSelector):
            out.append((n, path))
            return
        for c in A.children(n):
            walk(c, [*path, n])

    walk(e, [])
    return out


def value_selectors(e: A.Expr) -> list[tuple[A.VectorSelector, list[A.Expr]]]:
    """Selectors whose samples' values reach the result: the "one" side of a group_left /
    group_right join (an info metric) and the right side of and/unless only filter or add labels."""
    out: list[tuple[A.VectorSelector, list[A.Expr]]] = []

    def walk(n: A.Expr, path: list[A.Expr]) -> None:
        if isinstance(n, A.VectorSelector):
            out.append((n, path))
            return
        if isinstance(n, A.Binary) and n.matching is not None:
            if n.op in ("and", "unless") or n.matching.card == "many-to-one":
                walk(n.lhs, [*path, n])
                return
            if n.matching.card == "one-to-many":
                walk(n.rhs, [*path, n])
                return
        for c in A.children(n):
            walk(c, [*path, n])

    walk(e, [])
    return out


def walk(e: A.Expr) -> list[A.Expr]:
    """Every node of ``e`` (parents before children)."""
    out: list[A.Expr] = []
    stack = [e]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(A.children(n)))
    return out


def unwrap(e: A.Expr) -> A.Expr:
    while isinstance(e, A.Paren):
        e = e.expr
    return e


def range_calls(e: A.Expr) -> list[tuple[A.Call, A.MatrixSelector]]:
    """Every function call with a range-vector selector argument (``rate(x[5m])``)."""
    out = []
    for n in walk(e):
        if isinstance(n, A.Call):
            for a in n.args:
                a = unwrap(a)
                if isinstance(a, A.MatrixSelector):
                    out.append((n, a))
    return out
