"""The Wzd stappenplan: STEPPLAN-SKIPPED, TERM-TOO-LONG, EXTENSION-WITHOUT-EXPERT,
EXTENSION-WITHOUT-REVIEW, NO-SERIOUS-HARM-GROUNDS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests import factories
from tests.factories import (
    DAY,
    HOUR,
    SECOND,
    T0,
    WEEK,
    alerts_at,
    applied,
    decided,
    ended,
    extended,
    only,
    open_rules,
    proposed,
    step,
)


@pytest.fixture(autouse=True)
def _rulebook_2026_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """These boundaries are rulebook 2026.1's clock (elapsed days, months in the given
    offset, open at the due instant), which stays loadable; 2026.2's Amsterdam calendar,
    working days and inclusive deadlines: tests/test_rules_calendar.py."""
    monkeypatch.setattr(factories, "VERSION", "2026.1")


START = datetime(2026, 1, 31, 9, tzinfo=UTC)
TERM_END = datetime(2026, 4, 30, 9, tzinfo=UTC)  # 31 Jan + 3 calendar months, clamped


def test_stepplan_skipped_without_consultation() -> None:
    """Applied with no multidisciplinary consultation before it: STEPPLAN-SKIPPED."""
    facts = [proposed(T0), decided(T0), applied(T0 + DAY)]
    [alert] = only(alerts_at(facts), "STEPPLAN-SKIPPED")
    assert alert.since == T0 + DAY and alert.severity == "high"


def test_consultation_at_the_same_instant_counts() -> None:
    """A consultation recorded at the application's instant is before it, not skipped."""
    facts = [proposed(T0), decided(T0), step(T0 + DAY), applied(T0 + DAY)]
    assert "STEPPLAN-SKIPPED" not in open_rules(facts)


def test_emergency_skips_no_step() -> None:
    """An art. 15 emergency is not held to the stappenplan."""
    facts = [proposed(T0, emergency=True), applied(T0)]
    assert "STEPPLAN-SKIPPED" not in open_rules(facts)


def test_term_of_exactly_3_months_is_allowed() -> None:
    """31 Jan to 30 Apr is 3 calendar months: allowed; one second more is too long."""
    assert "TERM-TOO-LONG" not in open_rules([proposed(START, planned_end=TERM_END)])
    [alert] = only(alerts_at([proposed(START, planned_end=TERM_END + SECOND)]), "TERM-TOO-LONG")
    assert alert.since == START and alert.severity == "medium"


def _extended_measure(*extensions):
    facts = [
        proposed(START, planned_end=TERM_END),
        step(START),
        decided(START),
        applied(START),
        step(TERM_END - WEEK, "extended_expert_consultation"),
        step(TERM_END - WEEK, "independent_expert_advice"),
    ]
    for at, new_end in extensions:
        facts += [extended(at, new_end), decided(at + HOUR)]
    return facts


def test_bridge_extension_at_most_3_months() -> None:
    """The first extension (bridge) may add 3 months; one second more is too long."""
    bridge_end = datetime(2026, 7, 30, 9, tzinfo=UTC)
    assert "TERM-TOO-LONG" not in open_rules(_extended_measure((TERM_END - DAY, bridge_end)))
    facts = _extended_measure((TERM_END - DAY, bridge_end + SECOND))
    assert [a.since for a in only(alerts_at(facts), "TERM-TOO-LONG")] == [TERM_END - DAY]


def test_later_extension_at_most_6_months() -> None:
    """A second extension may add 6 months; one second more is too long."""
    bridge_end = datetime(2026, 7, 30, 9, tzinfo=UTC)
    later_end = datetime(2027, 1, 30, 9, tzinfo=UTC)
    ok = _extended_measure((TERM_END - DAY, bridge_end), (bridge_end - DAY, later_end))
    assert "TERM-TOO-LONG" not in open_rules(ok)
    bad = _extended_measure((TERM_END - DAY, bridge_end), (bridge_end - DAY, later_end + SECOND))
    assert [a.since for a in only(alerts_at(bad), "TERM-TOO-LONG")] == [bridge_end - DAY]


