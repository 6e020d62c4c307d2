"""The measure views: timeline entries, retractions and current status, kept as one projection.

They are one projection (one tracking position) because the status of a measure is a fold
over its timeline: keeping both in one transaction means status can always be re-folded
from the timeline rows it sits beside, and a rebuild can never leave them at different
positions. Each batch of stored events is applied, with its tracking row, in one
transaction, so a crash between two batches neither skips nor double-applies an event.

Status is maintained incrementally while facts arrive in care order (the common case) and
re-folded from the timeline rows when a fact arrives late or a retraction touches the
measure. The in-memory fold cache is trusted only while this process is the one that last
moved the tracking position.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import orjson
from eventsourcing.persistence import Tracking

from domain.lifecycle import TYPE_RANK, MeasureState, care_order, fold, step
from domain.measure import Stream
from projections.retraction_reads import chain_rows, retracted_now
from store.sql import Dialect, SqlCursor, utc_key

NAME = "measure_views"


def ddl(dialect: Dialect) -> list[str]:
    return [
        # SQLite: the rowid, one B-tree fewer per event (older stores keep BIGINT's index).
        "CREATE TABLE IF NOT EXISTS view_timeline ("
        f"position {'INTEGER' if dialect.name == 'sqlite' else 'BIGINT'} PRIMARY KEY, "
        "kind TEXT NOT NULL, provider_id TEXT NOT NULL, "
        "ref TEXT NOT NULL, client_id TEXT NOT NULL, event_id TEXT NOT NULL, "
        "type TEXT NOT NULL, occurred_at TEXT NOT NULL, occurred_utc TEXT NOT NULL, "
        "type_rank INTEGER NOT NULL, recorded_at TEXT NOT NULL, actor_role TEXT, "
        "actor_id TEXT, source TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_timeline_stream ON view_timeline "
        "(provider_id, kind, ref, occurred_utc, type_rank, event_id)",
        "CREATE INDEX IF NOT EXISTS view_timeline_event ON view_timeline (provider_id, event_id)",
        # With `ref` in it, a client's measures are read from this index alone; without it
        # the planner preferred the stream index and scanned the whole provider per client.
        "DROP INDEX IF EXISTS view_timeline_client",
        "CREATE INDEX IF NOT EXISTS view_timeline_client_ref ON view_timeline "
        "(provider_id, client_id, kind, ref)",
        "CREATE TABLE IF NOT EXISTS view_retractions ("
        "provider_id TEXT NOT NULL, target_event_id TEXT NOT NULL, "
        "retraction_event_id TEXT NOT NULL, occurred_at TEXT NOT NULL, "
        "occurred_utc TEXT NOT NULL, reason TEXT NOT NULL, "
        "PRIMARY KEY (provider_id, target_event_id, retraction_event_id))",
        "CREATE TABLE IF NOT EXISTS view_status ("
        "provider_id TEXT NOT NULL, measure_id TEXT NOT NULL, client_id TEXT NOT NULL, "
        "phase TEXT NOT NULL, framework TEXT, category TEXT, setting TEXT, "
        "emergency INTEGER NOT NULL, proposed_at TEXT, planned_start TEXT, planned_end TEXT, "
        "first_applied_at TEXT, last_applied_at TEXT, ended_at TEXT, end_reason TEXT, "
        "last_occurred_at TEXT, facts INTEGER NOT NULL, next_deadline TEXT, "
        "next_deadline_rule TEXT, PRIMARY KEY (provider_id, measure_id))",
    ]


VIEW_TABLES = ("view_timeline", "view_retractions", "view_status")

_INSERT_RETRACTION = "INSERT INTO view_retractions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
_UPSERT_STATUS = (
    "INSERT INTO view_status VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (provider_id, measure_id) DO UPDATE SET client_id = excluded.client_id, "
    "phase = excluded.phase, framework = excluded.framework, category = excluded.category, "
    "setting = excluded.setting, emergency = excluded.emergency, "
    "proposed_at = excluded.proposed_at, planned_start = excluded.planned_start, "
    "planned_end = excluded.planned_end, first_applied_at = excluded.first_applied_at, "
    "last_applied_at = excluded.last_applied_at, ended_at = excluded.ended_at, "
    "end_reason = excluded.end_reason, last_occurred_at = excluded.last_occurred_at, "
    "facts = excluded.facts, next_deadline = excluded.next_deadline, "
    "next_deadline_rule = excluded.next_deadline_rule"
)
# Every row of the measure, each marked when a retraction names it: only the marked ones
# need the chain read, since a retraction that was itself retracted retracts nothing.
_FOLD_ROWS = (
    "SELECT occurred_at, type, event_id, data, EXISTS (SELECT 1 FROM view_retractions r "
    "WHERE r.provider_id = t.provider_id AND r.target_event_id = t.event_id) AS named "
    "FROM view_timeline t WHERE provider_id = ? AND kind = 'measure' AND ref = ?"
)

#: Measures whose fold is kept in memory (about 1 KiB each). A year interleaved has some
#: ten thousand measures open at once per provider; one evicted is re-folded from its rows.
_CACHE_LIMIT = 20_000


@dataclass(slots=True)
class _Cached:
    state: MeasureState
    client_id: str
    last_key: tuple[datetime, int, str]


class MeasureViews:
    """Applies batches of stored events to the view tables (dialect-agnostic)."""

    def __init__(self, cache_limit: int = _CACHE_LIMIT) -> None:
        """`cache_limit` bounds the fold cache (measures); a miss re-folds from the rows."""
        self.cache_limit = cache_limit
        self._cache: dict[tuple[str, str], _Cached] = {}
        self.trusted_position: int | None = None
        self._complete = False  # the cache holds every measure the views hold

    def forget(self) -> None:
        self._cache.clear()
        self.trusted_position = None
        self._complete = False

    def trust(self, position: int) -> None:
        """The views stand at `position`: keep the cache if it was made there, else drop it.

        An empty cache is right at any position (every measure is then read from its rows);
        a filled one only at the position this process last wrote.
        """
        if position != self.trusted_position:
            self.forget()
            self.trusted_position = position

    def start_empty(self) -> None:
        """The views are empty: a measure missing from the cache is new, not evicted."""
        self._cache.clear()
        self.trusted_position = 0
        self._complete = True

    def apply(self, c: SqlCursor, events: Sequence[tuple[Any, int]]) -> None:
        """Apply `(stored event, position)` pairs; the caller commits them with the tracking."""
        entries = []
        retractions = []
        touched: dict[tuple[str, str], list[tuple[Any, int]]] = {}
        for event, position in events:
            if not isinstance(event, Stream.Recorded):
                continue  # Opened carries nothing the views show
            entries.append(_entry_row(event, position))
            if event.type_name == "event.retracted":
                retractions.append(_retraction_row(event))
            if event.kind == "measure":  # a status row is a measure's, never a provider's
                touched.setdefault((event.provider_id, event.ref), []).append((event, position))
        c.append_rows("view_timeline", entries)
        c.executemany(_INSERT_RETRACTION, retractions)
        refold = self._measures_to_refold(c, events, retractions)
        rows = []
        for key, new in touched.items():
            rows.append(self._status_row(c, key, new, refold=key in refold))
        for key in refold - touched.keys():
            if self._exists(c, key):
                rows.append(self._status_row(c, key, [], refold=True))
        c.executemany(_UPSERT_STATUS, rows)

    def _measures_to_refold(
        self, c: SqlCursor, events: Sequence[tuple[Any, int]], retractions: list[tuple[Any, ...]]
    ) -> set[tuple[str, str]]:
        """Measures whose fold is not a simple step: a retraction touched them either way."""
        refold: set[tuple[str, str]] = set()
        for provider_id, target, *_ in retractions:  # down the chain of retractions
            for row in chain_rows(c, provider_id, target):
                if row["kind"] == "measure":
                    refold.add((provider_id, row["ref"]))
        by_provider: dict[str, list[tuple[str, str]]] = {}
        for event, _ in events:
            if isinstance(event, Stream.Recorded) and event.kind == "measure":
                by_provider.setdefault(event.provider_id, []).append((event.event_id, event.ref))
        for provider_id, pairs in by_provider.items():
            refs = dict(pairs)
            ids = list(refs)
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                c.execute(
                    "SELECT target_event_id FROM view_retractions WHERE provider_id = ? "
                    f"AND target_event_id IN ({marks})",
                    [provider_id, *chunk],
                )
                refold.update((provider_id, refs[r["target_event_id"]]) for r in c.fetchall())
        return refold

    def _status_row(
        self, c: SqlCursor, key: tuple[str, str], new: list[tuple[Any, int]], *, refold: bool
    ) -> tuple[Any, ...]:
        cached = self._cache.get(key)
        ordered = sorted(new, key=lambda pair: _care_key(pair[0]))
        if cached is None and self._complete and not refold:
            cached = _Cached(MeasureState(), "", _MIN_KEY)
        if cached is None or refold or _care_key(ordered[0][0]) < cached.last_key:
            cached = self._refold(c, key)
        else:
            for event, _ in ordered:
                cached.state = step(cached.state, event.type_name, event.occurred_at, event.data)
            cached.last_key = max(cached.last_key, _care_key(ordered[-1][0]))
        # The client is the one the provider named last (highest position), on either path.
        cached.client_id = (
            max(new, key=lambda pair: pair[1])[0].client_id if new else cached.client_id
        )
        self._keep(key, cached)
        return _status_values(key, cached)

    def _keep(self, key: tuple[str, str], cached: _Cached) -> None:
        """Least recently folded out first: bounded memory, busy measures stay."""
        self._cache.pop(key, None)
        if len(self._cache) >= self.cache_limit:
            for old in list(islice(self._cache, max(self.cache_limit // 4, 1))):
                del self._cache[old]
            self._complete = False
        self._cache[key] = cached

    def _refold(self, c: SqlCursor, key: tuple[str, str]) -> _Cached:
        rows = c.execute(_FOLD_ROWS, list(key)).fetchall()
        named = [r["event_id"] for r in rows if r["named"]]
        retracted = retracted_now(c, key[0], named) if named else set()
        facts = [
            (
                datetime.fromisoformat(r["occurred_at"]),
                r["type"],
                r["event_id"],
                json.loads(r["data"]),
            )
            for r in rows
            if r["event_id"] not in retracted
        ]
        state = fold(facts)
        client = c.execute(
            "SELECT client_id FROM view_timeline WHERE provider_id = ? AND kind = 'measure' "
            "AND ref = ? ORDER BY position DESC LIMIT 1",
            list(key),
        ).fetchone()
        last = max((care_order(f[0], f[1], f[2]) for f in facts), default=_MIN_KEY)
        return _Cached(state, client["client_id"] if client else "", last)

    def _exists(self, c: SqlCursor, key: tuple[str, str]) -> bool:
        return (
            c.execute(
                "SELECT 1 FROM view_timeline WHERE provider_id = ? AND kind = 'measure' "
                "AND ref = ? LIMIT 1",
                list(key),
            ).fetchone()
            is not None
        )


_MIN_KEY = (datetime.min.replace(tzinfo=UTC), -1, "")


def _care_key(event: Any) -> tuple[datetime, int, str]:
    return care_order(event.occurred_at, event.type_name, event.event_id)


def _entry_row(event: Any, position: int) -> tuple[Any, ...]:
    return (
        position,
        event.kind,
        event.provider_id,
        event.ref,
        event.client_id,
        event.event_id,
        event.type_name,
        event.occurred_at.isoformat(),
        utc_key(event.occurred_at),
        TYPE_RANK[event.type_name],
        event.timestamp.isoformat(),
        event.actor_role,
        event.actor_id,
        event.source,
        # As json.dumps(separators=(",", ":"), ensure_ascii=False): tests/test_stored_rows.py
        orjson.dumps(event.data).decode(),
    )


def _retraction_row(event: Any) -> tuple[Any, ...]:
    return (
        event.provider_id,
        event.data["retracts_event_id"],
        event.event_id,
        event.occurred_at.isoformat(),
        utc_key(event.occurred_at),
        event.data["reason"],
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _status_values(key: tuple[str, str], cached: _Cached) -> tuple[Any, ...]:
    s = cached.state
    return (
        key[0],
        key[1],
        cached.client_id,
        s.phase,
        s.framework,
        s.category,
        s.setting,
        int(s.emergency),
        _iso(s.proposed_at),
        s.planned_start,
        s.planned_end,
        _iso(s.first_applied_at),
        _iso(s.last_applied_at),
        _iso(s.ended_at),
        s.end_reason,
        _iso(s.last_occurred_at),
        s.facts,
        None,
        None,
    )


def tracking_for(position: int) -> Tracking:
    return Tracking(NAME, position)
