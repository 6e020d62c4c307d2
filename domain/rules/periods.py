"""Time arithmetic for legal periods, defined once so every rule counts time the same way.

Two clocks, chosen by the rulebook version (`[calendar]`):

- No calendar zone (rulebook 2026.1): hours, days and weeks are elapsed time (a fixed number
  of seconds); months and years are calendar months counted in the offset of the moment they
  are added to, keeping the wall-clock time.
- A zone (rulebook 2026.2: Europe/Amsterdam): hours are elapsed time; days, weeks, months and
  years are counted on that zone's wall clock, so "4 weeks" from Monday 09:00 is Monday 09:00
  four weeks later whatever the DST changes in between (a 23- or 25-hour day counts as one
  day), and a 6-month period started in summer time falls due at the same local time in
  winter. A local time that does not exist (the hour skipped on the last Sunday of March) or
  occurs twice (the hour repeated on the last Sunday of October) is taken at its later
  instant, so a deadline never falls early. The result carries the zone's fixed UTC offset at
  that instant (+01:00 or +02:00), so it prints as RFC 3339 and compares by instant.

Months are clamped to the end of a shorter month on both clocks: 31 Jan + 1 month is
28 Feb (29 Feb in a leap year); 30 Nov + 3 months is 28/29 Feb.

A period may extend to a working day (`extension = "next_working_day"`, Wzd art. 29 lid 4,
Wvggz 7:4 and 8:12 lid 1): when it ends on a Saturday, Sunday or holiday of the Algemene
termijnenwet (the local date of the end), it runs "tot en met" the next working day, i.e.
until the start (00:00 local) of the day after it (`domain.rules.working_days`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache, lru_cache

from domain.rules.working_days import next_working_day, non_working

#: Field metadata of what rulebook 2026.2 added: at its default the field is left out of the
#: alert index's fingerprint, so a store judged under 2026.1 keeps its fingerprint.
ADDED_IN_2026_2 = {"fingerprint": "omit_default"}

_PERIOD = re.compile(r"^\s*([0-9]+)\s+(hour|day|week|month|year)s?\s*$")
EXTENSIONS = ("next_working_day",)


class RulebookError(ValueError):
    """The rulebook data (or an override of it) is not valid."""


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later, same wall-clock time and tzinfo, day clamped to the month's end."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


_SECONDS = {"hour": 3600, "day": 86400, "week": 7 * 86400}


@cache
def _elapsed(unit: str, amount: int) -> timedelta:
    """`timedelta(<unit>s=amount)`, built once per period: rules add periods very often."""
    return timedelta(seconds=_SECONDS[unit] * amount)


@cache
def _fixed(offset: timedelta) -> timezone:
    return timezone(offset)


def resolve(local: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in `zone` as an instant with its fixed offset; a skipped or repeated
    local time is taken at its later instant (the smaller of its two offsets)."""
    offset = local.replace(tzinfo=zone).utcoffset()
    other = local.replace(tzinfo=zone, fold=1).utcoffset()
    assert offset is not None and other is not None
    if other == offset:
        return local.replace(tzinfo=_fixed(offset))
    instant = local.replace(tzinfo=_fixed(min(offset, other))).astimezone(zone)
    true_offset = instant.utcoffset()
    assert true_offset is not None
    return instant.replace(tzinfo=_fixed(true_offset), fold=0)


@dataclass(frozen=True, slots=True)
class Clock:
    """How a rulebook counts days: on whose wall clock, and which days are not working days."""

    zone: tzinfo | None = None  # None: elapsed days and fixed-offset months (2026.1)
    non_working_days: frozenset[str] = field(default_factory=frozenset)

    def local(self, moment: datetime) -> datetime:
        """`moment` on this clock's wall (naive), or as given without a zone."""
        if self.zone is None:
            return moment
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def day_of(self, moment: datetime) -> date:
        return self.local(moment).date()

    def start_of(self, day: date) -> datetime:
        """00:00 of `day` on this clock (requires a zone)."""
        assert self.zone is not None
        return resolve(datetime.combine(day, time()), self.zone)


LEGACY = Clock()


