"""Things that must happen in time: REVIEW-OVERDUE, EVALUATION-OVERDUE, AFBOUW-OVERDUE,
EMERGENCY-OVERRUN.

Each returns at most one finding per anchor (the event that started the clock) with its due
time, even when that time is still ahead: the engine only opens it once the moment reaches
it, and `next_deadline` shows it before. An act at exactly the due instant is in time.
Ending the measure stops every clock here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding, article, day, unique
from domain.rules.timeline_state import MeasureState, Window, uncovered


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    for part in (review_overdue, evaluation_overdue, afbouw_overdue, emergency_overrun):
        yield from part(state, book)


def _stopped(state: MeasureState) -> bool:
    """No clock runs without a plan or once the measure ended."""
    return state.framework is None or state.end is not None


def review_overdue(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the end, the review requests and decisions."""
    if not _stopped(state):
        yield from _review_overdue(state, book)


def evaluation_overdue(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the end, the evaluations and only the first application."""
    if not _stopped(state):
        yield from _evaluation_overdue(state, book)


def afbouw_overdue(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the end, the extensions and only the first application."""
    if not _stopped(state):
        yield from _afbouw_overdue(state, book)


def emergency_overrun(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the end, the applications, the authorisations and decisions."""
    if not _stopped(state):
        yield from _emergency_overrun(state, book)


def term_end(state: MeasureState, book: Rulebook) -> tuple[Fact, object]:
    """The current Wzd term end and the event that set it (extension or proposal)."""
    if state.extensions:
        return state.extensions[-1], state.extensions[-1].data.planned_end
    plan = state.plan
    end = plan.planned_end or book.period("afbouw_horizon", "wzd").after(plan.planned_start)
    return state.proposal, end


def _review_overdue(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """The clock starts at the proposal, or at a request made after the last decision."""
    if state.framework != "wzd" or not book.enabled("REVIEW-OVERDUE"):
        return
    reviews = state.reviews(book.frameworks["wzd"])
    last = reviews[-1].occurred_at if reviews else None
    pending = [
        fact
        for fact in (state.proposal, *state.review_requests)
        if last is None or fact.occurred_at > last
    ]
    if not pending:
        return
    anchor = min(pending, key=lambda fact: fact.occurred_at)
    limit = book.limit("review")
    due = limit.period.after(anchor.occurred_at)
    message = (
        f"No review decision by the Wzd-functionaris within {limit.period} of "
        f"{day(anchor.occurred_at)} (policy under Wzd art. 11a); it was due {day(due)}."
    )
    evidence = unique(state.proposal.event_id, anchor.event_id)
    yield _deadline("REVIEW-OVERDUE", anchor.event_id, due, evidence, message, book)


def _deadline(
    rule: str,
    occurrence: str,
    due: datetime,
    evidence: tuple[str, ...],
    message: str,
    book: Rulebook,
) -> Finding:
    """A missed deadline: holds from `book.overdue_from(due)`, shows `due`."""
    start = book.overdue_from(due)
    return Finding(rule, occurrence, start, evidence, message, deadline=True, deadline_at=due)


def _evaluation_overdue(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """First evaluation after the first application, then every interval (or sooner if set)."""
    if not state.active:
        return
    first = state.applications[0]
    first_limit, interval = book.evaluation_limits(state.framework, first.provider_id)
    evaluations = [fact for fact in state.evaluations if fact.occurred_at >= first.occurred_at]
    if not evaluations:
        anchor, due = first, first_limit.period.after(first.occurred_at)
        what = f"within {first_limit.period} of the first application"
        source = first_limit.source
    else:
        anchor = evaluations[-1]
        due = interval.period.after(anchor.occurred_at)
        what = f"within {interval.period} of the last evaluation"
        source = interval.source
        asked = anchor.data.next_evaluation_due
        if asked is not None and asked < due:
            due, what = asked, "by the next_evaluation_due the last evaluation set"
    message = f"The measure was not evaluated {what}; it was due {day(due)} ({article(source)})."
    yield _deadline("EVALUATION-OVERDUE", anchor.event_id, due, (anchor.event_id,), message, book)


def _afbouw_overdue(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    if state.framework != "wzd" or not state.active:
        return
    anchor, end = term_end(state, book)
    message = (
        f"The Wzd measure is still applied after its term ended on {day(end)} without an "
        "extension: afbouw within the term is required (Wzd art. 10 lid 4 f, 10 lid 10, 11)."
    )
    evidence = unique(anchor.event_id, state.applications[0].event_id)
    yield _deadline("AFBOUW-OVERDUE", anchor.event_id, end, evidence, message, book)


def _basis_windows(state: MeasureState, book: Rulebook) -> list[Window]:
    """The regular basis that replaces an emergency: an authorisation (Wvggz) or the plan."""
    rules = book.frameworks[state.framework]
    if rules.requires_authorization and rules.emergency_exempts_authorization:
        orders = state.authorizations_for(rules.authorization_kinds)
        return [order.window for order in orders if order.covers(state.category)]
    return state.approval_windows(state.reviews(rules))


def _emergency_overrun(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Holds from the emergency maximum on, for as long as the measure has no regular basis."""
    if not state.active:
        return
    start = state.first_emergency()
    if start is None:
        return
    limit = book.limit("emergency_max", state.framework)
    due = limit.period.after(start.occurred_at)
    message = (
        f"The emergency measure started {day(start.occurred_at)} went on past its maximum of "
        f"{limit.period} without a regular basis ({article(limit.source)})."
    )
    overdue = book.overdue_from(due)
    for gap in uncovered(_basis_windows(state, book), overdue):
        yield Finding(
            "EMERGENCY-OVERRUN",
            start.event_id,
            gap.start,
            (start.event_id,),
            message,
            until=gap.end,
            deadline=True,
            deadline_at=due if gap.start == overdue else None,
        )
