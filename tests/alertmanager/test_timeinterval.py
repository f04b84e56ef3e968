"""Time intervals (timeinterval/timeinterval.go ContainsTime at v0.25.0), by hand-checked dates."""

from __future__ import annotations

from datetime import UTC, datetime

from ruletest.alertmanager.timeinterval import TimeInterval


def ns(text: str) -> int:
    return int(datetime.fromisoformat(text).astimezone(UTC).timestamp()) * 1_000_000_000


def test_fields_and_ranges() -> None:
    weekday_evenings = TimeInterval(times=((17 * 60, 24 * 60),), weekdays=((1, 5),))
    assert weekday_evenings.contains(ns("2024-03-01T17:00:00+00:00"))  # a Friday, start included
    assert not weekday_evenings.contains(ns("2024-03-01T16:59:00+00:00"))
    assert not weekday_evenings.contains(ns("2024-03-02T18:00:00+00:00"))  # Saturday
    assert TimeInterval(months=((12, 12),), years=((2024, 2024),)).contains(ns("2024-12-31T23:59:00+00:00"))
    assert not TimeInterval(months=((13, 13),)).contains(ns("2024-12-31T23:59:00+00:00"))  # accepted, never matches
    assert TimeInterval().contains(ns("1999-01-01T00:00:00+00:00"))  # no field: always


def test_days_of_month_count_from_the_end_and_clamp() -> None:
    last = TimeInterval(days_of_month=((-1, -1),))
    assert last.contains(ns("2024-02-29T12:00:00+00:00")) and not last.contains(ns("2024-02-28T12:00:00+00:00"))
    # A range starting after the month's last day is skipped; its end is clamped.
    assert not TimeInterval(days_of_month=((30, 31),)).contains(ns("2024-02-29T12:00:00+00:00"))
    assert TimeInterval(days_of_month=((29, 31),)).contains(ns("2024-02-29T12:00:00+00:00"))


def test_location_and_the_spring_forward_month_bug() -> None:
    paris = TimeInterval(times=((9 * 60, 10 * 60),), location="Europe/Paris")
    assert paris.contains(ns("2024-01-10T08:30:00+00:00"))  # 09:30 in Paris
    # March 2024 in Paris lasts 743 hours; Go's daysInMonth truncates 743/24 to 30, so -1 is
    # the 30th there (fixed after v0.34, reference §1.5).
    last = TimeInterval(days_of_month=((-1, -1),), location="Europe/Paris")
    assert last.contains(ns("2024-03-30T12:00:00+01:00"))
    assert not last.contains(ns("2024-03-31T12:00:00+02:00"))
