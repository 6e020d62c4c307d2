"""The facts a report is made from: the timeline rows at or below one ledger position.

The measure views are current to the latest position, and their status and retraction
tables have no position of their own; so a report never reads them. It reads
`view_timeline` rows with `position <= N` — every stored event with its two clocks and its
data, the retractions among them — and leaves the folding to `domain.report`, which makes
the report at N a function of the events up to N alone. The one exception is read only when
it is the same thing: the critical alerts of the alert index, when the index stands at N.
"""

from __future__ import annotations

from datetime import datetime

from domain.facts import Fact
from projections.alert_index import FACT_ROWS, facts_from_rows
from store.sql import SqlRunner, utc_key

FACTS_UP_TO = FACT_ROWS + "WHERE position <= ? ORDER BY position"
PROVIDER_FACTS_UP_TO = FACT_ROWS + "WHERE provider_id = ? AND position <= ? ORDER BY position"
PROVIDERS_UP_TO = "SELECT DISTINCT provider_id FROM view_timeline WHERE position <= ?"


def facts_up_to(sql: SqlRunner, position: int, provider_id: str | None = None) -> list[Fact]:
    """Every stored fact at positions <= `position` (of one provider, if given)."""
    with sql.transaction(commit=False) as c:
        if provider_id is None:
            rows = c.execute(FACTS_UP_TO, [position]).fetchall()
        else:
            rows = c.execute(PROVIDER_FACTS_UP_TO, [provider_id, position]).fetchall()
    return facts_from_rows(rows)


CRITICAL_IN_PERIOD = (
    "SELECT provider_id, rule, measure_id FROM view_alerts "
    "WHERE severity = 'critical' AND measure_id IS NOT NULL "
    "AND since_utc < ? AND (resolved_utc IS NULL OR resolved_utc > ?)"
)


def critical_alerts_in(
    sql: SqlRunner, start: datetime, end: datetime, provider_id: str | None = None
) -> dict[str, dict[str, set[str]]]:
    """provider -> rule -> measures with a critical alert open at some moment of [start, end).

    Read from the alert index as it stands: the caller makes sure it stands at the report's
    position (`ledger.reporting`), else these are judgements over other facts.
    """
    query, params = CRITICAL_IN_PERIOD, [utc_key(end), utc_key(start)]
    if provider_id is not None:
        query, params = query + " AND provider_id = ?", [*params, provider_id]
    found: dict[str, dict[str, set[str]]] = {}
    with sql.transaction(commit=False) as c:
        for r in c.execute(query, params).fetchall():
            found.setdefault(r["provider_id"], {}).setdefault(r["rule"], set()).add(r["measure_id"])
    return found
