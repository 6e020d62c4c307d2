"""The feed's due set gives exactly what the full scan gives, pass by pass, on both stores.

The old feed read every alert with `since <= now` on each pass (`FeedStore.scan_pending`,
kept as the definition); the feed now reads the alert index's change log and due-time queue
into its own due set (projections/feed_due.py). These tests replay one store history —
a synthetic year ingested in parts while the clock moves on, a late decision that withdraws
an alert, a retraction, an index emptied for a rebuild and refilled, the clock set back, a
batch limit that leaves a backlog — through both, and require the same messages in the
same order, and the same candidates on every pass.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.feed_changes import Indexed, Withdrawn, due_changes
from ledger.service import Ledger
from projections.feed_store import FeedStore, Placed
from synthetic import DEFAULT_START, generate
from tests.conftest import event, lifecycle, messages

KEY = b"k" * 32
LEGACY = Path(__file__).parent / "data" / "store-2026-11"
LIMIT = 25  # small: the story's backlog spans passes, as a large one does at 1000
Read = Callable[[datetime, int], tuple[list[Indexed], list[Withdrawn]]]
Message = tuple[str, str, str]


def store_of(ledger: Ledger, topic: str) -> FeedStore:
    store = FeedStore(ledger.sql, topic, ledger.alert_index.tracking_table)
    store.create_tables()
    return store


def run_pass(store: FeedStore, read: Read, now: datetime) -> list[Message]:
    """What `AlertFeed.tick` does with the store: changes due, cut at the limit, recorded."""
    indexed, withdrawn = read(now, LIMIT)
    changes = due_changes(indexed, withdrawn, now, KEY)[:LIMIT]
    start = store.positions().get(0, 0)
    if changes:
        store.record([Placed(c, 0, start + i) for i, c in enumerate(changes)], now)
    return [(c.change_id, c.reason, c.value.model_dump_json(by_alias=True)) for c in changes]


class Twins:
    """One ledger, two topics: one fed by the scan (the old feed), one by the due set."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.scan = store_of(ledger, "by-scan")
        self.due = store_of(ledger, "by-due-set")
        self.passes = 0
        self.messages = 0

    def step(self, now: datetime) -> None:
        """One pass of each; the due set must hold what the scan finds on its topic too."""
        assert self.due.pending(now, LIMIT) == self.due.scan_pending(now, LIMIT), now
        old = run_pass(self.scan, self.scan.scan_pending, now)
        new = run_pass(self.due, self.due.pending, now)
        assert new == old, now
        self.passes += 1
        self.messages += len(old)

    def drain(self, now: datetime) -> None:
        for _ in range(400):
            before = self.messages
            self.step(now)
            if self.messages == before:
                return
        pytest.fail("the feed did not drain its backlog")


def story_events() -> list[dict[str, Any]]:
    """A synthetic year with many planted problems, in arrival order."""
    return generate(measures=40, seed=11, providers=2, problem_share=0.4)


def withdrawal_story(ledger: Ledger, twins: Twins, now: datetime) -> None:
    """APPLIED-WITHOUT-REVIEW published, then a late decision shows it never held; a
    retraction takes back an application."""
    events = lifecycle("late-m", prefix="late")
    decision = next(e for e in events if e["type"] == "review.decided")
    ledger.submit(messages(*[e for e in events if e is not decision]))
    ledger.refresh_alerts()
    twins.drain(now)
    ledger.submit(messages(decision, name="late.jsonl"))
    applied = next(e for e in events if e["type"] == "measure.applied")
    retraction = event(
        "event.retracted",
        event_id="late-r1",
        measure_id="late-m",
        occurred_at="2026-03-06T10:00:00+01:00",
        data={"retracts_event_id": applied["event_id"], "reason": "wrong measure"},
    )
    ledger.submit(messages(retraction, name="retract.jsonl"))
    ledger.refresh_alerts()
    twins.drain(now)


