"""Properties of the views and the alert index: arrival order and rebuilds change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate
from ledger.service import Ledger
from projections import queries
from projections.alert_index import FACTS_OF_MEASURE, ORDERS_OF_CLIENT, facts_from_rows
from tests.conftest import event, lifecycle, messages

PROVIDER = "AGB:12345678"
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def _retraction(event_id: str, measure_id: str, target: str, day: str) -> dict[str, Any]:
    return event(
        "event.retracted",
        event_id=event_id,
        measure_id=measure_id,
        occurred_at=f"2026-{day}T09:00:00+02:00",
        data={"retracts_event_id": target, "reason": "registered in error"},
    )


def story() -> list[dict[str, Any]]:
    """Two measures of one client, an authorisation, a late review, a retraction, and
    chains of retractions across both streams: m1's end retracted, that retraction
    retracted, and that one again (depth 3); the authorisation retracted and that
    retraction retracted (depth 2). Arriving in any order, a retraction may come before
    what it retracts."""
    first = lifecycle("m1")
    second = [
        event(
            "measure.proposed",
            event_id="n-1",
            measure_id="m2",
            occurred_at="2026-04-01T09:00:00+02:00",
        ),
        event(
            "measure.applied",
            event_id="n-2",
            measure_id="m2",
            occurred_at="2026-04-02T09:00:00+02:00",
        ),
        event(
            "review.decided",
            event_id="n-3",
            measure_id="m2",
            occurred_at="2026-05-20T09:00:00+02:00",
        ),
        event(
            "event.retracted",
            event_id="n-4",
            measure_id="m2",
            occurred_at="2026-04-03T09:00:00+02:00",
            data={"retracts_event_id": "m1-6", "reason": "evaluation of another client"},
        ),
    ]
    order = [event("authorization.registered", event_id="a-1")]
    chains = [
        _retraction("c-1", "m2", "m1-8", "05-02"),
        _retraction("c-2", "m1", "c-1", "05-03"),
        _retraction("c-3", "m2", "c-2", "05-04"),
        _retraction("c-4", "m1", "a-1", "04-10"),
        _retraction("c-5", "m2", "c-4", "04-12"),
    ]
    return first + second + order + chains


def snapshot(ledger: Ledger) -> tuple[Any, ...]:
    ledger.refresh_alerts()
    alerts = [a.model_dump() for a in queries.alerts(ledger.sql, FAR, include_resolved=True)]
    return (
        queries.status(ledger.sql),
        [_stable(e) for e in queries.timeline(ledger.sql, PROVIDER, "m1")],
        [_stable(e) for e in queries.timeline(ledger.sql, PROVIDER, "m2")],
        alerts,
    )


def _stable(entry: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on arrival: everything but the ledger's own clock and order."""
    return {k: v for k, v in entry.items() if k not in ("position", "recorded_at", "source")}


def _without_registration(snap: tuple[Any, ...]) -> tuple[Any, ...]:
    *rest, alerts = snap
    return (*rest, [a for a in alerts if a["rule"] != "LATE-REGISTRATION"])


def ingest(
    path: Path, bodies: list[dict[str, Any]], cuts: list[int], cache_limit: int | None = None
) -> Ledger:
    ledger = Ledger(f"sqlite:///{path}")
    if cache_limit is not None:
        ledger.views.views.cache_limit = cache_limit
    start = 0
    for cut in [*sorted(cuts), len(bodies)]:
        if cut > start:
            ledger.submit(messages(*bodies[start:cut]))
            if cut % 2:
                ledger.refresh_alerts()  # the index is refreshed at arbitrary moments too
            start = cut
    return ledger


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(story()), st.lists(st.integers(0, len(story())), max_size=4))
def test_arrival_order_and_batching_do_not_change_the_views(
    tmp_path_factory: Any, arrived: list[dict[str, Any]], cuts: list[int]
) -> None:
    """Timeline, status and alerts are the same for any arrival order and batch split."""
    reference = ingest(tmp_path_factory.mktemp("ref") / "l.db", story(), [])
    shuffled = ingest(tmp_path_factory.mktemp("shuf") / "l.db", arrived, cuts)
    assert _without_registration(snapshot(shuffled)) == _without_registration(snapshot(reference))
    reference.close()
    shuffled.close()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(story()), st.lists(st.integers(0, len(story())), max_size=4))
