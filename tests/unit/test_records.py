"""``@record``: a dataclass that behaves as a frozen one in every way but assignment, which mypy
refuses instead (the guarantee the run-time check gave, now checked in CI)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

from ruletest.records import record


@record
class _Point:
    x: int
    y: tuple[int, ...] = ()


@record(eq=False)
class _Handle:
    name: str


@record(order=True)
class _Version:
    major: int
    minor: int


@record(slots=True)
class _Slotted:
    a: float


@record
class _OwnHash:
    key: str
    extra: int

    def __hash__(self) -> int:
        return hash(self.key)


@dataclasses.dataclass(frozen=True)
class _FrozenPoint:
    x: int
    y: tuple[int, ...] = ()


def test_a_record_is_a_dataclass_with_value_equality_and_the_frozen_hash() -> None:
    p = _Point(1, (2, 3))
    assert dataclasses.is_dataclass(p)
    assert p == _Point(1, (2, 3)) and p != _Point(1)
    # The same hash as the frozen dataclass with the same fields (dataclasses' field-tuple hash).
    assert hash(p) == hash(_FrozenPoint(1, (2, 3))) == hash((1, (2, 3)))
    assert {p, _Point(1, (2, 3))} == {p}
    assert repr(p) == "_Point(x=1, y=(2, 3))"
    assert dataclasses.replace(p, x=5) == _Point(5, (2, 3))


def test_eq_false_keeps_identity_equality_and_hash() -> None:
    a, b = _Handle("h"), _Handle("h")
    assert a != b and a == a
    assert hash(a) == object.__hash__(a)


def test_order_and_slots_are_passed_on() -> None:
    assert _Version(1, 2) < _Version(1, 10) < _Version(2, 0)
    s = _Slotted(1.5)
    assert not hasattr(s, "__dict__") and _Slotted.__slots__ == ("a",)
    assert hash(s) == hash((1.5,))


def test_a_class_with_its_own_hash_keeps_it() -> None:
    assert hash(_OwnHash("k", 1)) == hash(_OwnHash("k", 2)) == hash("k")
    assert _OwnHash("k", 1) != _OwnHash("k", 2)


def test_mypy_refuses_assigning_a_record_field(tmp_path: Path) -> None:
    src = tmp_path / "assign.py"
    src.write_text(textwrap.dedent("""\
        from ruletest.records import record

        @record
        class P:
            x: int

        @record(slots=True)
        class Q:
            y: int

        P(1).x = 2
        Q(1).y = 3
    """))
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "c"),
                           str(src)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'assign.py:11: error: Property "x" defined in "P" is read-only' in done.stdout
    assert 'assign.py:12: error: Property "y" defined in "Q" is read-only' in done.stdout
