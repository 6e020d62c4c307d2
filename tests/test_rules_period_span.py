"""`Period.within` answers `end <= period.after(start)` from elapsed time alone when that
decides it (`domain.rules.periods.span`): the bounds must hold for every period, clock and
moment, or a registration would be judged late (or in time) wrongly.

Checked against `after` itself on random moments around both DST changes and month ends,
on both clocks, with and without the working-day extension, and at the bounds' edges
(elapsed exactly the shortest or the longest the period can last).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules.periods import LEGACY, Clock, Period, span

AMSTERDAM = Clock(ZoneInfo("Europe/Amsterdam"))
CLOCKS = (LEGACY, AMSTERDAM, Clock(ZoneInfo("Pacific/Apia")))
UNITS = ("hour", "day", "week", "month", "year")

periods = st.builds(
    lambda amount, unit, clock, extended: Period(
        amount, unit, clock, "next_working_day" if extended and clock.zone else None
    ),
    st.integers(0, 40),
    st.sampled_from(UNITS),
    st.sampled_from(CLOCKS),
    st.booleans(),
)
moments = st.datetimes(
    min_value=datetime(2010, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.astimezone(timezone(timedelta(hours=2))))


@settings(max_examples=600, deadline=None)
@given(periods, moments, st.integers(-3 * 86400, 40 * 366 * 86400))
def test_within_is_after_on_any_moment(period: Period, start: datetime, seconds: int) -> None:
    end = start + timedelta(seconds=seconds)
    assert period.within(start, end) is (end <= period.after(start))


@settings(max_examples=400, deadline=None)
@given(periods, moments)
def test_every_period_lasts_within_its_span(period: Period, start: datetime) -> None:
    shortest, longest = span(period)
    lasts = period.after(start) - start
    assert shortest <= lasts
    assert longest is None or lasts <= longest
    for edge in (shortest, longest):
        if edge is not None:  # at the edges the fast answer decides: it must be the exact one
            for nudge in (timedelta(0), timedelta(microseconds=1)):
                end = start + edge + nudge
                assert period.within(start, end) is (end <= period.after(start))


def test_the_registration_lag_over_a_dst_change() -> None:
    """7 days on the Dutch wall clock across the autumn change last 7 days and an hour."""
    lag = Period(7, "day", AMSTERDAM)
    start = datetime(2026, 10, 22, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    last = start + timedelta(days=7, hours=1)
    assert lag.within(start, last)
    assert not lag.within(start, last + timedelta(microseconds=1))
