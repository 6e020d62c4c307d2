"""Assemble measures into one provider stream in arrival order, and record what was planted.

A cohort is a set of providers and the measures they propose over about eight months; its
events are sorted by when they would reach the ledger (when they happened, or when an
episode ended, plus a short export delay; a few much later). `generate` is one cohort;
`generate_events` chains cohorts of new providers, so memory is bounded by one cohort
however long the stream is.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from synthetic.builder import Draft, MeasureBuilder
from synthetic.clock import DAY, DEFAULT_START, HOUR, to_minutes
from synthetic.problems import ALSO_RAISES, NORMAL, PROBLEMS, Plan
from synthetic.titled import build_jeugdwet, build_wvggz
from synthetic.vocab import FRAMEWORK_CATEGORIES_OUTSIDE_WZD, pick_category
from synthetic.world import (
    Provider,
    client_pseudonym,
    make_providers,
    pick_framework,
    pick_provider,
)
from synthetic.wzd import build_wzd

EMERGENCY = Plan(emergency=True)
PROPOSAL_SPAN = 240 * DAY  # proposals spread over the first eight months
EXPORT_DELAY = 90  # minutes: care systems export in batches
_ID_PREFIX = {"wzd": "WZD", "wvggz": "GGZ", "jeugdwet": "JZ"}


@dataclass(frozen=True, slots=True)
class PlantedProblem:
    """One problem measure: which kind was planted and the rule expected to fire."""

    provider_id: str
    measure_id: str
    client_id: str
    framework: str
    kind: str
    rule: str
    late_event_ids: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # rules that follow from the same mistake


@dataclass(slots=True)
class Manifest:
    """What a generated stream contains, so tests and the demo can check the alerts."""

    seed: int
    measures: int = 0
    events: int = 0
    problems: list[PlantedProblem] = field(default_factory=list)
    late_events: list[tuple[str, str]] = field(default_factory=list)  # (provider, event_id)
    retractions: list[tuple[str, str]] = field(default_factory=list)  # (provider, event_id)
    # each provider's registered locations (Wzd art. 20), for a ledger's location registers
    locations: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def expected_rules(self) -> dict[tuple[str, str], str]:
        """(provider_id, measure_id) -> the rule its planted problem should raise."""
        return {(p.provider_id, p.measure_id): p.rule for p in self.problems}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (for `bench/generate.py --manifest` and the demo)."""
        return {
            "seed": self.seed,
            "measures": self.measures,
            "events": self.events,
            "problems": [
                {
                    "provider_id": p.provider_id,
                    "measure_id": p.measure_id,
                    "framework": p.framework,
                    "kind": p.kind,
                    "rule": p.rule,
                    "late_event_ids": list(p.late_event_ids),
                    "also": list(p.also),
                }
                for p in self.problems
            ],
            "late_events": [list(pair) for pair in self.late_events],
            "retractions": [list(pair) for pair in self.retractions],
        }


