"""Reads of the measure views: what the CLI, the API and the web page show."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence, Set
from datetime import datetime
from typing import Any, TypeVar

from domain.alerts import SCHEMA_ALERT_V1, Alert
from projections.alert_index import ALERT_COLUMNS
from projections.measure_views import utc_key
from projections.retraction_reads import retracted_now
from store.sql import SqlCursor, SqlRunner

T = TypeVar("T")

STATUS_COLUMNS = (
    "provider_id",
    "measure_id",
    "client_id",
    "phase",
    "framework",
    "category",
    "setting",
    "emergency",
    "proposed_at",
    "planned_start",
    "planned_end",
    "first_applied_at",
    "last_applied_at",
    "ended_at",
    "end_reason",
    "last_occurred_at",
    "facts",
    "next_deadline",
    "next_deadline_rule",
)


def status(sql: SqlRunner, provider_id: str | None = None) -> list[dict[str, Any]]:
    query = f"SELECT {', '.join(STATUS_COLUMNS)} FROM view_status"
    params: list[str] = []
    if provider_id is not None:
        query += " WHERE provider_id = ?"
        params.append(provider_id)
    query += " ORDER BY provider_id, measure_id"
    with sql.transaction(commit=False) as c:
        rows = c.execute(query, params).fetchall()
    result = [{name: row[name] for name in STATUS_COLUMNS} for row in rows]
    for item in result:
        item["emergency"] = bool(item["emergency"])
    return result


def phase_counts(sql: SqlRunner) -> list[dict[str, Any]]:
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            "SELECT framework, phase, COUNT(*) AS measures FROM view_status "
            "GROUP BY framework, phase ORDER BY framework, phase"
        ).fetchall()
    return [dict(framework=r["framework"], phase=r["phase"], measures=r["measures"]) for r in rows]


#: One measure's events with their retractions, in care order: read from the stream index,
#: already in its order (tests/test_query_plans.py checks the plan).
TIMELINE_SELECT = (
    "SELECT t.position, t.kind, t.ref, t.event_id, t.type, t.occurred_at, t.recorded_at, "
    "t.actor_role, t.actor_id, t.source, t.data, r.retraction_event_id, "
    "r.occurred_at AS retracted_at, r.reason AS retraction_reason "
    "FROM view_timeline t LEFT JOIN view_retractions r "
    "ON r.provider_id = t.provider_id AND r.target_event_id = t.event_id "
)
#: The order `timeline_entries` needs: care order, an event's retractions side by side.
TIMELINE_ORDER = (
    "ORDER BY t.occurred_utc, t.type_rank, t.event_id, r.occurred_utc, r.retraction_event_id"
)
TIMELINE = (
    TIMELINE_SELECT
    + "WHERE t.provider_id = ? AND t.kind = 'measure' AND t.ref = ? "
    + TIMELINE_ORDER
)


def timeline(sql: SqlRunner, provider_id: str, measure_id: str) -> list[dict[str, Any]]:
    """Every event of one measure in care order, each with its retraction if it has one."""
    with sql.transaction(commit=False) as c:
        rows = c.execute(TIMELINE, [provider_id, measure_id]).fetchall()
        void = void_retractions(c, provider_id, rows)
    return timeline_entries(rows, void=void)


def void_retractions(c: SqlCursor, provider_id: str, rows: Sequence[Any]) -> set[str]:
    """The retractions named in `TIMELINE_SELECT` rows that were retracted themselves."""
    named = [r["retraction_event_id"] for r in rows if r["retraction_event_id"] is not None]
    return retracted_now(c, provider_id, named) if named else set()


def timeline_entries(
    rows: Sequence[Any], *, with_ref: bool = False, void: Set[str] = frozenset()
) -> list[dict[str, Any]]:
    """Timeline entries from `TIMELINE_SELECT` rows in `TIMELINE_ORDER`; `with_ref` adds
    each entry's `kind` ('measure' or 'authorization') and `ref` (its measure or order id).

    An entry shows its earliest retraction that counts: one in `void` (retracted itself,
    `void_retractions`) retracts nothing, so an event whose every retraction is void
    shows none and counts again, as the rules and the status say.
    """
    entries: list[dict[str, Any]] = []
    for r in rows:
        retraction = r["retraction_event_id"]
        if retraction in void:
            retraction = None
        if entries and entries[-1]["position"] == r["position"]:
            if entries[-1]["retracted_by"] is None and retraction is not None:
                entries[-1].update(_retraction(r))  # the earlier ones were void
            continue  # retracted twice: the earliest retraction that counts is shown
        entries.append(
            {
                **({"kind": r["kind"], "ref": r["ref"]} if with_ref else {}),
                "position": r["position"],
                "event_id": r["event_id"],
                "type": r["type"],
                "occurred_at": r["occurred_at"],
                "recorded_at": r["recorded_at"],
                "actor_role": r["actor_role"],
                "actor_id": r["actor_id"],
                "source": r["source"],
                "data": json.loads(r["data"]),
                **(_retraction(r) if retraction is not None else _NO_RETRACTION),
            }
        )
    return entries


_NO_RETRACTION = {"retracted_by": None, "retracted_at": None, "retraction_reason": None}


def _retraction(r: Any) -> dict[str, Any]:
    return {
        "retracted_by": r["retraction_event_id"],
        "retracted_at": r["retracted_at"],
        "retraction_reason": r["retraction_reason"],
    }


def alerts(
    sql: SqlRunner,
    as_of: datetime,
    *,
    include_resolved: bool = False,
    provider_id: str | None = None,
    rule: str | None = None,
) -> list[Alert]:
    """Alerts as of `as_of`: open ones (since <= T < resolved_at), or with history all of them.

    An alert resolved after `as_of` is open as of `as_of`, and shown without its resolution:
    that had not happened yet.
    """
    chunks = _chunks(sql, as_of, alert_from_row, include_resolved, provider_id, rule, 5000)
    return [alert for chunk in chunks for alert in chunk]


def alert_json_chunks(
    sql: SqlRunner,
    as_of: datetime,
    *,
    include_resolved: bool = False,
    provider_id: str | None = None,
    rule: str | None = None,
    size: int = 5000,
) -> Iterator[list[dict[str, Any]]]:
    """`alerts` as the published JSON (`Alert.model_dump(mode="json", by_alias=True)`), at
    most `size` at a time from one snapshot, made from the rows directly. Half a million
    alerts held at once took 2.4 GB, and went through pydantic twice each (validated into
    models, dumped again): most of `alerts --format json`. The rows were written from
    validated alerts; `tests/test_alert_json_rows.py` holds the two ways equal."""
    yield from _chunks(sql, as_of, alert_json, include_resolved, provider_id, rule, size)


def _chunks(
    sql: SqlRunner,
    as_of: datetime,
    make: Callable[[Any, str], T],
    include_resolved: bool,
    provider_id: str | None,
    rule: str | None,
    size: int,
) -> Iterator[list[T]]:
    moment = utc_key(as_of)
    query = f"SELECT {', '.join(ALERT_COLUMNS)} FROM view_alerts WHERE since_utc <= ?"
    params: list[str] = [moment]
    if not include_resolved:
        query += " AND (resolved_utc IS NULL OR resolved_utc > ?)"
        params.append(moment)
    if provider_id is not None:
        query += " AND provider_id = ?"
        params.append(provider_id)
    if rule is not None:
        query += " AND rule = ?"
        params.append(rule)
    query += " ORDER BY since_utc, rule, alert_id"
    with sql.transaction(commit=False) as c:
        c.execute(query, params)
        while rows := c.fetchmany(size):
            yield [make(row, moment) for row in rows]


def alert_json(row: Any, moment: str) -> dict[str, Any]:
    """One `view_alerts` row as of `moment`, in the published JSON form of `Alert`."""
    resolved = row["resolved_utc"] is not None and row["resolved_utc"] <= moment
    return {
        "schema": SCHEMA_ALERT_V1,
        "alert_id": row["alert_id"],
        "rule": row["rule"],
        "severity": row["severity"],
        "status": "resolved" if resolved else "open",
        "provider_id": row["provider_id"],
        "measure_id": row["measure_id"],
        "framework": row["framework"],
        "category": row["category"],
        "client_ref": None,
        "since": _published_time(row["since"]),
        "resolved_at": _published_time(row["resolved_at"]) if resolved else None,
        "rulebook_version": row["rulebook_version"],
        "message": row["message"],
        "evidence": json.loads(row["evidence"]),
    }


def _published_time(text: str) -> str:
    """A stored `isoformat()` as pydantic writes the same datetime: UTC as `Z`."""
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def alert_from_row(row: Any, moment: str) -> Alert:
    """A `view_alerts` row as of `moment` (a UTC key): resolved only if that happened by then."""
    resolved = row["resolved_utc"] is not None and row["resolved_utc"] <= moment
    return Alert(
        alert_id=row["alert_id"],
        rule=row["rule"],
        severity=row["severity"],
        status="resolved" if resolved else "open",
        provider_id=row["provider_id"],
        measure_id=row["measure_id"],
        framework=row["framework"],
        category=row["category"],
        since=datetime.fromisoformat(row["since"]),
        resolved_at=datetime.fromisoformat(row["resolved_at"]) if resolved else None,
        rulebook_version=row["rulebook_version"],
        message=row["message"],
        evidence=tuple(json.loads(row["evidence"])),
    )


def alert_counts(sql: SqlRunner, as_of: datetime) -> list[dict[str, Any]]:
    """Open alerts as of `as_of` per rule and severity: the demo's and a dashboard's summary."""
    moment = utc_key(as_of)
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            "SELECT rule, severity, COUNT(*) AS n FROM view_alerts WHERE since_utc <= ? "
            "AND (resolved_utc IS NULL OR resolved_utc > ?) GROUP BY rule, severity",
            [moment, moment],
        ).fetchall()
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    result = [{"rule": r["rule"], "severity": r["severity"], "open": r["n"]} for r in rows]
    return sorted(result, key=lambda r: (order[r["severity"]], -r["open"], r["rule"]))
