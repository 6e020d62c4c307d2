"""Who reviewed: a `review.decided` is the Wzd-functionaris's assessment (Wzd art. 11a; the
functionaris is independent, art. 2b lid 3). Under rulebook 2026.2 a decision whose actor role
is given and is not `wzd_functionaris` (e.g. the zorgverantwoordelijke approving their own
plan) is no review; one without an actor still counts (the actor is optional).
"""

from __future__ import annotations

import pytest

from domain.rulebook import Rulebook
from tests.factories import (
    DAY,
    HOUR,
    T0,
    WEEK,
    alerts_at,
    applied,
    decided,
    extended,
    only,
    open_rules,
    proposed,
    step,
)

REVIEW_DUE = T0 + 14 * DAY  # 5 January 09:00 UTC + 14 days: no DST change in between


def _plan(decision_role: str | None, decision: str = "approved") -> list:
    begin = T0 + 2 * DAY
    return [
        proposed(T0, planned_start=begin, planned_end=begin + 8 * WEEK),
        step(T0 + DAY),
        decided(T0 + DAY + HOUR, decision, actor_role=decision_role),
        applied(begin, ended_at=begin + HOUR),
    ]


@pytest.mark.parametrize("role", ["zorgverantwoordelijke", "arts", "administrator"])
def test_an_approval_by_another_role_is_no_review(role: str) -> None:
    """Applied with only the zorgverantwoordelijke's own approval: APPLIED-WITHOUT-REVIEW
    (critical) at the application, and REVIEW-OVERDUE once the review period has passed."""
    facts = _plan(role)
    rules = open_rules(facts, as_of=REVIEW_DUE + DAY)
    assert {"APPLIED-WITHOUT-REVIEW", "REVIEW-OVERDUE"} <= rules
    [alert] = only(alerts_at(facts), "APPLIED-WITHOUT-REVIEW")
    assert alert.since == facts[3].occurred_at and alert.severity == "critical"


@pytest.mark.parametrize("role", ["wzd_functionaris", None])
def test_the_functionaris_or_an_approval_without_actor_is_the_review(role: str | None) -> None:
    rules = open_rules(_plan(role), as_of=REVIEW_DUE + DAY)
    assert not rules & {"APPLIED-WITHOUT-REVIEW", "REVIEW-OVERDUE", "APPLIED-AFTER-REJECTION"}


def test_another_roles_approval_does_not_lift_the_functionaris_rejection() -> None:
    """Rejected by the functionaris, then 'approved' by the zorgverantwoordelijke: the
    rejection is the latest review, so applying is APPLIED-AFTER-REJECTION."""
    facts = _plan("wzd_functionaris", "rejected")
    facts.insert(3, decided(T0 + DAY + 2 * HOUR, actor_role="zorgverantwoordelijke"))
    assert "APPLIED-AFTER-REJECTION" in open_rules(facts)


def test_another_roles_approval_is_no_regular_basis_after_an_emergency() -> None:
    """A Wzd art. 15 emergency past 2 weeks: only the functionaris's approval ends the
    EMERGENCY-OVERRUN."""
    start = T0
    base = [proposed(start, emergency=True), applied(start, emergency=True)]
    approved_late = start + 3 * WEEK
    by_other = [*base, decided(approved_late, actor_role="zorgverantwoordelijke")]
    by_functionaris = [*base, decided(approved_late, actor_role="wzd_functionaris")]
    assert "EMERGENCY-OVERRUN" in open_rules(by_other, as_of=approved_late + DAY)
    assert "EMERGENCY-OVERRUN" not in open_rules(by_functionaris, as_of=approved_late + DAY)


def test_an_extension_approved_by_another_role_is_not_reviewed() -> None:
    begin = T0 + 2 * DAY
    old_end = begin + 8 * WEEK
    facts = [
        *_plan("wzd_functionaris"),
        applied(begin + 7 * WEEK),
        step(old_end - 2 * WEEK, "extended_expert_consultation"),
        extended(old_end - WEEK, old_end + 8 * WEEK),
        decided(old_end - WEEK + HOUR, actor_role="zorgverantwoordelijke"),
    ]
    assert "EXTENSION-WITHOUT-REVIEW" in open_rules(facts, as_of=old_end + DAY)
    facts[-1] = decided(old_end - WEEK + HOUR, actor_role="wzd_functionaris")
    assert "EXTENSION-WITHOUT-REVIEW" not in open_rules(facts, as_of=old_end + DAY)


def test_rulebook_2026_1_does_not_read_the_role() -> None:
    """The previous version judged every review.decided as the review; it still does."""
    old = Rulebook.load_default(version="2026.1")
    assert old.frameworks["wzd"].reviewer_roles is None
    rules = open_rules(_plan("zorgverantwoordelijke"), as_of=REVIEW_DUE + DAY, book=old)
    assert not rules & {"APPLIED-WITHOUT-REVIEW", "REVIEW-OVERDUE"}
