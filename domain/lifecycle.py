"""The phase of a measure: a fold over its unretracted facts in `occurred_at` order.

The phase says where the measure stands in care, as the provider reported it; it does not
judge lawfulness (the rulebook does). Facts arrive in any order, so the phase is always a
function of the facts sorted by `occurred_at`, never of arrival order: the status
projection folds in place only when a fact is newer than everything it has seen, and
re-folds the measure otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Phase = Literal[
    "recorded",  # only facts that do not set a phase yet (e.g. a lone step)
    "proposed",
    "under_review",
    "approved",
    "rejected",
    "active",
    "in_afbouw",
    "ended",
]

_BEFORE_APPLICATION = frozenset({"recorded", "proposed", "under_review", "approved", "rejected"})


@dataclass(slots=True)
class MeasureState:
    """What the status view shows of one measure.

    Mutable on purpose: the status projection steps one state per measure through millions
    of facts, and copying it on every step was a tenth of the ingest time. Only `fold` and
    the projection that owns a state step it.
    """

    phase: Phase = "recorded"
    framework: str | None = None
    category: str | None = None
    setting: str | None = None
    emergency: bool = False
    proposed_at: datetime | None = None
    planned_start: str | None = None
    planned_end: str | None = None
    first_applied_at: datetime | None = None
    last_applied_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    last_occurred_at: datetime | None = None
    facts: int = 0


def step(
    state: MeasureState, type_name: str, occurred_at: datetime, data: dict[str, Any]
) -> MeasureState:
    """Apply one fact to `state` (in place) and return it. `data` is the stored JSON form."""
    state.facts += 1
    if state.last_occurred_at is None or occurred_at > state.last_occurred_at:
        state.last_occurred_at = occurred_at
    for name, value in _effect(state, type_name, occurred_at, data).items():
        setattr(state, name, value)
    return state


def _effect(
    state: MeasureState, type_name: str, occurred_at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    phase = state.phase
    if type_name == "measure.proposed":
        return {
            "phase": "proposed" if phase == "recorded" else phase,
            "framework": data["framework"],
            "category": data["category"],
            "setting": data["setting"],
            "emergency": bool(data.get("emergency", False)),
            "proposed_at": occurred_at,
            "planned_start": data["planned_start"],
            "planned_end": data.get("planned_end", state.planned_end),
        }
    if type_name == "review.requested" and phase in _BEFORE_APPLICATION:
        return {"phase": "under_review"}
    if type_name == "review.decided" and phase in _BEFORE_APPLICATION:
        return {"phase": "approved" if data["decision"] == "approved" else "rejected"}
    if type_name == "measure.applied":
        return {
            "phase": phase if phase in ("in_afbouw", "ended") else "active",
            "first_applied_at": state.first_applied_at or occurred_at,
            "last_applied_at": occurred_at,
        }
    if type_name == "measure.evaluated" and data["outcome"] == "afbouw" and phase != "ended":
        return {"phase": "in_afbouw"}
    if type_name == "afbouw.started" and phase != "ended":
        return {"phase": "in_afbouw"}
    if type_name == "measure.extended":
        return {"planned_end": data["planned_end"]}
    if type_name == "measure.ended":
        return {"phase": "ended", "ended_at": occurred_at, "end_reason": data["reason"]}
    return {}


#: Procedure order of the types: breaks ties on `occurred_at` without looking at arrival.
TYPE_RANK: dict[str, int] = {
    name: rank
    for rank, name in enumerate(
        (
            "authorization.registered",
            "measure.proposed",
            "stappenplan.step_completed",
            "review.requested",
            "review.decided",
            "measure.applied",
            "measure.evaluated",
            "measure.extended",
            "afbouw.started",
            "measure.ended",
            "authorization.ended",
            "event.retracted",
            "report.delivered",  # last: a new type never changes the ranks stored before it
        )
    )
}


def care_order(occurred_at: datetime, type_name: str, event_id: str) -> tuple[datetime, int, str]:
    """The order of facts in care: `occurred_at`, then procedure order, then event id.

    Never the arrival order, so a timeline is the same however its events arrived.
    """
    return (occurred_at, TYPE_RANK[type_name], event_id)


def fold(facts: Iterable[tuple[datetime, str, str, dict[str, Any]]]) -> MeasureState:
    """Fold `(occurred_at, type, event_id, data)` tuples in care order."""
    state = MeasureState()
    for occurred_at, type_name, _event_id, data in sorted(
        facts, key=lambda f: care_order(f[0], f[1], f[2])
    ):
        state = step(state, type_name, occurred_at, data)
    return state
