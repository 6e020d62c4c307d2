"""Builders of facts for the report tests: one provider, clients and measures named."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from domain.facts import Fact
from domain.report.overview import Overview, compute
from domain.report.period import HalfYear
from domain.rulebook import Rulebook
from domain.wire import DATA_MODELS

PROVIDER = "AGB:12345678"
KEY = b"k" * 32
RULEBOOK = Rulebook.load_default()

_ids = itertools.count(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fact(
    type_name: str,
    when: str | datetime,
    data: dict[str, Any],
    *,
    measure: str | None,
    client: str = "c1",
    event_id: str | None = None,
    recorded: str | datetime | None = None,
    provider: str = PROVIDER,
    position: int | None = None,
) -> Fact:
    moment = at(when) if isinstance(when, str) else when
    recorded_at = at(recorded) if isinstance(recorded, str) else (recorded or moment)
    return Fact(
        provider_id=provider,
        measure_id=measure,
        client_id=client,
        event_id=event_id or f"e{next(_ids)}",
        type=type_name,
        occurred_at=moment,
        recorded_at=recorded_at,
        data=DATA_MODELS[type_name].model_validate(data, strict=False),
        position=position,
    )


def proposed(
    measure: str,
    framework: str,
    category: str,
    *,
    client: str = "c1",
    location: str | None = "L1",
    when: str = "2025-12-01T09:00:00+01:00",
    emergency: bool = False,
    **kw: Any,
) -> Fact:
    data: dict[str, Any] = {
        "framework": framework,
        "category": category,
        "setting": "closed_youth_care" if framework == "jeugdwet" else "residential",
        "grounds": ["serious_bodily_harm"],
        "planned_start": when,
        "emergency": emergency,
    }
    if location is not None:
        data["location_id"] = location
    return fact("measure.proposed", when, data, measure=measure, client=client, **kw)


def applied(
    measure: str,
    when: str,
    *,
    client: str = "c1",
    ended: str | None = None,
    emergency: bool | None = None,
    **kw: Any,
) -> Fact:
    data: dict[str, Any] = {}
    if ended is not None:
        data["ended_at"] = ended
    if emergency is not None:
        data["emergency"] = emergency
    return fact("measure.applied", when, data, measure=measure, client=client, **kw)


def retracted(measure: str, target: str, when: str, *, client: str = "c1", **kw: Any) -> Fact:
    data = {"retracts_event_id": target, "reason": "entered by mistake"}
    return fact("event.retracted", when, data, measure=measure, client=client, **kw)


def report(facts: list[Fact], period: str = "2026H1", **kw: Any) -> Overview:
    return compute(facts, HalfYear.parse(period), RULEBOOK, KEY, **kw)


def section(facts: list[Fact], law: str, period: str = "2026H1") -> Any:
    return getattr(report(facts, period).body.providers[PROVIDER], law)
