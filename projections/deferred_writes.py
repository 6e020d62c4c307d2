"""Judging on a read snapshot, writing in a short transaction afterwards.

A refresh of the alert index reads a chunk's facts, runs the rules and writes what changed.
The rules are most of that time, and a refresh that held the store's write lock while they
ran kept every writer waiting: `ingest` could not store its next batch while the alerts of
the last ones were judged. So a refresh judges through `DeferredWrites`: its reads go to a
read transaction (one snapshot: SQLite's deferred `BEGIN`, PostgreSQL's `REPEATABLE READ`)
and its writes are kept, in order, to be replayed in a write transaction that first checks
that no other refresher moved the index meanwhile (`recorders.AlertIndexMixin.refresh`).

Only the refresh writes the alert index, and a judgement stands on what the snapshot held:
facts stored after it are past the chunk's end, so the next chunk judges their measures
again. Nothing in a judgement reads what it wrote itself (each measure, client and
half-year is judged once per chunk), which is what makes deferring the writes sound; a
statement that is neither a read nor a plain write is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.sql import Dialect, SqlCursor

_READS = ("SELECT", "WITH")
_WRITES = ("INSERT", "UPDATE", "DELETE")


class UnexpectedStatementError(Exception):
    """A statement a deferred judgement cannot place: not a read, not a plain write."""


class DeferredWrites:
    """A cursor over a read snapshot whose writes wait for `replay`."""

    def __init__(self, reads: SqlCursor) -> None:
        self._reads = reads
        self.dialect: Dialect = reads.dialect
        self.raw = reads.raw
        self.writes: list[tuple[str, list[tuple[Any, ...]]]] = []

    def execute(self, text: str, params: Sequence[Any] = ()) -> DeferredWrites:
        if _kind(text) == "read":
            self._reads.execute(text, params)
        else:
            self.writes.append((text, [tuple(params)]))
        return self

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if _kind(text) == "read":
            raise UnexpectedStatementError(f"executemany of a read: {text[:60]!r}")
        if rows:
            self.writes.append((text, [tuple(r) for r in rows]))

    def fetchall(self) -> list[Any]:
        return self._reads.fetchall()

    def fetchone(self) -> Any:
        return self._reads.fetchone()

    def fetchmany(self, size: int) -> list[Any]:
        return self._reads.fetchmany(size)

    def replay(self, c: SqlCursor) -> None:
        """Every kept write, in the order it was made, in the caller's write transaction."""
        for text, rows in self.writes:
            if len(rows) == 1:
                c.execute(text, rows[0])
            else:
                c.executemany(text, rows)


def _kind(text: str) -> str:
    head = text.lstrip()[:6].upper()
    if head.startswith(_READS):
        return "read"
    if head.startswith(_WRITES):
        return "write"
    raise UnexpectedStatementError(f"neither a read nor a plain write: {text[:60]!r}")
