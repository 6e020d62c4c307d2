"""A reporting half-year on the Europe/Amsterdam calendar, and what "in the period" means.

The law counts in calendar half-years as a Dutch provider lives them (Wzd art. 17 lid 2 and
the Regeling zorg en dwang art. 5; Wvggz art. 8:24 and the Regeling verplichte ggz arts.
6-7): 1 January 00:00 to 1 July 00:00 local time, and 1 July to 1 January. Local midnight is
+01:00 in winter and +02:00 in summer, so the bounds are computed in the zone, never as UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_PERIOD = re.compile(r"^(\d{4})H([12])$")


class PeriodError(ValueError):
    """Not a half-year such as 2026H1."""


@dataclass(frozen=True, slots=True)
class HalfYear:
    """`[start, end)` in Amsterdam time: an instant at the end belongs to the next period."""

    year: int
    half: int
    # The bounds, computed once: a report compares every fact with them. The UTC copies
    # name the same instants and compare faster with a fact's fixed-offset time than the
    # zone's own (whose offset is looked up on every comparison).
    _start: datetime = field(init=False, repr=False, compare=False)
    _end: datetime = field(init=False, repr=False, compare=False)
    _start_utc: datetime = field(init=False, repr=False, compare=False)
    _end_utc: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        start = datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=AMSTERDAM)
        if self.half == 1:
            end = datetime(self.year, 7, 1, tzinfo=AMSTERDAM)
        else:
            end = datetime(self.year + 1, 1, 1, tzinfo=AMSTERDAM)
        object.__setattr__(self, "_start", start)
        object.__setattr__(self, "_end", end)
        object.__setattr__(self, "_start_utc", start.astimezone(UTC))
        object.__setattr__(self, "_end_utc", end.astimezone(UTC))

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        match = _PERIOD.match(text.strip())
        if not match:
            raise PeriodError(f"not a half-year: {text!r}; write e.g. 2026H1 or 2026H2")
        year = int(match.group(1))
        if not 1900 <= year <= 2199:
            raise PeriodError(f"year {year} is outside 1900-2199")
        return cls(year, int(match.group(2)))

    @property
    def name(self) -> str:
        return f"{self.year}H{self.half}"

    @property
    def start(self) -> datetime:
        """1 January or 1 July, 00:00 Amsterdam time."""
        return self._start

    @property
    def end(self) -> datetime:
        """The next half-year's first instant (not in this one)."""
        return self._end

    @property
    def start_utc(self) -> datetime:
        """The start as a UTC time: the same instant, compared faster with a fact's time."""
        return self._start_utc

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return self.end.date() - timedelta(days=1)

    def received(self, applied_at: datetime, ended_at: datetime | None) -> bool:
        """Received in the period: applied within it, or an episode that overlaps it.

        A point application counts when `start <= applied_at < end`; an episode
        `[applied_at, ended_at)` when it shares any instant with the period.
        """
        start, end = self._start_utc, self._end_utc  # the same instants
        if ended_at is None or ended_at <= applied_at:
            return start <= applied_at < end
        return applied_at < end and ended_at > start

    def holds(self, moment: datetime) -> bool:
        """`start <= moment < end`."""
        return self._start_utc <= moment < self._end_utc

    def clipped(self, applied_at: datetime, ended_at: datetime) -> timedelta:
        """The part of an episode inside the period, so two halves add up to the whole.

        The bounds are taken in UTC: two times of the zone itself subtract as wall clocks,
        so an episode over the whole half-year would gain or lose the DST hour.
        """
        begin = max(applied_at, self._start_utc)
        finish = min(ended_at, self._end_utc)
        return max(finish - begin, timedelta(0))

    def days(self, applied_at: datetime, ended_at: datetime | None) -> list[date]:
        """The Amsterdam calendar days in the period on which the care was given."""
        if ended_at is None or ended_at <= applied_at:
            local = applied_at.astimezone(AMSTERDAM).date()
            return [local] if self.first_day <= local <= self.last_day else []
        begin = max(applied_at, self.start).astimezone(AMSTERDAM).date()
        last_instant = min(ended_at, self.end) - timedelta(microseconds=1)
        finish = last_instant.astimezone(AMSTERDAM).date()
        count = (finish - begin).days + 1
        return [begin + timedelta(days=i) for i in range(max(count, 0))]
