"""The ``promql_parser`` (Rust, PyPI) side of :func:`ruletest.promql.ast.parse`: parse with it and
convert its tree, by hand-written recursion (its ``walk()`` is super-linear), into
:mod:`ruletest.promql.ast` nodes.

Anything this side cannot vouch for raises :class:`Reroute`, and ruletest's own parser decides
instead: a parse failure (its messages have no position and not Prometheus' wording), syntax it
gets wrong (``or`` inside braces, numbers and durations past Go's range), functions it accepts
that Prometheus 3.14 refuses or gates behind a feature flag. The Rust parser can panic; panics
derive from ``BaseException`` and print to file descriptor 2 before they are raised, so calls into
it run with that descriptor pointed at ``/dev/null``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import promql_parser as pp

from ruletest.promql import ast as A
from ruletest.promql.parse_options import ParseOptions, regex_error
from ruletest.promql.signatures import functions

_MAX_NS = 2**63 - 1


class Reroute(Exception):
    """This input is for ruletest's own parser."""


@lru_cache(maxsize=1)
def _devnull() -> int:
    return os.open(os.devnull, os.O_WRONLY)


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null: a Rust panic prints there before it is raised."""
    with suppress(OSError, ValueError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to protect
        yield
        return
    os.dup2(_devnull(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def parse(text: str, options: ParseOptions) -> A.Expr:
    with quiet_stderr():
        try:
            node = pp.parse(text)
            return _convert(node, options)
        except Reroute:
            raise
        except BaseException as exc:  # a ValueError, or a Rust panic (BaseException)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise Reroute(str(exc)) from None


def _ms(td: timedelta | None) -> int:
    if td is None:
        return 0
    total_us = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    if abs(total_us) * 1000 > _MAX_NS:
        raise Reroute("duration out of Go's range")
    return total_us // 1000 if total_us >= 0 else -((-total_us) // 1000)


_EPOCH = datetime(1970, 1, 1)


def _at(at: Any) -> A.At | None:
    if at is None:
        return None
    kind = str(at.type).rsplit(".", 1)[-1]
    if kind == "Start":
        return A.At("start")
    if kind == "End":
        return A.At("end")
    when = at.at  # negative timestamps panic here; the front layer routes them elsewhere
    delta = when.replace(tzinfo=None) - _EPOCH
    return A.At("at", _ms(delta))


_MATCH_OPS: dict[str, Literal["=", "!=", "=~", "!~"]] = {
    "Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~",
}


def _matcher(m: Any, version: int) -> A.Matcher:
    op = _MATCH_OPS[str(m.op).rsplit(".", 1)[-1]]
    if op in ("=~", "!~") and regex_error(m.value, version) is not None:
        raise Reroute("regex")
    return A.Matcher(m.name, op, m.value)


def _selector(vs: Any, version: int) -> A.VectorSelector:
    ms = vs.matchers
    if ms.or_matchers:
        raise Reroute("'or' inside a label matcher list is not PromQL")
    matchers = [_matcher(m, version) for m in ms.matchers]
    name = vs.name
    if name is not None and not any(m.name == "__name__" for m in matchers):
        matchers.insert(0, A.Matcher("__name__", "=", name))
    return A.VectorSelector(name, tuple(matchers), _ms(vs.offset), _at(vs.at))


def _convert(node: Any, options: ParseOptions) -> A.Expr:
    t = type(node)
    version = options.version
    if t is pp.NumberLiteral:
        return A.NumberLiteral(float(node.val))
    if t is pp.StringLiteral:
        return A.StringLiteral(node.val)
    if t is pp.VectorSelector:
        return _selector(node, version)
    if t is pp.MatrixSelector:
        return A.MatrixSelector(_selector(node.vector_selector, version), _ms(node.range))
    if t is pp.SubqueryExpr:
        return A.Subquery(_convert(node.expr, options), _ms(node.range), _ms(node.step), _ms(node.offset),
                          _at(node.at))
    if t is pp.ParenExpr:
        inner = _convert(node.expr, options)
        return A.Paren(inner, inner.type)
    if t is pp.UnaryExpr:
        inner = _convert(node.expr, options)
        return A.Unary("-", inner, inner.type)
    if t is pp.Call:
        name = node.func.name
        sig = functions(version).get(name)
        if sig is None or (sig.experimental and not options.experimental_functions):
            raise Reroute(f"function {name}")
        return A.Call(name, tuple(_convert(a, options) for a in node.args), sig.return_type, sig.experimental)
    if t is pp.AggregateExpr:
        op = str(node.op)
        if op in ("limitk", "limit_ratio") and not options.experimental_functions:
            raise Reroute(op)
        mod = node.modifier
        grouping: tuple[str, ...] = ()
        without = False
        if mod is not None:
            grouping = tuple(mod.labels)
            without = str(mod.type).rsplit(".", 1)[-1] == "Without"
        param = _convert(node.param, options) if node.param is not None else None
        return A.Aggregate(op, _convert(node.expr, options), param, grouping, without, mod is not None)
    if t is pp.BinaryExpr:
        return _binary(node, options)
    raise Reroute(f"node {t.__name__}")


_CARD: dict[str, Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"]] = {
    "OneToOne": "one-to-one", "ManyToOne": "many-to-one", "OneToMany": "one-to-many",
    "ManyToMany": "many-to-many",
}


def _binary(node: Any, options: ParseOptions) -> A.Binary:
    op = str(node.op)
    lhs = _convert(node.lhs, options)
    rhs = _convert(node.rhs, options)
    mod = node.modifier
    return_bool = bool(mod.return_bool) if mod is not None else False
    if mod is not None:
        fill = getattr(mod, "fill_values", None)
        if fill is not None and (getattr(fill, "lhs", None) is not None or getattr(fill, "rhs", None) is not None):
            raise Reroute("fill modifiers")
    rtype: A.ValueType = "scalar" if lhs.type == "scalar" and rhs.type == "scalar" else "vector"
    matching: A.VectorMatching | None = None
    if lhs.type == "vector" and rhs.type == "vector":
        card: Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"] = (
            "many-to-many" if op in A.SET_OPS else "one-to-one")
        on = False
        labels: tuple[str, ...] = ()
        include: tuple[str, ...] = ()
        if mod is not None:
            card = _CARD[str(mod.card).rsplit(".", 1)[-1]]
            if op in A.SET_OPS:
                card = "many-to-many"
            if mod.matching is not None:
                on = str(mod.matching.type).rsplit(".", 1)[-1] == "Include"
                labels = tuple(mod.matching.labels)
            if mod.group_labels is not None:
                include = tuple(mod.group_labels)
        matching = A.VectorMatching(card, on, labels, include, mod is not None and mod.matching is not None)
    return A.Binary(op, lhs, rhs, return_bool, matching, rtype)
