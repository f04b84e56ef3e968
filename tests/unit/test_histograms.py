"""Native histogram arithmetic against Prometheus's own expectations.

Sources (no expected value here comes from our own output):
- ``tests/data/histograms/float_histogram_test.json``: the case tables of Prometheus v3.14.0's
  ``model/histogram/float_histogram_test.go`` (and the float cases of ``histogram_test.go``'s
  ``TestHistogramValidation``), see that folder's README;
- tables transcribed below from ``model/histogram/generic_test.go`` and
  ``float_histogram_test.go`` (``TestFloatHistogramEquals``), cited per test;
- hand calculations, shown in the test;
- ``promqltest-3.14`` (Prometheus's engine tests, ``../shared``): every instant ``eval`` of a
  ``histogram_*`` function over a plain selector of loaded native histograms, with its
  expected result and annotation (``test_promqltest_histogram_functions``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruletest.promql import histograms as H
from ruletest.promql.histograms import Bucket, CounterResetHint, FloatHistogram, Span
from tests.needs import PROMQLTEST, params

DATA = Path(__file__).resolve().parent.parent / "data" / "histograms"
GO = json.loads((DATA / "float_histogram_test.json").read_text())["tests"]


def hist(d: dict[str, Any] | None) -> FloatHistogram:
    """A histogram from the transcribed Go tables."""
    assert d is not None
    f = d["__h__"]
    return FloatHistogram(
        counter_reset_hint=CounterResetHint(f.get("counter_reset_hint", "unknown")),
        schema=int(f.get("schema", 0)), zero_threshold=f.get("zero_threshold", 0.0),
        zero_count=f.get("zero_count", 0.0), count=f.get("count", 0.0), sum=f.get("sum", 0.0),
        positive_spans=tuple(Span(*s) for s in f.get("positive_spans", ())),
        positive_buckets=tuple(f.get("positive_buckets", ())),
        negative_spans=tuple(Span(*s) for s in f.get("negative_spans", ())),
        negative_buckets=tuple(f.get("negative_buckets", ())),
        custom_values=tuple(f.get("custom_values", ())))


def cases(name: str) -> list[Any]:
    return [pytest.param(c, id=str(c.get("name", i))) for i, c in enumerate(GO[name])]


def same(a: FloatHistogram | None, b: FloatHistogram | None) -> bool:
    """Go's require.Equal on two histograms: every field, floats compared as values with NaN
    equal to NaN (reflect.DeepEqual would not even do that; the Go tables avoid NaN there)."""
    if a is None or b is None:
        return a is b

    def key(h: FloatHistogram) -> tuple[Any, ...]:
        def f(v: float) -> Any:
            return "NaN" if math.isnan(v) else v
        return (h.counter_reset_hint, h.schema, f(h.zero_threshold), f(h.zero_count), f(h.count), f(h.sum),
                h.positive_spans, tuple(map(f, h.positive_buckets)), h.negative_spans,
                tuple(map(f, h.negative_buckets)), h.custom_values)
    return key(a) == key(b)


# --- arithmetic: model/histogram/float_histogram_test.go ---------------------------------------


@pytest.mark.parametrize("case", cases("TestFloatHistogramAdd"))
@pytest.mark.parametrize("swap", [False, True], ids=["in1+in2", "in2+in1"])
def test_add(case: dict[str, Any], swap: bool) -> None:
    a, b = (hist(case["in2"]), hist(case["in1"])) if swap else (hist(case["in1"]), hist(case["in2"]))
    assert a.validate() is None and b.validate() is None
    res = a.add(b)
    if case.get("expErrMsg"):
        assert case["expErrMsg"] == H.INCOMPATIBLE_SCHEMA_ERROR
        assert res.histogram is None
        return
    assert res.counter_reset_collision == case.get("expCounterResetCollision", False)
    assert res.nhcb_bounds_reconciled == case.get("expNHCBBoundsReconciled", False)
    if "expected" in case:
        assert res.histogram is not None
        assert same(res.histogram.compact(0), hist(case["expected"]).compact(0))


@pytest.mark.parametrize("case", cases("TestFloatHistogramAdd"))
@pytest.mark.parametrize("swap", [False, True], ids=["in1+in2", "in2+in1"])
def test_kahan_add_matches_add(case: dict[str, Any], swap: bool) -> None:
    # testHistogramKahanAdd: the sum plus its compensation equals the expected sum.
    a, b = (hist(case["in2"]), hist(case["in1"])) if swap else (hist(case["in1"]), hist(case["in2"]))
    res = a.kahan_add(b)
    if case.get("expErrMsg"):
        assert res.histogram is None and res.compensation is None
        return
    assert res.histogram is not None and res.compensation is not None
    # The compensation histogram shares the sum's layout.
    assert res.compensation.positive_spans == res.histogram.positive_spans
    assert res.compensation.negative_spans == res.histogram.negative_spans
    assert len(res.compensation.positive_buckets) == len(res.histogram.positive_buckets)
    assert res.counter_reset_collision == case.get("expCounterResetCollision", False)
    assert res.nhcb_bounds_reconciled == case.get("expNHCBBoundsReconciled", False)
    if "expected" in case:
        total = res.histogram.add(res.compensation).histogram
        assert total is not None
        assert same(total.compact(0), hist(case["expected"]).compact(0))


@pytest.mark.parametrize("case", cases("TestKahanAddWithCompHistogram"))
def test_kahan_add_with_compensation(case: dict[str, Any]) -> None:
    comp = hist(case["comp"]) if "comp" in case else None
    res = hist(case["in1"]).kahan_add(hist(case["in2"]), comp)
    assert res.counter_reset_collision == case.get("expCounterResetCollision", False)
    if "expectedSum" in case:
        assert res.histogram is not None and res.compensation is not None
        total = res.histogram.add(res.compensation).histogram
        assert total is not None
        assert same(total.compact(0), hist(case["expectedSum"]).compact(0))


@pytest.mark.parametrize("case", cases("TestFloatHistogramSub"))
def test_sub(case: dict[str, Any]) -> None:
    res = hist(case["in1"]).sub(hist(case["in2"]))
    if case.get("expErrMsg"):
        assert res.histogram is None
        return
    assert res.histogram is not None
    if "expected" in case:
        assert same(res.histogram.compact(0), hist(case["expected"]).compact(0))
    assert res.counter_reset_collision == case.get("expCounterResetCollision", False)
    assert res.nhcb_bounds_reconciled == case.get("expNHCBBoundsReconciled", False)


@pytest.mark.parametrize("case", cases("TestFloatHistogramMul"))
def test_mul(case: dict[str, Any]) -> None:
    assert same(hist(case["in"]).mul(case["scale"]), hist(case["expected"]))


@pytest.mark.parametrize("case", cases("TestFloatHistogramDiv"))
def test_div(case: dict[str, Any]) -> None:
    assert same(hist(case["fh"]).div(case["s"]), hist(case["expected"]))


@pytest.mark.parametrize("case", cases("TestFloatHistogramDetectReset"))
def test_detect_reset(case: dict[str, Any]) -> None:
    assert hist(case["current"]).detect_reset(hist(case["previous"])) is case["resetExpected"]


@pytest.mark.parametrize("case", cases("TestFloatHistogramCompact"))
def test_compact(case: dict[str, Any]) -> None:
    assert same(hist(case["in"]).compact(int(case["maxEmptyBuckets"])), hist(case["expected"]))


@pytest.mark.parametrize("case", cases("TestFloatHistogramCopyToSchema"))
def test_copy_to_schema(case: dict[str, Any]) -> None:
    assert same(hist(case["in"]).copy_to_schema(int(case["targetSchema"])), hist(case["expected"]))


@pytest.mark.parametrize("case", cases("TestFloatHistogramReduceResolution"))
def test_reduce_resolution(case: dict[str, Any]) -> None:
    origin = hist(case["origin"])
    if "errorMsg" in case:
        with pytest.raises(ValueError, match=re.escape(case["errorMsg"])):
            origin.reduce_resolution(int(case["targetSchema"]))
    else:
        assert same(origin.reduce_resolution(int(case["targetSchema"])), hist(case["target"]))


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("TestHistogramValidation"))
def test_validate(case: dict[str, Any]) -> None:
    assert hist(case["h"]).validate() == (case.get("errMsg") or None)


@pytest.mark.parametrize("case", cases("TestFloatHistogramValidateNegativeHistogram"))
def test_validate_rejects_negative_counts(case: dict[str, Any]) -> None:
    # The Go test only requires an error; the words are those of generic.go's errors.
    err = hist(case["fh"]).validate()
    assert err is not None and "negative" in err


# --- bucket iteration and bounds ---------------------------------------------------------------


def _bucket(d: dict[str, Any]) -> Bucket:
    return Bucket(d["Lower"], d["Upper"], d["LowerInclusive"], d["UpperInclusive"], d["Count"], int(d["Index"]))


@pytest.mark.parametrize("case", cases("TestFloatBucketIteratorTargetSchema"))
def test_buckets_at_lower_schema(case: dict[str, Any]) -> None:
    # The Go test iterates with target schema -1.
    h = hist(case["h"])
    assert h.buckets_at_schema(-1, positive=True) == [_bucket(b) for b in case["expPositiveBuckets"]]
    assert h.buckets_at_schema(-1, positive=False) == [_bucket(b) for b in case["expNegativeBuckets"]]


@pytest.mark.parametrize("case", cases("TestFloatCustomBucketsIterators"))
def test_custom_bucket_iterators(case: dict[str, Any]) -> None:
    h = hist(case["h"])
    expected = [_bucket(b) for b in case["expPositiveBuckets"]]
    assert h.all_buckets() == expected
    assert h.all_buckets_reverse() == expected[::-1]
    assert h.positive_bucket_list() == expected
    assert h.negative_bucket_list() == []
    assert h.buckets_at_schema(H.CUSTOM_BUCKETS_SCHEMA) == expected


def test_all_bucket_iterators_clip_buckets_to_the_zero_bucket() -> None:
    # TestAllFloatBucketIterator's rule: negative buckets ascending (upper bound clipped to
    # -zero_threshold), the zero bucket, positive buckets (lower bound clipped). Schema 0,
    # zero bucket 0.3: positive bucket -1 is (0.25,0.5] and becomes (0.3,0.5].
    h = FloatHistogram(schema=0, zero_threshold=0.3, zero_count=5, count=9,
                       positive_spans=(Span(-1, 2),), positive_buckets=(1, 2),
                       negative_spans=(Span(0, 1),), negative_buckets=(1,))
    assert h.all_buckets() == [
        Bucket(-1, -0.5, True, False, 1, 0),
        Bucket(-0.3, 0.3, True, True, 5, 0),
        Bucket(0.3, 0.5, False, True, 1, -1),
        Bucket(0.5, 1, False, True, 2, 0),
    ]
    assert h.all_buckets_reverse() == h.all_buckets()[::-1]


@pytest.mark.parametrize(("idx", "schema", "want"), [
    # model/histogram/generic_test.go TestGetBoundExponential
    (-1, -1, 0.25), (0, -1, 1), (1, -1, 4), (512, -1, 1.7976931348623157e308), (513, -1, math.inf),
    (-1, 0, 0.5), (0, 0, 1), (1, 0, 2), (1024, 0, 1.7976931348623157e308), (1025, 0, math.inf),
    (-1, 2, 0.8408964152537144), (0, 2, 1), (1, 2, 1.189207115002721), (4096, 2, 1.7976931348623157e308),
    (4097, 2, math.inf),
])
def test_bucket_bound(idx: int, schema: int, want: float) -> None:
    assert H.bucket_bound(idx, schema) == want


@pytest.mark.parametrize(("bucket", "v", "linear", "want"), [
    # model/histogram/generic_test.go TestBucketFractionBelow (compared within 1e-12 there)
    (Bucket(0, 10, False, True, 100), 5, True, 0.5),
    (Bucket(2, 6, False, True, 100), 3, True, 0.25),
    (Bucket(-10, -5, True, False, 100), -6, True, 0.8),
    (Bucket(2, 8, False, True, 100), 4, False, 0.5),
    (Bucket(1, 16, False, True, 100), 2, False, 0.25),
    (Bucket(-8, -2, True, False, 100), -4, False, 0.5),
    (Bucket(-4, -2, True, False, 100), -3, False, 0.41503749927884383),
])
def test_bucket_fraction_below(bucket: Bucket, v: float, linear: bool, want: float) -> None:
    assert bucket.fraction_below(v, linear) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("schema", [-4, -1, 0, 1, 3, 8])
@pytest.mark.parametrize("value", [1e-9, 0.001, 0.3, 0.5, 1, 1.5, 2, 3, 1000, 123456.789, 2**40])
def test_bucket_index_puts_a_value_between_the_bounds(schema: int, value: float) -> None:
    # By definition of the buckets: bound(i-1) < value <= bound(i).
    i = H.bucket_index(value, schema)
    assert H.bucket_bound(i - 1, schema) < value <= H.bucket_bound(i, schema)


def test_bucket_index_for_custom_bounds() -> None:
    bounds = (0.1, 0.5, 2.0)
    assert [H.bucket_index(v, H.CUSTOM_BUCKETS_SCHEMA, bounds) for v in (0.05, 0.1, 0.2, 2.0, 2.5)] == [0, 0, 1, 2, 3]


# --- equality ----------------------------------------------------------------------------------


def test_equals() -> None:
    # float_histogram_test.go TestFloatHistogramEquals.
    h1 = FloatHistogram(schema=3, count=2.2, sum=9.7, zero_threshold=0.1, zero_count=1.1,
                        positive_buckets=(3,), negative_buckets=(4,))

    def equal(a: FloatHistogram, b: FloatHistogram) -> bool:
        assert a.equals(b) == b.equals(a)
        return a.equals(b)

    assert equal(h1, FloatHistogram(**{f: getattr(h1, f) for f in h1.__dataclass_fields__}))
    for variant in (replace(h1, count=math.nan), replace(h1, zero_count=math.nan),
                    replace(h1, positive_buckets=(math.nan,)), replace(h1, negative_buckets=(math.nan,))):
        assert not equal(h1, variant)
        assert equal(variant, variant)  # NaN equals NaN bit for bit
    assert equal(h1, replace(h1, custom_values=(1, 2, 3)))  # ignored for exponential schemas
    cbh1 = FloatHistogram(schema=H.CUSTOM_BUCKETS_SCHEMA, count=2.2, sum=9.7, positive_spans=(Span(0, 1),),
                          positive_buckets=(3,), custom_values=(1, 2, 3))
    assert cbh1.validate() is None
    assert equal(cbh1, replace(cbh1))
    assert not equal(cbh1, replace(cbh1, custom_values=(1, 2, 3, 4)))
    assert not equal(cbh1, replace(cbh1, negative_spans=(Span(0, 1),), negative_buckets=(1,)))
    assert not equal(cbh1, replace(cbh1, zero_threshold=0.1, zero_count=10))


def test_equals_compares_layouts() -> None:
    # spansMatch (model/histogram/histogram.go): zero-length spans fold into the next span, but an
    # explicit empty bucket or a split into adjacent spans is a different layout.
    a = FloatHistogram(count=2, positive_spans=(Span(0, 2),), positive_buckets=(1, 1))
    assert a.equals(replace(a, positive_spans=(Span(0, 0), Span(0, 2))))
    assert not a.equals(replace(a, positive_spans=(Span(0, 1), Span(0, 1))))
    three = FloatHistogram(count=2, positive_spans=(Span(0, 3),), positive_buckets=(1, 0, 1))
    assert not three.equals(replace(three, positive_spans=(Span(0, 1), Span(1, 1)), positive_buckets=(1, 1)))
    assert three.compact(0).equals(replace(three, positive_spans=(Span(0, 1), Span(1, 1)),
                                              positive_buckets=(1, 1)))


def test_histograms_match_like_promqltest() -> None:
    # compareNativeHistogram (promql/promqltest/test.go): both compacted, counts within 1e-6
    # relative, layouts equal, the hint compared only when the expected one was written out.
    exp = FloatHistogram(count=3, sum=5, positive_spans=(Span(0, 3),), positive_buckets=(1, 0, 2))
    got = FloatHistogram(CounterResetHint.NOT_RESET, count=3.000000001, sum=5,
                         positive_spans=(Span(0, 1), Span(1, 1)), positive_buckets=(1, 2))
    assert H.histograms_match(exp, got, compare_hint=False)
    assert not H.histograms_match(exp, got, compare_hint=True)
    assert not H.histograms_match(exp, replace(got, count=3.1), compare_hint=False)
    assert not H.histograms_match(exp, replace(got, schema=1), compare_hint=False)
    # A bucket present in one and absent in the other is a layout difference, however small.
    assert not H.histograms_match(exp, replace(got, positive_spans=(Span(0, 3),), positive_buckets=(1, 1e-300, 2)),
                                  compare_hint=False)


def test_histogram_differences_name_the_notation_fields() -> None:
    exp = FloatHistogram(count=3, sum=5, positive_spans=(Span(0, 2),), positive_buckets=(1, 2))
    got = FloatHistogram(CounterResetHint.GAUGE, count=4, sum=5, zero_count=1,
                         positive_spans=(Span(0, 2),), positive_buckets=(1, 3))
    assert H.histogram_differences(exp, got) == ["count", "z_bucket", "counter_reset_hint", "buckets"]
    assert H.histogram_differences(exp, got, compare_hint=False) == ["count", "z_bucket", "buckets"]
    assert H.histogram_differences(exp, exp) == []


# --- counter reset hints ------------------------------------------------------------------------

R, N, U, G = CounterResetHint.RESET, CounterResetHint.NOT_RESET, CounterResetHint.UNKNOWN, CounterResetHint.GAUGE


@pytest.mark.parametrize(("mine", "other", "result", "collision"), [
    # adjustCounterReset (float_histogram.go): same hints stay; gauge wins; unknown wins over
    # reset/not_reset; reset meeting not_reset is a collision and becomes unknown.
    (R, R, R, False), (N, N, N, False), (G, R, G, False), (R, G, G, False), (U, R, U, False),
    (N, U, U, False), (R, N, U, True), (N, R, U, True),
])
def test_counter_reset_hint_of_a_sum(mine: CounterResetHint, other: CounterResetHint, result: CounterResetHint,
                                     collision: bool) -> None:
    res = FloatHistogram(mine, count=1).add(FloatHistogram(other, count=1))
    assert res.histogram is not None
    assert res.histogram.counter_reset_hint is result
    assert res.counter_reset_collision is collision


def test_detect_reset_follows_the_hint_first() -> None:
    # DetectReset: an explicit reset/not_reset hint decides without looking at the counts.
    prev = FloatHistogram(count=10, positive_spans=(Span(0, 1),), positive_buckets=(10,))
    lower = FloatHistogram(count=5, positive_spans=(Span(0, 1),), positive_buckets=(5,))
    higher = FloatHistogram(count=20, positive_spans=(Span(0, 1),), positive_buckets=(20,))
    assert lower.detect_reset(prev)
    assert not lower.with_hint(N).detect_reset(prev)
    assert higher.with_hint(R).detect_reset(prev)
    assert lower.with_hint(G).detect_reset(prev)  # gauges are treated like counters


def test_negative_factor_makes_a_gauge() -> None:
    h = FloatHistogram(N, count=2, positive_spans=(Span(0, 1),), positive_buckets=(2,))
    assert h.mul(-1).counter_reset_hint is G
    assert h.div(-2).counter_reset_hint is G
    assert h.mul(2).counter_reset_hint is N


def test_division_by_zero_drops_the_buckets() -> None:
    # Div: "Division by zero removes all buckets"; counts become +Inf (or NaN for 0/0).
    h = FloatHistogram(count=2, sum=0, zero_count=1, positive_spans=(Span(0, 1),), positive_buckets=(1,))
    d = h.div(0)
    assert d.count == math.inf and math.isnan(d.sum) and d.zero_count == math.inf
    assert d.positive_spans == () and d.positive_buckets == ()


# --- printed forms ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("TestFloatHistogramString"))
def test_go_string(case: dict[str, Any]) -> None:
    h = hist(case["fh"])
    assert h.validate() is None
    assert str(h) == h.go_string() == case["expected"]


def test_test_expression_compacts_and_orders_fields() -> None:
    # TestExpression: Compact(MaxInt) gives one span per side (empty buckets at the ends
    # dropped, gaps filled with zeros); fields in the fixed order schema, count, sum, z_bucket,
    # z_bucket_w, custom_values, counter_reset_hint, offset, buckets, n_offset, n_buckets; zero
    # values left out.
    h = FloatHistogram(G, schema=2, zero_threshold=0.001, count=6, sum=-1.5,
                       positive_spans=(Span(-2, 2), Span(2, 2)), positive_buckets=(0, 1, 2, 0),
                       negative_spans=(Span(1, 1),), negative_buckets=(3,))
    assert h.test_expression() == ("{{schema:2 count:6 sum:-1.5 z_bucket_w:0.001 counter_reset_hint:gauge "
                                   "offset:-1 buckets:[1 0 0 2] n_offset:1 n_buckets:[3]}}")
    nhcb = FloatHistogram(schema=-53, count=3, sum=1e6, positive_spans=(Span(1, 1),), positive_buckets=(3,),
                          custom_values=(0.5, 1))
    assert nhcb.test_expression() == "{{schema:-53 count:3 sum:1e+06 custom_values:[0.5 1] offset:1 buckets:[3]}}"
    assert FloatHistogram().test_expression() == "{{}}"


def test_test_expression_of_the_go_parser_tests() -> None:
    # promql/parser/parse_test.go TestHistogramTestExpression.
    for case in json.loads((DATA / "parse_test.json").read_text())["tests"]["TestHistogramTestExpression"]:
        assert hist(case["input"]).test_expression() == case["expected"], case["name"]


# --- functions of one histogram ----------------------------------------------------------------


SINGLE = FloatHistogram(schema=0, count=4, sum=5, positive_spans=(Span(1, 1),), positive_buckets=(4,))


def test_quantile_interpolates_exponentially() -> None:
    # Hand calculation: one bucket (1,2] with 4 observations; the median is 2**(0 + 1*0.5),
    # which Go's math.Exp2 rounds to 1.414213562373095 (native_histograms.test says so too:
    # "Median is 1.414213562373095 (2**2**-1, or sqrt(2)) due to exponential interpolation").
    assert H.histogram_quantile(0.5, SINGLE) == (1.414213562373095, ())
    assert H.histogram_quantile(1, SINGLE)[0] == 2
    assert H.histogram_quantile(0, SINGLE)[0] == 1
    assert H.histogram_quantile(-0.1, SINGLE)[0] == -math.inf
    assert H.histogram_quantile(1.1, SINGLE)[0] == math.inf
    assert math.isnan(H.histogram_quantile(math.nan, SINGLE)[0])
    assert math.isnan(H.histogram_quantile(0.5, FloatHistogram())[0])


def test_quantile_of_custom_buckets_is_linear() -> None:
    # Hand calculation: bounds 1, 2, 4; 10 observations in (2,4]; q=0.75 of 10 = 7.5th
    # observation; 2 in [-Inf..1] (lower bound taken as 0), 2 in (1,2], so 3.5 of 6 into (2,4]:
    # 2 + 2*3.5/6.
    h = FloatHistogram(schema=-53, count=10, sum=20, positive_spans=(Span(0, 3),), positive_buckets=(2, 2, 6),
                       custom_values=(1, 2, 4))
    assert H.histogram_quantile(0.75, h)[0] == 2 + 2 * (3.5 / 6)
    assert H.histogram_quantile(0.1, h)[0] == 0.5  # first bucket, interpolated from 0
    inf = replace(h, count=11, positive_spans=(Span(0, 4),), positive_buckets=(2, 2, 6, 1))
    assert H.histogram_quantile(0.99, inf)[0] == 4  # the +Inf bucket answers with its lower bound


def test_fraction_is_the_inverse_of_quantile() -> None:
    # HistogramFraction's doc: if HistogramQuantile(q, h) is x, HistogramFraction(-Inf, x, h) is q.
    x, _ = H.histogram_quantile(0.5, SINGLE)
    assert H.histogram_fraction(-math.inf, x, SINGLE)[0] == pytest.approx(0.5, rel=1e-12)
    assert H.histogram_fraction(1, 2, SINGLE) == (1.0, ())
    assert H.histogram_fraction(2, 1, SINGLE) == (0.0, ())
    assert math.isnan(H.histogram_fraction(math.nan, 1, SINGLE)[0])


def test_count_sum_avg() -> None:
    assert (H.histogram_count(SINGLE), H.histogram_sum(SINGLE), H.histogram_avg(SINGLE)) == (4, 5, 1.25)
    assert math.isnan(H.histogram_avg(FloatHistogram()))


def test_stddev_uses_bucket_midpoints() -> None:
    # Hand calculation (histogramVariance): buckets (1,2] with 1 and (2,4] with 1, geometric
    # midpoints sqrt(2) and sqrt(8); mean = sum/count = 3; variance = ((sqrt2-3)**2 + (sqrt8-3)**2)/2.
    h = FloatHistogram(count=2, sum=6, positive_spans=(Span(1, 2),), positive_buckets=(1, 1))
    want = ((math.sqrt(2) - 3) ** 2 + (math.sqrt(8) - 3) ** 2) / 2
    assert H.histogram_stdvar(h) == pytest.approx(want, rel=1e-15)
    assert H.histogram_stddev(h) == pytest.approx(math.sqrt(want), rel=1e-15)


def test_quantiles_label_values() -> None:
    # labels.FormatOpenMetricsFloat gives the q label: 0.5 -> "0.5", 1 -> "1.0", 0 -> "0.0".
    values, annos = H.histogram_quantiles([0.5, 1, 0], SINGLE, "m")
    assert values == [("0.5", 1.414213562373095), ("1.0", 2.0), ("0.0", 1.0)]
    assert annos == ()
    assert [H.format_openmetrics_float(v) for v in (2, -1, 1e21, 0.25, math.inf)] == ["2.0", "-1.0", "1e+21",
                                                                                        "0.25", "+Inf"]


def test_annotation_texts() -> None:
    # util/annotations/annotations.go, as the promqltest files spell them out.
    assert (H.quantile_nan_result_info("histogram_nan").text("1:23")
            == 'PromQL info: input to histogram_quantile has NaN observations, result is NaN for metric name '
               '"histogram_nan" (1:23)')
    assert (H.histogram_counter_reset_collision_warning("aggregation").text("1:31")
            == "PromQL warning: conflicting counter resets during histogram aggregation (1:31)")
    assert (H.mismatched_custom_buckets_info("subtraction").text("1:7")
            == "PromQL info: mismatched custom buckets were reconciled during subtraction (1:7)")
    assert (H.mixed_exponential_custom_histograms_warning("some_metric").text()
            == 'PromQL warning: vector contains a mix of histograms with exponential and custom buckets schemas '
               'for metric name "some_metric"')
    assert (H.native_histogram_not_gauge_warning("nhcb_metric").text("1:7")
            == 'PromQL warning: this native histogram metric is not a gauge: "nhcb_metric" (1:7)')
    assert (H.invalid_quantile_warning(math.nan).text()
            == "PromQL warning: quantile value should be between 0 and 1, got NaN")
    assert (H.mixed_floats_histograms_warning("http_requests_histogram").text("1:8")
            == 'PromQL warning: encountered a mix of histograms and floats for metric name '
               '"http_requests_histogram" (1:8)')
    assert (H.mixed_classic_native_histograms_warning("series").text("1:29")
            == 'PromQL warning: vector contains a mix of classic and native histograms for metric name "series" (1:29)')


# --- promqltest-3.14: one operation on loaded histograms -----------------------------------------
#
# A small reader of the engine-test language, independent of the engine: it keeps each series'
# samples and answers an `eval instant at T` whose expression is one histogram function over a
# selector, or one binary operator between selectors and numbers, from each selected series'
# latest sample within the 5m lookback. Cases whose inputs are not all native histograms
# (classic buckets, floats, NHCB conversion) and richer expressions belong to the engine.

Store = dict[tuple[tuple[str, str], ...], list[tuple[int, Any]]]

_FN = re.compile(r"^histogram_(quantile|fraction|count|sum|avg|stddev|stdvar|quantiles)\((.*)\)$")
_SELECTOR = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?$')
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|Inf|NaN)"
_OPERAND = rf"(?:[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{{[^}}]*\}})?|{_NUMBER})"
_BINOP = re.compile(rf"^({_OPERAND})\s*(\+|-|\*|/|==|!=|</|>/|>=|<=|>|<|\^|%|atan2)\s*"
                    rf"(?:ignoring\(([a-z_, ]*)\)\s*)?({_OPERAND})$")
_DURATION = re.compile(r"(\d+)(ms|s|m|h)")


def _ms(text: str) -> int:
    if text.isdigit():
        return int(text) * 1000
    units = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
    total, pos = 0, 0
    for m in _DURATION.finditer(text):
        assert m.start() == pos, text
        total += int(m.group(1)) * units[m.group(2)]
        pos = m.end()
    assert pos == len(text), text
    return total


def _split(line: str) -> tuple[str, str]:
    if line.startswith("{") and not line.startswith("{{"):
        end = line.index("}") + 1
        return line[:end], line[end:].strip()
    m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(.*)$", line)
    if m and not line[0].isdigit():
        return m.group(1), m.group(2)
    return "{}", line


def _promqltest_evals() -> list[tuple[str, int, int, str, list[str], Store]]:
    """(file, line, time, expression, body lines, loaded samples) of every instant eval made
    after plain ``load`` blocks (not ``load_with_nhcb``) and not expected to fail."""
    from ruletest.series import expand_values, parse_series_description

    out = []
    for path in sorted(PROMQLTEST.glob("*.test")):
        lines = path.read_text().splitlines()
        store: Store = {}
        usable = True
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            i += 1
            if line == "clear":
                store, usable = {}, True
            elif line.startswith("load"):
                step = _ms(line.split()[1])
                usable = usable and line.split()[0] == "load"
                store = dict(store)
                while i < len(lines) and lines[i][:1].isspace() and lines[i].strip():
                    raw = lines[i].strip()
                    i += 1
                    if re.match(r"^\S*@st\s", raw):  # start timestamps, not samples
                        continue
                    desc, values = _split(raw)
                    vals = expand_values(values, histograms=True)
                    store[parse_series_description(desc)] = [(k * step, v) for k, v in enumerate(vals) if v is not None]
            elif line.startswith("eval instant at "):
                m = re.match(r"^eval instant at (\S+) (.*)$", line)
                assert m
                body: list[str] = []
                first = i
                while i < len(lines) and lines[i][:1].isspace() and lines[i].strip():
                    body.append(lines[i].strip())
                    i += 1
                if usable and not any(b.startswith("expect fail") for b in body):
                    out.append((path.name, first, _ms(m.group(1)), m.group(2).strip(), body, store))
    return out


def _select(selector: str, at: int, store: Store) -> list[tuple[tuple[tuple[str, str], ...], FloatHistogram]] | None:
    """The selected series' histograms at ``at``, or None if any holds a float."""
    from ruletest.series import Stale, parse_series_description

    want = dict(parse_series_description(selector))
    out = []
    for labels, samples in store.items():
        if any(dict(labels).get(k) != v for k, v in want.items()):
            continue
        recent = [v for t, v in samples if at - 300_000 < t <= at]
        if not recent or isinstance(recent[-1], Stale):
            continue
        if not isinstance(recent[-1], FloatHistogram):
            return None
        out.append((labels, recent[-1]))
    return out


