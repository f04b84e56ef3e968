"""A seeded grammar generator of PromQL expressions for differential tests against promtool.

Expressions are typed (instant vector or scalar results only, since promtool can only report
those) and cover every operator, aggregation and every function Prometheus 2.42 has, over a
fixed data set that contains counter resets, gaps, NaN, +-Inf, stale markers and classic
histogram buckets.
"""

from __future__ import annotations

import random

INTERVAL_MS = 60_000

SERIES: list[tuple[str, str]] = [
    ('http_requests_total{job="api",instance="a",code="200"}', "0+10x40"),
    ('http_requests_total{job="api",instance="a",code="500"}', "0+1x10 2+3x29"),
    ('http_requests_total{job="api",instance="b",code="200"}', "5+7x12 _x3 100+7x24"),
    ('http_requests_total{job="web",instance="c",code="200"}', "1 1 2 3 5 8 13 21 34 55 89 stale 0+1x25"),
    ('temp{room="kitchen",job="api"}', "1 5 -3 NaN 7 2.5 Inf 4 4 4 -Inf 3 0.1+0.3x27"),
    ('temp{room="garage",job="web"}', "20 _ _ 21 22 stale _ 25 -1e3 1e-3 7x29"),
    ('temp{room="attic",job="api"}', "0x40"),
    ('up{job="api",instance="a"}', "1x20 0x20"),
    ('up{job="api",instance="b"}', "1 0 1 0 1 1 1 1 0 0 1x30"),
    ('up{job="web",instance="c"}', "1x40"),
    ('build_info{job="api",version="1.2"}', "1x40"),
    ('build_info{job="web",version="2.0"}', "1x40"),
    ('lat_bucket{job="api",le="0.1"}', "0+1x40"),
    ('lat_bucket{job="api",le="0.5"}', "0+4x40"),
    ('lat_bucket{job="api",le="1"}', "0+6x40"),
    ('lat_bucket{job="api",le="+Inf"}', "0+7x40"),
    ('lat_bucket{job="web",le="0.25"}', "0+2x20 0+2x19"),
    ('lat_bucket{job="web",le="2.5"}', "0+3x20 0+3x19"),
    ('lat_bucket{job="web",le="+Inf"}', "0+3x20 0+3x19"),
    ('lat_bucket{job="bad",le="1"}', "5x40"),
    ('lat_bucket{job="bad",le="0.5"}', "7x40"),
    ('lat_bucket{job="bad",le="+Inf"}', "6x40"),
    ('disk_free_bytes{mount="/",host="h1"}', "1000-10x40"),
    ('disk_free_bytes{mount="/data",host="h1"}', "5e9-1e7x40"),
    ('queue{name="q1"}', "3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 3 2 3 8 4 6 2 6 4 3 3 8 3 2 7 9 5 0 2 8 8 4 1 9 7"),
    ('queue{name="q2"}', "-2 -1.5 -1x5 0.25 0.5 1e-9 _ 2 4 8 16 32 64 128x23"),
    ('info_metric{job="api",team="core",path="/a/b"}', "1x40"),
    ('node_time_seconds{host="h1"}', "1700000000+60x40"),
]

EVAL_TIMES_MS = [0, 60_000, 270_000, 300_000, 600_000, 1_050_000, 1_500_000, 2_400_000, 2_700_000]

COUNTERS = ['http_requests_total', 'http_requests_total{code="200"}', 'http_requests_total{job="api"}',
            'http_requests_total{code=~"5.."}', 'lat_bucket', 'up']
GAUGES = ['temp', 'temp{room!="attic"}', 'queue', 'disk_free_bytes', 'up', 'temp{job=~"a.*"}',
          'queue{name="q2"}', 'node_time_seconds', '{__name__=~"temp|queue"}', 'build_info',
          'http_requests_total{instance!~"a|b"}', 'up{job="api"} offset 5m', 'temp offset -2m',
          'queue @ 600', 'nonexistent_metric']
RANGES = ["1m", "2m", "3m", "5m", "10m", "90s", "4m30s"]
SUBQUERIES = ["[5m:1m]", "[10m:2m]", "[7m:]", "[3m:30s]", "[6m:90s]"]

