"""The Wzd art. 15 emergency decision (catalogue 2): WZD-EMERGENCY-NOTIFY and
WZD-EMERGENCY-TERM.

WZD-EMERGENCY-NOTIFY (art. 15 lid 4): the Wzd-functionaris is informed "zo mogelijk
vooraf". The law sets no term; the rulebook's policy `emergency_notify` (24 hours) counts
from the first emergency application, the moment the decision was carried out. A
`functionaris_informed` step at or before the due time is in time; a later one resolves the
alert from its own moment. Ending the measure does not stop this clock: the functionaris
must still hear of an emergency that is over.

WZD-EMERGENCY-TERM (art. 15 lid 2, LAW.md §8 WZD-EMERGENCY-MAX first half): the term of an
emergency decision (`planned_start`..`planned_end` of a proposal with `emergency`) is at
most 2 weeks; a longer planned term is wrong from the proposal on, whether or not the
measure ever runs past 2 weeks (that is EMERGENCY-OVERRUN). 2 weeks end at the same
Amsterdam wall-clock time, inclusive.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.rulebook import Rulebook
from domain.rules.findings import Finding, article, day, unique
from domain.rules.timeline_state import MeasureState


def functionaris_informed(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the applications and the steps."""
    if state.framework != "wzd" or not book.enabled("WZD-EMERGENCY-NOTIFY"):
        return
    first = state.first_emergency()
    if first is None or any(fact.data.step == "functionaris_informed" for fact in state.steps):
        return
    limit = book.limit("emergency_notify", "wzd")
    due = limit.period.after(first.occurred_at)
    message = (
        f"The Wzd-functionaris was not informed within {limit.period} of the emergency "
        f"measure applied on {day(first.occurred_at)}; it was due {day(due)} "
        f"({article(limit.source)})."
    )
    yield Finding(
        "WZD-EMERGENCY-NOTIFY",
        first.event_id,
        book.overdue_from(due),
        unique(first.event_id, state.proposal.event_id),
        message,
        deadline=True,
        deadline_at=due,
    )


def planned_term(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan only."""
    plan = state.plan
    if state.framework != "wzd" or not plan.emergency or plan.planned_end is None:
        return
    if not book.enabled("WZD-EMERGENCY-TERM"):
        return
    limit = book.limit("emergency_max", "wzd")
    if plan.planned_end <= limit.period.after(plan.planned_start):
        return
    proposal = state.proposal
    message = (
        f"The emergency decision plans the measure from {day(plan.planned_start)} to "
        f"{day(plan.planned_end)}, longer than the {limit.period} an emergency may last "
        f"({article(limit.source)})."
    )
    yield Finding(
        "WZD-EMERGENCY-TERM",
        proposal.event_id,
        proposal.occurred_at,
        (proposal.event_id,),
        message,
    )


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    yield from functionaris_informed(state, book)
    yield from planned_term(state, book)
