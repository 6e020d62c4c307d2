"""Catalogue 2, Wvggz: WVGGZ-DECISION-PSYCH (8:9), WVGGZ-NOOD-GD-NOTIFY (8:12 lid 2),
WVGGZ-PRE-CM-18H (7:3 lid 2), on rulebook 2026.2's Amsterdam calendar; none under 2026.1."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate_authorization
from tests.factories import (
    DAY,
    HOUR,
    SECOND,
    alerts_at,
    applied,
    authorization,
    ended,
    only,
    proposed,
    step,
)

AMS = ZoneInfo("Europe/Amsterdam")
V1 = Rulebook.load_default(version="2026.1")
V2 = Rulebook.load_default(version="2026.2")
MICRO = timedelta(microseconds=1)


def ams(*fields: int) -> datetime:
    """A wall-clock time in Amsterdam, with the fixed offset a provider sends (RFC 3339)."""
    local = datetime(*fields, tzinfo=AMS)
    offset = local.utcoffset()
    assert offset is not None
    return local.astimezone(timezone(offset))


# Friday before the October 2026 DST change (Sunday 25 October, 03:00 CEST -> 02:00 CET).
FRIDAY = ams(2026, 10, 23, 16, 0)


def _title(at: datetime) -> object:
    return authorization(at - DAY, "zorgmachtiging", at - DAY, at + 150 * DAY)


def _decision(at: datetime, **extra: object) -> list:
    """A Wvggz 8:9 decision (the proposal) under a zorgmachtiging, applied an hour later."""
    return [
        proposed(at, "wvggz", "medication_nutrition_medical", **extra),
        applied(at + HOUR),
    ]


def _psych(facts: list, book: Rulebook = V2) -> list:
    return only(alerts_at(facts, [_title(FRIDAY)], book=book), "WVGGZ-DECISION-PSYCH")


# -- WVGGZ-DECISION-PSYCH -------------------------------------------------------------------
def test_decision_not_by_a_psychiatrist_without_gd_agreement_fires() -> None:
    """A zorgverantwoordelijke who is not a psychiatrist, no GD agreement: critical alert
    from the first application, open."""
    facts = _decision(FRIDAY, zorgverantwoordelijke_psychiatrist=False)
    [alert] = _psych(facts)
    assert (alert.since, alert.status, alert.severity) == (FRIDAY + HOUR, "open", "critical")
    assert alert.evidence == (facts[1].event_id, facts[0].event_id)


def test_gd_agreement_at_the_application_instant_is_in_time() -> None:
    """The agreement recorded at the very instant of the first application counts."""
    facts = _decision(FRIDAY, zorgverantwoordelijke_psychiatrist=False)
    agreed = step(
        FRIDAY + HOUR, "geneesheer_directeur_agreement", actor_role="geneesheer_directeur"
    )
    assert _psych([*facts, agreed]) == []


def test_a_late_gd_agreement_resolves_the_alert_from_then() -> None:
    """An agreement one second after the first application: the alert held in between."""
    facts = _decision(FRIDAY, zorgverantwoordelijke_psychiatrist=False)
    late = step(FRIDAY + HOUR + SECOND, "geneesheer_directeur_agreement")
    [alert] = _psych([*facts, late])
    assert (alert.status, alert.resolved_at) == ("resolved", FRIDAY + HOUR + SECOND)


def test_agreement_recorded_by_another_role_is_not_the_gd_s() -> None:
    """A GD agreement step recorded by the zorgverantwoordelijke is not the GD's."""
    facts = _decision(FRIDAY, zorgverantwoordelijke_psychiatrist=False)
    own = step(FRIDAY, "geneesheer_directeur_agreement", actor_role="zorgverantwoordelijke")
    assert len(_psych([*facts, own])) == 1


