"""PromQL function signatures as the parser checks them, read from the one function table
(:mod:`ruletest.promql.function_table`): Prometheus 3.14's ``promql/parser/functions.go`` and,
for ``--prometheus 2``, 2.42's."""

from __future__ import annotations

from functools import cache
from typing import Literal

from ruletest.records import record

ValueType = Literal["scalar", "vector", "matrix", "string"]


@record(slots=True)
class Signature:
    """A function's signature as the parser checks calls against it."""

    name: str
    arg_types: tuple[ValueType, ...]
    # Go's Function.Variadic: 0 exactly arg_types; n > 0 up to n more of the last type;
    # -1 any number of them.
    variadic: int
    return_type: ValueType
    experimental: bool = False  # needs --enable-feature=promql-experimental-functions (3.x)


@cache
def functions(version: int) -> dict[str, Signature]:
    """The functions a Prometheus major version knows, by name."""
    # The table holds the implementations, which import the syntax tree: read it when the first
    # expression is parsed, not when this module is imported.
    from ruletest.promql.function_table import FUNCTIONS

    v3 = version >= 3
    return {name: Signature(name, d.arg_types, d.variadic, d.return_type, d.experimental and v3)
            for name, d in FUNCTIONS.items() if (d.in_3x if v3 else d.in_2x)}
