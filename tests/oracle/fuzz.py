"""A seeded generator of random promtool test files for differential testing.

Each case is one test file with its own rule file: random input series (counter resets, gaps,
NaN, +-Inf, stale markers, huge and tiny values, classic histograms), random PromQL expression
tests (every Prometheus 2.42 function, operator and aggregation, matching modifiers, offsets,
``@``, subqueries), random recording and alerting rules (``for``, ``keep_firing_for``, templated
labels and annotations) and random templates (``printf`` verbs and flags, every template
function, control structures, parse and execution errors). Nothing is expected, so each tool
reports everything it got (see ``outcomes.py``).

Results that depend on promtool's random series order (topk/bottomk ties, the order of sums)
are generated only where the comparison can allow for them: topk/bottomk only at the top of an
expression test, template queries only sorted or over one series.

``make_case(seed, i)`` is deterministic for a seed and index, so a failing case can be
regenerated and shrunk by hand: ``python -m tests.oracle.fuzz --seed S --start I --count 1 --keep DIR``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .outcomes import tolerance_for

# --- values and series -----------------------------------------------------------------------------

FINITE = ["0", "1", "2", "3", "5", "7", "10", "100", "0.5", "0.1", "-1", "-2.5", "1e3", "1e-3", "123456789",
          "1e300", "-1e300", "1.7976931348623157e308", "5e-324", "1e-300", "4.9e-200", "86400", "1.5e9"]
SPECIAL = ["NaN", "Inf", "-Inf", "stale"]
STEPS = [1, 2, 3, 5, 7, 10]


@dataclass
class Case:
    index: int
    kind: str
    interval: str
    evaluation_interval: str
    series: list[tuple[str, str]]
    rule_groups: list[dict[str, Any]] = field(default_factory=list)
    expr_tests: list[tuple[str, str]] = field(default_factory=list)
    alert_tests: list[tuple[str, str]] = field(default_factory=list)
    external_labels: dict[str, str] = field(default_factory=dict)
    external_url: str = ""
    # Relative tolerance for numbers in alerts: non-zero when a rule's value may depend on
    # promtool's series order (sums) or on Go's libm (transcendental functions).
    alert_tolerance: float = 0.0

    @property
    def name(self) -> str:
        return f"case{self.index:05d}"

    def write(self, directory: Path) -> str:
        """Write the test file and its rule file; return the test file's name."""
        rules_name = f"{self.name}.rules.yml"
        (directory / rules_name).write_text(
            yaml.safe_dump({"groups": self.rule_groups}, sort_keys=False, width=100_000, allow_unicode=True))
        group: dict[str, Any] = {"interval": self.interval,
                                 "input_series": [{"series": s, "values": v} for s, v in self.series]}
        if self.external_labels:
            group["external_labels"] = self.external_labels
        if self.external_url:
            group["external_url"] = self.external_url
        if self.alert_tests:
            group["alert_rule_test"] = [{"alertname": a, "eval_time": t, "exp_alerts": []} for a, t in self.alert_tests]
        if self.expr_tests:
            group["promql_expr_test"] = [{"expr": e, "eval_time": t, "exp_samples": []} for e, t in self.expr_tests]
        doc = {"rule_files": [rules_name], "evaluation_interval": self.evaluation_interval, "tests": [group]}
        test_name = f"{self.name}.yml"
        (directory / test_name).write_text(yaml.safe_dump(doc, sort_keys=False, width=100_000, allow_unicode=True))
        return test_name


