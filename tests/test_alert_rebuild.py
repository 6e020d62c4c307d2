"""`rebuild` judges the alert index in bulk (projections/alert_rebuild.py): the same rows as the
incremental refresh, byte for byte, on both stores, and crash safe.

The incremental rows come from ingesting an interleaved synthetic stream (planted problems,
retractions, orders) in batches with a refresh after each, as `ingest` and `consume` do; the
rebuild then replaces every projection and must give back exactly those rows: alerts (ids,
intervals, content), next deadlines, timeline, retractions and status.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.service import Ledger, RawMessage
from projections import alert_rebuild
from synthetic import encode_lines, generate_events
from tests.conftest import lifecycle, line

TABLES = {
    "view_alerts": "alert_id",
    "view_status": "provider_id, measure_id",
    "view_timeline": "position",
    "view_retractions": "provider_id, target_event_id, retraction_event_id",
}


def _interleaved(n_events: int, seed: int) -> list[bytes]:
    events = list(generate_events(n_events, seed))
    events.sort(key=lambda e: datetime.fromisoformat(e["occurred_at"]).astimezone(UTC))
    return list(encode_lines(iter(events), malformed_share=0.0, seed=seed))


def _ingest_incrementally(ledger: Ledger, lines: list[bytes], batch: int = 400) -> None:
    for start in range(0, len(lines), batch):
        part = [RawMessage(raw, "stream.jsonl") for raw in lines[start : start + batch]]
        ledger.submit(part)
        ledger.refresh_alerts()


def _rows(ledger: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    with ledger.sql.transaction(commit=False) as c:
        return {
            table: [
                tuple(_values(r))
                for r in c.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            ]
            for table, key in TABLES.items()
        }


def _values(row: Any) -> Any:
    return row.values() if isinstance(row, dict) else row


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    """The synthetic year, and measures left open part-way (a deadline still ahead)."""
    stream = _interleaved(3000, seed=11)
    for i in range(1, 6):
        for offset, body in enumerate(lifecycle(f"open{i}")[:i]):
            stream.insert(200 * i + 300 * offset, line(body))
    return stream


@pytest.mark.parametrize("workers", [1, 2])
def test_rebuild_gives_the_rows_of_the_incremental_path(
    store_url: str, lines: list[bytes], workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_rebuild, "CHUNK", 37)  # many chunks, a provider split across
    ledger = Ledger(store_url)
    try:
        _ingest_incrementally(ledger, lines)
        before = _rows(ledger)
        assert len(before["view_alerts"]) > 100 and before["view_retractions"]
        assert any(r[-2] is not None for r in before["view_status"])  # next deadlines
        assert any(r[2] is None for r in before["view_alerts"])  # an order's own alert
        ticks: list[int] = []
        total = ledger.app.recorder.max_notification_id()
        assert ledger.rebuild(ticks.append, workers=workers) == total
        assert _rows(ledger) == before
        assert len(ticks) > 10 and sum(ticks) == 2 * total
        assert ledger.verify_views().difference is None
    finally:
        ledger.close()


def test_a_rebuild_killed_while_judging_leaves_a_store_a_refresh_completes(
    store_url: str, lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks already judged are committed, the position is not: a later refresh judges every
    measure from zero and gives the same rows; so does a later rebuild."""
    ledger = Ledger(store_url)
    try:
        _ingest_incrementally(ledger, lines[:1500])
        before = _rows(ledger)
        monkeypatch.setattr(alert_rebuild, "CHUNK", 25)
        calls = 0
        real = alert_rebuild._measure_chunk

        def dies_on_the_fourth(*args: Any) -> int:
            nonlocal calls
            calls += 1
            if calls == 4:
                raise KeyboardInterrupt  # as a kill between two chunks' commits
            return real(*args)

        monkeypatch.setattr(alert_rebuild, "_measure_chunk", dies_on_the_fourth)
        with pytest.raises(KeyboardInterrupt):
            ledger.rebuild(workers=2)
        assert ledger.alert_index.position() == 0  # nothing claims to be judged
        with ledger.sql.transaction(commit=False) as c:
            partial = c.execute("SELECT COUNT(*) AS n FROM view_alerts").fetchone()["n"]
        assert 0 < partial < len(before["view_alerts"])
        monkeypatch.setattr(alert_rebuild, "_measure_chunk", real)
        ledger.refresh_alerts()
        assert _rows(ledger) == before
        ledger.rebuild(workers=1)
        assert _rows(ledger) == before
    finally:
        ledger.close()
