"""When a half-year's overview is due at the inspectorate, on the Amsterdam calendar.

Wzd art. 17 lid 2 with the Regeling zorg en dwang art. 5, and Wvggz art. 8:24 lid 2 with the
Regeling verplichte ggz arts. 6-7: the overview of January-June by 12 August, of July-December
by 12 February (LAW.md §8, WZD-IGJ-OVERVIEW and WVGGZ-IGJ-OVERVIEW). The day is inclusive:
delivered at 23:59 on 12 August is in time; it is late from 13 August 00:00 Amsterdam time.
The Jeugdwet asks for an overview at least every six months (art. 6.7.4) without a date; the
same dates are used for it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.report.period import AMSTERDAM, HalfYear


@dataclass(frozen=True, slots=True)
class Due:
    period: HalfYear
    day: date  # the last day to deliver, inclusive
    late_from: datetime  # the first instant it is late: 00:00 the next day, Amsterdam


def due(period: HalfYear) -> Due:
    """The delivery day of a half-year's overview."""
    day = date(period.year, 8, 12) if period.half == 1 else date(period.year + 1, 2, 12)
    following = day + timedelta(days=1)
    late = datetime(following.year, following.month, following.day, tzinfo=AMSTERDAM)
    return Due(period, day, late)


def next_due(now: datetime) -> Due:
    """The first delivery still to come at `now`: the last half-year's while its day lasts,
    then the running one's."""
    local = now.astimezone(AMSTERDAM)
    current = HalfYear(local.year, 1 if local.month <= 6 else 2)
    previous = HalfYear(current.year, 1) if current.half == 2 else HalfYear(current.year - 1, 2)
    for period in (previous, current):
        found = due(period)
        if now < found.late_from:
            return found
    return due(current)  # not reached: the running half-year ends before its day


def period_late_from(moment: datetime) -> HalfYear | None:
    """The half-year whose overview is late from `moment` (the inverse of `due(p).late_from`),
    or None. An overview alert's `since` is that instant, so a list of them can name their
    half-years without parsing a message."""
    local = moment.astimezone(AMSTERDAM)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return None
    if (local.month, local.day) == (8, 13):
        return HalfYear(local.year, 1)
    if (local.month, local.day) == (2, 13):
        return HalfYear(local.year - 1, 2)
    return None