@pytest.mark.parametrize(
    ("extra", "fires"),
    [
        ({"actor_role": "gedragswetenschapper"}, True),  # a psychologist decides
        ({"actor_role": "jeugdhulpverlener"}, True),
        ({"actor_role": "zorgverantwoordelijke"}, False),  # may be a psychiatrist: unknown
        ({"actor_role": "arts"}, False),
        ({}, False),
        ({"zorgverantwoordelijke_psychiatrist": True, "actor_role": "gedragswetenschapper"}, False),
        (
            {"zorgverantwoordelijke_psychiatrist": False, "actor_role": "geneesheer_directeur"},
            False,
        ),
        ({"zorgverantwoordelijke_psychiatrist": False, "emergency": True}, False),  # 8:11
    ],
)
def test_who_decided_is_read_from_the_field_then_the_role(extra: dict, fires: bool) -> None:
    """The field wins; without it only roles that are never psychiatrists fire; the GD
    deciding needs no agreement with themselves; an 8:11 emergency is not an 8:9 decision."""
    assert bool(_psych(_decision(FRIDAY, **extra))) is fires


def test_decision_psych_never_fires_under_2026_1() -> None:
    """Rulebook 2026.1 has no catalogue 2: the same facts raise nothing of it."""
    assert _psych(_decision(FRIDAY, zorgverantwoordelijke_psychiatrist=False), V1) == []


# -- WVGGZ-NOOD-GD-NOTIFY -------------------------------------------------------------------
def _notify(facts: list, book: Rulebook = V2) -> list:
    return only(alerts_at(facts, book=book), "WVGGZ-NOOD-GD-NOTIFY")


def _nood(at: datetime) -> list:
    return [proposed(at, "wvggz", "seclusion", emergency=True), applied(at)]


def test_gd_not_informed_of_an_8_11_decision_fires_after_24_hours_across_dst() -> None:
    """Decision Saturday 24 Oct 12:00 CEST: 24 hours are elapsed time over the DST night, so
    the GD must know by Sunday 11:00 CET; the alert holds from the instant after."""
    decided_at = ams(2026, 10, 24, 12, 0)
    due = ams(2026, 10, 25, 11, 0)
    assert due - decided_at == timedelta(hours=24)
    [alert] = _notify(_nood(decided_at))
    assert alert.since == due + MICRO and alert.severity == "high"


def test_gd_informed_at_the_due_instant_is_in_time() -> None:
    """Informed exactly 24 hours after the decision: in time; 1 second later: late, and the
    alert resolves when it is done."""
    decided_at = FRIDAY
    on_time = step(FRIDAY + 24 * HOUR, "geneesheer_directeur_informed")
    assert _notify([*_nood(decided_at), on_time]) == []
    late = step(FRIDAY + 24 * HOUR + SECOND, "geneesheer_directeur_informed")
    [alert] = _notify([*_nood(decided_at), late])
    assert alert.resolved_at == FRIDAY + 24 * HOUR + SECOND


def test_the_end_of_8_11_care_must_be_notified_too() -> None:
    """Informed of the decision, ended over the weekend, not informed of the end: an alert
    for the end only; a notice at the end's instant is in time."""
    end_at = FRIDAY + 2 * DAY
    facts = [*_nood(FRIDAY), step(FRIDAY + HOUR, "geneesheer_directeur_informed"), ended(end_at)]
    [alert] = _notify(facts)
    assert alert.since == end_at + 24 * HOUR + MICRO
    assert _notify([*facts, step(end_at, "geneesheer_directeur_informed")]) == []


def test_non_emergency_wvggz_needs_no_8_12_notice() -> None:
    """An 8:9 decision under the title is not 8:11 emergency care."""
    assert _notify([proposed(FRIDAY, "wvggz", "seclusion"), applied(FRIDAY)]) == []


def test_gd_notify_never_fires_under_2026_1() -> None:
    assert _notify(_nood(FRIDAY), V1) == []


# -- WVGGZ-PRE-CM-18H -----------------------------------------------------------------------
def _pre(*orders: object, book: Rulebook = V2) -> list:
    return only(evaluate_authorization(list(orders), book, FAR_FUTURE), "WVGGZ-PRE-CM-18H")