class Gen:
    """Random choices for one case."""

    def __init__(self, seed: int, index: int) -> None:
        self.r = random.Random(f"ruletest-fuzz:{seed}:{index}")
        self.metrics: dict[str, list[dict[str, str]]] = {}
        self.steps = 20

    def choice(self, xs: list[str]) -> str:
        return self.r.choice(xs)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    # --- series -------------------------------------------------------------------------------

    def values(self, steps: int, kind: str) -> str:
        parts: list[str] = []
        n = 0
        while n < steps:
            roll = self.r.random()
            k = self.r.choice(STEPS)
            if kind == "counter":
                start = self.choice(["0", "1", "5", "100"]) if not parts or self.chance(0.3) else None
                if start is None:
                    start = self.choice(["0", "2"])  # a reset
                parts.append(f"{start}+{self.choice(['1', '2', '5', '0.5', '10', '1e3'])}x{k}")
                n += k + 1
            elif roll < 0.35:
                a, b = self.choice(FINITE[:13]), self.choice(["1", "2", "0.5", "3", "10", "0.1"])
                parts.append(f"{a}{self.choice(['+', '-'])}{b}x{k}")
                n += k + 1
            elif roll < 0.5:
                parts.append(f"{self.choice(FINITE)}x{k}")
                n += k + 1
            elif roll < 0.6:
                parts.append("_" if k == 1 else f"_x{k}")
                n += k
            elif roll < 0.75:
                parts.append(self.choice(SPECIAL))
                n += 1
            else:
                parts.append(self.choice(FINITE))
                n += 1
        return " ".join(parts)

    def series(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        names = self.r.sample(["g", "c_total", "up", "h_bucket", "info", "temp"], self.r.randint(2, 4))
        if "g" not in names:
            names.append("g")
        inst = 0
        for name in names:
            self.metrics[name] = []
            if name == "h_bucket":
                bounds = self.r.choice([["0.1", "0.5", "1", "+Inf"], ["1", "2.5", "10", "+Inf"], ["0.25", "+Inf"],
                                        ["-1", "0", "1", "+Inf"], ["0.1", "1", "5"]])
                for job in self.r.sample(["a", "b"], self.r.randint(1, 2)):
                    rate = 0.0
                    for le in bounds:
                        rate += self.r.choice([0, 0, 1, 2, 5])
                        values = f"0+{rate:g}x{self.steps}"
                        if self.chance(0.1):
                            values = self.values(self.steps, "gauge")
                        labels = {"job": job, "le": le}
                        self.metrics[name].append(labels)
                        out.append((_selector(name, labels), values))
                continue
            for _ in range(self.r.randint(1, 4)):
                labels = {"job": self.choice(["a", "b"]), "instance": f"i{inst}"}
                inst += 1
                if name == "info":
                    labels["version"] = self.choice(["1.0", "2.0"])
                if self.chance(0.15):
                    labels["x"] = self.choice(["", "y", "z z"])
                    if labels["x"] == "":
                        del labels["x"]
                kind = "counter" if name == "c_total" else "gauge"
                if name == "up":
                    values = " ".join(self.choice(["0", "1", "1", "1"]) + f"x{self.r.choice(STEPS)}" for _ in range(4))
                elif name == "info":
                    values = f"1x{self.steps}"
                else:
                    values = self.values(self.steps, kind)
                self.metrics[name].append(labels)
                out.append((_selector(name, labels), values))
        return out

    # --- PromQL ---------------------------------------------------------------------------------

    def selector(self, allow_modifiers: bool = True) -> str:
        name = self.choice(sorted(self.metrics))
        roll = self.r.random()
        if roll < 0.5:
            sel = name
        elif roll < 0.6:
            sel = f'{name}{{job="{self.choice(["a", "b", "c"])}"}}'
        elif roll < 0.7:
            sel = f'{name}{{job=~"{self.choice(["a|b", "a.*", "(?i)A", "", ".+"])}"}}'
        elif roll < 0.78:
            sel = f'{name}{{instance!="i{self.r.randint(0, 5)}"}}'
        elif roll < 0.84:
            sel = f'{name}{{job!~"{self.choice(["b", "x|a"])}"}}'
        elif roll < 0.9:
            other = self.choice(sorted(self.metrics))
            sel = f'{{__name__=~"{name}|{other}"}}'
        elif roll < 0.95:
            sel = f'{name}{{x=""}}'
        else:
            sel = "nonexistent_metric"
        if allow_modifiers and self.chance(0.12):
            sel += self.modifier()
        return sel

    def modifier(self) -> str:
        return self.choice([" offset 1m", " offset 3m", " offset -2m", " @ 300", " @ 60.5", " @ start()", " @ end()",
                            " offset 1m @ 600"])

    def duration(self) -> str:
        return self.choice(["1m", "2m", "3m", "5m", "90s", "10m", "30s", "1m30s", "4m"])

    def number(self) -> str:
        return self.choice(["0", "1", "2", "0.5", "-1", "3.7", "1e3", "0x10", "Inf", "-Inf", "NaN", "100", ".5", "1e-3",
                            "1e308"])

    def scalar(self, depth: int) -> str:
        roll = self.r.random()
        if depth <= 0 or roll < 0.55:
            return self.number()
        if roll < 0.65:
            return self.choice(["time()", "pi()"])
        if roll < 0.8:
            return f"scalar({self.vector(depth - 1)})"
        op = self.choice(["+", "-", "*", "/", "%", "^", "atan2", ">", "==", "<="])
        if op in (">", "==", "<="):
            op += " bool"  # comparisons between scalars need it
        return f"({self.scalar(depth - 1)} {op} {self.scalar(depth - 1)})"

    def range_vector(self, depth: int) -> str:
        if depth > 0 and self.chance(0.2):
            inner = self.vector(depth - 1)
            sub = self.choice(["[5m:1m]", "[10m:]", "[3m:30s]", "[4m:2m]", "[6m:90s]"])
            mod = self.modifier() if self.chance(0.2) else ""
            return f"({inner}){sub}{mod}"
        sel = self.selector(allow_modifiers=False)
        mod = self.modifier() if self.chance(0.2) else ""
        return f"{sel}[{self.duration()}]{mod}"

    def vector(self, depth: int) -> str:
        if depth <= 0:
            return self.selector()
        kind = self.r.randrange(16)
        if kind <= 1:
            return self.selector()
        if kind == 2:
            f = self.choice(["rate", "increase", "delta", "irate", "idelta", "deriv", "changes", "resets",
                             "avg_over_time", "sum_over_time", "count_over_time", "min_over_time", "max_over_time",
                             "last_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time",
                             "absent_over_time"])
            return f"{f}({self.range_vector(depth - 1)})"
        if kind == 3:
            roll = self.r.randrange(3)
            if roll == 0:
                return f"quantile_over_time({self.scalar(0)}, {self.range_vector(depth - 1)})"
            if roll == 1:
                return f"predict_linear({self.range_vector(depth - 1)}, {self.scalar(0)})"
            return f"holt_winters({self.range_vector(depth - 1)}, {self.choice(['0.5', '0.1', '0.9', '0', '1'])}, " \
                   f"{self.choice(['0.5', '0.3', '1.5'])})"
        if kind == 4:
            f = self.choice(["abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "sin", "cos", "tan",
                             "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad",
                             "timestamp", "sort", "sort_desc", "absent", "histogram_count", "histogram_sum"])
            return f"{f}({self.vector(depth - 1)})"
        if kind == 5:
            f = self.choice(["minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month",
                             "year"])
            return f"{f}()" if self.chance(0.2) else f"{f}({self.vector(depth - 1)})"
        if kind == 6:
            agg = self.choice(["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"])
            mod = self.choice(["", " by (job)", " without (instance)", " by (job, le)", " by ()", " without ()",
                               " by (__name__)", " without (job)"])
            return f"{agg}{mod} ({self.vector(depth - 1)})" if self.chance(0.7) else \
                f"{agg}({self.vector(depth - 1)}){mod}"
        if kind == 7:
            op = self.choice(["+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<="])
            b = " bool" if op in ("==", "!=", ">", "<", ">=", "<=") and self.chance(0.4) else ""
            if self.chance(0.5):
                return f"{self.vector(depth - 1)} {op}{b} {self.scalar(1)}"
            return f"{self.scalar(1)} {op}{b} {self.vector(depth - 1)}"
        if kind == 8:
            op = self.choice(["+", "-", "*", "/", "==", ">", "<=", "and", "or", "unless", "%", "^"])
            b = " bool" if op in ("==", ">", "<=") and self.chance(0.3) else ""
            mod = self.choice(["", "", " on(job)", " ignoring(instance)", " on(job, instance)", " ignoring(le)",
                               " on()", " on(job) group_left()", " on(job) group_left(version)",
                               " ignoring(instance) group_right()", " on(instance) group_left(job)"])
            if op in ("and", "or", "unless") and "group" in mod:
                mod = ""
            return f"({self.vector(depth - 1)}) {op}{b}{mod} ({self.vector(depth - 1)})"
        if kind == 9:
            q = self.choice(["0", "0.25", "0.5", "0.9", "1", "-1", "2", "NaN", "0.99"])
            if self.chance(0.5):
                return f"histogram_quantile({q}, {self.vector(depth - 1)})"
            return f"quantile({q}, {self.vector(depth - 1)})"
        if kind == 10:
            f = self.choice(["clamp_min", "clamp_max", "round"])
            if f == "round" and self.chance(0.3):
                return f"round({self.vector(depth - 1)})"
            if self.chance(0.3):
                return f"clamp({self.vector(depth - 1)}, {self.scalar(0)}, {self.scalar(0)})"
            return f"{f}({self.vector(depth - 1)}, {self.scalar(0)})"
        if kind == 11:
            if self.chance(0.5):
                dst = self.choice(["job", "dst", "instance", "__name__", "1bad", "le"])
                repl = self.choice(["$1", "${1}-x", "$2", "", "v$1$1", "$name"])
                src = self.choice(["job", "instance", "missing", "le", "__name__"])
                regex = self.choice(["(.*)", "i(\\\\d+)", "(a|b)", "", "(?P<name>.)(.)", ".+"])
                return f'label_replace({self.vector(depth - 1)}, "{dst}", "{repl}", "{src}", "{regex}")'
            srcs = ", ".join(f'"{s}"' for s in self.r.sample(["job", "instance", "le", "missing"], self.r.randint(0, 2)))
            tail = f", {srcs}" if srcs else ""
            return f'label_join({self.vector(depth - 1)}, "{self.choice(["j", "job", "__name__"])}", ' \
                   f'"{self.choice(["-", "", ","])}"{tail})'
        if kind == 12:
            return f'count_values("{self.choice(["v", "job", "le", "value"])}", {self.vector(depth - 1)})' \
                if self.chance(0.7) else \
                f'count_values by (job) ("{self.choice(["v", "instance"])}", {self.vector(depth - 1)})'
        if kind == 13:
            return f"vector({self.scalar(depth - 1)})"
        if kind == 14:
            return f"-{self.vector(depth - 1)}" if self.chance(0.5) else f"({self.vector(depth - 1)})"
        return f"{self.selector()} {self.choice(['>', '<', '==', '!=', '>='])} {self.number()}"

    def top_expr(self) -> str:
        roll = self.r.random()
        depth = self.r.choice([1, 1, 2, 2, 3])
        if roll < 0.08:
            return f"{self.choice(['topk', 'bottomk'])}({self.choice(['1', '2', '0', '-1', '1e3', 'NaN'])}, " \
                   f"{self.vector(depth)})"
        if roll < 0.12:
            return f"{self.choice(['topk', 'bottomk'])} by (job) ({self.choice(['1', '2'])}, {self.vector(depth)})"
        if roll < 0.2:
            return self.scalar(2)
        return self.vector(depth)

    def eval_time(self) -> str:
        secs = self.r.choice([0, 30, 60, 90, 120, 180, 300, 420, 600, 750, 900, 1140, 1200, 1500])
        return _duration(secs)


def _duration(secs: int) -> str:
    if secs == 0:
        return "0s"
    out = ""
    if secs >= 60:
        out += f"{secs // 60}m"
    if secs % 60:
        out += f"{secs % 60}s"
    return out


def _selector(name: str, labels: dict[str, str]) -> str:
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


# --- templates ---------------------------------------------------------------------------------------

FUNCS_1_NUMBER = ["humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp",
                  "toTime"]
FUNCS_1_STRING = ["title", "toUpper", "toLower", "stripPort", "stripDomain", "graphLink", "tableLink", "safeHtml",
                  "urlquery", "html", "js", "len", "parseDuration"]
STRINGS = ['"hello wORLD"', '"a b&c/d?e=f"', '"straße ß ǆ"', '"web-1.example.org:9100"', '"[::1]:9090"',
           '"10.0.0.1:80"', '"x"', '""', '"1.5"', '"abc"', '"1h30m"', '"-5m"', '"0x1p-2"', '"Inf"', '"1e400"',
           '"it\'s <b>\\"q\\"</b>"', '"tab\\there\\nnewline"', '"ünïcödé ☃"', '"1_000"', '" 7"', "`raw\\n`",
           '"they\'re 1st a.b-c_d"', '"\\u00a0nb"']
NUMBERS = ["0", "1", "-3", "42", "1000", "1.5", "-0.25", "1e3", "1e21", "0x1F", "1e-7", "86400", "1435065584.128",
           "'a'", "3.0", "1e100", "-1e100", "9.3e9", "1e15"]
VERBS = [*"vdsfFeEgGxXqcUbotT", "!", "w", "z"]


class TemplateGen:
    """Random alert templates over the names a rule's template can see."""

    def __init__(self, r: random.Random, metrics: list[str], query_metric: str) -> None:
        self.r = r
        self.metrics = metrics
        self.query_metric = query_metric

    def choice(self, xs: list[str]) -> str:
        return self.r.choice(xs)

    def number_value(self) -> str:
        return self.choice(["$value", ".Value", *NUMBERS, "(len $labels)", '(index (args 1.5 2) "arg0")',
                            f'(query "{self.query_metric}" | first | value)', '(parseDuration "1m30s")'])

    def string_value(self) -> str:
        return self.choice(["$labels.instance", "$labels.job", '(index $labels "job")', "$labels.missing",
                            "$externalURL", "$externalLabels.site", *STRINGS,
                            f'(label "instance" (query "{self.query_metric}" | first))',
                            f'(strvalue (query "{self.query_metric}" | first))', "pathPrefix", "externalURL"])

    def any_value(self) -> str:
        roll = self.r.random()
        if roll < 0.45:
            return self.number_value()
        if roll < 0.85:
            return self.string_value()
        return self.choice(["true", "false", "nil", "$labels", '(args 1 "x" 2.5)', "(toTime 1435065584.128)",
                            f'(query "{self.query_metric}" | first)'])

    def printf(self) -> str:
        parts = []
        for _ in range(self.r.randint(1, 3)):
            parts.append(self.choice(["", "v=", " | ", "%%", "a%", "%"]) if self.r.random() < 0.3 else "")
            spec = "%"
            spec += "".join(self.r.sample(["-", "+", "#", " ", "0"], self.r.choice([0, 0, 1, 1, 2])))
            if self.r.random() < 0.15:
                spec += self.choice(["[1]", "[2]", "[3]", "[0]", "[x]", "[9]"])
            if self.r.random() < 0.35:
                spec += self.choice(["5", "8", "1", "12", "*"])
            if self.r.random() < 0.35:
                spec += "." + self.choice(["", "0", "2", "3", "10", "*"])
            spec += self.choice(VERBS)
            parts.append(spec)
        fmt = "".join(parts).replace('"', "")
        args = " ".join(self.any_value() for _ in range(self.r.choice([0, 1, 1, 2, 2, 3])))
        return f'printf "{fmt}" {args}'.rstrip()

    def pipeline(self) -> str:
        roll = self.r.randrange(20)
        if roll < 4:
            return f"{self.choice(FUNCS_1_NUMBER)} {self.number_value()}"
        if roll < 7:
            return f"{self.choice(FUNCS_1_STRING)} {self.string_value()}"
        if roll < 10:
            return self.printf()
        if roll == 10:
            pattern = self.choice(['"a*"', '"(.*):(.*)"', '"x*"', '"[aeiou]"', '"^"', '"$"', '"(?P<h>[^.]+)\\\\..*"',
                                   '"("', '"b+"'])
            repl = self.choice(['"-"', '"$2-$1"', '"${h}"', '"[$0]"', '""', '"$$"'])
            text = self.choice(['"baaac"', *STRINGS[:6], "$labels.instance"])
            return f"reReplaceAll {pattern} {repl} {text}"
        if roll == 11:
            pattern = self.choice(['"^web"', '"a|b"', '"["', '""', '"(?i)X"'])
            return f"match {pattern} {self.string_value()}"
        if roll == 12:
            return f"{self.choice(['print', 'println'])} {self.any_value()} {self.any_value()}"
        if roll == 13:
            return f"{self.choice(['eq', 'ne', 'lt', 'le', 'gt', 'ge'])} {self.any_value()} {self.any_value()}"
        if roll == 14:
            return f"{self.choice(['and', 'or'])} {self.any_value()} {self.any_value()}"
        if roll == 15:
            return f"{self.number_value()} | {self.choice(FUNCS_1_NUMBER)}"
        if roll == 16:
            return f"slice {self.choice(STRINGS[:8])} {self.r.randint(0, 3)} {self.r.randint(0, 6)}"
        if roll == 17:
            item = self.choice(["$labels", "(args 1 2)", STRINGS[0], "$externalLabels"])
            key = self.choice(['"job"', "0", "1", '"arg1"', "5"])
            return f"index {item} {key}"
        if roll == 18:
            return f"{self.choice(['not', 'len'])} {self.any_value()}"
        return self.any_value()

    def template(self) -> str:
        out = []
        for _ in range(self.r.randint(1, 3)):
            if self.r.random() < 0.3:
                out.append(self.choice(["x ", " ", "\n", "value: ", "ü ", "{", "}"]))
            roll = self.r.random()
            if roll < 0.6:
                out.append("{{ " + self.pipeline() + " }}")
            elif roll < 0.7:
                out.append("{{ if " + self.pipeline() + " }}T{{ else }}F{{ end }}")
            elif roll < 0.76:
                out.append("{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}")
            elif roll < 0.8:
                out.append(f'{{{{ range sortByLabel "instance" (query "{self.query_metric}") }}}}'
                           "{{ .Labels.instance }}:{{ .Value }};{{ end }}")
            elif roll < 0.84:
                out.append("{{ with " + self.any_value() + " }}<{{ . }}>{{ else }}none{{ end }}")
            elif roll < 0.88:
                out.append("{{ $x := " + self.any_value() + " }}{{ $x }}")
            elif roll < 0.9:
                out.append("{{- " + self.pipeline() + " -}}")
            elif roll < 0.92:
                out.append('{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" ' + self.any_value() + " }}")
            else:
                out.append(self.choice([
                    "{{ nosuchfunc 1 }}", "{{ .Nope }}", "{{ $labels.job.sub }}", "{{ if }}x{{ end }}", "{{ (1) 2 }}",
                    "{{ 1 | printf }}", "{{ printf }}", "{{ humanize }}", "{{ $undefined }}", "{{ \"unterminated }}",
                    "{{ end }}", "{{ range 3 }}{{ . }}{{ end }}", "{{ index 1 2 }}", "{{ len 3 }}", "{{ slice \"abc\" 2 1 }}",
                    "{{ first (query \"nonexistent_metric\") }}", "{{ query \"sum(\" }}", "{{/* c */}}ok",
                    "{{ template \"missing\" }}", "{{ break }}", "{{ 'ab' }}", "{{ 0x1G }}", "{{ toTime \"x\" }}",
                    "{{ now }}", "{{ toDuration 90 }}", "{{ urlQueryEscape \"a b\" }}", "{{ call 1 }}", "{{ . }}",
                ]))
        return "".join(out)


# --- cases -------------------------------------------------------------------------------------------------


def make_case(seed: int, index: int) -> Case:
    g = Gen(seed, index)
    kind = g.r.choices(["promql", "rules", "templates"], weights=[4, 3, 3])[0]
    interval = g.choice(["1m", "1m", "30s", "2m"])
    evaluation_interval = g.choice(["1m", "1m", "30s"])
    case = Case(index, kind, interval, evaluation_interval, g.series())
    if kind == "promql":
        seen = set()
        for _ in range(g.r.randint(6, 14)):
            expr = g.top_expr()
            t = g.eval_time()
            if (expr, t) not in seen:
                seen.add((expr, t))
                case.expr_tests.append((expr, t))
        return case
    case.external_labels = {"site": g.choice(["eqiad", "x y", ""])} if g.chance(0.7) else {}
    case.external_labels = {k: v for k, v in case.external_labels.items() if v}
    case.external_url = g.choice(["", "http://prom.example.org:9090/prefix", "https://p.example/"])
    if kind == "rules":
        _rules(g, case)
    else:
        _templates(g, case)
    return case


def _rules(g: Gen, case: Case) -> None:
    rules: list[dict[str, Any]] = []
    names = []
    for i in range(g.r.randint(0, 2)):
        rec = f"rec:{i}"
        expr = g.vector(g.r.choice([1, 2]))
        rules.append({"record": rec, "expr": expr})
        g.metrics[rec] = []
    tg = TemplateGen(g.r, sorted(g.metrics), "g{instance='i0'}")
    for i in range(g.r.randint(1, 3)):
        name = f"A{i}"
        names.append(name)
        roll = g.r.random()
        if roll < 0.5:
            expr = f"{g.vector(g.r.choice([0, 1, 2]))} {g.choice(['>', '<', '>=', '!=', '=='])} {g.number()}"
        elif roll < 0.6:
            expr = f"absent({g.selector()})"
        else:
            expr = g.vector(g.r.choice([1, 2]))
        rule: dict[str, Any] = {"alert": name, "expr": expr}
        if g.chance(0.6):
            rule["for"] = g.choice(["0s", "1m", "2m", "90s", "5m"])
        if g.chance(0.3):
            rule["keep_firing_for"] = g.choice(["1m", "3m", "30s"])
        labels = {"severity": g.choice(["page", "ticket"])}
        if g.chance(0.4):
            labels["dyn"] = g.choice(["{{ $labels.job }}", "{{ $value }}", "{{ humanize $value }}", "x-{{ .Labels.instance }}",
                                      "{{ if gt $value 1.0 }}high{{ end }}"])
        rule["labels"] = labels
        rule["annotations"] = {"summary": tg.template(), "value": g.choice(["{{ $value }}", "{{ $value | humanize }}"])}
        rules.append(rule)
    case.alert_tolerance = tolerance_for(" ".join(r["expr"] for r in rules))
    case.rule_groups = [{"name": "g", "rules": rules}]
    for name in names:
        for t in sorted({g.eval_time() for _ in range(g.r.randint(1, 4))}):
            case.alert_tests.append((name, t))
    records = [r["record"] for r in rules if "record" in r]
    for _ in range(g.r.randint(0, 4)):
        expr = g.choice(["ALERTS", 'ALERTS{alertstate="firing"}', "ALERTS_FOR_STATE", *(records or ["up"])])
        t = g.eval_time()
        if (expr, t) not in case.expr_tests:
            case.expr_tests.append((expr, t))


def _templates(g: Gen, case: Case) -> None:
    tg = TemplateGen(g.r, sorted(g.metrics), "g{instance='i0'}")
    annotations = {f"t{i:02d}": tg.template() for i in range(g.r.randint(4, 10))}
    labels = {"severity": "page"}
    if g.chance(0.3):
        labels["tl"] = tg.template()
    expr = g.choice(["g", 'g{job="a"}', "g > 0", "-g", "g * 1e10", "g / 1e10", "timestamp(g)", "g == g"])
    case.rule_groups = [{"name": "g", "rules": [{"alert": "T", "expr": expr, "labels": labels,
                                                 "annotations": annotations}]}]
    for t in sorted({g.eval_time() for _ in range(g.r.randint(1, 2))}):
        case.alert_tests.append(("T", t))


# --- running -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    test_file: str
    differences: list[str]
    reported: int  # failures promtool reported (everything it got)
    ours: list[Any] = field(default_factory=list)  # outcomes.Item
    theirs: list[Any] = field(default_factory=list)


def run_cases(seed: int, indices: list[int], directory: Path, *, batch_size: int = 80) -> list[Outcome]:
    """Generate, write and run the cases with both tools."""
    return run_case_list([make_case(seed, i) for i in indices], directory, batch_size=batch_size)


def run_case_list(cases: list[Case], directory: Path, *, batch_size: int = 80) -> list[Outcome]:
    """Write and run cases with both tools; promtool runs once per batch of files, in the
    background while ruletest works."""
    import subprocess
    import traceback

    from .outcomes import Item, differences, run_ruletest, split_promtool_output
    from .promtool import require_promtool

    promtool = require_promtool()
    names = [c.write(directory) for c in cases]
    procs = [subprocess.Popen([promtool, "test", "rules", *names[i:i + batch_size]], cwd=directory,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for i in range(0, len(names), batch_size)]
    ours: dict[str, list[Item]] = {}
    for name in names:
        try:
            ours[name] = run_ruletest(directory / name)
        except Exception:  # a crash is a difference to report, not the end of the run
            ours[name] = [Item("other", ("ruletest crashed",), error=traceback.format_exc())]
    theirs: dict[str, list[Item]] = {}
    for proc in procs:
        out, _ = proc.communicate(timeout=900)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"promtool failed ({proc.returncode}):\n{out[-3000:]}")
        theirs.update(split_promtool_output(out))
    outcomes = []
    for case, name in zip(cases, names, strict=True):
        if name not in theirs:
            raise RuntimeError(f"promtool did not report {name}")
        tol = case.alert_tolerance
        diffs = differences(ours[name], theirs[name], lambda _a, t=tol: t)  # type: ignore[misc]
        outcomes.append(Outcome(case, name, diffs, len(theirs[name]), ours[name], theirs[name]))
    return outcomes


def _cli() -> None:  # pragma: no cover - a tool for local runs
    import argparse
    import tempfile

    p = argparse.ArgumentParser(prog="python -m tests.oracle.fuzz", description="Differential fuzzing against promtool.")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--keep", type=Path, help="write the cases here (default: a temporary directory)")
    p.add_argument("--show", type=int, default=5, help="how many differing cases to print")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="ruletest-fuzz-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        outcomes = run_cases(args.seed, list(range(args.start, args.start + args.count)), directory)
    bad = [o for o in outcomes if o.differences]
    kinds: dict[str, int] = {}
    for o in outcomes:
        kinds[o.case.kind] = kinds.get(o.case.kind, 0) + 1
    print(f"{len(outcomes)} cases {kinds}, {sum(o.reported for o in outcomes)} results compared, "
          f"{len(bad)} cases differ")
    for o in bad[:args.show]:
        print(f"\n=== {o.test_file} ({o.case.kind}) seed {args.seed} case {o.case.index}")
        for d in o.differences[:6]:
            print(d)


if __name__ == "__main__":  # pragma: no cover
    _cli()
