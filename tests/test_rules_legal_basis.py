"""Legal basis per application: NO-LEGAL-BASIS, AUTHORIZATION-EXPIRED, APPLIED-WITHOUT-REVIEW,
APPLIED-AFTER-REJECTION, APPLIED-AFTER-END."""

from __future__ import annotations

import pytest

from domain.rulebook import Rulebook
from tests.factories import (
    DAY,
    SECOND,
    T0,
    WEEK,
    alerts_at,
    applied,
    authorization,
    authorization_ended,
    decided,
    ended,
    only,
    open_rules,
    proposed,
    step,
)


def _jeugd(**kwargs):
    return proposed(T0, "jeugdwet", "restrict_movement", setting="closed_youth_care", **kwargs)


def _machtiging(until=T0 + 52 * WEEK, **kwargs):
    return authorization(T0, "machtiging_gesloten_jeugdhulp", T0, until, **kwargs)


def test_jeugdwet_in_open_youth_care_has_no_basis() -> None:
    """Given VBM in open jeugdhulp, even with a machtiging, then NO-LEGAL-BASIS."""
    plan = proposed(T0, "jeugdwet", "restrict_movement", setting="open_youth_care")
    when = applied(T0 + DAY)
    alerts = only(alerts_at([plan, when], [_machtiging()]), "NO-LEGAL-BASIS")
    assert [a.since for a in alerts] == [T0 + DAY]
    assert alerts[0].severity == "critical" and when.event_id in alerts[0].evidence


@pytest.mark.parametrize("setting", ["ambulatory", "residential"])
def test_jeugdwet_outside_a_closed_accommodation_has_no_basis(setting: str) -> None:
    """Jeugdwet 6.2.1-6.2.2, 6.3.1.1 lid 3 (LAW.md §3.2, §8 JW-OPEN-NO-BASIS): the measures
    are permitted in a gesloten accommodatie only; ambulatory or residential care with a
    machtiging in force is no basis either."""
    plan = proposed(T0, "jeugdwet", "restrict_movement", setting=setting)
    when = applied(T0 + DAY)
    [alert] = only(alerts_at([plan, when], [_machtiging()]), "NO-LEGAL-BASIS")
    assert alert.since == T0 + DAY and alert.severity == "critical"
    assert setting in alert.message and when.event_id in alert.evidence


def test_rulebook_2026_1_caught_only_open_youth_care() -> None:
    """The previous version stays as it was: only open_youth_care was caught."""
    old = Rulebook.load_default(version="2026.1")
    plan = proposed(T0, "jeugdwet", "restrict_movement", setting="ambulatory")
    assert "NO-LEGAL-BASIS" not in open_rules([plan, applied(T0 + DAY)], [_machtiging()], book=old)


@pytest.mark.parametrize("framework", ["wzd", "wvggz"])
def test_other_frameworks_may_work_outside_an_accommodation(framework: str) -> None:
    """Wzd and Wvggz care may be ambulant (Wzd 2a, Wvggz 2:4): no setting alert there."""
    plan = proposed(T0, framework, "supervision", setting="ambulatory")
    alerts = only(alerts_at([plan, applied(T0 + DAY)]), "NO-LEGAL-BASIS")
    assert not [alert for alert in alerts if "ambulatory" in alert.message]


def test_jeugdwet_in_closed_care_with_machtiging_is_lawful() -> None:
    """Given a machtiging gesloten jeugdhulp in force, a closed-care VBM has its basis."""
    assert "NO-LEGAL-BASIS" not in open_rules([_jeugd(), applied(T0 + DAY)], [_machtiging()])


def test_jeugdwet_without_machtiging_has_no_basis() -> None:
    """Given no machtiging of any jeugdwet kind, then NO-LEGAL-BASIS."""
    orders = [authorization(T0, "zorgmachtiging", T0, T0 + 8 * WEEK)]
    assert "NO-LEGAL-BASIS" in open_rules([_jeugd(), applied(T0 + DAY)], orders)


def test_spoedmachtiging_is_a_jeugdwet_basis() -> None:
    """Each of the three jeugdwet kinds gives a basis."""
    order = authorization(T0, "spoedmachtiging_gesloten_jeugdhulp", T0, T0 + 4 * WEEK)
    assert "NO-LEGAL-BASIS" not in open_rules([_jeugd(), applied(T0 + DAY)], [order])


def test_machtiging_valid_only_later_is_no_basis_yet() -> None:
    """An order that starts after the application does not cover it."""
    order = authorization(T0, "machtiging_gesloten_jeugdhulp", T0 + 2 * DAY, T0 + 9 * WEEK)
    assert "NO-LEGAL-BASIS" in open_rules([_jeugd(), applied(T0 + DAY)], [order])


def test_wvggz_without_title_has_no_basis() -> None:
    """Given verplichte zorg without a zorgmachtiging or crisismaatregel, then NO-LEGAL-BASIS."""
    facts = [proposed(T0, "wvggz", "admission"), applied(T0 + DAY)]
    assert "NO-LEGAL-BASIS" in open_rules(facts)


def test_wvggz_8_11_emergency_needs_no_title() -> None:
    """A Wvggz 8:11 emergency is its own basis (within the 3-day maximum)."""
    facts = [proposed(T0, "wvggz", "seclusion", emergency=True), applied(T0 + DAY)]
    assert "NO-LEGAL-BASIS" not in open_rules(facts, as_of=T0 + DAY)


def test_wvggz_with_crisismaatregel_is_lawful() -> None:
    """A crisismaatregel in force gives the basis."""
    order = authorization(T0, "crisismaatregel", T0, T0 + 3 * DAY)
    facts = [proposed(T0, "wvggz", "admission"), applied(T0 + DAY)]
    assert "NO-LEGAL-BASIS" not in open_rules(facts, [order])


