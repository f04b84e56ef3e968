"""Extract the ``testExpr`` table of Prometheus' ``promql/parser/parse_test.go`` into
``parse_test_<version>.json``: each case's input, whether it must fail, the expected errors
(start and end byte offsets, message) and the expected tree in a neutral JSON form; and the
``TestExprString`` table of ``printer_test.go`` (input, printed form) into ``printer_test_<version>.json``.

Usage: python tests/data/prometheus_parser/extract.py <prometheus git dir> v3.14.0

Only the subset of Go used by that table is understood: composite literals, the helper calls
(MustLabelMatcher, MustGetFunction, makeInt64Pointer, errors.New, fmt.Errorf/Sprintf,
strings.Repeat, repeatError, append, math.Inf), integer and duration constant arithmetic.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

TIME = {"time.Nanosecond": 1, "time.Microsecond": 1000, "time.Millisecond": 10**6, "time.Second": 10**9,
        "time.Minute": 60 * 10**9, "time.Hour": 3600 * 10**9}
CONSTS = {"true": True, "false": False, "nil": None, "math.MaxInt64": 2**63 - 1, "math.MinInt64": -(2**63),
          "model.MetricNameLabel": "__name__", "labels.MetricName": "__name__", **TIME}
_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<rune>'(?:[^'\\\n]|\\.)*')
  | (?P<num>0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>\.\.\.|[-+*/%&(){}\[\],:])
""", re.S | re.X)


def go_string(lit: str) -> str:
    if lit.startswith("`"):
        return lit[1:-1]
    body = lit[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = body[i + 1]
        simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34, "'": 39}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif n in "uU":
            width = 4 if n == "u" else 8
            out += chr(int(body[i + 2:i + 2 + width], 16)).encode()
            i += 2 + width
        else:
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
    return out.decode("utf-8", "surrogateescape")


class GoReader:
    def __init__(self, text: str) -> None:
        self.toks: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise SyntaxError(f"cannot read Go at {text[pos:pos + 40]!r}")
            pos = m.end()
            if m.lastgroup != "ws":
                self.toks.append((m.lastgroup or "", m.group()))
        self.i = 0

    def peek(self, k: int = 0) -> str:
        return self.toks[self.i + k][1] if self.i + k < len(self.toks) else ""

    def next(self) -> tuple[str, str]:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, v: str) -> None:
        _kind, got = self.next()
        if got != v:
            raise SyntaxError(f"expected {v!r}, got {got!r}")

    def expr(self) -> Any:
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.next()[1]
            right = self.term()
            left = left + right if op == "+" else left - right
        return left

    def term(self) -> Any:
        left = self.unary()
        while self.peek() in ("*", "/"):
            op = self.next()[1]
            right = self.unary()
            left = left * right if op == "*" else left // right
        return left

    def unary(self) -> Any:
        if self.peek() == "-":
            self.next()
            return -self.unary()
        if self.peek() == "&":
            self.next()
        return self.primary()

    def primary(self) -> Any:
        kind, v = self.next()
        if kind in ("str", "raw"):
            return go_string(v)
        if kind == "num":
            t = v.replace("_", "")
            if t.lower().startswith("0x"):
                return int(t, 16)
            return float(t) if any(c in t for c in ".eE") else int(t)
        if v == "(":
            e = self.expr()
            self.expect(")")
            return e
        if v == "[":
            self.expect("]")
            kind, v = self.next()
            if v == "*":
                v = self.next()[1]
            return self.composite("[]" + v)
        if kind == "ident":
            if self.peek() == "{":
                return self.composite(v)
            if self.peek() == "(":
                return self.call(v)
            if v in CONSTS:
                return CONSTS[v]
            return {"_ident": v}
        raise SyntaxError(f"unexpected {v!r}")

    def call(self, name: str) -> Any:
        self.expect("(")
        args = []
        while self.peek() != ")":
            args.append(self.expr())
            if self.peek() == "...":
                self.next()
                args[-1] = {"_spread": args[-1]}
            if self.peek() == ",":
                self.next()
        self.expect(")")
        return CALLS[name](*args)

    def composite(self, typ: str) -> Any:
        self.expect("{")
        fields: dict[str, Any] = {}
        items: list[Any] = []
        while self.peek() != "}":
            if self.toks[self.i][0] == "ident" and self.peek(1) == ":":
                key = self.next()[1]
                self.next()
                fields[key] = self.value()
            else:
                items.append(self.value())
            if self.peek() == ",":
                self.next()
        self.expect("}")
        if typ.startswith("[]") or typ in ("Expressions", "ParseErrors") or items:
            return items
        if typ in ("time.Duration",):
            return items[0]
        return {"_type": typ.split(".")[-1], **fields}

    def value(self) -> Any:
        if self.peek() == "{":
            return self.composite("_elided")
        return self.expr()


def _fmt(fmt: str, *args: Any) -> str:
    def repl(m: re.Match[str]) -> str:
        v = next(it)
        if m.group(0) == "%f":
            return f"{v:f}"
        return str(v)
    it = iter(args)
    return re.sub(r"%[fsdq]", repl, fmt)


