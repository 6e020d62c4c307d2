"""One SQL text for SQLite and PostgreSQL.

Views and ledger tables are written once with `?` placeholders and portable types; the
PostgreSQL side swaps placeholders for psycopg's `%s`. This keeps a single projection code
path over both stores (DESIGN "Storage"), instead of two near-copies that drift.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol


class Cursor(Protocol):
    def execute(self, sql: Any, params: Any = ...) -> Any: ...
    def executemany(self, sql: Any, params: Any) -> Any: ...
    def fetchall(self) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchmany(self, size: int = ...) -> Any: ...


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
        if commit and self.dialect is SQLITE:
            with self._sqlite_write() as cursor:
                yield cursor
            return
        with self.datastore.transaction(commit=commit) as cursor:
            yield SqlCursor(cursor, self.dialect)

    @contextmanager
    def snapshot(self) -> Iterator[SqlCursor]:
        """A read transaction whose statements all see one state of the store: SQLite's
        deferred `BEGIN` (the snapshot is taken at its first read), PostgreSQL's
        `REPEATABLE READ` (its default, `READ COMMITTED`, sees each statement's own)."""
        with self.datastore.transaction(commit=False) as cursor:
            c = SqlCursor(cursor, self.dialect)
            if self.dialect is not SQLITE:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield c

    @contextmanager
    def _sqlite_write(self) -> Iterator[SqlCursor]:
        """A SQLite write transaction that takes the write lock first (`BEGIN IMMEDIATE`).

        A deferred transaction that reads and then writes cannot wait for another process's
        writer: SQLite answers "database is locked" at once, because its snapshot is stale.
        Taking the lock up front makes it wait (the busy timeout) and then see fresh data.
        """
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                yield SqlCursor(cursor, self.dialect)
            except BaseException as error:
                connection.rollback()
                _raise_as_library_error(error)
                raise
            else:
                connection.commit()


def _raise_as_library_error(error: BaseException) -> None:
    """sqlite3's errors as the eventsourcing errors the library's own transactions raise."""
    import sqlite3

    from eventsourcing import persistence

    for raw, ours in (
        (sqlite3.IntegrityError, persistence.IntegrityError),
        (sqlite3.OperationalError, persistence.OperationalError),
    ):
        if isinstance(error, raw):
            raise ours(error) from error


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

    def append_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Plain inserts of whole rows (every column, in the table's order): `COPY` on
        PostgreSQL, `executemany` on SQLite.

        psycopg's `executemany` costs some 25 µs of client CPU per row, a `COPY` of the same
        rows a fraction of that. Only for rows that conflict with nothing and return nothing.
        """
        if not rows:
            return
        if self.dialect.name == "postgresql":
            with self.raw.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(rows[0]))
        self.raw.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def fetchall(self) -> list[Any]:
        return list(self.raw.fetchall())

    def fetchone(self) -> Any:
        return self.raw.fetchone()

    def fetchmany(self, size: int) -> list[Any]:
        # The library's SQLite cursor wraps sqlite3's and has no fetchmany of its own.
        return list(getattr(self.raw, "sqlite_cursor", self.raw).fetchmany(size))


def in_chunks(values: Sequence[Any], size: int = 500) -> Iterator[tuple[list[Any], str]]:
    """Slices of `values` for an `IN (...)` list, each with its `?` marks.

    Bounded so that a batch of any size stays under the parameter limits of both stores.
    """
    for i in range(0, len(values), size):
        chunk = list(values[i : i + size])
        yield chunk, ",".join("?" * len(chunk))


def utc_key(moment: datetime) -> str:
    """Fixed-width UTC text that sorts like the instants it names, on both stores.

    Stored times keep the offset they were given (that is what was said); text with mixed
    offsets does not sort by instant, so a table that is read by period keeps this beside it.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dialect_of(datastore: Any) -> Dialect:
    return SQLITE if type(datastore).__name__.startswith("SQLite") else POSTGRES
