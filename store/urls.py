"""Store URLs: which of eventsourcing's persistence modules a URL selects, and how.

`sqlite:///path/ledger.db` picks the library's SQLite module, `postgresql://user@host/db` its
PostgreSQL module; both with the ledger's recorders (store/recorders.py), which add the
idempotency index and the hash chain to the library's tables.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from store.sql import POSTGRES, SQLITE, Dialect

#: How long a writer waits for another writer's lock before giving up, on both stores.
LOCK_TIMEOUT_S = 30


class StoreUrlError(ValueError):
    """The store URL names no store the ledger can use."""


@dataclass(frozen=True, slots=True)
class StoreUrl:
    """`sqlite:///path/ledger.db` or `postgresql://user[:password]@host[:port]/db`."""

    url: str

    @property
    def dialect(self) -> Dialect:
        return SQLITE if self.url.startswith("sqlite:") else POSTGRES

    def environment(self) -> dict[str, str]:
        """The eventsourcing environment that selects and configures the store."""
        parts = urlsplit(self.url)
        if parts.scheme == "sqlite":
            path = unquote(self.url.removeprefix("sqlite://"))
            path = path[1:] if path.startswith("/") and not path.startswith("//") else path
            if not path or path == ":memory:":
                raise StoreUrlError(
                    f"store URL {self.redacted()!r}: a SQLite file path is required"
                )
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": str(LOCK_TIMEOUT_S),
                "APPLICATION_RECORDER_TOPIC": "store.recorders:LedgerSQLiteRecorder",
            }
        if parts.scheme in ("postgresql", "postgres"):
            if not parts.hostname or not parts.path.strip("/"):
                raise StoreUrlError(
                    f"store URL {self.redacted()!r}: expected postgresql://user@host/db"
                )
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
                "POSTGRES_HOST": parts.hostname,
                "POSTGRES_PORT": str(parts.port or 5432),
                "POSTGRES_USER": unquote(parts.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(parts.password or ""),
                "POSTGRES_CONNECT_TIMEOUT": "5",
                "POSTGRES_LOCK_TIMEOUT": str(LOCK_TIMEOUT_S),
                "POSTGRES_POOL_SIZE": "4",
                "APPLICATION_RECORDER_TOPIC": "store.recorders_postgres:LedgerPostgresRecorder",
            }
        raise StoreUrlError(
            f"store URL {self.redacted()!r}: use sqlite:///path/ledger.db or postgresql://user@host/db"
        )

    def match_pool_wait(self, datastore: Any) -> None:
        """Let a thread wait for a pooled SQLite connection as long as SQLite waits for a lock.

        eventsourcing 9.5 gives its SQLite pool a fixed 5 s wait, with no setting. A thread
        writing holds the pool's one writer slot while SQLite waits for another process's
        write lock (an `ingest` committing a batch, the alert index judging a chunk), and the
        pool serves threads first come, first served, so every thread behind it waits too,
        readers included: after 5 s they failed (ConnectionUnavailableError, a 500 from
        `serve` while an ingest ran: bench/bench_serve.py, docs/serving.md) where SQLite itself
        would have waited up to 30 s and succeeded.
        """
        if self.dialect is SQLITE:
            datastore.pool.pool_timeout = float(LOCK_TIMEOUT_S)

    @staticmethod
    def pool_connections(datastore: Any) -> int:
        """How many connections the datastore's pool hands out at most (both stores)."""
        pool = datastore.pool
        most = getattr(pool, "max_size", None)  # psycopg_pool
        return int(most if most is not None else pool.pool_size + pool.max_overflow)

    def create_private_file(self) -> None:
        """Create a missing SQLite file readable by its owner only (0600), like the keys.

        SQLite gives the WAL and shared-memory files the database file's permissions, so
        they are private too. An existing file keeps the permissions it has.
        """
        if self.dialect is not SQLITE:
            return
        path = self.sqlite_path()
        # An existing file stays as it is; a path that cannot be created is left for the
        # store itself to report when it opens it.
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

    def sqlite_path(self) -> Path:
        """The SQLite file, for messages and checks (`sqlite:////abs` leaves "//abs")."""
        raw = self.environment()["SQLITE_DBNAME"]
        return Path("/" + raw.lstrip("/") if raw.startswith("//") else raw)

    def redacted(self) -> str:
        """The URL without its password, for logs and messages."""
        parts = urlsplit(self.url)
        if parts.password:
            return self.url.replace(f":{parts.password}@", ":***@")
        return self.url