RANGE_FUNCS = ["rate", "increase", "delta", "irate", "idelta", "deriv", "changes", "resets",
               "avg_over_time", "sum_over_time", "count_over_time", "min_over_time", "max_over_time",
               "last_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time",
               "absent_over_time"]
FLOAT_FUNCS = ["abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "sin", "cos", "tan",
               "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad",
               "timestamp", "sort", "sort_desc"]
DATE_FUNCS = ["minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month",
              "year"]
AGGS = ["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"]
ARITH = ["+", "-", "*", "/", "%", "^", "atan2"]
CMP = ["==", "!=", ">", "<", ">=", "<="]
SCALARS = ["0", "1", "2", "0.5", "-1", "3.7", "1e3", "NaN", "Inf", "-Inf", "time()", "pi()",
           "scalar(up{instance=\"c\"})", "scalar(temp)"]


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def choice(self, xs: list[str]) -> str:
        return self.r.choice(xs)

    def range_vec(self) -> str:
        if self.r.random() < 0.75:
            sel = self.choice(COUNTERS + GAUGES[:8])
            extra = ""
            roll = self.r.random()
            if roll < 0.15:
                extra = " offset 3m"
            elif roll < 0.22:
                extra = " @ 900"
            return f"{sel}[{self.choice(RANGES)}]{extra}"
        return f"{self.vector(1)}{self.choice(SUBQUERIES)}"

    def scalar(self, depth: int) -> str:
        if depth <= 0 or self.r.random() < 0.7:
            return self.choice(SCALARS)
        return f"({self.scalar(depth - 1)} {self.choice(ARITH)} {self.scalar(depth - 1)})"

    def vector(self, depth: int, top: bool = False) -> str:
        if depth <= 0:
            return self.choice(GAUGES + COUNTERS)
        kind = self.r.randrange(10)
        if kind == 0:
            return self.choice(GAUGES + COUNTERS)
        if kind == 1:
            f = self.choice(RANGE_FUNCS)
            return f"{f}({self.range_vec()})"
        if kind == 2:
            return f"{self.choice(FLOAT_FUNCS)}({self.vector(depth - 1)})"
        if kind == 3:
            agg = self.choice(AGGS)
            mod = self.choice(["", " by (job)", " without (instance)", " by (job, code)", " by ()",
                               " without ()"])
            return f"{agg}{mod} ({self.vector(depth - 1)})"
        if kind == 4:
            op = self.choice(ARITH + CMP)
            b = " bool" if op in CMP and self.r.random() < 0.5 else ""
            if self.r.random() < 0.5:
                return f"{self.vector(depth - 1)} {op}{b} {self.scalar(1)}"
            return f"{self.scalar(1)} {op}{b} {self.vector(depth - 1)}"
        if kind == 5:
            op = self.choice(ARITH + CMP + ["and", "or", "unless"])
            b = " bool" if op in CMP and self.r.random() < 0.3 else ""
            mod = self.choice(["", "", " on(job)", " ignoring(instance, code)", " on(job, instance)",
                               " ignoring(code)"])
            return f"{self.vector(depth - 1)} {op}{b}{mod} {self.vector(depth - 1)}"
        if kind == 6 and top:
            # Only at the top: which of several tied series topk keeps depends on promtool's
            # (random) series order, and the comparison can only allow for that at the top.
            k = self.choice(["1", "2", "3"])
            return f"{self.choice(['topk', 'bottomk'])}({k}, {self.vector(depth - 1)})"
        if kind == 7:
            q = self.choice(["0", "0.25", "0.5", "0.9", "1", "-1", "2"])
            return f"quantile({q}, {self.vector(depth - 1)})"
        if kind == 8:
            return f"{self.choice(['clamp_min', 'clamp_max'])}({self.vector(depth - 1)}, {self.scalar(0)})"
        return f"-{self.vector(depth - 1)}"


