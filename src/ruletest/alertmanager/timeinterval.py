"""Time intervals (``timeinterval/timeinterval.go``): when a route is muted or active.

An interval matches a time if any of its entries does; within an entry every field that is
present must match, and within a field any range may. Ranges never wrap. Error messages are
Alertmanager's."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime

from ruletest.alertmanager.gotime import NS, TimeError, load_location
from ruletest.errors import RuletestError
from ruletest.records import record


class IntervalError(RuletestError):
    pass


_DAYS = {"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6}
_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
           "september": 9, "october": 10, "november": 11, "december": 12}
_MONTH_NAMES = {v: k for k, v in _MONTHS.items()}
_ATOI = re.compile(r"[+-]?\d+")
_VALID_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00")


@record
class TimeInterval:
    """One entry of a named interval. ``None`` means the field is absent (matches all)."""

    times: tuple[tuple[int, int], ...] | None = None  # [start, end) minutes of the day
    weekdays: tuple[tuple[int, int], ...] | None = None
    days_of_month: tuple[tuple[int, int], ...] | None = None
    months: tuple[tuple[int, int], ...] | None = None
    years: tuple[tuple[int, int], ...] | None = None
    location: str | None = None

    def contains(self, ns: int) -> bool:
        """``ContainsTime``: ``ns`` (Unix nanoseconds) in the entry's location (UTC by default)."""
        zone = load_location(self.location) if self.location else None
        secs = ns // NS
        t = datetime.fromtimestamp(secs, tz=UTC)
        if zone is not None:
            t = t.astimezone(zone)
        if self.times is not None:
            minute = t.hour * 60 + t.minute
            if not any(s <= minute < e for s, e in self.times):
                return False
        if self.days_of_month is not None:
            dim = _days_in_month(t, zone)
            hit = False
            for b, e in self.days_of_month:
                begin = dim + b + 1 if b < 0 else b
                end = dim + e + 1 if e < 0 else e
                if begin > dim:
                    continue
                begin = _clamp(begin, -dim, dim)
                end = _clamp(end, -dim, dim)
                if begin <= t.day <= end:
                    hit = True
                    break
            if not hit:
                return False
        if self.months is not None and not any(b <= t.month <= e for b, e in self.months):
            return False
        weekday = (t.weekday() + 1) % 7
        if self.weekdays is not None and not any(b <= weekday <= e for b, e in self.weekdays):
            return False
        return not (self.years is not None and not any(b <= t.year <= e for b, e in self.years))


def _clamp(n: int, lo: int, hi: int) -> int:
    return lo if n <= lo else hi if n >= hi else n


def _days_in_month(t: datetime, zone: zoneinfo.ZoneInfo | None) -> int:
    """Go's ``daysInMonth``: the month's length in hours / 24, truncated. In a month with a
    spring-forward change this is one day short (Alertmanager 0.25-0.34 behave so)."""
    start = datetime(t.year, t.month, 1, tzinfo=zone or UTC)
    nxt = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1, tzinfo=zone or UTC)
    hours = (nxt.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600
    return int(hours / 24)


# --- parsing (the UnmarshalYAML methods) -------------------------------------------------------


def _atoi(s: str) -> int:
    if not _ATOI.fullmatch(s):
        raise IntervalError(f'strconv.Atoi: parsing "{s}": invalid syntax')
    return int(s)


def _range(text: str, what: str) -> tuple[int, int]:
    s = text.lower()

    def one(x: str) -> int:
        if what == "weekday":
            if x not in _DAYS:
                raise IntervalError(f"{x} is not a valid weekday")
            return _DAYS[x]
        if what == "month":
            if x in _MONTHS:
                return _MONTHS[x]
            if not _ATOI.fullmatch(x):
                raise IntervalError(f"{x} is not a valid month")
            return int(x)
        return _atoi(x)

    if ":" in s:
        parts = s.split(":")
        if len(parts) != 2:
            raise IntervalError(f"couldn't parse range {s}, invalid format")
        return one(parts[0]), one(parts[1])
    v = one(s)
    return v, v


def parse_weekday_range(text: str) -> tuple[int, int]:
    b, e = _range(text, "weekday")
    if b > e:
        raise IntervalError("start day cannot be before end day")
    if not 0 <= b <= 6 or not 0 <= e <= 6:
        raise IntervalError(f"{text} is not a valid day of the week: out of range")
    return b, e


def parse_day_of_month_range(text: str) -> tuple[int, int]:
    b, e = _range(text, "day")
    if b == 0 or b < -31 or b > 31:
        raise IntervalError(f"{b} is not a valid day of the month: out of range")
    if e == 0 or e < -31 or e > 31:
        raise IntervalError(f"{e} is not a valid day of the month: out of range")
    if b < 0 < e:
        raise IntervalError("end day must be negative if start day is negative")
    cb = 28 + b if b < 0 else b
    ce = 28 + e if e < 0 else e
    if cb > ce:
        raise IntervalError(f"end day {e} is always before start day {b}")
    return b, e


def parse_month_range(text: str) -> tuple[int, int]:
    b, e = _range(text, "month")
    if b > e:
        raise IntervalError(f"end month {_MONTH_NAMES.get(e, '')} is before start month {_MONTH_NAMES.get(b, '')}")
    return b, e


def parse_year_range(text: str) -> tuple[int, int]:
    b, e = _range(text, "year")
    if b > e:
        raise IntervalError(f"end year {e} is before start year {b}")
    return b, e


def parse_clock(text: str) -> int:
    if not _VALID_TIME.fullmatch(text):
        raise IntervalError(f"couldn't parse timestamp {text}, invalid format")
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def parse_time_range(start: str, end: str) -> tuple[int, int]:
    if end == "" or start == "":
        raise IntervalError("both start and end times must be provided")
    s, e = parse_clock(start), parse_clock(end)
    if s >= e:
        raise IntervalError("start time cannot be equal or greater than end time")
    return s, e


def check_location(name: str) -> str:
    try:
        load_location(name)
    except TimeError as exc:
        raise IntervalError(exc.message) from None
    return name
