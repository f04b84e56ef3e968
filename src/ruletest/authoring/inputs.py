"""The input series an alert reads: its selectors, and through the recording rules it reads,
theirs; what kind of series each one is (gauge, counter, histogram bucket, trend); label values
that satisfy every matcher and agree across series so joins and aggregations line up.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ruletest.errors import PromQLSyntaxError, RuletestError
from ruletest.promql import ast as A
from ruletest.promql.regex import compile_anchored
from ruletest.promql.values import Labels, labels_from
from ruletest.records import record
from ruletest.rules.model import Rule

Kind = Literal["gauge", "counter", "bucket", "trend"]

COUNTER_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
TREND_FUNCS = frozenset({"deriv", "predict_linear", "delta", "idelta", "holt_winters", "double_exponential_smoothing"})
HISTOGRAM_FUNCS = frozenset({"histogram_quantile", "histogram_fraction"})
ABSENT_FUNCS = frozenset({"absent", "absent_over_time"})


class InputError(RuletestError):
    code = "scaffold/inputs"


@record
class Leaf:
    """One series the alert reads (directly or through recording rules)."""

    metric: str
    matchers: tuple[A.Matcher, ...]  # without the metric name
    kind: Kind
    via: str | None  # the recording rule whose expression selects it (None: the alert's own)
    in_absent: bool = False  # inside absent(): its absence is what fires

    def describe(self) -> str:
        inner = ", ".join(str(m) for m in self.matchers)
        return self.metric + ("{" + inner + "}" if inner else "")


@record
class Reading:
    """Everything the scaffold needs to know about what an alert reads."""

    leaves: tuple[Leaf, ...]
    recordings: tuple[Rule, ...]  # recording rules it reads, directly or not
    shared_labels: tuple[str, ...]  # labels every series should carry (by/on/templates)
    max_window_ms: int  # the longest range (plus offset) anything reads


def _template_labels(rule: Rule) -> set[str]:
    out = set()
    for _, text in (*rule.labels, *rule.annotations):
        out |= set(re.findall(r"\$labels\.([A-Za-z_]\w*)", text))
        out |= set(re.findall(r"\.Labels\.([A-Za-z_]\w*)", text))
        out |= set(re.findall(r"index\s+\$labels\s+\"([^\"]+)\"", text))
    return out


def _name(vs: A.VectorSelector) -> str | None:
    for m in vs.matchers:
        if m.name == "__name__" and m.op == "=":
            return m.value
    for m in vs.matchers:
        if m.name == "__name__" and m.op == "=~":
            return regex_example(m.value)
    return None


def read_by(rule: Rule, recorded: Mapping[str, Rule], version: int) -> Reading:
    """What ``rule`` reads; ``recorded``: recording rules by the name they record."""
    leaves: list[Leaf] = []
    recordings: list[Rule] = []
    shared: set[str] = set(_template_labels(rule))
    max_window = 0
    seen_rules: set[str] = set()

    def visit(r: Rule, via: str | None) -> None:
        nonlocal max_window
        try:
            root = A.parse(r.expr, version)
        except PromQLSyntaxError as exc:
            raise InputError(f"{r.where}: {exc.message}") from None
        stack: list[tuple[A.Expr, tuple[A.Expr, ...]]] = [(root, ())]
        while stack:
            node, ancestors = stack.pop()
            if isinstance(node, A.Aggregate) and not node.without:
                shared.update(node.grouping)
            if isinstance(node, A.Binary) and node.matching is not None:
                if node.matching.on:
                    shared.update(node.matching.labels)
                shared.update(node.matching.include)
            if isinstance(node, A.MatrixSelector):
                max_window = max(max_window, node.range_ms + max(node.selector.offset_ms, 0))
            if isinstance(node, A.Subquery):
                max_window = max(max_window, node.range_ms + max(node.offset_ms, 0))
            if isinstance(node, A.VectorSelector):
                max_window = max(max_window, node.offset_ms)
                name = _name(node)
                if name is None:
                    raise InputError(f"{r.where}: cannot tell which series {A.to_promql(node)} selects: it has no "
                                     "metric name")
                source = recorded.get(name)
                if source is not None:
                    if source.name not in seen_rules:
                        seen_rules.add(source.name)
                        recordings.append(source)
                        visit(source, source.name)
                    continue
                leaves.append(Leaf(name, tuple(m for m in node.matchers if m.name != "__name__"),
                                   _kind(name, ancestors), via,
                                   any(isinstance(a, A.Call) and a.func in ABSENT_FUNCS for a in ancestors)))
                continue
            for child in A.children(node):
                stack.append((child, (*ancestors, node)))

    visit(rule, None)
    unique = list(dict.fromkeys(leaves))
    shared.discard("__name__")
    shared.discard("le")
    return Reading(tuple(sorted(unique, key=lambda leaf: (leaf.via or "", leaf.metric))), tuple(recordings),
                   tuple(sorted(shared)), max_window)


def _kind(name: str, ancestors: Sequence[A.Expr]) -> Kind:
    funcs = [a.func for a in ancestors if isinstance(a, A.Call)]
    if any(f in HISTOGRAM_FUNCS for f in funcs) and name.endswith("_bucket"):
        return "bucket"
    for f in reversed(funcs):
        if f in COUNTER_FUNCS:
            return "counter"
        if f in TREND_FUNCS:
            return "trend"
    return "gauge"


# --- label values ---------------------------------------------------------------------------------


def regex_example(pattern: str) -> str:
    """A short string the (RE2, fully anchored) regex matches: ``5..`` gives ``500``."""
    try:
        candidate = _example(sre_parse.parse(pattern))
    except (re.error, _NoExample, RecursionError, TypeError, ValueError):
        candidate = None
    for c in ([candidate] if candidate is not None else []) + ["", "0", "a", "x", "500", "example"]:
        try:
            if compile_anchored(pattern, True).match(c) is not None:
                return c
        except Exception:
            break
    raise InputError(f"cannot find a label value matching the regex {pattern!r}")


class _NoExample(Exception):
    pass


def _example(parsed: Any) -> str:
    out = []
    for op, arg in parsed:
        if op == sre_constants.LITERAL:
            out.append(chr(arg))
        elif op == sre_constants.ANY:
            out.append("0")
        elif op == sre_constants.IN:
            out.append(_in_example(arg))
        elif op == sre_constants.BRANCH:
            out.append(_example(arg[1][0]))
        elif op == sre_constants.SUBPATTERN:
            out.append(_example(arg[-1]))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, _high, sub = arg
            out.append(_example(sub) * low)
        elif op == sre_constants.AT:
            continue
        elif op == sre_constants.NOT_LITERAL:
            out.append("a" if arg != ord("a") else "b")
        elif op == sre_constants.CATEGORY:
            out.append(_category(arg))
        else:
            raise _NoExample(str(op))
    return "".join(out)


def _category(cat: Any) -> str:
    name = str(cat)
    if "DIGIT" in name and "NOT" not in name:
        return "0"
    if "SPACE" in name and "NOT" not in name:
        return " "
    return "a"


def _in_example(items: Any) -> str:
    if items and items[0][0] == sre_constants.NEGATE:
        for c in "a0x_":
            if compile_anchored("[" + "".join(_in_text(i) for i in items[1:]) + "]", True).match(c) is None:
                return c
        raise _NoExample("negated class")
    op, arg = items[0]
    if op == sre_constants.LITERAL:
        return chr(arg)
    if op == sre_constants.RANGE:
        return chr(arg[0])
    if op == sre_constants.CATEGORY:
        return _category(arg)
    raise _NoExample(str(op))


def _in_text(item: Any) -> str:
    op, arg = item
    if op == sre_constants.LITERAL:
        return re.escape(chr(arg))
    if op == sre_constants.RANGE:
        return f"{re.escape(chr(arg[0]))}-{re.escape(chr(arg[1]))}"
    raise _NoExample(str(op))


def _satisfies(m: A.Matcher, value: str) -> bool:
    return m.matches(value, True)


def label_sets(leaves: Sequence[Leaf], shared: Sequence[str]) -> list[Labels]:
    """A label set per leaf: its matchers satisfied, shared labels equal across leaves."""
    preferred: dict[str, str] = {}
    for leaf in leaves:
        for m in leaf.matchers:
            if m.op == "=" and m.value and m.name not in preferred:
                preferred[m.name] = m.value
    out = []
    for leaf in leaves:
        labels: dict[str, str] = {"__name__": leaf.metric}
        constrained = {m.name for m in leaf.matchers}
        for name in shared:
            if name not in constrained:
                labels[name] = preferred.get(name, f"{name}-1")
        for name in dict.fromkeys(m.name for m in leaf.matchers):
            ms = [m for m in leaf.matchers if m.name == name]
            labels[name] = _value_for(name, ms, preferred.get(name))
        out.append(labels_from(labels))
    return out


def _value_for(name: str, matchers: Sequence[A.Matcher], preferred: str | None) -> str:
    candidates: list[str] = []
    for m in matchers:
        if m.op == "=":
            candidates.append(m.value)
        elif m.op == "=~":
            candidates.append(regex_example(m.value))
    candidates += [preferred or "", "", f"{name}-1", f"{name}-2", "other"]
    for c in candidates:
        if all(_satisfies(m, c) for m in matchers):
            return c
    raise InputError(f"cannot find a value for label {name!r} matching {', '.join(str(m) for m in matchers)}")
