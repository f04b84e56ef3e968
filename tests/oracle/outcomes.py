"""What ``promtool test rules`` reported for a test file, as data, and the same for ruletest.

Both tools print each failure in promtool's layout (ruletest's messages reproduce it), so one
parser reads both: an expression test's result (samples or error), the alerts firing at an
alert test, a rule's evaluation error, anything else as text. Every case of a fuzzed file is
written to fail when anything is returned (no expected samples, no expected alerts), so the
failures list exactly what each tool *got*.

Running many files through one promtool process keeps the oracle fast: promtool prints
``Unit Testing:  FILE`` before each file's results, which splits its output again.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ruletest.promtool_format import load_test_file
from ruletest.reporting import message
from ruletest.runner import RunOptions, run_test_file
from ruletest.semantics import Semantics

from .promtool import Labels, _go_unquote, parse_samples, require_promtool

Alert = tuple[Labels, Labels]  # (labels, annotations)


@dataclass(frozen=True)
class Item:
    """One reported failure of one test file."""

    kind: str  # "expr", "alert", "rule" or "other"
    key: tuple[str, ...]  # (expr, time) / (alertname, time) / (rule, time) / (text,)
    samples: tuple[tuple[Labels, float], ...] | None = None  # expr: what was returned
    alerts: tuple[Alert, ...] | None = None  # alert: the firing alerts
    error: str | None = None  # expr / rule / other: the error text


# --- parsing ------------------------------------------------------------------------------------


def _parse_map(text: str) -> Labels:
    """``{a="b", c="d"}`` (labels.Labels.String)."""
    assert text.startswith("{"), text
    pos = 1
    out = []
    while text[pos] != "}":
        if text[pos] == '"':
            key, pos = _go_unquote(text, pos)
        else:
            end = text.index("=", pos)
            key, pos = text[pos:end], end
        value, pos = _go_unquote(text, pos + 1)
        out.append((key, value))
        if text.startswith(", ", pos):
            pos += 2
    return tuple(sorted(out))


def _normalise_error(text: str) -> str:
    # ruletest's parser gives no position for some parse errors (issue 9 item 3, not this suite's).
    text = re.sub(r"^\d+:\d+: parse error", "parse error", text.strip())
    # Which two series collide first depends on promtool's (random) series order.
    return re.sub(r"found duplicate series for the match group \{.*?\} (on the \S+ hand-side of the operation): "
                  r"\[.*\];", r"found duplicate series for the match group {...} \1: [...];", text)


def parse_failure(text: str) -> Item:
    """One failure message in promtool's layout."""
    lines = text.rstrip("\n").split("\n")
    first = lines[0]
    if first.startswith("    name: ") and len(lines) > 1:
        lines = lines[1:]
        first = lines[0]
    if first.startswith('    expr: "'):
        expr, pos = _go_unquote(first, first.index('"'))
        rest = first[pos:]
        assert rest.startswith(", time: "), text
        time_s, _, tail = rest[len(", time: "):].partition(",")
        if tail.startswith(" err: "):
            return Item("expr", (expr, time_s), error=_normalise_error("\n".join([tail[6:], *lines[1:]])))
        got = next(ln.strip() for ln in lines if ln.strip().startswith("got: "))
        return Item("expr", (expr, time_s), samples=parse_samples(got[len("got: "):]))
    if first.startswith("    alertname: "):
        m = re.match(r"    alertname: (.*), time: (\S+), $", first)
        assert m is not None, text
        got_at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("got:"))
        alerts = []
        body = [ln.strip() for ln in lines[got_at:]]
        for i, ln in enumerate(body):
            if ln.startswith("Labels:{") and i + 1 < len(body) and body[i + 1].startswith("Annotations:{"):
                alerts.append((_parse_map(ln[len("Labels:"):]), _parse_map(body[i + 1][len("Annotations:"):])))
        return Item("alert", (m.group(1), m.group(2)), alerts=tuple(sorted(alerts)))
    m = re.match(r"    rule: (.*?), time: (\S+), err: (.*)$", first, re.S)
    if m is not None:
        return Item("rule", (m.group(1), m.group(2)), error=_normalise_error("\n".join([m.group(3), *lines[1:]])))
    other = _normalise_error(text)
    return Item("other", (other,), error=other)


_LOAD_PREFIX = re.compile(r"^(?:\S+?\.ya?ml(?::\d+)?: )?(?:line \d+: )?")


