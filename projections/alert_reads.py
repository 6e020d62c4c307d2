"""Alerts for the API and the web pages: most severe first, then oldest, paged by keyset.

A year of data holds many more low LATE-REGISTRATION rows than anything critical, and the
list must start with what matters. Sorting every open alert by a severity rank would read
them all per page; instead each severity is read on its own, as one range of an index in
`(since_utc, alert_id)` order (`view_alerts_page` for every provider, `view_alerts_provider_page`
per provider), and the ranges are chained: a page costs its own rows, not the table's.
A scope of several providers reads each provider's range and merges them.

Open and resolved are as of `as_of`, as in `queries.alerts`: an alert resolved after `as_of`
shows as open, without its resolution.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.alerts import Alert
from projections.alert_index import ALERT_COLUMNS
from projections.measure_reads import SEVERITY_ORDER, at_least, open_alert_clause
from projections.measure_views import utc_key
from projections.queries import alert_from_row
from projections.read_paging import (
    Page,
    Providers,
    check_limit,
    decode_cursor,
    encode_cursor,
    in_scope,
    scope,
    scope_clause,
)
from projections.read_sql import location_of, measures_at_location
from store.sql import Dialect, SqlRunner


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    client_id: str  # the provider's pseudonym: the caller decides who may see it
    location_id: str | None  # the measure's location; None for an authorisation's alert


def alert_columns(dialect: Dialect) -> str:
    columns = ", ".join(f"a.{name}" for name in ALERT_COLUMNS)
    location = location_of(dialect, "a.provider_id", "a.measure_id")
    return f"SELECT {columns}, {location} AS location_id "


def alert_source(dialect: Dialect, location: str | None) -> tuple[str, list[Any]]:
    """FROM and the first WHERE terms. At a location, the alerts are read per measure at it
    (CROSS JOIN: SQLite keeps that order) and sorted: scanning a severity's range for the
    few at one location would read nearly all of it."""
    if location is None:
        return "FROM view_alerts a WHERE", []
    return (
        f"FROM {measures_at_location(dialect)} m CROSS JOIN view_alerts a "
        "WHERE a.provider_id = m.provider_id AND a.measure_id = m.ref AND",
        [location, location],
    )


def alert_page_query(
    sql: SqlRunner,
    moment: str,
    severity: str,
    provider_id: str | None,
    after: Sequence[str] | None,
    filters: dict[str, Any],
) -> tuple[str, list[Any]]:
    """One severity's alerts (of one provider, or of all) after a key, in page order; the
    parameters include everything but the LIMIT, which comes last."""
    source, params = alert_source(sql.dialect, filters["location"])
    query = f"{alert_columns(sql.dialect)}{source} a.severity = ? AND a.since_utc <= ?"
    params += [severity, moment]
    if provider_id is not None:
        query += " AND a.provider_id = ?"
        params.append(provider_id)
    if filters["status"] == "open":
        query += " AND (a.resolved_utc IS NULL OR a.resolved_utc > ?)"
        params.append(moment)
    elif filters["status"] == "resolved":
        query += " AND a.resolved_utc <= ?"
        params.append(moment)
    if after is not None:
        query += " AND (a.since_utc, a.alert_id) > (?, ?)"
        params += list(after)
    for column in ("rule", "framework", "client_id"):
        if filters[column] is not None:
            query += f" AND a.{column} = ?"
            params.append(filters[column])
    if filters["measure"] is not None:
        query += " AND a.measure_id = ?"
        params.append(filters["measure"][1])
    return query + " ORDER BY a.since_utc, a.alert_id LIMIT ?", params


def _severities(severity: str | None, min_severity: str | None) -> list[str]:
    chosen = list(SEVERITY_ORDER) if min_severity is None else at_least(min_severity)
    if severity is not None:
        at_least(severity)  # refuses an unknown one
        chosen = [s for s in chosen if s == severity]
    return chosen


def _status(include_resolved: bool, status: str | None) -> str | None:
    """'open', 'resolved', or None for both: `status` wins over `include_resolved`."""
    if status not in (None, "open", "resolved"):
        raise ValueError(f"status must be 'open' or 'resolved', got {status!r}")
    return status or (None if include_resolved else "open")


def alerts(
    sql: SqlRunner,
    providers: Providers,
    *,
    as_of: datetime,
    include_resolved: bool = False,
    rule: str | None = None,
    severity: str | None = None,
    min_severity: str | None = None,
    framework: str | None = None,
    location: str | None = None,
    status: str | None = None,
    measure: tuple[str, str] | None = None,
    client_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[AlertRow]:
    """Alerts as of `as_of`, most severe first, then by `since`, then by alert id.

    Open ones only, unless `include_resolved` or `status="resolved"`; `measure` is a
    `(provider_id, measure_id)` pair.
    """
    check_limit(limit)
    moment = utc_key(as_of)
    levels = _severities(severity, min_severity)
    filters = {
        "status": _status(include_resolved, status),
        "rule": rule,
        "levels": levels,
        "framework": framework,
        "location": location,
        "measure": list(measure) if measure is not None else None,
        "client_id": client_id,
    }
    after = decode_cursor(cursor, "alerts", filters, lambda k: _valid_key(k, levels))
    chosen = scope(providers)
    if measure is not None:
        chosen = [measure[0]] if in_scope(chosen, measure[0]) else []
    start = levels.index(after[0]) if after is not None else 0
    rows: list[Any] = []
    with sql.transaction(commit=False) as c:
        for level in levels[start:]:
            key = after[1:] if after is not None and level == after[0] else None
            need = limit + 1 - len(rows)
            found = []
            for provider_id in [None] if chosen is None else chosen:
                query, params = alert_page_query(sql, moment, level, provider_id, key, filters)
                found.append(c.execute(query, [*params, need]).fetchall())
            merged = heapq.merge(*found, key=lambda r: (r["since_utc"], r["alert_id"]))
            rows += list(merged)[:need]
            if len(rows) > limit:
                break
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        key = [last["severity"], last["since_utc"], last["alert_id"]]
        next_cursor = encode_cursor("alerts", filters, key)
    return Page([_row(r, moment) for r in items], next_cursor)


def _valid_key(key: list[Any], levels: list[str]) -> bool:
    return (
        len(key) == 3
        and key[0] in levels
        and all(isinstance(v, str) and 0 < len(v) <= 64 for v in key[1:])
    )


def measure_alerts_query(dialect: Dialect) -> str:
    """Every alert of one measure, read on the measure index (a measure has at most a few
    hundred): the severity pages would read the whole provider's range of each severity."""
    return (
        f"{alert_columns(dialect)}FROM view_alerts a "
        "WHERE a.provider_id = ? AND a.measure_id = ? AND a.since_utc <= ?"
    )


