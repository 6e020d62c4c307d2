"""Wvggz decisions and temporary care (catalogue 2, rulebook 2026.2): WVGGZ-DECISION-PSYCH,
WVGGZ-NOOD-GD-NOTIFY, WVGGZ-PRE-CM-18H.

How the events are read (docs/rules.md "Catalogue 2: Wvggz and Jeugdwet"):

- The 8:9 decision to give verplichte zorg is the Wvggz `measure.proposed` (not an
  emergency: an 8:11 decision is the zorgverantwoordelijke's own, with the GD informed
  instead, art. 8:12). It is "not by a psychiatrist" when the events say so: the proposal's
  `zorgverantwoordelijke_psychiatrist` is false (a compatible extension, art. 8:9 lid 1 c),
  or, without that field, its actor is a `gedragswetenschapper` or `jeugdhulpverlener`,
  professions that are not psychiatrists. A decision by the geneesheer-directeur needs no
  agreement with themselves; without either fact the ledger cannot tell and stays silent.
  The agreement (`geneesheer_directeur_agreement`, by the GD) must be recorded no later than
  the first application; a later one ends the alert from then on.
- The 8:11 decision is a Wvggz `measure.proposed` with `emergency: true`; the GD must be told
  "onverwijld" of it and of its end (art. 8:12 lid 2): a `geneesheer_directeur_informed`
  step within the policy term after the proposal, and one at or after `measure.ended`
  within the term after the end.
- 7:3 temporary care is the `tijdelijke_verplichte_zorg` authorisation. One order longer
  than 18 hours is AUTHORIZATION-TOO-LONG's (unchanged). New here: orders of the client
  that follow on one another without a gap (each starting no later than the previous ended)
  are one stretch of 7:3 care, at most 18 hours in total; and the care may last at most
  12 hours from the psychiatrist's examination (`psychiatrist_examined_at`, a compatible
  extension of `authorization.registered`), one order or a stretch. Both read the validity
  as registered, as AUTHORIZATION-TOO-LONG does, and hold from the registration that makes
  the stretch too long.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding, article, day, unique
from domain.rules.recorded_steps import first_after, first_within, steps_named
from domain.rules.timeline_state import Authorization, MeasureState, fold_authorizations

DECISION_PSYCH = "WVGGZ-DECISION-PSYCH"
GD_NOTIFY = "WVGGZ-NOOD-GD-NOTIFY"
PRE_CRISIS = "WVGGZ-PRE-CM-18H"

#: Actor roles of professions that are never a psychiatrist (the contract has no
#: psychiatrist role; a `zorgverantwoordelijke` or `arts` may or may not be one).
NOT_PSYCHIATRISTS = frozenset({"gedragswetenschapper", "jeugdhulpverlener"})
TEMPORARY_CARE = "tijdelijke_verplichte_zorg"


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    yield from decision_psych(state, book)
    yield from nood_gd_notify(state, book)


# -- WVGGZ-DECISION-PSYCH -------------------------------------------------------------------
def not_by_psychiatrist(proposal: Fact) -> bool:
    """Whether the events show the 8:9 decision was taken by someone not a psychiatrist."""
    if proposal.actor_role == "geneesheer_directeur":
        return False
    stated = proposal.data.zorgverantwoordelijke_psychiatrist
    if stated is not None:
        return not stated
    return proposal.actor_role in NOT_PSYCHIATRISTS


def decision_psych(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the steps and the first application."""
    if state.framework != "wvggz" or not book.enabled(DECISION_PSYCH) or not state.applications:
        return
    proposal = state.proposal
    if proposal.data.emergency or not not_by_psychiatrist(proposal):
        return
    first = state.applications[0]
    agreements = steps_named(state.steps, "geneesheer_directeur_agreement", "geneesheer_directeur")
    if first_within(agreements, None, first.occurred_at) is not None:
        return
    late = first_after(agreements, first.occurred_at)
    message = (
        f"Verplichte zorg was given from {day(first.occurred_at)} on a decision of a "
        "zorgverantwoordelijke who is not a psychiatrist, without the geneesheer-directeur's "
        "agreement recorded before it (Wvggz art. 8:9 lid 1 c)."
    )
    yield Finding(
        DECISION_PSYCH,
        proposal.event_id,
        first.occurred_at,
        unique(first.event_id, proposal.event_id),
        message,
        until=None if late is None else late.occurred_at,
    )