@dataclass(frozen=True, slots=True)
class Period:
    """An amount of time as the law states it ("3 months"), so month rules stay calendar rules."""

    amount: int
    unit: str  # hour | day | week | month | year
    clock: Clock = field(default=LEGACY, metadata=ADDED_IN_2026_2)
    # "next_working_day": see the module docstring
    extension: str | None = field(default=None, metadata=ADDED_IN_2026_2)

    @classmethod
    def parse(cls, text: str, clock: Clock = LEGACY, extension: str | None = None) -> Period:
        match = _PERIOD.match(text)
        if match is None:
            raise RulebookError(f"period {text!r}: expected '<n> hours|days|weeks|months|years'")
        if extension is not None and extension not in EXTENSIONS:
            raise RulebookError(f"period {text!r}: extension must be one of {EXTENSIONS}")
        if extension is not None and clock.zone is None:
            raise RulebookError(f"period {text!r}: an extension needs a calendar zone")
        return cls(int(match.group(1)), match.group(2), clock, extension)

    def after(self, moment: datetime) -> datetime:
        """The moment this period after `moment` (see the module docstring)."""
        zone = self.clock.zone
        if zone is None or self.unit == "hour":
            if self.unit == "month":
                return add_months(moment, self.amount)
            if self.unit == "year":
                return add_months(moment, 12 * self.amount)
            end = moment + _elapsed(self.unit, self.amount)
        else:
            end = _on_the_wall(self, moment)
        if self.extension is not None:
            end = self._extended(end)
        return end

    def within(self, start: datetime, end: datetime) -> bool:
        """`end <= self.after(start)`, without the calendar arithmetic when the elapsed time
        alone decides: every registration is checked against the lag, and a file loaded
        long after the events has each lag far beyond it (`span`)."""
        elapsed = end - start
        shortest, longest = span(self)
        if elapsed <= shortest:
            return True
        if longest is not None and elapsed > longest:
            return False
        return end <= self.after(start)

    def spans(self) -> tuple[timedelta, timedelta | None]:
        """Bounds on `after(moment) - moment` over every moment (`span`): a caller comparing
        many moments with one period (a report's late registrations) calls `after` only for
        a gap between the two, where the calendar decides."""
        return span(self)

    def _extended(self, end: datetime) -> datetime:
        """Wzd 29 lid 4, Wvggz 7:4, 8:12 lid 1: ending on a non-working day, the term runs
        to the end of the next working day."""
        clock = self.clock
        day = clock.day_of(end)
        if non_working(day, clock.non_working_days) is None:
            return end
        last = next_working_day(day, clock.non_working_days)
        return clock.start_of(last + timedelta(days=1))

    def __str__(self) -> str:
        text = f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"
        if self.extension is not None:
            text += " (to the next working day when it ends on a weekend or holiday)"
        return text


#: The most a wall-clock day can differ from 24 elapsed hours, with room to spare: a zone
#: changes its offset by an hour for DST, and once in a long while by a whole day (Samoa, 2011).
_OFFSET_SWING = timedelta(days=2)


@cache
def span(period: Period) -> tuple[timedelta, timedelta | None]:
    """Bounds of `period.after(t) - t` over every `t`: shortest and longest (None: no bound
    is worth computing, e.g. an extension over a configured list of non-working days).

    Hours are exact; days and weeks on a wall clock differ from elapsed time by at most the
    zone's offset swing; a month lasts 28 to 31 days; an extension only lengthens a term.
    `tests/test_rules_period_span.py` checks the bounds against `after` on random moments.
    """
    amount = period.amount
    if period.unit == "hour" or (period.clock.zone is None and period.unit in _SECONDS):
        exact = _elapsed(period.unit, amount)
        shortest, longest = exact, exact
    elif period.unit in _SECONDS:
        exact = _elapsed(period.unit, amount)
        shortest, longest = exact - _OFFSET_SWING, exact + _OFFSET_SWING
    else:
        months = amount * (12 if period.unit == "year" else 1)
        shortest = timedelta(days=28 * months) - _OFFSET_SWING
        longest = timedelta(days=31 * months) + _OFFSET_SWING
    if period.extension is not None:
        return shortest, None
    return max(shortest, timedelta(0)), longest


@lru_cache(maxsize=1 << 16)
def _on_the_wall(period: Period, moment: datetime) -> datetime:
    """`period` after `moment` on its clock's wall. Cached: a rebuild adds the same periods
    to the same moments many times, and the answer depends only on the instant (equal
    instants in other offsets give the same result, since the count starts in the zone)."""
    zone = period.clock.zone
    assert zone is not None
    local = moment.astimezone(zone).replace(tzinfo=None)
    if period.unit == "month":
        local = add_months(local, period.amount)
    elif period.unit == "year":
        local = add_months(local, 12 * period.amount)
    else:
        local = local + _elapsed(period.unit, period.amount)
    return resolve(local, zone)
