"""Stream shapes for the benchmarks: how a provider's events really arrive.

- `local`: the synthetic generator's own order, cohort by cohort, so a measure's events lie
  within a few hundred lines of each other. Easy on every cache; the shape of a backfill
  that was exported measure by measure.
- `interleaved`: the same events in `occurred_at` order (UTC), as a provider's system exports
  a year, or streams it live: thousands of measures open at once, each measure's events
  spread over the whole file, every batch touching thousands of measures.
- `long`: long-lived measures (a supervision measure applied daily for two years, evaluated
  every month), hundreds of facts each, interleaved: the shape where judging one measure
  must stay linear in its history.

Every shape is seeded and deterministic, and only writes `measure-event/v1` lines.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from synthetic import encode_lines, generate_events

SHAPES = ("local", "interleaved", "long")
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def events_of(shape: str, n_events: int, seed: int) -> list[dict]:
    if shape == "local":
        return list(generate_events(n_events, seed))
    if shape == "interleaved":
        events = list(generate_events(n_events, seed))
        events.sort(key=lambda e: datetime.fromisoformat(e["occurred_at"]).astimezone(UTC))
        return events
    if shape == "long":
        return _long_measures(n_events, seed)
    raise ValueError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")


def write(shape: str, path: Path, n_events: int, seed: int) -> int:
    """Write about `n_events` events of `shape` as JSON Lines; return how many."""
    events = events_of(shape, n_events, seed)
    with path.open("wb") as out:
        for line in encode_lines(iter(events), malformed_share=0.0, seed=seed):
            out.write(line)
    return len(events)


def _long_measures(n_events: int, seed: int, days: int = 700) -> list[dict]:
    """Wzd supervision measures applied daily for `days` days, evaluated every 4 weeks."""
    rng = random.Random(seed)
    events: list[dict] = []
    per_measure = days + days // 28 + 6
    for m in range(max(1, n_events // per_measure)):
        start = START + timedelta(hours=rng.randrange(0, 24 * 60))
        events.extend(_one_long(f"LONG-{m:05d}", f"cl-l{m:05d}", start, days))
    events.sort(key=lambda e: datetime.fromisoformat(e["occurred_at"]))
    return events


def _one_long(measure_id: str, client_id: str, start: datetime, days: int) -> Iterator[dict]:
    counter = iter(range(1, 10**6))

    def event(kind: str, at: datetime, data: dict, role: str = "zorgverantwoordelijke") -> dict:
        return {
            "schema": "measure-event/v1",
            "event_id": f"{measure_id}-e{next(counter):04d}",
            "provider_id": "AGB:12219999",
            "measure_id": measure_id,
            "client_id": client_id,
            "type": kind,
            "occurred_at": at.isoformat(),
            "actor": {"role": role, "id": "zv-0001"},
            "data": data,
        }

    planned = start + timedelta(days=3)
    yield event(
        "measure.proposed",
        start,
        {
            "framework": "wzd",
            "category": "supervision",
            "setting": "residential",
            "grounds": ["serious_bodily_harm"],
            "planned_start": planned.isoformat(),
            "location_id": "loc-1",
        },
    )
    yield event(
        "stappenplan.step_completed",
        start + timedelta(hours=2),
        {"step": "multidisciplinary_consultation"},
    )
    yield event("review.requested", start + timedelta(hours=3), {})
    yield event(
        "review.decided",
        start + timedelta(days=1),
        {"decision": "approved"},
        role="wzd_functionaris",
    )
    for day in range(days):
        at = planned + timedelta(days=day)
        yield event("measure.applied", at, {"ended_at": (at + timedelta(hours=1)).isoformat()})
        if day % 28 == 27:
            due = at + timedelta(weeks=4)
            yield event(
                "measure.evaluated",
                at + timedelta(hours=2),
                {"outcome": "continue", "next_evaluation_due": due.isoformat()},
            )
    yield event("measure.ended", planned + timedelta(days=days), {"reason": "afgebouwd"})


def describe(path: Path) -> dict[str, int]:
    """Events and distinct measures in a written file (for the benchmark's header)."""
    measures: set[tuple[str, str]] = set()
    n = 0
    with path.open("rb") as source:
        for raw in source:
            body = json.loads(raw)
            n += 1
            measures.add((body["provider_id"], body.get("measure_id") or ""))
    return {"events": n, "measures": len(measures)}
