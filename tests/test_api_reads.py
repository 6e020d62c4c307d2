"""The API's reads on both stores: filters, keyset pages, cursors, sort order and scope.

The store (tests/api_reads_store.py) has two providers that share a client pseudonym, a
location code and an authorisation id, so a read that forgets its scope returns B's rows.
Pages are checked by walking every page at several sizes against the unpaged answer, and
the alert reads against `queries.alerts`, the reference for open and resolved as of T.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.service import Ledger
from projections import api_reads as reads
from projections import queries
from tests.api_reads_store import A, B, build
from tests.conftest import messages

JUNE = datetime(2026, 6, 1, 12, tzinfo=UTC)
LATER = datetime(2027, 1, 1, tzinfo=UTC)  # every LATE-REGISTRATION alert is open by then
SCOPES: list[list[str] | None] = [None, [A], [B], [A, B]]
RANK = {name: rank for rank, name in enumerate(reads.SEVERITY_ORDER)}


@pytest.fixture
def store(store_url: str) -> Iterator[Ledger]:
    ledger = Ledger(store_url)
    build(ledger)
    yield ledger
    ledger.close()


def walk(read: Callable[..., reads.Page[Any]], limit: int, **kwargs: Any) -> list[Any]:
    """Every page of a list, following its cursors; fails on a loop."""
    found, cursor = [], None
    for _ in range(1000):
        page = read(limit=limit, cursor=cursor, **kwargs)
        assert len(page.items) <= limit
        found += page.items
        cursor = page.next_cursor
        if cursor is None:
            return found
        assert page.items, "a page with a next cursor must not be empty"
    raise AssertionError("the cursors never ended")


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["measure_id"] for row in rows]


def test_each_measure_filter_selects_its_measures(store: Ledger) -> None:
    def listed(**filters: Any) -> list[str]:
        return ids(reads.measures(store.sql, [A], as_of=JUNE, limit=500, **filters).items)

    assert listed(framework="wvggz") == ["a-m5", "a-m6"]
    assert listed(phase="active") == ["a-m2"]
    assert listed(category="supervision") == ["a-m8", "a-m9"]
    assert listed(client_id="cl-2") == ["a-m5", "a-m6", "a-m7"]
    # The latest counting proposal names the location: a-m3's move was retracted.
    assert listed(location="LOC-1") == ["a-m1", "a-m3"]
    assert listed(location="LOC-2") == ["a-m2", "a-m4"]
    assert listed(overdue=True) == ["a-m2", "a-m3", "a-m4", "a-m7", "a-m8"]
    assert listed(overdue=False) == ["a-m1", "a-m5", "a-m6", "a-m9"]
    assert listed(min_open_severity="critical") == ["a-m2"]
    assert listed(min_open_severity="high") == ["a-m2", "a-m3", "a-m4", "a-m7", "a-m8"]
    assert listed(min_open_severity="high", overdue=True, location="LOC-2") == ["a-m2", "a-m4"]
    # As of March 20 a-m2's review deadline (24 March) had not passed; a-m3's and a-m4's had.
    march = datetime(2026, 3, 20, tzinfo=UTC)
    assert ids(reads.measures(store.sql, [A], as_of=march, overdue=True).items) == [
        "a-m3",
        "a-m4",
        "a-m7",
    ]
    with pytest.raises(ValueError, match="severity"):
        reads.measures(store.sql, [A], as_of=JUNE, min_open_severity="urgent")


def test_overdue_compares_instants_not_the_text_of_two_offsets(store: Ledger) -> None:
    """a-m8's review falls due at 09:00+02:00 (07:00 UTC): at 08:00 UTC it is overdue."""
    at = datetime(2026, 4, 15, 8, tzinfo=UTC)
    assert "a-m8" in ids(reads.measures(store.sql, [A], as_of=at, overdue=True).items)
    before = datetime(2026, 4, 15, 6, 59, tzinfo=UTC)
    assert "a-m8" not in ids(reads.measures(store.sql, [A], as_of=before, overdue=True).items)


def test_measure_rows_are_status_rows_with_their_location(store: Ledger) -> None:
    [status] = [r for r in queries.status(store.sql, A) if r["measure_id"] == "a-m4"]
    row = reads.measure(store.sql, [A], A, "a-m4")
    assert row == {**status, "location_id": "LOC-2"}
    assert reads.measure(store.sql, [A], A, "a-m404") is None
    assert ids(reads.client_measures(store.sql, [A], A, "cl-2")) == ["a-m5", "a-m6", "a-m7"]


