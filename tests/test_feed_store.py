"""The feed's tables on both stores: what is pending, what is recorded, what was withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.feed_changes import due_changes
from domain.wire import delivery_event_id
from ledger.service import Ledger
from projections.feed_store import FeedStore, Found, Placed
from tests.conftest import lifecycle, messages

KEY = b"k" * 32
NOW = datetime(2026, 11, 1, tzinfo=UTC)
TOPIC = "measure-alerts"


def store_of(ledger: Ledger, topic: str = TOPIC) -> FeedStore:
    store = FeedStore(ledger.sql, topic, ledger.alert_index.tracking_table)
    store.create_tables()
    return store


def without_review(ledger: Ledger) -> list[dict]:
    """A Wzd lifecycle whose review decision is missing: APPLIED-WITHOUT-REVIEW and more."""
    events = lifecycle("m1")
    ledger.submit(messages(*[e for e in events if e["type"] != "review.decided"]))
    ledger.refresh_alerts()
    return events


def publish_all(store: FeedStore, now: datetime = NOW) -> list[Placed]:
    """Pretend every due change was acknowledged at partition 0, offsets 0.., and record it."""
    indexed, withdrawn = store.pending(now, 1000)
    start = store.positions().get(0, 0)
    changes = due_changes(indexed, withdrawn, now, KEY)
    placed = [Placed(c, 0, start + i) for i, c in enumerate(changes)]
    store.record(placed, now)
    return placed


def test_due_changes_are_pending_until_recorded(ledger: Ledger) -> None:
    """Recorded changes leave the pending set, and the position moves past their offsets."""
    without_review(ledger)
    store = store_of(ledger)
    placed = publish_all(store)
    assert {(p.change.change) for p in placed} == {"opened", "resolved"}
    assert store.pending(NOW, 1000) == ([], [])
    assert store.positions() == {0: len(placed)}
    assert [(r["alert_id"], r["change"]) for r in store.published()] == [
        (p.change.alert_id, p.change.change) for p in placed
    ]


def test_topics_are_accounted_separately(ledger: Ledger) -> None:
    """A second topic starts from nothing published."""
    without_review(ledger)
    publish_all(store_of(ledger))
    indexed, _ = store_of(ledger, "other-topic").pending(NOW, 1000)
    assert indexed and not any(i.opened for i in indexed)


def test_an_alert_that_vanishes_after_opening_is_withdrawn(ledger: Ledger) -> None:
    """A late review decision shows APPLIED-WITHOUT-REVIEW never held: it must be resolved."""
    events = without_review(ledger)
    store = store_of(ledger)
    opened = {p.change.alert_id: p.change for p in publish_all(store)}
    ledger.submit(messages(next(e for e in events if e["type"] == "review.decided")))
    ledger.refresh_alerts()
    _, withdrawn = store.pending(NOW, 1000)
    assert [w.last.rule for w in withdrawn] == ["APPLIED-WITHOUT-REVIEW"]
    assert withdrawn[0].last == opened[withdrawn[0].last.alert_id].value
    publish_all(store)
    assert store.pending(NOW, 1000)[1] == []


def test_a_provider_alert_that_vanishes_is_withdrawn_and_names_no_client(ledger: Ledger) -> None:
    """WZD-IGJ-OVERVIEW published as opened (no client_ref: it names no client), then an
    in-time delivery recorded afterwards: the feed resolves it as withdrawn."""
    ledger.submit(messages(*lifecycle("m1")))
    ledger.refresh_alerts()
    store = store_of(ledger)
    placed = publish_all(store)
    [overview] = [p.change for p in placed if p.change.value.rule == "WZD-IGJ-OVERVIEW"]
    assert overview.change == "opened" and overview.value.client_ref is None
    assert overview.value.measure_id is None
    sent = {
        "schema": "measure-event/v1",
        "event_id": delivery_event_id("2026H1", "wzd", "ab" * 32),
        "provider_id": overview.value.provider_id,
        "occurred_at": "2026-08-12T15:00:00+02:00",
        "type": "report.delivered",
        "data": {
            "period": "2026H1",
            "law": "wzd",
            "body_sha256": "ab" * 32,
            "position": 1,
            "checkpoint_id": 1,
        },
    }
    ledger.submit(messages(sent))
    ledger.refresh_alerts()
    _, withdrawn = store.pending(NOW, 1000)
    assert [w.last.alert_id for w in withdrawn] == [overview.alert_id]
    final = [p.change for p in publish_all(store)]
    assert [(c.alert_id, c.change, c.reason) for c in final] == [
        (overview.alert_id, "resolved", "withdrawn")
    ]
    assert final[0].value.client_ref is None


def test_nothing_looks_withdrawn_while_the_index_is_being_rebuilt(ledger: Ledger) -> None:
    """An emptied index whose position trails the timeline withdraws nothing."""
    without_review(ledger)
    store = store_of(ledger)
    publish_all(store)
    ledger.alert_index.reset()  # the first step of `rebuild`: no alerts, position 0
    assert store.pending(NOW, 1000)[1] == []
    ledger.refresh_alerts()
    assert store.pending(NOW, 1000) == ([], [])


def test_reconciliation_marks_found_changes_once(ledger: Ledger) -> None:
    """Changes read back from the topic are recorded, duplicates ignored, positions set."""
    without_review(ledger)
    store = store_of(ledger)
    indexed, _ = store.pending(NOW, 1000)
    changes = due_changes(indexed, [], NOW, KEY)
    found = [
        Found(c.alert_id, c.change, 1, i, c.value.model_dump_json(by_alias=True))
        for i, c in enumerate(changes)
    ]
    assert store.reconciled(found, {0: 0, 1: len(found)}, NOW) == len(found)
    assert store.reconciled(found[:1], {1: len(found)}, NOW) == 0
    assert store.pending(NOW, 1000) == ([], [])
    assert store.positions() == {0: 0, 1: len(found)}
    assert {r["recorded_by"] for r in store.published()} == {"reconcile"}
