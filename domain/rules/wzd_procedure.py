"""The Wzd stappenplan (arts. 9-11a): STEPPLAN-SKIPPED, TERM-TOO-LONG, EXTENSION-WITHOUT-EXPERT,
EXTENSION-WITHOUT-REVIEW, and NO-SERIOUS-HARM-GROUNDS (Wzd and Wvggz).

Terms and extensions: the first term runs `planned_start`..`planned_end` (3 months from
`planned_start` without one). The first `measure.extended` is the art. 11 lid 2 bridge
(at most 3 months); each later one a term of at most 6 months (art. 11 lid 3-4). An
extension's term starts at the previous term end, or at the extension itself when it was
made after that end (the gap is AFBOUW-OVERDUE's business, not a longer term).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding, article, day, unique
from domain.rules.timeline_state import MeasureState

_EXPERT_STEPS = (
    ("extended_expert_consultation", "uitgebreid deskundigenoverleg (art. 10 lid 10)"),
    ("independent_expert_advice", "advies van een onafhankelijke deskundige (art. 11 lid 1)"),
)


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    yield from harm_grounds(state, book)
    for applied in state.applications:
        yield from stepplan_skipped(state, book, applied)
    yield from term_too_long(state, book)
    yield from extensions(state, book)


# The parts of `check`, each with what it reads (`domain.rules.incremental` re-runs a part
# only when that changed). All read the plan.


def harm_grounds(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan only."""
    if state.framework in ("wzd", "wvggz"):
        yield from _harm_grounds(state)


def stepplan_skipped(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    """One application; reads the steps, never the other applications."""
    if state.framework == "wzd":
        yield from _stepplan_skipped(state, book, applied)


def term_too_long(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the extensions."""
    if state.framework == "wzd":
        yield from _term_too_long(state, book)


def extensions(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the extensions, the steps, the decisions and the end."""
    if state.framework != "wzd":
        return
    for index, (extension, previous_end) in enumerate(_extensions(state, book)):
        yield from _extension_experts(state, index, extension)
        yield from _extension_review(state, book, extension, previous_end)


def _harm_grounds(state: MeasureState) -> Iterator[Finding]:
    proposal = state.proposal
    if not proposal.data.grounds:
        message = (
            "The measure was proposed without any ground of ernstig nadeel, the condition "
            "for compulsory care (Wzd art. 1 lid 2 and 10; Wvggz art. 3:3)."
        )
        yield Finding(
            "NO-SERIOUS-HARM-GROUNDS",
            proposal.event_id,
            proposal.occurred_at,
            (proposal.event_id,),
            message,
        )


def _stepplan_skipped(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    step = book.frameworks["wzd"].stepplan_step
    if state.is_emergency(applied) or step in state.steps_before(applied.occurred_at):
        return
    message = (
        f"The Wzd measure was applied on {day(applied.occurred_at)} without a "
        "multidisciplinary consultation recorded before it (Wzd art. 9-10)."
    )
    evidence = unique(applied.event_id, state.proposal.event_id)
    yield Finding("STEPPLAN-SKIPPED", applied.event_id, applied.occurred_at, evidence, message)


def _initial_end(state: MeasureState, book: Rulebook) -> datetime:
    plan = state.plan
    return plan.planned_end or book.period("afbouw_horizon", "wzd").after(plan.planned_start)


def _extensions(state: MeasureState, book: Rulebook) -> list[tuple[Fact, datetime]]:
    """Each extension with the term end it extended."""
    pairs, previous = [], _initial_end(state, book)
    for extension in state.extensions:
        pairs.append((extension, previous))
        previous = extension.data.planned_end
    return pairs


def _term_too_long(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    plan, proposal = state.plan, state.proposal
    term = book.limit("term_max", "wzd")
    if plan.planned_end is not None and plan.planned_end > term.period.after(plan.planned_start):
        message = (
            f"The term {day(plan.planned_start)} to {day(plan.planned_end)} is longer than "
            f"{term.period} ({article(term.source)})."
        )
        yield Finding(
            "TERM-TOO-LONG", proposal.event_id, proposal.occurred_at, (proposal.event_id,), message
        )
    for index, (extension, previous_end) in enumerate(_extensions(state, book)):
        limit = book.limit("bridge_extension_max" if index == 0 else "later_extension_max", "wzd")
        start = max(previous_end, extension.occurred_at)
        new_end = extension.data.planned_end
        if new_end > limit.period.after(start):
            message = (
                f"Extension {index + 1} runs from {day(start)} to {day(new_end)}, longer than "
                f"the {limit.period} the law allows ({article(limit.source)})."
            )
            yield Finding(
                "TERM-TOO-LONG",
                extension.event_id,
                extension.occurred_at,
                unique(extension.event_id, proposal.event_id),
                message,
            )


def _extension_experts(state: MeasureState, index: int, extension: Fact) -> Iterator[Finding]:
    done = state.steps_before(extension.occurred_at)
    required = _EXPERT_STEPS[: 1 if index == 0 else 2]
    missing = [label for step, label in required if step not in done]
    if missing:
        message = (
            f"Extension {index + 1} of the Wzd measure on {day(extension.occurred_at)} came "
            f"without the required {' and '.join(missing)} before it."
        )
        yield Finding(
            "EXTENSION-WITHOUT-EXPERT",
            extension.event_id,
            extension.occurred_at,
            (extension.event_id,),
            message,
        )


def _extension_review(
    state: MeasureState, book: Rulebook, extension: Fact, previous_end: datetime
) -> Iterator[Finding]:
    if state.end is not None:
        return
    approved_after = [
        fact
        for fact in state.reviews(book.frameworks["wzd"])
        if fact.data.decision == "approved" and fact.occurred_at >= extension.occurred_at
    ]
    if approved_after:
        return
    review = book.limit("review")
    due = min(review.period.after(extension.occurred_at), previous_end)
    message = (
        f"The extension of {day(extension.occurred_at)} was not approved by the "
        f"Wzd-functionaris within {review.period} or before the old term end "
        f"{day(previous_end)} (Wzd art. 11a); it was due {day(due)}."
    )
    yield Finding(
        "EXTENSION-WITHOUT-REVIEW",
        extension.event_id,
        book.overdue_from(due),
        (extension.event_id,),
        message,
        deadline=True,
        deadline_at=due,
    )
