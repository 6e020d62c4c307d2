"""LATE-REGISTRATION under rulebook 2026.2: one alert per measure (and per authorisation) that
grows with its late events, and the providers' onboarding dates. 2026.1 keeps one per event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.alerts import alert_id
from domain.rulebook import Rulebook, RulebookError
from domain.rules.engine import FAR_FUTURE, evaluate, evaluate_authorization
from domain.rules.registration import lag_words
from projections.alert_index import fingerprint
from tests.factories import (
    DAY,
    HOUR,
    MEASURE,
    PROVIDER,
    SECOND,
    T0,
    alerts_at,
    applied,
    authorization,
    decided,
    fact,
    only,
    proposed,
    retracted,
    step,
)

BOOK = Rulebook.load_default()
LEGACY = Rulebook.load_default(version="2026.1")
LAG = 7 * DAY
MICRO = timedelta(microseconds=1)


def _lawful(*more):
    return [proposed(T0), step(T0), decided(T0), *more]


def _late(facts, book=BOOK, as_of=FAR_FUTURE):
    return only(alerts_at(facts, as_of=as_of, book=book), "LATE-REGISTRATION")


def _three_late():
    """Three applications recorded 8, 12 and 9 days after they occurred, the 12-day one first."""
    first = applied(T0 + 3 * DAY, recorded_at=T0 + 11 * DAY, event_id="late-8")
    longest = applied(T0 + 1 * DAY, recorded_at=T0 + 13 * DAY, event_id="late-12")
    third = applied(T0 + 5 * DAY, recorded_at=T0 + 14 * DAY, event_id="late-9")
    return first, longest, third


def test_many_late_events_of_a_measure_are_one_alert() -> None:
    """Evidence in care order, the number and the longest lag in words, since the first late
    recording, one alert_id for the measure."""
    first, longest, third = _three_late()
    [alert] = _late(_lawful(first, longest, third))
    assert alert.evidence == ("late-12", "late-8", "late-9")  # occurred_at order
    assert alert.message.startswith(
        "3 events of this measure were recorded late; the longest 12 days after it occurred"
    )
    assert "more than 7 days" in alert.message and "Wzd art. 16 lid 3" in alert.message
    assert alert.since == T0 + 11 * DAY  # the first late recording, not the first occurrence
    assert (alert.status, alert.severity) == ("open", "low")
    assert alert.alert_id == alert_id("LATE-REGISTRATION", PROVIDER, MEASURE, "measure")


def test_the_alert_grows_as_late_records_arrive() -> None:
    """As of each recording the same alert names only the late records made by then."""
    facts = _lawful(*_three_late())
    before = _late(facts, as_of=T0 + 11 * DAY - SECOND)
    [at_first] = _late(facts, as_of=T0 + 11 * DAY)
    [at_second] = _late(facts, as_of=T0 + 13 * DAY)
    [at_all] = _late(facts, as_of=T0 + 14 * DAY)
    assert before == []
    assert at_first.evidence == ("late-8",)
    assert at_first.message.startswith("1 event of this measure was recorded late, 8 days")
    assert at_second.evidence == ("late-12", "late-8")
    assert at_second.message.startswith(
        "2 events of this measure were recorded late; the longest 12 days"
    )
    assert at_all.evidence == ("late-12", "late-8", "late-9")
    ids = {a.alert_id for a in (at_first, at_second, at_all)}
    since = {a.since for a in (at_first, at_second, at_all)}
    assert len(ids) == 1 and since == {T0 + 11 * DAY}


def test_lag_exactly_at_the_limit_is_in_time() -> None:
    """Recorded exactly 7 days later (on the Amsterdam clock) is in time; a second later is
    late, and the message never reads as exactly the limit."""
    in_time = applied(T0 + DAY, recorded_at=T0 + DAY + LAG)
    assert _late(_lawful(in_time)) == []
    late = applied(T0 + DAY, recorded_at=T0 + DAY + LAG + SECOND)
    [alert] = _late(_lawful(late))
    assert "recorded late, more than 7 days after it occurred" in alert.message


def test_only_the_late_events_are_evidence() -> None:
    """Events recorded in time are not named."""
    in_time = applied(T0 + DAY, recorded_at=T0 + 2 * DAY, event_id="on-time")
    late = applied(T0 + 2 * DAY, recorded_at=T0 + 20 * DAY, event_id="late")
    [alert] = _late(_lawful(in_time, late))
    assert alert.evidence == ("late",)


def test_resolved_when_every_late_event_is_retracted() -> None:
    """Retracting one of two late events shrinks the evidence; retracting both resolves the
    alert (at the second retraction); a later late record opens a second alert."""
    a = applied(T0 + DAY, recorded_at=T0 + 10 * DAY, event_id="late-a")
    b = applied(T0 + 2 * DAY, recorded_at=T0 + 11 * DAY, event_id="late-b")
    one = retracted(T0 + 12 * DAY, a, event_id="r-a")
    [still] = _late(_lawful(a, b, one))
    assert (still.status, still.evidence) == ("open", ("late-b",))
    assert still.since == T0 + 10 * DAY  # the condition held throughout
    both = retracted(T0 + 15 * DAY, b, event_id="r-b")
    [gone] = _late(_lawful(a, b, one, both))
    assert (gone.status, gone.resolved_at) == ("resolved", T0 + 15 * DAY)
    assert gone.evidence == ("late-b",)  # what it named just before it resolved
    again = applied(T0 + 20 * DAY, recorded_at=T0 + 30 * DAY, event_id="late-c")
    first, second = _late(_lawful(a, b, one, both, again))
    assert first.alert_id == gone.alert_id and second.alert_id != gone.alert_id
    assert (second.since, second.evidence, second.status) == (T0 + 30 * DAY, ("late-c",), "open")


def test_switched_off_by_policy() -> None:
    book = BOOK.with_policy({"rule.LATE-REGISTRATION": False})
    assert _late(_lawful(*_three_late()), book=book) == []


def test_2026_1_keeps_one_alert_per_event() -> None:
    """The previous version judges as it did: one alert per late event, per-event message."""
    alerts = _late(_lawful(*_three_late()), book=LEGACY)
    assert sorted(a.evidence for a in alerts) == [("late-12",), ("late-8",), ("late-9",)]
    assert all(a.message.startswith("The measure.applied event of") for a in alerts)


# -- authorisations -------------------------------------------------------------------------
def test_one_alert_per_authorisation() -> None:
    """An authorisation's late events (registered, ended) are one alert, named after it; a
    second authorisation of the client has its own."""
    order = authorization(
        T0, "crisismaatregel", T0, T0 + DAY, recorded_at=T0 + 9 * DAY, event_id="reg-1"
    )
    end = fact(
        "authorization.ended",
        T0 + DAY,
        {"authorization_id": "auth-1"},
        recorded_at=T0 + 20 * DAY,
        event_id="end-1",
    )
    other = authorization(
        T0 + DAY,
        "crisismaatregel",
        T0 + DAY,
        T0 + 2 * DAY,
        authorization_id="auth-2",
        recorded_at=T0 + 10 * DAY,
        event_id="reg-2",
    )
    alerts = only(
        evaluate_authorization([order, end, other], BOOK, FAR_FUTURE), "LATE-REGISTRATION"
    )
    by_id = {a.alert_id: a for a in alerts}
    assert set(by_id) == {
        alert_id("LATE-REGISTRATION", PROVIDER, None, "auth-1"),
        alert_id("LATE-REGISTRATION", PROVIDER, None, "auth-2"),
    }
    first = by_id[alert_id("LATE-REGISTRATION", PROVIDER, None, "auth-1")]
    assert first.evidence == ("reg-1", "end-1") and first.measure_id is None
    assert first.message.startswith(
        "2 events of authorisation auth-1 were recorded late; the longest 19 days"
    )
    assert first.since == T0 + 9 * DAY


def test_authorisation_in_time_raises_nothing() -> None:
    order = authorization(T0, "crisismaatregel", T0, T0 + DAY, recorded_at=T0 + LAG)
    assert not only(evaluate_authorization([order], BOOK, FAR_FUTURE), "LATE-REGISTRATION")


# -- onboarding -----------------------------------------------------------------------------
ON_DAY = "2026-02-01"  # 00:00 Europe/Amsterdam = 2026-01-31T23:00Z
ON_INSTANT = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)


def _onboarded() -> Rulebook:
    return Rulebook.load_default(onboarding={PROVIDER: ON_DAY})


def test_history_before_onboarding_is_not_late() -> None:
    """Events that occurred before the provider's onboarding date, recorded months later,
    raise no LATE-REGISTRATION; 1 µs before the date's 00:00 (Amsterdam) is still history."""
    history = applied(ON_INSTANT - MICRO, recorded_at=ON_INSTANT + 60 * DAY)
    assert _late(_lawful(history)) != []  # without an onboarding date it is late
    assert _late(_lawful(history), book=_onboarded()) == []


