"""``@record``: an immutable dataclass whose immutability is checked by mypy, not at run time.

To the type checker a record is a frozen dataclass (``dataclass_transform(frozen_default=True)``):
assigning a field after ``__init__`` is an error, and ``mypy --strict`` runs in CI. At run time
it is a plain dataclass with the hash a frozen one would have (from its fields, unless the class
defines ``__hash__``). Two costs of ``frozen=True`` are saved that way:

* start-up: a frozen dataclass generates three more methods (``__setattr__``, ``__delattr__``,
  ``__hash__``), each compiled with ``exec`` when its module is imported, about 0.2 ms per
  class on CPython 3.11; a one-file ``ruletest test`` imports about ninety records;
* evaluation: a frozen ``__init__`` sets each field with ``object.__setattr__``, three times
  slower than an assignment, and the engine builds a sample, a vector or a series per result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(*, eq: bool = True, order: bool = False, slots: bool = False) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True)
def record(cls: type[_T] | None = None, /, *, eq: bool = True, order: bool = False,
           slots: bool = False) -> Any:
    """``@record`` or ``@record(eq=..., order=..., slots=...)``, as ``@dataclass(frozen=True, ...)``."""

    def wrap(c: type[_T]) -> type[_T]:
        # As frozen=True would: a __hash__ from the fields when eq is on, unless the class sets
        # its own (defining __eq__ alone makes Python set __hash__ = None: that is not its own).
        h = c.__dict__.get("__hash__", MISSING)
        own = h is not MISSING and not (h is None and "__eq__" in c.__dict__)
        return dataclass(c, eq=eq, order=order, slots=slots, unsafe_hash=eq and not own)

    return wrap if cls is None else wrap(cls)
