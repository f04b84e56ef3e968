"""Go ``time`` as Alertmanager's templates and JSON show it: ``Time.String()``, layouts
(``date``), RFC 3339 parsing and printing, zones (``tz``), and Prometheus' ``model.Duration``.

Times are nanoseconds since the Unix epoch plus the zone they are shown in, so printing is
exact (Python's ``datetime`` stops at microseconds).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

from ruletest.errors import RuletestError
from ruletest.gocompat import go_quote
from ruletest.records import record

NS = 1_000_000_000
# 0001-01-01T00:00:00Z, Go's zero Time.
ZERO_NS = -62135596800 * NS


class TimeError(RuletestError):
    pass


@record
class GoTime:
    ns: int  # since the Unix epoch
    offset: int = 0  # seconds east of UTC, of the zone the time is shown in
    zone: str = "UTC"  # abbreviation; "" prints the numeric offset
    location: str = "UTC"  # the IANA name (or "" for a fixed zone)

    @classmethod
    def from_ms(cls, ms: int) -> GoTime:
        return cls(ms * 1_000_000)

    @classmethod
    def zero(cls) -> GoTime:
        return cls(ZERO_NS)

    @property
    def is_zero(self) -> bool:
        return self.ns == ZERO_NS

    @property
    def ms(self) -> int:
        return self.ns // 1_000_000

    def _wall(self) -> tuple[datetime, int]:
        secs, frac = divmod(self.ns + self.offset * NS, NS)
        return datetime(1970, 1, 1) + timedelta(seconds=secs), frac

    def format(self, layout: str) -> str:
        return format_layout(self, layout)

    def __str__(self) -> str:
        return format_layout(self, "2006-01-02 15:04:05.999999999 -0700 MST")

    def rfc3339nano(self) -> str:
        """JSON form (``time.Time.MarshalJSON``)."""
        return format_layout(self, "2006-01-02T15:04:05.999999999Z07:00")

    def in_location(self, name: str) -> GoTime:
        """``t.In(time.LoadLocation(name))``: ``""`` and ``UTC`` are UTC; ``Local`` is UTC here
        (tests must not depend on the machine's zone)."""
        if name in ("", "UTC", "Local"):
            return GoTime(self.ns, 0, "UTC", "UTC")
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise TimeError(f"unknown time zone {name}") from None
        secs = self.ns // NS
        local = datetime.fromtimestamp(secs, tz=UTC).astimezone(zone)
        off = local.utcoffset()
        offset = int(off.total_seconds()) if off is not None else 0
        return GoTime(self.ns, offset, local.tzname() or "", name)


def load_location(name: str) -> zoneinfo.ZoneInfo | None:
    """``time.LoadLocation``: None for UTC; raises TimeError with Go's message."""
    if name in ("", "UTC", "Local"):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise TimeError(f"unknown time zone {name}") from None


# --- layouts (time/format.go) -------------------------------------------------------------

_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]

# Chunks in the order Go's nextStdChunk recognises them at each position.
_STD = [
    "January", "Jan", "Monday", "Mon", "MST",
    "01", "02", "03", "04", "05", "06", "002",
    "15", "2006", "__2", "_2",
    "Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07",
    "-070000", "-07:00:00", "-0700", "-07:00", "-07",
    "1", "2", "3", "4", "5", "PM", "pm",
]


