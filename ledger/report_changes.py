"""What `report --check` names behind a changed count: the later events of its measures.

Split from `ledger.reporting` (which makes and checks the report) because it reads only the
two overviews and the facts, never the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.facts import Fact
from domain.report.document import behind

if TYPE_CHECKING:
    from ledger.reporting import Made


def events_behind(
    path: tuple[str, ...], own: Made, now: Made, later: list[Fact], everything: list[Fact]
) -> tuple[dict[str, Any], ...]:
    """The events after the report's position that touch the measures behind a changed cell.

    A retraction counts for the measure of the event it retracts; an authorisation for
    every measure of its client.
    """
    if len(path) < 2:
        return ()
    provider = path[1]
    measures = behind(path, own.overview.sources) | behind(path, now.overview.sources)
    of_event = {f.event_id: f for f in everything if f.provider_id == provider}
    clients = {f.client_id for f in everything if f.measure_id in measures}
    hits = []
    for f in later:
        if f.provider_id != provider:
            continue
        targets = down_the_chain(f, of_event)
        touched = (
            f.measure_id in measures
            or (f.measure_id is None and f.client_id in clients)
            or any(t.measure_id in measures for t in targets)
            or any(t.measure_id is None and t.client_id in clients for t in targets)
        )
        if touched:
            hits.append(
                {
                    "position": f.position,
                    "event_id": f.event_id,
                    "type": f.type,
                    "measure_id": f.measure_id,
                    "occurred_at": f.occurred_at.isoformat(),
                    "recorded_at": f.recorded_at.isoformat(),
                }
            )
    return tuple(hits)


def down_the_chain(fact: Fact, of_event: dict[str, Fact]) -> list[Fact]:
    """What a retraction can change: the event it names and, when that is a retraction
    too, what that one names, and so on (retracting a retraction restores its target)."""
    found: list[Fact] = []
    while fact.type == "event.retracted":
        target = of_event.get(fact.data.retracts_event_id)
        if target is None or target in found:
            break
        found.append(target)
        fact = target
    return found
