"""Time arithmetic for legal periods, defined once so every rule counts time the same way.

Hours, days and weeks are elapsed time (a fixed number of seconds). Months and years are
calendar months, counted in the offset of the moment they are added to, keeping the
wall-clock time, with the day clamped to the end of a shorter month: 31 Jan + 1 month is
28 Feb (29 Feb in a leap year); 30 Nov + 3 months is 28/29 Feb. This is how the law counts
"binnen 3 maanden" and needs no dependency.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

_PERIOD = re.compile(r"^\s*([0-9]+)\s+(hour|day|week|month|year)s?\s*$")


class RulebookError(ValueError):
    """The rulebook data (or an override of it) is not valid."""


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later, same wall-clock time and offset, day clamped to the month's end."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


_SECONDS = {"hour": 3600, "day": 86400, "week": 7 * 86400}


@cache
def _elapsed(unit: str, amount: int) -> timedelta:
    """`timedelta(<unit>s=amount)`, built once per period: rules add periods very often."""
    return timedelta(seconds=_SECONDS[unit] * amount)


@dataclass(frozen=True, slots=True)
class Period:
    """An amount of time as the law states it ("3 months"), so month rules stay calendar rules."""

    amount: int
    unit: str  # hour | day | week | month | year

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text)
        if match is None:
            raise RulebookError(f"period {text!r}: expected '<n> hours|days|weeks|months|years'")
        return cls(int(match.group(1)), match.group(2))

    def after(self, moment: datetime) -> datetime:
        """The moment this period after `moment` (see the module docstring for months)."""
        if self.unit == "month":
            return add_months(moment, self.amount)
        if self.unit == "year":
            return add_months(moment, 12 * self.amount)
        return moment + _elapsed(self.unit, self.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"