def _next_chunk(layout: str, i: int) -> tuple[str, int] | None:
    """The std chunk starting at ``i`` (and its length), following Go's special cases."""
    c = layout[i]
    rest = layout[i:]
    if c == "J":
        if rest.startswith("January"):
            return ("January", 7)
        if rest.startswith("Jan") and not rest[3:4].islower():
            return ("Jan", 3)
    elif c == "M":
        if rest.startswith("Monday"):
            return ("Monday", 6)
        if rest.startswith("Mon") and not rest[3:4].islower():
            return ("Mon", 3)
        if rest.startswith("MST"):
            return ("MST", 3)
    elif c == "0":
        if len(rest) >= 2 and "1" <= rest[1] <= "6":
            return (rest[:2], 2)
        if rest.startswith("002"):
            return ("002", 3)
    elif c == "1":
        if rest.startswith("15"):
            return ("15", 2)
        return ("1", 1)
    elif c == "2":
        if rest.startswith("2006"):
            return ("2006", 4)
        return ("2", 1)
    elif c == "_":
        if rest.startswith("_2"):
            if rest.startswith("_2006"):
                return None  # "_" then "2006", handled by the caller as a literal underscore
            return ("_2", 2)
        if rest.startswith("__2"):
            return ("__2", 3)
    elif c in "345":
        return (c, 1)
    elif c == "P":
        if rest.startswith("PM"):
            return ("PM", 2)
    elif c == "p":
        if rest.startswith("pm"):
            return ("pm", 2)
    elif c in "-Z":
        for std in ("070000", "07:00:00", "0700", "07:00", "07"):
            if rest[1:].startswith(std):
                return (c + std, 1 + len(std))
    elif c in ".," and len(rest) >= 2 and rest[1] in "09":
        ch = rest[1]
        j = 1
        while j < len(rest) and rest[j] == ch:
            j += 1
        if not (j < len(rest) and rest[j].isdigit()):
            return (c + ch * (j - 1), j)
    return None


def format_layout(t: GoTime, layout: str) -> str:
    wall, frac = t._wall()
    out: list[str] = []
    i = 0
    n = len(layout)
    while i < n:
        chunk = _next_chunk(layout, i)
        if chunk is None:
            out.append(layout[i])
            i += 1
            continue
        std, width = chunk
        i += width
        out.append(_format_std(std, t, wall, frac))
    return "".join(out)


def _format_std(std: str, t: GoTime, wall: datetime, frac: int) -> str:
    year = wall.year
    if std == "2006":
        return f"{year:04d}"
    if std == "06":
        return f"{year % 100:02d}"
    if std == "January":
        return _MONTHS[wall.month - 1]
    if std == "Jan":
        return _MONTHS[wall.month - 1][:3]
    if std == "01":
        return f"{wall.month:02d}"
    if std == "1":
        return str(wall.month)
    if std == "Monday":
        return _DAYS[(wall.weekday() + 1) % 7]
    if std == "Mon":
        return _DAYS[(wall.weekday() + 1) % 7][:3]
    if std == "2":
        return str(wall.day)
    if std == "_2":
        return f"{wall.day:>2}"
    if std == "02":
        return f"{wall.day:02d}"
    if std == "__2":
        return f"{wall.timetuple().tm_yday:>3}"
    if std == "002":
        return f"{wall.timetuple().tm_yday:03d}"
    if std == "15":
        return f"{wall.hour:02d}"
    if std == "3":
        return str(wall.hour % 12 or 12)
    if std == "03":
        return f"{wall.hour % 12 or 12:02d}"
    if std == "4":
        return str(wall.minute)
    if std == "04":
        return f"{wall.minute:02d}"
    if std == "5":
        return str(wall.second)
    if std == "05":
        return f"{wall.second:02d}"
    if std == "PM":
        return "PM" if wall.hour >= 12 else "AM"
    if std == "pm":
        return "pm" if wall.hour >= 12 else "am"
    if std == "MST":
        return t.zone if t.zone else _offset(t.offset, sep="", colon=False, seconds=False)
    if std[0] in "-Z":
        if std[0] == "Z" and t.offset == 0:
            return "Z"
        body = std[1:]
        colon = ":" in body
        seconds = body in ("070000", "07:00:00")
        minutes = body != "07"
        return _offset(t.offset, sep="", colon=colon, seconds=seconds, minutes=minutes)
    if std[0] in ".,":
        digits = f"{frac:09d}"
        width = len(std) - 1
        if std[1] == "0":
            return std[0] + digits[:width]
        trimmed = digits[:width].rstrip("0")
        return std[0] + trimmed if trimmed else ""
    raise AssertionError(std)  # pragma: no cover


