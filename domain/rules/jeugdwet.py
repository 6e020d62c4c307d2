"""Insluiting in gesloten jeugdhulp (Jeugdwet art. 6.3.2.2): SECLUSION-UNLAWFUL.

Three separate findings per `measure.applied` of a `jeugdwet` `seclusion`, because each has
its own cause and moment: the young person is under 12 (age from the proposal's
`client_age_years`), it is not an emergency, or the episode lasts longer than 1 day (2 days
when a gedragswetenschapper extended it: a `gedragswetenschapper_consent` step recorded
during the first day). The episode runs from `occurred_at` to `ended_at`; without `ended_at`
it runs until the measure ends, and an unended one is still going on. The duration finding
holds from the moment the maximum passed, not from the start.

Under 2026.1 each episode is judged on its own. Under 2026.2 the law's insluiting is what
is counted, not its registrations: episodes of the measure that follow each other within
`seclusion_merge_gap` (policy, 1 hour; inclusive; overlapping ones too) are one insluiting
from the first one's start to the last one's end, named after the first episode.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.facts import Fact
from domain.rulebook import Period, Rulebook
from domain.rules.findings import Finding, day, unique
from domain.rules.timeline_state import MeasureState

RULE = "SECLUSION-UNLAWFUL"


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    for applied in state.applications:
        yield from each_application(state, book, applied)
    yield from merged_durations(state, book)


def _secludes(state: MeasureState) -> bool:
    return state.framework == "jeugdwet" and state.category == "seclusion"


def _merge_gap(book: Rulebook) -> Period | None:
    """2026.2's `seclusion_merge_gap`; None under 2026.1 (each episode on its own)."""
    limit = book.frameworks["jeugdwet"].limits.get("seclusion_merge_gap")
    return None if limit is None else limit.period


def each_application(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    """The findings about one application: they read the plan, the steps and the end, never
    the other applications (so `domain.rules.incremental` judges each application once)."""
    if not _secludes(state):
        return
    yield from _age_and_emergency(state, book, applied)
    if _merge_gap(book) is None:
        yield from _duration(state, book, (applied,))


def merged_durations(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """2026.2: the duration of each insluiting, episodes within the merge gap joined."""
    gap = _merge_gap(book)
    if gap is None or not _secludes(state):
        return
    for run in insluitingen(state, gap):
        yield from _duration(state, book, run)


def insluitingen(state: MeasureState, gap: Period) -> list[tuple[Fact, ...]]:
    """The applications grouped into insluitingen: an episode that starts no later than
    `gap` after the end of the one(s) before it (or during them) continues that insluiting.
    An episode still going on (no end) takes every later one into its insluiting."""
    runs: list[list[Fact]] = []
    run_end: datetime | None = None
    for applied in state.applications:  # care order: by occurred_at
        end = _episode_end(state, applied)
        if runs and (run_end is None or applied.occurred_at <= gap.after(run_end)):
            runs[-1].append(applied)
            run_end = None if run_end is None or end is None else max(run_end, end)
        else:
            runs.append([applied])
            run_end = end
    return [tuple(run) for run in runs]


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


def _run_end(state: MeasureState, run: tuple[Fact, ...]) -> datetime | None:
    ends = [_episode_end(state, applied) for applied in run]
    return None if None in ends else max(end for end in ends if end is not None)


def _duration(state: MeasureState, book: Rulebook, run: tuple[Fact, ...]) -> Iterator[Finding]:
    """SECLUSION-UNLAWFUL when one insluiting (one episode, or under 2026.2 the episodes
    merged into one) lasts beyond 1 day, or 2 with a gedragswetenschapper's extension."""
    start = run[0].occurred_at
    limit = book.period("seclusion_max", "jeugdwet").after(start)
    extensions = [
        step
        for step in state.steps
        if step.data.step == "gedragswetenschapper_consent" and start <= step.occurred_at < limit
    ]
    if extensions:
        limit = book.period("seclusion_extension", "jeugdwet").after(limit)
    end = _run_end(state, run)
    if end is not None and end <= limit:
        return
    allowed = "2 days with the extension" if extensions else "1 day"
    if len(run) == 1:
        what = f"Insluiting that started {day(start)}"
    else:
        what = (
            f"Insluiting that started {day(start)}, registered as {len(run)} episodes that "
            "follow each other within the merge gap and so count as one,"
        )
    message = (
        f"{what} lasted beyond {day(limit)}, longer than the {allowed} Jeugdwet art. 6.3.2.2 "
        "lid 3 allows."
    )
    evidence = unique(*(applied.event_id for applied in run), *(s.event_id for s in extensions))
    yield Finding(
        RULE,
        f"{run[0].event_id}:duration",
        book.overdue_from(limit),
        evidence,
        message,
        deadline=True,
        deadline_at=limit,
    )
