"""The overviews a provider recorded as delivered (`report.delivered`), read from the views.

Read by `report --delivered` (is this delivery stored already?) and by the reports page
(each recent half-year: delivered, due or late). A retracted delivery does not stand, as
for the rules (`retracted_now` follows the chain of retractions).
"""

from __future__ import annotations

from domain.facts import Fact
from projections.alert_index import FACT_ROWS, facts_from_rows
from projections.retraction_reads import retracted_now
from store.sql import SqlRunner

DELIVERIES = FACT_ROWS + "WHERE provider_id = ? AND kind = 'provider' AND type = 'report.delivered'"


def delivery(sql: SqlRunner, provider_id: str, event_id: str) -> Fact | None:
    """The stored delivery with this event id (retracted or not), or None."""
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            FACT_ROWS + "WHERE provider_id = ? AND event_id = ?", [provider_id, event_id]
        ).fetchall()
    found = [f for f in facts_from_rows(rows) if f.type == "report.delivered"]
    return found[0] if found else None


def standing_deliveries(sql: SqlRunner, provider_id: str) -> list[Fact]:
    """The provider's deliveries that stand (unretracted), earliest first."""
    with sql.transaction(commit=False) as c:
        facts = facts_from_rows(c.execute(DELIVERIES, [provider_id]).fetchall())
        retracted = retracted_now(c, provider_id, [f.event_id for f in facts]) if facts else set()
    kept = [f for f in facts if f.event_id not in retracted]
    return sorted(kept, key=lambda f: (f.occurred_at, f.event_id))
