"""The ledger's recorder on PostgreSQL: the library's, plus the idempotency index and chain.

The same additions as `LedgerSQLiteRecorder` (store/recorders.py, where the reasons are),
in a module of its own so that only a PostgreSQL store imports eventsourcing.postgres and
psycopg; the store URL names it by topic (store/urls.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL

from store.chain_store import chain_ddl
from store.recorders import KEYS_DDL, KeyIndex, UnkeyedWriteError
from store.sql import POSTGRES, SqlCursor, SqlRunner


class LedgerPostgresRecorder(PostgresApplicationRecorder, KeyIndex):
    chain_enabled = True
    position_column = "notification_id"

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if getattr(datastore, "enable_db_functions", False):
            raise ValueError(
                "POSTGRES_ENABLE_DB_FUNCTIONS bypasses the idempotency index and the hash "
                "chain; the ledger needs it off"
            )

        for ddl in (KEYS_DDL, *chain_ddl(POSTGRES)):
            self.sql_create_statements.append(SQL(ddl))  # type: ignore[arg-type]
        self.runner = SqlRunner(datastore, POSTGRES)

    def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
        raise UnkeyedWriteError

    def lock_for_append(self, c: SqlCursor) -> None:
        """The library's table lock, before anything is read: ids are issued in commit order.

        And its notification, which the library's subscriptions wait for.
        """
        self._lock_table(c.raw)
        self._notify_channel(c.raw)

    def insert_rows(self, c: SqlCursor, rows: Sequence[StoredEvent], head: int) -> list[int]:
        """The library's one-statement insert, and the notification ids it returns."""
        PostgresApplicationRecorder._insert_stored_events(self, c.raw, rows)
        return list(PostgresApplicationRecorder._fetch_ids_after_insert_events(self, c.raw, rows))
