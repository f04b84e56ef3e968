"""The experimental ``info()`` function (``promql/info.go``): enrich series with the data labels
of info metrics (``target_info`` by default) that share their identifying labels (``instance``,
``job``), read from the same store as everything else, so a test's own ``target_info`` series
join as a server's would.

``info(v, {__name__=~".+_info", data=~".+"})``: the second argument's ``__name__`` matchers choose
the info metrics, its other matchers choose (and filter on) the data labels. Series of ``v`` that
are info metrics themselves are returned unchanged; a series no info series matches is kept
unless a data-label matcher needs a non-empty value.
"""

from __future__ import annotations

from collections.abc import Sequence

from ruletest.errors import PromQLEvalError
from ruletest.promql import ast as A
from ruletest.promql.values import METRIC_NAME, Labels, Sample, Value, Vector, format_labels, get_label, set_label
from ruletest.promql.vector_functions import Evaluator

TARGET_INFO = "target_info"
IDENTIFYING_LABELS = ("instance", "job")


def fn_info(q: Evaluator, e: A.Call, t: int) -> Value:
    dot_all = q.semantics.regex_dot_all
    ref = _reference_time(q, e.args[0], t)
    base = q.vector(e.args[0], t)
    data: dict[str, list[A.Matcher]] = {}
    name_matchers: list[A.Matcher] = []
    if len(e.args) > 1:
        selector = e.args[1]
        while isinstance(selector, A.Paren):
            selector = selector.expr
        assert isinstance(selector, A.VectorSelector)
        for m in selector.matchers:
            data.setdefault(m.name, []).append(m)
            if m.name == METRIC_NAME:
                name_matchers.append(m)
    else:
        name_matchers = [A.Matcher(METRIC_NAME, "=", TARGET_INFO)]
    effective = _effective_name_matchers(name_matchers)
    # Info series among the input are not enriched.
    ignored = {s.labels for s in base
               if all(m.matches(get_label(s.labels, METRIC_NAME), dot_all) for m in effective)}
    data_labels = {k: ms for k, ms in data.items() if k != METRIC_NAME}

    infos = _info_series(q, base, ignored, data_labels, name_matchers, ref)
    names = {get_label(labels, METRIC_NAME) for labels, _ in infos}
    by_signature: dict[Labels, tuple[Labels, int]] = {}
    for labels, ts in infos:
        sig = _signature(get_label(labels, METRIC_NAME), labels)
        existing = by_signature.get(sig)
        if existing is None or existing[1] < ts:
            by_signature[sig] = (labels, ts)  # the newest info sample wins
        elif existing[1] == ts:
            raise PromQLEvalError(f"found duplicate series for info metric: existing {format_labels(existing[0])} "
                                  f"@ {existing[1]}, new {format_labels(labels)} @ {ts}")
    needs_match = any(not m.matches("", dot_all) for ms in data_labels.values() for m in ms)
    out: list[Sample] = []
    for s in base:
        if s.labels in ignored:
            out.append(s)
            continue
        present = {k for k, _ in s.labels}
        added: dict[str, str] = {}
        matched = False
        for name in names:
            hit = by_signature.get(_signature(name, s.labels))
            if hit is None:
                continue
            matched = True
            for k, v in hit[0]:
                if k == METRIC_NAME or (data_labels and k not in data_labels):
                    continue
                if added.get(k, v) != v:
                    raise PromQLEvalError(f"conflicting label: {k}")
                if k not in present:
                    added[k] = v
        if not matched and needs_match:
            continue
        labels = s.labels
        for k, v in added.items():
            labels = set_label(labels, k, v)
        out.append(Sample(labels, s.value))
    seen: set[Labels] = set()
    for smpl in out:
        if smpl.labels in seen:
            raise PromQLEvalError("vector cannot contain metrics with the same labelset")
        seen.add(smpl.labels)
    return Vector(tuple(out))


def _effective_name_matchers(matchers: list[A.Matcher]) -> list[A.Matcher]:
    """The ``__name__`` matchers that select info series: as given when one is positive; with
    ``=~".+_info"`` added when all are negative; ``target_info`` when there are none."""
    if any(m.op in ("=", "=~") for m in matchers):
        return matchers
    if matchers:
        return [A.Matcher(METRIC_NAME, "=~", ".+_info"), *matchers]
    return [A.Matcher(METRIC_NAME, "=", TARGET_INFO)]


def _info_series(q: Evaluator, base: Sequence[Sample], ignored: set[Labels],
                 data_labels: dict[str, list[A.Matcher]], name_matchers: list[A.Matcher],
                 ref: int) -> list[tuple[Labels, int]]:
    """Info series sharing identifying label values with the input (``fetchInfoSeries``),
    with the time of the sample each has at ``ref``."""
    wanted: dict[str, set[str]] = {}
    for s in base:
        if s.labels in ignored:
            continue
        for name in IDENTIFYING_LABELS:
            value = get_label(s.labels, name)
            if value:
                wanted.setdefault(name, set()).add(value)
    if not wanted:
        return []
    matchers = [m for ms in data_labels.values() for m in ms] + _effective_name_matchers(name_matchers)
    out = []
    for labels, ts, _ in q.samples_at(matchers, ref):
        lm = dict(labels)
        if all(lm.get(name, "") in values for name, values in wanted.items()):
            out.append((labels, ts))
    return out


def _signature(name: str, labels: Labels) -> Labels:
    return tuple(sorted([(METRIC_NAME, name)] + [(k, v) for k, v in labels if k in IDENTIFYING_LABELS]))


def _reference_time(q: Evaluator, arg: A.Expr, t: int) -> int:
    """When the info series are read (``infoSelectTimestampAndOffset``): the first selector of the
    first argument sets it with its ``@`` and offset, shifted by the offsets of the subqueries
    around it up to the first one with an ``@``."""
    path: list[A.Expr] = []

    def find(n: A.Expr) -> A.VectorSelector | None:
        if isinstance(n, A.VectorSelector):
            return n
        path.append(n)
        for c in A.children(n):
            found = find(c)
            if found is not None:
                return found
        path.pop()
        return None

    vs = find(arg)
    if vs is None:
        return t
    at, offset = vs.at, vs.offset_ms
    for node in reversed(path):
        if at is not None:
            break
        if isinstance(node, A.Subquery):
            offset += node.offset_ms
            at = node.at
    if at is None:
        return t - offset
    base = at.ms if at.kind == "at" else q.start if at.kind == "start" else q.end
    return base - offset
