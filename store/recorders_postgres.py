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

from store.chain_store import as_uuid, chain_ddl
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
        """`COPY` the rows, then read back the notification ids the table's sequence gave.

        Under the table lock nobody else inserts, so the ids above `head` are this batch's,
        issued in row order; they are matched by stream and version all the same, and a
        batch whose ids came out of order is refused rather than chained out of order.
        """
        table = self.events_table_name
        with c.raw.copy(
            f"COPY {table} (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy:
            for s in rows:
                copy.write_row((s.originator_id, s.originator_version, s.topic, s.state))
        found = c.execute(
            f"SELECT notification_id, originator_id, originator_version FROM {table} "
            "WHERE notification_id > ?",
            [head],
        ).fetchall()
        ids = {
            (as_uuid(r["originator_id"]), r["originator_version"]): r["notification_id"]
            for r in found
        }
        positions = [ids[(s.originator_id, s.originator_version)] for s in rows]
        if len(found) != len(rows) or positions != sorted(positions):
            raise RuntimeError(
                f"{len(found)} notification ids above {head} for {len(rows)} rows, or out of "
                "row order: another writer inserted without the table lock"
            )
        return positions