def _expectations(body: list[str]) -> tuple[dict[tuple[tuple[str, str], ...], Any], list[str], set[str]]:
    """Expected results by labels (without ``__name__``), ``expect ... msg:`` texts (without the
    position), and the annotation levels required (``warning``) or forbidden (``no_info``)."""
    from ruletest.series import expand_expected, parse_series_description

    expected: dict[tuple[tuple[str, str], ...], Any] = {}
    texts: list[str] = []
    levels: set[str] = set()
    for b in body:
        if b.startswith("expect "):
            m = re.match(r"^expect (warn|info) msg: (.*) \(\d+:\d+\)$", b)
            if m:
                texts.append(m.group(2))
            m = re.match(r"^expect (no_)?(warn|info)\b", b)
            if m:
                levels.add((m.group(1) or "") + {"warn": "warning", "info": "info"}[m.group(2)])
            continue
        desc, values = _split(b)
        labels = tuple(p for p in parse_series_description(desc) if p[0] != "__name__")
        expected[labels] = expand_expected(values)[0]
    return expected, texts, levels


def _check_annotations(case: dict[str, Any], annotations: list[H.Annotation]) -> None:
    for text in case["texts"]:
        assert text in [a.text() for a in annotations]
    for level in ("warning", "info"):
        if level in case["levels"]:
            assert any(a.level == level for a in annotations)
        if "no_" + level in case["levels"]:
            assert not any(a.level == level for a in annotations), annotations


