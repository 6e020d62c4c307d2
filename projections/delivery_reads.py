"""The overviews a provider recorded as delivered (`report.delivered`), read from the views.

Read by `report --delivered` (is this delivery stored already?) and by the reports page
(each recent half-year: delivered, due or late). A retracted delivery does not stand, as
for the rules (`retracted_now` follows the chain of retractions).

The inspectorate's question is the other way round: which providers gave compulsory care in
a half-year and sent no overview by its day. That is what the rules WZD-IGJ-OVERVIEW and
WVGGZ-IGJ-OVERVIEW already judged (care found in the report's own way, deliveries that
stand), so `overdue_overviews` reads their alerts: a range of the per-rule index, whatever
the number of providers or events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.alerts import Alert
from domain.facts import Fact
from domain.report.deadline import due, period_late_from
from domain.report.period import HalfYear
from domain.rules.overview_delivery import OVERVIEW_RULES
from projections.alert_index import ALERT_COLUMNS, FACT_ROWS, facts_from_rows
from projections.queries import alert_from_row
from projections.retraction_reads import retracted_now
from store.sql import SqlRunner, utc_key

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


#: The overview alerts that began in a window, newest first: `view_alerts_counts` is led by
#: the rule, so each rule is one range of it.
OVERVIEW_ALERTS = (
    f"SELECT {', '.join(ALERT_COLUMNS)} FROM view_alerts "
    "WHERE rule IN ({rules}) AND since_utc >= ? AND since_utc <= ?{scope} "
    "ORDER BY since_utc DESC, provider_id, rule LIMIT ?"
)


@dataclass(frozen=True, slots=True)
class OverdueOverview:
    """A half-year's overview of one law that was not delivered by its day."""

    provider_id: str
    period: HalfYear
    law: str
    day: date  # its delivery day, inclusive
    alert: Alert  # open: still not delivered; resolved: delivered late, at `resolved_at`


def overdue_overviews(
    sql: SqlRunner,
    since: datetime,
    now: datetime,
    providers: Sequence[str] | None,
    limit: int,
) -> list[OverdueOverview]:
    """The overviews late at some moment from `since` to `now`, as of `now`, newest day first;
    `providers` None: every provider."""
    rules = list(OVERVIEW_RULES.values())
    scope, params = "", [*rules, utc_key(since), utc_key(now)]
    if providers is not None:
        if not providers:
            return []
        scope = f" AND provider_id IN ({', '.join('?' * len(providers))})"
        params += list(providers)
    query = OVERVIEW_ALERTS.format(rules=", ".join("?" * len(rules)), scope=scope)
    moment = utc_key(now)
    with sql.transaction(commit=False) as c:
        rows = c.execute(query, [*params, limit]).fetchall()
    found = []
    for row in rows:
        alert = alert_from_row(row, moment)
        period = period_late_from(alert.since)
        if period is None or alert.framework is None:
            continue  # not an overview alert's shape: never written so
        found.append(
            OverdueOverview(alert.provider_id, period, alert.framework, due(period).day, alert)
        )
    return found