def split_load_errors(items: list[Item]) -> list[Item]:
    """Rule-file load errors as one item per error, without the location prefix: promtool
    prints ``FILE: group ...`` per error, ruletest ``FILE:LINE: line L: group ...; line L: ...``
    (where errors are reported and how they are located is issue 9 item 3, not this suite's)."""
    out = []
    for item in items:
        if item.kind != "other" or item.error is None or 'group "' not in item.error:
            out.append(item)
            continue
        for part in re.split(r"; (?=line \d+: group \")", item.error):
            text = _LOAD_PREFIX.sub("", part, count=1)
            out.append(Item("other", (text,), error=text))
    return out


def split_promtool_output(output: str) -> dict[str, list[Item]]:
    """Failures per file from ``promtool test rules F1 F2 ...`` (stdout and stderr merged)."""
    files: dict[str, list[Item]] = {}
    current: str | None = None
    block: list[str] = []
    failed = False

    def flush() -> None:
        if current is not None and failed and block and any(ln.strip() for ln in block):
            files[current].append(parse_failure("\n".join(block)))
        block.clear()

    for line in output.split("\n"):
        if line.startswith("Unit Testing:  "):
            flush()
            current = line[len("Unit Testing:  "):].strip()
            files[current] = []
            failed = False
            continue
        if current is None:
            continue
        if line == "  FAILED:":
            failed = True
            continue
        if line in ("  SUCCESS",):
            continue
        if line == "":
            flush()
            continue
        block.append(line)
    flush()
    return files


def run_promtool(directory: Path, names: Sequence[str], *, timeout: float = 600) -> dict[str, list[Item]]:
    """Run every test file in one promtool process (from ``directory``)."""
    promtool = require_promtool()
    proc = subprocess.run([promtool, "test", "rules", *names], cwd=directory, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, env={**os.environ, "TZ": "UTC"})
    per_file = split_promtool_output(proc.stdout)
    missing = [n for n in names if n not in per_file]
    if missing or proc.returncode not in (0, 1):
        raise RuntimeError(f"promtool failed ({proc.returncode}), files not reported: {missing[:5]}\n"
                           f"{proc.stdout[-3000:]}")
    return per_file


def run_ruletest(path: Path, prometheus: int = 2) -> list[Item]:
    """ruletest's failures for one test file, in promtool compatibility mode."""
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        result = run_test_file(load_test_file(path.name), RunOptions(Semantics.of(prometheus), strict=False))
    finally:
        os.chdir(cwd)
    return [parse_failure(message(p, promtool_compat=True)) for p in result.all_problems()]


# --- comparing -----------------------------------------------------------------------------------

# promtool loads input series from a Go map, so the order in which an aggregation visits series
# (and which of several tied series topk/bottomk keeps) changes from run to run: sums can differ in
# their last bits between two promtool runs. Go's math library also differs from C's libm by an
# ulp in transcendental functions. Only where such an operation is involved is a relative
# tolerance allowed; everything else must match bit for bit.
ORDER_DEPENDENT = re.compile(r"\b(sum|avg|stddev|stdvar|quantile|count_values)\b\s*(by|without|\()")
TRANSCENDENTAL = re.compile(
    r"\b(exp|ln|log2|log10|sin|cos|tan|asin|acos|atan|sinh|cosh|tanh|asinh|acosh|atanh|atan2|deg|rad|"
    r"stddev_over_time|stdvar_over_time|holt_winters|predict_linear|deriv)\b|\^")
TIES = re.compile(r"\b(topk|bottomk)\b")


def tolerance_for(text: str) -> float:
    order, trans = bool(ORDER_DEPENDENT.search(text)), bool(TRANSCENDENTAL.search(text))
    return 1e-6 if order and trans else 1e-9 if order or trans else 0.0


def same_float(a: float, b: float, rel_tol: float, order_dependent: bool = False) -> bool:
    if (math.isnan(a) and math.isnan(b)) or a == b:
        return True
    if order_dependent and not math.isfinite(a) and not math.isfinite(b):
        # An overflow in a sum (Inf - Inf = NaN or not) depends on the order of the series.
        return True
    return rel_tol > 0 and math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-300)