def test_category_outside_the_framework_has_no_basis() -> None:
    """A known code of another framework (admission under the Wzd) has no basis."""
    facts = [proposed(T0, "wzd", "admission"), step(T0), decided(T0), applied(T0 + DAY)]
    alerts = only(alerts_at(facts), "NO-LEGAL-BASIS")
    assert len(alerts) == 1 and "admission" in alerts[0].message


def test_category_outside_the_covers_has_no_basis() -> None:
    """A zorgmachtiging that does not cover the form gives no basis for it."""
    order = authorization(T0, "zorgmachtiging", T0, T0 + 8 * WEEK, covers=["admission"])
    facts = [proposed(T0, "wvggz", "seclusion"), applied(T0 + DAY)]
    alerts = only(alerts_at(facts, [order]), "NO-LEGAL-BASIS")
    assert len(alerts) == 1 and order.event_id in alerts[0].evidence


def test_category_inside_the_covers_is_lawful() -> None:
    """A zorgmachtiging that covers the form gives the basis."""
    order = authorization(T0, "zorgmachtiging", T0, T0 + 8 * WEEK, covers=["seclusion"])
    facts = [proposed(T0, "wvggz", "seclusion"), applied(T0 + DAY)]
    assert "NO-LEGAL-BASIS" not in open_rules(facts, [order])


def test_authorization_expired_at_valid_until() -> None:
    """Applied at valid_until itself: expired (validity is half-open); one second before: fine."""
    until = T0 + 4 * WEEK
    late, in_time = applied(until), applied(until - SECOND)
    alerts = alerts_at([_jeugd(), in_time, late], [_machtiging(until)])
    expired = only(alerts, "AUTHORIZATION-EXPIRED")
    assert [a.since for a in expired] == [until]
    assert not only(alerts, "NO-LEGAL-BASIS")


def test_authorization_ended_early_counts_as_expired() -> None:
    """An authorization.ended stops the basis from its occurred_at."""
    orders = [_machtiging(), authorization_ended(T0 + 2 * DAY)]
    facts = [_jeugd(), applied(T0 + DAY), applied(T0 + 3 * DAY)]
    assert [a.since for a in only(alerts_at(facts, orders), "AUTHORIZATION-EXPIRED")] == [
        T0 + 3 * DAY
    ]


def test_review_approval_expired() -> None:
    """Applied after the approving review's valid_until: AUTHORIZATION-EXPIRED."""
    facts = [
        proposed(T0),
        step(T0),
        decided(T0, valid_until=T0 + WEEK),
        applied(T0 + WEEK - SECOND),
        applied(T0 + WEEK),
    ]
    assert [a.since for a in only(alerts_at(facts), "AUTHORIZATION-EXPIRED")] == [T0 + WEEK]


def test_applied_without_review() -> None:
    """Given a Wzd plan not yet approved, when applied, then APPLIED-WITHOUT-REVIEW."""
    facts = [
        proposed(T0),
        step(T0),
        applied(T0 + DAY),
        decided(T0 + 2 * DAY),
        applied(T0 + 3 * DAY),
    ]
    assert [a.since for a in only(alerts_at(facts), "APPLIED-WITHOUT-REVIEW")] == [T0 + DAY]


def test_review_at_the_same_instant_counts() -> None:
    """A review decided at the very instant of the application is in force for it."""
    facts = [proposed(T0), step(T0), decided(T0 + DAY), applied(T0 + DAY)]
    assert "APPLIED-WITHOUT-REVIEW" not in open_rules(facts)


def test_emergency_needs_no_prior_review() -> None:
    """A Wzd art. 15 emergency application is not APPLIED-WITHOUT-REVIEW."""
    facts = [proposed(T0, emergency=True), applied(T0 + DAY)]
    assert "APPLIED-WITHOUT-REVIEW" not in open_rules(facts, as_of=T0 + DAY)


def test_applied_after_rejection() -> None:
    """Given the latest review rejected, when applied, then APPLIED-AFTER-REJECTION only."""
    facts = [proposed(T0), step(T0), decided(T0, "rejected"), applied(T0 + DAY)]
    rules = open_rules(facts, as_of=T0 + DAY)
    assert "APPLIED-AFTER-REJECTION" in rules and "APPLIED-WITHOUT-REVIEW" not in rules


def test_approval_after_rejection_restores_the_basis() -> None:
    """A later approval is the latest decision: applying then is lawful."""
    facts = [proposed(T0), step(T0), decided(T0, "rejected"), decided(T0 + DAY), applied(T0 + DAY)]
    assert "APPLIED-AFTER-REJECTION" not in open_rules(facts)


def test_applied_after_end() -> None:
    """Applied one second after measure.ended fires; at the same instant it does not."""
    end = T0 + WEEK
    facts = [proposed(T0), step(T0), decided(T0), applied(T0), ended(end), applied(end)]
    assert "APPLIED-AFTER-END" not in open_rules(facts)
    late = applied(end + SECOND)
    alerts = only(alerts_at([*facts, late]), "APPLIED-AFTER-END")
    assert [a.since for a in alerts] == [end + SECOND] and late.event_id in alerts[0].evidence


def test_order_registered_later_resolves_the_alert() -> None:
    """A court order registered after the application but valid then resolves NO-LEGAL-BASIS."""
    order = authorization(T0 + 2 * DAY, "machtiging_gesloten_jeugdhulp", T0, T0 + 9 * WEEK)
    alerts = only(alerts_at([_jeugd(), applied(T0 + DAY)], [order]), "NO-LEGAL-BASIS")
    assert [(a.since, a.resolved_at) for a in alerts] == [(T0 + DAY, T0 + 2 * DAY)]
