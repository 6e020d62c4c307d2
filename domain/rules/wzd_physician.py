"""The involved physician in the Wzd (catalogue 2): WZD-PHYSICIAN-CONSENT (art. 10 lid 3) and
WZD-EMERGENCY-PHYSICIAN (art. 15 lid 3).

For forms a, b, c of art. 2 lid 1 and the three lid 2 forms (`physician_forms` in
`[frameworks.wzd]`), a zorgverantwoordelijke who is not a physician needs the involved
physician: consent before the form enters the plan, consultation in an emergency.

How the ledger reads "not a physician": `measure.proposed` is the zorgverantwoordelijke's
proposal (LAW.md ledger interpretations), so its actor is the zorgverantwoordelijke. A
proposal whose actor role is given and is not `arts` was made by one who is not a
physician; one with role `arts` by a physician, who needs no one's consent; one without an
actor says nothing (the field is optional) and raises nothing, as an approval without an
actor still counts as the review.

What counts as the physician's step: `physician_consent` (plan) and, in an emergency,
`physician_consulted` or `physician_consent`, recorded at or before the application, by an
`arts` or without an actor (a step recorded by another role is not the physician's).

Judged per application, like STEPPLAN-SKIPPED: the plan's consent must precede each
non-emergency application, the consultation each emergency one.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding, day, unique
from domain.rules.timeline_state import MeasureState

PHYSICIAN = "arts"
PLAN_STEPS = frozenset({"physician_consent"})
EMERGENCY_STEPS = frozenset({"physician_consulted", "physician_consent"})


def plan_consent(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    """One non-emergency application; reads the plan and the steps up to it."""
    if not _needs_physician(state, book, "WZD-PHYSICIAN-CONSENT") or state.is_emergency(applied):
        return
    if not _physician_step(state, applied, PLAN_STEPS):
        message = (
            f"The Wzd measure ({state.category}) was applied on {day(applied.occurred_at)} "
            "without the consent of the involved physician recorded before it, while the "
            "zorgverantwoordelijke who proposed it is not a physician (Wzd art. 10 lid 3)."
        )
        yield _finding("WZD-PHYSICIAN-CONSENT", state, applied, message)


def emergency_consultation(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    """One emergency application; reads the plan and the steps up to it."""
    if not _needs_physician(state, book, "WZD-EMERGENCY-PHYSICIAN"):
        return
    if state.is_emergency(applied) and not _physician_step(state, applied, EMERGENCY_STEPS):
        message = (
            f"The Wzd emergency measure ({state.category}) was applied on "
            f"{day(applied.occurred_at)} without the involved physician consulted before "
            "it, while the zorgverantwoordelijke who decided it is not a physician "
            "(Wzd art. 15 lid 3)."
        )
        yield _finding("WZD-EMERGENCY-PHYSICIAN", state, applied, message)


def _needs_physician(state: MeasureState, book: Rulebook, rule: str) -> bool:
    """A Wzd form that needs the physician, proposed by a known non-physician."""
    if state.framework != "wzd" or not book.enabled(rule):
        return False
    forms = book.frameworks["wzd"].physician_forms
    role = state.proposal.actor_role
    return forms is not None and state.category in forms and role not in (None, PHYSICIAN)


def _physician_step(state: MeasureState, applied: Fact, steps: frozenset[str]) -> bool:
    at = applied.occurred_at
    return any(
        fact.data.step in steps and fact.occurred_at <= at and fact.actor_role in (None, PHYSICIAN)
        for fact in state.steps
    )


def _finding(rule: str, state: MeasureState, applied: Fact, message: str) -> Finding:
    evidence = unique(applied.event_id, state.proposal.event_id)
    return Finding(rule, applied.event_id, applied.occurred_at, evidence, message)


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Both rules, in `parts.PARTS` order: every application's consent, then consultation."""
    for applied in state.applications:
        yield from plan_consent(state, book, applied)
    for applied in state.applications:
        yield from emergency_consultation(state, book, applied)
