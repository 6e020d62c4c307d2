"""The measure views as tracking recorders of the eventsourcing library, on either store.

A view recorder writes the view rows and the tracking position in one transaction (STYLE
point 7). The two classes differ only in their library base and SQL dialect; the
PostgreSQL ones are in `projections/recorders_postgres.py`, imported only for a PostgreSQL
store (eventsourcing.postgres loads psycopg, a seventh of a second at every start), and
`recorder_classes` picks the pair for a dialect.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

from domain.rulebook import Rulebook
from projections.alert_index import NAME as ALERTS
from projections.alert_index import AlertIndex
from projections.alert_index import ddl as alert_ddl
from projections.deferred_writes import DeferredWrites
from projections.measure_views import NAME, VIEW_TABLES, MeasureViews, ddl, tracking_for
from store.batch_append import Written
from store.sql import SQLITE, Dialect, SqlCursor, SqlRunner

BULK_CACHE_KIB = 256 * 1024


class ViewRecorderMixin:
    dialect: Dialect
    runner: SqlRunner
    views: MeasureViews
    tracking_table: str

    def apply_batch(self, events: Sequence[tuple[Any, int]], tracking: Tracking) -> None:
        try:
            with self.runner.transaction(commit=True) as c:
                self.views.apply(c, events)
                self._insert_tracking(c.raw, tracking)  # type: ignore[attr-defined]
        except BaseException:
            self.views.forget()
            raise
        self.views.trusted_position = tracking.notification_id

    def apply_within(self, c: SqlCursor, written: Written) -> None:
        """Apply a batch in the transaction that stores it, if the views stand just before it.

        Then the views can never lag the events they show, and nothing is read back. Views
        that are behind (`submit(project=False)`, a store written before this path) are left
        to the projector, which catches up from their position after the commit. Call
        `settle` once the transaction has ended.
        """
        position = self._max_tracking_id(NAME, c.raw) or 0  # type: ignore[attr-defined]
        if position != written.head_before or not written.events:
            return
        if position == 0 and self.views.trusted_position is None:
            self.views.start_empty()
        self.views.trust(position)
        last = written.events[-1][1]
        self.views.apply(c, written.events)
        self._insert_tracking(c.raw, tracking_for(last))  # type: ignore[attr-defined]
        self._applied_within = last

    def settle(self, *, committed: bool) -> None:
        """After `apply_within`'s transaction: trust the cache it left, or drop it."""
        applied, self._applied_within = getattr(self, "_applied_within", None), None
        if applied is None:
            return
        if committed:
            self.views.trusted_position = applied
        else:
            self.views.forget()

    def position(self) -> int:
        position = self.max_tracking_id(NAME) or 0  # type: ignore[attr-defined]
        if position == 0 and self.views.trusted_position is None:
            self.views.start_empty()
        return position

    @contextlib.contextmanager
    def bulk_cache(self) -> Iterator[None]:
        """A larger SQLite page cache while rebuilding: the stream and client indexes take
        their rows in random order on interleaved data, and the default 2 MiB cache then
        rereads index pages for every batch. Back to the default afterwards."""
        if self.dialect is not SQLITE:
            yield
            return
        self._cache_size(-BULK_CACHE_KIB)
        try:
            yield
        finally:
            self._cache_size(-2000)

    def _cache_size(self, size: int) -> None:
        with self.runner.transaction(commit=True) as c:
            c.execute(f"PRAGMA cache_size = {int(size)}")

    def reset(self) -> None:
        """Empty the views and their position, so they can be rebuilt from zero."""
        with self.runner.transaction(commit=True) as c:
            for table in VIEW_TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute(f"DELETE FROM {self.tracking_table} WHERE application_name = ?", [NAME])
        self.views.forget()
        self.views.start_empty()


class MeasureViewsSQLite(ViewRecorderMixin, SQLiteTrackingRecorder):
    dialect = SQLITE
    tracking_table = "tracking"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.runner = SqlRunner(datastore, SQLITE)
        self.views = MeasureViews()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *ddl(SQLITE)]


class RulebookChangedError(Exception):
    """The index was judged by other rules than this process has; re-judging is deliberate."""

    def __init__(self, stored: str, current: Rulebook) -> None:
        super().__init__(
            f"the alert index was judged by other rules ({stored}) than this process has "
            f"(rulebook {current.version} with its policy settings); run "
            "`measure-ledger rebuild` to judge every measure again with these rules, or use "
            "the same LEDGER_RULEBOOK_VERSION, LEDGER_POLICY, LEDGER_PROVIDER_PROFILES and "
            "LEDGER_ONBOARDING as the process that judged it"
        )


