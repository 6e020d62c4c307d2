"""The store: eventsourcing's SQLite and PostgreSQL recorders, plus the ledger's own tables.

The ledger adds one table to the library's: `ledger_event_keys`, the idempotency index on
`(provider_id, event_id)`. Its rows are written by the write path (store/batch_append.py) in
the transaction that stores the events, under the store's write lock, so a crash can never
leave an event without its key or a key without its event, and no second writer can store
the same key: it waits for the lock and then sees the key.

The hash chain (`ledger_chain`, store/chain_store.py) is written in that same transaction,
after the events have their positions: SQLite's writer holds the lock from `BEGIN
IMMEDIATE`, PostgreSQL's takes the library's `LOCK TABLE ... IN EXCLUSIVE MODE` first. So
chain order is commit order and no event is ever committed without its link. The library's
own insert path (`Application.save`) is closed: it would store events without keys or links.

The PostgreSQL recorder is in `store/recorders_postgres.py`: importing eventsourcing.postgres
loads psycopg, which a SQLite store never needs (a seventh of a second at every start).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from store.application import EventKey
from store.chain_store import chain_ddl
from store.sql import SQLITE, SqlCursor, SqlRunner, in_chunks

KEYS_DDL = (
    "CREATE TABLE IF NOT EXISTS ledger_event_keys ("
    "provider_id TEXT NOT NULL, event_id TEXT NOT NULL, content_hash TEXT NOT NULL, "
    "stream_id TEXT NOT NULL, version BIGINT NOT NULL, "
    "PRIMARY KEY (provider_id, event_id))"
)


class KeyIndex:
    """Reads of the idempotency index and the streams, shared by both recorders.

    The write path calls the `*_in` reads with its own cursor, inside the transaction that
    holds the write lock; a read in a transaction of its own would not see what the lock
    protects (and on SQLite would share, and end, the writer's connection).
    """

    runner: SqlRunner
    events_table_name: str
    position_column = "rowid"

    def known_hashes(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The stored content hash of each key that is already in the ledger."""
        with self.runner.transaction(commit=False) as c:
            return self.known_hashes_in(c, keys)

    def known_hashes_in(
        self, c: SqlCursor, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        by_provider: dict[str, list[str]] = {}
        for provider_id, event_id in keys:
            by_provider.setdefault(provider_id, []).append(event_id)
        found: dict[tuple[str, str], str] = {}
        for provider_id, event_ids in by_provider.items():
            for chunk, marks in in_chunks(event_ids):
                c.execute(
                    "SELECT event_id, content_hash FROM ledger_event_keys "
                    f"WHERE provider_id = ? AND event_id IN ({marks})",
                    [provider_id, *chunk],
                )
                for row in c.fetchall():
                    found[(provider_id, row["event_id"])] = row["content_hash"]
        return found

    def stream_versions(self, c: SqlCursor, stream_ids: Iterable[UUID]) -> dict[UUID, int]:
        """The last stored version of each of these streams that exists (the primary key)."""
        found: dict[UUID, int] = {}
        for chunk, marks in in_chunks(list(stream_ids)):
            c.execute(
                "SELECT originator_id, MAX(originator_version) AS version "
                f"FROM {self.events_table_name} WHERE originator_id IN ({marks}) "
                "GROUP BY originator_id",
                [self.stream_param(u) for u in chunk],
            )
            found.update((_as_uuid(r["originator_id"]), r["version"]) for r in c.fetchall())
        return found

    def head_position(self, c: SqlCursor) -> int:
        row = c.execute(
            f"SELECT MAX({self.position_column}) AS head FROM {self.events_table_name}"
        ).fetchone()
        return int(row["head"] or 0)

    def stored_row(self, c: SqlCursor, provider_id: str, event_id: str) -> StoredEvent | None:
        """The stored event a provider's event id names, if it is stored."""
        key = c.execute(
            "SELECT stream_id, version FROM ledger_event_keys "
            "WHERE provider_id = ? AND event_id = ?",
            [provider_id, event_id],
        ).fetchone()
        if key is None:
            return None
        stream_id = UUID(key["stream_id"])
        row = c.execute(
            f"SELECT topic, state FROM {self.events_table_name} "
            "WHERE originator_id = ? AND originator_version = ?",
            [self.stream_param(stream_id), key["version"]],
        ).fetchone()
        if row is None:
            return None
        return StoredEvent(stream_id, key["version"], row["topic"], bytes(row["state"]))

    def insert_keys(self, c: SqlCursor, keys: Sequence[EventKey]) -> None:
        c.append_rows("ledger_event_keys", key_rows(keys))

    def stream_param(self, stream_id: UUID) -> Any:
        return stream_id


class UnkeyedWriteError(RuntimeError):
    """Events were saved through the library, past the idempotency index and the chain."""

    def __init__(self) -> None:
        super().__init__(
            "stored events are written by store/batch_append.py only: the library's save "
            "would store them without idempotency keys or hash-chain links"
        )


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def key_rows(keys: Sequence[EventKey]) -> list[tuple[Any, ...]]:
    return [(k.provider_id, k.event_id, k.content_hash, k.stream_id, k.version) for k in keys]


class LedgerSQLiteRecorder(SQLiteApplicationRecorder, KeyIndex):
    chain_enabled = True  # False only in bench/bench_chain.py's baseline run

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.runner = SqlRunner(datastore, SQLITE)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), KEYS_DDL, *chain_ddl(SQLITE)]

    def stream_param(self, stream_id: UUID) -> Any:
        return stream_id.hex

    def _insert_events(self, c: Any, stored_events: Any, **kwargs: Any) -> Any:
        raise UnkeyedWriteError

    def lock_for_append(self, c: SqlCursor) -> None:
        """Nothing to take: the writer's `BEGIN IMMEDIATE` holds SQLite's write lock."""

    def insert_rows(self, c: SqlCursor, rows: Sequence[StoredEvent], head: int) -> list[int]:
        """Insert at the positions after `head`, stated, under the write lock.

        They are the rowids SQLite would choose itself (one more than the largest); naming
        them lets one `executemany` store the batch instead of a statement per event.
        """
        positions = list(range(head + 1, head + 1 + len(rows)))
        c.executemany(
            f"INSERT INTO {self.events_table_name} "
            "(rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            [
                (p, s.originator_id.hex, s.originator_version, s.topic, s.state)
                for p, s in zip(positions, rows, strict=True)
            ],
        )
        return positions