def test_extension_without_extended_consultation() -> None:
    """The first extension needs an uitgebreid deskundigenoverleg before it (art. 10 lid 10)."""
    facts = [proposed(START, planned_end=TERM_END), step(START), decided(START), applied(START)]
    facts += [extended(TERM_END - DAY, TERM_END + 4 * WEEK), decided(TERM_END - DAY)]
    [alert] = only(alerts_at(facts), "EXTENSION-WITHOUT-EXPERT")
    assert alert.since == TERM_END - DAY and "art. 10 lid 10" in alert.message


def test_second_extension_needs_independent_advice() -> None:
    """From the second extension on, independent expert advice is required too (art. 11)."""
    facts = [
        proposed(START, planned_end=TERM_END),
        step(START),
        decided(START),
        applied(START),
        step(TERM_END - WEEK, "extended_expert_consultation"),
        extended(TERM_END - DAY, TERM_END + 4 * WEEK),
        decided(TERM_END - DAY),
        extended(TERM_END + 3 * WEEK, TERM_END + 8 * WEEK),
        decided(TERM_END + 3 * WEEK),
    ]
    [alert] = only(alerts_at(facts), "EXTENSION-WITHOUT-EXPERT")
    assert alert.since == TERM_END + 3 * WEEK and "art. 11 lid 1" in alert.message


def test_extension_without_review_due_at_old_term_end() -> None:
    """An extension a week before the term end must be approved by that term end."""
    facts = _extended_measure()
    facts.append(extended(TERM_END - WEEK, TERM_END + 8 * WEEK))
    assert "EXTENSION-WITHOUT-REVIEW" not in open_rules(facts, as_of=TERM_END - SECOND)
    assert "EXTENSION-WITHOUT-REVIEW" in open_rules(facts, as_of=TERM_END)
    assert "EXTENSION-WITHOUT-REVIEW" not in open_rules([*facts, decided(TERM_END)])


def test_extension_without_review_due_after_review_period() -> None:
    """An early extension must be approved within the review period (14 days, policy)."""
    at = TERM_END - 8 * WEEK
    facts = [*_extended_measure(), extended(at, TERM_END + 8 * WEEK)]
    [alert] = only(alerts_at(facts, as_of=TERM_END - DAY), "EXTENSION-WITHOUT-REVIEW")
    assert alert.since == at + 14 * DAY


def test_extension_review_moot_once_ended() -> None:
    """Ending the measure resolves a pending extension review."""
    at = TERM_END - 8 * WEEK
    facts = [*_extended_measure(), extended(at, TERM_END + 8 * WEEK), ended(at + 20 * DAY)]
    [alert] = only(alerts_at(facts), "EXTENSION-WITHOUT-REVIEW")
    assert alert.resolved_at == at + 20 * DAY


def test_no_serious_harm_grounds() -> None:
    """A Wzd or Wvggz proposal without harm codes fires; Jeugdwet is not judged on it."""
    assert "NO-SERIOUS-HARM-GROUNDS" in open_rules([proposed(T0, grounds=())])
    assert "NO-SERIOUS-HARM-GROUNDS" in open_rules([proposed(T0, "wvggz", "admission", grounds=())])
    jeugd = proposed(T0, "jeugdwet", "supervision", setting="closed_youth_care", grounds=())
    assert "NO-SERIOUS-HARM-GROUNDS" not in open_rules([jeugd])
    assert "NO-SERIOUS-HARM-GROUNDS" not in open_rules([proposed(T0)])


def test_new_proposal_with_grounds_resolves() -> None:
    """A corrected proposal with grounds replaces the plan and resolves the alert."""
    [alert] = only(
        alerts_at([proposed(T0, grounds=()), proposed(T0 + DAY)]), "NO-SERIOUS-HARM-GROUNDS"
    )
    assert alert.resolved_at == T0 + DAY
