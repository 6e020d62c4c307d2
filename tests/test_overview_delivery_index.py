"""`report.delivered` on both stores, and the half-year overview rules in the alert index.

The events go through `Ledger.submit` like any provider event: a delivery lands on the
provider's own stream (no measure, no client), recording it twice is a duplicate, malformed
variants are dead letters with their reason. The index judges (provider, half-year) again
when an application or a delivery (or a retraction of either) arrives, in any order.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.alerts import Alert
from domain.rulebook import load_versions
from domain.wire import delivery_event_id
from ledger.service import Ledger
from projections import queries
from tests.conftest import event, lifecycle, messages

PROVIDER = "AGB:12345678"
BODY = "0123456789abcdef" * 4
FAR = datetime(9000, 1, 1, tzinfo=UTC)
LATE_FROM = datetime.fromisoformat("2026-08-13T00:00:00+02:00")
RULES = ("WZD-IGJ-OVERVIEW", "WVGGZ-IGJ-OVERVIEW")


def delivery(when: str, law: str = "wzd", period: str = "2026H1", **extra: Any) -> dict[str, Any]:
    return {
        "schema": "measure-event/v1",
        "event_id": delivery_event_id(period, law, BODY),
        "provider_id": PROVIDER,
        "occurred_at": when,
        "actor": {"role": "administrator", "id": "ops-1"},
        "type": "report.delivered",
        "data": {
            "period": period,
            "law": law,
            "body_sha256": BODY,
            "position": 9,
            "checkpoint_id": 1,
        },
        **extra,
    }


def overview_alerts(ledger: Ledger, as_of: datetime = FAR, **kw: Any) -> list[Alert]:
    ledger.refresh_alerts()
    found = queries.alerts(ledger.sql, as_of, **kw)
    return [a for a in found if a.rule in RULES]


def submit(ledger: Ledger, *bodies: dict[str, Any]) -> tuple[int, int, int]:
    counts, _ = ledger.submit(messages(*bodies))
    return counts.accepted, counts.duplicates, counts.rejected


def test_late_then_resolved_by_a_late_delivery(ledger: Ledger) -> None:
    """Care in 2026H1 and no delivery: open from 00:00 on 13 August (Amsterdam), not before;
    a delivery on 14 August resolves it there."""
    assert submit(ledger, *lifecycle("m1")) == (8, 0, 0)
    [alert] = overview_alerts(ledger, include_resolved=True)
    assert (alert.rule, alert.measure_id, alert.framework) == ("WZD-IGJ-OVERVIEW", None, "wzd")
    assert alert.since == LATE_FROM and alert.resolved_at is None
    assert alert.evidence == ("m1-5",)
    just_before = datetime.fromisoformat("2026-08-12T23:59:59.999999+02:00")
    assert overview_alerts(ledger, just_before) == []
    assert [a.alert_id for a in overview_alerts(ledger, LATE_FROM)] == [alert.alert_id]
    assert submit(ledger, delivery("2026-08-14T09:00:00+02:00")) == (1, 0, 0)
    [resolved] = overview_alerts(ledger, include_resolved=True)
    assert resolved.alert_id == alert.alert_id
    assert resolved.resolved_at == datetime.fromisoformat("2026-08-14T09:00:00+02:00")
    assert overview_alerts(ledger) == []
    # the provider alert names no client in the index, and no measure
    with ledger.sql.transaction(commit=False) as c:
        row = c.execute(
            "SELECT client_id, measure_id FROM view_alerts WHERE alert_id = ?",
            [alert.alert_id],
        ).fetchone()
    assert (row["client_id"], row["measure_id"]) == ("", None)


def _logged(ledger: Ledger, alert_id: str) -> int | None:
    with ledger.sql.transaction(commit=False) as c:
        row = c.execute(
            "SELECT seq FROM view_alert_changes WHERE alert_id = ?", [alert_id]
        ).fetchone()
    return None if row is None else int(row["seq"])


def test_a_rejudged_unchanged_overview_alert_is_not_written_again(ledger: Ledger) -> None:
    """Another application in the half-year judges it again; the alert is the same, so its
    row is left alone and the change log (what the feed reads) does not name it."""
    assert submit(ledger, *lifecycle("m1")) == (8, 0, 0)
    [alert] = overview_alerts(ledger, include_resolved=True)
    first = _logged(ledger, alert.alert_id)
    assert first is not None
    again = event(
        "measure.applied",
        event_id="m1-9",
        measure_id="m1",
        occurred_at="2026-04-20T10:00:00+02:00",
        data={},
    )
    assert submit(ledger, again) == (1, 0, 0)
    assert overview_alerts(ledger, include_resolved=True) == [alert]
    assert _logged(ledger, alert.alert_id) == first
    assert submit(ledger, delivery("2026-08-14T09:00:00+02:00")) == (1, 0, 0)
    [resolved] = overview_alerts(ledger, include_resolved=True)
    assert resolved.status == "resolved"
    later = _logged(ledger, alert.alert_id)
    assert later is not None and later > first


def test_on_time_delivery_recorded_before_the_care_arrives(ledger: Ledger) -> None:
    """Arrival order does not matter: the application re-judges the half-year."""
    assert submit(ledger, delivery("2026-08-12T23:59:00+02:00")) == (1, 0, 0)
    assert overview_alerts(ledger, include_resolved=True) == []
    submit(ledger, *lifecycle("m1"))
    assert overview_alerts(ledger, include_resolved=True) == []
    # the delivery is on the provider's stream: a timeline row, no measure status
    with ledger.sql.transaction(commit=False) as c:
        kinds = c.execute(
            "SELECT kind, ref, client_id FROM view_timeline WHERE type = 'report.delivered'"
        ).fetchall()
        statuses = c.execute("SELECT measure_id FROM view_status").fetchall()
    assert [(r["kind"], r["ref"], r["client_id"]) for r in kinds] == [("provider", "", "")]
    assert [r["measure_id"] for r in statuses] == ["m1"]


def test_a_retracted_delivery_does_not_count(ledger: Ledger) -> None:
    """Retracting the on-time delivery opens the alert again; retracting that retraction
    closes it again (a retracted retraction corrects nothing)."""
    submit(ledger, *lifecycle("m1"), delivery("2026-08-10T12:00:00+02:00"))
    assert overview_alerts(ledger, include_resolved=True) == []
    target = delivery_event_id("2026H1", "wzd", BODY)
    retraction = event(
        "event.retracted",
        event_id="r1",
        occurred_at="2026-09-01T10:00:00+02:00",
        data={"retracts_event_id": target, "reason": "sent the wrong file"},
    )
    assert submit(ledger, retraction) == (1, 0, 0)
    [alert] = overview_alerts(ledger, include_resolved=True)
    assert alert.since == LATE_FROM and alert.resolved_at is None
    undo = event(
        "event.retracted",
        event_id="r2",
        occurred_at="2026-09-02T10:00:00+02:00",
        data={"retracts_event_id": "r1", "reason": "the file was right"},
    )
    assert submit(ledger, undo) == (1, 0, 0)
    assert overview_alerts(ledger, include_resolved=True) == []


def test_retracting_the_only_application_leaves_nothing_to_deliver(ledger: Ledger) -> None:
    submit(ledger, *lifecycle("m1"))
    assert len(overview_alerts(ledger)) == 1
    retraction = event(
        "event.retracted",
        event_id="r1",
        occurred_at="2026-04-01T10:00:00+02:00",
        data={"retracts_event_id": "m1-5", "reason": "not applied after all"},
    )
    submit(ledger, retraction)
    assert overview_alerts(ledger, include_resolved=True) == []


def test_a_later_proposal_moves_the_care_to_another_law(ledger: Ledger) -> None:
    """A new proposal under the Wvggz (later in care order) makes the measure Wvggz care:
    the Wzd half-year has nothing to deliver any more, the Wvggz one has."""
    submit(ledger, *lifecycle("m1"))
    assert [a.rule for a in overview_alerts(ledger)] == ["WZD-IGJ-OVERVIEW"]
    reproposed = event(
        "measure.proposed",
        event_id="m1-again",
        occurred_at="2026-03-04T12:00:00+01:00",
        data=_wvggz_proposal(),
    )
    submit(ledger, reproposed)
    assert [a.rule for a in overview_alerts(ledger, include_resolved=True)] == [
        "WVGGZ-IGJ-OVERVIEW"
    ]


def test_rulebook_2026_1_raises_nothing(store_url: str) -> None:
    v1 = next(book for book in load_versions() if book.version == "2026.1")
    ledger = Ledger(store_url, rulebook=v1)
    try:
        submit(ledger, *lifecycle("m1"), delivery("2026-09-01T10:00:00+02:00"))
        assert overview_alerts(ledger, include_resolved=True) == []
    finally:
        ledger.close()


def test_recorded_twice_is_a_duplicate_and_malformed_variants_are_dead_letters(
    ledger: Ledger,
) -> None:
    good = delivery("2026-08-12T10:00:00+02:00", receipt="IGJ-2026-0042")
    good["data"]["receipt"] = good.pop("receipt")
    assert submit(ledger, good) == (1, 0, 0)
    assert submit(ledger, copy.deepcopy(good)) == (0, 1, 0)
    variants: dict[str, dict[str, Any]] = {
        "measure_id": {**good, "measure_id": "m1"},
        "client_id": {**good, "client_id": "cl-001"},
        "event_id": {**good, "event_id": "report.delivered:2026H1:wzd:ffffffffffffffff"},
        "data.body_sha256": {**good, "data": {**good["data"], "body_sha256": BODY.upper()}},
        "data.law": {**good, "data": {**good["data"], "law": "jeugd"}},
        "data.period": {**good, "data": {**good["data"], "period": "2026H3"}},
        "data.position": {**good, "data": {**good["data"], "position": 0}},
        "data.checkpoint_id": {
            **good,
            "data": {k: v for k, v in good["data"].items() if k != "checkpoint_id"},
        },
    }
    counts, letters = ledger.submit(messages(*variants.values()))
    assert (counts.accepted, counts.rejected) == (0, len(variants))
    for field, letter in zip(variants, letters, strict=True):
        assert field in letter.reason, (field, letter.reason)
        assert letter.provider_id == PROVIDER
    assert ledger.dead_letters.count() == len(variants)


def test_a_hash_that_starts_like_a_bsn_is_recorded(ledger: Ledger) -> None:
    """The id carries the hash's first 16 hex digits; a run of nine decimal digits passing
    the elfproef there (123456782) is no BSN, and the delivery is not refused for it."""
    body = "123456782abcdef0" + "0" * 48
    sent = delivery("2026-08-12T10:00:00+02:00")
    sent["event_id"] = delivery_event_id("2026H1", "wzd", body)
    sent["data"]["body_sha256"] = body
    assert sent["event_id"] == "report.delivered:2026H1:wzd:1234_5678_2abc_def0"
    assert submit(ledger, sent) == (1, 0, 0)


@pytest.mark.parametrize("law", ["wzd", "wvggz"])
def test_each_laws_delivery_counts_for_its_own_rule(ledger: Ledger, law: str) -> None:
    """Wzd and Wvggz care in one half-year: delivering one law's overview leaves the other
    law's alert open."""
    wvggz = [
        event("measure.proposed", event_id="w-1", measure_id="w1", data=_wvggz_proposal()),
        event(
            "authorization.registered",
            event_id="w-0",
            measure_id=None,
            occurred_at="2026-01-02T09:00:00+01:00",
        ),
        event(
            "measure.applied",
            event_id="w-2",
            measure_id="w1",
            occurred_at="2026-03-10T10:00:00+01:00",
        ),
    ]
    submit(ledger, *lifecycle("m1"), *wvggz, delivery("2026-08-01T10:00:00+02:00", law=law))
    [alert] = overview_alerts(ledger, include_resolved=True)
    other = "WVGGZ-IGJ-OVERVIEW" if law == "wzd" else "WZD-IGJ-OVERVIEW"
    assert alert.rule == other and alert.resolved_at is None


def _wvggz_proposal() -> dict[str, Any]:
    return {
        "framework": "wvggz",
        "category": "seclusion",
        "setting": "residential",
        "grounds": ["serious_bodily_harm"],
        "planned_start": "2026-03-02T09:00:00+01:00",
    }