def _tvz(start: datetime, end: datetime, key: str, **extra: object) -> object:
    kind = "tijdelijke_verplichte_zorg"
    return authorization(start, kind, start, end, authorization_id=key, **extra)


def test_7_3_orders_that_follow_on_each_other_count_together() -> None:
    """10 h and then 9 h of 7:3 care without a gap: 19 h in total, over 18 h."""
    first = _tvz(FRIDAY, FRIDAY + 10 * HOUR, "tvz-1")
    second = _tvz(FRIDAY + 10 * HOUR, FRIDAY + 19 * HOUR, "tvz-2")
    [alert] = _pre(first, second)
    assert alert.since == FRIDAY + 10 * HOUR and alert.severity == "high"
    assert alert.measure_id is None and alert.framework == "wvggz"
    assert alert.evidence == (first.event_id, second.event_id)


def test_exactly_18_hours_in_total_is_allowed() -> None:
    """10 h + 8 h = 18 h: within the limit ('ten hoogste')."""
    assert (
        _pre(
            _tvz(FRIDAY, FRIDAY + 10 * HOUR, "a"), _tvz(FRIDAY + 10 * HOUR, FRIDAY + 18 * HOUR, "b")
        )
        == []
    )


def test_orders_with_a_gap_are_separate_stretches() -> None:
    """Two 10-hour orders a minute apart are not one stretch of 7:3 care."""
    gap = timedelta(minutes=1)
    later = FRIDAY + 10 * HOUR + gap
    assert _pre(_tvz(FRIDAY, FRIDAY + 10 * HOUR, "a"), _tvz(later, later + 10 * HOUR, "b")) == []


def test_one_order_over_18_hours_stays_authorization_too_long_s() -> None:
    """A single 19-hour order: AUTHORIZATION-TOO-LONG (catalogue 1), not a second alert."""
    order = _tvz(FRIDAY, FRIDAY + 19 * HOUR, "a")
    assert _pre(order) == []
    alerts = evaluate_authorization([order], V2, FAR_FUTURE)
    assert [a.rule for a in alerts] == ["AUTHORIZATION-TOO-LONG"]


def test_12_hours_after_the_psychiatrist_s_examination_across_the_spring_dst_night() -> None:
    """Examined Sunday 29 March 2026 00:30 CET: 12 hours later is 13:30 CEST (elapsed time
    over the skipped hour). Care until then is lawful; one second more is not."""
    exam = ams(2026, 3, 29, 0, 30)
    start = exam + HOUR
    limit = ams(2026, 3, 29, 13, 30)
    assert limit - exam == timedelta(hours=12)
    assert _pre(_tvz(start, limit, "a", examined_at=exam)) == []
    [alert] = _pre(_tvz(start, limit + SECOND, "a", examined_at=exam))
    assert alert.since == start


def test_pre_crisis_never_fires_under_2026_1() -> None:
    first = _tvz(FRIDAY, FRIDAY + 10 * HOUR, "a", examined_at=FRIDAY - 6 * HOUR)
    second = _tvz(FRIDAY + 10 * HOUR, FRIDAY + 19 * HOUR, "b")
    assert _pre(first, second, book=V1) == []
    assert len(_pre(first, second)) == 2  # total and examination, under 2026.2


def test_the_gd_notice_term_is_policy_and_the_7_3_hours_are_statute() -> None:
    """An operator may set the 'onverwijld' term (here 12 hours); 18 and 12 hours of 7:3
    are the law and cannot be overridden."""
    book = V2.with_policy({"wvggz.gd_notification": "12 hours"})
    [alert] = _notify(_nood(FRIDAY), book)
    assert alert.since == FRIDAY + 12 * HOUR + MICRO
    for key in ("wvggz.pre_crisis_total", "wvggz.pre_crisis_after_examination"):
        with pytest.raises(ValueError, match="statute"):
            V2.with_policy({key: "24 hours"})
