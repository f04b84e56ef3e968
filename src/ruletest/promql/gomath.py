"""Go's ``math.Log``, ``Log2`` and ``Log10`` bit for bit: they are not the platform's correctly
rounded functions, and promtool compares expected values exactly (``ln``, ``log2``, ``log10``, and
the exponential-bucket interpolation of ``histogram_quantile``)."""

from __future__ import annotations

import math
import struct

_INV_LN2 = 1.442695040888963407359924681001892137426645954152985934135
_INV_LN10 = 0.43429448190325182765112891891660508229439700580366656611445378  # Go: 1/Ln10, exact then rounded


def go_log(x: float) -> float:
    """Go's ``math.Log`` as built for amd64 (``log_amd64.s``), bit for bit: FreeBSD's algorithm
    (argument reduction to [sqrt(2)/2, sqrt(2)), a degree-7 polynomial in s = f/(2+f)), whose
    inline frexp does not normalise subnormal numbers (``ln(5e-324)`` is -709.0895657128241)."""
    if math.isnan(x) or x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    if math.isinf(x):
        return math.inf
    bits = struct.unpack("<Q", struct.pack("<d", x))[0]
    f1: float = struct.unpack("<d", struct.pack("<Q", (bits & ((1 << 52) - 1)) | 0x3FE0000000000000))[0]
    k = float(((bits >> 52) & 0x7FF) - 0x3FE)
    if f1 < _SQRT2_HALF:
        k -= 1
        f1 *= 2
    f = f1 - 1
    s = f / (2 + f)
    s2 = s * s
    s4 = s2 * s2
    t1 = s2 * (_L1 + s4 * (_L3 + s4 * (_L5 + s4 * _L7)))
    t2 = s4 * (_L2 + s4 * (_L4 + s4 * _L6))
    r = t1 + t2
    hfsq = 0.5 * f * f
    return k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)


_SQRT2_HALF = 0.70710678118654752440084436210484903928483593768847  # Go: Sqrt2/2
# ln 2 split in two (fdlibm): high bits exact in products with small integers, and the rest.
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
_L1 = 6.666666666666735130e-01
_L2 = 3.999999999940941908e-01
_L3 = 2.857142874366239149e-01
_L4 = 2.222219843214978396e-01
_L5 = 1.818357216161805012e-01
_L6 = 1.531383769920937332e-01
_L7 = 1.479819860511658591e-01


def go_log2(x: float) -> float:
    if math.isnan(x) or x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    if math.isinf(x):
        return math.inf
    frac, exp = math.frexp(x)
    if frac == 0.5:
        return float(exp - 1)
    return go_log(frac) * _INV_LN2 + float(exp)


def go_log10(x: float) -> float:
    """Go's ``math.Log10``: ``Log(x) * (1/Ln10)`` (not derived from Log2)."""
    return go_log(x) * _INV_LN10