def _function_cases() -> list[dict[str, Any]]:
    out = []
    for file, line, at, expr, body, store in _promqltest_evals():
        fm = _FN.match(expr)
        if not fm:
            continue
        fn = fm.group(1)
        args = [a.strip() for a in fm.group(2).split(",")]
        selector = args[0] if fn == "quantiles" else args[-1]
        if not _SELECTOR.match(selector):
            continue
        try:
            numbers = [float(a.replace("Inf", "inf")) for a in (args[2:] if fn == "quantiles" else args[:-1])]
        except ValueError:
            continue
        inputs = _select(selector, at, store)
        if inputs is None:
            continue
        expected, texts, levels = _expectations(body)
        out.append({"id": f"{file}:{line}:{fn}", "fn": fn, "numbers": numbers,
                    "label": args[1].strip('"') if fn == "quantiles" else None, "inputs": inputs,
                    "expected": expected, "texts": texts, "levels": levels})
    return out


@pytest.mark.parametrize("case", params(_function_cases() if PROMQLTEST.exists() else [], "promqltest",
                                        ids=lambda c: c["id"]))
def test_promqltest_histogram_functions(case: dict[str, Any]) -> None:
    got: dict[tuple[tuple[str, str], ...], float] = {}
    annotations: list[H.Annotation] = []
    if case["fn"] in ("quantile", "quantiles"):
        annotations.extend(H.invalid_quantile_warning(q) for q in case["numbers"] if not 0 <= q <= 1)
    for labels, h in case["inputs"]:
        name = dict(labels).get("__name__", "")
        key = tuple(p for p in labels if p[0] != "__name__")
        annos: tuple[H.Annotation, ...] = ()
        if case["fn"] == "quantile":
            got[key], annos = H.histogram_quantile(case["numbers"][0], h, name)
        elif case["fn"] == "fraction":
            got[key], annos = H.histogram_fraction(case["numbers"][0], case["numbers"][1], h, name)
        elif case["fn"] == "quantiles":
            values, annos = H.histogram_quantiles(case["numbers"], h, name)
            for q_label, v in values:
                got[tuple(sorted((*key, (case["label"], q_label))))] = v
        else:
            got[key] = getattr(H, "histogram_" + case["fn"])(h)
        annotations.extend(annos)
    assert set(got) == set(case["expected"])
    for key, value in case["expected"].items():
        assert H.almost_equal(got[key], value), (key, got[key], value)
    _check_annotations(case, annotations)


