"""Insluiting in gesloten jeugdhulp: SECLUSION-UNLAWFUL (Jeugdwet art. 6.3.2.2)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import (
    DAY,
    HOUR,
    SECOND,
    T0,
    WEEK,
    alerts_at,
    applied,
    authorization,
    ended,
    only,
    proposed,
    step,
)


@pytest.fixture(autouse=True)
def _rulebook_2026_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """These boundaries are rulebook 2026.1's clock (elapsed days, months in the given
    offset, open at the due instant), which stays loadable; 2026.2's Amsterdam calendar,
    working days and inclusive deadlines: tests/test_rules_calendar.py."""
    monkeypatch.setattr(factories, "VERSION", "2026.1")


ORDER = authorization(T0, "machtiging_gesloten_jeugdhulp", T0, T0 + 52 * WEEK)


def _seclusion(age: int = 14, emergency: bool = True):
    return proposed(
        T0,
        "jeugdwet",
        "seclusion",
        setting="closed_youth_care",
        emergency=emergency,
        client_age_years=age,
    )


def _seclusion_alerts(*facts, as_of=None):
    kwargs = {} if as_of is None else {"as_of": as_of}
    return only(alerts_at(facts, [ORDER], **kwargs), "SECLUSION-UNLAWFUL")


def test_lawful_seclusion_of_a_day() -> None:
    """An emergency insluiting of a 14-year-old for exactly 1 day is lawful."""
    assert not _seclusion_alerts(_seclusion(), applied(T0, ended_at=T0 + DAY))


def test_seclusion_under_12() -> None:
    """Insluiting of an 11-year-old fires at once; of a 12-year-old it does not."""
    [alert] = _seclusion_alerts(_seclusion(age=11), applied(T0, ended_at=T0 + HOUR))
    assert alert.since == T0 and alert.severity == "critical" and "11" in alert.message
    assert not _seclusion_alerts(_seclusion(age=12), applied(T0, ended_at=T0 + HOUR))


def test_seclusion_outside_an_emergency() -> None:
    """Insluiting that is not an emergency fires at its start."""
    [alert] = _seclusion_alerts(_seclusion(emergency=False), applied(T0, ended_at=T0 + HOUR))
    assert alert.since == T0 and "noodsituatie" in alert.message


def test_seclusion_longer_than_a_day() -> None:
    """An insluiting of 1 day and 1 second fires from the moment the day passed."""
    facts = (_seclusion(), applied(T0, ended_at=T0 + DAY + SECOND))
    [alert] = _seclusion_alerts(*facts)
    assert alert.since == T0 + DAY
    assert not _seclusion_alerts(*facts, as_of=T0 + DAY - SECOND)


def test_extension_by_gedragswetenschapper_allows_2_days() -> None:
    """One extension by a gedragswetenschapper during the first day allows 2 days in total."""
    consent = step(T0 + 20 * HOUR, "gedragswetenschapper_consent")
    assert not _seclusion_alerts(_seclusion(), applied(T0, ended_at=T0 + 2 * DAY), consent)
    [alert] = _seclusion_alerts(_seclusion(), applied(T0, ended_at=T0 + 2 * DAY + SECOND), consent)
    assert alert.since == T0 + 2 * DAY


def test_ongoing_seclusion_without_end_fires_after_a_day() -> None:
    """An insluiting with no recorded end is still going on, so it fires after 1 day."""
    [alert] = _seclusion_alerts(_seclusion(), applied(T0))
    assert alert.since == T0 + DAY
    assert not _seclusion_alerts(_seclusion(), applied(T0), ended(T0 + 10 * HOUR))


def test_other_frameworks_are_not_judged() -> None:
    """Wzd seclusion is not judged by the Jeugdwet insluiting rule."""
    facts = [proposed(T0, "wzd", "seclusion", client_age_years=10), applied(T0)]
    assert not only(alerts_at(facts), "SECLUSION-UNLAWFUL")
