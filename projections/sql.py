"""One SQL text for SQLite and PostgreSQL.

Views and ledger tables are written once with `?` placeholders and portable types; the
PostgreSQL side swaps placeholders for psycopg's `%s`. This keeps a single projection code
path over both stores (DESIGN "Storage"), instead of two near-copies that drift.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol


class Cursor(Protocol):
    def execute(self, sql: Any, params: Any = ...) -> Any: ...
    def executemany(self, sql: Any, params: Any) -> Any: ...
    def fetchall(self) -> Any: ...
    def fetchone(self) -> Any: ...


class Dialect:
    """What differs between the two stores, and nothing else."""

    name = "sqlite"
    blob = "BLOB"
    serial_pk = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def sql(self, text: str) -> str:
        return text


class PostgresDialect(Dialect):
    name = "postgresql"
    blob = "BYTEA"
    serial_pk = "BIGSERIAL PRIMARY KEY"

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")


SQLITE = Dialect()
POSTGRES = PostgresDialect()


class SqlRunner:
    """A datastore's transactions with dialect-translated statements."""

    def __init__(self, datastore: Any, dialect: Dialect) -> None:
        self.datastore = datastore
        self.dialect = dialect

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SqlCursor]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield SqlCursor(cursor, self.dialect)


class SqlCursor:
    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.raw = cursor
        self.dialect = dialect

    def execute(self, text: str, params: Sequence[Any] = ()) -> SqlCursor:
        self.raw.execute(self.dialect.sql(text), tuple(params))
        return self

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self.dialect.sql(text), [tuple(r) for r in rows])

    def fetchall(self) -> list[Any]:
        return list(self.raw.fetchall())

    def fetchone(self) -> Any:
        return self.raw.fetchone()


def dialect_of(datastore: Any) -> Dialect:
    return SQLITE if type(datastore).__name__.startswith("SQLite") else POSTGRES