_OPS = {"+": "+", "-": "-", "*": "*", "/": "/", "==": "==", "!=": "!=", "</": "</", ">/": ">/", ">": ">", "<": "<",
        ">=": ">=", "<=": "<=", "^": "^", "%": "%", "atan2": "atan2"}


def _elem_binop(op: str, lhs: float | FloatHistogram, rhs: float | FloatHistogram
                ) -> tuple[FloatHistogram | None, H.Annotation | None]:
    """promql/engine.go ``vectorElemBinop`` for the cases with a histogram operand."""
    if isinstance(lhs, float) and isinstance(rhs, FloatHistogram):
        if op == "*":
            return rhs.mul(lhs).compact(0), None
        return None, H.incompatible_types_in_binop_info("float", op, "histogram")
    if isinstance(lhs, FloatHistogram) and isinstance(rhs, float):
        if op == "*":
            return lhs.mul(rhs).compact(0), None
        if op == "/":
            return lhs.div(rhs).compact(0), None
        if op in ("</", ">/"):
            return lhs.trim_buckets(rhs, op == "</"), None
        return None, H.incompatible_types_in_binop_info("histogram", op, "float")
    assert isinstance(lhs, FloatHistogram) and isinstance(rhs, FloatHistogram)
    if op in ("+", "-"):
        res = lhs.add(rhs) if op == "+" else lhs.sub(rhs)
        if res.histogram is None:
            return None, H.incompatible_bucket_layout_in_binop_warning(op)
        h = res.histogram.with_hint(CounterResetHint.GAUGE) if op == "-" else res.histogram
        operation: H.HistogramOperation = "addition" if op == "+" else "subtraction"
        anno = (H.histogram_counter_reset_collision_warning(operation) if res.counter_reset_collision
                else H.mismatched_custom_buckets_info(operation) if res.nhcb_bounds_reconciled else None)
        return h.compact(0), anno
    if op in ("==", "!="):
        return (lhs if lhs.equals(rhs) == (op == "==") else None), None
    return None, H.incompatible_types_in_binop_info("histogram", op, "histogram")


