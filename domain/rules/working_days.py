"""Working days: the Algemene termijnenwet's (Atw) Saturdays, Sundays and public holidays.

Wzd art. 29 lid 4 (inbewaringstelling), Wvggz art. 7:4 (crisismaatregel) and Wvggz art. 8:12
lid 1 (8:11 emergency care) use the same sentence: "ten hoogste drie dagen. Indien de termijn
eindigt op een zaterdag, zondag of algemeen erkende feestdag als bedoeld in de Algemene
termijnenwet, wordt deze verlengd tot en met de eerstvolgende dag die niet een zaterdag,
zondag of algemeen erkende feestdag is." The holidays are Atw art. 3:

- lid 1: Nieuwjaarsdag, tweede Paasdag, tweede Pinksterdag, beide Kerstdagen, Hemelvaartsdag,
  the day the King's birthday is celebrated (Koningsdag) and 5 May (every year: the Atw has
  no lustrum rule, unlike collective labour agreements);
- lid 2: Goede Vrijdag is equated with them ("gelijkgesteld") for the Atw.

The rulebook names which of these days count (`[calendar] non_working_days`); this module
only computes their dates for any year. Easter comes from `dateutil.easter` (Western,
Gregorian); every other holiday is fixed or follows Easter. Koningsdag is 27 April, or
26 April when 27 April is a Sunday (from 2014); before 2014 Koninginnedag was 30 April
(29 April when a Sunday, from 1980; 1 May before). The `holidays` package's NL calendar is
not used for this: it counts 5 May only every fifth year (2025, 2030) and lists Easter and
Whit Sunday, so it is not the statute's list (tests/test_working_days.py compares them).

Days ad hoc equated by royal decree (Atw art. 3 lid 3, published in the Staatscourant) are
not known here.

Pure: no I/O; the dates are cached per year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from dateutil.easter import EASTER_WESTERN, easter

#: Every day name the rulebook may list in `non_working_days`, with what it is.
DAY_NAMES: dict[str, str] = {
    "saturday": "zaterdag",
    "sunday": "zondag",
    "nieuwjaarsdag": "1 January (Atw art. 3 lid 1)",
    "goede_vrijdag": "Friday before Easter (Atw art. 3 lid 2)",
    "tweede_paasdag": "Easter Monday (Atw art. 3 lid 1)",
    "koningsdag": "27 April, 26 April when the 27th is a Sunday (Atw art. 3 lid 1)",
    "bevrijdingsdag": "5 May, every year (Atw art. 3 lid 1 'de vijfde mei')",
    "hemelvaartsdag": "Ascension, Easter + 39 days (Atw art. 3 lid 1)",
    "tweede_pinksterdag": "Whit Monday, Easter + 50 days (Atw art. 3 lid 1)",
    "eerste_kerstdag": "25 December (Atw art. 3 lid 1)",
    "tweede_kerstdag": "26 December (Atw art. 3 lid 1)",
}

_WEEKDAYS = {"saturday": 5, "sunday": 6}


def _kings_day(year: int) -> date:
    if year >= 2014:  # Koningsdag (Willem-Alexander, 27 April)
        day = date(year, 4, 27)
        return day - timedelta(days=1) if day.weekday() == 6 else day
    day = date(year, 4, 30)  # Koninginnedag
    if day.weekday() == 6:
        return day - timedelta(days=1) if year >= 1980 else day + timedelta(days=1)
    return day


@cache
def holidays_of(year: int) -> dict[date, str]:
    """The dated holidays of the Atw (art. 3 lid 1 and lid 2) in `year`, by name."""
    sunday = easter(year, EASTER_WESTERN)
    return {
        date(year, 1, 1): "nieuwjaarsdag",
        sunday - timedelta(days=2): "goede_vrijdag",
        sunday + timedelta(days=1): "tweede_paasdag",
        _kings_day(year): "koningsdag",
        date(year, 5, 5): "bevrijdingsdag",
        sunday + timedelta(days=39): "hemelvaartsdag",
        sunday + timedelta(days=50): "tweede_pinksterdag",
        date(year, 12, 25): "eerste_kerstdag",
        date(year, 12, 26): "tweede_kerstdag",
    }


def non_working(day: date, names: frozenset[str]) -> str | None:
    """Why `day` is not a working day (the name of the day), or None for a working day."""
    for name, weekday in _WEEKDAYS.items():
        if name in names and day.weekday() == weekday:
            return name
    name = holidays_of(day.year).get(day)
    return name if name is not None and name in names else None


def next_working_day(day: date, names: frozenset[str]) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while non_working(day, names) is not None:
        day += timedelta(days=1)
    return day