def test_measure_pages_walk_to_the_unpaged_list(store: Ledger) -> None:
    for providers in SCOPES:
        for filters in ({}, {"location": "LOC-1"}, {"overdue": True}):
            whole = reads.measures(store.sql, providers, as_of=JUNE, limit=500, **filters)
            assert whole.next_cursor is None
            keys = [(r["provider_id"], r["measure_id"]) for r in whole.items]
            assert keys == sorted(keys) and keys, (providers, filters)
            for limit in (1, 2, 3, 7):
                paged = walk(reads.measures, limit, sql=store.sql, providers=providers,
                             as_of=JUNE, **filters)  # fmt: skip
                assert paged == whole.items, (providers, filters, limit)


def alert_key(row: reads.AlertRow) -> tuple[int, datetime, str]:
    return (RANK[row.alert.severity], row.alert.since, row.alert.alert_id)


def test_alerts_agree_with_the_reference_read_and_sort_by_severity(store: Ledger) -> None:
    for as_of, include_resolved in itertools.product(
        (datetime(2026, 1, 5, 12, tzinfo=UTC), JUNE, LATER), (False, True)
    ):
        reference = queries.alerts(store.sql, as_of, include_resolved=include_resolved)
        for providers in SCOPES:
            page = reads.alerts(store.sql, providers, as_of=as_of,
                                include_resolved=include_resolved, limit=500)  # fmt: skip
            expected = [a for a in reference if providers is None or a.provider_id in providers]
            assert sorted(r.alert.alert_id for r in page.items) == sorted(
                a.alert_id for a in expected
            )
            assert {r.alert.alert_id: r.alert for r in page.items} == {
                a.alert_id: a for a in expected
            }
            assert [alert_key(r) for r in page.items] == sorted(map(alert_key, page.items))
    everything = reads.alerts(store.sql, None, as_of=LATER, include_resolved=True, limit=500)
    assert [r.alert.severity for r in everything.items][:1] == ["critical"]
    assert everything.items[-1].alert.severity == "low"


def test_an_alert_resolved_after_as_of_is_open_then(store: Ledger) -> None:
    """A-ZM-1's too-long second registration was retracted on 6 January."""
    [too_long] = reads.alerts(store.sql, [A], as_of=LATER, rule="AUTHORIZATION-TOO-LONG",
                              include_resolved=True).items  # fmt: skip
    assert too_long.alert.status == "resolved" and too_long.alert.resolved_at is not None
    assert too_long.location_id is None and too_long.client_id == "cl-2"
    before = datetime(2026, 1, 5, 12, tzinfo=UTC)
    one = reads.alert(store.sql, [A], too_long.alert.alert_id, as_of=before)
    assert one is not None and one.alert.status == "open" and one.alert.resolved_at is None
    assert reads.alert(store.sql, [A], too_long.alert.alert_id, as_of=LATER) == too_long
    not_yet = datetime(2026, 1, 5, 7, tzinfo=UTC)
    assert reads.alert(store.sql, [A], too_long.alert.alert_id, as_of=not_yet) is None
    assert reads.alerts(store.sql, [A], as_of=LATER, rule="AUTHORIZATION-TOO-LONG").items == []


FILTERS: list[tuple[dict[str, Any], Callable[[reads.AlertRow], bool]]] = [
    ({"rule": "REVIEW-OVERDUE"}, lambda r: r.alert.rule == "REVIEW-OVERDUE"),
    ({"severity": "high"}, lambda r: r.alert.severity == "high"),
    ({"min_severity": "high"}, lambda r: RANK[r.alert.severity] <= 1),
    ({"framework": "wzd"}, lambda r: r.alert.framework == "wzd"),
    ({"location": "LOC-2"}, lambda r: r.location_id == "LOC-2"),
    ({"status": "resolved"}, lambda r: r.alert.status == "resolved"),
    ({"status": "open"}, lambda r: r.alert.status == "open"),
    ({"measure": (A, "a-m2")}, lambda r: (r.alert.provider_id, r.alert.measure_id) == (A, "a-m2")),
    ({"client_id": "cl-2"}, lambda r: r.client_id == "cl-2"),
    ({"severity": "high", "location": "LOC-1"},
     lambda r: r.alert.severity == "high" and r.location_id == "LOC-1"),
]  # fmt: skip


