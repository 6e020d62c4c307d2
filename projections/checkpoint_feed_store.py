"""The checkpoint feed's bookkeeping: which signed checkpoints reached which topic, and where.

`feed_checkpoints` has one row per published checkpoint `(topic, checkpoint_id)` with the
partition and offset the broker gave it; `feed_positions` (shared with the alert feed, one
row per topic and partition) says up to which offset the topic is accounted for. Both move
in one transaction, as in projections/feed_store.py, so a crash between publishing and
recording is closed at the next start by reading the topic from the recorded position
(consumers/checkpoint_feed.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.feed_store import DDL as FEED_DDL
from projections.feed_store import topic_positions
from projections.measure_views import utc_key
from store.sql import SqlCursor, SqlRunner

DDL = (
    "CREATE TABLE IF NOT EXISTS feed_checkpoints ("
    "topic TEXT NOT NULL, checkpoint_id BIGINT NOT NULL, "
    "kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL, "
    "published_at TEXT NOT NULL, recorded_by TEXT NOT NULL, "
    "PRIMARY KEY (topic, checkpoint_id))",
)
# A conflict on an acknowledged checkpoint means a second feed published it too: fail loudly.
_INSERT = (
    "INSERT INTO feed_checkpoints (topic, checkpoint_id, kafka_partition, kafka_offset, "
    "published_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)"
)
_UPSERT_POSITION = (
    "INSERT INTO feed_positions (topic, kafka_partition, next_offset) VALUES (?, ?, ?) "
    "ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset"
)


@dataclass(frozen=True, slots=True)
class PlacedCheckpoint:
    """Where one checkpoint landed on the topic."""

    checkpoint_id: int
    partition: int
    offset: int


class CheckpointFeedStore:
    """Reads and writes of the checkpoint feed's tables, on the ledger's store."""

    def __init__(self, sql: SqlRunner, topic: str) -> None:
        self.sql = sql
        self.topic = topic

    def create_tables(self) -> None:
        with self.sql.transaction(commit=True) as c:
            for statement in (*FEED_DDL, *DDL):
                c.execute(statement)

    def last_published(self) -> int:
        """The highest checkpoint id recorded as on the topic (0: none yet)."""
        with self.sql.transaction(commit=False) as c:
            row = c.execute(
                "SELECT MAX(checkpoint_id) AS n FROM feed_checkpoints WHERE topic = ?",
                [self.topic],
            ).fetchone()
        return int(row["n"] or 0)

    def record(self, placed: Sequence[PlacedCheckpoint], at: datetime) -> None:
        """Record acknowledged checkpoints and advance the positions past them, atomically."""
        with self.sql.transaction(commit=True) as c:
            c.executemany(_INSERT, [self._row(p, at, "ack") for p in placed])
            self._advance(c, _ends(placed))

    def reconciled(
        self, found: Iterable[PlacedCheckpoint], ends: Mapping[int, int], at: datetime
    ) -> int:
        """Mark checkpoints found on the topic as published; the positions move to `ends`."""
        inserted = 0
        with self.sql.transaction(commit=True) as c:
            self._advance(c, ends)  # a write first: SQLite takes the write lock before reading
            for f in found:
                known = c.execute(
                    "SELECT 1 FROM feed_checkpoints WHERE topic = ? AND checkpoint_id = ?",
                    [self.topic, f.checkpoint_id],
                ).fetchone()
                if known is None:
                    c.execute(_INSERT, self._row(f, at, "reconcile"))
                    inserted += 1
        return inserted

    def positions(self) -> dict[int, int]:
        """Per partition, the offset from which the topic may hold unrecorded checkpoints."""
        return topic_positions(self.sql, self.topic)

    def published(self) -> list[dict[str, Any]]:
        """Every recorded checkpoint of this topic, by id (for tests and audits)."""
        with self.sql.transaction(commit=False) as c:
            rows = c.execute(
                "SELECT checkpoint_id, kafka_partition, kafka_offset, recorded_by "
                "FROM feed_checkpoints WHERE topic = ? ORDER BY checkpoint_id",
                [self.topic],
            ).fetchall()
        return [dict(r) for r in rows]

    def _row(self, p: PlacedCheckpoint, at: datetime, by: str) -> list[Any]:
        return [self.topic, p.checkpoint_id, p.partition, p.offset, utc_key(at), by]

    def _advance(self, c: SqlCursor, ends: Mapping[int, int]) -> None:
        c.executemany(_UPSERT_POSITION, [(self.topic, p, end) for p, end in ends.items()])


def _ends(placed: Iterable[PlacedCheckpoint]) -> dict[int, int]:
    ends: dict[int, int] = {}
    for p in placed:
        ends[p.partition] = max(ends.get(p.partition, 0), p.offset + 1)
    return ends
