"""The Algemene termijnenwet's holidays on the real dates of 2024-2028, and how they differ
from the `holidays` package's NL calendar (which is why the ledger does not use that list)."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from domain.rulebook import Rulebook
from domain.rules.working_days import holidays_of, next_working_day, non_working

NAMES = Rulebook.load_default().clock.non_working_days

#: Atw art. 3 lid 1 and lid 2, as the calendars of 2024-2028 print them.
ATW = {
    2024: {
        date(2024, 1, 1): "nieuwjaarsdag",
        date(2024, 3, 29): "goede_vrijdag",
        date(2024, 4, 1): "tweede_paasdag",
        date(2024, 4, 27): "koningsdag",  # a Saturday: stays on the 27th
        date(2024, 5, 5): "bevrijdingsdag",
        date(2024, 5, 9): "hemelvaartsdag",
        date(2024, 5, 20): "tweede_pinksterdag",
        date(2024, 12, 25): "eerste_kerstdag",
        date(2024, 12, 26): "tweede_kerstdag",
    },
    2025: {
        date(2025, 1, 1): "nieuwjaarsdag",
        date(2025, 4, 18): "goede_vrijdag",
        date(2025, 4, 21): "tweede_paasdag",
        date(2025, 4, 26): "koningsdag",  # 27 April 2025 is a Sunday
        date(2025, 5, 5): "bevrijdingsdag",
        date(2025, 5, 29): "hemelvaartsdag",
        date(2025, 6, 9): "tweede_pinksterdag",
        date(2025, 12, 25): "eerste_kerstdag",
        date(2025, 12, 26): "tweede_kerstdag",
    },
    2026: {
        date(2026, 1, 1): "nieuwjaarsdag",
        date(2026, 4, 3): "goede_vrijdag",
        date(2026, 4, 6): "tweede_paasdag",
        date(2026, 4, 27): "koningsdag",
        date(2026, 5, 5): "bevrijdingsdag",
        date(2026, 5, 14): "hemelvaartsdag",
        date(2026, 5, 25): "tweede_pinksterdag",
        date(2026, 12, 25): "eerste_kerstdag",
        date(2026, 12, 26): "tweede_kerstdag",
    },
    2027: {
        date(2027, 1, 1): "nieuwjaarsdag",
        date(2027, 3, 26): "goede_vrijdag",
        date(2027, 3, 29): "tweede_paasdag",
        date(2027, 4, 27): "koningsdag",
        date(2027, 5, 5): "bevrijdingsdag",
        date(2027, 5, 6): "hemelvaartsdag",
        date(2027, 5, 17): "tweede_pinksterdag",
        date(2027, 12, 25): "eerste_kerstdag",
        date(2027, 12, 26): "tweede_kerstdag",
    },
    2028: {
        date(2028, 1, 1): "nieuwjaarsdag",
        date(2028, 4, 14): "goede_vrijdag",
        date(2028, 4, 17): "tweede_paasdag",
        date(2028, 4, 27): "koningsdag",
        date(2028, 5, 5): "bevrijdingsdag",
        date(2028, 5, 25): "hemelvaartsdag",
        date(2028, 6, 5): "tweede_pinksterdag",
        date(2028, 12, 25): "eerste_kerstdag",
        date(2028, 12, 26): "tweede_kerstdag",
    },
}


@pytest.mark.parametrize("year", sorted(ATW))
def test_atw_holidays_on_the_real_dates(year: int) -> None:
    assert holidays_of(year) == ATW[year]


def test_koningsdag_moves_to_the_26th_when_the_27th_is_a_sunday() -> None:
    """Sunday 27 April in 2025 and 2031 (Koningsdag on Saturday the 26th); before 2014 it was
    Koninginnedag on 30 April (29 April when a Sunday)."""
    assert [d for d, n in holidays_of(2031).items() if n == "koningsdag"] == [date(2031, 4, 26)]
    assert [d for d, n in holidays_of(2013).items() if n == "koningsdag"] == [date(2013, 4, 30)]
    assert [d for d, n in holidays_of(2006).items() if n == "koningsdag"] == [date(2006, 4, 29)]


@pytest.mark.parametrize("year", sorted(ATW))
def test_the_holidays_package_is_not_the_statute_list(year: int) -> None:
    """The `holidays` NL calendar agrees on the Easter-based and fixed days, but it counts
    5 May only every fifth year (2025, 2030) and lists Easter and Whit Sunday (Sundays
    anyway); the Atw counts 5 May every year ("de vijfde mei")."""
    theirs = set(holidays.Netherlands(years=year))
    ours = set(holidays_of(year))
    liberation = date(year, 5, 5)
    assert ours - theirs == ({liberation} if year % 5 else set())
    assert {day.weekday() for day in theirs - ours} <= {6}  # Easter and Whit Sunday only


def test_weekends_and_holidays_are_not_working_days() -> None:
    assert non_working(date(2026, 1, 10), NAMES) == "saturday"
    assert non_working(date(2026, 1, 11), NAMES) == "sunday"
    assert non_working(date(2026, 5, 5), NAMES) == "bevrijdingsdag"  # a Tuesday
    assert non_working(date(2026, 1, 12), NAMES) is None
    # Goede Vrijdag 2027, the Easter weekend and Easter Monday: Tuesday 30 March is the next
    assert next_working_day(date(2027, 3, 26), NAMES) == date(2027, 3, 30)
    # Christmas 2026 on a Friday, the weekend: Monday 28 December
    assert next_working_day(date(2026, 12, 25), NAMES) == date(2026, 12, 28)


def test_the_rulebook_refuses_an_unknown_day() -> None:
    from domain.rulebook import RULEBOOK_DIR, RulebookError

    text = (RULEBOOK_DIR / "v2.toml").read_text("utf-8").replace('"koningsdag",', '"kermis",')
    with pytest.raises(RulebookError, match="kermis"):
        Rulebook.from_toml(text)
