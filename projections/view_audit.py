"""`verify --views`: recompute every projection from the stored events and compare.

Every read (`status`, `timeline`, `alerts`, the feed) trusts the view tables; the hash
chain covers only the events. So an auditor recomputes the views: the same recorders that
keep the stored views are run from zero into a scratch SQLite file in a temporary
directory, over the stored events read in position order, and the two sets of tables are
then compared row by row in primary-key order, a page at a time on each side. Memory stays
flat (the fold cache is bounded, pages are keyset-paged); the scratch file is removed
afterwards. The store itself is only read.

The recompute stops where the stored projections stand, so a store whose views lag the
events (normal between a batch and its projection) compares equal: the measure views up to
their tracking position, the alert index up to its own (it trails the views and is judged
on the timeline as it stood at its position, which is the order the refresh replays).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.sqlite import SQLiteDatastore

from domain.rulebook import Rulebook
from projections.alert_index import AlertIndex
from projections.measure_views import MeasureViews, tracking_for
from projections.recorders import AlertIndexSQLite, MeasureViewsSQLite
from store.sql import SQLITE, SqlRunner

BATCH = 2000
PAGE = 5000
#: Measures whose fold the recompute keeps in memory: small, so memory does not grow with
#: the store (a miss re-folds from the scratch rows; measured no slower at 200k events).
AUDIT_CACHE_LIMIT = 5000

#: Each compared table with its primary key; `True` marks a text column (compared in
#: binary order on both stores, so the two sides page in the same order).
TABLE_KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    "view_timeline": (("position", False),),
    "view_retractions": (
        ("provider_id", True),
        ("target_event_id", True),
        ("retraction_event_id", True),
    ),
    "view_status": (("provider_id", True), ("measure_id", True)),
    "view_alert_rulebook": (("id", False),),
    "view_alerts": (("alert_id", True),),
}


@dataclass(frozen=True, slots=True)
class Positions:
    """Where the stored projections stand: the measure views and the alert index."""

    views: int
    alerts: int


@dataclass
class ViewDifference:
    """The first view row that is not what the events give."""

    table: str
    key: dict[str, Any]
    column: str | None  # None: the whole row is missing on one side
    stored: Any
    recomputed: Any


@dataclass
class ViewsReport:
    views_position: int = 0
    alerts_position: int = 0
    rows: int = 0  # rows compared, over every table
    difference: ViewDifference | None = None
    tables: list[str] = field(default_factory=lambda: list(TABLE_KEYS))
    moved: bool = False  # a writer moved the views during the comparison: not conclusive

    @property
    def equal(self) -> bool:
        return self.difference is None


def audit_views(
    app: Application[UUID],
    stored: SqlRunner,
    rulebook: Rulebook,
    positions: Positions,
    progress: Callable[[int], None] = lambda _n: None,
) -> ViewsReport:
    """Recompute the projections up to `positions` and name the first differing row."""
    report = ViewsReport(positions.views, positions.alerts)
    report.difference = _positions_beyond(app, positions)
    if report.difference is not None:
        return report
    with tempfile.TemporaryDirectory(prefix="measure-ledger-views-") as scratch_dir:
        datastore = SQLiteDatastore(str(Path(scratch_dir) / "views.db"))
        try:
            scratch = SqlRunner(datastore, SQLITE)
            _recompute(app, datastore, rulebook, positions, progress)
            report.difference = _compare(stored, scratch, report)
        finally:
            datastore.close()
    return report


def _positions_beyond(app: Application[UUID], positions: Positions) -> ViewDifference | None:
    """A tracking position past what exists would make the projector skip what comes next."""
    last = app.recorder.max_notification_id() or 0
    for name, stored, limit in (
        ("measure_views", positions.views, last),
        ("alert_index", positions.alerts, positions.views),
    ):
        if stored > limit:
            return ViewDifference(
                "tracking", {"application_name": name}, "notification_id", stored, limit
            )
    return None


def _recompute(
    app: Application[UUID],
    datastore: SQLiteDatastore,
    rulebook: Rulebook,
    positions: Positions,
    progress: Callable[[int], None],
) -> None:
    views = MeasureViewsSQLite(datastore)
    views.views = MeasureViews(cache_limit=AUDIT_CACHE_LIMIT)
    views.create_table()
    views.position()  # an empty scratch: every measure starts new
    alerts = AlertIndexSQLite(datastore)
    alerts.create_table()
    alerts.index = AlertIndex(rulebook)
    upto_alerts = min(positions.alerts, positions.views)
    after = _replay(app, views, 0, upto_alerts, progress)
    if upto_alerts:
        alerts.refresh(upto_alerts)
    _replay(app, views, after, positions.views, progress)


def _replay(
    app: Application[UUID],
    views: MeasureViewsSQLite,
    after: int,
    upto: int,
    progress: Callable[[int], None],
) -> int:
    """Apply the stored events `(after, upto]` to the scratch views; return where it ended."""
    while after < upto:
        notifications = app.recorder.select_notifications(
            after, BATCH, stop=upto, inclusive_of_start=False
        )
        if not notifications:
            break
        events = [(app.mapper.to_domain_event(n), n.id) for n in notifications]
        views.apply_batch(events, tracking_for(notifications[-1].id))
        progress(notifications[-1].id - after)
        after = notifications[-1].id
    return after


def _compare(stored: SqlRunner, scratch: SqlRunner, report: ViewsReport) -> ViewDifference | None:
    for table, keys in TABLE_KEYS.items():
        columns = _columns(scratch, table)
        ours = _rows(stored, table, keys, columns)
        theirs = _rows(scratch, table, keys, columns)
        difference = _first_difference(table, [k for k, _ in keys], columns, ours, theirs, report)
        if difference is not None:
            return difference
    return None


def _first_difference(
    table: str,
    keys: list[str],
    columns: list[str],
    stored_rows: Iterator[tuple[Any, ...]],
    recomputed_rows: Iterator[tuple[Any, ...]],
    report: ViewsReport,
) -> ViewDifference | None:
    """Merge the two key-ordered streams; the first key or value that differs is named."""
    at = [columns.index(k) for k in keys]
    stored, recomputed = next(stored_rows, None), next(recomputed_rows, None)
    while stored is not None or recomputed is not None:
        report.rows += 1
        stored_key = tuple(stored[i] for i in at) if stored is not None else None
        recomputed_key = tuple(recomputed[i] for i in at) if recomputed is not None else None
        if recomputed_key is None or (stored_key is not None and stored_key < recomputed_key):
            return ViewDifference(
                table, dict(zip(keys, stored_key, strict=True)), None, "row", None
            )  # type: ignore[arg-type]
        if stored_key is None or recomputed_key < stored_key:
            return ViewDifference(
                table, dict(zip(keys, recomputed_key, strict=True)), None, None, "row"
            )
        for column, ours, theirs in zip(columns, stored, recomputed, strict=True):  # type: ignore[arg-type]
            if ours != theirs:
                return ViewDifference(
                    table, dict(zip(keys, stored_key, strict=True)), column, ours, theirs
                )
        stored, recomputed = next(stored_rows, None), next(recomputed_rows, None)
    return None


def _columns(runner: SqlRunner, table: str) -> list[str]:
    with runner.transaction(commit=False) as c:
        return [r["name"] for r in c.execute(f"PRAGMA table_info({table})").fetchall()]


def _rows(
    runner: SqlRunner,
    table: str,
    keys: Sequence[tuple[str, bool]],
    columns: list[str],
) -> Iterator[tuple[Any, ...]]:
    """Every row of `table` as a tuple of `columns`, in key order, keyset-paged."""
    collate = ' COLLATE "C"' if runner.dialect.name == "postgresql" else ""
    ordered = [f"{name}{collate}" if text else name for name, text in keys]
    key_list = ", ".join(ordered)
    select = f"SELECT {', '.join(columns)} FROM {table}"
    at = [columns.index(name) for name, _ in keys]
    after: tuple[Any, ...] | None = None
    while True:
        where, params = "", []
        if after is not None:
            where = f" WHERE ({key_list}) > ({', '.join('?' * len(after))})"
            params = list(after)
        with runner.transaction(commit=False) as c:
            page = c.execute(
                f"{select}{where} ORDER BY {key_list} LIMIT ?", [*params, PAGE]
            ).fetchall()
        for row in page:
            yield tuple(row[column] for column in columns)
        if len(page) < PAGE:
            return
        last = page[-1]
        after = tuple(last[columns[i]] for i in at)
