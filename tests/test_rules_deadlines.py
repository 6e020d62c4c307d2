"""Deadlines: REVIEW-OVERDUE, EVALUATION-OVERDUE, AFBOUW-OVERDUE, EMERGENCY-OVERRUN.

Convention under test: a due time is the last instant to act. An act at the due instant is in
time; without it the alert is open from the due instant itself (open at T, closed at T-1s).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.rulebook import Rulebook
from tests import factories
from tests.factories import (
    DAY,
    HOUR,
    SECOND,
    T0,
    WEEK,
    alerts_at,
    applied,
    authorization,
    decided,
    ended,
    evaluated,
    extended,
    only,
    open_rules,
    proposed,
    requested,
    step,
)


@pytest.fixture(autouse=True)
def _rulebook_2026_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """These boundaries are rulebook 2026.1's clock (elapsed days, months in the given
    offset, open at the due instant), which stays loadable; 2026.2's Amsterdam calendar,
    working days and inclusive deadlines: tests/test_rules_calendar.py."""
    monkeypatch.setattr(factories, "VERSION", "2026.1")


REVIEW_DUE = T0 + 14 * DAY


def test_review_overdue_boundary() -> None:
    """No decision 14 days (policy) after the proposal: open at the due instant, not before."""
    facts = [proposed(T0)]
    assert "REVIEW-OVERDUE" not in open_rules(facts, as_of=REVIEW_DUE - SECOND)
    assert "REVIEW-OVERDUE" in open_rules(facts, as_of=REVIEW_DUE)
    [alert] = only(alerts_at(facts), "REVIEW-OVERDUE")
    assert alert.since == REVIEW_DUE and alert.severity == "high"


def test_review_at_the_due_instant_is_in_time() -> None:
    """A decision at exactly the due time raises nothing."""
    assert not only(alerts_at([proposed(T0), decided(REVIEW_DUE)]), "REVIEW-OVERDUE")


def test_late_review_resolves_the_alert() -> None:
    """A decision after the due time resolves the alert at the decision's time."""
    [alert] = only(alerts_at([proposed(T0), decided(REVIEW_DUE + DAY)]), "REVIEW-OVERDUE")
    assert (alert.since, alert.resolved_at) == (REVIEW_DUE, REVIEW_DUE + DAY)


def test_request_after_a_decision_restarts_the_clock() -> None:
    """A new review.requested after a rejection must be decided within the period too."""
    facts = [proposed(T0), decided(T0 + DAY, "rejected"), requested(T0 + 2 * DAY)]
    [alert] = only(alerts_at(facts), "REVIEW-OVERDUE")
    assert alert.since == T0 + 16 * DAY


def test_review_period_is_a_policy_setting() -> None:
    """An operator may set the review period; the deadline follows."""
    book = Rulebook.load_default(version="2026.1", policy={"review": "21 days"})
    [alert] = only(alerts_at([proposed(T0)], book=book), "REVIEW-OVERDUE")
    assert alert.since == T0 + 21 * DAY


def _wzd_applied(first: datetime) -> list:
    return [
        proposed(T0, planned_start=T0, planned_end=first + 12 * WEEK),
        step(T0),
        decided(T0),
        applied(first),
    ]


def test_first_wzd_evaluation_within_4_weeks() -> None:
    """Wzd art. 8: first evaluation due 4 weeks after the first application."""
    facts = _wzd_applied(T0 + DAY)
    due = T0 + DAY + 4 * WEEK
    assert "EVALUATION-OVERDUE" not in open_rules(facts, as_of=due - SECOND)
    assert "EVALUATION-OVERDUE" in open_rules(facts, as_of=due)
    in_time = alerts_at([*facts, evaluated(due)], as_of=due + 8 * WEEK)
    assert not only(in_time, "EVALUATION-OVERDUE")


