"""The reads the HTTP API and the web pages make, each scoped to the providers a caller may read.

This module is the one interface `serve` builds on: it re-exports the measure, alert and
authorisation reads (each in its own module) and adds the small ones — an alert's evidence
events, the dead letters, the last ingest. Every function takes `providers`: None for every
provider (the inspectorate), else only those providers' rows are ever read, so another
provider's measure, alert, event or dead letter looks exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.alert_reads import AlertRow, alert, alert_counts, alerts, measure_alerts
from projections.authorisation_reads import authorisation, client_authorisations
from projections.measure_reads import (
    SEVERITY_ORDER,
    client_measures,
    due,
    measure,
    measures,
    phase_counts,
)
from projections.queries import (
    TIMELINE_ORDER,
    TIMELINE_SELECT,
    timeline_entries,
    void_retractions,
)
from projections.read_paging import (
    CursorError,
    Page,
    Providers,
    check_limit,
    decode_cursor,
    encode_cursor,
    in_scope,
    scope,
    scope_clause,
)
from store.dead_letters import DeadLetter
from store.sql import SqlRunner

__all__ = [
    "SEVERITY_ORDER",
    "AlertRow",
    "CursorError",
    "Page",
    "alert",
    "alert_counts",
    "alerts",
    "authorisation",
    "client_authorisations",
    "client_measures",
    "due",
    "events",
    "last_ingest",
    "measure",
    "measure_alerts",
    "measures",
    "phase_counts",
    "rejects",
]

MAX_EVENTS = 500  # an alert's evidence is a handful of events
RAW_CHARS = 4096  # of a dead letter's raw input: enough to see what was wrong with it


def events(
    sql: SqlRunner, providers: Providers, provider_id: str, event_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """These events of the provider as timeline entries (with `kind` and `ref`), in care
    order, each with its retraction; ids it does not have are left out."""
    if isinstance(event_ids, str):
        raise TypeError("event_ids must be a sequence of event ids, not one string")
    if not in_scope(providers, provider_id):
        return []
    wanted = sorted(set(event_ids))
    if len(wanted) > MAX_EVENTS:
        raise ValueError(f"at most {MAX_EVENTS} event ids at once, got {len(wanted)}")
    if not wanted:
        return []
    query = (
        TIMELINE_SELECT
        + f"WHERE t.provider_id = ? AND t.event_id IN ({', '.join('?' * len(wanted))}) "
        + TIMELINE_ORDER
    )
    with sql.transaction(commit=False) as c:
        rows = c.execute(query, [provider_id, *wanted]).fetchall()
        void = void_retractions(c, provider_id, rows)
    return timeline_entries(rows, with_ref=True, void=void)


def rejects(
    sql: SqlRunner, providers: Providers, *, limit: int = 50, cursor: str | None = None
) -> Page[dict[str, Any]]:
    """Dead letters, newest first. A provider sees the ones attributed to it (a reused
    event id names its provider); input too broken to name one is the inspectorate's."""
    check_limit(limit)
    after = decode_cursor(cursor, "rejects", {}, _valid_id)
    chosen = scope(providers)
    if chosen == []:
        return Page([], None)
    where, params = scope_clause("provider_id", chosen)
    if after is not None:
        where += " AND id < ?"
        params.append(after[0])
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            "SELECT id, received_at, source, reason, raw, provider_id, event_id "
            f"FROM ledger_dead_letters WHERE 1 = 1{where} ORDER BY id DESC LIMIT ?",
            [*params, limit + 1],
        ).fetchall()
    items = [_reject(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items, encode_cursor("rejects", {}, [items[-1]["id"]]) if more else None)


def _valid_id(key: list[Any]) -> bool:
    return len(key) == 1 and isinstance(key[0], int) and not isinstance(key[0], bool)


def _reject(row: Any) -> dict[str, Any]:
    letter = DeadLetter(  # masks a BSN-like number, as every read of a dead letter does
        id=row["id"],
        received_at=row["received_at"],
        source=row["source"],
        reason=row["reason"],
        raw=bytes(row["raw"]),
        provider_id=row["provider_id"],
        event_id=row["event_id"],
    )
    return {
        "id": letter.id,
        "received_at": letter.received_at,
        "source": letter.source,
        "reason": letter.reason,
        "provider_id": letter.provider_id,
        "event_id": letter.event_id,
        "raw": letter.raw.decode("utf-8", errors="replace")[:RAW_CHARS],
        "raw_bytes": len(letter.raw),
    }


def last_ingest(sql: SqlRunner, providers: Providers) -> str | None:
    """`recorded_at` of the newest stored event in scope (None: nothing yet)."""
    chosen = scope(providers)
    newest: tuple[int, str] | None = None
    with sql.transaction(commit=False) as c:
        if chosen is None:
            row = c.execute(
                "SELECT position, recorded_at FROM view_timeline ORDER BY position DESC LIMIT 1"
            ).fetchone()
            return row["recorded_at"] if row else None
        for provider_id in chosen:
            row = c.execute(LAST_OF_PROVIDER, [provider_id]).fetchone()
            if row is not None and (newest is None or row["position"] > newest[0]):
                newest = (row["position"], row["recorded_at"])
    return newest[1] if newest else None


#: Read backwards on `view_timeline_provider_position`: one index entry, however long ago.
LAST_OF_PROVIDER = (
    "SELECT position, recorded_at FROM view_timeline WHERE provider_id = ? "
    "ORDER BY position DESC LIMIT 1"
)
