"""The hash chain's tables and SQL, written once for SQLite and PostgreSQL.

`ledger_chain` holds one row per stored event, keyed by the event's position (the
notification id: SQLite's rowid, PostgreSQL's notification_id). The recorders call
`extend_chain` inside the transaction that stores the events, while the store's write lock
is held, so the chain's order is the commit order and no two writers can fork the head.
`ledger_checkpoints` holds the signed checkpoints (see store/checkpoints.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.chain import GENESIS, ChainLink, chain_rows
from store.sql import Dialect, SqlCursor, in_chunks


def chain_ddl(dialect: Dialect) -> list[str]:
    """Previous links are not stored: they are the neighbouring rows' hashes."""
    return [
        "CREATE TABLE IF NOT EXISTS ledger_chain ("
        "position BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, version BIGINT NOT NULL, "
        f"record_hash {dialect.blob} NOT NULL, global_hash {dialect.blob} NOT NULL, "
        f"stream_hash {dialect.blob} NOT NULL)"
        if dialect.name != "sqlite"
        # INTEGER PRIMARY KEY makes the position SQLite's rowid: no second B-tree.
        else "CREATE TABLE IF NOT EXISTS ledger_chain ("
        "position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, version INTEGER NOT NULL, "
        "record_hash BLOB NOT NULL, global_hash BLOB NOT NULL, stream_hash BLOB NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS ledger_chain_stream "
        "ON ledger_chain (stream_id, version)",
        "CREATE TABLE IF NOT EXISTS ledger_checkpoints ("
        f"checkpoint_id {dialect.serial_pk}, position BIGINT NOT NULL, "
        "head_hash TEXT NOT NULL, created_at TEXT NOT NULL, key_id TEXT NOT NULL, "
        "signature TEXT NOT NULL, previous TEXT)",
    ]


_HEAD = "SELECT position, global_hash FROM ledger_chain ORDER BY position DESC LIMIT 1"


def as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def extend_chain(c: SqlCursor, positions: Sequence[int], stored_events: Sequence[Any]) -> None:
    """Append the chain rows of freshly inserted events; call under the store's write lock."""
    if len(positions) != len(stored_events):
        raise RuntimeError(f"{len(positions)} positions for {len(stored_events)} stored events")
    head = c.execute(_HEAD).fetchone()
    global_prev = bytes(head["global_hash"]) if head else GENESIS
    records = [
        (p, as_uuid(s.originator_id), s.originator_version, s.topic, bytes(s.state))
        for p, s in zip(positions, stored_events, strict=True)
    ]
    rows = chain_rows(records, global_prev, _stream_heads(c, stored_events))
    c.append_rows("ledger_chain", rows)


def _stream_heads(c: SqlCursor, stored_events: Sequence[Any]) -> dict[str, bytes]:
    """The stream hash each stream of the batch extends: its newest chain row.

    The batch's own events have no chain rows yet, so "newest" is the head below the batch.
    Streams whose first event in the batch is version 1 are new: nothing to look up.
    """
    ids = [(as_uuid(s.originator_id).hex, s.originator_version) for s in stored_events]
    new = {key for key, version in ids if version == 1}
    wanted = list({key for key, _ in ids} - new)
    heads: dict[str, bytes] = {}
    for chunk, marks in in_chunks(wanted):
        c.execute(
            "SELECT c.stream_id, c.stream_hash FROM ledger_chain c "
            f"WHERE c.stream_id IN ({marks}) AND c.version = "
            "(SELECT MAX(d.version) FROM ledger_chain d WHERE d.stream_id = c.stream_id)",
            chunk,
        )
        heads.update((row["stream_id"], bytes(row["stream_hash"])) for row in c.fetchall())
    return heads


def chain_head(c: SqlCursor) -> tuple[int, bytes]:
    """(position, global hash) of the newest chain row; (0, GENESIS) for an empty chain."""
    row = c.execute(_HEAD).fetchone()
    return (row["position"], bytes(row["global_hash"])) if row else (0, GENESIS)


def chain_page(c: SqlCursor, after: int, limit: int) -> list[ChainLink]:
    c.execute(
        "SELECT position, stream_id, version, record_hash, global_hash, stream_hash "
        "FROM ledger_chain WHERE position > ? ORDER BY position LIMIT ?",
        [after, limit],
    )
    return [
        ChainLink(
            r["position"],
            as_uuid(r["stream_id"]),
            r["version"],
            bytes(r["record_hash"]),
            bytes(r["global_hash"]),
            bytes(r["stream_hash"]),
        )
        for r in c.fetchall()
    ]


def count_chain(c: SqlCursor) -> int:
    row = c.execute("SELECT COUNT(*) AS n FROM ledger_chain").fetchone()
    return int(row["n"])


def global_hash_at(c: SqlCursor, position: int) -> bytes | None:
    if position == 0:
        return GENESIS
    row = c.execute(
        "SELECT global_hash FROM ledger_chain WHERE position = ?", [position]
    ).fetchone()
    return bytes(row["global_hash"]) if row else None


def event_key_at(c: SqlCursor, stream_id: UUID, version: int) -> tuple[str, str] | None:
    """(provider_id, event_id) of a stream's version from the idempotency index, if any."""
    row = c.execute(
        "SELECT provider_id, event_id FROM ledger_event_keys WHERE stream_id = ? AND version = ?",
        [stream_id.hex, version],
    ).fetchone()
    return (row["provider_id"], row["event_id"]) if row else None