def measure_alerts(
    sql: SqlRunner, providers: Providers, provider_id: str, measure_id: str, *, as_of: datetime
) -> list[AlertRow]:
    """One measure's alerts as of `as_of`, open and resolved, in the alerts list's order."""
    if not in_scope(scope(providers), provider_id):
        return []
    moment = utc_key(as_of)
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            measure_alerts_query(sql.dialect), [provider_id, measure_id, moment]
        ).fetchall()
    rank = {level: i for i, level in enumerate(SEVERITY_ORDER)}
    rows = sorted(rows, key=lambda r: (rank[r["severity"]], r["since_utc"], r["alert_id"]))
    return [_row(r, moment) for r in rows]


def _row(row: Any, moment: str) -> AlertRow:
    return AlertRow(alert_from_row(row, moment), row["client_id"], row["location_id"])


def alert(
    sql: SqlRunner, providers: Providers, alert_id: str, *, as_of: datetime
) -> AlertRow | None:
    """One alert as of `as_of`; None if unknown, outside the scope, or not yet raised then."""
    chosen = scope(providers)
    if chosen == []:
        return None
    moment = utc_key(as_of)
    where, params = scope_clause("a.provider_id", chosen)
    query = (
        alert_columns(sql.dialect)
        + "FROM view_alerts a WHERE a.alert_id = ? AND a.since_utc <= ?"
        + where
    )
    with sql.transaction(commit=False) as c:
        row = c.execute(query, [alert_id, moment, *params]).fetchone()
    return _row(row, moment) if row is not None else None


#: Read from `view_alerts_counts` (every provider) or `view_alerts_provider_page` (scoped).
ALERT_COUNTS = (
    f"SELECT a.rule, a.severity, COUNT(*) AS n FROM view_alerts a WHERE {open_alert_clause('a')}"
)


def alert_counts(sql: SqlRunner, providers: Providers, as_of: datetime) -> list[dict[str, Any]]:
    """Open alerts as of `as_of` per rule and severity, as `queries.alert_counts`, scoped."""
    chosen = scope(providers)
    if chosen == []:
        return []
    moment = utc_key(as_of)
    where, params = scope_clause("a.provider_id", chosen)
    with sql.transaction(commit=False) as c:
        query = ALERT_COUNTS + where + " GROUP BY a.rule, a.severity"
        rows = c.execute(query, [moment, moment, *params]).fetchall()
    result = [{"rule": r["rule"], "severity": r["severity"], "open": r["n"]} for r in rows]
    order = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}
    return sorted(result, key=lambda r: (order[r["severity"]], -r["open"], r["rule"]))