def _binop_cases() -> list[dict[str, Any]]:
    out = []
    for file, line, at, expr, body, store in _promqltest_evals():
        m = _BINOP.match(expr)
        if not m or "bool" in expr:
            continue
        sides: list[Any] = []
        ignored = {x.strip() for x in (m.group(3) or "").split(",") if x.strip()}
        for operand in (m.group(1), m.group(4)):
            if re.fullmatch(_NUMBER, operand):
                sides.append(float(operand.replace("Inf", "inf")))
            else:
                selected = _select(operand, at, store)
                if selected is None:
                    break
                sides.append({tuple(p for p in lb if p[0] != "__name__" and p[0] not in ignored): h
                              for lb, h in selected})
        if len(sides) != 2 or all(isinstance(x, float) for x in sides):
            continue
        expected, texts, levels = _expectations(body)
        out.append({"id": f"{file}:{line}:{expr}", "op": m.group(2), "lhs": sides[0], "rhs": sides[1],
                    "expected": expected, "texts": texts, "levels": levels})
    return out


@pytest.mark.parametrize("case", params(_binop_cases() if PROMQLTEST.exists() else [], "promqltest",
                                        ids=lambda c: c["id"]))
def test_promqltest_histogram_operators(case: dict[str, Any]) -> None:
    from ruletest.series import ExpectedHistogram

    lhs, rhs, op = case["lhs"], case["rhs"], case["op"]
    if isinstance(lhs, dict) and isinstance(rhs, dict):
        pairs = [(k, lhs[k], rhs[k]) for k in lhs if k in rhs]  # one-to-one matching on all labels
    elif isinstance(lhs, dict):
        pairs = [(k, h, rhs) for k, h in lhs.items()]
    else:
        pairs = [(k, lhs, h) for k, h in rhs.items()]
    got = {}
    annotations = []
    for key, a, b in pairs:
        value, anno = _elem_binop(op, a, b)
        if anno is not None:
            annotations.append(anno)
        if value is not None:
            got[key] = value
    assert set(got) == set(case["expected"])
    for key, exp in case["expected"].items():
        assert isinstance(exp, ExpectedHistogram), exp
        assert H.histograms_match(exp.histogram, got[key], compare_hint=exp.hint_given), (
            exp.histogram.test_expression(), got[key].test_expression())
    _check_annotations(case, annotations)