def _offset(offset: int, *, sep: str, colon: bool, seconds: bool, minutes: bool = True) -> str:
    sign = "-" if offset < 0 else "+"
    o = abs(offset)
    h, rem = divmod(o, 3600)
    m, s = divmod(rem, 60)
    text = f"{sign}{h:02d}"
    if minutes:
        text += (":" if colon else "") + f"{m:02d}"
    if seconds:
        text += (":" if colon else "") + f"{s:02d}"
    return text


def parse_layout(layout: str, value: str) -> GoTime:
    """``time.ParseInLocation(layout, value, time.UTC)`` for the common layout elements
    (``toDate``). Unsupported elements are matched literally."""
    parts: list[str] = []
    kinds: list[str] = []
    i = 0
    while i < len(layout):
        chunk = _next_chunk(layout, i)
        if chunk is None:
            parts.append(re.escape(layout[i]))
            i += 1
            continue
        std, width = chunk
        i += width
        pattern = _PARSE_PATTERNS.get(std)
        if pattern is None and std[0] in ".,":
            pattern = r"[.,]\d+" if std[1] == "9" else "[.,]" + r"\d" * (len(std) - 1)
        if pattern is None:
            pattern = re.escape(std)
        else:
            kinds.append(std)
            pattern = "(" + pattern + ")"
        parts.append(pattern)
    m = re.fullmatch("".join(parts), value)
    if not m:
        raise TimeError(f"parsing time {go_quote(value)} as {go_quote(layout)}: cannot parse {go_quote(value)} as "
                        f"{go_quote(layout)}")
    year, month, day, hour, minute, sec, frac, offset = 1, 1, 1, 0, 0, 0, 0, 0
    pm: bool | None = None
    for std, text in zip(kinds, m.groups(), strict=True):
        if std == "2006":
            year = int(text)
        elif std == "06":
            year = 2000 + int(text) if int(text) < 69 else 1900 + int(text)
        elif std in ("01", "1"):
            month = int(text)
        elif std in ("January", "Jan"):
            month = [mn[:len(text)] for mn in _MONTHS].index(text) + 1
        elif std in ("02", "2", "_2"):
            day = int(text)
        elif std in ("15",):
            hour = int(text)
        elif std in ("03", "3"):
            hour = int(text) % 12
        elif std in ("04", "4"):
            minute = int(text)
        elif std in ("05", "5"):
            sec = int(text)
        elif std in ("PM", "pm"):
            pm = text.upper() == "PM"
        elif std[0] in ".,":
            frac = int((text[1:] + "000000000")[:9])
        elif std[0] in "-Z" and text != "Z":
            sign = -1 if text[0] == "-" else 1
            digits = text[1:].replace(":", "")
            offset = sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60 + int(digits[4:6] or 0))
    if pm:
        hour += 12
    try:
        base = datetime(year, month, day, hour, minute, sec)
    except ValueError as exc:
        raise TimeError(f"parsing time {go_quote(value)}: {exc}") from None
    secs = int((base - datetime(1970, 1, 1)).total_seconds()) - offset
    return GoTime(secs * NS + frac, offset, "UTC" if offset == 0 else "", "UTC" if offset == 0 else "")


_PARSE_PATTERNS = {
    "2006": r"\d{4}", "06": r"\d{2}", "01": r"\d{2}", "1": r"\d{1,2}", "January": "|".join(_MONTHS),
    "Jan": "|".join(m[:3] for m in _MONTHS), "Monday": "|".join(_DAYS), "Mon": "|".join(d[:3] for d in _DAYS),
    "02": r"\d{2}", "2": r"\d{1,2}", "_2": r" ?\d{1,2}", "15": r"\d{2}", "03": r"\d{2}", "3": r"\d{1,2}",
    "04": r"\d{2}", "4": r"\d{1,2}", "05": r"\d{2}", "5": r"\d{1,2}", "PM": "AM|PM", "pm": "am|pm",
    "MST": r"[A-Z]{3,4}|[+-]\d{4}", "Z07:00": r"Z|[+-]\d{2}:\d{2}", "-07:00": r"[+-]\d{2}:\d{2}",
    "Z0700": r"Z|[+-]\d{4}", "-0700": r"[+-]\d{4}", "Z07": r"Z|[+-]\d{2}", "-07": r"[+-]\d{2}",
}


