"""A measure's next deadline as of a moment, where the stored one does not answer for it.

`view_status.next_deadline` is judged after the measure's last event (alert_index.py), with
everything the ledger knows: right for any moment at or after that event, and so for "now"
nearly always. As of an earlier moment it is wrong the way CONTRACT §2 forbids: it counts
events that occurred later. A review decided on 20 January hides, as of 10 January, the
review that was then due on the 15th. For those rows the deadline is judged again here from
the events that had occurred by then, the way the index judges it: the earliest deadline
after the last of them, so a deadline missed by then stays shown (and overdue).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.engine import next_deadline
from projections.alert_index import (
    FACTS_OF_MEASURE,
    ORDERS_OF_CLIENT,
    facts_from_rows,
    retractions,
)
from store.sql import SqlCursor, SqlRunner


def deadlines_as_of(
    sql: SqlRunner, rulebook: Rulebook, rows: Sequence[dict[str, Any]], as_of: datetime
) -> list[dict[str, Any]]:
    """`rows` (status rows) with `next_deadline` and its rule as of `as_of`.

    Only a row whose measure has an event after `as_of` is judged again (and copied); the
    others are returned as they are, their stored deadline being the answer already.
    """
    later = [i for i, r in enumerate(rows) if _after(r.get("last_occurred_at"), as_of)]
    if not later:
        return list(rows)
    found = list(rows)
    retracted: dict[str, dict[str, datetime]] = {}
    with sql.transaction(commit=False) as c:
        for i in later:
            row = rows[i]
            provider_id = row["provider_id"]
            if provider_id not in retracted:
                retracted[provider_id] = retractions(c, provider_id)
            due = _judged(c, rulebook, row, as_of, retracted[provider_id])
            found[i] = row | {
                "next_deadline": due[0].isoformat() if due else None,
                "next_deadline_rule": due[1] if due else None,
            }
    return found


def _judged(
    c: SqlCursor,
    rulebook: Rulebook,
    row: dict[str, Any],
    as_of: datetime,
    retracted: dict[str, datetime],
) -> tuple[datetime, str] | None:
    provider_id, measure_id = row["provider_id"], row["measure_id"]
    facts = _until(c.execute(FACTS_OF_MEASURE, [provider_id, measure_id]).fetchall(), as_of)
    if not facts:
        return None  # nothing had happened yet: no deadline ran
    client_id = max(facts, key=lambda f: f.position or 0).client_id
    orders = _until(c.execute(ORDERS_OF_CLIENT, [provider_id, client_id]).fetchall(), as_of)
    last = max(f.occurred_at for f in facts)
    return next_deadline(facts, orders, rulebook, last, retracted)


def _until(rows: Sequence[Any], as_of: datetime) -> list[Fact]:
    return [f for f in facts_from_rows(rows) if f.occurred_at <= as_of]


def _after(stamp: str | None, as_of: datetime) -> bool:
    return stamp is not None and datetime.fromisoformat(stamp) > as_of
