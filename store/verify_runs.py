"""When `verify` last ran, and what it found: what the integrity page and overview show.

A record here is what the verify command said, not a proof: whoever can rewrite the events
can rewrite this table too. It tells an officer whether anyone has checked lately; the
proof is running `verify` (against checkpoints kept outside) oneself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.sql import SqlRunner


@dataclass(frozen=True, slots=True)
class VerifyRun:
    at: str  # ISO 8601 UTC
    state: str  # intact, damaged, unsealed, empty, unchecked
    records: int
    head_position: int
    views: str | None  # equal, different, moved, not checked; None: not compared


class VerifyRuns:
    def __init__(self, sql: SqlRunner) -> None:
        self.sql = sql

    def create_table(self) -> None:
        with self.sql.transaction(commit=True) as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS ledger_verify_runs ("
                f"id {self.sql.dialect.serial_pk}, at TEXT NOT NULL, state TEXT NOT NULL, "
                "records BIGINT NOT NULL, head_position BIGINT NOT NULL, views TEXT)"
            )

    def record(
        self, at: datetime, state: str, records: int, head_position: int, views: str | None
    ) -> None:
        found = VerifyRun(at.isoformat(), state, records, head_position, views)
        with self.sql.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO ledger_verify_runs (at, state, records, head_position, views) "
                "VALUES (?, ?, ?, ?, ?)",
                [found.at, found.state, found.records, found.head_position, found.views],
            )

    def latest(self) -> VerifyRun | None:
        with self.sql.transaction(commit=False) as c:
            row = c.execute(
                "SELECT at, state, records, head_position, views FROM ledger_verify_runs "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return VerifyRun(
            row["at"], row["state"], row["records"], row["head_position"], row["views"]
        )
