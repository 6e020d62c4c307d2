"""Hand-built lifecycles: lawful care of each law is silent at every moment, a retraction
resolves rather than deletes (in the stream or from elsewhere), and the next deadline names
its rule. The random-story invariants are in tests/test_rules_properties.py."""

from __future__ import annotations

from datetime import datetime

from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate, next_deadline
from tests import factories as f
from tests.factories import DAY, T0, WEEK

BOOK = f.locations_book(Rulebook.load_default())


def _sampled_moments(start: datetime, end: datetime, count: int = 60) -> list[datetime]:
    step = (end - start) / count
    return [start + step * index for index in range(count + 1)]


def test_lawful_wzd_lifecycle_is_silent_throughout() -> None:
    """A Wzd measure done by the book raises nothing at any moment."""
    facts = f.lawful_wzd()
    assert evaluate(facts, [], BOOK, FAR_FUTURE) == []
    for moment in _sampled_moments(T0 - DAY, T0 + 52 * WEEK):
        assert evaluate(facts, [], BOOK, moment) == []


def test_lawful_jeugdwet_lifecycle_is_silent_throughout() -> None:
    """Gesloten jeugdhulp with a machtiging, evaluated every 2 months, then ended: silent."""
    order = f.authorization(T0, "machtiging_gesloten_jeugdhulp", T0, T0 + 50 * WEEK)
    facts = [
        f.proposed(
            T0,
            "jeugdwet",
            "restrict_visits",
            setting="closed_youth_care",
            grounds=(),
            planned_end=T0 + 20 * WEEK,
            actor_role="jeugdhulpverlener",  # not a gedragswetenschapper: consent needed
        ),
        f.step(T0, "gedragswetenschapper_consent", actor_role="gedragswetenschapper"),
        f.applied(T0 + DAY),
        f.evaluated(T0 + 4 * WEEK),
        f.applied(T0 + 6 * WEEK),
        f.evaluated(T0 + 12 * WEEK),
        f.ended(T0 + 16 * WEEK),
    ]
    assert evaluate(facts, [order], BOOK, FAR_FUTURE) == []
    for moment in _sampled_moments(T0, T0 + 30 * WEEK):
        assert evaluate(facts, [order], BOOK, moment) == []


def test_lawful_wvggz_lifecycle_is_silent_throughout() -> None:
    """Verplichte zorg under a covering zorgmachtiging, evaluated in time, ended: silent."""
    order = f.authorization(T0, "zorgmachtiging", T0, T0 + 24 * WEEK, covers=["admission"])
    facts = [
        f.proposed(T0, "wvggz", "admission", zorgverantwoordelijke_psychiatrist=False),
        f.step(T0, "geneesheer_directeur_agreement", actor_role="geneesheer_directeur"),
        f.applied(T0),
        f.evaluated(T0 + 12 * WEEK),
        f.ended(T0 + 20 * WEEK),
    ]
    assert evaluate(facts, [order], BOOK, FAR_FUTURE) == []
    for moment in _sampled_moments(T0, T0 + 30 * WEEK):
        assert evaluate(facts, [order], BOOK, moment) == []


def test_retraction_resolves_rather_than_deletes() -> None:
    """Retracting the offending application resolves its alert at the retraction's time."""
    offending = f.applied(T0 + DAY)
    facts = [f.proposed(T0), f.step(T0), offending, f.decided(T0 + 2 * DAY)]
    retraction = f.retracted(T0 + 5 * DAY, offending)
    [alert] = [
        a
        for a in evaluate([*facts, retraction], [], BOOK, FAR_FUTURE)
        if a.rule == "APPLIED-WITHOUT-REVIEW"
    ]
    assert (alert.since, alert.resolved_at, alert.status) == (T0 + DAY, T0 + 5 * DAY, "resolved")
    [before] = [
        a
        for a in evaluate([*facts, retraction], [], BOOK, T0 + 4 * DAY)
        if a.rule == "APPLIED-WITHOUT-REVIEW"
    ]
    assert before.status == "open" and before.alert_id == alert.alert_id


def test_retracted_order_elsewhere_takes_effect_at_its_time() -> None:
    """retracted_ids maps an order retracted in another stream to the retraction's time."""
    order = f.authorization(T0, "machtiging_gesloten_jeugdhulp", T0, T0 + 50 * WEEK)
    facts = [
        f.proposed(T0, "jeugdwet", "supervision", setting="closed_youth_care"),
        f.applied(T0 + DAY),
    ]
    alerts = evaluate(facts, [order], BOOK, FAR_FUTURE, {order.event_id: T0 + 3 * DAY})
    [alert] = [a for a in alerts if a.rule == "NO-LEGAL-BASIS"]
    assert alert.since == T0 + 3 * DAY


def test_next_deadline_names_the_rule() -> None:
    """The status view gets the next due time and its rule."""
    facts = [f.proposed(T0)]
    assert next_deadline(facts, [], BOOK, T0) == (T0 + 14 * DAY, "REVIEW-OVERDUE")
    assert next_deadline(f.lawful_wzd(), [], BOOK, FAR_FUTURE) is None