def hand_written() -> list[str]:
    """Targeted cases: each function and operator at least once, plus known edge cases."""
    out: list[str] = []
    for f in RANGE_FUNCS:
        for sel in ["http_requests_total", "temp", "queue", "up", "lat_bucket{le=\"+Inf\"}"]:
            for rng in ["1m", "5m", "4m30s"]:
                out.append(f"{f}({sel}[{rng}])")
        out.append(f"{f}(temp[5m:1m])")
        out.append(f"{f}(rate(http_requests_total[3m])[10m:2m])")
    for f in FLOAT_FUNCS:
        out += [f"{f}(temp)", f"{f}(queue)", f"{f}(http_requests_total)"]
    for f in DATE_FUNCS:
        out += [f"{f}()", f"{f}(node_time_seconds)", f"{f}(vector(1e9))"]
    for agg in AGGS:
        out += [f"{agg}(temp)", f"{agg} by (job) (http_requests_total)", f"{agg} without (code) (http_requests_total)",
                f"{agg}(queue)", f"{agg} by (name) (queue)"]
    for q in ["-0.5", "0", "0.1", "0.5", "0.75", "0.99", "1", "1.5", "NaN"]:
        out += [f"histogram_quantile({q}, rate(lat_bucket[5m]))", f"histogram_quantile({q}, lat_bucket)",
                f"quantile({q}, temp)", f"quantile_over_time({q}, queue[10m])"]
    out += [
        "histogram_quantile(0.9, sum by (le) (rate(lat_bucket[5m])))",
        "histogram_quantile(0.5, sum by (job, le) (increase(lat_bucket[10m])))",
        "histogram_quantile(0.9, rate(http_requests_total[5m]))",
        "predict_linear(disk_free_bytes[10m], 3600)", "predict_linear(queue[5m], 60)",
        "predict_linear(temp[5m] offset 2m, 600)",
        "holt_winters(queue[10m], 0.5, 0.5)", "holt_winters(temp[5m], 0.1, 0.9)",
        "holt_winters(disk_free_bytes[10m], 0.3, 0.6)", "holt_winters(queue[10m], 1, 0.5)",
        "topk(2, queue)", "bottomk(1, temp)", "topk(1, temp)", "topk by (job) (1, http_requests_total)",
        "bottomk without (code) (1, http_requests_total)", "topk(0, temp)", "topk(scalar(up{instance=\"c\"}), temp)",
        'count_values("value", up)', 'count_values by (job) ("v", temp)', 'count_values("q", queue)',
        'count_values("x", http_requests_total / 3)',
        "round(temp)", "round(queue, 0.3)", "round(temp, 5)", "round(disk_free_bytes / 7, 0.01)",
        "clamp(temp, 0, 5)", "clamp(queue, 5, 0)", "clamp_min(temp, 3)", "clamp_max(queue, 4)",
        "scalar(temp)", "scalar(up{instance=\"c\"})", "vector(3)", "vector(time())", "time()",
        "absent(nonexistent_metric)", 'absent(nonexistent_metric{job="x",a=~"b"})', "absent(up)",
        'absent(nonexistent{job="a",job="b"})', 'absent_over_time(nonexistent{job="x"}[5m])',
        'absent_over_time(temp{room="garage"}[1m])',
        'label_replace(up, "host", "$1", "instance", "(.*)")',
        'label_replace(up, "job", "prefix-$1-${1}x-$1x", "instance", "([ab])")',
        'label_replace(temp, "room", "", "room", "k.*")',
        'label_replace(up, "__name__", "renamed", "job", "api")',
        'label_join(up, "both", "-", "job", "instance")', 'label_join(temp, "r", "", "room")',
        'label_join(up, "job", ",", "missing")',
        "timestamp(temp)", "timestamp(up offset 3m)", "timestamp(sum(temp))", "timestamp((temp))",
        "sort(temp)", "sort_desc(queue)",
        "up == 0", "up == bool 0", "up != 0", "temp > 3", "temp > bool 3", "3 < temp", "3 < bool temp",
        "temp >= temp", "queue <= 3", "-temp", "-(up)", "2 ^ 3 ^ 2", "(2 ^ 3) ^ 2", "-2 ^ 2",
        "1 + 2 * 3 - 4 / 2 % 3", "10 % 3", "-10 % 3", "5.5 % -2", "0 / 0", "1 / 0", "-1 / 0",
        "2 atan2 3", "up atan2 temp", "temp % 0", "temp ^ 0.5", "queue ^ -1", "1 > bool 2", "NaN == bool NaN",
        "up + up", "up * on(job) group_left(version) build_info",
        "build_info * on(job) group_right up",
        "up * on(job) group_left build_info",
        "up / ignoring(instance) group_left sum by (job) (up)",
        "sum by (job) (up) / ignoring() group_right up",
        "http_requests_total / ignoring(code) group_left http_requests_total{code=\"200\"}",
        "up + on(job) build_info",
        "up and build_info", "up and on(job) build_info", "up or temp", "temp or up",
        "up unless on(job) temp", "up unless up{instance=\"a\"}", "http_requests_total unless on(instance) up == 0",
        "(up or vector(0)) + 1", "sum(nonexistent) or vector(0)", "temp and temp > 3",
        "rate(http_requests_total[5m]) > 0.5", "sum by (job) (rate(http_requests_total[5m])) > 1",
        "sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))",
        "rate(http_requests_total{code=~\"5..\"}[5m]) / ignoring(code) group_left sum without (code) "
        "(rate(http_requests_total[5m]))",
        "max_over_time(rate(http_requests_total[2m])[10m:1m])",
        "avg_over_time(up[10m:1m] offset 2m)", "min_over_time(temp[10m:30s] @ 600)",
        "sum_over_time(up[7m:])", "count_over_time(temp[5m:90s])",
        "rate(http_requests_total[5m] @ 600)", "rate(http_requests_total[5m] offset -5m)",
        "up @ 300", "up @ 300 offset 1m", "temp @ start()", "temp @ end()", "temp offset 30s",
        "last_over_time(temp[2m])", "last_over_time(temp[2m] offset 1m)",
        "{__name__=~\"up|build_info\"}", "{job=\"api\"}", "{__name__=\"up\", instance=~\"a|c\"}",
        "up{instance=~\"a\"}", "up{instance!~\"a\"}", "up{instance=~\".*\"}", "up{instance!=\"\"}",
        "up{nonexistent=\"\"}", "up{nonexistent!=\"\"}", "up{job=~\"API\"}", "up{job=~\"(?i)API\"}",
        "up{job=~\"a.i|we.\"}", "info_metric{path=~\"/a/.*\"}", "info_metric{path=~\"[[:alpha:]/]+\"}",
        "stddev(temp)", "stdvar(queue)", "avg(temp)", "sum(temp)", "count(temp)", "group(temp)",
        "min(temp)", "max(temp)", "max by (job) (temp)", "min without (room) (temp)",
        "sum(http_requests_total) by (job)", "sum by (__name__) ({__name__=~\"up|temp\"})",
        "sum without (__name__) ({__name__=~\"up|temp\"})",
        "changes(up[10m])", "resets(http_requests_total[10m])", "resets(queue[10m])",
        "idelta(queue[3m])", "irate(http_requests_total[3m])", "irate(queue[3m])",
        "delta(temp[5m])", "delta(queue[10m])", "deriv(disk_free_bytes[5m])", "deriv(queue[10m])",
        "increase(http_requests_total[10m])", "increase(http_requests_total[90s])",
        "rate(http_requests_total[1m])", "rate(queue[5m])",
        "stddev_over_time(queue[10m])", "stdvar_over_time(temp[10m])", "avg_over_time(temp[10m])",
        "sum_over_time(temp[10m])", "avg_over_time(queue[10m])", "sum_over_time(queue[10m])",
        "ceil(queue / 3)", "floor(-queue / 3)", "exp(queue)", "ln(queue)", "log2(queue)", "log10(queue)",
        "sqrt(queue)", "abs(queue)", "sgn(queue)", "log2(up)", "log10(disk_free_bytes)",
        "acosh(queue)", "atanh(queue / 10)", "asinh(queue)",
        "year(vector(1700000000))", "month(vector(-1))", "hour(node_time_seconds)",
        "day_of_week(vector(86400 * 3))", "days_in_month(vector(1709251200))",
        "days_in_month(vector(951782400))", "day_of_year(vector(1703980800))",
        "up * 2 > 1", "sum(up) by (job) > 1", "count by (job) (up == 1) / count by (job) (up)",
        "1 - avg by (job) (up)", "up offset 10m == bool up",
        "http_requests_total * 0 + 1", "temp - temp", "(temp + 1) / (temp - 1)",
    ]
    return out


def generated(n: int, seed: int = 20261124) -> list[str]:
    g = Gen(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        e = g.vector(g.r.choice([1, 2, 2, 3]), top=True)
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out