def _repeat_error(query: str, err: str, start: int, start_step: int, end: int, end_step: int, count: int) -> list[Any]:
    return [{"_type": "ParseErr", "PositionRange": {"_type": "PositionRange", "Start": start + i * start_step,
                                                     "End": end + i * end_step}, "Err": err, "Query": query}
            for i in range(count)]


def _append(base: list[Any], *more: Any) -> list[Any]:
    out = list(base)
    for m in more:
        out.extend(m["_spread"] if isinstance(m, dict) and "_spread" in m else [m])
    return out


MATCH = {"labels.MatchEqual": "=", "labels.MatchNotEqual": "!=", "labels.MatchRegexp": "=~",
         "labels.MatchNotRegexp": "!~"}
CALLS: dict[str, Any] = {
    "MustLabelMatcher": lambda t, n, v: {"_type": "Matcher", "Type": MATCH[t["_ident"]], "Name": n, "Value": v},
    "MustGetFunction": lambda name: {"_type": "Function", "Name": name},
    "makeInt64Pointer": lambda v: v,
    "errors.New": lambda s: s,
    "fmt.Errorf": _fmt,
    "fmt.Sprintf": _fmt,
    "strings.Repeat": lambda s, n: s * n,
    "repeatError": _repeat_error,
    "append": _append,
    "math.Inf": lambda sign: math.inf if sign >= 0 else -math.inf,
    "math.NaN": lambda: math.nan,
    "float64": float,
    "time.Duration": lambda v: v,
}


def extract(source: str) -> list[dict[str, Any]]:
    start = source.index("var testExpr = []struct {")
    body_start = source.index("}{", start) + 1
    reader = GoReader(source[body_start:source.index("\n}\n", body_start) + 2])
    cases = reader.composite("[]case")
    out = []
    for c in cases:
        errors = _compress([[e.get("PositionRange", {}).get("Start", 0), e.get("PositionRange", {}).get("End", 0),
                             e["Err"]] for e in c.get("errors") or []])
        out.append({"input": c["input"], "fail": bool(c.get("fail")), "errors": errors,
                    "expected": c.get("expected")})
    return out


def extract_printer(source: str) -> list[dict[str, str]]:
    start = source.index("func TestExprString(")
    body_start = source.index("}{", source.index("inputs := []struct {", start)) + 1
    end = source.index("\n\t}\n", body_start) + 3
    reader = GoReader(source[body_start:end])
    return [{"in": c["in"], "out": c.get("out") or c["in"]} for c in reader.composite("[]case")]


def _compress(errors: list[list[Any]]) -> list[Any]:
    """Runs of one message at evenly spaced positions become {"repeat": [start, start_step, end,
    end_step, count, message]} (the table builds one case's 10,999 errors that way)."""
    out: list[Any] = []
    i = 0
    while i < len(errors):
        j = i + 1
        if j < len(errors) and errors[j][2] == errors[i][2]:
            ds, de = errors[j][0] - errors[i][0], errors[j][1] - errors[i][1]
            while (j < len(errors) and errors[j][2] == errors[i][2] and errors[j][0] - errors[j - 1][0] == ds
                   and errors[j][1] - errors[j - 1][1] == de):
                j += 1
            if j - i >= 3:
                out.append({"repeat": [errors[i][0], ds, errors[i][1], de, j - i, errors[i][2]]})
                i = j
                continue
        out.append(errors[i])
        i += 1
    return out


def _json_default(o: Any) -> Any:
    raise TypeError(repr(o))


def main() -> None:
    repo, tag = sys.argv[1], sys.argv[2]
    source = subprocess.run(["git", "-C", repo, "show", f"{tag}:promql/parser/parse_test.go"], check=True,
                            capture_output=True, text=True).stdout
    cases = extract(source)
    version = tag.lstrip("v").rsplit(".", 1)[0]
    printer = subprocess.run(["git", "-C", repo, "show", f"{tag}:promql/parser/printer_test.go"], check=True,
                             capture_output=True, text=True).stdout
    printed = extract_printer(printer)
    Path(__file__).with_name(f"printer_test_{version}.json").write_text(json.dumps(
        {"source": f"prometheus/prometheus {tag} promql/parser/printer_test.go (TestExprString)", "cases": printed},
        indent=1, ensure_ascii=True) + "\n")
    print(f"{len(printed)} printer cases")
    target = Path(__file__).with_name(f"parse_test_{version}.json")
    text = json.dumps({"source": f"prometheus/prometheus {tag} promql/parser/parse_test.go (testExpr)",
                       "cases": cases}, indent=1, ensure_ascii=True, default=_json_default,
                      allow_nan=True)
    # surrogate escapes (invalid UTF-8 bytes in Go strings) survive as \udcXX escapes.
    target.write_text(text + "\n")
    print(f"{len(cases)} cases -> {target}")


if __name__ == "__main__":
    main()
