"""The ledger's recorder on PostgreSQL: the library's, plus the idempotency index and chain.

The same additions as `LedgerSQLiteRecorder` (store/recorders.py, where the reasons are),
in a module of its own so that only a PostgreSQL store imports eventsourcing.postgres and
psycopg; the store URL names it by topic (store/urls.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL

from store.chain_store import chain_ddl, extend_chain
from store.recorders import INSERT_KEY, KEYS_DDL, KeyIndex, key_rows
from store.sql import POSTGRES, SqlCursor, SqlRunner


class LedgerPostgresRecorder(PostgresApplicationRecorder, KeyIndex):
    chain_enabled = True

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
        super()._insert_events(curs, stored_events, **kwargs)
        SqlCursor(curs, POSTGRES).executemany(INSERT_KEY, key_rows(kwargs.get("event_keys", ())))

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Any, **kwargs: Any
    ) -> Sequence[int] | None:
        """Chain the events once they have positions; still in the locked transaction."""
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if self.chain_enabled and ids:
            extend_chain(SqlCursor(curs, POSTGRES), ids, stored_events)
        return ids
