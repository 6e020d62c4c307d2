"""Catalogue 2, Jeugdwet: JW-VBM-NOT-IN-PLAN (6.3.1.2 lid 2), JW-VBM-GW-CONSENT (6.2.10
lid 2), JW-NOOD-12H-GW (6.3.1.2 lid 5), JW-AFBOUW-ONAFH (6.3.1.5), on rulebook 2026.2's
Amsterdam calendar; none under 2026.1."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.rulebook import Rulebook
from tests.factories import (
    DAY,
    HOUR,
    SECOND,
    alerts_at,
    applied,
    authorization,
    ended,
    extended,
    only,
    proposed,
    step,
)

AMS = ZoneInfo("Europe/Amsterdam")
V1 = Rulebook.load_default(version="2026.1")
V2 = Rulebook.load_default(version="2026.2")
MICRO = timedelta(microseconds=1)
GW = "gedragswetenschapper"
JHV = "jeugdhulpverlener"


def ams(*fields: int) -> datetime:
    """A wall-clock time in Amsterdam, with the fixed offset a provider sends (RFC 3339)."""
    local = datetime(*fields, tzinfo=AMS)
    offset = local.utcoffset()
    assert offset is not None
    return local.astimezone(timezone(offset))


T = ams(2026, 1, 5, 9, 0)  # a Monday
MACHTIGING = authorization(
    T - 30 * DAY, "machtiging_gesloten_jeugdhulp", T - 30 * DAY, T + 300 * DAY
)


def _plan(at: datetime, **extra: object):
    extra.setdefault("setting", "closed_youth_care")
    return proposed(at, "jeugdwet", extra.pop("category", "restrict_movement"), **extra)


def _consent(at: datetime, role: str | None = GW):
    return step(at, "gedragswetenschapper_consent", actor_role=role)


def _alerts(rule: str, facts: list, book: Rulebook = V2) -> list:
    return only(alerts_at(facts, [MACHTIGING], book=book), rule)


# -- JW-VBM-NOT-IN-PLAN ---------------------------------------------------------------------
def test_applied_before_the_plan_existed_fires() -> None:
    """Applied a second before the measure was put in the plan: not in the plan, critical;
    a plan recorded later does not make it one that was. Until the proposal, no event names
    the law (GEN-NO-FRAMEWORK's NO-LEGAL-BASIS); from it on, this rule holds."""
    early = applied(T - SECOND)
    [alert] = _alerts("JW-VBM-NOT-IN-PLAN", [_plan(T), early])
    assert (alert.since, alert.severity, alert.status) == (T, "critical", "open")
    assert alert.evidence[0] == early.event_id


def test_applied_at_the_plan_instant_is_in_the_plan() -> None:
    """Applied at the instant the plan was set: in the plan."""
    assert _alerts("JW-VBM-NOT-IN-PLAN", [_plan(T), applied(T)]) == []


def test_an_emergency_needs_no_plan() -> None:
    """An emergency application (6.3.1.2 lid 3) before any plan is not this rule's."""
    assert _alerts("JW-VBM-NOT-IN-PLAN", [_plan(T), applied(T - HOUR, emergency=True)]) == []


def test_a_non_emergency_application_of_an_emergency_measure_fires() -> None:
    """The only proposal is an emergency: an application that says it is no emergency is
    neither in the plan nor an emergency."""
    facts = [_plan(T, emergency=True), applied(T), applied(T + HOUR, emergency=False)]
    [alert] = _alerts("JW-VBM-NOT-IN-PLAN", facts)
    assert alert.since == T + HOUR


def test_a_later_plan_version_does_not_cover_earlier_applications_but_the_first_does() -> None:
    """Two plan versions: an application between them is in the (first) plan."""
    facts = [_plan(T), applied(T + DAY), _plan(T + 2 * DAY)]
    assert _alerts("JW-VBM-NOT-IN-PLAN", facts) == []


# -- JW-VBM-GW-CONSENT ----------------------------------------------------------------------
def test_plan_set_by_a_jeugdhulpverlener_without_consent_fires() -> None:
    """No gedragswetenschapper's consent before the first application: high, open."""
    facts = [_plan(T, actor_role=JHV), applied(T + DAY)]
    [alert] = _alerts("JW-VBM-GW-CONSENT", facts)
    assert (alert.since, alert.severity, alert.status) == (T + DAY, "high", "open")


def test_consent_at_the_first_application_instant_is_in_time() -> None:
    facts = [_plan(T, actor_role=JHV), _consent(T + DAY), applied(T + DAY)]
    assert _alerts("JW-VBM-GW-CONSENT", facts) == []


def test_late_consent_resolves_from_then() -> None:
    """Consent one second after the first application: the alert held until it came."""
    facts = [_plan(T, actor_role=JHV), applied(T + DAY), _consent(T + DAY + SECOND)]
    [alert] = _alerts("JW-VBM-GW-CONSENT", facts)
    assert (alert.status, alert.resolved_at) == ("resolved", T + DAY + SECOND)


def test_consent_by_another_role_does_not_count() -> None:
    """A 'gedragswetenschapper_consent' recorded by the jeugdhulpverlener is not consent."""
    facts = [_plan(T, actor_role=JHV), _consent(T, role=JHV), applied(T + DAY)]
    assert len(_alerts("JW-VBM-GW-CONSENT", facts)) == 1


def test_a_gedragswetenschapper_s_own_plan_or_an_unknown_author_needs_none() -> None:
    """Set by a gedragswetenschapper: no consent needed; no actor: the ledger cannot tell."""
    assert _alerts("JW-VBM-GW-CONSENT", [_plan(T, actor_role=GW), applied(T + DAY)]) == []
    assert _alerts("JW-VBM-GW-CONSENT", [_plan(T), applied(T + DAY)]) == []


def test_an_extension_needs_consent_by_the_old_term_end_at_a_month_end() -> None:
    """Term to 31 Jan 2026 09:00, extended on 20 Jan by a jeugdhulpverlener: consent after
    the plan and by 31 Jan 09:00 is in time; without it the alert holds from the instant
    after the old term end."""
    term_end = ams(2026, 1, 31, 9, 0)
    base = [
        _plan(T, actor_role=JHV, planned_end=term_end),
        _consent(T),
        applied(T + DAY),
        extended(ams(2026, 1, 20, 9, 0), ams(2026, 2, 28, 9, 0), actor_role=JHV),
    ]
    [alert] = _alerts("JW-VBM-GW-CONSENT", base)
    assert alert.since == term_end + MICRO
    assert _alerts("JW-VBM-GW-CONSENT", [*base, _consent(term_end)]) == []


# -- JW-NOOD-12H-GW -------------------------------------------------------------------------
FRIDAY_NIGHT = ams(2026, 3, 27, 20, 0)  # the weekend of the spring DST change


def _nood(*extra: object) -> list:
    return [_plan(FRIDAY_NIGHT, emergency=True, category="physical_restraint"), *extra]


def test_emergency_running_past_12_hours_without_consent_fires() -> None:
    """Emergency from Friday 20:00, still going on Saturday 08:00: critical from the instant
    after, open (it is not ended)."""
    [alert] = _alerts("JW-NOOD-12H-GW", _nood(applied(FRIDAY_NIGHT)))
    mark = ams(2026, 3, 28, 8, 0)
    assert (alert.since, alert.severity, alert.status) == (mark + MICRO, "critical", "open")


def test_consent_within_12_hours_or_an_end_at_12_hours_is_lawful() -> None:
    """Consent at exactly 12 hours, or an episode that ends at exactly 12 hours: silent."""
    mark = FRIDAY_NIGHT + 12 * HOUR
    assert _alerts("JW-NOOD-12H-GW", _nood(applied(FRIDAY_NIGHT), _consent(mark))) == []
    assert _alerts("JW-NOOD-12H-GW", _nood(applied(FRIDAY_NIGHT, ended_at=mark))) == []
    assert _alerts("JW-NOOD-12H-GW", _nood(applied(FRIDAY_NIGHT, ended_at=mark + SECOND)))


def test_12_hours_across_the_dst_night_are_elapsed_hours() -> None:
    """From Saturday 28 March 22:00 CET, 12 hours end Sunday 11:00 CEST."""
    start = ams(2026, 3, 28, 22, 0)
    facts = [_plan(start, emergency=True, category="physical_restraint"), applied(start)]
    [alert] = _alerts("JW-NOOD-12H-GW", facts)
    assert alert.since == ams(2026, 3, 29, 11, 0) + MICRO


def test_an_episode_after_12_hours_counts_and_late_consent_resolves() -> None:
    """A short first episode, a second one on Saturday afternoon: still applied after 12 h;
    the consent that came Saturday evening resolves the alert then."""
    late = ams(2026, 3, 28, 19, 0)
    facts = _nood(
        applied(FRIDAY_NIGHT, ended_at=FRIDAY_NIGHT + HOUR),
        applied(ams(2026, 3, 28, 15, 0), ended_at=ams(2026, 3, 28, 15, 30)),
        _consent(late),
    )
    [alert] = _alerts("JW-NOOD-12H-GW", facts)
    assert alert.resolved_at == late


def test_a_consent_before_the_emergency_is_not_for_it() -> None:
    """Consent recorded before the emergency began does not cover it."""
    facts = _nood(_consent(FRIDAY_NIGHT - HOUR), applied(FRIDAY_NIGHT))
    assert len(_alerts("JW-NOOD-12H-GW", facts)) == 1


def test_12h_rule_is_for_emergency_measures_only() -> None:
    """A plan measure applied for days is not an emergency under 6.3.1.2 lid 3."""
    facts = [_plan(FRIDAY_NIGHT, actor_role=GW), applied(FRIDAY_NIGHT)]
    assert _alerts("JW-NOOD-12H-GW", facts) == []


# -- JW-AFBOUW-ONAFH ------------------------------------------------------------------------
TERM_END = ams(2026, 1, 31, 9, 0)  # a Saturday at a month end


def _afbouw(*extra: object) -> list:
    return [_plan(T, actor_role=GW, planned_end=TERM_END), applied(T + HOUR), *extra]


def test_still_applied_after_the_term_without_independent_advice_fires() -> None:
    """Not phased out by 31 Jan 09:00: the advice is due 2 weeks later (14 Feb 09:00)."""
    [alert] = _alerts("JW-AFBOUW-ONAFH", _afbouw())
    assert (alert.since, alert.severity) == (ams(2026, 2, 14, 9, 0) + MICRO, "high")


def test_advice_at_the_due_instant_or_an_end_within_the_term_is_lawful() -> None:
    due = ams(2026, 2, 14, 9, 0)
    advice = step(due, "independent_expert_advice", actor_role="external_expert")
    assert _alerts("JW-AFBOUW-ONAFH", _afbouw(advice)) == []
    assert _alerts("JW-AFBOUW-ONAFH", _afbouw(ended(TERM_END))) == []


def test_late_advice_resolves_and_an_extension_moves_the_term() -> None:
    """Advice a second late resolves the alert then; an extended term is the term judged."""
    late = ams(2026, 2, 14, 9, 0) + SECOND
    [alert] = _alerts("JW-AFBOUW-ONAFH", _afbouw(step(late, "independent_expert_advice")))
    assert alert.resolved_at == late
    extension = extended(T + 20 * DAY, ams(2026, 2, 28, 9, 0), actor_role=GW)
    [alert] = _alerts("JW-AFBOUW-ONAFH", _afbouw(extension))
    assert alert.since == ams(2026, 3, 14, 9, 0) + MICRO


# -- 2026.1 ---------------------------------------------------------------------------------
def test_no_jeugdwet_catalogue_2_rule_fires_under_2026_1() -> None:
    """Every story above that fires under 2026.2 raises none of these under 2026.1."""
    stories = [
        [_plan(T), applied(T - SECOND)],
        [_plan(T, actor_role=JHV), applied(T + DAY)],
        _nood(applied(FRIDAY_NIGHT)),
        _afbouw(),
    ]
    rules = {"JW-VBM-NOT-IN-PLAN", "JW-VBM-GW-CONSENT", "JW-NOOD-12H-GW", "JW-AFBOUW-ONAFH"}
    for facts in stories:
        assert not {a.rule for a in alerts_at(facts, [MACHTIGING], book=V1)} & rules
        assert {a.rule for a in alerts_at(facts, [MACHTIGING], book=V2)} & rules


def test_the_advice_term_is_policy_and_the_12_hours_are_statute() -> None:
    """The term for the independent advice may be set (here 0 days: at the term end); the 12
    hours of 6.3.1.2 lid 5 cannot be overridden."""
    book = V2.with_policy({"jeugdwet.afbouw_advice": "0 days"})
    [alert] = _alerts("JW-AFBOUW-ONAFH", _afbouw(), book)
    assert alert.since == TERM_END + MICRO
    with pytest.raises(ValueError, match="statute"):
        V2.with_policy({"jeugdwet.emergency_consent": "24 hours"})