# --- RFC 3339 ------------------------------------------------------------------------------

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))")


def parse_rfc3339(text: str) -> GoTime:
    """``time.Time.UnmarshalJSON`` (RFC 3339 with optional fraction). A zero offset gives UTC."""
    m = _RFC3339.fullmatch(text)
    if not m:
        raise TimeError(f'parsing time {go_quote(text)} as "2006-01-02T15:04:05Z07:00": cannot parse '
                        f'{go_quote(text)} as "2006"')
    year, month, day, hour, minute, sec = (int(m.group(i)) for i in range(1, 7))
    try:
        base = datetime(year, month, day, hour, minute, sec)
    except ValueError as exc:
        raise TimeError(f"parsing time {go_quote(text)}: {exc}") from None
    frac = m.group(7) or ""
    frac_ns = int((frac[1:] + "000000000")[:9]) if frac else 0
    offset = 0
    if m.group(9):
        offset = (int(m.group(10)) * 3600 + int(m.group(11)) * 60) * (-1 if m.group(9) == "-" else 1)
    secs = int((base - datetime(1970, 1, 1)).total_seconds()) - offset
    zone = "UTC" if offset == 0 else ""
    return GoTime(secs * NS + frac_ns, offset, zone, "UTC" if offset == 0 else "")


# --- durations -----------------------------------------------------------------------------

_MODEL_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_UNIT_MS = (31_536_000_000, 604_800_000, 86_400_000, 3_600_000, 60_000, 1000, 1)


def parse_model_duration(text: str) -> int:
    """``model.ParseDuration`` (prometheus/common 0.38) in milliseconds, with its messages."""
    if text == "0":
        return 0
    if text == "":
        raise TimeError("empty duration string")
    m = _MODEL_DURATION.match(text)
    if not m or not any(m.groups()):
        raise TimeError(f"not a valid duration string: {go_quote(text)}")
    return sum(int(v) * u for v, u in zip(m.groups(), _UNIT_MS, strict=True) if v is not None)


def format_model_duration(ms: int) -> str:
    """``model.Duration.String()``: ``5m``, ``4h``, ``1d12h``, ``0s``."""
    if ms == 0:
        return "0s"
    out = []
    for unit, size in (("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000),
                       ("m", 60_000), ("s", 1000), ("ms", 1)):
        q, ms = divmod(ms, size)
        if q:
            out.append(f"{q}{unit}")
    return "".join(out)


_GO_UNITS = {"ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 1_000_000, "s": NS, "m": 60 * NS, "h": 3600 * NS}


def parse_go_duration(text: str) -> int:
    """``time.ParseDuration`` in nanoseconds (pushover ``retry``/``expire``), with its errors."""
    quoted = go_quote(text)
    s = text
    neg = s.startswith("-")
    if s[:1] in "+-":
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise TimeError(f"time: invalid duration {quoted}")
    total = 0.0
    pos = 0
    while pos < len(s):
        m = re.match(r"([0-9]*)(\.[0-9]*)?", s[pos:])
        assert m is not None
        number = m.group(0)
        if not m.group(1) and len(m.group(2) or "") <= 1:
            raise TimeError(f"time: invalid duration {quoted}")
        pos += len(number)
        u = re.match(r"[^0-9.]*", s[pos:])
        unit = u.group(0) if u else ""
        if not unit:
            raise TimeError(f"time: missing unit in duration {quoted}")
        if unit not in _GO_UNITS:
            raise TimeError(f"time: unknown unit {go_quote(unit)} in duration {quoted}")
        total += float(number) * _GO_UNITS[unit]
        pos += len(unit)
    return -int(total) if neg else int(total)
