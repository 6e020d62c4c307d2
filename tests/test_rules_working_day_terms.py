"""Rulebook 2026.2's working-day extension: Wzd art. 29 lid 4, Wvggz 7:4 and 8:12 lid 1 run
to the end of the next working day when their 3 days end on a Saturday, Sunday or one of
the Algemene termijnenwet's holidays; the Jeugdwet emergency does not. On real dates.

Times are written in the offset the Dutch clock showed (CET +01:00, CEST +02:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate_authorization
from tests.factories import (
    DAY,
    SECOND,
    alerts_at,
    applied,
    authorization,
    ended,
    only,
    open_rules,
    proposed,
)
from tests.test_rules_calendar import BOUNDARIES

CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))
US = timedelta(microseconds=1)  # the ledger's resolution: "the first instant after"
BOOK = Rulebook.load_default()


# -- working days: Wzd 29 lid 4, Wvggz 7:4 and 8:12 lid 1 ---------------------------------
def _too_long(kind: str, start: datetime, until: datetime) -> bool:
    order = authorization(start, kind, start, until)
    alerts = evaluate_authorization([order], BOOK, FAR_FUTURE)
    return bool(only(alerts, "AUTHORIZATION-TOO-LONG"))


@pytest.mark.parametrize(
    ("kind", "start", "last_instant", "why"),
    [
        # Thursday + 3 days = Sunday: to the end of Monday 12 January
        (
            "crisismaatregel",
            datetime(2026, 1, 8, 14, tzinfo=CET),
            datetime(2026, 1, 13, 0, tzinfo=CET),
            "weekend",
        ),
        # Saturday 2 May + 3 days = Tuesday 5 May 2026 (Bevrijdingsdag, every year)
        (
            "crisismaatregel",
            datetime(2026, 5, 2, 10, tzinfo=CEST),
            datetime(2026, 5, 7, 0, tzinfo=CEST),
            "5 May",
        ),
        # Tuesday 23 March 2027 + 3 days = Goede Vrijdag; Easter; Easter Monday: to Tuesday
        (
            "crisismaatregel",
            datetime(2027, 3, 23, 12, tzinfo=CET),
            datetime(2027, 3, 31, 0, tzinfo=CEST),
            "Easter 2027",
        ),
        # Tuesday 29 December 2026 + 3 days = Nieuwjaarsdag (Friday), the weekend: to Monday
        (
            "crisismaatregel",
            datetime(2026, 12, 29, 18, tzinfo=CET),
            datetime(2027, 1, 5, 0, tzinfo=CET),
            "New Year",
        ),
        # Friday 24 April 2026 + 3 days = Monday 27 April, Koningsdag: to the end of Tuesday
        (
            "inbewaringstelling",
            datetime(2026, 4, 24, 9, tzinfo=CEST),
            datetime(2026, 4, 29, 0, tzinfo=CEST),
            "Koningsdag",
        ),
        # Monday 21 May 2028 + 3 days = Thursday 25 May, Hemelvaartsdag: to the end of Friday
        (
            "inbewaringstelling",
            datetime(2028, 5, 22, 11, tzinfo=CEST),
            datetime(2028, 5, 27, 0, tzinfo=CEST),
            "Hemelvaartsdag 2028",
        ),
        # Friday 20 December 2024 + 3 days = Monday 23rd, a working day: no extension
        (
            "crisismaatregel",
            datetime(2024, 12, 20, 15, tzinfo=CET),
            datetime(2024, 12, 23, 15, tzinfo=CET),
            "working day",
        ),
        # Tuesday 22 December 2026 + 3 days = Christmas (Friday): to the end of Monday 28th
        (
            "inbewaringstelling",
            datetime(2026, 12, 22, 8, tzinfo=CET),
            datetime(2026, 12, 29, 0, tzinfo=CET),
            "Christmas",
        ),
    ],
)
def test_three_day_titles_run_to_the_end_of_the_next_working_day(
    kind: str, start: datetime, last_instant: datetime, why: str
) -> None:
    """A title valid until the extended end is lawful; one second more is too long."""
    assert not _too_long(kind, start, last_instant), why
    assert _too_long(kind, start, last_instant + SECOND), why


def test_a_crisismaatregel_of_three_days_ending_on_a_weekday_gets_no_extension() -> None:
    """Monday + 3 days = Thursday: a title until Friday is too long."""
    start = datetime(2026, 1, 12, 10, tzinfo=CET)
    assert not _too_long("crisismaatregel", start, start + 3 * DAY)
    assert _too_long("crisismaatregel", start, datetime(2026, 1, 16, 10, tzinfo=CET))


def test_a_lawful_8_11_emergency_over_a_weekend_raises_nothing() -> None:
    """Wvggz 8:11 from Thursday 10:00, ended Monday 23:00: within 3 days + to the end of the
    next working day (8:12 lid 1); no critical EMERGENCY-OVERRUN."""
    case = BOUNDARIES["wvggz-emergency"]
    facts = [*case.facts(), ended(datetime(2026, 1, 12, 23, tzinfo=CET))]
    assert "EMERGENCY-OVERRUN" not in {a.rule for a in alerts_at(facts)}


def test_an_8_11_emergency_over_easter_2025_runs_to_tuesday() -> None:
    """Tuesday 15 April 2025 + 3 days = Goede Vrijdag; the next working day is Tuesday 22nd."""
    start = datetime(2025, 4, 15, 9, tzinfo=CEST)
    facts = [proposed(start, "wvggz", emergency=True), applied(start, emergency=True)]
    due = datetime(2025, 4, 23, 0, tzinfo=CEST)
    assert "EMERGENCY-OVERRUN" not in open_rules(facts, as_of=due)
    [alert] = only(alerts_at(facts), "EMERGENCY-OVERRUN")
    assert alert.since == due + US


def test_the_jeugdwet_emergency_gets_no_working_day_extension() -> None:
    case = BOUNDARIES["jeugdwet-emergency"]  # Thursday + 3 days: Sunday 10:00, no later
    assert case.due.weekday() == 6
    assert "EMERGENCY-OVERRUN" not in open_rules(case.facts(), case.orders(), as_of=case.due)
    assert "EMERGENCY-OVERRUN" in open_rules(case.facts(), case.orders(), as_of=case.due + US)
