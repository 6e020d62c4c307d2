"""The hulpverleningsplan and emergencies in gesloten jeugdhulp (catalogue 2, rulebook
2026.2): JW-VBM-GW-CONSENT, JW-NOOD-12H-GW, JW-VBM-NOT-IN-PLAN, JW-AFBOUW-ONAFH.

How the events are read (docs/rules.md "Catalogue 2: Wvggz and Jeugdwet"):

- "In the plan" (6.3.1.2 lid 2): a `jeugdwet` `measure.proposed` that is not an emergency is
  the measure put in the hulpverleningsplan (6.2.10 lid 1 d). Its versions are each such
  proposal and each `measure.extended` (a changed term). An emergency proposal is a measure
  NOT in the plan, used to avert a noodsituatie (6.3.1.2 lid 3).
- JW-VBM-NOT-IN-PLAN: an application that is not an emergency (its own `emergency`, else the
  proposal's) with no plan proposal at or before it. A plan recorded later does not make it
  one that was in the plan.
- JW-VBM-GW-CONSENT (6.2.10 lid 2): a plan version set by a jeugdhulpverantwoordelijke who is
  not a gedragswetenschapper (its actor is given and is another role) needs a
  `gedragswetenschapper_consent` (by a gedragswetenschapper) recorded after the previous
  version and no later than the version takes effect: the first application for the first
  version, the later of recording and `planned_start` for a new proposal, the old term end
  for an extension. A later consent ends the alert from then on.
- JW-NOOD-12H-GW (6.3.1.2 lid 5): an emergency measure (emergency proposal) still applied
  12 hours after its first emergency application (an episode lasting past, or one starting
  after, that moment) with no consent by a gedragswetenschapper in those 12 hours. It holds
  until a later consent or the measure's end.
- JW-AFBOUW-ONAFH (6.3.1.5): a plan measure still active (applied, not ended) at the end of
  its current term (`planned_end`, or the last extension's) without `independent_expert_advice`
  by the policy term after that end. Without a term in the plan there is no end to judge.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding, article, day, unique
from domain.rules.recorded_steps import first_after, first_within, steps_named
from domain.rules.timeline_state import MeasureState

GW_CONSENT = "JW-VBM-GW-CONSENT"
NOOD_12H = "JW-NOOD-12H-GW"
NOT_IN_PLAN = "JW-VBM-NOT-IN-PLAN"
AFBOUW_ONAFH = "JW-AFBOUW-ONAFH"
GW = "gedragswetenschapper"


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    yield from gw_consent(state, book)
    yield from nood_12h(state, book)
    for applied in state.applications:
        yield from not_in_plan(state, book, applied)
    yield from afbouw_advice(state, book)


def _consents(state: MeasureState) -> list[Fact]:
    return steps_named(state.steps, "gedragswetenschapper_consent", GW)


# -- JW-VBM-NOT-IN-PLAN ---------------------------------------------------------------------
def not_in_plan(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    """One application; reads the proposals, never the other applications."""
    if state.framework != "jeugdwet" or not book.enabled(NOT_IN_PLAN):
        return
    if state.is_emergency(applied):
        return
    at = applied.occurred_at
    if any(not p.data.emergency and p.occurred_at <= at for p in state.proposals):
        return
    message = (
        f"The Jeugdwet measure was applied on {day(at)} while it was not in the "
        "hulpverleningsplan and not an emergency (Jeugdwet art. 6.3.1.2 lid 2-3)."
    )
    evidence = unique(applied.event_id, state.proposal.event_id)
    yield Finding(NOT_IN_PLAN, applied.event_id, at, evidence, message)


# -- JW-VBM-GW-CONSENT ----------------------------------------------------------------------
def _versions(state: MeasureState) -> list[tuple[Fact, datetime, bool]]:
    """Each plan version with the moment it takes effect, and whether that moment is a
    deadline (a later version) rather than the application itself (the first)."""
    plans = sorted(
        [p for p in state.proposals if not p.data.emergency] + list(state.extensions),
        key=lambda fact: fact.occurred_at,
    )
    versions: list[tuple[Fact, datetime, bool]] = []
    first_applied = state.applications[0].occurred_at
    term_end: datetime | None = None
    for index, version in enumerate(plans):
        at = version.occurred_at
        if index == 0:
            effective, deadline = max(at, first_applied), False
        elif version.type == "measure.proposed":
            effective, deadline = max(at, version.data.planned_start), True
        else:
            effective, deadline = max(at, term_end or at), True
        versions.append((version, effective, deadline))
        term_end = version.data.planned_end
    return versions


def gw_consent(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the steps, the extensions, the end and the first application."""
    if state.framework != "jeugdwet" or not book.enabled(GW_CONSENT) or not state.applications:
        return
    consents = _consents(state)
    previous: datetime | None = None
    for version, effective, deadline in _versions(state):
        after, previous = previous, version.occurred_at
        if version.actor_role in (None, GW):
            continue
        if deadline and state.end is not None and state.end.occurred_at <= effective:
            continue
        if first_within(consents, after, effective) is not None:
            continue
        late = first_after(consents, effective)
        what = "changed" if deadline else "set"
        message = (
            f"The hulpverleningsplan {what} on {day(version.occurred_at)} by a "
            f"{version.actor_role} took effect on {day(effective)} without a "
            "gedragswetenschapper's consent (Jeugdwet art. 6.2.10 lid 2)."
        )
        yield Finding(
            GW_CONSENT,
            version.event_id,
            book.overdue_from(effective) if deadline else effective,
            (version.event_id,),
            message,
            until=None if late is None else late.occurred_at,
            deadline=deadline,
            deadline_at=effective if deadline else None,
        )


