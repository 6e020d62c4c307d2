"""The measures a caller may see: the list with its filters, one measure, a client's, what is due.

Rows are `view_status` rows (`queries.STATUS_COLUMNS`) with the measure's `location_id`.
Every statement carries the provider scope (`read_paging.scope`), so a measure of another
provider is never read: asked for by id it is "not found", exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from domain.rulebook import SEVERITIES
from projections.measure_views import utc_key
from projections.read_paging import (
    Page,
    Providers,
    check_limit,
    decode_cursor,
    encode_cursor,
    in_scope,
    scope,
    scope_clause,
    texts,
)
from projections.read_sql import (
    measures_at_location,
    status_row,
    status_select,
    utc_key_of,
    wall_clock_bounds,
)
from store.sql import SqlRunner

#: Most severe first: the order alert lists are read in.
SEVERITY_ORDER: tuple[str, ...] = SEVERITIES


def at_least(severity: str) -> list[str]:
    """The severities at least as severe as `severity` ("high": critical and high)."""
    if severity not in SEVERITY_ORDER:
        raise ValueError(f"unknown severity {severity!r}; one of {', '.join(SEVERITY_ORDER)}")
    return list(SEVERITY_ORDER[: SEVERITY_ORDER.index(severity) + 1])


def open_alert_clause(alias: str) -> str:
    """Open as of a moment (two parameters: the moment twice): `since <= T < resolved_at`."""
    return f"{alias}.since_utc <= ? AND ({alias}.resolved_utc IS NULL OR {alias}.resolved_utc > ?)"


def measure_filters(
    sql: SqlRunner, as_of: datetime, filters: dict[str, Any]
) -> tuple[str, list[Any]]:
    """The WHERE terms (each starting with AND) of the measure list's filters."""
    dialect = sql.dialect
    moment = utc_key(as_of)
    where, params = "", []
    for column in ("framework", "phase", "category", "client_id"):
        if filters[column] is not None:
            where += f" AND s.{column} = ?"
            params.append(filters[column])
    if filters["location"] is not None:
        where += f" AND (s.provider_id, s.measure_id) IN {measures_at_location(dialect)}"
        params += [filters["location"], filters["location"]]
    deadline = utc_key_of(dialect, "s.next_deadline")
    if filters["overdue"] is True:
        where += f" AND s.next_deadline < ? AND {deadline} < ?"
        params += [wall_clock_bounds(as_of, as_of)[1], moment]
    elif filters["overdue"] is False:
        where += f" AND (s.next_deadline IS NULL OR {deadline} >= ?)"
        params.append(moment)
    if filters["min_open_severity"] is not None:
        levels = at_least(filters["min_open_severity"])
        where += (
            " AND EXISTS (SELECT 1 FROM view_alerts a WHERE a.provider_id = s.provider_id "
            f"AND a.measure_id = s.measure_id AND a.severity IN ({', '.join('?' * len(levels))}) "
            f"AND {open_alert_clause('a')})"
        )
        params += [*levels, moment, moment]
    return where, params


def measure_page_query(
    sql: SqlRunner, provider_id: str | None, after: Sequence[str] | None, where: str
) -> str:
    """One provider's (or, with None, every provider's) page after a sort key: a range of
    the primary key, in its order. Parameters: the filters', then provider, key, limit."""
    query = status_select(sql.dialect) + " WHERE 1 = 1" + where
    if provider_id is not None:
        query += " AND s.provider_id = ?"
        if after is not None:
            query += " AND s.measure_id > ?"
    elif after is not None:
        query += " AND (s.provider_id, s.measure_id) > (?, ?)"
    return query + " ORDER BY s.provider_id, s.measure_id LIMIT ?"