def test_a_fold_cache_of_one_measure_changes_nothing(
    tmp_path_factory: Any, arrived: list[dict[str, Any]], cuts: list[int]
) -> None:
    """The status fold cache is bounded: a measure pushed out by another is re-folded from
    its rows, so with room for one measure (every other fold evicted) the views are equal."""
    roomy = ingest(tmp_path_factory.mktemp("roomy") / "l.db", arrived, cuts)
    tight = ingest(tmp_path_factory.mktemp("tight") / "l.db", arrived, cuts, cache_limit=1)
    assert _without_registration(snapshot(tight)) == _without_registration(snapshot(roomy))
    roomy.close()
    tight.close()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(story()), st.lists(st.integers(0, len(story())), max_size=4))
def test_rebuild_from_zero_equals_incremental(
    tmp_path_factory: Any, arrived: list[dict[str, Any]], cuts: list[int]
) -> None:
    """Views and alerts rebuilt from the stored events equal those built batch by batch."""
    ledger = ingest(tmp_path_factory.mktemp("inc") / "l.db", arrived, cuts)
    incremental = snapshot(ledger)
    ledger.rebuild()
    assert snapshot(ledger) == incremental
    ledger.close()


def _judged_by_the_rules(ledger: Ledger, measure_id: str) -> list[dict[str, Any]]:
    """The measure's alerts as the rules give them for the facts the ledger holds, with the
    story's retractions from other streams as the chain map (`retracted_ids`)."""
    chains: dict[str, list[tuple[str, datetime]]] = {}
    for body in story():
        if body["type"] == "event.retracted":
            at = datetime.fromisoformat(body["occurred_at"])
            chains.setdefault(body["data"]["retracts_event_id"], []).append((body["event_id"], at))
    with ledger.sql.transaction(commit=False) as c:
        facts = facts_from_rows(c.execute(FACTS_OF_MEASURE, [PROVIDER, measure_id]).fetchall())
        orders = facts_from_rows(c.execute(ORDERS_OF_CLIENT, [PROVIDER, "cl-001"]).fetchall())
    alerts = evaluate(facts, orders, Rulebook.load_default(), FAR_FUTURE, chains)
    return sorted((a.model_dump() for a in alerts), key=lambda a: a["alert_id"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(story()), st.lists(st.integers(0, len(story())), max_size=4))
def test_the_index_judges_as_the_rules_do(
    tmp_path_factory: Any, arrived: list[dict[str, Any]], cuts: list[int]
) -> None:
    """Whatever the arrival, each measure's indexed alerts are the rules' verdict on its
    facts, retraction chains across streams included (a retracted retraction counts for
    nothing: m1's end is gone on [c-1, c-2), stands again on [c-2, c-3), then is gone)."""
    ledger = ingest(tmp_path_factory.mktemp("judged") / "l.db", arrived, cuts)
    ledger.refresh_alerts()
    found = queries.alerts(ledger.sql, FAR, include_resolved=True)
    for measure_id in ("m1", "m2"):
        indexed = [a.model_dump() for a in found if a.measure_id == measure_id]
        assert sorted(indexed, key=lambda a: a["alert_id"]) == _judged_by_the_rules(
            ledger, measure_id
        )
    ledger.close()


def test_alert_is_resolved_not_deleted_by_a_late_review(tmp_path: Path) -> None:
    """REVIEW-OVERDUE is resolved by a late decision; --all keeps its history."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    ledger.submit(messages(story()[8]))
    ledger.refresh_alerts()
    july = datetime(2026, 7, 1, tzinfo=UTC)
    assert "REVIEW-OVERDUE" in [a.rule for a in queries.alerts(ledger.sql, july)]
    ledger.submit(messages(story()[10]))
    ledger.refresh_alerts()
    open_now = [a.rule for a in queries.alerts(ledger.sql, july)]
    history = [
        a
        for a in queries.alerts(ledger.sql, july, include_resolved=True)
        if a.rule == "REVIEW-OVERDUE"
    ]
    assert "REVIEW-OVERDUE" not in open_now
    assert [a.status for a in history] == ["resolved"]
    assert history[0].resolved_at == datetime.fromisoformat("2026-05-20T09:00:00+02:00")
    may = datetime(2026, 5, 1, tzinfo=UTC)
    [then] = [a for a in queries.alerts(ledger.sql, may) if a.rule == "REVIEW-OVERDUE"]
    assert (then.status, then.resolved_at) == ("open", None)
    ledger.close()


def test_retraction_resolves_the_alert_it_caused(tmp_path: Path) -> None:
    """An application that was retracted stops counting from the retraction on."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    ledger.submit(messages(*story()[8:10]))
    retract = event(
        "event.retracted",
        event_id="n-9",
        measure_id="m2",
        occurred_at="2026-04-05T09:00:00+02:00",
        data={"retracts_event_id": "n-2", "reason": "registered on the wrong measure"},
    )
    ledger.submit(messages(retract))
    ledger.refresh_alerts()
    history = queries.alerts(ledger.sql, FAR, include_resolved=True, rule="APPLIED-WITHOUT-REVIEW")
    assert [(a.status, a.resolved_at) for a in history] == [
        ("resolved", datetime.fromisoformat("2026-04-05T09:00:00+02:00"))
    ]
    ledger.close()


def test_no_alert_is_shown_before_its_since(tmp_path: Path) -> None:
    """alerts(as_of) never shows an alert whose since is after as_of."""
    ledger = ingest(tmp_path / "l.db", story(), [])
    ledger.refresh_alerts()
    for month in range(1, 13):
        as_of = datetime(2026, month, 15, tzinfo=UTC)
        found = queries.alerts(ledger.sql, as_of, include_resolved=True)
        assert all(a.since <= as_of for a in found)
    ledger.close()


def test_other_rules_refuse_until_every_measure_is_judged_again(tmp_path: Path) -> None:
    """An index judged by other rules is never mixed or silently wiped: rebuild re-judges."""
    from domain.rulebook import Rulebook
    from projections.recorders import RulebookChangedError

    path = tmp_path / "l.db"
    ledger = Ledger(f"sqlite:///{path}")
    ledger.submit(messages(story()[8]))
    ledger.refresh_alerts()
    july = datetime(2026, 7, 1, tzinfo=UTC)
    [before] = queries.alerts(ledger.sql, july, rule="REVIEW-OVERDUE")
    ledger.close()
    stricter = Rulebook.load_default(policy={"review": "21 days"})
    again = Ledger(f"sqlite:///{path}", rulebook=stricter)
    with pytest.raises(RulebookChangedError, match="measure-ledger rebuild"):
        again.refresh_alerts()
    [unchanged] = queries.alerts(again.sql, july, rule="REVIEW-OVERDUE")
    assert unchanged == before
    again.rebuild()
    [after] = queries.alerts(again.sql, july, rule="REVIEW-OVERDUE")
    assert (after.since - before.since).days == 7
    assert after.alert_id == before.alert_id
    again.close()


def test_concurrent_refreshes_take_turns(store_url: str) -> None:
    """Two processes refreshing the alert index at once judge each measure once, no error."""
    import threading

    writer = Ledger(store_url)
    for n in range(40):
        writer.submit(messages(*lifecycle(f"c{n}")[:3]))
    readers = [Ledger(store_url), Ledger(store_url)]
    for reader in readers:
        reader.alert_index.chunk = 25  # many small transactions, so the two interleave
    judged: list[int] = []
    errors: list[BaseException] = []

    def refresh(reader: Ledger) -> None:
        try:
            judged.append(reader.refresh_alerts())
        except BaseException as error:  # the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=refresh, args=(r,)) for r in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(judged) >= 40  # a measure split across two chunks is judged in each
    together = queries.alerts(writer.sql, FAR, include_resolved=True)
    writer.rebuild()
    assert together == queries.alerts(writer.sql, FAR, include_resolved=True)
    assert together
    for ledger in (writer, *readers):
        ledger.close()
