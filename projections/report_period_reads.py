"""The rows of one provider a half-year's overview counts from, read as plain tuples.

`report_facts.facts_up_to` turns every timeline row at or below a position into a typed
`Fact`, re-validating its data through pydantic: at a million events that is most of a
report's time, for rows of which the overview reads a handful of fields. When the critical
alerts come from the alert index, `ledger.reporting` reads instead only what
`domain.report.period_rows` folds: one pass over the provider's rows at positions <= N that
keeps the applications, proposals and retractions (with their data, parsed as plain JSON:
it was validated when it was stored and is under the hash chain) and the clocks of the
facts that occurred in the period; then the authorisations (as facts: they are few) and
which client each measure named last. That one is read from the status view, which stands
at the latest position only: so these rows are a report's only when the views stand at N,
which `ledger.report_rows` checks before and after reading them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.report.period import HalfYear
from domain.report.period_rows import AppliedRow, DatedRow, PeriodRows, ProposalRow
from projections.alert_index import FACT_ROWS, facts_from_rows
from projections.read_indexes import json_field
from store.sql import SQLITE, Dialect, SqlCursor, SqlRunner, utc_key

#: One pass over the provider's rows: the applications that occurred before the period's
#: end (an episode begun earlier can reach into it), every proposal and retraction, and the
#: two clocks of every fact that occurred in the period. The fields of data that are folded
#: are taken out of it by the database ({f1}..{f4}, by type), so no row is parsed here.
PERIOD_ROWS = (
    "SELECT kind, ref, event_id, type, occurred_at, occurred_utc, recorded_at, "
    "CASE type WHEN 'measure.applied' THEN {ended_at} WHEN 'measure.proposed' THEN {framework} "
    "WHEN 'event.retracted' THEN {retracts_event_id} END, "
    "CASE type WHEN 'measure.applied' THEN {emergency} WHEN 'measure.proposed' THEN {category} "
    "END, CASE type WHEN 'measure.proposed' THEN {location_id} END, "
    "CASE type WHEN 'measure.proposed' THEN {emergency} END "
    "FROM view_timeline WHERE provider_id = ? AND position <= ? AND ("
    "(type = 'measure.applied' AND occurred_utc < ?) "
    "OR type IN ('measure.proposed', 'event.retracted') "
    "OR (occurred_utc >= ? AND occurred_utc < ?))"
)
_FIELDS = ("ended_at", "framework", "retracts_event_id", "emergency", "category", "location_id")
#: A JSON boolean as either database gives it out as text or number.
_BOOLEAN = {None: None, 1: True, 0: False, "true": True, "false": False}  # 1 is True


def period_rows_query(dialect: Dialect) -> str:
    fields = {name: json_field(dialect, "data", name) for name in _FIELDS}
    return dialect.sql(PERIOD_ROWS.format(**fields))


ORDERS_UP_TO = FACT_ROWS + "WHERE provider_id = ? AND kind = 'authorization' AND position <= ?"
#: The client each measure named last (the highest position): the status view keeps it,
#: and it is read only when the views stand at the report's position (`ledger.report_rows`).
CLIENTS_NAMED_LAST = "SELECT measure_id, client_id FROM view_status WHERE provider_id = ?"
PROVIDERS_UP_TO = "SELECT DISTINCT provider_id FROM view_timeline WHERE position <= ?"

_parse = datetime.fromisoformat


def providers_up_to(sql: SqlRunner, position: int) -> list[str]:
    """The providers with a stored fact at positions <= `position`."""
    with sql.transaction(commit=False) as c:
        return sorted(r["provider_id"] for r in c.execute(PROVIDERS_UP_TO, [position]).fetchall())


def period_rows(sql: SqlRunner, position: int, provider_id: str, period: HalfYear) -> PeriodRows:
    """What the overview of `period` counts from, of one provider at positions <= N; the
    views must stand at N (the clients are read from the status view)."""
    start, end = utc_key(period.start), utc_key(period.end)
    applied: list[AppliedRow] = []
    proposals: list[ProposalRow] = []
    dated: list[DatedRow] = []
    with sql.transaction(commit=False) as c:
        orders = facts_from_rows(c.execute(ORDERS_UP_TO, [provider_id, position]).fetchall())
        chains: dict[str, list[tuple[str, datetime]]] = {}
        raw = _tuples(c)
        raw.execute(period_rows_query(c.dialect), (provider_id, position, end, start, end))
        for kind, ref, event_id, type_, occurred_at, utc, recorded_at, f1, f2, f3, f4 in raw:
            occurred = _parse(occurred_at)
            if start <= utc < end:
                measure = ref if kind == "measure" else None
                dated.append((measure, event_id, occurred, _parse(recorded_at)))
            if type_ == "measure.applied":
                if utc < end:
                    ended = None if f1 is None else _parse(f1)
                    applied.append((ref, event_id, occurred, ended, _BOOLEAN[f2]))
            elif type_ == "measure.proposed":
                emergency = bool(_BOOLEAN[f4])  # absent: the default, not an emergency
                proposals.append((ref, event_id, occurred, f1, f2, f3, emergency))
            elif type_ == "event.retracted":
                chains.setdefault(f1, []).append((event_id, occurred))
        wanted = {row[0] for row in applied}
        clients = {
            r["measure_id"]: r["client_id"]
            for r in c.execute(CLIENTS_NAMED_LAST, [provider_id]).fetchall()
            if r["measure_id"] in wanted
        }
    retractions = {t: tuple(sorted(e, key=lambda r: (r[1], r[0]))) for t, e in chains.items()}
    return PeriodRows(provider_id, applied, proposals, retractions, orders, clients, dated)


def _tuples(c: SqlCursor) -> Any:
    """A cursor of the same transaction giving plain tuples: no row mapping per row, which
    over a million rows is a cost of its own."""
    raw = getattr(c.raw, "sqlite_cursor", c.raw)  # eventsourcing wraps SQLite's cursor
    if c.dialect is SQLITE:
        cursor = raw.connection.cursor()
        cursor.row_factory = None
        return cursor
    from psycopg.rows import tuple_row

    return raw.connection.cursor(row_factory=tuple_row)
