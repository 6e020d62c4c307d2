"""Rulebook 2026.2's calendar: periods on the Europe/Amsterdam wall clock (both DST changes,
month ends), the working-day extension of Wzd art. 29 lid 4, Wvggz 7:4 and 8:12 lid 1 on
the real holidays of 2024-2028, and "within" inclusive for every deadline rule.

Times are written in the offset the Dutch clock showed (CET +01:00, CEST +02:00). Every
test here fails under rulebook 2026.1's clock (elapsed days, open at the due instant).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.facts import Fact
from domain.rulebook import Period, Rulebook
from domain.rules.engine import next_deadline
from tests.factories import (
    DAY,
    HOUR,
    WEEK,
    alerts_at,
    applied,
    authorization,
    decided,
    ended,
    evaluated,
    extended,
    fact,
    only,
    open_rules,
    proposed,
    step,
)

CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))
US = timedelta(microseconds=1)  # the ledger's resolution: "the first instant after"
BOOK = Rulebook.load_default()


def test_the_active_rulebook_is_2026_2() -> None:
    assert BOOK.version == "2026.2"
    assert BOOK.deadline == "after_due"


# -- "within" is inclusive: every deadline rule at its boundary -------------------------
@dataclass(frozen=True)
class Boundary:
    rule: str
    facts: Callable[[], list[Fact]]
    due: datetime
    orders: Callable[[], list[Fact]] = list


def _review() -> list[Fact]:  # proposed in summer time, due after the October change
    return [proposed(datetime(2026, 10, 19, 9, tzinfo=CEST))]


def _evaluation() -> list[Fact]:  # first application before the March change
    start = datetime(2026, 3, 9, 9, tzinfo=CET)
    first = datetime(2026, 3, 16, 9, tzinfo=CET)
    return [
        proposed(start, planned_start=first, planned_end=first + 10 * WEEK),
        step(start),
        decided(start + HOUR),
        applied(first),
    ]


def _afbouw() -> list[Fact]:  # 3 months without planned_end: 5 January to 5 April
    start = datetime(2026, 1, 5, 9, tzinfo=CET)
    return [proposed(start), step(start), decided(start + HOUR), applied(start + DAY)]


def _wzd_emergency() -> list[Fact]:  # 2 weeks across the March change
    start = datetime(2026, 3, 20, 10, tzinfo=CET)
    return [proposed(start, emergency=True), applied(start, emergency=True)]


def _extension() -> list[Fact]:  # review due at the old term end, 2 March
    start = datetime(2026, 1, 5, 9, tzinfo=CET)
    old_end = datetime(2026, 3, 2, 9, tzinfo=CET)
    return [
        proposed(start, planned_end=old_end),
        step(start),
        decided(start + HOUR),
        applied(start + DAY),
        step(old_end - 2 * WEEK, "extended_expert_consultation"),
        extended(old_end - WEEK, old_end + 8 * WEEK),
    ]


def _seclusion() -> list[Fact]:  # one day on the night the clocks go forward: 23 hours
    start = datetime(2026, 3, 28, 20, tzinfo=CET)
    return [
        proposed(start, "jeugdwet", "seclusion", setting="closed_youth_care", client_age_years=15),
        applied(start, emergency=True),
    ]


def _seclusion_october() -> list[Fact]:  # one day on the night the clocks go back: 25 hours
    start = datetime(2026, 10, 24, 20, tzinfo=CEST)
    return [
        proposed(start, "jeugdwet", "seclusion", setting="closed_youth_care", client_age_years=15),
        applied(start, emergency=True),
    ]


def _machtiging() -> list[Fact]:
    begin = datetime(2026, 1, 1, tzinfo=CET)
    return [authorization(begin, "machtiging_gesloten_jeugdhulp", begin, begin + 40 * WEEK)]


def _wvggz_emergency() -> list[Fact]:  # Thursday + 3 days = Sunday: to the end of Monday
    start = datetime(2026, 1, 8, 10, tzinfo=CET)
    return [proposed(start, "wvggz", emergency=True), applied(start, emergency=True)]


def _jeugdwet_emergency() -> list[Fact]:  # 6.3.1.2 lid 4: no working-day extension
    start = datetime(2026, 1, 8, 10, tzinfo=CET)
    return [
        proposed(start, "jeugdwet", setting="closed_youth_care", emergency=True),
        applied(start, emergency=True),
    ]


BOUNDARIES = {
    "review": Boundary("REVIEW-OVERDUE", _review, datetime(2026, 11, 2, 9, tzinfo=CET)),
    "evaluation": Boundary(
        "EVALUATION-OVERDUE", _evaluation, datetime(2026, 4, 13, 9, tzinfo=CEST)
    ),
    "afbouw": Boundary("AFBOUW-OVERDUE", _afbouw, datetime(2026, 4, 5, 9, tzinfo=CEST)),
    "wzd-emergency": Boundary(
        "EMERGENCY-OVERRUN", _wzd_emergency, datetime(2026, 4, 3, 10, tzinfo=CEST)
    ),
    "extension-review": Boundary(
        "EXTENSION-WITHOUT-REVIEW", _extension, datetime(2026, 3, 2, 9, tzinfo=CET)
    ),
    "seclusion": Boundary(
        "SECLUSION-UNLAWFUL", _seclusion, datetime(2026, 3, 29, 20, tzinfo=CEST), _machtiging
    ),
    "seclusion-october": Boundary(
        "SECLUSION-UNLAWFUL",
        _seclusion_october,
        datetime(2026, 10, 25, 20, tzinfo=CET),
        _machtiging,
    ),
    "wvggz-emergency": Boundary(
        "EMERGENCY-OVERRUN", _wvggz_emergency, datetime(2026, 1, 13, 0, tzinfo=CET)
    ),
    "jeugdwet-emergency": Boundary(
        "EMERGENCY-OVERRUN",
        _jeugdwet_emergency,
        datetime(2026, 1, 11, 10, tzinfo=CET),
        _machtiging,
    ),
}


@pytest.mark.parametrize("name", sorted(BOUNDARIES))
def test_nothing_is_overdue_at_the_due_instant(name: str) -> None:
    """At as_of == due the rule is silent; one microsecond later it is open, and its
    `since` is that first instant after the due time, in the Dutch offset of the moment."""
    case = BOUNDARIES[name]
    facts, orders = case.facts(), case.orders()
    assert case.rule not in open_rules(facts, orders, as_of=case.due)
    assert case.rule in open_rules(facts, orders, as_of=case.due + US)
    [alert] = only(alerts_at(facts, orders), case.rule)
    assert alert.since == case.due + US
    assert alert.since.utcoffset() == case.due.utcoffset()


def test_an_act_at_the_due_instant_is_in_time() -> None:
    """A review decided, an evaluation done, an emergency ended at the due time: in time."""
    review = BOUNDARIES["review"]
    assert not only(alerts_at([*review.facts(), decided(review.due)]), "REVIEW-OVERDUE")
    evaluation = BOUNDARIES["evaluation"]
    facts = [*evaluation.facts(), evaluated(evaluation.due)]
    assert not only(alerts_at(facts, as_of=evaluation.due + 8 * WEEK), "EVALUATION-OVERDUE")
    emergency = BOUNDARIES["wvggz-emergency"]
    facts = [*emergency.facts(), ended(emergency.due)]
    assert not only(alerts_at(facts), "EMERGENCY-OVERRUN")


def test_next_deadline_shows_the_due_time_itself() -> None:
    case = BOUNDARIES["review"]
    at = case.due - DAY
    assert next_deadline(case.facts(), [], BOOK, at) == (case.due, "REVIEW-OVERDUE")
    assert next_deadline(case.facts(), [], BOOK, case.due) == (case.due, "REVIEW-OVERDUE")


def test_alert_json_is_rfc_3339_with_the_dutch_offset() -> None:
    case = BOUNDARIES["evaluation"]
    [alert] = only(alerts_at(case.facts()), case.rule)
    since = json.loads(alert.model_dump_json())["since"]
    assert since == "2026-04-13T09:00:00.000001+02:00"
    assert datetime.fromisoformat(since) == case.due + US


# -- the Amsterdam wall clock -----------------------------------------------------------
def test_four_weeks_across_the_march_change_end_at_the_same_local_time() -> None:
    """28 days from Monday 16 March 09:00 CET are Monday 13 April 09:00 CEST: 671 hours."""
    period = BOOK.evaluation_limits("wzd", "AGB:1")[0].period
    start = datetime(2026, 3, 16, 9, tzinfo=CET)
    assert period.after(start) == datetime(2026, 4, 13, 9, tzinfo=CEST)
    assert period.after(start) - start == 4 * WEEK - HOUR


def test_two_weeks_across_the_october_change_end_at_the_same_local_time() -> None:
    review = BOOK.period("review")
    start = datetime(2026, 10, 19, 9, tzinfo=CEST)
    assert review.after(start) == datetime(2026, 11, 2, 9, tzinfo=CET)
    assert review.after(start) - start == 2 * WEEK + HOUR


def test_six_months_from_summer_fall_due_at_the_same_local_time_in_winter() -> None:
    """Wzd art. 8: the next evaluation 6 months after 31 August 10:00 is 28 February 10:00
    on the Dutch clock, not 09:00 as in the summer offset."""
    last = datetime(2026, 8, 31, 10, tzinfo=CEST)
    facts = [
        proposed(last - 8 * WEEK, planned_end=last + 52 * WEEK),
        step(last - 8 * WEEK),
        decided(last - 8 * WEEK),
        applied(last - 7 * WEEK),
        evaluated(last - 5 * WEEK),
        evaluated(last),
        extended(last, last + 20 * WEEK),
    ]
    due = datetime(2027, 2, 28, 10, tzinfo=CET)
    assert [a.since for a in only(alerts_at(facts), "EVALUATION-OVERDUE")] == [due + US]


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (datetime(2026, 1, 31, 10, tzinfo=CET), datetime(2026, 2, 28, 10, tzinfo=CET)),
        (datetime(2028, 1, 31, 10, tzinfo=CET), datetime(2028, 2, 29, 10, tzinfo=CET)),
        (datetime(2026, 3, 31, 10, tzinfo=CEST), datetime(2026, 4, 30, 10, tzinfo=CEST)),
        (datetime(2026, 3, 28, 10, tzinfo=CET), datetime(2026, 4, 28, 10, tzinfo=CEST)),
        (datetime(2026, 10, 31, 10, tzinfo=CET), datetime(2026, 11, 30, 10, tzinfo=CET)),
        (datetime(2026, 9, 30, 23, 30, tzinfo=CEST), datetime(2026, 10, 30, 23, 30, tzinfo=CET)),
    ],
)
def test_a_month_at_month_ends_and_across_dst(start: datetime, due: datetime) -> None:
    """31 January + 1 month is 28 February (29 in 2028), at the same local time."""
    book = Rulebook.load_default(policy={"wvggz.first_evaluation": "1 month"})
    facts = [proposed(start - DAY, "wvggz"), applied(start)]
    [alert] = only(alerts_at(facts, book=book), "EVALUATION-OVERDUE")
    assert alert.since == due + US


def test_a_month_given_in_utc_is_counted_on_the_dutch_clock() -> None:
    """30 January 23:30 UTC is 31 January 00:30 in Amsterdam: one month later is the end of
    February, 28 February 00:30 CET (27 February 23:30 UTC), not 28 February 23:30 UTC."""
    month = Rulebook.load_default(policy={"wvggz.first_evaluation": "1 month"})
    period = month.evaluation_limits("wvggz", "AGB:1")[0].period
    start = datetime(2026, 1, 30, 23, 30, tzinfo=UTC)
    assert period.after(start) == datetime(2026, 2, 28, 0, 30, tzinfo=CET)


def test_a_local_time_skipped_or_repeated_is_taken_at_its_later_instant() -> None:
    """14 days from 02:30 lands in the hour skipped on 29 March 2026 (03:30 CEST) or in the
    hour repeated on 25 October 2026 (the second 02:30, CET): never early."""
    review = BOOK.period("review")
    skipped = review.after(datetime(2026, 3, 15, 2, 30, tzinfo=CET))
    assert skipped == datetime(2026, 3, 29, 3, 30, tzinfo=CEST)
    repeated = review.after(datetime(2026, 10, 11, 2, 30, tzinfo=CEST))
    assert repeated == datetime(2026, 10, 25, 2, 30, tzinfo=CET)
    assert repeated.utcoffset() == timedelta(hours=1)


def test_hours_stay_elapsed_time_on_the_night_of_the_change() -> None:
    """Wvggz 7:3: 18 hours are 18 hours, also across the March change."""
    [hours] = BOOK.authorizations["tijdelijke_verplichte_zorg"].maximum
    start = datetime(2026, 3, 28, 20, tzinfo=CET)
    assert hours.after(start) - start == 18 * HOUR


def test_registration_lag_is_seven_days_on_the_dutch_clock() -> None:
    """A week from Sunday 22 March 12:00 CET is Sunday 29 March 12:00 CEST (167 hours):
    recorded then, in time; recorded at 13:00 CEST (168 hours), late."""
    occurred = datetime(2026, 3, 22, 12, tzinfo=CET)
    week = datetime(2026, 3, 29, 12, tzinfo=CEST)
    lawful = [proposed(occurred - DAY), fact("afbouw.started", occurred, {}, recorded_at=week)]
    assert "LATE-REGISTRATION" not in open_rules(lawful)
    late = [
        proposed(occurred - DAY),
        fact("afbouw.started", occurred, {}, recorded_at=week + HOUR),
    ]
    assert "LATE-REGISTRATION" in open_rules(late)


# -- properties of the wall clock -------------------------------------------------------
AMSTERDAM = BOOK.clock.zone
WALL_PERIODS = [
    BOOK.period("review"),  # 14 days
    BOOK.evaluation_limits("wzd", "AGB:1")[0].period,  # 4 weeks
    BOOK.evaluation_limits("wzd", "AGB:1")[1].period,  # 6 months
    BOOK.period("seclusion_max", "jeugdwet"),  # 1 day
    BOOK.authorizations["zorgmachtiging"].maximum[2],  # 2 years
]


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2024, 1, 1),
        max_value=datetime(2028, 12, 31),
        timezones=st.just(UTC),
    ),
    st.sampled_from(WALL_PERIODS),
    st.integers(1, 180),
)
def test_wall_clock_periods_keep_the_local_time_and_the_order(
    moment: datetime, period: Period, minutes: int
) -> None:
    """The end is in Amsterdam's own offset at that instant, keeps the local time of the
    start (an hour later only when that time was skipped), and a later start never ends
    earlier, except where a month end clamps: 28 August 21:43 and 29 August 00:00 plus 6
    months both end on 28 February, keeping their times (21:43, then 00:00). Even then the
    later start never ends on an earlier day."""
    end = period.after(moment)
    local_start, local_end = moment.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    assert end.utcoffset() == local_end.utcoffset()
    kept = local_end.replace(tzinfo=None).time() == local_start.replace(tzinfo=None).time()
    skipped = local_end.replace(tzinfo=None) - timedelta(hours=1)
    assert kept or skipped.time() == local_start.time()
    later = period.after(moment + timedelta(minutes=minutes))
    if later < end:
        later_start = (moment + timedelta(minutes=minutes)).astimezone(AMSTERDAM)
        later_end = later.astimezone(AMSTERDAM)
        assert later_end.date() == local_end.date(), "a later start ended on an earlier day"
        assert later_end.day < later_start.day, "only a clamped month end may come earlier"