def test_wzd_evaluation_every_6_calendar_months() -> None:
    """After an evaluation on 31 Aug the next is due 28 Feb (calendar months, clamped)."""
    last = datetime(2026, 8, 31, 10, tzinfo=UTC)
    facts = [
        proposed(last - 8 * WEEK, planned_end=last + 52 * WEEK),
        step(last - 8 * WEEK),
        decided(last - 8 * WEEK),
        applied(last - 7 * WEEK),
        evaluated(last - 5 * WEEK),
        evaluated(last),
        extended(last, last + 20 * WEEK),
    ]
    due = datetime(2027, 2, 28, 10, tzinfo=UTC)
    assert [a.since for a in only(alerts_at(facts), "EVALUATION-OVERDUE")] == [due]


def test_next_evaluation_due_tightens_the_interval() -> None:
    """An evaluation that sets next_evaluation_due makes that the deadline."""
    facts = [*_wzd_applied(T0), evaluated(T0 + WEEK, next_due=T0 + 3 * WEEK)]
    assert [a.since for a in only(alerts_at(facts), "EVALUATION-OVERDUE")] == [T0 + 3 * WEEK]


def test_2024_profile_caps_a_tailored_term_at_6_months() -> None:
    """Under the 2024 agreements a tailored next_evaluation_due beyond 6 months is capped."""
    book = Rulebook.load_default(
        version="2026.1", provider_profiles={"AGB:12345678": "bestuurlijke-afspraken-2024"}
    )
    facts = [*_wzd_applied(T0), evaluated(T0 + WEEK, next_due=T0 + 60 * WEEK)]
    facts[0] = proposed(T0, planned_end=T0 + 80 * WEEK)
    [alert] = only(alerts_at(facts, book=book), "EVALUATION-OVERDUE")
    assert alert.since == datetime(2026, 7, 12, 9, tzinfo=UTC)


def test_jeugdwet_evaluation_4_weeks_then_2_months() -> None:
    """Jeugdwet 6.2.9: 4 weeks after the start, then every 2 months."""
    order = authorization(T0, "machtiging_gesloten_jeugdhulp", T0, T0 + 52 * WEEK)
    plan = proposed(T0, "jeugdwet", "restrict_movement", setting="closed_youth_care")
    facts = [plan, applied(T0), evaluated(T0 + 4 * WEEK)]
    alerts = only(alerts_at(facts, [order]), "EVALUATION-OVERDUE")
    assert [a.since for a in alerts] == [datetime(2026, 4, 2, 9, tzinfo=UTC)]


def test_wvggz_evaluation_uses_the_policy_default() -> None:
    """Wvggz has no statutory interval: 3 months by default, configurable."""
    order = authorization(T0, "zorgmachtiging", T0, T0 + 26 * WEEK)
    facts = [proposed(T0, "wvggz", "admission"), applied(T0)]
    [alert] = only(alerts_at(facts, [order]), "EVALUATION-OVERDUE")
    assert alert.since == datetime(2026, 4, 5, 9, tzinfo=UTC)
    book = Rulebook.load_default(version="2026.1", policy={"wvggz.first_evaluation": "1 month"})
    [alert] = only(alerts_at(facts, [order], book=book), "EVALUATION-OVERDUE")
    assert alert.since == datetime(2026, 2, 5, 9, tzinfo=UTC)


def test_ending_the_measure_stops_the_evaluation_clock() -> None:
    """An ended measure is not active: no evaluation is due."""
    facts = [*_wzd_applied(T0), ended(T0 + 2 * WEEK)]
    assert not only(alerts_at(facts), "EVALUATION-OVERDUE")


def test_afbouw_overdue_at_planned_end() -> None:
    """Still active at planned_end without an extension: AFBOUW-OVERDUE from planned_end."""
    end = T0 + 8 * WEEK
    facts = [
        proposed(T0, planned_end=end),
        step(T0),
        decided(T0),
        applied(T0),
        evaluated(T0 + 3 * WEEK),
    ]
    assert "AFBOUW-OVERDUE" not in open_rules(facts, as_of=end - SECOND)
    assert "AFBOUW-OVERDUE" in open_rules(facts, as_of=end)
    assert "AFBOUW-OVERDUE" not in open_rules([*facts, ended(end)])


