"""Rulebook 2026.2: one insluiting split into registrations (Jeugdwet art. 6.3.2.2 lid 3).

Episodes of one `jeugdwet` `seclusion` measure that follow each other within the merge gap
(policy, 1 hour, inclusive) are one insluiting for the 1-day / 2-day limit. On real dates in
February 2026 (CET, +01:00), so a day is 24 hours on the Amsterdam clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from domain.alerts import Alert
from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate
from tests.factories import SECOND, applied, authorization, only, proposed, step

CET = timezone(timedelta(hours=1))
BOOK = Rulebook.load_default(version="2026.2")
LEGACY = Rulebook.load_default(version="2026.1")
US = timedelta(microseconds=1)

START = datetime(2026, 2, 10, 8, tzinfo=CET)
NEXT_DAY = START + timedelta(days=1)  # 11 February 08:00, the 1-day limit
ORDER = authorization(
    START - timedelta(days=30),
    "machtiging_gesloten_jeugdhulp",
    START - timedelta(days=30),
    START + timedelta(days=200),
)
PROPOSAL = proposed(
    START - timedelta(days=1),
    "jeugdwet",
    "seclusion",
    setting="closed_youth_care",
    emergency=True,
    client_age_years=15,
)


def _episode(start: datetime, end: datetime, name: str) -> Fact:
    return applied(start, ended_at=end, emergency=True, event_id=name)


def _unlawful(*facts: Fact, book: Rulebook = BOOK, as_of: datetime = FAR_FUTURE) -> list[Alert]:
    alerts = evaluate([PROPOSAL, *facts], [ORDER], book, as_of)
    return only(alerts, "SECLUSION-UNLAWFUL")


def _two(gap: timedelta, hours: float = 13) -> tuple[Fact, Fact]:
    """Two episodes of `hours` each, the second starting `gap` after the first ended."""
    length = timedelta(hours=hours)
    first_end = START + length
    return (
        _episode(START, first_end, "ins-a"),
        _episode(first_end + gap, first_end + gap + length, "ins-b"),
    )


def test_two_13_hour_episodes_10_minutes_apart_are_one_insluiting_of_more_than_a_day() -> None:
    """26 hours 10 minutes of one insluiting: fires from the instant after the day ended."""
    a, b = _two(timedelta(minutes=10))
    [alert] = _unlawful(a, b)
    assert alert.since == NEXT_DAY + US and alert.severity == "critical"
    assert alert.evidence == ("ins-a", "ins-b")
    assert "2 episodes" in alert.message and "1 day" in alert.message
    assert not _unlawful(a, b, as_of=NEXT_DAY)  # "within" is inclusive


def test_2026_1_judged_each_episode_on_its_own() -> None:
    """The same registrations under 2026.1: each 13-hour episode is within the day."""
    assert not _unlawful(*_two(timedelta(minutes=10)), book=LEGACY)


def test_the_same_episodes_2_hours_apart_are_two_insluitingen() -> None:
    """Two hours apart they are separate insluitingen of 13 hours each: lawful."""
    assert not _unlawful(*_two(timedelta(hours=2)))


def test_the_merge_gap_is_inclusive() -> None:
    """Exactly 1 hour apart they merge, 1 hour and 1 second apart they do not."""
    length = timedelta(hours=13)
    a = _episode(START, START + length, "ins-a")
    at_gap = START + length + timedelta(hours=1)
    assert _unlawful(a, _episode(at_gap, at_gap + length, "ins-b"))
    later = at_gap + SECOND
    assert not _unlawful(a, _episode(later, later + length, "ins-b"))


def test_a_merged_insluiting_of_exactly_one_day_is_within_the_limit() -> None:
    """12 hours, 1 hour apart, 11 hours: exactly 1 day from the first start to the last end
    is lawful; a second more is not."""
    a = _episode(START, START + timedelta(hours=12), "ins-a")
    b_start = START + timedelta(hours=13)
    assert not _unlawful(a, _episode(b_start, NEXT_DAY, "ins-b"))
    [alert] = _unlawful(a, _episode(b_start, NEXT_DAY + SECOND, "ins-b"))
    assert alert.since == NEXT_DAY + US


def test_the_extension_gives_the_merged_insluiting_2_days() -> None:
    """A gedragswetenschapper's extension during the first day of the merged insluiting (here
    during its second episode) allows 2 days from the first start, inclusive."""
    a = _episode(START, START + timedelta(hours=13), "ins-a")
    b_start = START + timedelta(hours=13, minutes=10)
    consent = step(START + timedelta(hours=20), "gedragswetenschapper_consent")
    two_days = START + timedelta(days=2)
    assert not _unlawful(a, _episode(b_start, two_days, "ins-b"), consent)
    [alert] = _unlawful(a, _episode(b_start, two_days + SECOND, "ins-b"), consent)
    assert alert.since == two_days + US and "2 days with the extension" in alert.message
    assert alert.evidence == ("ins-a", "ins-b", consent.event_id)


def test_an_extension_after_the_first_day_of_the_merged_insluiting_does_not_count() -> None:
    """Consent given during the second episode but after the merged insluiting's first day
    is no extension of it: 1 day applies."""
    a = _episode(START, START + timedelta(hours=13), "ins-a")
    b_start = START + timedelta(hours=13, minutes=10)
    late_consent = step(NEXT_DAY + timedelta(hours=1), "gedragswetenschapper_consent")
    [alert] = _unlawful(a, _episode(b_start, NEXT_DAY + timedelta(hours=4), "ins-b"), late_consent)
    assert alert.since == NEXT_DAY + US


def test_a_chain_of_episodes_is_one_insluiting_and_arrival_order_does_not_matter() -> None:
    """Three episodes, each within the gap of the one before, make one insluiting; the alert
    is named after the first episode, however the registrations arrive."""
    a = _episode(START, START + timedelta(hours=9), "ins-a")
    b = _episode(START + timedelta(hours=9, minutes=30), START + timedelta(hours=18), "ins-b")
    c = _episode(START + timedelta(hours=19), START + timedelta(hours=25), "ins-c")
    [alert] = _unlawful(a, b, c)
    assert alert.evidence == ("ins-a", "ins-b", "ins-c") and "3 episodes" in alert.message
    assert [x.alert_id for x in _unlawful(c, a, b)] == [alert.alert_id]
    # before the third episode started, the insluiting of two was within its day
    assert not _unlawful(a, b, c, as_of=START + timedelta(hours=19))


def test_overlapping_registrations_of_one_insluiting_merge() -> None:
    """Two records that overlap (a handover registered twice) are one insluiting."""
    a = _episode(START, START + timedelta(hours=14), "ins-a")
    b = _episode(START + timedelta(hours=13), START + timedelta(hours=25), "ins-b")
    assert _unlawful(a, b)


@given(
    episodes=st.lists(
        st.tuples(st.integers(0, 90), st.integers(1, 20 * 60)), min_size=1, max_size=5
    ),
    order=st.randoms(use_true_random=False),
)
def test_an_insluiting_fires_exactly_when_a_merged_run_exceeds_a_day(
    episodes: list[tuple[int, int]], order: Random
) -> None:
    """Episodes drawn as (minutes after the previous one ended, minutes long): the rule fires
    for exactly the runs of episodes at most an hour apart whose span exceeds 1 day, named
    after each run's first episode, whatever order the registrations arrive in."""
    facts, runs, cursor = [], [], START
    for index, (gap, length) in enumerate(episodes):
        start = cursor + timedelta(minutes=gap)
        cursor = start + timedelta(minutes=length)
        facts.append(_episode(start, cursor, f"ins-{index}"))
        if runs and gap <= 60:
            runs[-1][1] = cursor
        else:
            runs.append([index, cursor, start])
    expected = {f"ins-{first}" for first, end, start in runs if end - start > timedelta(days=1)}
    order.shuffle(facts)
    assert {alert.evidence[0] for alert in _unlawful(*facts)} == expected
