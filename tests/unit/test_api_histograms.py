"""Native histograms in the Python API (issue 11): ``Scenario.series`` takes them in promtool's
notation or as ``FloatHistogram`` values, ``Run.query_histograms`` returns them, and with the
Hypothesis strategy an SLO alert's property is stated against the drawn observations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruletest import strategies as rs
from ruletest.api import Scenario, ScenarioError
from ruletest.errors import RuletestError
from ruletest.promql.histograms import CounterResetHint, FloatHistogram, Span

# p95 of the requests of the last minute (the histogram now minus the one a minute ago: exact
# bucket counts, where increase() would scale them by its extrapolation) above 2 s.
RULES = """
groups:
  - name: slo
    rules:
      - record: h:copy
        expr: request_duration_seconds
      - alert: SlowP95
        expr: histogram_quantile(0.95, request_duration_seconds - request_duration_seconds offset 1m) > 2
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("rules") / "slo.yml"
    path.write_text(RULES)
    yield str(path)


def test_histograms_in_notation_and_as_values(rules: str) -> None:
    # The same counter two ways: 2 then 3 observations in the (0.5,1] bucket (schema 0, index 0).
    h2 = FloatHistogram(count=2, sum=1.5, positive_spans=(Span(0, 1),), positive_buckets=(2,))
    h3 = FloatHistogram(count=3, sum=2.5, positive_spans=(Span(0, 1),), positive_buckets=(3,))
    run = (Scenario([rules], interval="1m")
           .series('request_duration_seconds{src="notation"}', "{{count:2 sum:1.5 buckets:[2]}} {{count:3 sum:2.5 "
                   "buckets:[3]}}")
           .series('request_duration_seconds{src="values"}', [h2, h3])
           .run(until="1m"))
    got = run.query_histograms("h:copy", at="1m")
    # Stored as a counter: the second sample reads back not_reset (the TSDB's chunk hint).
    assert got == {f'h:copy{{src="{src}"}}': h3.with_hint(CounterResetHint.NOT_RESET) for src in ("notation", "values")}
    assert run.query("histogram_count(h:copy)", at="1m") == {'{src="notation"}': 3.0, '{src="values"}': 3.0}
    with pytest.raises(ScenarioError, match=r"returns native histograms .* use query_histograms"):
        run.query("h:copy", at="1m")
    with pytest.raises(ScenarioError, match=r"returns floats .* use query"):
        run.query_histograms("histogram_count(h:copy)", at="1m")


def test_histograms_need_prometheus_3(rules: str) -> None:
    # A notation error, as for any bad notation (a RuletestError, when the series is added).
    with pytest.raises(RuletestError, match="native histograms need Prometheus 3"):
        Scenario([rules], prometheus=2).series("request_duration_seconds", "{{count:1}}")
    with pytest.raises(ScenarioError, match="native histograms need Prometheus 3"):
        Scenario([rules], prometheus=2).series("request_duration_seconds", [FloatHistogram(count=1)]).run(until="1m")
    # An invalid histogram (a negative bucket count): Prometheus' Validate() refuses it.
    bad = FloatHistogram(count=1, positive_spans=(Span(0, 1),), positive_buckets=(-1,))
    with pytest.raises(ScenarioError, match="invalid histogram"):
        Scenario([rules]).series("request_duration_seconds", [bad]).run(until="1m")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rs.native_histogram_series(observations=st.floats(min_value=0.0, max_value=8.0), custom_bounds=[0.5, 1, 2, 4],
                                  steps=10, per_step=(0, 25)))
def test_p95_alert_fires_iff_more_than_5_percent_were_slower_than_2s(rules: str, s: rs.HistogramSeries) -> None:
    run = Scenario([rules], interval="15s").series("request_duration_seconds", s.values).run(until=s.end_s)
    for step in range(4, len(s.histograms)):  # a minute back is 4 scrapes back
        slow = s.fraction_above(2, step - 4, step)  # NaN (not > 0.05) when nothing was observed
        firing = run.state("SlowP95", at=step * s.interval_s) == "firing"
        assert firing is (slow > 0.05), (step, slow)