def test_afbouw_horizon_is_3_months_without_planned_end() -> None:
    """Without planned_end the term ends 3 calendar months after planned_start."""
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    facts = [proposed(start), step(start), decided(start), applied(start)]
    assert [a.since for a in only(alerts_at(facts), "AFBOUW-OVERDUE")] == [
        datetime(2027, 2, 28, 9, tzinfo=UTC)
    ]


def test_extension_moves_the_afbouw_deadline() -> None:
    """An extension before the term end resolves nothing because nothing was overdue."""
    end = T0 + 8 * WEEK
    facts = [
        proposed(T0, planned_end=end),
        step(T0),
        decided(T0),
        applied(T0),
        step(T0 + 7 * WEEK, "extended_expert_consultation"),
        extended(T0 + 7 * WEEK, end + 8 * WEEK),
        decided(T0 + 7 * WEEK + HOUR),
    ]
    assert [a.since for a in only(alerts_at(facts), "AFBOUW-OVERDUE")] == [end + 8 * WEEK]


def test_wzd_emergency_overrun_after_2_weeks() -> None:
    """Wzd art. 15: an emergency still going after 2 weeks without approval fires at 2 weeks."""
    facts = [proposed(T0, emergency=True), applied(T0)]
    due = T0 + 2 * WEEK
    assert "EMERGENCY-OVERRUN" not in open_rules(facts, as_of=due - SECOND)
    assert "EMERGENCY-OVERRUN" in open_rules(facts, as_of=due)
    assert only(alerts_at(facts), "EMERGENCY-OVERRUN")[0].severity == "critical"


def test_emergency_with_regular_basis_in_time_is_fine() -> None:
    """An approved review before the maximum is the regular basis."""
    facts = [proposed(T0, emergency=True), applied(T0), step(T0 + WEEK), decided(T0 + WEEK)]
    assert not only(alerts_at(facts), "EMERGENCY-OVERRUN")


def test_late_regular_basis_resolves_the_overrun() -> None:
    """Approval after the maximum resolves EMERGENCY-OVERRUN at the approval."""
    facts = [proposed(T0, emergency=True), applied(T0), decided(T0 + 3 * WEEK)]
    [alert] = only(alerts_at(facts), "EMERGENCY-OVERRUN")
    assert (alert.since, alert.resolved_at) == (T0 + 2 * WEEK, T0 + 3 * WEEK)


def test_wvggz_emergency_overrun_after_3_days() -> None:
    """Wvggz 8:11: at most 3 days, unless a title covering the form starts."""
    facts = [proposed(T0, "wvggz", "seclusion", emergency=True), applied(T0)]
    [alert] = only(alerts_at(facts), "EMERGENCY-OVERRUN")
    assert alert.since == T0 + 3 * DAY
    order = authorization(T0 + DAY, "zorgmachtiging", T0 + 2 * DAY, T0 + 20 * WEEK)
    assert not only(alerts_at(facts, [order], as_of=T0 + 19 * WEEK), "EMERGENCY-OVERRUN")


def test_emergency_overrun_reopens_when_the_basis_runs_out() -> None:
    """A title that runs out while the emergency measure continues reopens it as a new alert."""
    facts = [proposed(T0, "wvggz", "seclusion", emergency=True), applied(T0)]
    order = authorization(T0, "crisismaatregel", T0 + DAY, T0 + 5 * DAY)
    alerts = only(alerts_at(facts, [order]), "EMERGENCY-OVERRUN")
    assert [(a.since, a.resolved_at) for a in alerts] == [(T0 + 5 * DAY, None)]


def test_jeugdwet_emergency_overrun_after_3_days() -> None:
    """Jeugdwet 6.3.1.2: emergency VBM at most 3 consecutive days."""
    order = authorization(T0, "machtiging_gesloten_jeugdhulp", T0, T0 + 52 * WEEK)
    plan = proposed(
        T0, "jeugdwet", "restrict_movement", setting="closed_youth_care", emergency=True
    )
    [alert] = only(alerts_at([plan, applied(T0)], [order]), "EMERGENCY-OVERRUN")
    assert alert.since == T0 + 3 * DAY
