"""Time for the generator: whole minutes on the UTC axis, printed with Dutch offsets.

Lifecycles are computed on integer minutes since the Unix epoch because sums and comparisons
of ints are cheap and exact, and a million-event benchmark stream does a lot of them. Only
when an event is written does a minute become an RFC 3339 string, with the offset a Dutch
care system would print (+01:00 in winter, +02:00 in summer), so the stream exercises both
offsets without depending on the system's tz database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

MINUTE = 1
HOUR = 60
DAY = 24 * HOUR

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: The default first moment of the synthetic year: a Monday morning in Amsterdam.
DEFAULT_START = datetime.fromisoformat("2026-01-05T08:00:00+01:00")


def to_minutes(moment: datetime) -> int:
    """An aware datetime as whole minutes since the epoch (seconds are dropped)."""
    if moment.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    return int(moment.timestamp()) // 60


@lru_cache(maxsize=64)
def _summer_time(year: int) -> tuple[int, int]:
    """EU summer time for `year` as [start, end) minutes: last Sundays of March and October,
    01:00 UTC."""

    def last_sunday(month: int) -> datetime:
        day = datetime(year, month, 31, 1, tzinfo=UTC)
        return day - timedelta(days=(day.weekday() + 1) % 7)

    return to_minutes(last_sunday(3)), to_minutes(last_sunday(10))


@lru_cache(maxsize=1024)
def _date(day: int) -> str:
    """Days since the epoch as `YYYY-MM-DD` (cached: a stream touches few distinct days)."""
    return (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")


@lru_cache(maxsize=1024)
def _summer_of_day(day: int) -> tuple[int, int]:
    return _summer_time((_EPOCH + timedelta(days=day)).year)


def rfc3339(minute: int) -> str:
    """Minutes since the epoch as local Amsterdam time with its offset, e.g.
    `2026-07-01T10:15:00+02:00`. Integer arithmetic and two small caches: this runs
    several times per event and dominated the generator's profile."""
    begin, end = _summer_of_day(minute // DAY)
    offset = 2 if begin <= minute < end else 1
    local = minute + offset * HOUR
    hour, rest = divmod(local % DAY, HOUR)
    return f"{_date(local // DAY)}T{hour:02d}:{rest:02d}:00+0{offset}:00"
