"""Drafts of one measure's events, and the bookkeeping every lifecycle shares.

A lifecycle appends drafts in whatever order is convenient; `occurred_at` (`at`) decides the
care order and `known` (when the provider's system could first send it) the arrival order.
Event ids are derived from the measure id, so they are unique per provider without a
global counter, and stay stable when another measure's lifecycle changes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from synthetic.clock import DAY, HOUR, rfc3339
from synthetic.vocab import (
    ALTERNATIVES,
    DESCRIPTIONS,
    EPISODE_MINUTES,
    EVALUATION_SUMMARIES,
    RETRACTION_REASONS,
)
from synthetic.world import UNITS, Provider

SCHEMA = "measure-event/v1"

#: Who usually records each event type (CONTRACT §1 roles).
DEFAULT_ROLE: dict[str, str] = {
    "measure.proposed": "zorgverantwoordelijke",
    "review.requested": "zorgverantwoordelijke",
    "review.decided": "wzd_functionaris",
    "measure.applied": "zorgverantwoordelijke",
    "measure.evaluated": "zorgverantwoordelijke",
    "measure.extended": "zorgverantwoordelijke",
    "afbouw.started": "zorgverantwoordelijke",
    "measure.ended": "zorgverantwoordelijke",
    "authorization.registered": "administrator",
    "authorization.ended": "administrator",
    "event.retracted": "administrator",
}

_TITLE_PREFIX: dict[str, str] = {
    "zorgmachtiging": "ZM",
    "crisismaatregel": "CM",
    "machtiging_voortzetting_crisismaatregel": "MVC",
    "tijdelijke_verplichte_zorg": "TVZ",
    "rechterlijke_machtiging_wzd": "RM",
    "inbewaringstelling": "IBS",
    "machtiging_voortzetting_ibs": "MVI",
    "ciz_besluit_opname": "CIZ",
    "machtiging_gesloten_jeugdhulp": "MGJ",
    "spoedmachtiging_gesloten_jeugdhulp": "SMGJ",
    "voorwaardelijke_machtiging_gesloten_jeugdhulp": "VMGJ",
}

STEP_ROLE: dict[str, str] = {
    "multidisciplinary_consultation": "gedragswetenschapper",
    "physician_consent": "arts",
    "extended_expert_consultation": "external_expert",
    "independent_expert_advice": "external_expert",
    "representative_consulted": "zorgverantwoordelijke",
    "functionaris_informed": "zorgverantwoordelijke",
    "gedragswetenschapper_consent": "gedragswetenschapper",
    "geneesheer_directeur_agreement": "geneesheer_directeur",
    "geneesheer_directeur_informed": "zorgverantwoordelijke",
    "physician_consulted": "arts",
}


@dataclass(slots=True)
class Draft:
    """One event before it is written: times in minutes, data already wire-shaped."""

    at: int
    type: str
    data: dict[str, Any]
    event_id: str
    role: str | None
    known: int
    on_measure: bool = True
    late: int = 0
    pinned: bool = False  # part of a correction: never delivered late, so order holds


@dataclass(slots=True)
class MeasureBuilder:
    """Collects the drafts of one measure (and of its client's authorisations)."""

    rng: random.Random
    provider: Provider
    measure_id: str
    client_id: str
    framework: str
    category: str
    setting: str
    age: int
    location_id: str
    drafts: list[Draft] = field(default_factory=list)
    _seq: int = 0

    def add(
        self,
        at: int,
        type_: str,
        data: dict[str, Any],
        *,
        role: str | None = None,
        known: int | None = None,
        on_measure: bool = True,
    ) -> Draft:
        """Append a draft; the event id is the measure id plus a sequence number."""
        self._seq += 1
        if self.rng.random() < 0.03:  # some care systems send no actor at all
            role = None
        elif role is None:
            role = DEFAULT_ROLE.get(type_)
        draft = Draft(
            at=at,
            type=type_,
            data=data,
            event_id=f"{self.measure_id}-e{self._seq:02d}",
            role=role,
            known=at if known is None else known,
            on_measure=on_measure,
        )
        self.drafts.append(draft)
        return draft

    def propose(
        self,
        at: int,
        *,
        grounds: list[str],
        planned_start: int,
        planned_end: int | None,
        emergency: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> Draft:
        """The `measure.proposed` that opens the lifecycle, fields in the contract's order
        (`extra`: fields of the contract's extensions, after them)."""
        data: dict[str, Any] = {
            "framework": self.framework,
            "category": self.category,
            "setting": self.setting,
            "grounds": grounds,
            "planned_start": rfc3339(planned_start),
        }
        if planned_end is not None:
            data["planned_end"] = rfc3339(planned_end)
        if emergency:
            data["emergency"] = True
        else:
            data["alternatives_considered"] = self.rng.sample(ALTERNATIVES, self.rng.randint(1, 3))
        if self.category in DESCRIPTIONS:
            data["description"] = DESCRIPTIONS[self.category]
        data["client_resists"] = self.rng.random() < 0.7
        data["client_age_years"] = self.age
        data["location_id"] = self.location_id
        data.update(extra or {})
        role = "jeugdhulpverlener" if self.framework == "jeugdwet" else None
        return self.add(at, "measure.proposed", data, role=role)

    def authorize(
        self, kind: str, valid_from: int, valid_until: int, *, covers: bool = False, serial: int = 0
    ) -> str:
        """Register the client's legal title (no measure_id) just before it is needed;
        `serial` tells apart several orders of one kind for the same measure."""
        authorization_id = f"{_TITLE_PREFIX[kind]}-{self.measure_id}"
        if serial:
            authorization_id += f"-{serial}"
        data: dict[str, Any] = {
            "authorization_id": authorization_id,
            "kind": kind,
            "valid_from": rfc3339(valid_from),
            "valid_until": rfc3339(valid_until),
        }
        if covers:
            data["covers"] = [self.category]
        at = valid_from - self.rng.randint(0, 6 * HOUR)
        self.add(at, "authorization.registered", data, on_measure=False)
        return authorization_id

    def end_authorization(self, at: int, authorization_id: str) -> None:
        data = {"authorization_id": authorization_id, "reason": "zorg beeindigd"}
        self.add(at, "authorization.ended", data, on_measure=False)

    def review(
        self,
        requested: int,
        decided: int | None,
        decision: str,
        until: int | None,
        *,
        reviewer: str = "wzd_functionaris",
    ) -> None:
        """Put the plan before the reviewer (the Wzd-functionaris, or in youth care the
        gedragswetenschapper) and record the decision, if any."""
        self.add(requested, "review.requested", {"reviewer_role": reviewer})
        if decided is None:
            return
        data: dict[str, Any] = {"decision": decision}
        if until is not None:
            data["valid_until"] = rfc3339(until)
        if decision == "rejected":
            data["conditions"] = "Eerst vrijwillige alternatieven inzetten"
        self.add(decided, "review.decided", data, role=reviewer)

    def step(self, at: int, step: str) -> Draft:
        """A completed stappenplan step, recorded by the role that performs it."""
        return self.add(at, "stappenplan.step_completed", {"step": step}, role=STEP_ROLE.get(step))

    def apply(self, at: int, *, emergency: bool = False, until: int | None = None) -> Draft:
        """One application; episodic forms get an `ended_at` and are sent after it."""
        data: dict[str, Any] = {}
        if until is not None:
            data["ended_at"] = rfc3339(until)
        if emergency:
            data["emergency"] = True
        if self.rng.random() < 0.6:
            data["location"] = self.rng.choice(UNITS)
        return self.add(at, "measure.applied", data, known=until if until else at)

    def applications(self, first: int, last: int, *, emergency: bool = False) -> list[int]:
        """Apply the measure between `first` and `last`: several episodes for episodic
        forms, one lasting application otherwise. Returns the start times."""
        episode = EPISODE_MINUTES.get(self.category)
        if episode is None:
            self.apply(first, emergency=emergency)
            return [first]
        count = self.rng.randint(3, 8)
        span = max(last - first, HOUR)
        starts = sorted({first, *(first + self.rng.randrange(span) for _ in range(count - 1))})
        for start in starts:
            self.apply(start, emergency=emergency, until=start + self.rng.randint(*episode))
        return starts

    def evaluations(self, first_applied: int, stop: int, interval: tuple[int, int]) -> None:
        """Evaluate within 4 weeks of the first application, then every `interval` days,
        until `stop`. A `next_evaluation_due`, when given, never precedes the next one
        (or the end of the measure, at most two days after `stop`)."""
        moments: list[int] = []
        at = first_applied + self.rng.randint(14 * DAY, 26 * DAY)
        while at < stop:
            moments.append(at)
            at += self.rng.randint(interval[0] * DAY, interval[1] * DAY)
        followers = [*moments[1:], at + 3 * DAY] if moments else []
        for now, following in zip(moments, followers, strict=True):
            due = following + self.rng.randint(0, 3 * DAY) if self.rng.random() < 0.5 else None
            self.evaluate(now, "continue", due=due)

    def evaluate(self, at: int, outcome: str, *, due: int | None = None) -> Draft:
        """A `measure.evaluated` with a short summary and, if planned, the next due date."""
        data: dict[str, Any] = {"outcome": outcome}
        if due is not None:
            data["next_evaluation_due"] = rfc3339(due)
        data["summary"] = self.rng.choice(EVALUATION_SUMMARIES[outcome])
        return self.add(at, "measure.evaluated", data)

    def end(self, at: int, reason: str) -> Draft:
        return self.add(at, "measure.ended", {"reason": reason})

    def retract_duplicate(self) -> None:
        """A provider correction: an application sent twice, the copy retracted later.

        The copy and its retraction cancel out, so the correction never changes what the
        rules see; it only exercises the retraction path."""
        applied = [d for d in self.drafts if d.type == "measure.applied"]
        if not applied:
            return
        original = self.rng.choice(applied)
        copy = self.add(original.at, "measure.applied", dict(original.data), known=original.known)
        copy.role, copy.pinned = original.role, True
        reason = self.rng.choice(RETRACTION_REASONS)
        when = copy.known + self.rng.randint(2 * HOUR, 3 * DAY)
        retraction = self.add(
            when, "event.retracted", {"retracts_event_id": copy.event_id, "reason": reason}
        )
        retraction.pinned = True

    def to_wire(self, draft: Draft) -> dict[str, Any]:
        """The `measure-event/v1` object, keys in the contract's order."""
        event: dict[str, Any] = {
            "schema": SCHEMA,
            "event_id": draft.event_id,
            "provider_id": self.provider.provider_id,
        }
        if draft.on_measure:
            event["measure_id"] = self.measure_id
        event["client_id"] = self.client_id
        event["type"] = draft.type
        event["occurred_at"] = rfc3339(draft.at)
        if draft.role is not None:
            staff = self.provider.staff[draft.role]
            event["actor"] = {"role": draft.role, "id": staff[draft.at % len(staff)]}
        event["data"] = draft.data
        return event