def test_each_alert_filter_keeps_exactly_its_alerts(store: Ledger) -> None:
    everything = reads.alerts(store.sql, [A], as_of=LATER, include_resolved=True, limit=500)
    for filters, keep in FILTERS:
        expected = [row for row in everything.items if keep(row)]
        assert 0 < len(expected) < len(everything.items), filters
        found = reads.alerts(store.sql, [A], as_of=LATER, include_resolved=True, limit=500,
                             **filters)  # fmt: skip
        assert found.items == expected, filters
        assert walk(reads.alerts, 2, sql=store.sql, providers=[A], as_of=LATER,
                    include_resolved=True, **filters) == expected, filters  # fmt: skip


def test_alert_pages_walk_to_the_unpaged_list(store: Ledger) -> None:
    for providers in SCOPES:
        whole = reads.alerts(store.sql, providers, as_of=LATER, include_resolved=True, limit=500)
        assert len(whole.items) > 8 and whole.next_cursor is None
        for limit in (1, 3, 8):
            paged = walk(reads.alerts, limit, sql=store.sql, providers=providers, as_of=LATER,
                         include_resolved=True)  # fmt: skip
            assert paged == whole.items, (providers, limit)
            assert len({r.alert.alert_id for r in paged}) == len(paged)


def _forged(body: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def test_a_garbled_or_foreign_cursor_is_refused(store: Ledger) -> None:
    first = reads.measures(store.sql, None, as_of=JUNE, limit=2)
    alerts_first = reads.alerts(store.sql, None, as_of=LATER, limit=2)
    assert first.next_cursor and alerts_first.next_cursor
    measures_body = json.loads(base64.urlsafe_b64decode(first.next_cursor + "==="))
    bad = {
        "not base64": "%%%",
        "not json": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "wrong shape": _forged([1, 2]),
        "another list": alerts_first.next_cursor,
        "a bad key": _forged(measures_body | {"k": ["only one"]}),
        "empty": "",
    }
    for name, cursor in bad.items():
        with pytest.raises(reads.CursorError):
            reads.measures(store.sql, None, as_of=JUNE, limit=2, cursor=cursor)
        assert name
    with pytest.raises(reads.CursorError, match="other filters"):
        reads.measures(store.sql, None, as_of=JUNE, phase="active", cursor=first.next_cursor)
    body = json.loads(base64.urlsafe_b64decode(alerts_first.next_cursor + "==="))
    body["k"][0] = "urgent"
    with pytest.raises(reads.CursorError, match="sort key"):
        reads.alerts(store.sql, None, as_of=LATER, cursor=_forged(body))
    with pytest.raises(reads.CursorError):
        reads.rejects(store.sql, None, cursor=_forged({"l": "rejects", "f": "x", "k": ["1"]}))
    for limit in (0, 501):
        with pytest.raises(ValueError, match="limit"):
            reads.measures(store.sql, None, as_of=JUNE, limit=limit)


def test_evidence_events_are_timeline_entries_with_their_retraction(store: Ledger) -> None:
    [skipped] = reads.alerts(store.sql, [A], as_of=JUNE, rule="STEPPLAN-SKIPPED").items
    entries = reads.events(store.sql, [A], A, skipped.alert.evidence)
    timeline = queries.timeline(store.sql, A, "a-m2")
    assert len(entries) == len(skipped.alert.evidence) == 2  # in care order, not evidence order
    assert entries == [
        {"kind": "measure", "ref": "a-m2", **e}
        for e in timeline
        if e["event_id"] in skipped.alert.evidence
    ]
    [moved] = reads.events(store.sql, [A], A, ["a-m3-2", "b-m1-1", "missing"])
    assert moved["retracted_by"] == "a-m3-3"
    [order] = reads.events(store.sql, [A], A, ["zm1-a"])
    assert (order["kind"], order["ref"]) == ("authorization", "ZM-1")


def test_an_authorisation_is_its_counting_events_and_covers_its_measures(store: Ledger) -> None:
    order = reads.authorisation(store.sql, [A], A, "ZM-1")
    assert order is not None
    # zm1-b, the later registration, was retracted: zm1-a's validity and covers count.
    assert {k: v for k, v in order.items() if k not in ("events", "measures")} == {
        "provider_id": A,
        "authorization_id": "ZM-1",
        "client_id": "cl-2",
        "kind": "zorgmachtiging",
        "valid_from": "2026-01-01T00:00:00+01:00",
        "valid_until": "2026-06-30T00:00:00+02:00",
        "covers": ["admission", "seclusion"],
        "ended_at": "2026-05-15T09:00:00+02:00",
        "end_reason": "lifted by the court",
    }
    assert [(e["event_id"], e["retracted_by"]) for e in order["events"]] == [
        ("zm1-a", None),
        ("zm1-b", "zm1-c"),
        ("zm1-d", None),
    ]
    # a-m6 is not among the covered forms; a-m7 is Wzd care, which a zorgmachtiging is not.
    assert ids(order["measures"]) == ["a-m5"]
    assert order["measures"][0] == reads.measure(store.sql, [A], A, "a-m5")
    retracted = reads.authorisation(store.sql, [A], A, "CM-2")
    assert retracted is not None and retracted["kind"] is None and retracted["measures"] == []
    assert [e["retracted_by"] for e in retracted["events"]] == ["cm2-b"]
    listed = reads.client_authorisations(store.sql, [A], A, "cl-2")
    assert listed == [{k: v for k, v in order.items() if k not in ("events", "measures")}]
    assert reads.authorisation(store.sql, [A], A, "ZM-404") is None


def test_due_lists_next_deadlines_in_the_window_soonest_first(store: Ledger) -> None:
    month = timedelta(days=30)
    assert ids(reads.due(store.sql, None, as_of=JUNE, within=month)) == ["a-m9", "b-m2"]
    assert ids(reads.due(store.sql, [A], as_of=JUNE, within=month)) == ["a-m9"]
    assert reads.due(store.sql, [A], as_of=JUNE, within=timedelta(days=5)) == []
    spring = reads.due(store.sql, [A], as_of=datetime(2026, 2, 1, tzinfo=UTC), within=3 * month)
    assert ids(spring) == ["a-m7", "a-m3", "a-m4", "a-m2", "a-m8"]
    assert {r["next_deadline_rule"] for r in spring} == {"REVIEW-OVERDUE"}
    # 09:00+02:00 is 07:00 UTC: inside an hour from 06:30 UTC, outside one from 07:30 UTC.
    assert ids(reads.due(store.sql, [A], as_of=datetime(2026, 6, 11, 6, 30, tzinfo=UTC),
                         within=timedelta(hours=1))) == ["a-m9"]  # fmt: skip
    assert reads.due(store.sql, [A], as_of=datetime(2026, 6, 11, 7, 30, tzinfo=UTC),
                     within=timedelta(hours=1)) == []  # fmt: skip


def test_rejects_are_the_scope_s_dead_letters_newest_first(store: Ledger) -> None:
    store.submit(messages(b'{"provider_id": "' + b"x" * 5000 + b'"', name="long.jsonl"))
    everything = reads.rejects(store.sql, None, limit=500).items
    assert [r["id"] for r in everything] == sorted((r["id"] for r in everything), reverse=True)
    assert len(everything) == 4
    assert len(everything[0]["raw"]) == 4096 and everything[0]["raw_bytes"] > 5000
    assert [r["event_id"] for r in reads.rejects(store.sql, [A]).items] == ["a-m2-2"]
    assert [r["event_id"] for r in reads.rejects(store.sql, [B]).items] == ["b-m1-2"]
    assert walk(reads.rejects, 1, sql=store.sql, providers=None) == everything


def test_counts_and_last_ingest_are_scoped(store: Ledger) -> None:
    open_a = reads.alerts(store.sql, [A], as_of=JUNE, limit=500).items
    counted = {
        (c["rule"], c["severity"]): c["open"] for c in reads.alert_counts(store.sql, [A], JUNE)
    }
    expected: dict[tuple[str, str], int] = {}
    for row in open_a:
        key = (row.alert.rule, row.alert.severity)
        expected[key] = expected.get(key, 0) + 1
    assert counted == expected
    assert reads.alert_counts(store.sql, None, JUNE) == queries.alert_counts(store.sql, JUNE)
    assert reads.phase_counts(store.sql, [B]) == [
        {"framework": "wzd", "phase": "active", "measures": 1},
        {"framework": "wzd", "phase": "proposed", "measures": 1},
    ]
    newest_a = max(
        (e for m in ("a-m1", "a-m9") for e in queries.timeline(store.sql, A, m)),
        key=lambda e: e["position"],
    )
    assert reads.last_ingest(store.sql, [A]) == newest_a["recorded_at"]
    assert reads.last_ingest(store.sql, None) == reads.last_ingest(store.sql, [B])
    assert reads.last_ingest(store.sql, [A]) != reads.last_ingest(store.sql, [B])


def _every_read(store: Ledger, providers: list[str] | None, b_alert: str) -> list[Any]:
    sql = store.sql
    lists: list[Any] = [
        walk(reads.measures, 2, sql=sql, providers=providers, as_of=JUNE),
        walk(reads.measures, 500, sql=sql, providers=providers, as_of=JUNE, client_id="cl-1",
             location="LOC-1"),
        walk(reads.alerts, 3, sql=sql, providers=providers, as_of=LATER, include_resolved=True),
        walk(reads.alerts, 50, sql=sql, providers=providers, as_of=LATER, client_id="cl-1"),
        walk(reads.alerts, 50, sql=sql, providers=providers, as_of=LATER, measure=(B, "b-m1")),
        walk(reads.rejects, 1, sql=sql, providers=providers),
        reads.measure(sql, providers, B, "b-m1"),
        reads.alert(sql, providers, b_alert, as_of=LATER),
        reads.events(sql, providers, B, ["b-m1-1", "b-m1-2", "b-zm1"]),
        reads.client_measures(sql, providers, B, "cl-1"),
        reads.client_authorisations(sql, providers, B, "cl-1"),
        reads.authorisation(sql, providers, B, "ZM-1"),
        reads.authorisation(sql, providers, A, "ZM-1"),
        reads.due(sql, providers, as_of=JUNE, within=timedelta(days=30)),
        reads.alert_counts(sql, providers, JUNE),
        reads.phase_counts(sql, providers),
    ]  # fmt: skip
    return [asdict(x) if isinstance(x, reads.AlertRow) else x for x in lists]


def _text(value: Any) -> str:
    def default(v: Any) -> Any:
        return asdict(v) if isinstance(v, reads.AlertRow) else str(v)

    return json.dumps(value, default=default)


def test_a_provider_reads_nothing_of_another_even_by_its_ids(store: Ledger) -> None:
    [b_alert] = reads.alerts(store.sql, [B], as_of=JUNE, rule="APPLIED-WITHOUT-REVIEW").items
    seen = _text(_every_read(store, [A], b_alert.alert.alert_id))
    assert B not in seen and "b-m1" not in seen and "b-zm1" not in seen
    assert '"provider_id": null' not in seen  # the unattributed dead letter is not A's
    # The same reads with every provider do find B's rows: the test can fail.
    everything = _text(_every_read(store, None, b_alert.alert.alert_id))
    assert B in everything and "b-m1" in everything and "b-zm1" in everything
    nothing = _every_read(store, [], b_alert.alert.alert_id)
    assert all(not x for x in nothing)
    with pytest.raises(TypeError):
        reads.measures(store.sql, A, as_of=JUNE)
    with pytest.raises(TypeError):
        reads.events(store.sql, [A], A, "a-m2-1")


def test_a_measures_alerts_are_its_rows_of_the_alert_pages(store: Ledger) -> None:
    """The one indexed read of a measure's alerts gives what its paged read gives, in order."""
    measures = {(r.alert.provider_id, r.alert.measure_id) for r in reads.alerts(
        store.sql, None, as_of=LATER, include_resolved=True, limit=500).items}  # fmt: skip
    measures.discard((A, None))
    measures.discard((B, None))
    assert len(measures) > 2
    for as_of in (JUNE, LATER):
        for provider_id, measure_id in measures:
            assert measure_id is not None
            paged = reads.alerts(store.sql, None, as_of=as_of, include_resolved=True,
                                 measure=(provider_id, measure_id), limit=500).items  # fmt: skip
            one = reads.measure_alerts(store.sql, None, provider_id, measure_id, as_of=as_of)
            assert one == paged
            other = A if provider_id == B else B
            assert (
                reads.measure_alerts(store.sql, [other], provider_id, measure_id, as_of=as_of) == []
            )