def measures(
    sql: SqlRunner,
    providers: Providers,
    *,
    as_of: datetime,
    framework: str | None = None,
    phase: str | None = None,
    category: str | None = None,
    location: str | None = None,
    client_id: str | None = None,
    overdue: bool | None = None,
    min_open_severity: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    client_ref: str | None = None,
) -> Page[dict[str, Any]]:
    """Measures in (provider_id, measure_id) order.

    `overdue`: True, the measure's next deadline (judged after its last event, so a missed
    one stays there) lies before `as_of`; False, it does not. `min_open_severity`: the
    measure has an alert open as of `as_of` at least that severe. `client_ref`: the
    inspectorate's client filter, which the caller resolved to `client_id` (it holds the
    key); the cursor's filters then name the ref, never a hash of the pseudonym.
    """
    check_limit(limit)
    filters = {
        "framework": framework,
        "phase": phase,
        "category": category,
        "location": location,
        "client_id": client_id,
        "overdue": overdue,
        "min_open_severity": min_open_severity,
    }
    named = filters
    if client_ref is not None:
        named = {k: v for k, v in filters.items() if k != "client_id"} | {"client_ref": client_ref}
    after = decode_cursor(cursor, "measures", named, lambda k: texts(k, 2))
    where, params = measure_filters(sql, as_of, filters)
    chosen = scope(providers)
    rows: list[dict[str, Any]] = []
    with sql.transaction(commit=False) as c:
        if chosen is None:
            query = measure_page_query(sql, None, after, where)
            rows = [
                status_row(r)
                for r in c.execute(query, [*params, *(after or []), limit + 1]).fetchall()
            ]
        for provider_id in chosen or []:
            if after is not None and provider_id < after[0]:
                continue
            key = [after[1]] if after is not None and provider_id == after[0] else None
            query = measure_page_query(sql, provider_id, key, where)
            found = c.execute(query, [*params, provider_id, *(key or []), limit + 1 - len(rows)])
            rows += [status_row(r) for r in found.fetchall()]
            if len(rows) > limit:
                break
    items = rows[:limit]
    more = len(rows) > limit
    last = items[-1] if items else None
    next_cursor = (
        encode_cursor("measures", named, [last["provider_id"], last["measure_id"]])
        if more and last
        else None
    )
    return Page(items, next_cursor)


def measure(
    sql: SqlRunner, providers: Providers, provider_id: str, measure_id: str
) -> dict[str, Any] | None:
    """One measure's status row; None when it does not exist or is outside the scope."""
    if not in_scope(providers, provider_id):
        return None
    query = status_select(sql.dialect) + " WHERE s.provider_id = ? AND s.measure_id = ?"
    with sql.transaction(commit=False) as c:
        row = c.execute(query, [provider_id, measure_id]).fetchone()
    return status_row(row) if row is not None else None


def client_measures(
    sql: SqlRunner, providers: Providers, provider_id: str, client_id: str
) -> list[dict[str, Any]]:
    """The measures the provider now names this client for (its latest event's client)."""
    if not in_scope(providers, provider_id):
        return []
    with sql.transaction(commit=False) as c:
        rows = c.execute(client_measures_query(sql), [provider_id, client_id]).fetchall()
    return [status_row(r) for r in rows]


def client_measures_query(sql: SqlRunner) -> str:
    """Read on `view_status_client` (provider_id, client_id)."""
    return (
        status_select(sql.dialect)
        + " WHERE s.provider_id = ? AND s.client_id = ? ORDER BY s.measure_id"
    )


def due_query(sql: SqlRunner, chosen: list[str] | None) -> tuple[str, list[str]]:
    """Read on `view_status_deadline`; parameters: the text bounds, the exact bounds, the
    scope's providers, the limit."""
    deadline = utc_key_of(sql.dialect, "s.next_deadline")
    where, params = scope_clause("s.provider_id", chosen)
    query = (
        status_select(sql.dialect)
        + " WHERE s.next_deadline >= ? AND s.next_deadline < ?"
        + f" AND {deadline} >= ? AND {deadline} <= ?"
        + where
        + f" ORDER BY {deadline}, s.provider_id, s.measure_id LIMIT ?"
    )
    return query, params


def due(
    sql: SqlRunner,
    providers: Providers,
    *,
    as_of: datetime,
    within: timedelta,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Measures whose next deadline falls in [as_of, as_of + within], soonest first."""
    check_limit(limit)
    if within < timedelta(0):
        raise ValueError(f"within must not be negative, got {within}")
    chosen = scope(providers)
    if chosen == []:
        return []
    query, params = due_query(sql, chosen)
    bounds = [*wall_clock_bounds(as_of, as_of + within), utc_key(as_of), utc_key(as_of + within)]
    with sql.transaction(commit=False) as c:
        rows = c.execute(query, [*bounds, *params, limit]).fetchall()
    return [status_row(r) for r in rows]


def phase_counts(sql: SqlRunner, providers: Providers) -> list[dict[str, Any]]:
    """Measures per framework and phase, like `queries.phase_counts`, within the scope."""
    chosen = scope(providers)
    if chosen == []:
        return []
    where, params = scope_clause("provider_id", chosen)
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            "SELECT framework, phase, COUNT(*) AS measures FROM view_status WHERE 1 = 1"
            f"{where} GROUP BY framework, phase "
            "ORDER BY (framework IS NULL), framework, phase",  # no framework last on both stores
            params,
        ).fetchall()
    return [dict(framework=r["framework"], phase=r["phase"], measures=r["measures"]) for r in rows]
