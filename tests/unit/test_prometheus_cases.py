"""Cases from Prometheus 3's own engine tests (promql/promqltest/testdata/functions.test): the
data and expected values are Prometheus', evaluated here with the default (3.x) semantics."""

from __future__ import annotations

import math

import pytest

from tests.unit.helpers import engine, result

M5 = 5 * 60_000
MIN = 60_000

RESETS_CHANGES = {'http_requests{path="/foo"}': "1 2 3 0 1 0 0 1 2 0",
                  'http_requests{path="/bar"}': "1 2 3 4 5 1 2 3 4 5",
                  'http_requests{path="/biz"}': "0 0 0 0 0 1 1 1 1 1"}


@pytest.mark.parametrize(("expr", "expected"), [
    ("resets(http_requests[5m])", {}),
    ("resets(http_requests[10m])", {"/foo": 0, "/bar": 0, "/biz": 0}),
    ("resets(http_requests[20m])", {"/foo": 1, "/bar": 0, "/biz": 0}),
    ("resets(http_requests[32m])", {"/foo": 2, "/bar": 1, "/biz": 0}),
    ("resets(http_requests[50m])", {"/foo": 3, "/bar": 1, "/biz": 0}),
    ("changes(http_requests[5m])", {}),
    ("changes(http_requests[6m])", {"/foo": 0, "/bar": 0, "/biz": 0}),
    ("changes(http_requests[20m])", {"/foo": 2, "/bar": 2, "/biz": 0}),
    ("changes(http_requests[30m])", {"/foo": 3, "/bar": 4, "/biz": 0}),
    ("changes((http_requests[50m]))", {"/foo": 7, "/bar": 8, "/biz": 1}),
])
def test_resets_and_changes(expr: str, expected: dict[str, float]) -> None:
    got = result(engine(RESETS_CHANGES, interval_ms=M5), expr, 50 * MIN)
    assert got == {f'{{path="{k}"}}': float(v) for k, v in expected.items()}


def test_increase_extrapolation_and_zero_cutoff() -> None:
    e = engine({'c{path="/foo"}': "0+10x10", 'c{path="/bar"}': "0+18x5 0+18x5", 'c{path="/dings"}': "10+10x10",
                'c{path="/bumms"}': "1+10x10"}, interval_ms=M5)
    assert result(e, "increase(c[50m])", 50 * MIN) == {
        '{path="/foo"}': 100, '{path="/bar"}': 160, '{path="/dings"}': 100, '{path="/bumms"}': 100}
    assert result(e, "increase(c[100m])", 50 * MIN) == {
        '{path="/foo"}': 100, '{path="/bar"}': 162, '{path="/dings"}': 105, '{path="/bumms"}': 101}


def test_rate_resets_and_zero_cutoff() -> None:
    e = engine({"mid_total": "0+27x4 0+27x5", "end_total": "0+10x9 0 10"}, interval_ms=M5)
    assert result(e, "rate(mid_total[50m])", 50 * MIN) == {"{}": 0.08}
    assert result(e, "rate(end_total[5m])", 50 * MIN) == {}
    assert result(e, "rate(end_total[6m])", 50 * MIN) == {"{}": 0}
    z = engine({f'z{{start="{s}m"}}': f"{s * 60}+240x10" for s in range(6)}, interval_ms=4 * MIN)
    assert result(z, "rate(z[20m])", 10 * MIN) == {
        '{start="0m"}': 0.5, '{start="1m"}': 0.55, '{start="2m"}': 0.6, '{start="3m"}': 0.6,
        '{start="4m"}': 0.6, '{start="5m"}': 0.6}


def test_irate_with_nan() -> None:
    e = engine({"n": "1 NaN NaN 5 11"}, interval_ms=M5)
    got = [result(e, "irate(n[15m1s])", t * M5).get("{}") for t in range(5)]
    assert got[0] is None and all(math.isnan(v) for v in got[1:4]) and got[4] == 0.02  # type: ignore[arg-type]


def test_deriv_and_predict_linear() -> None:
    e = engine({"t_total": "0+10x4 0+10x5", "http_requests_inf": "-Inf 0+80x10 Inf"}, interval_ms=M5)
    assert result(e, "deriv(t_total[100m])", 50 * MIN) == {"{}": 0.010606060606060607}
    assert math.isnan(result(e, "deriv(http_requests_inf[100m])", 100 * MIN)["{}"])
    assert result(e, "predict_linear(t_total[50m], 3600)", 50 * MIN) == {"{}": 70}
    assert result(e, "predict_linear(t_total[50m], 1h)", 50 * MIN) == {"{}": 70}
    # With @ the data is fixed, but the prediction is made from the evaluation time.
    assert result(e, "predict_linear(t_total[55m] @ 3000, 3600)", 50 * MIN) == {"{}": 76.81818181818181}
    assert result(e, "predict_linear(t_total[55m] @ 3000, 3600)", 10 * MIN) == {"{}": 51.36363636363637}
    assert result(e, "predict_linear(t_total[55m] @ 3000, 3600)", 70 * MIN) == {"{}": 89.54545454545455}
