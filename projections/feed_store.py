"""The alert feed's own tables: what was published where, and how far the topic is accounted.

`feed_published` has one row per published change `(topic, alert_id, change)` with the
partition and offset the broker gave it and the value as published (the last "opened"
value is what a later withdrawal resolves, after the index has forgotten the alert).
`feed_positions` says, per partition, up to which offset every message on the topic is
known to the store. Both are written in one transaction per batch, so the store never holds
a change without the position that covers it, or the reverse. Written once in portable SQL
(store/sql.py) for SQLite and PostgreSQL. Where a pass looks for what is due — the due set
and its cursor, fed by the alert index's change log — is projections/feed_due.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.alerts import Alert
from domain.feed_changes import FeedChange, Indexed, Withdrawn
from projections import feed_due
from projections.alert_index import ALERT_COLUMNS
from projections.alert_index import NAME as ALERT_INDEX
from projections.measure_views import utc_key
from store.sql import SqlCursor, SqlRunner

DDL = (
    "CREATE TABLE IF NOT EXISTS feed_published ("
    "topic TEXT NOT NULL, alert_id TEXT NOT NULL, change TEXT NOT NULL, "
    "kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL, "
    "published_at TEXT NOT NULL, recorded_by TEXT NOT NULL, provider_id TEXT NOT NULL, "
    "measure_id TEXT, client_id TEXT, payload TEXT NOT NULL, "
    "PRIMARY KEY (topic, alert_id, change))",
    "CREATE TABLE IF NOT EXISTS feed_positions ("
    "topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, next_offset BIGINT NOT NULL, "
    "PRIMARY KEY (topic, kafka_partition))",
)
# A conflict on an acknowledged change means a second feed published it too: fail loudly.
_INSERT = (
    "INSERT INTO feed_published (topic, alert_id, change, kafka_partition, kafka_offset, "
    "published_at, recorded_by, provider_id, measure_id, client_id, payload) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_POSITION = (
    "INSERT INTO feed_positions (topic, kafka_partition, next_offset) VALUES (?, ?, ?) "
    "ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset"
)
# Alerts whose opening has come and that still lack a published change: the definition of
# what a pass publishes, as a scan of the whole index (`scan_pending`). A pass runs the same
# predicates over the feed's due set instead (`DUE_PENDING`, projections/feed_due.py).
_PENDING_WHERE = (
    "a.since_utc <= ? AND (o.alert_id IS NULL OR (r.alert_id IS NULL "
    "AND a.resolved_utc IS NOT NULL AND a.resolved_utc <= ?)) "
    "ORDER BY a.since_utc, a.alert_id LIMIT ?"
)
_PUBLISHED_JOINS = (
    "LEFT JOIN feed_published o ON o.topic = ? AND o.alert_id = a.alert_id AND o.change = 'opened' "
    "LEFT JOIN feed_published r ON r.topic = ? AND r.alert_id = a.alert_id "
    "AND r.change = 'resolved' "
)
_PENDING_COLUMNS = (
    f"SELECT {', '.join('a.' + c for c in ALERT_COLUMNS)}, "
    "o.alert_id AS opened_done, r.alert_id AS resolved_done "
)
SCAN_PENDING = f"{_PENDING_COLUMNS}FROM view_alerts a {_PUBLISHED_JOINS}WHERE {_PENDING_WHERE}"
# CROSS JOIN: SQLite keeps the due set as the outer loop (never the since index's range).
# `since_utc || ''`: the moment is compared on the row found by its id, never as a range of
# the since index (which PostgreSQL would otherwise pick for a large due set, and which is
# every alert that has come due).
DUE_PENDING = (
    f"{_PENDING_COLUMNS}FROM feed_due d CROSS JOIN view_alerts a {_PUBLISHED_JOINS}"
    "WHERE d.topic = ? AND a.alert_id = d.alert_id AND "
    + _PENDING_WHERE.replace("a.since_utc <= ?", "(a.since_utc || '') <= ?", 1)
)
# The subject of a published alert: its measure, or for an authorisation alert the client's
# authorisation facts, or for a provider's own alert (the half-year overview, client '')
# every fact of the provider.
_SUBJECT = (
    "t.provider_id = o.provider_id AND ((o.measure_id IS NOT NULL AND t.kind = 'measure' "
    "AND t.ref = o.measure_id) OR (o.measure_id IS NULL AND t.kind = 'authorization' "
    "AND t.client_id = o.client_id) OR (o.measure_id IS NULL AND o.client_id = ''))"
)
# Opened, never resolved, gone from the index — and only once the index has judged every
# fact of the subject. During a rebuild the index is empty and its position 0 while the
# timeline refills; without this guard every published alert would look withdrawn.
_WITHDRAWN_WHERE = (
    "o.change = 'opened' AND NOT EXISTS (SELECT 1 FROM feed_published r "
    "WHERE r.topic = o.topic AND r.alert_id = o.alert_id AND r.change = 'resolved') "
    "AND NOT EXISTS (SELECT 1 FROM view_alerts a WHERE a.alert_id = o.alert_id) "
    f"AND EXISTS (SELECT 1 FROM view_timeline t WHERE {_SUBJECT}) "
    f"AND NOT EXISTS (SELECT 1 FROM view_timeline t WHERE {_SUBJECT} AND t.position > ?) "
    "ORDER BY o.alert_id LIMIT ?"
)
SCAN_WITHDRAWN = (
    f"SELECT o.payload, o.client_id FROM feed_published o WHERE o.topic = ? AND {_WITHDRAWN_WHERE}"
)


def _subject_has(extra: str) -> str:
    """`_SUBJECT` split in its two cases, each an equality lookup of one timeline index (the
    OR of the scan reads a provider's whole timeline per alert on SQLite)."""
    return (
        "((o.measure_id IS NOT NULL AND EXISTS (SELECT 1 FROM view_timeline t "
        "WHERE t.provider_id = o.provider_id AND t.kind = 'measure' AND t.ref = o.measure_id"
        f"{extra})) OR (o.measure_id IS NULL AND EXISTS (SELECT 1 FROM view_timeline t "
        "WHERE t.provider_id = o.provider_id AND t.client_id = o.client_id "
        f"AND t.kind = 'authorization'{extra})) OR (o.measure_id IS NULL AND o.client_id = '' "
        f"AND EXISTS (SELECT 1 FROM view_timeline t WHERE t.provider_id = o.provider_id{extra})))"
    )


# The scan's withdrawn alerts among the due set: published as opened, not resolved, gone from
# the index, and its subject judged (the judged position is bound twice).
DUE_WITHDRAWN = (
    "SELECT o.payload, o.client_id FROM feed_due d CROSS JOIN feed_published o "
    "WHERE d.topic = ? AND o.topic = d.topic AND o.alert_id = d.alert_id "
    "AND o.change = 'opened' AND NOT EXISTS (SELECT 1 FROM feed_published r "
    "WHERE r.topic = o.topic AND r.alert_id = o.alert_id AND r.change = 'resolved') "
    "AND NOT EXISTS (SELECT 1 FROM view_alerts a WHERE a.alert_id = o.alert_id) "
    f"AND {_subject_has('')} AND NOT {_subject_has(' AND t.position > ?')} "
    "ORDER BY o.alert_id LIMIT ?"
)


def topic_positions(sql: SqlRunner, topic: str) -> dict[int, int]:
    """Per partition of `topic`, the offset up to which every message is known to the store;
    the feed's topics (alert changes, checkpoints) share `feed_positions`."""
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            "SELECT kafka_partition, next_offset FROM feed_positions WHERE topic = ?", [topic]
        ).fetchall()
    return {r["kafka_partition"]: r["next_offset"] for r in rows}


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a change landed on the topic."""

    change: FeedChange
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Found:
    """A change found on the topic by reconciliation: published, perhaps never recorded."""

    alert_id: str
    change: str
    partition: int
    offset: int
    payload: str


class FeedStore:
    """Reads and writes of the feed tables, on the ledger's store."""

    def __init__(self, sql: SqlRunner, topic: str, alert_tracking_table: str) -> None:
        self.sql = sql
        self.topic = topic
        self.alert_tracking_table = alert_tracking_table

    def create_tables(self) -> None:
        with self.sql.transaction(commit=True) as c:
            for statement in (*DDL, *feed_due.DDL):
                c.execute(statement)

    def pending(self, now: datetime, limit: int) -> tuple[list[Indexed], list[Withdrawn]]:
        """Alerts with a change that may be due at `now`, and withdrawn alerts: what
        `scan_pending` finds, read from the due set after absorbing what changed since the
        last pass (projections/feed_due.py)."""
        moment = utc_key(now)
        with self.sql.transaction(commit=False) as c:  # one transaction when nothing is new
            at = feed_due.cursor(c, self.topic)
            if at is not None and not feed_due.has_news(c, at, moment):
                return self._read_due(c, moment, limit)
        with self.sql.transaction(commit=True) as c:
            feed_due.absorb(c, self.topic, moment)
        with self.sql.transaction(commit=False) as c:
            return self._read_due(c, moment, limit)

    def _read_due(
        self, c: SqlCursor, moment: str, limit: int
    ) -> tuple[list[Indexed], list[Withdrawn]]:
        if c.execute(feed_due.ANY_DUE, [self.topic]).fetchone() is None:
            return [], []
        return self._read(c, DUE_PENDING, DUE_WITHDRAWN, [self.topic], moment, limit)

    def scan_pending(self, now: datetime, limit: int) -> tuple[list[Indexed], list[Withdrawn]]:
        """The same answer as `pending` by scanning the whole index: the reference definition
        (tests compare the two); its cost grows with every alert stored."""
        with self.sql.transaction(commit=False) as c:
            return self._read(c, SCAN_PENDING, SCAN_WITHDRAWN, [], utc_key(now), limit)

    def _read(
        self, c: SqlCursor, pending: str, withdrawn: str, due: list[Any], moment: str, limit: int
    ) -> tuple[list[Indexed], list[Withdrawn]]:
        topic = self.topic
        rows = c.execute(pending, [topic, topic, *due, moment, moment, limit]).fetchall()
        judged = self._alert_index_position(c)
        positions = [judged] * withdrawn.count("t.position > ?")
        gone = c.execute(withdrawn, [topic, *positions, limit]).fetchall()
        indexed = [
            Indexed(
                _alert(r),
                r["client_id"],
                opened=r["opened_done"] is not None,
                resolved=r["resolved_done"] is not None,
            )
            for r in rows
        ]
        return indexed, [
            Withdrawn(Alert.model_validate_json(r["payload"]), r["client_id"]) for r in gone
        ]

    def record(self, placed: Sequence[Placed], at: datetime) -> None:
        """Record acknowledged changes and advance the positions past them, atomically."""
        ends: dict[int, int] = {}
        for p in placed:
            ends[p.partition] = max(ends.get(p.partition, 0), p.offset + 1)
        rows = [
            (
                self.topic, p.change.alert_id, p.change.change, p.partition, p.offset,
                utc_key(at), "ack", p.change.value.provider_id, p.change.value.measure_id,
                p.change.client_id, p.change.value.model_dump_json(by_alias=True),
            )
            for p in placed
        ]  # fmt: skip
        with self.sql.transaction(commit=True) as c:
            c.executemany(_INSERT, rows)
            self._advance(c, ends)
            feed_due.prune(c, self.topic, [p.change.alert_id for p in placed])

    def reconciled(self, found: Iterable[Found], ends: Mapping[int, int], at: datetime) -> int:
        """Mark changes found on the topic as published; the positions move to `ends`."""
        inserted = 0
        with self.sql.transaction(commit=True) as c:
            self._advance(c, ends)  # a write first: SQLite takes the write lock before reading
            for f in found:
                known = c.execute(
                    "SELECT 1 FROM feed_published WHERE topic = ? AND alert_id = ? AND change = ?",
                    [self.topic, f.alert_id, f.change],
                ).fetchone()
                if known is None:  # a message read twice (or recorded after all): skip it
                    c.execute(_INSERT, self._found_row(c, f, at))
                    inserted += 1
            feed_due.prune(c, self.topic, [f.alert_id for f in found])
        return inserted

    def positions(self) -> dict[int, int]:
        """Per partition, the offset from which the topic may hold unrecorded changes."""
        return topic_positions(self.sql, self.topic)

    def published(self) -> list[dict[str, Any]]:
        """Every recorded change of this topic, in publication order (for tests and audits)."""
        with self.sql.transaction(commit=False) as c:
            rows = c.execute(
                "SELECT alert_id, change, kafka_partition, kafka_offset, recorded_by "
                "FROM feed_published WHERE topic = ? ORDER BY kafka_partition, kafka_offset",
                [self.topic],
            ).fetchall()
        return [
            {
                "alert_id": r["alert_id"],
                "change": r["change"],
                "partition": r["kafka_partition"],
                "offset": r["kafka_offset"],
                "recorded_by": r["recorded_by"],
            }
            for r in rows
        ]

    def _found_row(self, c: SqlCursor, f: Found, at: datetime) -> list[Any]:
        value = json.loads(f.payload)
        client = c.execute(
            "SELECT client_id FROM view_alerts WHERE alert_id = ?", [f.alert_id]
        ).fetchone()
        return [
            self.topic, f.alert_id, f.change, f.partition, f.offset, utc_key(at), "reconcile",
            value["provider_id"], value.get("measure_id"),
            client["client_id"] if client else None, f.payload,
        ]  # fmt: skip

    def _advance(self, c: SqlCursor, ends: Mapping[int, int]) -> None:
        c.executemany(_UPSERT_POSITION, [(self.topic, p, end) for p, end in ends.items()])

    def _alert_index_position(self, c: SqlCursor) -> int:
        row = c.execute(
            f"SELECT MAX(notification_id) AS n FROM {self.alert_tracking_table} "
            "WHERE application_name = ?",
            [ALERT_INDEX],
        ).fetchone()
        return int(row["n"] or 0) if row is not None else 0


def _alert(row: Any) -> Alert:
    """The alert with its whole interval, as the index holds it (status is set per change)."""
    return Alert(
        alert_id=row["alert_id"],
        rule=row["rule"],
        severity=row["severity"],
        status="open",
        provider_id=row["provider_id"],
        measure_id=row["measure_id"],
        framework=row["framework"],
        category=row["category"],
        since=datetime.fromisoformat(row["since"]),
        resolved_at=datetime.fromisoformat(row["resolved_at"]) if row["resolved_at"] else None,
        rulebook_version=row["rulebook_version"],
        message=row["message"],
        evidence=tuple(json.loads(row["evidence"])),
    )
