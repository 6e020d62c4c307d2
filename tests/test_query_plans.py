"""The queries on the hot paths are planned on an index whose equality columns they fill.

A refresh of the alert index runs a handful of queries per touched measure and client; one
of them (a client's measures) was planned on the provider's index and scanned the whole
provider per client, which made a refresh quadratic in provider size. Each query here is
explained on a store holding three providers' synthetic year, on SQLite as the ledger runs
it (no ANALYZE) and on PostgreSQL (analysed, sequential scans disabled so the choice among
indexes is what is checked). The test fails when a query falls back to a scan, or to an
index that fills fewer of its columns.

The API's reads are checked the same way, and more: a page must come out of its index in
order (no sort of the matching rows, which at a million alerts is the whole cost), and an
aggregate the overview shows must read an index, not the table.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from consumers import jsonl
from ledger.service import Ledger
from projections import (
    alert_changes,
    alert_reads,
    api_reads,
    delivery_reads,
    feed_due,
    feed_store,
    measure_reads,
    queries,
    retraction_reads,
)
from projections import alert_index as ai
from projections import alert_judging as aj
from projections import alert_rebuild as ar
from projections import overview_alerts as oa
from synthetic import encode_lines, generate

P, C, M, E = "AGB:12210377", "cl-0001", "WZD-00001", "WZD-00001-e01"
C2, M2 = "cl-0002", "WZD-00002"
COLUMNS = ", ".join(ai.ALERT_COLUMNS)

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
    ("touched rows", ai.TOUCHED_ROWS, [100, 200], "INTEGER PRIMARY KEY",
     "view_timeline_pkey"),
    ("retractions of a provider", ai.RETRACTIONS_OF_PROVIDER, [P],
     "sqlite_autoindex_view_retractions_1", "view_retractions_pkey"),
    ("retractions naming events", retraction_reads.RETRACTIONS_OF.format(marks="?,?"),
     [P, E, M], "sqlite_autoindex_view_retractions_1", "view_retractions_pkey"),
    ("alerts of a measure", ai.DELETE_MEASURE_ALERTS, [P, M], "view_alerts_measure",
     "view_alerts_measure"),
    ("authorisation alerts of a client", ai.DELETE_CLIENT_ALERTS, [P, C], "view_alerts_client",
     "view_alerts_client"),
    ("timeline of a measure", queries.TIMELINE, [P, M], "view_timeline_stream",
     "view_timeline_stream"),
    # A refresh's batched reads and writes (projections/alert_judging.py), for two refs.
    ("facts of measures", ai.FACT_ROWS + aj.FACTS_OF_MEASURES.format(marks="?,?"), [P, M, M2],
     "view_timeline_stream", "view_timeline_stream"),
    ("orders of clients", ai.FACT_ROWS + aj.ORDERS_OF_CLIENTS.format(marks="?,?"), [P, C, C2],
     "view_timeline_client_ref", "view_timeline_client_ref"),
    ("stored alerts of measures", aj.STORED_OF_MEASURES.format(columns=COLUMNS, marks="?,?"),
     [P, M, M2], "view_alerts_measure", "view_alerts_measure"),
    ("stored authorisation alerts of clients",
     aj.STORED_OF_CLIENTS.format(columns=COLUMNS, marks="?,?"), [P, C, C2],
     "view_alerts_client", "view_alerts_client"),
    ("an alert by its id", aj.DELETE_ALERT, ["a1"], "sqlite_autoindex_view_alerts_1",
     "view_alerts_pkey"),
    ("a measure's deadline", aj.UPDATE_DEADLINE, [None, None, P, M],
     "sqlite_autoindex_view_status_1", "view_status_pkey"),
    # The half-year overview rules' reads of the measures a refresh touched, batched.
    ("frameworks of measures", oa.FRAMEWORKS_OF_MEASURES.format(marks="?,?"), [P, M, M2],
     "sqlite_autoindex_view_status_1", "view_status_pkey"),
    ("applications of measures", oa.APPLICATIONS_OF_MEASURES.format(marks="?,?"), [P, M, M2],
     "view_timeline_stream", "view_timeline_stream"),
    # A rebuild's bulk reads and writes (projections/alert_rebuild.py): ranges of one index.
    ("facts of a range of measures", ar.FACTS_OF_MEASURES, [P, M, "WZD-00009"],
     "view_timeline_stream", "view_timeline_stream"),
    ("orders of a range of clients", ar.ORDERS_OF_CLIENT_RANGE, [P, C, "cl-0009"],
     "view_timeline_client_ref", "view_timeline_client_ref"),
    ("orders of named clients", ar.ORDERS_OF_CLIENTS.format(marks="?,?"), [P, C, "cl-0002"],
     "view_timeline_client_ref", "view_timeline_client_ref"),
    ("alerts of a range of measures", ar.DELETE_MEASURE_RANGE, [P, M, "WZD-00009"],
     "view_alerts_measure", "view_alerts_measure"),
    ("order alerts of a range of clients", ar.DELETE_CLIENT_RANGE, [P, C, "cl-0009"],
     "view_alerts_client", "view_alerts_client"),
]  # fmt: skip


# (name, SQL, parameters, the index SQLite must use, the indexes PostgreSQL may use (none
# listed: not checked, its choice being right for the test store's shape only), how: "page"
# read in the index's order, "index" read on it)
ApiCheck = tuple[str, str, list[Any], str, tuple[str, ...], str]


def _api_reads(ledger: Ledger) -> list[ApiCheck]:
    sql, moment = ledger.sql, "2027-01-01T00:00:00.000000Z"
    at = datetime(2026, 9, 1, tzinfo=UTC)
    open_ = {"status": "open", "rule": None, "framework": None, "location": None,
             "measure": None, "client_id": None}  # fmt: skip
    every, every_params = alert_reads.alert_page_query(sql, moment, "low", None, None, open_)
    after = ["2026-03-01T00:00:00.000000Z", "0"]
    one, one_params = alert_reads.alert_page_query(sql, moment, "high", P, after, open_)
    located, located_params = alert_reads.alert_page_query(
        sql, moment, "low", None, None, open_ | {"location": "LOC-1"}
    )
    filters = {"framework": None, "phase": None, "category": None, "client_id": None,
               "location": "LOC-1", "overdue": None, "min_open_severity": None}  # fmt: skip
    where, where_params = measure_reads.measure_filters(sql, at, filters)
    due, _ = measure_reads.due_query(sql, None)
    bounds = ["2026-08-31T00:00:00", "2026-10-02T00:00:00", moment, moment]
    status = ("sqlite_autoindex_view_status_1", ("view_status_pkey",))
    return [
        ("alert page, every provider", every, [*every_params, 51], "view_alerts_page",
         ("view_alerts_page",), "page"),
        ("alert page, one provider, after a cursor", one, [*one_params, 51],
         "view_alerts_provider_page", ("view_alerts_provider_page",), "page"),
        ("alerts at a location", located, [*located_params, 51], "view_timeline_location",
         ("view_timeline_location",), "index"),
        ("the alerts of one measure", alert_reads.measure_alerts_query(sql.dialect),
         [P, M, moment], "view_alerts_measure", ("view_alerts_measure",), "index"),
        ("measure page, every provider, after a cursor",
         measure_reads.measure_page_query(sql, None, [P, M], ""), [P, M, 51], *status, "page"),
        ("measure page, one provider, after a cursor",
         measure_reads.measure_page_query(sql, P, [M], ""), [P, M, 51], *status, "page"),
        ("measures at a location", measure_reads.measure_page_query(sql, None, None, where),
         [*where_params, 51], "view_timeline_location", ("view_timeline_location",), "index"),
        ("a client's measures", measure_reads.client_measures_query(sql), [P, C],
         "view_status_client", ("view_status_client",), "page"),
        # (Scoped to a provider, SQLite reads that provider's rows of the primary key.)
        ("what falls due", due, [*bounds, 200], "view_status_deadline",
         ("view_status_deadline",), "index"),
        # (PostgreSQL counts a large share of the table by scanning it, as it should.)
        ("open alerts per rule, every provider", alert_reads.ALERT_COUNTS
         + " GROUP BY a.rule, a.severity", [moment, moment], "view_alerts_counts", (),
         "index"),
        # (Any index led by provider_id reads only the provider's rows; which one PostgreSQL
        # takes depends on the test store's few hundred alerts.)
        ("open alerts per rule, one provider", alert_reads.ALERT_COUNTS
         + " AND a.provider_id IN (?) GROUP BY a.rule, a.severity", [moment, moment, P],
         "view_alerts_provider_page",
         ("view_alerts_provider_page", "view_alerts_client", "view_alerts_measure"), "index"),
        ("measures per phase", "SELECT framework, phase, COUNT(*) AS n FROM view_status "
         "GROUP BY framework, phase", [], "view_status_phase", (), "index"),
        # The inspectorate's overviews not delivered by their day: a range per rule.
        ("overdue overviews, every provider", delivery_reads.OVERVIEW_ALERTS.format(
            rules="?, ?", scope=""), ["WZD-IGJ-OVERVIEW", "WVGGZ-IGJ-OVERVIEW",
            "2025-08-12T22:00:00.000000Z", moment, 500], "view_alerts_counts",
         ("view_alerts_counts",), "index"),
        # (With three providers a third of the newest rows are each one's: PostgreSQL reads
        # the primary key backwards, right here and wrong with a thousand providers.)
        ("last ingest of a provider", api_reads.LAST_OF_PROVIDER, [P],
         "view_timeline_provider_position", (), "index"),
    ]  # fmt: skip


def _check_api_read(ledger: Ledger, postgres: bool, check: ApiCheck) -> None:
    name, sql, params, sqlite_index, postgres_indexes, how = check
    if postgres:
        nodes = _postgres_plan(ledger, sql, params, ordered=how == "page")
        used = {n.get("Index Name") for n in nodes} - {None}
        if not postgres_indexes:
            return
        assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], name
        assert used & set(postgres_indexes), (name, used)
        if how == "page":
            top = next(n for n in nodes if n["Node Type"] != "Limit")
            assert top["Node Type"] == "Index Scan", (name, top["Node Type"])
            assert top["Index Name"] in postgres_indexes, (name, top["Index Name"])
        return
    details = _sqlite_plan(ledger, sql, params)
    # A whole scan only of an index that covers the query, or of a subquery's own rows.
    scans = [d for d in details if d.startswith("SCAN") and "COVERING INDEX" not in d]
    assert all(d == "SCAN m" for d in scans), (name, details)
    assert any(sqlite_index in d for d in details), (name, details)
    if how == "page":
        assert details[0].startswith("SEARCH") and sqlite_index in details[0], (name, details)
        assert not [d for d in details if "TEMP B-TREE" in d], (name, details)


def _fill(ledger: Ledger) -> None:
    data = b"".join(encode_lines(generate(measures=300, seed=5), malformed_share=0, seed=5))
    jsonl.load(ledger, io.BytesIO(data), "plans.jsonl")
    ledger.refresh_alerts()


def _sqlite_plan(ledger: Ledger, sql: str, params: list[Any]) -> list[str]:
    with ledger.sql.transaction(commit=False) as c:
        return [r["detail"] for r in c.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]


def _postgres_plan(
    ledger: Ledger,
    sql: str,
    params: list[Any],
    *,
    ordered: bool = False,
    tables_at_scale: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The plan's nodes. `ordered` (a page): sorting is priced as at scale, so the planner
    reads the index in order if it can; a page whose order no index gives is still sorted,
    and the check fails (on the test store's few matching rows a sort of them is cheap).
    `tables_at_scale`: the planner is told these tables hold a million rows (in the
    transaction that plans, rolled back), so it does not hash a whole table that is small
    only in the test store (a few hundred alerts fit in memory; a million do not)."""
    with ledger.sql.transaction(commit=False) as c:
        c.execute("SET LOCAL enable_seqscan = off")
        if ordered:
            c.execute("SET LOCAL enable_sort = off")
        for table in tables_at_scale:
            c.execute(
                "UPDATE pg_class SET reltuples = 1000000 WHERE relname = ? "
                "AND relnamespace = current_schema()::regnamespace",
                [table],
            )
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
        for name, sql, params, sqlite_index, postgres_index in HOT:
            if postgres:
                nodes = _postgres_plan(ledger, sql, params)
                scans = [n for n in nodes if n["Node Type"] == "Seq Scan"]
                assert not scans, f"{name}: {scans}"
                used = {n.get("Index Name") for n in nodes} - {None}
                assert postgres_index in used, f"{name}: {used}"
            else:
                details = _sqlite_plan(ledger, sql, params)
                first = details[0]
                assert first.startswith("SEARCH"), f"{name}: {details}"
                assert sqlite_index in first, f"{name}: {details}"
        for check in _api_reads(ledger):
            _check_api_read(ledger, postgres, check)
    finally:
        ledger.close()


