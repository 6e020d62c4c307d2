"""One process at a time creates the ledger's tables in a PostgreSQL database.

`CREATE TABLE IF NOT EXISTS` (and `CREATE TYPE`, `CREATE INDEX IF NOT EXISTS`) is not safe
under concurrency in PostgreSQL: two sessions both see the name free, both insert it into
the catalogue, and the second dies with `IntegrityError ... pg_type_typname_nsp_index`. That
is exactly what happens when several consumers start at once on a fresh database
(`docker compose up --scale consume=3`). So every statement that creates a table of the
ledger — the library's, the ledger's own, the views', the alert index's, the dead letters',
the feed's — runs while this process holds one advisory lock; the others wait their turn and
then find everything there. The lock is a session lock on a connection of its own, because
the library creates its tables in several transactions on pooled connections. SQLite needs
none: its write lock already serialises schema changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from store.presence import StoreUnavailableError, connect_postgres, one_line
from store.sql import SQLITE
from store.urls import StoreUrl

#: The advisory lock key ("ml-schem" in ASCII), distinct from the alert index's.
SCHEMA_LOCK = 0x6D6C2D736368656D
#: How long a process waits for another one's table creation before giving up.
LOCK_WAIT_S = 120


@contextlib.contextmanager
def schema_lock(store: StoreUrl) -> Iterator[None]:
    """Hold the ledger's schema lock for the duration (PostgreSQL; a no-op on SQLite)."""
    if store.dialect is SQLITE:
        yield
        return
    import psycopg

    try:
        connection = connect_postgres(store)
    except psycopg.Error as error:
        raise StoreUnavailableError(
            f"cannot connect to the PostgreSQL store {store.redacted()}: {one_line(error)}"
        ) from None
    try:
        connection.execute(f"SET lock_timeout = '{LOCK_WAIT_S}s'")
        connection.execute("SELECT pg_advisory_lock(%s)", [SCHEMA_LOCK])
    except psycopg.Error as error:
        connection.close()
        raise StoreUnavailableError(
            f"cannot take the table-creation lock of {store.redacted()}: {one_line(error)}"
        ) from None
    try:
        yield
    finally:
        with contextlib.suppress(psycopg.Error):
            connection.execute("SELECT pg_advisory_unlock(%s)", [SCHEMA_LOCK])
        connection.close()
