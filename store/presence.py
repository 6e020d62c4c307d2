"""Whether a store is there, and reachable, checked before anything is opened or created.

sqlite3 creates a missing file on connect, and the library's recorders create missing
tables; that is right for a command that writes (the first ingest makes the store) and wrong
for one that only reads: a mistyped path would show an empty ledger and exit 0, and
`verify` would call it intact. So a reading command asks first, without creating anything,
and a store that cannot be opened at all (no such directory, not a database, PostgreSQL
down) is named in one sentence instead of surfacing as a library traceback.

A store "exists" when the library's event table is there: a SQLite file without it (or an
empty file) is no ledger, and neither is a PostgreSQL database without it. The library names
that table `stored_events` in SQLite and `<application>_events` in PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from store.application import LedgerApplication
from store.sql import SQLITE
from store.urls import StoreUrl

SQLITE_EVENTS_TABLE = "stored_events"
POSTGRES_EVENTS_TABLE = f"{LedgerApplication.name.lower()}_events"
#: Seconds to wait for PostgreSQL to answer before calling it unreachable.
CONNECT_TIMEOUT_S = 5


class StoreMissingError(Exception):
    """A command that only reads was pointed at a store that does not exist."""


class StoreUnavailableError(Exception):
    """The store cannot be opened: a bad path, not a database, a server that does not answer."""


def check_store(store: StoreUrl, *, create: bool) -> None:
    """Raise unless the store can be opened; unless `create`, it must hold a ledger already."""
    if store.dialect is SQLITE:
        _check_sqlite(store.sqlite_path(), create=create)
    else:
        _check_postgres(store, create=create)


def _check_sqlite(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise StoreUnavailableError(f"cannot open the SQLite store {path}: it is a directory")
    if not path.exists():
        if not create:
            raise StoreMissingError(
                f"no ledger store at {path}: the file does not exist (check the path; "
                "only commands that write create a store)"
            )
        parent = path.absolute().parent
        if not parent.is_dir():
            raise StoreUnavailableError(
                f"cannot create the SQLite store {path}: directory {parent} does not exist"
            )
        if not os.access(parent, os.W_OK | os.X_OK):
            raise StoreUnavailableError(
                f"cannot create the SQLite store {path}: no permission to write in {parent}"
            )
        return
    if not os.access(path, os.R_OK) or (create and not os.access(path, os.W_OK)):
        raise StoreUnavailableError(
            f"cannot open the SQLite store {path}: no permission to "
            f"{'read and write' if create else 'read'} it"
        )
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (SQLITE_EVENTS_TABLE,),
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise StoreUnavailableError(f"cannot open the SQLite store {path}: {error}") from None
    if found is None and not create:
        raise StoreMissingError(
            f"no ledger store at {path}: the file holds no ledger (no {SQLITE_EVENTS_TABLE} table)"
        )


def _check_postgres(store: StoreUrl, *, create: bool) -> None:
    import psycopg

    try:
        with connect_postgres(store) as connection:
            row = connection.execute(
                "SELECT to_regclass(%s) IS NOT NULL", [f"public.{POSTGRES_EVENTS_TABLE}"]
            ).fetchone()
    except psycopg.Error as error:
        raise StoreUnavailableError(
            f"cannot connect to the PostgreSQL store {store.redacted()}: {one_line(error)}"
        ) from None
    if not (row and row[0]) and not create:
        raise StoreMissingError(
            f"no ledger in the PostgreSQL database {store.redacted()}: it has no "
            f"{POSTGRES_EVENTS_TABLE} table (check the URL; only commands that write create a "
            "store)"
        )


def connect_postgres(store: StoreUrl) -> Any:
    """A psycopg connection of its own (autocommit), outside the library's pool."""
    import psycopg

    env = store.environment()
    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=CONNECT_TIMEOUT_S,
        autocommit=True,
    )


def one_line(error: Exception) -> str:
    """libpq's messages span lines (a hint on the second); one line reads better in a log."""
    return " ".join(part.strip() for part in str(error).splitlines() if part.strip())
