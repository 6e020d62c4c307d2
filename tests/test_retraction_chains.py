"""A retraction that is itself retracted retracts nothing, through the store, everywhere.

A measure ends, is applied afterwards (APPLIED-AFTER-END), the end is retracted (the alert
resolves: no end, no application after it), and that retraction is retracted: the end
counts again, so the alert is open again from then, as a second alert with its own id.
Retracting the retraction of the retraction takes the end away once more. Retractions
may sit in any measure's stream of the provider, and may name an authorisation: the
measure that relies on it is judged by whether the registration stands at each moment.
Every reader must agree: the alert index (all and as of any moment), the feed, the
status view with its next deadline, the timeline and the API's measure detail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from domain.alerts import Alert
from domain.feed_changes import due_changes
from ledger.service import Ledger
from projections import queries
from projections.authorisation_reads import client_authorisations
from projections.feed_store import FeedStore, Placed
from projections.measure_reads import measure, measures
from tests.conftest import event, lifecycle, messages

P = "AGB:12345678"
FAR = datetime.fromisoformat("2030-01-01T00:00:00+01:00")
NOW = datetime.fromisoformat("2026-11-01T00:00:00+01:00")
AFTER_END = "APPLIED-AFTER-END"
END = "m1-8"  # lifecycle("m1") ends on 2026-05-01


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"2026-{day}T12:00:00+02:00")


def retraction(event_id: str, target: str, day: str, measure_id: str = "m1") -> dict[str, Any]:
    return event(
        "event.retracted",
        event_id=event_id,
        measure_id=measure_id,
        occurred_at=f"2026-{day}T10:00:00+02:00",
        data={"retracts_event_id": target, "reason": "registered in error"},
    )


def applied_after_the_end() -> list[dict[str, Any]]:
    """A lawful lifecycle of m1, an application after its end, a second measure m2 of the
    same client (its stream carries retractions too)."""
    late = event("measure.applied", event_id="late", occurred_at="2026-05-05T10:00:00+02:00")
    other = event(
        "measure.proposed",
        event_id="m2-1",
        measure_id="m2",
        occurred_at="2026-04-01T09:00:00+02:00",
    )
    return [*lifecycle("m1"), late, other]


def history(ledger: Ledger, rule: str) -> list[Alert]:
    ledger.refresh_alerts()
    return queries.alerts(ledger.sql, FAR, include_resolved=True, rule=rule)


def spans(alerts: list[Alert]) -> list[tuple[datetime, datetime | None]]:
    return [(a.since, a.resolved_at) for a in alerts]


def open_rules(ledger: Ledger, moment: datetime, measure_id: str = "m1") -> set[str]:
    """The rules open on the measure at `moment`, but for registration lag (the story is
    recorded long after it happened)."""
    found = queries.alerts(ledger.sql, moment)
    return {a.rule for a in found if a.measure_id == measure_id} - {"LATE-REGISTRATION"}


def status_of(ledger: Ledger, measure_id: str = "m1") -> dict[str, Any]:
    [row] = [r for r in queries.status(ledger.sql, P) if r["measure_id"] == measure_id]
    return row


def entry(ledger: Ledger, event_id: str, measure_id: str = "m1") -> dict[str, Any]:
    [found] = [e for e in queries.timeline(ledger.sql, P, measure_id) if e["event_id"] == event_id]
    return found


def test_a_retracted_retraction_brings_the_alert_back(ledger: Ledger) -> None:
    """End retracted, then the retraction retracted: APPLIED-AFTER-END is open again."""
    ledger.submit(messages(*applied_after_the_end(), retraction("r1", END, "05-06")))
    ledger.submit(messages(retraction("r2", "r1", "05-07")))
    first, second = history(ledger, AFTER_END)
    assert spans([first, second]) == [
        (datetime.fromisoformat("2026-05-05T10:00:00+02:00"), at("05-06").replace(hour=10)),
        (at("05-07").replace(hour=10), None),
    ]
    assert (first.status, second.status) == ("resolved", "open")
    assert first.alert_id != second.alert_id
    assert AFTER_END not in open_rules(ledger, at("05-04"))
    assert AFTER_END in open_rules(ledger, at("05-05"))
    assert AFTER_END not in open_rules(ledger, at("05-06"))
    assert AFTER_END in open_rules(ledger, at("05-07"))
    # The measure ended and stays ended: nothing is overdue on it, ever.
    assert open_rules(ledger, FAR) == {AFTER_END}


def test_the_views_count_the_end_again(ledger: Ledger) -> None:
    """Status, next deadline and timeline: the end stands once its retraction is retracted."""
    ledger.submit(messages(*applied_after_the_end(), retraction("r1", END, "05-06")))
    ledger.refresh_alerts()
    assert status_of(ledger)["phase"] != "ended"
    assert status_of(ledger)["next_deadline"] is not None
    ledger.submit(messages(retraction("r2", "r1", "05-07")))
    ledger.refresh_alerts()
    row = status_of(ledger)
    assert (row["phase"], row["end_reason"]) == ("ended", "afgebouwd")
    assert row["next_deadline"] is None
    assert entry(ledger, END)["retracted_by"] is None
    assert entry(ledger, "r1")["retracted_by"] == "r2"


def test_depth_three_across_streams_takes_the_end_away_again(ledger: Ledger) -> None:
    """r3 (in m1) retracts r2 (in m2), which retracted r1 (in m1): the end is gone again."""
    ledger.submit(messages(*applied_after_the_end(), retraction("r1", END, "05-06")))
    ledger.submit(messages(retraction("r2", "r1", "05-07", measure_id="m2")))
    ledger.submit(messages(retraction("r3", "r2", "05-08")))
    assert spans(history(ledger, AFTER_END)) == [
        (datetime.fromisoformat("2026-05-05T10:00:00+02:00"), at("05-06").replace(hour=10)),
        (at("05-07").replace(hour=10), at("05-08").replace(hour=10)),
    ]
    assert AFTER_END in open_rules(ledger, at("05-07"))
    assert AFTER_END not in open_rules(ledger, at("05-08"))
    row = status_of(ledger)
    assert row["phase"] != "ended" and row["next_deadline"] is not None
    assert entry(ledger, END)["retracted_by"] == "r1"


def test_arrival_in_one_batch_or_reversed_gives_the_same_index(ledger: Ledger) -> None:
    """The chain arriving backwards (retraction before what it retracts) judges the same."""
    chain = [
        retraction("r1", END, "05-06", measure_id="m2"),
        retraction("r2", "r1", "05-07"),
        retraction("r3", "r2", "05-08", measure_id="m2"),
        retraction("r4", "r3", "05-09"),
    ]
    ledger.submit(messages(*applied_after_the_end()))
    for one in reversed(chain):
        ledger.submit(messages(one))
        ledger.refresh_alerts()
    backwards = spans(history(ledger, AFTER_END))
    assert backwards == [
        (datetime.fromisoformat("2026-05-05T10:00:00+02:00"), at("05-06").replace(hour=10)),
        (at("05-07").replace(hour=10), at("05-08").replace(hour=10)),
        (at("05-09").replace(hour=10), None),
    ]
    ledger.rebuild()
    assert spans(history(ledger, AFTER_END)) == backwards
    assert status_of(ledger)["phase"] == "ended"


def _published(store: FeedStore) -> list[tuple[str, str]]:
    """Publish every due change (as acknowledged at partition 0) and say which."""
    indexed, withdrawn = store.pending(NOW, 1000)
    start = store.positions().get(0, 0)
    changes = due_changes(indexed, withdrawn, NOW, b"k" * 32)
    store.record([Placed(c, 0, start + i) for i, c in enumerate(changes)], NOW)
    return [(c.value.rule, c.change) for c in changes if c.value.measure_id == "m1"]


def test_the_feed_publishes_opened_resolved_opened(ledger: Ledger) -> None:
    """The feed sees the second interval as a new alert opening, and closes the others."""
    store = FeedStore(ledger.sql, "measure-alerts", ledger.alert_index.tracking_table)
    store.create_tables()
    ledger.submit(messages(*applied_after_the_end(), retraction("r1", END, "05-06")))
    ledger.refresh_alerts()
    first = [c for c in _published(store) if c[0] != "LATE-REGISTRATION"]
    assert (AFTER_END, "opened") in first and (AFTER_END, "resolved") in first
    ledger.submit(messages(retraction("r2", "r1", "05-07")))
    ledger.refresh_alerts()
    second = [c for c in _published(store) if c[0] != "LATE-REGISTRATION"]
    assert (AFTER_END, "opened") in second
    assert (AFTER_END, "resolved") not in second
    overdue = {rule for rule, change in first if change == "opened"} - {AFTER_END}
    assert overdue, "the retracted end left the measure running: something fell due"
    assert {(rule, "resolved") for rule in overdue} <= set(second)


def test_the_measure_detail_shows_both_intervals(ledger: Ledger) -> None:
    """GET /api/v1/measures/P/m1: two APPLIED-AFTER-END alerts, the end not struck."""
    ledger.submit(messages(*applied_after_the_end(), retraction("r1", END, "05-06")))
    ledger.submit(messages(retraction("r2", "r1", "05-07", measure_id="m2")))
    ledger.refresh_alerts()
    _, secret = ledger.tokens.create("provider", (P,), "test", NOW)
    client = TestClient(create_app(ledger, feed_key=b"k" * 32, refresh_interval_s=None))
    answer = client.get(f"/api/v1/measures/{P}/m1", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.text
    detail = answer.json()
    mine = [a for a in detail["alerts"] if a["rule"] == AFTER_END]
    assert sorted(a["status"] for a in mine) == ["open", "resolved"]
    assert {a["rule"] for a in detail["alerts"]} <= {AFTER_END, "LATE-REGISTRATION"}
    [end] = [e for e in detail["timeline"] if e["event_id"] == END]
    assert end["retracted_by"] is None
    assert detail["measure"]["phase"] == "ended"


def _youth_care(order_id: str = "MGJ-1") -> list[dict[str, Any]]:
    """A closed youth care measure relying on a machtiging gesloten jeugdhulp."""
    order = event(
        "authorization.registered",
        event_id="a-1",
        occurred_at="2026-02-20T09:00:00+01:00",
        data={
            "authorization_id": order_id,
            "kind": "machtiging_gesloten_jeugdhulp",
            "valid_from": "2026-02-20T09:00:00+01:00",
            "valid_until": "2026-12-31T00:00:00+01:00",
        },
    )
    proposed = event(
        "measure.proposed",
        event_id="j-1",
        measure_id="j1",
        occurred_at="2026-03-02T09:00:00+01:00",
        data={
            "framework": "jeugdwet",
            "category": "supervision",
            "setting": "closed_youth_care",
            "grounds": ["serious_bodily_harm"],
            "planned_start": "2026-03-05T09:00:00+01:00",
            "planned_end": "2026-04-30T09:00:00+02:00",
        },
    )
    applied = event(
        "measure.applied",
        event_id="j-2",
        measure_id="j1",
        occurred_at="2026-03-05T09:00:00+01:00",
        data={"ended_at": "2026-05-30T09:00:00+02:00"},
    )
    return [order, proposed, applied, *applied_after_the_end()[-1:]]


def test_a_retracted_retraction_of_an_order_restores_the_basis(ledger: Ledger) -> None:
    """Registration retracted (in m2), that retracted (in j1), and that again (in m2)."""
    ledger.submit(messages(*_youth_care()))
    basis = "NO-LEGAL-BASIS"
    assert history(ledger, basis) == []
    ledger.submit(messages(retraction("o1", "a-1", "04-01", measure_id="m2")))
    ledger.submit(messages(retraction("o2", "o1", "04-10", measure_id="j1")))
    alerts = history(ledger, basis)
    assert spans(alerts) == [(at("04-01").replace(hour=10), at("04-10").replace(hour=10))]
    assert basis not in open_rules(ledger, FAR, "j1")
    [order] = client_authorisations(ledger.sql, None, P, "cl-001")
    assert order["authorization_id"] == "MGJ-1"
    ledger.submit(messages(retraction("o3", "o2", "04-20", measure_id="m2")))
    alerts = history(ledger, basis)
    assert spans(alerts) == [
        (at("04-01").replace(hour=10), at("04-10").replace(hour=10)),
        (at("04-20").replace(hour=10), None),
    ]
    assert basis in open_rules(ledger, at("04-25"), "j1")
    assert client_authorisations(ledger.sql, None, P, "cl-001") == []


def _proposal(event_id: str, day: str, location: str) -> dict[str, Any]:
    data = {**lifecycle("m1")[0]["data"], "location_id": location}
    return event(
        "measure.proposed", event_id=event_id, occurred_at=f"2026-{day}T09:00:00+01:00", data=data
    )


def test_the_location_follows_the_proposal_that_stands(ledger: Ledger) -> None:
    """A later proposal moves the measure; its retraction moves it back, and so on."""
    ledger.submit(messages(_proposal("p1", "03-01", "LOC-A"), _proposal("p2", "03-10", "LOC-B")))
    chain = [
        (retraction("q1", "p2", "03-20", measure_id="m2"), "LOC-A", "LOC-B"),
        (retraction("q2", "q1", "03-21"), "LOC-B", "LOC-A"),
        (retraction("q3", "q2", "03-22", measure_id="m2"), "LOC-A", "LOC-B"),
    ]
    for link, here, elsewhere in chain:
        ledger.submit(messages(link))
        assert measure(ledger.sql, None, P, "m1")["location_id"] == here, link["event_id"]
        at_here = measures(ledger.sql, None, as_of=FAR, location=here).items
        at_elsewhere = measures(ledger.sql, None, as_of=FAR, location=elsewhere).items
        assert ([r["measure_id"] for r in at_here], at_elsewhere) == (["m1"], [])
