"""`Period.spans` bounds `after(moment) - moment` for every moment, on both clocks.

A report tells a late registration from the gap between its two clocks and calls `after`
only for a gap between the bounds (`domain.report.period_rows.late_of`), so a bound that
does not hold would miscount. Drawn over moments around the DST changes and month ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from domain.rules.periods import LEGACY, Clock, Period

AMSTERDAM = Clock(ZoneInfo("Europe/Amsterdam"))
EDGES = [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
         datetime(2026, 1, 31, 12, tzinfo=UTC), datetime(2028, 2, 29, 12, tzinfo=UTC)]  # fmt: skip

moments = st.one_of(
    st.datetimes(datetime(2020, 1, 1), datetime(2032, 1, 1), timezones=st.just(UTC)),
    st.tuples(st.sampled_from(EDGES), st.integers(-3 * 86400, 3 * 86400)).map(
        lambda e: e[0] + timedelta(seconds=e[1])
    ),
)
periods = st.builds(
    Period,
    amount=st.integers(0, 40),
    unit=st.sampled_from(["hour", "day", "week", "month", "year"]),
    clock=st.sampled_from([LEGACY, AMSTERDAM]),
)


@given(period=periods, moment=moments)
def test_after_falls_within_the_spans(period: Period, moment: datetime) -> None:
    low, high = period.spans()
    gap = period.after(moment) - moment
    assert low <= gap
    assert high is not None and gap <= high


@given(moment=moments, amount=st.integers(0, 40))
def test_an_extended_period_claims_no_upper_bound(moment: datetime, amount: int) -> None:
    period = Period(amount, "day", AMSTERDAM, "next_working_day")
    low, high = period.spans()
    assert high is None and low <= period.after(moment) - moment


def test_the_bounds_are_tight_enough_to_decide_a_week() -> None:
    """The registration lag (7 days on the Amsterdam wall): decided without `after` below
    5 days and above 9."""
    low, high = Period(7, "day", AMSTERDAM).spans()
    assert low == timedelta(days=5) and high == timedelta(days=9)
