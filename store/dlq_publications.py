"""Which dead letters are already on a DLQ topic: one DLQ message per origin, across restarts.

A consumer that crashes after publishing dead letters but before committing its offsets reads
the same malformed messages again. The dead-letter store absorbs them (keyed by source), and
this table tells the DLQ publisher that their copies are already on the topic, so the topic
holds one message per origin `topic/partition@offset`.

A publication is recorded only after the broker acknowledged it. A crash between the two
leaves messages on the topic that this table does not know; they all lie at or after the
positions recorded here, because positions move only when a reconciliation has read a
partition up to that offset (consumers/kafka_dlq_reconcile.py). Reading from there to the
end at start closes the gap before anything is published again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from store.sql import SqlRunner

DDL = (
    "CREATE TABLE IF NOT EXISTS ledger_dlq_published ("
    "dlq_topic TEXT NOT NULL, source TEXT NOT NULL, dlq_partition INTEGER, dlq_offset INTEGER, "
    "published_at TEXT NOT NULL, PRIMARY KEY (dlq_topic, source))",
    "CREATE TABLE IF NOT EXISTS ledger_dlq_positions ("
    "dlq_topic TEXT NOT NULL, dlq_partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, "
    "PRIMARY KEY (dlq_topic, dlq_partition))",
)
# Bound on the IN (...) list of one lookup; a poll of 2000 records stays in a few statements.
LOOKUP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Published:
    """A dead letter's copy on the DLQ topic: its origin `source` and where it landed."""

    source: str
    dlq_partition: int | None
    dlq_offset: int | None


class DlqPublications:
    def __init__(self, runner: SqlRunner) -> None:
        self.runner = runner

    def create_tables(self) -> None:
        with self.runner.transaction(commit=True) as c:
            for statement in DDL:
                c.execute(statement)

    def published(self, dlq_topic: str, sources: Iterable[str]) -> set[str]:
        """The subset of `sources` whose dead letter is already on `dlq_topic`."""
        wanted = sorted(set(sources))
        found: set[str] = set()
        with self.runner.transaction(commit=False) as c:
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                chunk = wanted[start : start + LOOKUP_CHUNK]
                marks = ", ".join("?" * len(chunk))
                rows = c.execute(
                    "SELECT source FROM ledger_dlq_published "
                    f"WHERE dlq_topic = ? AND source IN ({marks})",
                    [dlq_topic, *chunk],
                ).fetchall()
                found.update(r["source"] for r in rows)
        return found

    def record(self, dlq_topic: str, published: Sequence[Published]) -> None:
        """Remember acknowledged (or found) copies; a source recorded before stays as it was."""
        if not published:
            return
        now = datetime.now(UTC).isoformat()
        rows = [(dlq_topic, p.source, p.dlq_partition, p.dlq_offset, now) for p in published]
        with self.runner.transaction(commit=True) as c:
            c.executemany(
                "INSERT INTO ledger_dlq_published (dlq_topic, source, dlq_partition, dlq_offset, "
                "published_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )

    def positions(self, dlq_topic: str) -> dict[int, int]:
        """Per DLQ partition, the offset before which a reconciliation has read everything."""
        with self.runner.transaction(commit=False) as c:
            rows = c.execute(
                "SELECT dlq_partition, next_offset FROM ledger_dlq_positions WHERE dlq_topic = ?",
                [dlq_topic],
            ).fetchall()
        return {int(r["dlq_partition"]): int(r["next_offset"]) for r in rows}

    def reconciled(
        self, dlq_topic: str, found: Sequence[Published], ends: Mapping[int, int]
    ) -> None:
        """Record what a reconciliation found and move each partition's position to the end
        it read (never backwards: another consumer may have read further)."""
        self.record(dlq_topic, found)
        with self.runner.transaction(commit=True) as c:
            for partition, end in ends.items():
                c.execute(
                    "INSERT INTO ledger_dlq_positions (dlq_topic, dlq_partition, next_offset) "
                    "VALUES (?, ?, ?) ON CONFLICT (dlq_topic, dlq_partition) DO UPDATE SET "
                    "next_offset = CASE WHEN excluded.next_offset > "
                    "ledger_dlq_positions.next_offset THEN excluded.next_offset "
                    "ELSE ledger_dlq_positions.next_offset END",
                    [dlq_topic, partition, end],
                )