def problem_slots(rng: random.Random, measures: int, share: float) -> dict[int, str]:
    """Which measure indices get a problem, each a different kind while kinds last.

    At least one of every kind when the cohort is big enough (nine measures per kind), so a
    demo always shows the whole catalogue; otherwise `share` of the measures."""
    if share <= 0 or measures <= 0:
        return {}
    count = max(round(measures * share), min(len(PROBLEMS), measures // 9))
    count = min(count, measures)
    kinds = list(PROBLEMS)
    rng.shuffle(kinds)
    indices = rng.sample(range(measures), count)
    return {index: kinds[n % len(kinds)] for n, index in enumerate(indices)}


def cohort(
    rng: random.Random,
    *,
    measures: int,
    start: int,
    providers: list[Provider],
    problem_share: float,
    first_measure: int,
    manifest: Manifest,
) -> list[dict[str, Any]]:
    """All events of `measures` measures, in arrival order, recorded in `manifest`."""
    slots = problem_slots(rng, measures, problem_share)
    salt = rng.getrandbits(24)
    manifest.locations.update({p.provider_id: p.locations for p in providers})
    arrivals: list[tuple[int, int, MeasureBuilder, Draft]] = []
    for index in range(measures):
        kind = slots.get(index)
        builder = _measure(rng, index, first_measure + index, salt, kind, start, providers)
        late = _delay(rng, builder, kind)
        if kind is not None:
            manifest.problems.append(_planted(builder, kind, late))
        pid = builder.provider.provider_id
        for draft in builder.drafts:
            if draft.late:
                manifest.late_events.append((pid, draft.event_id))
            if draft.type == "event.retracted":
                manifest.retractions.append((pid, draft.event_id))
            arrival = draft.known + rng.randrange(EXPORT_DELAY) + draft.late
            arrivals.append((arrival, len(arrivals), builder, draft))
    arrivals.sort(key=lambda item: (item[0], item[1]))
    manifest.measures += measures
    manifest.events += len(arrivals)
    return [builder.to_wire(draft) for _, _, builder, draft in arrivals]


def _measure(
    rng: random.Random,
    index: int,
    number: int,
    salt: int,
    kind: str | None,
    start: int,
    providers: list[Provider],
) -> MeasureBuilder:
    """Draw one measure's client, provider and form, then run its lifecycle."""
    plan = PROBLEMS[kind][1] if kind else NORMAL
    framework = plan.framework or pick_framework(rng)
    if plan is NORMAL and framework == "wzd" and rng.random() < 0.08:
        plan = EMERGENCY
    provider = pick_provider(rng, providers, framework)
    setting, category, age = _client(rng, framework, plan)
    builder = MeasureBuilder(
        rng=rng,
        provider=provider,
        measure_id=f"{_ID_PREFIX[framework]}-{index + 1:05d}",
        client_id=client_pseudonym(number, salt),
        framework=framework,
        category=category,
        setting=setting,
        age=age,
        location_id=_location(rng, provider, plan),
    )
    t0 = start + rng.randrange(PROPOSAL_SPAN // DAY) * DAY + rng.randrange(10 * HOUR)
    if framework == "wzd":
        build_wzd(builder, plan, t0, may_extend=kind is None)
    elif framework == "wvggz":
        build_wvggz(builder, plan, t0)
    else:
        build_jeugdwet(builder, plan, t0)
    if kind is None and rng.random() < 0.04:
        builder.retract_duplicate()
    return builder


def _location(rng: random.Random, provider: Provider, plan: Plan) -> str:
    """One of the provider's registered locations; as a problem, a vestiging not registered."""
    if not plan.unregistered_location:
        return rng.choice(provider.locations)
    while (location := f"{rng.randrange(10**11, 10**12)}") in provider.locations:
        pass
    return location


def _client(rng: random.Random, framework: str, plan: Plan) -> tuple[str, str, int]:
    """Setting, category and age: PG clients are old, VG adults younger, youths 12–17."""
    if framework == "wzd":
        setting = "residential" if rng.random() < 0.75 else "ambulatory"
        age = rng.randint(68, 97) if rng.random() < 0.65 else rng.randint(18, 75)
        if plan.foreign_category:
            return setting, rng.choice(FRAMEWORK_CATEGORIES_OUTSIDE_WZD), age
        if plan.category is not None:
            return setting, plan.category, age
        return setting, pick_category(rng, "wzd", setting), age
    if framework == "wvggz":
        setting = "residential" if rng.random() < 0.8 else "ambulatory"
        return setting, pick_category(rng, "wvggz", setting), rng.randint(18, 80)
    setting = "open_youth_care" if plan.open_youth_care else "closed_youth_care"
    if plan.seclusion_under_12:
        return setting, "seclusion", rng.randint(10, 11)
    category = pick_category(rng, "jeugdwet", setting)
    young = category != "seclusion" and rng.random() < 0.08
    return setting, category, rng.randint(10, 11) if young else rng.randint(12, 17)


def _delay(rng: random.Random, builder: MeasureBuilder, kind: str | None) -> tuple[str, ...]:
    """Mark late deliveries: weeks late for a late-registration problem, and a few days late
    for a small background share. Corrections (pinned) always arrive in order."""
    candidates = [d for d in builder.drafts if not d.pinned]
    planted: list[Draft] = []
    if kind is not None and PROBLEMS[kind][1].late_events:
        of_measure = [d for d in candidates if d.on_measure]
        planted = rng.sample(of_measure, min(len(of_measure), rng.randint(1, 3)))
        for draft in planted:
            draft.late = rng.randint(14 * DAY, 60 * DAY)
    for draft in candidates:
        if not draft.late and rng.random() < 0.003:
            draft.late = rng.randint(3 * DAY, 20 * DAY)
    return tuple(d.event_id for d in planted)


def _planted(builder: MeasureBuilder, kind: str, late: tuple[str, ...]) -> PlantedProblem:
    return PlantedProblem(
        provider_id=builder.provider.provider_id,
        measure_id=builder.measure_id,
        client_id=builder.client_id,
        framework=builder.framework,
        kind=kind,
        rule=PROBLEMS[kind][0],
        late_event_ids=late,
        also=ALSO_RAISES.get(kind, ()),
    )


def generate_with_manifest(
    measures: int = 300,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    providers: int = 3,
    problem_share: float = 0.05,
) -> tuple[list[dict[str, Any]], Manifest]:
    """The events of one cohort in arrival order, and the manifest of what was planted."""
    rng = random.Random(seed)
    manifest = Manifest(seed=seed)
    events = cohort(
        rng,
        measures=measures,
        start=to_minutes(start),
        providers=make_providers(rng, providers),
        problem_share=problem_share,
        first_measure=0,
        manifest=manifest,
    )
    return events, manifest


def generate_events(
    n_events: int,
    seed: int = 7,
    *,
    start: datetime = DEFAULT_START,
    problem_share: float = 0.05,
    cohort_measures: int = 250,
    manifest: Manifest | None = None,
) -> Iterator[dict[str, Any]]:
    """About `n_events` events (within a few percent from a few thousand up), streamed.

    Each cohort brings three new providers with their own year of care, so ids stay unique
    and memory stays at one cohort (~5,000 events) whatever `n_events` is. The last cohort
    is sized from the events per measure seen so far."""
    manifest = manifest if manifest is not None else Manifest(seed=seed)
    per_measure = 13.0
    produced = done = number = 0
    while (remaining := n_events - produced) > per_measure / 2:
        rng = random.Random(f"{seed}:{number}")
        measures = min(cohort_measures, max(1, round(remaining / per_measure)))
        events = cohort(
            rng,
            measures=measures,
            start=to_minutes(start),
            providers=make_providers(rng, 3, first_index=3 * number),
            problem_share=problem_share,
            first_measure=done,
            manifest=manifest,
        )
        produced += len(events)
        done += measures
        per_measure = produced / done
        number += 1
        yield from events