# -- JW-NOOD-12H-GW -------------------------------------------------------------------------
def _episode_end(state: MeasureState, applied: Fact) -> datetime | None:
    if applied.data.ended_at is not None:
        return applied.data.ended_at
    return None if state.end is None else state.end.occurred_at


def _runs_past(state: MeasureState, applied: Fact, mark: datetime) -> bool:
    """Whether the episode is still going on after `mark` (or has no end yet)."""
    end = _episode_end(state, applied)
    return end is None or end > mark


def nood_12h(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the applications, the steps and the end."""
    if state.framework != "jeugdwet" or not book.enabled(NOOD_12H) or not state.plan.emergency:
        return
    emergencies = [fact for fact in state.applications if state.is_emergency(fact)]
    if not emergencies:
        return
    start = emergencies[0]
    limit = book.limit("emergency_consent", "jeugdwet")
    mark = limit.period.after(start.occurred_at)
    consents = [step for step in _consents(state) if step.occurred_at >= start.occurred_at]
    if first_within(consents, None, mark) is not None:
        return
    beyond = [fact for fact in emergencies if _runs_past(state, fact, mark)]
    if not beyond:
        return
    ends = [step.occurred_at for step in consents if step.occurred_at > mark]
    if state.end is not None and state.end.occurred_at > mark:
        ends.append(state.end.occurred_at)
    message = (
        f"The emergency measure started {day(start.occurred_at)} was still applied after "
        f"{limit.period} without a gedragswetenschapper's consent; it was due {day(mark)} "
        f"({article(limit.source)})."
    )
    yield Finding(
        NOOD_12H,
        start.event_id,
        book.overdue_from(mark),
        unique(start.event_id, beyond[0].event_id, state.proposal.event_id),
        message,
        until=min(ends) if ends else None,
        deadline=True,
        deadline_at=mark,
    )


# -- JW-AFBOUW-ONAFH ------------------------------------------------------------------------
def afbouw_advice(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the steps, the extensions, the end and the first application."""
    if state.framework != "jeugdwet" or not book.enabled(AFBOUW_ONAFH):
        return
    if not state.active or state.plan.emergency:
        return
    anchor = state.extensions[-1] if state.extensions else state.proposal
    term_end = anchor.data.planned_end
    if term_end is None:
        return
    advice = steps_named(state.steps, "independent_expert_advice", "external_expert")
    if advice:
        return
    limit = book.limit("afbouw_advice", "jeugdwet")
    due = limit.period.after(term_end)
    message = (
        f"The measure was not phased out by the end of its term on {day(term_end)} and no "
        f"independent expert's advice was recorded within {limit.period} of it; it was due "
        f"{day(due)} ({article(limit.source)})."
    )
    yield Finding(
        AFBOUW_ONAFH,
        anchor.event_id,
        book.overdue_from(due),
        unique(anchor.event_id, state.applications[0].event_id),
        message,
        deadline=True,
        deadline_at=due,
    )
