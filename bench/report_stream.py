"""A provider's year for the report benchmark: one provider, many locations, interleaved.

    lines = provider_year(measures=100_000, seed=7)   # about 1M events, JSON Lines

Every measure has the lifecycle a report reads — a proposal with a location and a form, the
stappenplan, a review, several applications (episodes with an end, some unplanned), an
evaluation and an end — and starts at a random moment of 2026, so both half-years hold
care and each measure's events are spread through the stream the way a year's export
arrives: sorted by `occurred_at` (the `interleaved` shape of bench/shapes.py). A share of
the applications is retracted, a share of the Wzd measures is an art. 2 lid 2 form, a few
proposals name no location; Wvggz clients have a zorgmachtiging. Seeded: same bytes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.codes import FRAMEWORK_CATEGORIES

PROVIDER = "AGB:12345678"
YEAR = datetime(2026, 1, 1, tzinfo=UTC)
LOCATIONS = tuple(f"{100000000000 + i * 7919}" for i in range(40))
EVENTS_PER_MEASURE = 10  # about: proposal, 3 steps and review, 4-6 applications, end


def provider_year(measures: int, seed: int = 7) -> list[bytes]:
    """The year as JSON Lines in `occurred_at` order (UTC instants; every offset is +00:00).

    Kept as encoded lines, not dicts, so a million events fit in a few hundred megabytes.
    """
    rng = random.Random(seed)
    clients = max(1, measures // 3)
    keyed: list[tuple[str, str, bytes]] = []
    ordered: set[int] = set()
    for m in range(measures):
        client = rng.randrange(clients)
        for e in _measure(rng, m, client, ordered):
            line = json.dumps(e, separators=(",", ":")).encode() + b"\n"
            keyed.append((e["occurred_at"], e["event_id"], line))
    keyed.sort()
    return [line for *_, line in keyed]


def _measure(rng: random.Random, m: int, client: int, ordered: set[int]) -> Iterator[dict]:
    mid, cid = f"M-{m:06d}", f"cl-{client:06d}"
    counter = iter(range(1, 100))

    def event(kind: str, at: datetime, data: dict, measure: bool = True) -> dict:
        body = {
            "schema": "measure-event/v1",
            "event_id": f"{mid}-e{next(counter):02d}",
            "provider_id": PROVIDER,
            "client_id": cid,
            "type": kind,
            "occurred_at": at.isoformat(),
            "actor": {"role": "zorgverantwoordelijke", "id": "zv-0001"},
            "data": data,
        }
        if measure:
            body["measure_id"] = mid
        return body

    framework = rng.choices(("wzd", "wvggz", "jeugdwet"), (7, 2, 1))[0]
    forms = FRAMEWORK_CATEGORIES[framework]
    category = rng.choice(forms if framework != "wzd" or rng.random() < 0.05 else forms[:9])
    start = YEAR + timedelta(minutes=rng.randrange(365 * 24 * 60))
    emergency = rng.random() < 0.1
    proposal: dict[str, Any] = {
        "framework": framework,
        "category": category,
        "setting": "closed_youth_care" if framework == "jeugdwet" else "residential",
        "grounds": ["serious_bodily_harm"],
        "planned_start": (start + timedelta(days=2)).isoformat(),
        "emergency": emergency,
    }
    if rng.random() > 0.01:
        proposal["location_id"] = rng.choice(LOCATIONS)
    if framework == "wvggz" and client not in ordered:
        ordered.add(client)
        yield event(
            "authorization.registered",
            start - timedelta(days=1),
            {
                "authorization_id": f"ZM-{client:06d}",
                "kind": "zorgmachtiging",
                "valid_from": (start - timedelta(days=1)).isoformat(),
                "valid_until": (start + timedelta(days=170)).isoformat(),
            },
            measure=False,
        )
    yield event("measure.proposed", start, proposal)
    yield event(
        "stappenplan.step_completed",
        start + timedelta(hours=2),
        {"step": "multidisciplinary_consultation"},
    )
    yield event("review.requested", start + timedelta(hours=3), {})
    yield event("review.decided", start + timedelta(days=1), {"decision": "approved"})
    at = start + timedelta(days=2)
    applied = []
    for _ in range(rng.randrange(4, 7)):
        at += timedelta(hours=rng.randrange(6, 24 * 20))
        data: dict[str, Any] = {
            "ended_at": (at + timedelta(minutes=rng.randrange(5, 240))).isoformat()
        }
        if rng.random() < 0.05:
            data["emergency"] = True
        applied.append(event("measure.applied", at, data))
    yield from applied
    if rng.random() < 0.02:
        target = rng.choice(applied)
        yield event(
            "event.retracted",
            at + timedelta(hours=1),
            {"retracts_event_id": target["event_id"], "reason": "entered on the wrong measure"},
        )
    yield event("measure.ended", at + timedelta(days=1), {"reason": "no_longer_needed"})