# The feed's pass (projections/feed_due.py): each query is driven by the change log, a range of
# the due-time queue, or the feed's own due set, and reaches alerts and published changes only
# by their keys, so its cost does not grow with the alerts stored. (name, SQL, parameters,
# the driving index on SQLite and on PostgreSQL, the indexes PostgreSQL may read alerts by)
FeedCheck = tuple[str, str, list[Any], str, str, frozenset[str]]
BY_KEY = frozenset({"view_alerts_pkey"})


def _feed_reads() -> list[FeedCheck]:
    t, since, now = "measure-alerts", "2026-06-01T00:00:00.000000Z", "2026-06-01T00:00:01.000000Z"
    keep = feed_due.keep_params(t, now)
    log = ("view_alert_changes_seq_order", "view_alert_changes_seq_order")
    due = ("sqlite_autoindex_feed_due_1", "feed_due_pkey")
    return [
        ("head of the change log", alert_changes.HEAD, [], *log, BY_KEY),
        ("changes after the cursor", alert_changes.CHANGED, [10, 20], *log, BY_KEY),
        ("openings come due", alert_changes.DUE_OPENINGS + " LIMIT 1", [since, now],
         "view_alerts_since", "view_alerts_since", frozenset({"view_alerts_since"})),
        ("resolutions come due", alert_changes.DUE_RESOLUTIONS + " LIMIT 1", [since, now],
         "view_alerts_resolved", "view_alerts_resolved", frozenset({"view_alerts_resolved"})),
        ("the changed leave the due set", feed_due.CLEAR_CHANGED, [t, 10, 20], *due, BY_KEY),
        ("the changed join the due set", feed_due.ADD_CHANGED, [t, 10, 20, *keep], *log, BY_KEY),
        ("openings join the due set", feed_due.ADD_DUE["since_utc"], [t, since, now, *keep],
         "view_alerts_since", "view_alerts_since", BY_KEY | {"view_alerts_since"}),
        ("resolutions join the due set", feed_due.ADD_DUE["resolved_utc"],
         [t, since, now, *keep], "view_alerts_resolved", "view_alerts_resolved",
         BY_KEY | {"view_alerts_resolved"}),
        ("a recorded alert leaves the due set", feed_due.PRUNE,
         [t, "a1", *feed_due.keep_params(t, now, ["a1"])], *due, BY_KEY),
        ("is anything due", feed_due.ANY_DUE, [t], *due, BY_KEY),
        ("pending among the due set", feed_store.DUE_PENDING, [t, t, t, now, now, 1000], *due,
         BY_KEY),
        ("withdrawn among the due set", feed_store.DUE_WITHDRAWN,
         [t, *[10] * feed_store.DUE_WITHDRAWN.count("t.position > ?"), 1000], *due, BY_KEY),
    ]  # fmt: skip


