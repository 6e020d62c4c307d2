"""Receiving events: accepted, duplicate, rejected — on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from ledger.service import Ledger
from projections import queries
from tests.conftest import event, lifecycle, messages


def test_events_are_accepted_and_projected(ledger: Ledger) -> None:
    """A clean lifecycle is stored and its measure ends up ended."""
    counts, letters = ledger.submit(messages(*lifecycle()))
    assert (counts.accepted, counts.duplicates, counts.rejected) == (8, 0, 0)
    assert letters == []
    [row] = queries.status(ledger.sql)
    assert (row["measure_id"], row["phase"], row["framework"], row["facts"]) == (
        "m1",
        "ended",
        "wzd",
        8,
    )


def test_identical_resend_is_a_duplicate(ledger: Ledger) -> None:
    """The same (provider_id, event_id) with the same content stores nothing new."""
    ledger.submit(messages(*lifecycle()))
    before = ledger.app.recorder.max_notification_id()
    counts, _ = ledger.submit(messages(*lifecycle()))
    assert (counts.accepted, counts.duplicates, counts.rejected) == (0, 8, 0)
    assert ledger.app.recorder.max_notification_id() == before


def test_resend_with_other_key_order_and_defaults_is_a_duplicate(ledger: Ledger) -> None:
    """Content equality ignores key order and explicitly sent defaults."""
    first = event()
    ledger.submit(messages(first))
    again = dict(reversed(list(first.items())))
    again["data"] = {**first["data"], "emergency": False}
    counts, _ = ledger.submit(messages(again))
    assert counts.duplicates == 1


def test_duplicates_within_one_batch_are_stored_once(ledger: Ledger) -> None:
    """A batch that carries the same event twice stores it once."""
    counts, _ = ledger.submit(messages(event(), event()))
    assert (counts.accepted, counts.duplicates) == (1, 1)


def test_reused_event_id_with_other_content_is_rejected(ledger: Ledger) -> None:
    """Same key, different content: the stored event stands, the newcomer is dead-lettered."""
    ledger.submit(messages(event()))
    counts, letters = ledger.submit(messages(event(client_id="cl-other")))
    assert counts.rejected == 1
    [letter] = ledger.dead_letters.list()
    assert "already stored" in letter.reason and "event_id" in letter.reason
    assert b"cl-other" in letter.raw
    assert letters[0].event_id == "e1"


def test_malformed_lines_are_dead_lettered_and_the_batch_goes_on(ledger: Ledger) -> None:
    """Good events around bad lines are stored; each bad line is kept raw with its reason."""
    bad = [b"\xff\xfe", b"[1]", b"{oops", b'{"schema":"measure-event/v1"}']
    batch = messages(event(event_id="a"), *bad, event(event_id="b", measure_id="m2"))
    counts, _ = ledger.submit(batch)
    assert (counts.accepted, counts.rejected) == (2, 4)
    letters = ledger.dead_letters.list()
    assert [d.raw for d in letters] == bad
    assert [d.source for d in letters] == [f"test.jsonl:{i}" for i in range(2, 6)]
    assert all(d.reason for d in letters)


def test_dead_letters_are_not_duplicated_by_redelivery(ledger: Ledger) -> None:
    """The same bad message from the same origin is kept once."""
    ledger.submit(messages(b"{oops"))
    ledger.submit(messages(b"{oops"))
    assert ledger.dead_letters.count() == 1


def test_out_of_order_events_are_stored_not_refused(ledger: Ledger) -> None:
    """measure.applied before measure.proposed is stored; the measure exists from then on."""
    counts, _ = ledger.submit(messages(event("measure.applied", event_id="x1")))
    assert counts.accepted == 1
    [row] = queries.status(ledger.sql)
    assert (row["phase"], row["framework"]) == ("active", None)
    ledger.submit(messages(event(event_id="x0", occurred_at="2026-03-01T09:00:00+01:00")))
    [row] = queries.status(ledger.sql)
    assert (row["phase"], row["framework"], row["facts"]) == ("active", "wzd", 2)


def test_retraction_keeps_the_original_and_marks_it(ledger: Ledger) -> None:
    """A retracted event stays in the timeline, marked; status ignores it from then on."""
    ledger.submit(messages(*lifecycle()[:5]))
    retraction = event(
        "event.retracted",
        event_id="r1",
        occurred_at="2026-03-06T09:00:00+01:00",
        data={"retracts_event_id": "m1-5", "reason": "applied on another client"},
    )
    ledger.submit(messages(retraction))
    entries = queries.timeline(ledger.sql, "AGB:12345678", "m1")
    assert [e["event_id"] for e in entries] == ["m1-1", "m1-2", "m1-3", "m1-4", "m1-5", "r1"]
    applied = entries[4]
    assert (applied["retracted_by"], applied["retraction_reason"]) == (
        "r1",
        "applied on another client",
    )
    [row] = queries.status(ledger.sql)
    assert row["phase"] == "approved"


def test_retraction_that_arrives_first_still_marks_its_target(ledger: Ledger) -> None:
    """Arrival order does not matter for retractions either."""
    retraction = event(
        "event.retracted",
        event_id="r1",
        occurred_at="2026-03-06T09:00:00+01:00",
        data={"retracts_event_id": "m1-5", "reason": "wrong client"},
    )
    ledger.submit(messages(retraction))
    ledger.submit(messages(*lifecycle()[:5]))
    entries = queries.timeline(ledger.sql, "AGB:12345678", "m1")
    assert next(e for e in entries if e["event_id"] == "m1-5")["retracted_by"] == "r1"
    assert queries.status(ledger.sql)[0]["phase"] == "approved"


def test_authorizations_are_stored_without_a_measure(ledger: Ledger) -> None:
    """authorization.* events have their own stream and do not create a measure."""
    counts, _ = ledger.submit(messages(event("authorization.registered", event_id="a1")))
    assert counts.accepted == 1
    assert queries.status(ledger.sql) == []


def test_rebuild_gives_the_same_views(ledger: Ledger) -> None:
    """Views rebuilt from zero equal the views built batch by batch."""
    for n in range(3):
        ledger.submit(messages(*lifecycle(f"m{n}")[: 3 + n * 2]))
    ledger.refresh_alerts()
    before = (queries.status(ledger.sql), queries.timeline(ledger.sql, "AGB:12345678", "m2"))
    assert ledger.rebuild() > 0
    after = (queries.status(ledger.sql), queries.timeline(ledger.sql, "AGB:12345678", "m2"))
    assert after == before


def test_views_resume_where_they_stopped(store_url: str) -> None:
    """Events stored while the views were not kept current are applied on the next catch-up."""
    first = Ledger(store_url)
    first.submit(messages(*lifecycle()[:2]), project=False)
    first.close()
    second = Ledger(store_url)
    assert second.catch_up() == 2 + 1  # two facts and the stream's opening
    assert second.catch_up() == 0
    assert queries.status(second.sql)[0]["phase"] == "proposed"
    second.close()


def test_events_can_be_encrypted_at_rest(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With LEDGER_CIPHER_KEY the stored events are ciphertext; the ledger reads them back."""
    import base64
    import sqlite3

    monkeypatch.setenv("LEDGER_CIPHER_KEY", base64.b64encode(b"k" * 32).decode())
    ledger = Ledger(sqlite_url)
    ledger.submit(messages(*lifecycle()))
    assert ledger.rebuild() == 9
    assert queries.status(ledger.sql)[0]["phase"] == "ended"
    ledger.close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        states = [row[0] for row in conn.execute("SELECT state FROM stored_events")]
    assert states
    assert not any(b"seclusion" in state or b"m1-1" in state for state in states)


