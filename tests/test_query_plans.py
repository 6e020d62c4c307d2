"""The queries on the hot paths are planned on an index whose equality columns they fill.

A refresh of the alert index runs a handful of queries per touched measure and client; one
of them (a client's measures) was planned on the provider's index and scanned the whole
provider per client, which made a refresh quadratic in provider size. Each query here is
explained on a store holding three providers' synthetic year, on SQLite as the ledger runs
it (no ANALYZE) and on PostgreSQL (analysed, sequential scans disabled so the choice among
indexes is what is checked). The test fails when a query falls back to a scan, or to an
index that fills fewer of its columns.
"""

from __future__ import annotations

import io
import json
from typing import Any

from consumers import jsonl
from ledger.service import Ledger
from projections import alert_index as ai
from projections import alert_reads, api_reads, measure_reads, queries
from synthetic import encode_lines, generate

P, C, M, E = "AGB:12210377", "cl-0001", "WZD-00001", "WZD-00001-e01"

# (name, SQL, parameters, the index SQLite must use, the index PostgreSQL must use)
HOT: list[tuple[str, str, list[Any], str, str]] = [
    ("measures of a client", ai.MEASURES_OF_CLIENT, [P, C], "view_timeline_client_ref",
     "view_timeline_client_ref"),
    ("facts of a measure", ai.FACTS_OF_MEASURE, [P, M], "view_timeline_stream",
     "view_timeline_stream"),
    ("orders of a client", ai.ORDERS_OF_CLIENT, [P, C], "view_timeline_client_ref",
     "view_timeline_client_ref"),
    ("target of a retraction", ai.TARGET_OF_RETRACTION, [P, E], "view_timeline_event",
     "view_timeline_event"),
    ("touched rows", ai.TOUCHED_ROWS, [100, 200], "sqlite_autoindex_view_timeline_1",
     "view_timeline_pkey"),
    ("retractions of a provider", ai.RETRACTIONS_OF_PROVIDER, [P],
     "sqlite_autoindex_view_retractions_1", "view_retractions_pkey"),
    ("alerts of a measure", ai.DELETE_MEASURE_ALERTS, [P, M], "view_alerts_measure",
     "view_alerts_measure"),
    ("authorisation alerts of a client", ai.DELETE_CLIENT_ALERTS, [P, C], "view_alerts_client",
     "view_alerts_client"),
    ("timeline of a measure", queries.TIMELINE, [P, M], "view_timeline_stream",
     "view_timeline_stream"),
]  # fmt: skip


def _api_reads(ledger: Ledger) -> list[tuple[str, str, list[Any], str, str | None]]:
    """The API's hot reads, in the ledger's dialect: the alert pages, the measure pages (both
    with the location subquery), a client's measures and a provider's last ingest."""
    sql = ledger.sql
    moment, since = "2027-01-01T00:00:00.000000Z", "2026-03-01T00:00:00.000000Z"
    open_ = {"status": "open", "rule": None, "framework": None, "location": None,
             "measure": None, "client_id": None}  # fmt: skip
    everyone, everyone_params = alert_reads.alert_page_query(sql, moment, "low", None, None, open_)
    one, one_params = alert_reads.alert_page_query(sql, moment, "high", P, [since, "0"], open_)
    status_pk = ("sqlite_autoindex_view_status_1", "view_status_pkey")
    return [
        ("API alert page, every provider", everyone, [*everyone_params, 51], "view_alerts_page",
         "view_alerts_page"),
        ("API alert page, one provider, after a cursor", one, [*one_params, 51],
         "view_alerts_provider_page", "view_alerts_provider_page"),
        ("API measure page, every provider, after a cursor",
         measure_reads.measure_page_query(sql, None, [P, M], ""), [P, M, 51], *status_pk),
        ("API measure page, one provider, after a cursor",
         measure_reads.measure_page_query(sql, P, [M], ""), [P, M, 51], *status_pk),
        ("API client's measures", measure_reads.client_measures_query(sql), [P, C],
         "view_status_client", "view_status_client"),
        # PostgreSQL: not checked. With three providers a third of the newest rows are each
        # one's, and reading the primary key backwards is right; with many providers it is
        # not, and the planner takes the (provider_id, position) index.
        ("API last ingest of a provider", api_reads.LAST_OF_PROVIDER, [P],
         "view_timeline_provider_position", None),
    ]  # fmt: skip


def _fill(ledger: Ledger) -> None:
    data = b"".join(encode_lines(generate(measures=300, seed=5), malformed_share=0, seed=5))
    jsonl.load(ledger, io.BytesIO(data), "plans.jsonl")
    ledger.refresh_alerts()


def _sqlite_plan(ledger: Ledger, sql: str, params: list[Any]) -> list[str]:
    with ledger.sql.transaction(commit=False) as c:
        return [r["detail"] for r in c.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]


def _postgres_plan(ledger: Ledger, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with ledger.sql.transaction(commit=False) as c:
        c.execute("SET LOCAL enable_seqscan = off")
        [row] = c.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchall()
    plan = row["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, todo = [], [plan[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", []))
    return nodes


def test_hot_queries_use_their_index(store_url: str) -> None:
    ledger = Ledger(store_url)
    try:
        _fill(ledger)
        postgres = ledger.store.dialect.name == "postgresql"
        if postgres:
            with ledger.sql.transaction(commit=True) as c:
                c.execute("ANALYZE")
        api = _api_reads(ledger)
        checks: list[tuple[str, str, list[Any], str, str | None]] = [*HOT, *api]
        for name, sql, params, sqlite_index, postgres_index in checks:
            if postgres:
                nodes = _postgres_plan(ledger, sql, params)
                scans = [n for n in nodes if n["Node Type"] == "Seq Scan"]
                assert not scans, f"{name}: {scans}"
                used = {n.get("Index Name") for n in nodes} - {None}
                assert postgres_index is None or postgres_index in used, f"{name}: {used}"
            else:
                details = _sqlite_plan(ledger, sql, params)
                first = details[0]
                assert first.startswith("SEARCH"), f"{name}: {details}"
                assert sqlite_index in first, f"{name}: {details}"
            if (name, sql, params, sqlite_index, postgres_index) in api:
                # A page is read in its index's order: the matching rows are not sorted (a
                # measure's few proposals may be, in the location subquery), and nothing is
                # scanned whole.
                if postgres:
                    top = next(n for n in nodes if n["Node Type"] != "Limit")
                    assert top["Node Type"] == "Index Scan", f"{name}: {top['Node Type']}"
                else:
                    assert not [d for d in details if "TEMP B-TREE" in d or d.startswith("SCAN")], (
                        f"{name}: {details}"
                    )
    finally:
        ledger.close()
