"""The measure views and the alert index as tracking recorders on PostgreSQL.

The dialect's half of `projections/recorders.py` (where the shared behaviour and its reasons
are), apart so that a SQLite store never imports eventsourcing.postgres and psycopg.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL

from projections.alert_changes import ALERT_INDEX_LOCK
from projections.alert_index import ddl as alert_ddl
from projections.measure_views import MeasureViews, ddl
from projections.recorders import AlertIndexMixin, ViewRecorderMixin
from store.sql import POSTGRES, SqlCursor, SqlRunner


class MeasureViewsPostgres(ViewRecorderMixin, PostgresTrackingRecorder):
    dialect = POSTGRES

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.tracking_table = self.tracking_table_name
        self.sql_create_statements.extend(SQL(s) for s in ddl(POSTGRES))  # type: ignore[misc]
        self.runner = SqlRunner(datastore, POSTGRES)
        self.views = MeasureViews()


class AlertIndexPostgres(AlertIndexMixin, PostgresTrackingRecorder):
    def _lock(self, c: SqlCursor) -> None:
        c.execute("SELECT pg_advisory_xact_lock(?)", [ALERT_INDEX_LOCK])

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.tracking_table = self.tracking_table_name
        self.sql_create_statements.extend(SQL(s) for s in alert_ddl(POSTGRES))  # type: ignore[misc]
        self.runner = SqlRunner(datastore, POSTGRES)