def test_a_failed_batch_leaves_no_row_no_view_and_no_cached_fold_behind(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure inside the batch's transaction (after the events and the views were
    written in it) undoes all of it; the next batch continues the stream without a gap."""
    from eventsourcing.persistence import OperationalError

    ledger = Ledger(sqlite_url)
    ledger.submit(messages(*lifecycle()[:2]))
    recorder = ledger.app.recorder
    real_seal = ledger.checkpoints.seal_in

    def failing_seal(*args: object, **kwargs: object) -> bool:
        raise OperationalError("database is locked")

    monkeypatch.setattr(ledger.checkpoints, "seal_in", failing_seal)
    with pytest.raises(OperationalError):
        ledger.submit(messages(lifecycle()[2]))
    with ledger.sql.transaction(commit=False) as c:
        assert recorder.head_position(c) == 3  # Opened and the two events
    assert queries.status(ledger.sql)[0]["facts"] == 2
    monkeypatch.setattr(ledger.checkpoints, "seal_in", real_seal)
    ledger.submit(messages(*lifecycle()[2:]))
    assert queries.status(ledger.sql)[0]["facts"] == 8  # the fold went on from the rows
    ledger.close()
    fresh = Ledger(sqlite_url)
    assert fresh.rebuild() == 9
    assert queries.status(fresh.sql)[0]["facts"] == 8
    assert fresh.verify(None).damage is None
    fresh.close()


def test_store_url_errors_do_not_show_the_password() -> None:
    """A PostgreSQL password never appears in an error message."""
    from store.urls import StoreUrl, StoreUrlError

    with pytest.raises(StoreUrlError) as error:
        StoreUrl("postgresql://ledger:S3cretPw@db.example").environment()
    assert "S3cretPw" not in str(error.value)


def test_a_bsn_in_rejected_input_is_masked_in_the_dead_letters(ledger: Ledger) -> None:
    """Rejected input is kept, but a BSN in it never reaches the ledger, not even there."""
    bad = event(client_id="123456782")
    other = {**event(event_id="x"), "note": "BSN 111222333 and order 123456789"}
    ledger.submit(messages(bad, other))
    letters = ledger.dead_letters.list()
    assert len(letters) == 2
    assert all(b"123456782" not in d.raw and b"111222333" not in d.raw for d in letters)
    assert b"#########" in letters[0].raw
    assert b"123456789" in letters[1].raw  # not a BSN (fails the elfproef): kept as sent
    assert all("masked" in d.reason for d in letters)


def test_status_client_is_the_one_named_last_whatever_the_batching(ledger: Ledger) -> None:
    """If a provider changes a measure's client pseudonym, the latest message wins, always."""
    ledger.submit(messages(event(event_id="p1")))
    later_in_care = event(
        "measure.applied", event_id="p2", client_id="cl-a", occurred_at="2026-05-01T09:00:00+02:00"
    )
    earlier_in_care = event(
        "measure.evaluated",
        event_id="p3",
        client_id="cl-b",
        occurred_at="2026-04-01T09:00:00+02:00",
    )
    ledger.submit(messages(later_in_care, earlier_in_care))
    incremental = queries.status(ledger.sql)[0]["client_id"]
    ledger.rebuild()
    assert incremental == queries.status(ledger.sql)[0]["client_id"] == "cl-b"