class AlertIndexMixin:
    """The alert index as a tracking recorder: intervals and position in one transaction."""

    runner: SqlRunner
    index: AlertIndex
    tracking_table: str
    chunk = 50_000  # positions judged per transaction: bounds how long a writer waits

    def position(self) -> int:
        return self.max_tracking_id(ALERTS) or 0  # type: ignore[attr-defined]

    def refresh(
        self,
        upto: int,
        progress: Callable[[int], None] | None = None,
        until: Callable[[], bool] | None = None,
    ) -> int:
        """Judge every measure the timeline rows up to `upto` touched; return how many.

        Each chunk is judged on a read snapshot, holding no lock, and its writes replayed in
        a short write transaction (`projections/deferred_writes.py`): a writer storing
        events meanwhile waits for that replay only, not for the rules. The replay first
        takes the index's lock (SQLite: the write lock; PostgreSQL: an advisory lock) and
        reads the position again; if another refresher moved it since the snapshot, the
        chunk is judged again from there, so two processes refreshing at once never write
        judgements over each other's. `until` is asked after each chunk: True ends the
        refresh there, with what it judged so far recorded.
        """
        with self.runner.transaction(commit=False) as c:
            if self.index.judged_by_other_rules(c):
                raise RulebookChangedError(self.index.stored_rules(c), self.index.rulebook)
        judged = 0
        # Within one refresh every row up to `upto` is already in the views, so a measure
        # judged for one chunk needs no judging for the next (see AlertIndex.apply).
        seen: set[tuple[str, str, str]] = set()
        while True:
            chunk_seen = set(seen)  # kept only if the chunk's writes commit
            with self.runner.snapshot() as r:
                position = self._max_tracking_id(ALERTS, r.raw) or 0  # type: ignore[attr-defined]
                if position >= upto:
                    return judged
                end = min(position + self.chunk, upto)
                deferred = DeferredWrites(r)
                count = self.index.apply(deferred, position, end, chunk_seen)  # type: ignore[arg-type]
                self.index.record_rules(deferred)  # type: ignore[arg-type]
            try:
                with self.runner.transaction(commit=True) as c:
                    self._lock(c)
                    if (self._max_tracking_id(ALERTS, c.raw) or 0) != position:  # type: ignore[attr-defined]
                        continue  # another refresher moved the index: judge from there
                    deferred.replay(c)
                    self._insert_tracking(c.raw, Tracking(ALERTS, end))  # type: ignore[attr-defined]
            except IntegrityError:
                continue  # another process got there first: read its position again
            judged, seen = judged + count, chunk_seen
            if progress:
                progress(end - position)
            if until is not None and until():
                return judged

    def _lock(self, c: SqlCursor) -> None:
        """Serialise refreshes; SQLite's BEGIN IMMEDIATE already did.

        On SQLite, also keep statement journals in memory: the change-log triggers
        (projections/alert_changes.py) make every alert insert a statement that writes two
        tables, which SQLite journals per statement, in a temporary file by default — that
        tripled the cost of writing an alert row (`bench/bench_feed.py --log-cost`). The
        setting is the connection's, and the ledger keeps no temporary tables it could drop.
        """
        if self.runner.dialect is SQLITE:
            c.execute("PRAGMA temp_store = MEMORY")

    def reset(self) -> None:
        """Empty the index; every alert's deletion is logged (projections/alert_changes.py)."""
        with self.runner.transaction(commit=True) as c:
            self._lock(c)  # a writer of view_alerts, like a refresh: log order is commit order
            c.execute("DELETE FROM view_alerts")
            c.execute("DELETE FROM view_alert_rulebook")
            c.execute("UPDATE view_status SET next_deadline = NULL, next_deadline_rule = NULL")
            c.execute(f"DELETE FROM {self.tracking_table} WHERE application_name = ?", [ALERTS])


class AlertIndexSQLite(AlertIndexMixin, SQLiteTrackingRecorder):
    tracking_table = "tracking"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.runner = SqlRunner(datastore, SQLITE)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *alert_ddl(SQLITE)]


def recorder_classes(dialect: Dialect) -> tuple[type[Any], type[Any]]:
    """The view recorder and the alert-index recorder for a store of this dialect."""
    if dialect is SQLITE:
        return MeasureViewsSQLite, AlertIndexSQLite
    from projections.recorders_postgres import AlertIndexPostgres, MeasureViewsPostgres

    return MeasureViewsPostgres, AlertIndexPostgres
