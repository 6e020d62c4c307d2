"""The store: eventsourcing's SQLite and PostgreSQL recorders, plus the ledger's own tables.

The ledger adds one table to the library's: `ledger_event_keys`, the idempotency index on
`(provider_id, event_id)`. Its rows are written in the same transaction as the stored
events (the library passes `save(..., event_keys=...)` through to `_insert_events`), so a
crash can never leave an event without its key or a key without its event, and a second
writer racing on the same key loses with an IntegrityError instead of storing it twice.

The hash chain (`ledger_chain`, store/chain_store.py) is written in that same transaction,
after the events have their positions and while the store's write lock is held: SQLite holds
its write lock from the first insert, PostgreSQL's recorder takes `LOCK TABLE ... IN
EXCLUSIVE MODE` before inserting. So chain order is commit order and no event is ever
committed without its link. (Keep POSTGRES_ENABLE_DB_FUNCTIONS off: that path bypasses
these hooks and would store events unchained.)

The PostgreSQL recorder is in `store/recorders_postgres.py`: importing eventsourcing.postgres
loads psycopg, which a SQLite store never needs (a seventh of a second at every start).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder

from store.application import EventKey
from store.chain_store import chain_ddl, extend_chain
from store.sql import SQLITE, SqlCursor, SqlRunner

KEYS_DDL = (
    "CREATE TABLE IF NOT EXISTS ledger_event_keys ("
    "provider_id TEXT NOT NULL, event_id TEXT NOT NULL, content_hash TEXT NOT NULL, "
    "stream_id TEXT NOT NULL, version BIGINT NOT NULL, "
    "PRIMARY KEY (provider_id, event_id))"
)
INSERT_KEY = "INSERT INTO ledger_event_keys VALUES (?, ?, ?, ?, ?)"
_CHUNK = 500


class KeyIndex:
    """Reads of the idempotency index, shared by both recorders."""

    runner: SqlRunner
    events_table_name: str

    def known_hashes(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The stored content hash of each key that is already in the ledger."""
        by_provider: dict[str, list[str]] = {}
        for provider_id, event_id in keys:
            by_provider.setdefault(provider_id, []).append(event_id)
        found: dict[tuple[str, str], str] = {}
        with self.runner.transaction(commit=False) as c:
            for provider_id, event_ids in by_provider.items():
                for i in range(0, len(event_ids), _CHUNK):
                    chunk = event_ids[i : i + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    c.execute(
                        "SELECT event_id, content_hash FROM ledger_event_keys "
                        f"WHERE provider_id = ? AND event_id IN ({marks})",
                        [provider_id, *chunk],
                    )
                    for row in c.fetchall():
                        found[(provider_id, row["event_id"])] = row["content_hash"]
        return found

    def existing_streams(self, stream_ids: Iterable[UUID]) -> set[UUID]:
        """Which of these stream ids already have stored events: one query, not one per id."""
        wanted = list(stream_ids)
        found: set[UUID] = set()
        with self.runner.transaction(commit=False) as c:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                c.execute(
                    f"SELECT DISTINCT originator_id FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({marks})",
                    [self.stream_param(u) for u in chunk],
                )
                found.update(_as_uuid(row["originator_id"]) for row in c.fetchall())
        return found

    def stream_param(self, stream_id: UUID) -> Any:
        return stream_id

    def stream_of_event(self, provider_id: str, event_id: str) -> tuple[str, int] | None:
        with self.runner.transaction(commit=False) as c:
            row = c.execute(
                "SELECT stream_id, version FROM ledger_event_keys "
                "WHERE provider_id = ? AND event_id = ?",
                [provider_id, event_id],
            ).fetchone()
        return (row["stream_id"], row["version"]) if row else None


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
        ids = super()._insert_events(c, stored_events, **kwargs)
        cursor = SqlCursor(c, SQLITE)
        cursor.executemany(INSERT_KEY, key_rows(kwargs.get("event_keys", ())))
        if self.chain_enabled and ids:
            extend_chain(cursor, ids, stored_events)
        return ids
