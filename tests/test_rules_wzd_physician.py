"""Catalogue 2: the involved physician (Wzd art. 10 lid 3, 15 lid 3).

WZD-PHYSICIAN-CONSENT: a plan measure of form a, b, c or an art. 2 lid 2 form, proposed by
a zorgverantwoordelijke who is not a physician, applied without `physician_consent` before
it. WZD-EMERGENCY-PHYSICIAN: the same in an art. 15 emergency without the physician
consulted (`physician_consulted` or `physician_consent`).
"""

from __future__ import annotations

import pytest

from domain.rulebook import Rulebook
from tests import factories as f
from tests.factories import DAY, HOUR, SECOND, T0

V1 = Rulebook.load_default(version="2026.1")
CONSENT = "WZD-PHYSICIAN-CONSENT"
EMERGENCY = "WZD-EMERGENCY-PHYSICIAN"


def _plan(category: str = "restrict_movement", role: str | None = "zorgverantwoordelijke"):
    """Proposed, consulted and approved: everything but the physician."""
    return [
        f.proposed(T0, category=category, actor_role=role),
        f.step(T0 + HOUR),
        f.decided(T0 + 2 * HOUR),
    ]


@pytest.mark.parametrize(
    "category",
    [
        "medication_nutrition_medical",
        "restrict_movement",
        "seclusion",
        "behavioural_medication_off_guideline",
        "temporary_movement_restriction",
        "lockable_stay",
    ],
)
def test_forms_a_b_c_and_lid_2_need_the_physicians_consent(category: str) -> None:
    """Applied without consent, by a non-physician's plan: one alert per application."""
    first, second = f.applied(T0 + DAY), f.applied(T0 + 2 * DAY)
    alerts = f.only(f.alerts_at([*_plan(category), first, second]), CONSENT)
    assert [a.since for a in alerts] == [T0 + DAY, T0 + 2 * DAY]
    assert alerts[0].severity == "high" and alerts[0].rulebook_version == "2026.2"
    assert set(alerts[0].evidence) >= {first.event_id}


def test_consent_at_the_application_itself_is_in_time() -> None:
    """Consent recorded at the very instant of the application counts; a second later not."""
    at = T0 + DAY
    on_time = [*_plan(), f.step(at, "physician_consent"), f.applied(at)]
    late = [*_plan(), f.step(at + SECOND, "physician_consent"), f.applied(at)]
    assert f.only(f.alerts_at(on_time), CONSENT) == []
    [alert] = f.only(f.alerts_at(late), CONSENT)
    assert alert.since == at and alert.status == "open"


@pytest.mark.parametrize("category", ["supervision", "restrict_visits", "search_room"])
def test_other_forms_need_no_physician(category: str) -> None:
    """Forms d-i are outside art. 10 lid 3."""
    assert f.only(f.alerts_at([*_plan(category), f.applied(T0 + DAY)]), CONSENT) == []


def test_a_physician_as_zorgverantwoordelijke_needs_no_consent() -> None:
    """A proposal by an `arts` is a physician's plan; one without an actor says nothing."""
    for role in ("arts", None):
        assert f.only(f.alerts_at([*_plan(role=role), f.applied(T0 + DAY)]), CONSENT) == []


def test_consent_recorded_by_another_role_is_not_the_physicians() -> None:
    """A `physician_consent` step whose actor is not an `arts` does not count."""
    facts = [*_plan(), f.step(T0 + HOUR, "physician_consent", actor_role="zorgverantwoordelijke")]
    assert len(f.only(f.alerts_at([*facts, f.applied(T0 + DAY)]), CONSENT)) == 1
    facts[-1] = f.step(T0 + HOUR, "physician_consent", actor_role="arts")
    assert f.only(f.alerts_at([*facts, f.applied(T0 + DAY)]), CONSENT) == []


def test_an_emergency_application_is_judged_by_the_emergency_rule() -> None:
    """An art. 15 application needs consultation, not the plan's consent."""
    facts = [f.proposed(T0, emergency=True, actor_role="zorgverantwoordelijke")]
    applied = f.applied(T0 + HOUR)
    alerts = f.alerts_at([*facts, applied])
    assert f.only(alerts, CONSENT) == []
    [alert] = f.only(alerts, EMERGENCY)
    assert alert.since == T0 + HOUR and alert.severity == "high"


@pytest.mark.parametrize("name", ["physician_consulted", "physician_consent"])
def test_emergency_consultation_just_before_is_in_time(name: str) -> None:
    """Consulted at the application's instant: silent; a minute after it: the alert."""
    at = T0 + HOUR
    proposal = f.proposed(T0, emergency=True, actor_role="zorgverantwoordelijke")
    on_time = [proposal, f.step(at, name), f.applied(at)]
    late = [proposal, f.step(at + 60 * SECOND, name), f.applied(at)]
    assert f.only(f.alerts_at(on_time), EMERGENCY) == []
    assert len(f.only(f.alerts_at(late), EMERGENCY)) == 1


def test_an_application_marked_emergency_under_a_plan_needs_consultation() -> None:
    """`emergency: true` on the application makes it an art. 15 one."""
    facts = [*_plan(), f.applied(T0 + DAY, emergency=True)]
    assert len(f.only(f.alerts_at(facts), EMERGENCY)) == 1
    assert f.only(f.alerts_at(facts), CONSENT) == []


def test_rulebook_2026_1_never_judges_the_physician() -> None:
    """The previous version does not list the rules: nothing fires under it."""
    plan = [*_plan(), f.applied(T0 + DAY)]
    emergency = [f.proposed(T0, emergency=True, actor_role="zorgverantwoordelijke")]
    emergency.append(f.applied(T0 + HOUR))
    for facts in (plan, emergency):
        rules = f.open_rules(facts, book=V1)
        assert CONSENT not in rules and EMERGENCY not in rules
