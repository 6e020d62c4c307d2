"""Retraction chains as the views hold them (`view_retractions`), read by id.

A retraction can itself be retracted, and that retraction again, in any stream of the
provider: "is this event retracted?" is therefore not "does a retraction name it?" but
"does a retraction name it that itself counts?" (`domain.rules.timeline_state.standing`).
These reads follow the chains with indexed look-ups per id (the primary key of
`view_retractions` starts with `(provider_id, target_event_id)`), never a scan, so a
measure or an order costs a few short reads however large its provider is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from domain.rules.timeline_state import Retraction, standing
from store.sql import SqlCursor

RETRACTIONS_OF_PROVIDER = (
    "SELECT target_event_id, retraction_event_id, occurred_at FROM view_retractions "
    "WHERE provider_id = ?"
)
RETRACTIONS_OF = (
    "SELECT target_event_id, retraction_event_id FROM view_retractions "
    "WHERE provider_id = ? AND target_event_id IN ({marks})"
)
ROW_OF_EVENT = (
    "SELECT kind, ref, client_id, type, data FROM view_timeline "
    "WHERE provider_id = ? AND event_id = ?"
)
_CHUNK = 500


def provider_retractions(c: SqlCursor, provider_id: str) -> dict[str, tuple[Retraction, ...]]:
    """Every retraction of the provider by the event it names, earliest first: the map the
    rules follow chains in (`domain.rules.engine`, `retracted_ids`)."""
    found: dict[str, list[Retraction]] = {}
    for r in c.execute(RETRACTIONS_OF_PROVIDER, [provider_id]).fetchall():
        at = datetime.fromisoformat(r["occurred_at"])
        found.setdefault(r["target_event_id"], []).append((r["retraction_event_id"], at))
    return {
        target: tuple(sorted(entries, key=lambda e: (e[1], e[0])))
        for target, entries in found.items()
    }


def retracted_now(c: SqlCursor, provider_id: str, event_ids: Iterable[str]) -> set[str]:
    """Those of `event_ids` that stand retracted with every retraction the views hold:
    a retraction names them that is not itself (in the end) retracted."""
    graph: dict[str, list[str]] = {}
    asked = list(dict.fromkeys(event_ids))
    frontier, seen = list(asked), set(asked)
    while frontier:  # up the chains: the retractions of these, then of those ...
        named: list[str] = []
        for start in range(0, len(frontier), _CHUNK):
            chunk = frontier[start : start + _CHUNK]
            query = RETRACTIONS_OF.format(marks=",".join("?" * len(chunk)))
            for r in c.execute(query, [provider_id, *chunk]).fetchall():
                graph.setdefault(r["target_event_id"], []).append(r["retraction_event_id"])
                named.append(r["retraction_event_id"])
        frontier = [event_id for event_id in dict.fromkeys(named) if event_id not in seen]
        seen.update(frontier)
    if not graph:
        return set()
    for retractions in graph.values():
        retractions.sort()  # one order on both stores, whatever order the rows came in
    verdict = standing(asked, graph)
    return {event_id for event_id in asked if not verdict[event_id]}


def chain_rows(c: SqlCursor, provider_id: str, target: str) -> list[Any]:
    """The timeline rows a retraction of `target` can change the standing of: `target`'s
    own row and, when it is a retraction, the row it names, and so on down the chain."""
    rows: list[Any] = []
    seen: set[str] = set()
    while target not in seen:
        seen.add(target)
        row = c.execute(ROW_OF_EVENT, [provider_id, target]).fetchone()
        if row is None:
            break
        rows.append(row)
        if row["type"] != "event.retracted":
            break
        target = json.loads(row["data"])["retracts_event_id"]
    return rows
