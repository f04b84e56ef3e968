"""Chart geometry for the HTML report: scales, tick positions, downsampling and SVG path data.

Pure functions over numbers; the markup is in the report's templates. Coordinates are SVG user
units with one decimal (charts are 960 units wide and scale with the page).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from ruletest.records import record

# Ten distinguishable colours (Tableau 10); beyond ten series the dash pattern changes too.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#9c755f", "#ff9da7",
           "#e15759", "#bab0ac")
DASHES = ("", "6 3", "2 2", "8 3 2 3")


def series_style(i: int) -> tuple[str, str]:
    """(colour, stroke-dasharray) of the i-th series of a chart."""
    return PALETTE[i % len(PALETTE)], DASHES[(i // len(PALETTE)) % len(DASHES)]


@record
class Scale:
    """Linear map ``v -> b + k * v``; :meth:`between` builds the one taking a data domain
    [d0, d1] onto a range [r0, r1] (a one-point domain maps to the middle of the range)."""

    k: float
    b: float

    @staticmethod
    def between(d0: float, d1: float, r0: float, r1: float) -> Scale:
        if d1 == d0:
            return Scale(0.0, (r0 + r1) / 2)
        k = (r1 - r0) / (d1 - d0)
        return Scale(k, r0 - d0 * k)

    def __call__(self, v: float) -> float:
        return self.b + v * self.k


def num(v: float) -> str:
    """A coordinate as SVG text: one decimal, no trailing ``.0``."""
    r = round(v, 1)
    if r == int(r):
        return str(int(r))
    return f"{r:.1f}"


def nice_value_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (the first is <= lo, the last >= hi)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.5 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    ticks = []
    k = 0
    while True:
        t = first + k * step
        ticks.append(0.0 if abs(t) < step * 1e-9 else t)
        if t >= hi - step * 1e-9:
            break
        k += 1
    return ticks


_TIME_STEPS_MS = [s * 1000 for s in (1, 2, 5, 10, 15, 30)] + [m * 60_000 for m in (1, 2, 5, 10, 15, 30)] + [
    h * 3_600_000 for h in (1, 2, 3, 6, 12)] + [d * 86_400_000 for d in (1, 2, 7, 14, 28, 56, 91, 182, 364)]


def nice_time_ticks(lo_ms: int, hi_ms: int, count: int = 8) -> list[int]:
    """Round durations (multiples of a round step) in [lo_ms, hi_ms], at most about ``count``."""
    span = hi_ms - lo_ms
    if span <= 0:
        return [lo_ms]
    step = next((s for s in _TIME_STEPS_MS if span / s <= count), _TIME_STEPS_MS[-1])
    while span / step > count * 2:  # spans beyond the table (decades)
        step *= 2
    first = -(-lo_ms // step) * step
    return list(range(first, hi_ms + 1, step))


def short_number(v: float, digits: int = 4) -> str:
    """Axis and legend labels: 1.5k, 2M, 0.25, 1e-06 (``digits`` significant digits)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    a = abs(v)
    if a == 0:
        return "0"
    for div, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.{digits}g}{suffix}"
    if a < 1e-3:
        return f"{v:.{max(digits - 1, 1)}g}"
    return f"{v:.{digits}g}"


def tick_labels(values: Sequence[float]) -> list[str]:
    """Labels for axis ticks, with as many digits as it takes to tell them apart
    (1.7535G and 1.754G, not 1.754G twice)."""
    for digits in range(4, 16):
        labels = [short_number(v, digits) for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return [repr(v) for v in values]


Point = tuple[float, float]


def downsample(points: Sequence[Point], bucket_px: float) -> list[Point]:
    """Keep the first, lowest, highest and last point of each ``bucket_px`` wide column (points
    already in pixel coordinates, x ascending): the line keeps its extremes and its shape at
    any length, with at most four points per column."""
    if len(points) <= 4 or bucket_px <= 0:
        return list(points)
    out: list[Point] = []
    bucket: list[Point] = []
    key = None
    for p in points:
        k = int(p[0] // bucket_px)
        if k != key and bucket:
            out.extend(_m4(bucket))
            bucket = []
        key = k
        bucket.append(p)
    if bucket:
        out.extend(_m4(bucket))
    return out


def _m4(bucket: list[Point]) -> list[Point]:
    if len(bucket) <= 4:
        return bucket
    lo = min(range(len(bucket)), key=lambda i: bucket[i][1])
    hi = max(range(len(bucket)), key=lambda i: bucket[i][1])
    keep = sorted({0, lo, hi, len(bucket) - 1})
    return [bucket[i] for i in keep]


def simplify(points: Sequence[Point]) -> list[Point]:
    """Points rounded to what is drawn (0.1 unit), without repeats and without the inner points
    of horizontal or vertical runs (flat series are common: ``up`` is 1 for weeks)."""
    out: list[Point] = []
    for x, y in points:
        p = (round(x, 1), round(y, 1))
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (ay == by == p[1] and ax <= bx <= p[0]) or (ax == bx == p[0] and min(ay, p[1]) <= by <= max(ay, p[1])):
                out[-1] = p
                continue
        out.append(p)
    return out


def path_data(segments: Iterable[Sequence[Point]]) -> str:
    """SVG path data for line segments; a one-point segment is a dot (``h0`` with round caps)."""
    parts = []
    for seg in segments:
        if not seg:
            continue
        x, y = seg[0]
        parts.append(f"M{num(x)} {num(y)}")
        if len(seg) == 1:
            parts.append("h0")
        else:
            parts.append("L" + " ".join(f"{num(px)} {num(py)}" for px, py in seg[1:]))
    return "".join(parts)


def dedupe_x(xs: Iterable[float], min_gap: float = 1.0) -> list[float]:
    """Positions at least ``min_gap`` apart (markers that would overlap are drawn once)."""
    out: list[float] = []
    for x in sorted(xs):
        if not out or x - out[-1] >= min_gap:
            out.append(x)
    return out
