"""The delivery day of an overview: 12 August and 12 February, inclusive, Amsterdam time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.report.deadline import due, next_due, period_late_from
from domain.report.period import HalfYear


def test_each_half_year_has_its_day() -> None:
    """H1 by 12 August of the year, H2 by 12 February of the next."""
    assert str(due(HalfYear(2026, 1)).day) == "2026-08-12"
    assert str(due(HalfYear(2026, 2)).day) == "2027-02-12"
    # late from midnight after the day, on the Amsterdam clock: +02:00 in summer, +01:00 in winter
    assert due(HalfYear(2026, 1)).late_from == datetime.fromisoformat("2026-08-13T00:00:00+02:00")
    assert due(HalfYear(2026, 2)).late_from == datetime.fromisoformat("2027-02-13T00:00:00+01:00")


@pytest.mark.parametrize(
    ("now", "period", "day"),
    [
        ("2026-07-01T00:00:00+02:00", "2026H1", "2026-08-12"),  # H1 just ended
        ("2026-08-12T23:59:59+02:00", "2026H1", "2026-08-12"),  # its last second
        ("2026-08-12T21:59:59Z", "2026H1", "2026-08-12"),  # the same, written in UTC
        ("2026-08-12T22:00:00Z", "2026H2", "2027-02-12"),  # 00:00 on 13 August in Amsterdam
        ("2026-12-01T12:00:00+01:00", "2026H2", "2027-02-12"),
        ("2027-01-01T00:00:00+01:00", "2026H2", "2027-02-12"),  # H2 ended, its day to come
        ("2027-02-13T00:00:00+01:00", "2027H1", "2027-08-12"),
        ("2026-03-15T10:00:00+01:00", "2026H1", "2026-08-12"),  # 2025H2 was due 12 Feb
    ],
)
def test_the_next_delivery(now: str, period: str, day: str) -> None:
    """The last half-year's day while it lasts, then the running half-year's."""
    found = next_due(datetime.fromisoformat(now))
    assert (found.period.name, str(found.day)) == (period, day)


@given(st.integers(1900, 2198), st.sampled_from([1, 2]))
def test_the_half_year_is_found_from_its_first_late_instant(year: int, half: int) -> None:
    period = HalfYear(year, half)
    late_from = due(period).late_from
    assert period_late_from(late_from) == period
    assert period_late_from(late_from.astimezone(UTC)) == period  # the same instant in UTC
    assert period_late_from(late_from + timedelta(seconds=1)) is None
    assert period_late_from(late_from - timedelta(days=1)) is None
