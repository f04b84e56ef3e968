from __future__ import annotations

import textwrap
from pathlib import Path

from ruletest.promql.engine import Engine, EngineOptions
from ruletest.promql.storage import Storage
from ruletest.promql.values import Scalar, Vector
from ruletest.promtool_format import load_test_file
from ruletest.results import FileResult
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import FEATURE_EXPERIMENTAL_FUNCTIONS, PROMETHEUS_3, Semantics
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


# --- test files run by the runner ----------------------------------------------------------------

# An alert on `up == 0` with a `for`, a label and a templated annotation.
DOWN_RULES = """
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 2m
        labels: {severity: page}
        annotations: {summary: '{{ $labels.job }} is down'}
"""

# Two instances down from 0m (with `for: 0m` both fire from the first evaluation); the test
# appends what to expect at 2m.
TWO_DOWN = """
- interval: 1m
  input_series:
    - series: 'up{job="a", instance="a:9100"}'
      values: '0 0 0'
    - series: 'up{job="b", instance="b:9100"}'
      values: '0 0 0'
  alert_rule_test:
    - alertname: Down
      eval_time: 2m
"""


def run_tests(tmp: Path, tests: str, rules: str = DOWN_RULES, **opts: object) -> FileResult:
    """Run the test groups ``tests`` (YAML, indented as a list) over ``rules`` in Prometheus 3 mode."""
    (tmp / "rules.yml").write_text(textwrap.dedent(rules))
    (tmp / "t.yml").write_text("rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n" + textwrap.indent(
        textwrap.dedent(tests), "  "))
    return run_test_file(load_test_file(tmp / "t.yml"), RunOptions(PROMETHEUS_3, **opts))  # type: ignore[arg-type]