# -- WVGGZ-NOOD-GD-NOTIFY -------------------------------------------------------------------
def nood_gd_notify(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan, the steps and the end."""
    if state.framework != "wvggz" or not book.enabled(GD_NOTIFY) or not state.plan.emergency:
        return
    limit = book.limit("gd_notification", "wvggz")
    informed = steps_named(state.steps, "geneesheer_directeur_informed")
    anchors = [(state.proposal, "decision", None)]
    if state.end is not None:
        anchors.append((state.end, "end", state.end.occurred_at))
    for anchor, what, not_before in anchors:
        due = limit.period.after(anchor.occurred_at)
        if any(not_before is None or step.occurred_at >= not_before for step in informed):
            continue
        message = (
            f"The geneesheer-directeur was not informed of the 8:11 emergency {what} of "
            f"{day(anchor.occurred_at)} within {limit.period}; it was due {day(due)} "
            f"({article(limit.source)})."
        )
        yield Finding(
            GD_NOTIFY,
            f"{anchor.event_id}:{what}",
            book.overdue_from(due),
            unique(anchor.event_id, state.proposal.event_id),
            message,
            deadline=True,
            deadline_at=due,
        )


# -- WVGGZ-PRE-CM-18H (about the client's authorisations, not one measure) ------------------
def _stretches(orders: Iterable[Authorization]) -> list[list[Authorization]]:
    """The 7:3 orders grouped into stretches that follow on one another without a gap."""
    stretches: list[list[Authorization]] = []
    end: datetime | None = None
    for order in sorted(orders, key=lambda o: (o.registered.data.valid_from, o.authorization_id)):
        data = order.registered.data
        if stretches and end is not None and data.valid_from <= end:
            stretches[-1].append(order)
            end = max(end, data.valid_until)
        else:
            stretches.append([order])
            end = data.valid_until
    return stretches


def pre_crisis_too_long(facts: Iterable[Fact], book: Rulebook) -> Iterator[Finding]:
    """WVGGZ-PRE-CM-18H over one client's authorisation facts."""
    if not book.enabled(PRE_CRISIS):
        return
    orders = [order for order in fold_authorizations(facts) if order.kind == TEMPORARY_CARE]
    total = book.limit("pre_crisis_total", "wvggz")
    after_exam = book.limit("pre_crisis_after_examination", "wvggz")
    for stretch in _stretches(orders):
        start = stretch[0].registered.data.valid_from
        end = max(order.registered.data.valid_until for order in stretch)
        since = max(order.registered.occurred_at for order in stretch)
        evidence = tuple(order.registered.event_id for order in stretch)
        first_id = stretch[0].authorization_id
        if len(stretch) > 1 and end > total.period.after(start):
            message = (
                f"{len(stretch)} orders of tijdelijke verplichte zorg follow on one another "
                f"from {day(start)} to {day(end)}, longer than the {total.period} in total "
                f"that Wvggz art. 7:3 lid 2 allows."
            )
            yield _finding(f"{first_id}:total", since, evidence, message)
        exams = [
            order.registered.data.psychiatrist_examined_at
            for order in stretch
            if order.registered.data.psychiatrist_examined_at is not None
        ]
        if exams and end > after_exam.period.after(min(exams)):
            message = (
                f"Tijdelijke verplichte zorg runs until {day(end)}, more than "
                f"{after_exam.period} after the psychiatrist's examination of {day(min(exams))} "
                f"({article(after_exam.source)})."
            )
            yield _finding(f"{first_id}:examination", since, evidence, message)


def _finding(occurrence: str, since: datetime, evidence: tuple[str, ...], text: str) -> Finding:
    return Finding(PRE_CRISIS, occurrence, since, evidence, text, framework="wvggz")