def same_samples(expr: str, a: tuple[tuple[Labels, float], ...], b: tuple[tuple[Labels, float], ...],
                 context_tolerance: float = 0.0) -> bool:
    """``context_tolerance``: what the rules feeding this expression need (ALERTS, recordings)."""
    tol = max(tolerance_for(expr), context_tolerance)
    order = bool(ORDER_DEPENDENT.search(expr))
    if TIES.search(expr):
        # Ties make the kept series depend on promtool's series order: compare the values only.
        va, vb = sorted(v for _, v in a if not math.isnan(v)), sorted(v for _, v in b if not math.isnan(v))
        na, nb = sum(math.isnan(v) for _, v in a), sum(math.isnan(v) for _, v in b)
        return na == nb and len(va) == len(vb) and all(same_float(x, y, tol, True) for x, y in zip(va, vb, strict=True))
    sa, sb = sorted(a), sorted(b)
    if len(sa) != len(sb):
        return False
    if tol:
        # A value can become a label (count_values, templated alert labels): an ulp of
        # difference changes the label's text.
        return all(same_text(str(la), str(lb), tol) and same_float(x, y, tol, order)
                   for (la, x), (lb, y) in zip(sa, sb, strict=True))
    return all(la == lb and same_float(x, y, tol, order) for (la, x), (lb, y) in zip(sa, sb, strict=True))


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)")


def same_text(a: str, b: str, rel_tol: float) -> bool:
    """Texts equal, or (with a tolerance) equal but for numbers that differ within it."""
    if a == b:
        return True
    if rel_tol == 0:
        return False
    pa, pb = _NUMBER.split(a), _NUMBER.split(b)
    na, nb = _NUMBER.findall(a), _NUMBER.findall(b)
    if pa != pb or len(na) != len(nb):
        return False
    return all(x == y or math.isclose(float(x), float(y), rel_tol=max(rel_tol, _rounding(x, y)))
               for x, y in zip(na, nb, strict=True))


def _rounding(x: str, y: str) -> float:
    """A number printed with few significant digits (humanize's %.4g) can round either way when
    the value differs in its last bits: allow one unit in its last printed digit."""
    digits = max(len(re.sub(r"[^0-9]", "", t.split("e")[0].split("E")[0]).lstrip("0")) for t in (x, y))
    return 10.0 ** (1 - digits) if digits <= 4 else 0.0


def _normalise_alerts(alerts: tuple[Alert, ...]) -> tuple[Alert, ...]:
    # A failing template query quotes the parse error, whose position ruletest's parser does
    # not know (issue 9 item 3, not this suite's).
    def fix(pairs: Labels) -> Labels:
        return tuple((k, re.sub(r"(error calling query: )\d+:\d+: parse error", r"\1parse error", v)) for k, v in pairs)
    return tuple(sorted((fix(la), fix(an)) for la, an in alerts))


def same_alerts(a: tuple[Alert, ...], b: tuple[Alert, ...], rel_tol: float) -> bool:
    a, b = _normalise_alerts(a), _normalise_alerts(b)
    if len(a) != len(b):
        return False
    if a == b:
        return True
    if rel_tol == 0:
        return False
    flat = [str(x) for x in a], [str(y) for y in b]
    return all(same_text(x, y, rel_tol) for x, y in zip(sorted(flat[0]), sorted(flat[1]), strict=True))


def differences(ours: list[Item], theirs: list[Item], alert_tolerance: Callable[[str], float]) -> list[str]:
    """Human-readable differences between two tools' failures for one file (empty: they agree)."""
    out = []
    by_key_ours = {(i.kind, i.key): i for i in split_load_errors(ours)}
    by_key_theirs = {(i.kind, i.key): i for i in split_load_errors(theirs)}
    for key in sorted(set(by_key_ours) | set(by_key_theirs), key=str):
        a, b = by_key_ours.get(key), by_key_theirs.get(key)
        if a is None or b is None or not _same_item(a, b, alert_tolerance):
            out.append(f"{key[0]} {key[1]}:\n    ruletest: {_show(a)}\n    promtool: {_show(b)}")
    return out


def _same_item(a: Item, b: Item, alert_tolerance: Callable[[str], float]) -> bool:
    if a.kind == "expr":
        if a.samples is not None and b.samples is not None:
            return same_samples(a.key[0], a.samples, b.samples, alert_tolerance(""))
        return a.error == b.error
    if a.kind == "alert":
        assert a.alerts is not None and b.alerts is not None
        return same_alerts(a.alerts, b.alerts, alert_tolerance(a.key[0]))
    return a.error == b.error


def _show(item: Item | None) -> str:
    if item is None:
        return "(nothing: passed or not reached)"
    if item.samples is not None:
        return str(item.samples)
    if item.alerts is not None:
        return "\n      ".join(str(x) for x in item.alerts) or "[]"
    return str(item.error)
