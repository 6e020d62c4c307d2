"""The Europe/Amsterdam clock the pages show times on, with their date.

Its own module because both the templates (through `web`) and the pure time axis need it,
and the axis must not pull in the web framework to format a date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def moment_of(value: str | datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def local(value: str | datetime | None, with_seconds: bool = False) -> str:
    """An instant on the Europe/Amsterdam clock with its date, e.g. `2026-03-29 03:15 CEST`."""
    if value is None or value == "":
        return "—"
    moment = moment_of(value)
    if moment.tzinfo is None:
        return moment.isoformat()
    shown = moment.astimezone(AMSTERDAM)
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z" if with_seconds else "%Y-%m-%d %H:%M %Z")


def local_date(value: str | datetime | None) -> str:
    if value is None or value == "":
        return "—"
    moment = moment_of(value)
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d") if moment.tzinfo else str(value)


def duration(delta: timedelta) -> str:
    """A delay as a reader says it: `139 d 2 h`, `5 h 12 min`, `40 min`."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def end_of_day(day: date | None) -> datetime:
    """The last instant of `day` on the Amsterdam clock — what "as of that date" means on a
    page, so an alert raised that afternoon counts — or now without a day."""
    if day is None:
        return datetime.now(UTC)
    following = datetime.combine(day + timedelta(days=1), time.min, tzinfo=AMSTERDAM)
    return (following - timedelta(microseconds=1)).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """00:00 of `day` on the Amsterdam clock (23 or 25 hours before the next, around DST)."""
    return datetime.combine(day, time.min, tzinfo=AMSTERDAM)
