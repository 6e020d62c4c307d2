"""Fixtures and helpers shared by the synthetic-stream tests."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from synthetic import Manifest, generate

ROOT = Path(__file__).resolve().parents[1]
NINE_DIGITS = re.compile(rb"(?<![0-9])[0-9]{9}(?![0-9])")
Event = dict[str, Any]
Key = tuple[str, str]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture(scope="module", params=[7, 42])
def stream(request: pytest.FixtureRequest) -> tuple[list[Event], Manifest]:
    """A demo-sized stream (300 measures; the default seed and another) and its manifest."""
    return generate(seed=request.param, return_manifest=True)


@pytest.fixture(scope="module")
def measures(stream: tuple[list[Event], Manifest]) -> dict[Key, list[Event]]:
    """Each measure's unretracted events in occurred_at order (corrections removed)."""
    events = stream[0]
    retracted = {
        (e["provider_id"], e["data"]["retracts_event_id"])
        for e in events
        if e["type"] == "event.retracted"
    }
    grouped: dict[Key, list[Event]] = defaultdict(list)
    for event in events:
        if "measure_id" not in event or event["type"] == "event.retracted":
            continue
        if (event["provider_id"], event["event_id"]) not in retracted:
            grouped[(event["provider_id"], event["measure_id"])].append(event)
    return {
        key: sorted(group, key=lambda e: when(e["occurred_at"])) for key, group in grouped.items()
    }


@pytest.fixture(scope="module")
def titles(stream: tuple[list[Event], Manifest]) -> dict[Key, list[Event]]:
    """authorization.registered events per (provider, client)."""
    found: dict[Key, list[Event]] = defaultdict(list)
    for event in stream[0]:
        if event["type"] == "authorization.registered":
            found[(event["provider_id"], event["client_id"])].append(event)
    return found


def of_type(events: list[Event], type_: str) -> list[Event]:
    return [e for e in events if e["type"] == type_]


def times(events: list[Event], type_: str) -> list[datetime]:
    return [when(e["occurred_at"]) for e in of_type(events, type_)]


def proposal(events: list[Event]) -> dict[str, Any]:
    return of_type(events, "measure.proposed")[0]["data"]