def _check_feed_read(ledger: Ledger, postgres: bool, check: FeedCheck) -> None:
    name, sql, params, sqlite_index, postgres_index, alert_indexes = check
    if postgres:
        nodes = _postgres_plan(ledger, sql, params, tables_at_scale=("view_alerts",))
        assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], name
        reads = [n for n in nodes if "Index Name" in n]
        assert all("Index Cond" in n for n in reads), (name, reads)  # never a whole index
        assert postgres_index in {n["Index Name"] for n in reads}, (name, reads)
        on_alerts = {n["Index Name"] for n in reads if n.get("Relation Name") == "view_alerts"}
        bitmap = {n["Index Name"] for n in reads if n["Index Name"].startswith("view_alerts")}
        assert (on_alerts | bitmap) <= alert_indexes, (name, on_alerts | bitmap)
        return
    details = _sqlite_plan(ledger, sql, params)
    assert not [d for d in details if d.startswith("SCAN")], (name, details)
    first = next(d for d in details if d.startswith("SEARCH"))
    assert sqlite_index in first, (name, details)


def test_feed_pass_reads_what_changed(store_url: str) -> None:
    """Every query of a feed pass is driven by what changed and reads alerts by their key."""
    ledger = Ledger(store_url)
    try:
        _fill(ledger)
        store = feed_store.FeedStore(
            ledger.sql, "measure-alerts", ledger.alert_index.tracking_table
        )
        store.create_tables()
        store.pending(datetime(2026, 6, 1, tzinfo=UTC), 1000)  # the due set seeded, non-empty
        postgres = ledger.store.dialect.name == "postgresql"
        if postgres:
            with ledger.sql.transaction(commit=True) as c:
                c.execute("ANALYZE")
        for check in _feed_reads():
            _check_feed_read(ledger, postgres, check)
    finally:
        ledger.close()


def test_the_feed_plan_check_fails_on_the_old_scan(store_url: str) -> None:
    """The check above is not vacuous: the old feed's scan (every alert come due) fails it."""
    ledger = Ledger(store_url)
    try:
        _fill(ledger)
        feed_store.FeedStore(ledger.sql, "t", ledger.alert_index.tracking_table).create_tables()
        postgres = ledger.store.dialect.name == "postgresql"
        if postgres:
            with ledger.sql.transaction(commit=True) as c:
                c.execute("ANALYZE")
        now = "2026-06-01T00:00:01.000000Z"
        scan = ("the old scan", feed_store.SCAN_PENDING, ["t", "t", now, now, 1000],
                "sqlite_autoindex_feed_due_1", "feed_due_pkey", BY_KEY)  # fmt: skip
        with pytest.raises(AssertionError):
            _check_feed_read(ledger, postgres, scan)
    finally:
        ledger.close()
