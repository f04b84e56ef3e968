"""ruletest's PromQL parser against Prometheus 3.14's own parser tests.

``tests/data/prometheus_parser/parse_test_3.14.json`` is the ``testExpr`` table of Prometheus'
``promql/parser/parse_test.go`` at v3.14.0 (Apache-2.0), extracted by ``extract.py`` beside it:
for each input, either every error Prometheus reports (byte range and message) or the tree it
builds. The tree is rebuilt here as a :mod:`ruletest.promql.ast` tree by rules written for this
test (the name matcher first, milliseconds, constant duration expressions folded, a unary ``+``
dropped), so the comparison covers node kinds, values and every position.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from ruletest.promql import ast as A
from ruletest.promql.lexer import Tok, byte_offset
from ruletest.promql.parser import ParseOptions, PromQLParseError, parse_promql
from ruletest.promql.signatures import functions

DATA = json.loads((Path(__file__).parent.parent / "data" / "prometheus_parser" / "parse_test_3.14.json")
                  .read_text())
CASES = DATA["cases"]
# TestParseExpressions' parser options.
OPTIONS = ParseOptions(3, experimental_functions=True, extended_range_selectors=True)


def _errors(case: dict[str, Any]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for e in case["errors"]:
        if isinstance(e, dict):
            start, dstart, end, dend, count, msg = e["repeat"]
            out.extend([start + i * dstart, end + i * dend, msg] for i in range(count))
        else:
            out.append(e)
    return out


def canon(e: Any) -> Any:
    """Every field of a tree, positions and printing flags included; NaN equal to NaN."""
    if dataclasses.is_dataclass(e) and not isinstance(e, type):
        return (type(e).__name__, *((f.name, canon(getattr(e, f.name))) for f in dataclasses.fields(e)))
    if isinstance(e, tuple | list):
        return tuple(canon(x) for x in e)
    if isinstance(e, float) and math.isnan(e):
        return "NaN"
    return e


class Expected:
    """Prometheus' expected tree (JSON of its Go structs) as a ruletest tree."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.raw = text.encode("utf-8", "surrogateescape")

    def cp(self, byte_pos: int) -> int:
        return len(self.raw[:byte_pos].decode("utf-8", "surrogateescape"))

    def rng(self, r: dict[str, int] | None) -> tuple[int, int]:
        r = r or {}
        return (self.cp(r.get("Start", 0)), self.cp(r.get("End", 0)))

    def start(self, n: dict[str, Any]) -> int:
        return self.pos(n)[0]

    def pos(self, n: dict[str, Any]) -> tuple[int, int]:
        t = n["_type"]
        if t in ("NumberLiteral", "StringLiteral", "VectorSelector", "Call", "AggregateExpr", "ParenExpr"):
            return self.rng(n.get("PosRange"))
        if t == "MatrixSelector":
            return (self.start(n["VectorSelector"]), self.cp(n["EndPos"]))
        if t == "SubqueryExpr":
            return (self.start(n["Expr"]), self.cp(n["EndPos"]))
        if t == "BinaryExpr":
            return (self.start(n["LHS"]), self.pos(n["RHS"])[1])
        if t == "UnaryExpr":
            return (self.cp(n.get("StartPos", 0)), self.pos(n["Expr"])[1])
        if t == "DurationExpr":
            lhs, rhs = n.get("LHS"), n.get("RHS")
            if lhs is None and rhs is None:
                return (self.cp(n.get("StartPos", 0)), self.cp(n.get("EndPos", 0)))
            if rhs is None:
                return (self.cp(n.get("StartPos", 0)), self.pos(lhs)[1])  # type: ignore[arg-type]
            if lhs is None:
                return (self.cp(n.get("StartPos", 0)), self.pos(rhs)[1])
            return (self.start(lhs), self.pos(rhs)[1])
        raise AssertionError(t)

    def expr(self, n: dict[str, Any]) -> A.Expr:
        t = n["_type"]
        if t == "NumberLiteral":
            return A.NumberLiteral(float(n["Val"]), duration=bool(n.get("Duration")), pos=self.pos(n))
        if t == "StringLiteral":
            return A.StringLiteral(n["Val"], pos=self.pos(n))
        if t == "VectorSelector":
            return self.selector(n)
        if t == "MatrixSelector":
            rng, rng_expr = self.duration(n.get("Range", 0), n.get("RangeExpr"), positive=True)
            return A.MatrixSelector(self.selector(n["VectorSelector"]), rng, range_expr=rng_expr, pos=self.pos(n))
        if t == "SubqueryExpr":
            rng, rng_expr = self.duration(n.get("Range", 0), n.get("RangeExpr"), positive=True)
            step, step_expr = self.duration(n.get("Step", 0), n.get("StepExpr"), positive=True)
            off, off_expr = self.duration(n.get("OriginalOffset", 0), n.get("OriginalOffsetExpr"), positive=False)
            return A.Subquery(self.expr(n["Expr"]), rng, step, off, self.at(n), range_expr=rng_expr,
                              step_expr=step_expr, offset_expr=off_expr, pos=self.pos(n))
        if t == "Call":
            sig = functions(3)[n["Func"]["Name"]]
            return A.Call(sig.name, tuple(self.expr(a) for a in n.get("Args") or ()), sig.return_type,
                          sig.experimental, pos=self.pos(n))
        if t == "AggregateExpr":
            grouping = n.get("Grouping")
            return A.Aggregate(Tok[n["Op"]["_ident"].replace("END", "END_KW")].text, self.expr(n["Expr"]),
                               self.expr(n["Param"]) if n.get("Param") else None, tuple(grouping or ()),
                               bool(n.get("Without")), grouping is not None or bool(n.get("Without")),
                               pos=self.pos(n))
        if t == "BinaryExpr":
            lhs, rhs = self.expr(n["LHS"]), self.expr(n["RHS"])
            vm = n.get("VectorMatching")
            matching = None
            if vm is not None:
                card = {"CardOneToOne": "one-to-one", "CardManyToOne": "many-to-one", "CardOneToMany": "one-to-many",
                        "CardManyToMany": "many-to-many"}[vm["Card"]["_ident"]] if "Card" in vm else "one-to-one"
                matching = A.VectorMatching(card, bool(vm.get("On")),  # type: ignore[arg-type]
                                            tuple(vm.get("MatchingLabels") or ()), tuple(vm.get("Include") or ()),
                                            vm.get("MatchingLabels") is not None)
            rtype = "scalar" if lhs.type == "scalar" and rhs.type == "scalar" else "vector"
            return A.Binary(Tok[n["Op"]["_ident"]].text, lhs, rhs, bool(n.get("ReturnBool")), matching,
                            rtype, pos=self.pos(n))  # type: ignore[arg-type]
        if t == "ParenExpr":
            inner = self.expr(n["Expr"])
            return A.Paren(inner, inner.type, pos=self.pos(n))
        if t == "UnaryExpr":
            inner = self.expr(n["Expr"])
            if n["Op"]["_ident"] == "ADD":
                return inner
            return A.Unary("-", inner, inner.type, pos=self.pos(n))
        if t == "DurationExpr":
            return self.duration_expr(n)
        raise AssertionError(t)

    def at(self, n: dict[str, Any]) -> A.At | None:
        if n.get("Timestamp") is not None:
            return A.At("at", n["Timestamp"])
        which = (n.get("StartOrEnd") or {}).get("_ident")
        return A.At("start") if which == "START" else A.At("end") if which == "END" else None

    def selector(self, n: dict[str, Any]) -> A.VectorSelector:
        matchers = [A.Matcher(m["Name"], m["Type"], m["Value"]) for m in n.get("LabelMatchers") or ()]
        name = n.get("Name") or None
        if name:
            matchers = [matchers[-1], *matchers[:-1]]
        off, off_expr = self.duration(n.get("OriginalOffset", 0), n.get("OriginalOffsetExpr"), positive=False)
        return A.VectorSelector(name, tuple(matchers), off, self.at(n), anchored=bool(n.get("Anchored")),
                                smoothed=bool(n.get("Smoothed")), offset_expr=off_expr, pos=self.pos(n))

    def duration(self, ns: int, expr: dict[str, Any] | None, positive: bool) -> tuple[int, A.DurationExpr | None]:
        if expr is None:
            return int(ns / 1_000_000), None
        value = self.evaluate(expr)
        if value is not None and math.isfinite(value) and (value > 0 or not positive) and abs(value) < 2**63 / 1e9:
            return int(value * 1000), None
        return 0, self.duration_expr(expr)

    def evaluate(self, n: dict[str, Any]) -> float | None:
        """promql/durations.go evaluateDurationExpr, without step() and range()."""
        if n["_type"] == "NumberLiteral":
            return float(n["Val"])
        op = n["Op"]["_ident"]
        if op in ("STEP", "RANGE"):
            return None
        lhs = self.evaluate(n["LHS"]) if n.get("LHS") else 0.0
        rhs = self.evaluate(n["RHS"]) if n.get("RHS") else 0.0
        if lhs is None or rhs is None:
            return None
        ops = {"ADD": lambda: lhs + rhs, "SUB": lambda: lhs - rhs if n.get("LHS") else -rhs,
               "MUL": lambda: lhs * rhs, "DIV": lambda: lhs / rhs if rhs else None,
               "MOD": lambda: math.fmod(lhs, rhs) if rhs else None, "POW": lambda: lhs ** rhs,
               "MIN_OF": lambda: min(lhs, rhs), "MAX_OF": lambda: max(lhs, rhs)}
        return ops[op]()  # type: ignore[no-any-return]

    def duration_expr(self, n: dict[str, Any]) -> A.DurationExpr:
        ops = {"ADD": "+", "SUB": "-", "MUL": "*", "DIV": "/", "MOD": "%", "POW": "^", "STEP": "step",
               "RANGE": "range", "MIN_OF": "min_of", "MAX_OF": "max_of"}

        def term(t: dict[str, Any] | None) -> Any:
            if t is None:
                return None
            if t["_type"] == "NumberLiteral":
                return A.NumberLiteral(float(t["Val"]), duration=bool(t.get("Duration")), pos=self.pos(t))
            return self.duration_expr(t)
        return A.DurationExpr(ops[n["Op"]["_ident"]], term(n.get("LHS")), term(n.get("RHS")),  # type: ignore[arg-type]
                              bool(n.get("Wrapped")), pos=self.pos(n))


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['input'][:40]}" for i, c in enumerate(CASES)])
def test_prometheus_parse_case(case: dict[str, Any]) -> None:
    text = case["input"]
    if case["fail"]:
        with pytest.raises(PromQLParseError) as info:
            parse_promql(text, OPTIONS)
        got = [[byte_offset(text, e.start), byte_offset(text, e.end), e.message] for e in info.value.errors]
        assert got == _errors(case)
    else:
        tree = parse_promql(text, OPTIONS)
        assert canon(tree) == canon(Expected(text).expr(case["expected"]))


def test_table_is_complete() -> None:
    # parse_test.go v3.14.0 testExpr: 351 cases, 145 of them failing.
    assert len(CASES) == 351
    assert sum(c["fail"] for c in CASES) == 145
