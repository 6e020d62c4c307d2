"""The indexes the API's reads stand on (`projections/*_reads.py`), created with the alert index.

They are listed in the alert index's DDL (it runs after the measure views', whose tables
some of them index) with `IF NOT EXISTS`, so a store written before them gets them the next
time it is opened. Each is there for a read that would otherwise scan a table that grows with
the ledger; tests/test_query_plans.py checks that the reads use them.
"""

from __future__ import annotations

from store.sql import Dialect

#: One field of a timeline row's stored JSON as text. The location index and the reads that
#: filter on a location must write it identically, or the planner cannot match the two.
JSON_FIELD = {
    "sqlite": "json_extract({column}, '$.{field}')",
    "postgresql": "(({column})::jsonb ->> '{field}')",
}


def json_field(dialect: Dialect, column: str, field: str) -> str:
    return JSON_FIELD[dialect.name].format(column=column, field=field)


def ddl(dialect: Dialect) -> list[str]:
    location = json_field(dialect, "data", "location_id")
    return [
        # The alert list, most severe first: one range per severity in page order, for every
        # provider and per provider. With `resolved_utc` and `rule` in them, the open and rule
        # filters skip rows without reading them, and a provider's counts read no table row.
        "CREATE INDEX IF NOT EXISTS view_alerts_page ON view_alerts "
        "(severity, since_utc, alert_id, resolved_utc, rule)",
        "CREATE INDEX IF NOT EXISTS view_alerts_provider_page ON view_alerts "
        "(provider_id, severity, since_utc, alert_id, resolved_utc, rule)",
        # Open alerts per rule and severity over every provider: read in group order from the
        # index alone (a sort of a million LATE-REGISTRATION rows took a second).
        "CREATE INDEX IF NOT EXISTS view_alerts_counts ON view_alerts "
        "(rule, severity, since_utc, resolved_utc)",
        # The measures at a location, across providers: only proposals name one.
        f"CREATE INDEX IF NOT EXISTS view_timeline_location ON view_timeline "
        f"({location}, provider_id, ref) WHERE type = 'measure.proposed'",
        # A provider's newest event ("last ingest"), however long ago it was.
        "CREATE INDEX IF NOT EXISTS view_timeline_provider_position ON view_timeline "
        "(provider_id, position)",
        # A client's measures, in measure order, without reading the provider's others.
        "CREATE INDEX IF NOT EXISTS view_status_client ON view_status "
        "(provider_id, client_id, measure_id)",
        # What falls due (the overview), and the overdue filter: a range of this index.
        "CREATE INDEX IF NOT EXISTS view_status_deadline ON view_status (next_deadline)",
        # Measures per framework and phase (the overview) from the index alone.
        "CREATE INDEX IF NOT EXISTS view_status_phase ON view_status (framework, phase)",
    ]
