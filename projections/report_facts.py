"""The facts a report is made from: the timeline rows at or below one ledger position.

The measure views are current to the latest position, and their status and retraction
tables have no position of their own; so a report never reads them. It reads
`view_timeline` rows with `position <= N` — every stored event with its two clocks and its
data, the retractions among them — and leaves the folding to `domain.report`, which makes
the report at N a function of the events up to N alone.
"""

from __future__ import annotations

from domain.facts import Fact
from projections.alert_index import FACT_ROWS, facts_from_rows
from store.sql import SqlRunner

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
