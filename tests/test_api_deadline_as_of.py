"""A measure's next deadline is relative to the moment read, not to everything known now.

The stored deadline is judged after the measure's last event. Read as of a moment before
that event, it must not count what happened later: here a review decided on 1 February hides,
as of January, the review that fell due on the 19th (and was missed by the 25th).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.service import Ledger, RawMessage

PROVIDER, MEASURE = "AGB:11111111", "m-1"


def event(n: int, type_: str, at: str, data: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "schema": "measure-event/v1",
            "event_id": f"e{n}",
            "provider_id": PROVIDER,
            "measure_id": MEASURE,
            "client_id": "c-1",
            "type": type_,
            "occurred_at": at,
            "actor": {"role": "zorgverantwoordelijke", "id": "zv-1"},
            "data": data,
        }
    ).encode()


def decided_late(decided_at: str) -> list[bytes]:
    """A wzd measure proposed on 5 January, its review decided at `decided_at`."""
    proposed = {
        "framework": "wzd",
        "category": "restrict_movement",
        "setting": "residential",
        "grounds": ["serious_bodily_harm"],
        "planned_start": "2026-01-06T09:00:00+01:00",
    }
    return [
        event(1, "measure.proposed", "2026-01-05T09:00:00+01:00", proposed),
        event(2, "review.decided", decided_at, {"decision": "approved"}),
    ]


@pytest.fixture
def reader(store_url: str) -> Iterator[tuple[TestClient, dict[str, str], Ledger]]:
    ledger = Ledger(store_url)
    try:
        lines = decided_late("2026-02-01T09:00:00+01:00")
        ledger.submit([RawMessage(raw, f"t.jsonl:{n}") for n, raw in enumerate(lines, 1)])
        ledger.refresh_alerts()
        _, token = ledger.tokens.create("provider", [PROVIDER], "deadline test", datetime.now(UTC))
        app = create_app(ledger, feed_key=b"k" * 32, refresh_interval_s=None)
        with TestClient(app) as client:
            yield client, {"Authorization": f"Bearer {token}"}, ledger
    finally:
        ledger.close()


def listed(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, object]:
    r = client.get("/api/v1/measures", headers=headers, params=params)
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    return item


def stored(ledger: Ledger) -> tuple[str | None, str | None]:
    with ledger.sql.transaction(commit=False) as c:
        row = c.execute("SELECT next_deadline, next_deadline_rule FROM view_status").fetchone()
    return row["next_deadline"], row["next_deadline_rule"]


def test_as_of_before_the_decision_the_review_is_the_deadline_and_stays_when_missed(
    reader: tuple[TestClient, dict[str, str], Ledger],
) -> None:
    """As of 6 and of 25 January: the review due on the 19th, the same either side of it."""
    client, headers, ledger = reader
    early = listed(client, headers, as_of="2026-01-06T12:00:00+01:00")
    missed = listed(client, headers, as_of="2026-01-25T12:00:00+01:00")
    assert early["next_deadline_rule"] == missed["next_deadline_rule"] == "REVIEW-OVERDUE"
    assert early["next_deadline"] == missed["next_deadline"]
    due = datetime.fromisoformat(str(early["next_deadline"]))
    assert datetime(2026, 1, 6, 11, tzinfo=UTC) < due < datetime(2026, 1, 25, 11, tzinfo=UTC)
    assert stored(ledger)[1] != "REVIEW-OVERDUE"  # what the view holds: judged after 1 Feb


def test_as_of_after_the_last_event_is_the_stored_deadline(
    reader: tuple[TestClient, dict[str, str], Ledger],
) -> None:
    """At or after the last event (and by default, now) the list shows what the view holds."""
    client, headers, ledger = reader
    after = listed(client, headers, as_of="2026-02-01T09:00:00+01:00")
    now = listed(client, headers)
    assert (after["next_deadline"], after["next_deadline_rule"]) == stored(ledger)
    assert (now["next_deadline"], now["next_deadline_rule"]) == stored(ledger)


def test_the_measure_read_now_does_not_count_an_event_dated_later(store_url: str) -> None:
    """A decision registered ahead of its date: until then the review is still what is due."""
    ledger = Ledger(store_url)
    try:
        ahead = (datetime.now(UTC) + timedelta(days=400)).isoformat(timespec="seconds")
        lines = decided_late(ahead)
        ledger.submit([RawMessage(raw, f"t.jsonl:{n}") for n, raw in enumerate(lines, 1)])
        ledger.refresh_alerts()
        _, token = ledger.tokens.create("provider", [PROVIDER], "deadline test", datetime.now(UTC))
        app = create_app(ledger, feed_key=b"k" * 32, refresh_interval_s=None)
        with TestClient(app) as client:
            r = client.get(
                f"/api/v1/measures/{PROVIDER}/{MEASURE}",
                headers={"Authorization": f"Bearer {token}"},
            )
        assert r.status_code == 200, r.text
        assert r.json()["measure"]["next_deadline_rule"] == "REVIEW-OVERDUE"
        assert stored(ledger)[1] != "REVIEW-OVERDUE"
    finally:
        ledger.close()