def test_an_event_on_the_onboarding_date_is_judged() -> None:
    """The onboarding date itself is inclusive: an event at its 00:00 local is judged."""
    on_the_day = applied(ON_INSTANT, recorded_at=ON_INSTANT + 60 * DAY, event_id="on-day")
    history = applied(ON_INSTANT - HOUR, recorded_at=ON_INSTANT + 60 * DAY, event_id="before")
    [alert] = _late(_lawful(history, on_the_day), book=_onboarded())
    assert alert.evidence == ("on-day",)


def test_onboarding_leaves_the_other_rules_alone() -> None:
    """An application before onboarding without the stappenplan still raises STEPPLAN-SKIPPED."""
    facts = [
        proposed(T0),
        applied(T0 + DAY, recorded_at=T0 + 40 * DAY),
    ]
    plain = {a.rule for a in evaluate(facts, [], BOOK, FAR_FUTURE)}
    onboarded = {a.rule for a in evaluate(facts, [], _onboarded(), FAR_FUTURE)}
    assert "LATE-REGISTRATION" in plain
    assert onboarded == plain - {"LATE-REGISTRATION"}
    assert "STEPPLAN-SKIPPED" in onboarded


def test_onboarding_applies_to_its_provider_only() -> None:
    book = Rulebook.load_default(onboarding={"AGB:99999999": ON_DAY})
    history = applied(ON_INSTANT - DAY, recorded_at=ON_INSTANT + 60 * DAY)
    assert _late(_lawful(history), book=book) != []