def test_buckets_inside_the_zero_bucket_are_not_added() -> None:
    # addBuckets (float_histogram.go): "Buckets in spansB/bucketsB with an absolute upper limit
    # ≤ threshold are ignored" (their counts belong to the zero bucket). Bucket -1 of schema 0 is
    # (0.25,0.5], inside a zero bucket of width 1; bucket 1 is (1,2].
    h = FloatHistogram(zero_threshold=1, zero_count=1, count=3, positive_spans=(Span(-1, 1), Span(1, 1)),
                       positive_buckets=(1, 1))
    res = h.add(h).histogram
    assert res is not None
    assert (res.zero_count, res.count, res.positive_buckets) == (2, 6, (1, 2))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_same_layout_shortcut_agrees_with_the_general_algorithm(data: st.DataObject) -> None:
    # add/sub skip Go's bucket merging when both operands share one layout; the result must be
    # the one the general algorithm gives.
    schema = data.draw(st.sampled_from([-53, -1, 0, 3]))
    offset = data.draw(st.integers(-3, 3)) if schema != -53 else data.draw(st.integers(0, 1))
    n = data.draw(st.integers(0, 4))
    counts = st.floats(0, 100, allow_nan=False)
    custom = tuple(float(x) for x in range(1, offset + n + 1)) if schema == -53 else ()

    def draw_h() -> FloatHistogram:
        return FloatHistogram(data.draw(st.sampled_from(list(CounterResetHint))), schema,
                              0.0 if schema == -53 else 0.5, 0.0 if schema == -53 else data.draw(counts),
                              data.draw(counts), data.draw(counts), (Span(offset, n),) if n else (),
                              tuple(data.draw(counts) for _ in range(n)), custom_values=custom)

    a, b = draw_h(), draw_h()
    for negative in (False, True):
        fast = H._add_sub(a, b, negative)
        general = H._add_sub(a, b, negative, shortcut=False)
        assert fast.counter_reset_collision == general.counter_reset_collision
        assert fast.histogram == general.histogram
