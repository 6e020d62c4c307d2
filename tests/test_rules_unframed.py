"""A measure applied with no framework recorded has no recorded legal basis (rulebook 2026.2).

LAW.md §8 GEN-NO-FRAMEWORK: the record must name the form and what legitimises it (Wzd art.
17 lid 1 e; Wvggz 8:24; Jeugdwet 6.7.3). When no `measure.proposed` ever arrived, the rules
cannot judge the measure under any law; before 2026.2 that was silence.
"""

from __future__ import annotations

from domain.rulebook import Rulebook
from tests import factories as f
from tests.factories import DAY, HOUR, T0

V1 = Rulebook.load_default(version="2026.1")


def test_an_application_without_any_proposal_has_no_legal_basis() -> None:
    applied = f.applied(T0)
    alerts = f.only(f.alerts_at([applied]), "NO-LEGAL-BASIS")
    assert len(alerts) == 1
    [alert] = alerts
    assert alert.since == T0 and alert.resolved_at is None
    assert tuple(alert.evidence) == (applied.event_id,)
    assert "no measure.proposed was recorded" in alert.message
    assert alert.framework is None


def test_each_unframed_application_is_its_own_finding() -> None:
    facts = [f.applied(T0), f.applied(T0 + DAY)]
    assert len(f.only(f.alerts_at(facts), "NO-LEGAL-BASIS")) == 2


def test_it_is_open_from_the_application_not_before() -> None:
    facts = [f.applied(T0 + DAY)]
    assert "NO-LEGAL-BASIS" not in f.open_rules(facts, as_of=T0 + DAY - HOUR)
    assert "NO-LEGAL-BASIS" in f.open_rules(facts, as_of=T0 + DAY)


def test_a_proposal_that_arrives_later_takes_the_alert_away() -> None:
    """Recorded after the application but occurred before it: the measure had its law."""
    data = f.proposed(T0).data.model_dump()
    proposal = f.fact("measure.proposed", T0, data, recorded_at=T0 + 30 * DAY)
    facts = [
        proposal,
        f.step(T0 + HOUR),
        f.requested(T0 + HOUR),
        f.decided(T0 + 2 * HOUR),
        f.applied(T0 + DAY),
    ]
    assert f.only(f.alerts_at(facts), "NO-LEGAL-BASIS") == []


def test_a_lawful_lifecycle_raises_no_such_alert() -> None:
    assert f.only(f.alerts_at(f.lawful_wzd()), "NO-LEGAL-BASIS") == []


def test_an_unframed_measure_that_is_never_applied_is_silent() -> None:
    assert f.only(f.alerts_at([f.step(T0), f.requested(T0)]), "NO-LEGAL-BASIS") == []


def test_rulebook_2026_1_judged_nothing_there() -> None:
    assert f.only(f.alerts_at([f.applied(T0)], book=V1), "NO-LEGAL-BASIS") == []
