"""Insluiting in gesloten jeugdhulp (Jeugdwet art. 6.3.2.2): SECLUSION-UNLAWFUL.

Three separate findings per `measure.applied` of a `jeugdwet` `seclusion`, because each has
its own cause and moment: the young person is under 12 (age from the proposal's
`client_age_years`), it is not an emergency, or the episode lasts longer than 1 day (2 days
when a gedragswetenschapper extended it: a `gedragswetenschapper_consent` step recorded
during the first day). The episode runs from `occurred_at` to `ended_at`; without `ended_at`
it runs until the measure ends, and an unended one is still going on. The duration finding
holds from the moment the maximum passed, not from the start.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding, day, unique
from domain.rules.timeline_state import MeasureState

RULE = "SECLUSION-UNLAWFUL"


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    for applied in state.applications:
        yield from each_application(state, book, applied)


def each_application(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    """The findings about one application: they read the plan, the steps and the end, never
    the other applications (so `domain.rules.incremental` judges each application once)."""
    if state.framework != "jeugdwet" or state.category != "seclusion":
        return
    yield from _age_and_emergency(state, book, applied)
    yield from _duration(state, book, applied)


def _age_and_emergency(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    minimum = book.frameworks["jeugdwet"].numbers["seclusion_min_age_years"]
    age = state.plan.client_age_years
    evidence = unique(applied.event_id, state.proposal.event_id)
    at = applied.occurred_at
    if age is not None and age < minimum:
        message = (
            f"A young person aged {age} was locked in (insluiting) on {day(at)}; insluiting is "
            f"allowed only from age {minimum} (Jeugdwet art. 6.3.2.2 lid 2)."
        )
        yield Finding(RULE, f"{applied.event_id}:age", at, evidence, message)
    if not state.is_emergency(applied):
        message = (
            f"Insluiting on {day(at)} was not an emergency; it is allowed only in a "
            "noodsituatie (Jeugdwet art. 6.3.2.2 lid 2)."
        )
        yield Finding(RULE, f"{applied.event_id}:emergency", at, evidence, message)


def _episode_end(state: MeasureState, applied: Fact) -> datetime | None:
    if applied.data.ended_at is not None:
        return applied.data.ended_at
    return None if state.end is None else state.end.occurred_at


def _duration(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    start = applied.occurred_at
    limit = book.period("seclusion_max", "jeugdwet").after(start)
    extensions = [
        step
        for step in state.steps
        if step.data.step == "gedragswetenschapper_consent" and start <= step.occurred_at < limit
    ]
    if extensions:
        limit = book.period("seclusion_extension", "jeugdwet").after(limit)
    end = _episode_end(state, applied)
    if end is not None and end <= limit:
        return
    allowed = "2 days with the extension" if extensions else "1 day"
    message = (
        f"Insluiting that started {day(start)} lasted beyond {day(limit)}, longer than the "
        f"{allowed} Jeugdwet art. 6.3.2.2 lid 3 allows."
    )
    evidence = unique(applied.event_id, *(step.event_id for step in extensions))
    yield Finding(
        RULE,
        f"{applied.event_id}:duration",
        book.overdue_from(limit),
        evidence,
        message,
        deadline=True,
        deadline_at=limit,
    )
