from __future__ import annotations

from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import Scalar, Vector
from ruletest.semantics import FEATURE_EXPERIMENTAL_FUNCTIONS, Semantics
from ruletest.series import parse_series

MIN = 60_000


def engine(series: dict[str, str], prometheus: int = 3, interval_ms: int = MIN) -> Engine:
    st = Storage()
    for desc, values in series.items():
        spec = parse_series(desc, values)
        st.add_series(spec.labels, spec.values, 0, interval_ms)
    # Prometheus' own engine tests run with experimental functions enabled; so do these.
    return Engine(st, EngineOptions(Semantics.of(prometheus, [FEATURE_EXPERIMENTAL_FUNCTIONS])))


def result(e: Engine, expr: str, t_ms: int) -> dict[str, float]:
    """Query result as ``{'{a="b"}': value}`` (scalars under the key ``scalar``)."""
    from ruletest.promql.values import format_labels

    v = e.query(expr, t_ms)
    if isinstance(v, Scalar):
        return {"scalar": v.value}
    assert isinstance(v, Vector)
    return {format_labels(s.labels): s.value for s in v.samples}
