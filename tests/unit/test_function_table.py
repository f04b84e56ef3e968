"""The one function table: its signatures agree with an independent transcription of
Prometheus' ``parser/functions.go`` (the Rust promql-parser's), the engine dispatches from it, and
the linter reads what a function does to ``__name__`` from it."""

from __future__ import annotations

from pathlib import Path

import promql_parser as pp
import pytest

from ruletest.lint import lint_paths
from ruletest.lint.config import LintConfig
from ruletest.promql.function_table import FUNCTIONS, FunctionDef
from ruletest.semantics import PROMETHEUS_2, PROMETHEUS_3
from tests.unit.helpers import engine, result

_ARG = {"vector": "v", "matrix": "v[5m]", "scalar": "1", "string": '"a"'}


def _call(fd: FunctionDef) -> str:
    return f"{fd.name}({', '.join(_ARG[t] for t in fd.arg_types)})"


@pytest.mark.parametrize("fd", [d for d in FUNCTIONS.values() if d.in_3x and d.kind != "context"], ids=lambda d: d.name)
def test_signature_matches_promql_parser(fd: FunctionDef) -> None:
    parsed = pp.parse(_call(fd))
    f = parsed.func
    assert [str(t).rsplit(".", 1)[-1].lower() for t in f.arg_types] == list(fd.arg_types)
    assert f.variadic == fd.variadic
    assert str(f.return_type).rsplit(".", 1)[-1].lower() == fd.return_type
    assert bool(f.experimental) == fd.experimental


def test_every_prometheus_3_function_is_in_the_table() -> None:
    # Prometheus 3.14 has 90 functions (parser/functions.go); holt_winters is 2.x only.
    assert sum(1 for d in FUNCTIONS.values() if d.in_3x) == 90
    assert [d.name for d in FUNCTIONS.values() if not d.in_3x] == ["holt_winters"]
    assert not FUNCTIONS["first_over_time"].exists_in(PROMETHEUS_2)
    assert FUNCTIONS["holt_winters"].exists_in(PROMETHEUS_2) and not FUNCTIONS["holt_winters"].exists_in(PROMETHEUS_3)


@pytest.mark.parametrize("name", sorted(n for n, d in FUNCTIONS.items()
                                        if d.kind in ("range", "float") and d.in_3x and len(d.arg_types) == 1))
def test_engine_keeps_or_drops_the_name_as_the_table_says(name: str) -> None:
    fd = FUNCTIONS[name]
    e = engine({'m{job="x"}': "1 2 3 4 5 6"})
    got = result(e, _call(fd).replace("v[5m]", "m[5m]").replace("(v)", "(m)"), 5 * 60_000)
    keys = list(got)
    assert keys, f"{name} returned nothing"
    assert all(('__name__="m"' in k) == fd.keeps_name for k in keys), (name, keys)


@pytest.mark.parametrize("expr", ["sum_over_time({job=\"x\"}[5m])", "sgn({job=\"x\"})", "rate({job=\"x\"}[5m])",
                                  "-{job=\"x\"}"])
def test_name_only_series_knows_every_name_dropping_function(expr: str, tmp_path: Path) -> None:
    # Two metrics under job="x": the engine fails these ("vector cannot contain metrics with the
    # same labelset"), so the linter must warn for each, not only for rate().
    e = engine({'a{job="x"}': "1 2 3 4 5 6", 'b{job="x"}': "1 2 3 4 5 6"})
    with pytest.raises(Exception, match="same labelset"):
        result(e, expr, 5 * 60_000)
    p = tmp_path / "r.yml"
    p.write_text(f"groups:\n  - name: g\n    rules:\n      - record: r\n        expr: '{expr}'\n")
    found = [f.check for f in lint_paths([str(p)], LintConfig()).findings]
    assert "promql/name-only-series" in found


def test_last_over_time_keeps_the_name_so_no_warning(tmp_path: Path) -> None:
    p = tmp_path / "r.yml"
    p.write_text("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: 'last_over_time({job=\"x\"}[5m])'\n")
    assert "promql/name-only-series" not in [f.check for f in lint_paths([str(p)], LintConfig()).findings]