def test_the_due_set_publishes_what_the_scan_publishes(ledger: Ledger) -> None:
    """Same messages, same order, on one history: ingest in parts, time passing, a withdrawal,
    a rebuild, the clock set back, backlogs."""
    twins = Twins(ledger)
    events = story_events()
    parts = [
        events[i : i + len(events) // 6 + 1] for i in range(0, len(events), len(events) // 6 + 1)
    ]
    now = DEFAULT_START.astimezone(UTC)
    for n, part in enumerate(parts):
        ledger.submit(messages(*part, name=f"part{n}.jsonl"))
        ledger.refresh_alerts()
        for _ in range(3):
            twins.step(now)
            now += timedelta(days=11)
        if n == 2:
            withdrawal_story(ledger, twins, now)
        if n == 3:
            ledger.alert_index.reset()  # a rebuild's first step: the index empty, position 0
            twins.step(now)
            ledger.refresh_alerts()
            twins.drain(now)
        if n == 4:
            twins.step(now - timedelta(days=30))  # a clock set back (an operator, NTP)
    for _ in range(12):  # the deadlines of the rest of the year and beyond fall due
        now += timedelta(days=31)
        twins.drain(now)
    assert twins.messages > 3 * LIMIT  # the story published, in more than one batch
    withdrawn = [m for m in twins.due.published() if m["change"] == "resolved"]
    assert withdrawn
    assert twins.due.pending(now, LIMIT) == ([], [])


def test_a_pass_with_nothing_new_writes_nothing(ledger: Ledger) -> None:
    """Once drained, a pass finds no news and leaves the cursor where it was."""
    twins = Twins(ledger)
    ledger.submit(messages(*story_events()))
    ledger.refresh_alerts()
    now = datetime(2028, 1, 1, tzinfo=UTC)
    twins.drain(now)
    with ledger.sql.transaction(commit=False) as c:
        before = c.execute("SELECT * FROM feed_cursor ORDER BY topic").fetchall()
    assert twins.due.pending(now + timedelta(seconds=1), LIMIT) == ([], [])
    with ledger.sql.transaction(commit=False) as c:
        assert c.execute("SELECT * FROM feed_cursor ORDER BY topic").fetchall() == before
        assert c.execute("SELECT COUNT(*) AS n FROM feed_due").fetchone()["n"] == 0


def forget_change_log(ledger: Ledger) -> None:
    """Make the store look written by an earlier version: no change log, no due set."""
    postgres = ledger.store.dialect.name == "postgresql"
    with ledger.sql.transaction(commit=True) as c:
        if postgres:
            c.execute("DROP TRIGGER view_alerts_logged ON view_alerts")
            c.execute("DROP FUNCTION view_alerts_log_change()")
        else:
            for name in ("insert", "delete", "update"):
                c.execute(f"DROP TRIGGER view_alerts_logged_{name}")
        for table in ("view_alert_changes", "feed_due", "feed_cursor"):
            c.execute(f"DROP TABLE {table}")


def test_a_store_without_change_log_goes_on_where_the_old_feed_stopped(store_url: str) -> None:
    """An earlier version indexed and published part of the story; the new feed's first pass
    publishes exactly what the old one would have, and it goes on incrementally."""
    events = story_events()
    half = len(events) // 2
    ledger = Ledger(store_url)
    try:
        late = lifecycle("late-m", prefix="late")
        decision = next(e for e in late if e["type"] == "review.decided")
        ledger.submit(messages(*events[:half], *[e for e in late if e is not decision]))
        ledger.refresh_alerts()
        old = store_of(ledger, "by-scan")
        now = DEFAULT_START.astimezone(UTC) + timedelta(days=150)
        for _ in range(100):  # the old feed published everything due
            if not run_pass(old, old.scan_pending, now):
                break
        forget_change_log(ledger)
        # Written unlogged: the rest of the year, and a decision that withdraws an alert the
        # old feed published (APPLIED-WITHOUT-REVIEW of late-m).
        ledger.submit(messages(*events[half:], decision, name="unlogged.jsonl"))
        ledger.refresh_alerts()
    finally:
        ledger.close()
    ledger = Ledger(store_url)  # the new version opens it: change log and triggers created
    try:
        twins = Twins(ledger)
        twins.due = store_of(ledger, "by-scan")  # the old feed's topic, continued: no cursor
        first = twins.due.pending(now, LIMIT)
        assert first == twins.due.scan_pending(now, LIMIT)
        assert [w.last.rule for w in first[1]] == ["APPLIED-WITHOUT-REVIEW"]
        for moment in (now, now + timedelta(days=60), now + timedelta(days=400)):
            assert twins.due.pending(moment, LIMIT) == twins.due.scan_pending(moment, LIMIT)
            run_pass(twins.due, twins.due.pending, moment)
        ledger.submit(messages(*lifecycle("after-upgrade")))
        ledger.refresh_alerts()
        later = now + timedelta(days=500)
        for _ in range(100):
            assert twins.due.pending(later, LIMIT) == twins.due.scan_pending(later, LIMIT)
            if not run_pass(twins.due, twins.due.pending, later):
                break
        assert twins.due.scan_pending(later, LIMIT) == ([], [])
    finally:
        ledger.close()


def test_the_legacy_store_feeds_as_the_scan_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store written before the change log (tests/data/store-2026-11): the first pass
    and the ones after it, also after new facts, agree with the scan."""
    shutil.copyfile(LEGACY / "store.db", tmp_path / "store.db")
    monkeypatch.setenv("LEDGER_RULEBOOK_VERSION", "2026.1")  # the rules that judged it
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "signing.key"))
    ledger = Ledger(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with ledger.sql.transaction(commit=False) as c:
            assert c.execute("SELECT COUNT(*) AS n FROM view_alerts").fetchone()["n"] > 0
            assert c.execute("SELECT COUNT(*) AS n FROM view_alert_changes").fetchone()["n"] == 0
        twins = Twins(ledger)
        start = datetime(2026, 3, 1, tzinfo=UTC)
        for days in (0, 90, 200):
            twins.drain(start + timedelta(days=days))
        assert twins.messages > 0
        without_review = [e for e in lifecycle("new-m") if e["type"] != "review.decided"]
        ledger.submit(messages(*without_review, name="new.jsonl"))
        ledger.refresh_alerts()
        before = twins.messages
        for days in (200, 400, 800):
            twins.drain(start + timedelta(days=days))
        assert twins.messages > before
    finally:
        ledger.close()


def test_every_write_of_an_alert_row_is_logged_in_commit_order(ledger: Ledger) -> None:
    """Insert, update (in place, and of the id) and delete each move the row's entry past
    every earlier one: the log is generic, whatever code writes the index."""
    ledger.submit(messages(*lifecycle("m1")))
    ledger.refresh_alerts()

    def entries() -> dict[str, int]:
        with ledger.sql.transaction(commit=False) as c:
            rows = c.execute("SELECT alert_id, seq FROM view_alert_changes").fetchall()
        return {r["alert_id"]: int(r["seq"]) for r in rows}

    first = entries()
    assert first, "the refresh wrote alerts"
    some = min(first, key=first.get)  # type: ignore[arg-type]
    with ledger.sql.transaction(commit=True) as c:
        c.execute("UPDATE view_alerts SET message = message || '.' WHERE alert_id = ?", [some])
    updated = entries()
    assert updated[some] > max(first.values())
    with ledger.sql.transaction(commit=True) as c:
        c.execute("UPDATE view_alerts SET alert_id = 'renamed' WHERE alert_id = ?", [some])
    renamed = entries()
    assert renamed[some] > updated[some] and renamed["renamed"] > updated[some]
    ledger.alert_index.reset()
    emptied = entries()
    assert all(emptied[a] > max(renamed.values()) for a in renamed if a != some)  # deleted