def test_onboarding_of_authorisation_events() -> None:
    order = authorization(
        ON_INSTANT - DAY, "crisismaatregel", T0, T0 + DAY, recorded_at=ON_INSTANT + 30 * DAY
    )
    assert only(evaluate_authorization([order], BOOK, FAR_FUTURE), "LATE-REGISTRATION")
    assert not only(evaluate_authorization([order], _onboarded(), FAR_FUTURE), "LATE-REGISTRATION")


def test_onboarding_dates_are_parsed_and_checked() -> None:
    """A date is its 00:00 on the Amsterdam clock (summer or winter); a time needs an offset;
    2026.1 has no onboarding and refuses one rather than ignore it."""
    book = Rulebook.load_default(onboarding={"A": "2026-07-01", "B": "2026-03-02T10:00:00+01:00"})
    assert book.onboarding["A"] == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert book.onboarding["B"] == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(RulebookError, match="offset"):
        Rulebook.load_default(onboarding={"A": "2026-07-01T00:00:00"})
    with pytest.raises(RulebookError, match="not a date"):
        Rulebook.load_default(onboarding={"A": "first of July"})
    with pytest.raises(RulebookError, match=r"2026\.2"):
        Rulebook.load_default(version="2026.1", onboarding={"A": "2026-07-01"})


def test_onboarding_enters_the_fingerprint() -> None:
    """A changed onboarding date is a changed rulebook input (rebuild needed); none set
    leaves the fingerprint as without the setting."""
    plain = fingerprint(BOOK)
    assert fingerprint(BOOK.with_onboarding({})) == plain
    first = fingerprint(Rulebook.load_default(onboarding={PROVIDER: "2026-02-01"}))
    moved = fingerprint(Rulebook.load_default(onboarding={PROVIDER: "2026-02-02"}))
    assert len({plain, first, moved}) == 3


def test_2026_1_fingerprint_is_unchanged() -> None:
    """The fields 2026.2 added are left out at their defaults: the hash a 2026.1 store holds."""
    assert fingerprint(LEGACY).startswith("ac0a5a483989")


@pytest.mark.parametrize(
    ("lag", "words"),
    [
        (12 * DAY, "12 days"),
        (7 * DAY + 3 * HOUR, "7 days and 3 hours"),
        (7 * DAY + SECOND, "more than 7 days"),
        (DAY + 2 * HOUR + 5 * 60 * SECOND, "more than 1 day and 2 hours"),
        (5 * HOUR, "5 hours"),
        (90 * SECOND, "more than 1 minute"),
        (SECOND, "less than a minute"),
    ],
)
def test_lag_in_words(lag: timedelta, words: str) -> None:
    assert lag_words(lag) == words
