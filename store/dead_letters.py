"""The dead-letter store: malformed input, kept with its raw bytes, origin and reason.

Nothing a provider sent is dropped. A dead letter is keyed by its origin and the hash of
its bytes, so redelivery of the same bad message (a Kafka retry, a re-run of a file) does
not pile up copies, while the same bad bytes from two origins are both kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.identifiers import mask_bsn_text, mask_bsns
from store.sql import Dialect, SqlRunner


@dataclass(frozen=True, slots=True)
class DeadLetter:
    source: str
    reason: str
    raw: bytes
    received_at: str = ""
    provider_id: str | None = None
    event_id: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        # Every text field too, not only the bytes: a reason may quote a field name, a source
        # a file name; whatever carries a BSN-like number is masked before it is kept, and a
        # NUL (which PostgreSQL cannot store in text) is written as its JSON escape.
        for name in ("source", "reason", "provider_id", "event_id"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, mask_bsn_text(value).replace("\x00", "\\u0000"))
        masked = mask_bsns(self.raw)
        if masked != self.raw:
            object.__setattr__(self, "raw", masked)
            object.__setattr__(
                self, "reason", f"{self.reason} (a BSN-like number in the input was masked)"
            )

    @property
    def raw_text(self) -> str:
        """The raw bytes for display: UTF-8 where it is, escapes where it is not."""
        return self.raw.decode("utf-8", errors="backslashreplace")


def ddl(dialect: Dialect) -> str:
    return (
        "CREATE TABLE IF NOT EXISTS ledger_dead_letters ("
        f"id {dialect.serial_pk}, received_at TEXT NOT NULL, source TEXT NOT NULL, "
        f"reason TEXT NOT NULL, raw {dialect.blob} NOT NULL, raw_sha256 TEXT NOT NULL, "
        "provider_id TEXT, event_id TEXT, UNIQUE (source, raw_sha256))"
    )


class DeadLetterStore:
    def __init__(self, runner: SqlRunner) -> None:
        self.runner = runner

    def create_table(self) -> None:
        with self.runner.transaction(commit=True) as c:
            c.execute(ddl(self.runner.dialect))

    def add(self, letters: Sequence[DeadLetter]) -> None:
        if not letters:
            return
        now = datetime.now(UTC).isoformat()
        rows = [
            (
                letter.received_at or now,
                letter.source,
                letter.reason,
                letter.raw,
                hashlib.sha256(letter.raw).hexdigest(),
                letter.provider_id,
                letter.event_id,
            )
            for letter in letters
        ]
        with self.runner.transaction(commit=True) as c:
            c.executemany(
                "INSERT INTO ledger_dead_letters (received_at, source, reason, raw, raw_sha256, "
                "provider_id, event_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )

    def list(self, limit: int | None = None) -> list[DeadLetter]:
        """The oldest first; at most `limit`. A negative limit is refused: SQLite reads it as
        "no limit" and PostgreSQL as an error, and the two stores must agree."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
        sql = (
            "SELECT id, received_at, source, reason, raw, provider_id, event_id "
            "FROM ledger_dead_letters ORDER BY id"
        )
        params: list[int] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self.runner.transaction(commit=False) as c:
            rows = c.execute(sql, params).fetchall()
        return [
            DeadLetter(
                id=r["id"],
                received_at=r["received_at"],
                source=r["source"],
                reason=r["reason"],
                raw=bytes(r["raw"]),
                provider_id=r["provider_id"],
                event_id=r["event_id"],
            )
            for r in rows
        ]

    def count(self) -> int:
        with self.runner.transaction(commit=False) as c:
            return int(c.execute("SELECT COUNT(*) AS n FROM ledger_dead_letters").fetchone()["n"])
