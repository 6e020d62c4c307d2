"""The batched refresh (projections/alert_judging.py) stores what judging one measure at a
time stored, and writes — so logs — only the alert rows that really changed.

The reference here is the index's former path, written out: per measure its facts and its
client's orders read alone, `evaluate` and `next_deadline`, every alert row replaced; per
client `evaluate_authorization`. On a synthetic store with retractions, on both stores.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any

from consumers import jsonl
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate, evaluate_authorization, next_deadline
from domain.rules.overview_delivery import OVERVIEW_RULES
from ledger.service import Ledger
from projections import alert_changes
from projections import alert_index as ai
from synthetic import encode_lines, generate
from tests.conftest import event, messages

Rows = dict[str, tuple[Any, ...]]


def measure_rules() -> Rulebook:
    """2026.2 without the provider-level rules (the half-year overview): those are judged
    per provider (projections/overview_alerts.py, its own tests), not by this path."""
    book = Rulebook.load_default()
    kept = {k: v for k, v in book.rules.items() if k not in OVERVIEW_RULES.values()}
    return dataclasses.replace(book, rules=kept)


def _fill(ledger: Ledger, measures: int = 120, seed: int = 11) -> None:
    data = b"".join(encode_lines(generate(measures=measures, seed=seed), malformed_share=0))
    jsonl.load(ledger, io.BytesIO(data), "judging.jsonl")


def _stored(ledger: Ledger) -> tuple[Rows, dict[tuple[str, str], tuple[Any, Any]]]:
    with ledger.sql.transaction(commit=False) as c:
        alerts = c.execute(f"SELECT {', '.join(ai.ALERT_COLUMNS)} FROM view_alerts").fetchall()
        status = c.execute(
            "SELECT provider_id, measure_id, next_deadline, next_deadline_rule FROM view_status"
        ).fetchall()
    rows = {r["alert_id"]: tuple(r[name] for name in ai.ALERT_COLUMNS) for r in alerts}
    due = {
        (r["provider_id"], r["measure_id"]): (r["next_deadline"], r["next_deadline_rule"])
        for r in status
    }
    return rows, due


def _one_at_a_time(ledger: Ledger) -> tuple[Rows, dict[tuple[str, str], tuple[Any, Any]]]:
    """What the per-measure path stored, computed from the views the same way."""
    book = ledger.alert_index.index.rulebook
    rows: Rows = {}
    due: dict[tuple[str, str], tuple[Any, Any]] = {}
    with ledger.sql.transaction(commit=False) as c:
        measures = c.execute("SELECT provider_id, measure_id FROM view_status").fetchall()
        clients = c.execute(
            "SELECT DISTINCT provider_id, client_id FROM view_timeline WHERE kind = 'authorization'"
        ).fetchall()
        for r in measures:
            provider_id, measure_id = r["provider_id"], r["measure_id"]
            facts = ai.facts_from_rows(
                c.execute(ai.FACTS_OF_MEASURE, [provider_id, measure_id]).fetchall()
            )
            client_id = max(facts, key=lambda f: f.position or 0).client_id
            orders = ai.facts_from_rows(
                c.execute(ai.ORDERS_OF_CLIENT, [provider_id, client_id]).fetchall()
            )
            retracted = ai.retractions(c, provider_id)
            for alert in evaluate(facts, orders, book, FAR_FUTURE, retracted):
                rows[alert.alert_id] = ai._alert_row(alert, client_id)
            last = max(f.occurred_at for f in facts)
            nxt = next_deadline(facts, orders, book, last, retracted)
            due[(provider_id, measure_id)] = (nxt[0].isoformat(), nxt[1]) if nxt else (None, None)
        for r in clients:
            provider_id, client_id = r["provider_id"], r["client_id"]
            orders = ai.facts_from_rows(
                c.execute(ai.ORDERS_OF_CLIENT, [provider_id, client_id]).fetchall()
            )
            found = evaluate_authorization(orders, book, FAR_FUTURE, ai.retractions(c, provider_id))
            for alert in found:
                rows[alert.alert_id] = ai._alert_row(alert, client_id)
    return rows, due


def _log(ledger: Ledger, after: int = 0) -> tuple[int, set[str]]:
    with ledger.sql.transaction(commit=False) as c:
        head = c.execute(alert_changes.HEAD).fetchone()["head"] or 0
        changed = c.execute(alert_changes.CHANGED, [after, head]).fetchall()
    return head, {r["alert_id"] for r in changed}


def test_the_batched_refresh_stores_what_one_at_a_time_did(store_url: str) -> None:
    ledger = Ledger(store_url, rulebook=measure_rules())
    try:
        _fill(ledger)
        judged = ledger.refresh_alerts()
        assert judged > 100
        stored, due = _stored(ledger)
        expected, expected_due = _one_at_a_time(ledger)
        assert stored == expected
        assert due == expected_due
        assert any(d != (None, None) for d in due.values())
        assert any(row[4] == "AUTHORIZATION-TOO-LONG" or row[2] is None for row in stored.values())
        # Every stored alert was logged once, by its insert.
        head, logged = _log(ledger)
        assert logged == set(stored)
        assert head == len(stored)
    finally:
        ledger.close()


def test_judging_again_writes_nothing_when_nothing_changed(store_url: str) -> None:
    ledger = Ledger(store_url, rulebook=measure_rules())
    try:
        _fill(ledger, measures=40)
        ledger.refresh_alerts()
        before, _ = _stored(ledger)
        head, _ = _log(ledger)
        recorder = ledger.alert_index
        with recorder.runner.transaction(commit=True) as c:
            rows = c.execute(
                "SELECT provider_id, measure_id, client_id FROM view_status"
            ).fetchall()
            recorder.index._retracted = {}
            judging = recorder.index._judging()
            judging.measures(c, [(r["provider_id"], r["measure_id"]) for r in rows])
            judging.clients(c, [(r["provider_id"], r["client_id"]) for r in rows])
        assert _stored(ledger)[0] == before
        assert _log(ledger)[0] == head  # not one alert row rewritten
    finally:
        ledger.close()


def test_the_change_log_names_exactly_the_alerts_that_changed(store_url: str) -> None:
    """A new event changes a few alerts of its measure (its late-registration evidence, a
    rule it breaks): the log gains exactly those ids, the others stay unwritten."""
    ledger = Ledger(store_url, rulebook=measure_rules())
    try:
        _fill(ledger, measures=40)
        ledger.refresh_alerts()
        before, _ = _stored(ledger)
        head, _ = _log(ledger)
        provider_id, measure_id = next(
            (row[1], row[2]) for row in before.values() if row[2] is not None
        )
        with ledger.sql.transaction(commit=False) as c:
            last = c.execute(
                "SELECT client_id, occurred_at FROM view_timeline WHERE provider_id = ? "
                "AND ref = ? ORDER BY occurred_utc DESC LIMIT 1",
                [provider_id, measure_id],
            ).fetchone()
        late = event(
            "measure.evaluated",
            event_id=f"{measure_id}-later",
            measure_id=measure_id,
            provider_id=provider_id,
            client_id=last["client_id"],
            occurred_at=last["occurred_at"],
            data={"outcome": "continue"},
        )
        ledger.submit(messages(late))
        assert ledger.refresh_alerts() == 1
        after, _ = _stored(ledger)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert changed  # its late-registration alert grew at least
        assert all(before.get(k, after.get(k))[2] == measure_id for k in changed)
        assert _log(ledger, head)[1] == changed
    finally:
        ledger.close()
