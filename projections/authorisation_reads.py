"""Authorisations as the pages show them: one order with its events and the measures it covers.

An authorisation is not a row of any view: it is what its unretracted `authorization.*`
events say, folded the way the rules fold them (`timeline_state.fold_authorizations`: the
latest registration of an id wins, its first end counts). Reading it through the same
domain code keeps the page and the alerts in agreement about what was in force. Which
measures an order covers (its kind's framework, its `covers` list) is the rulebook's and
`Authorization.covers`'s answer too, never a second copy of that mapping here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.timeline_state import Authorization, fold_authorizations, sort_key
from projections.alert_index import FACT_ROWS, ORDERS_OF_CLIENT, facts_from_rows
from projections.measure_reads import client_measures
from projections.queries import (
    TIMELINE_ORDER,
    TIMELINE_SELECT,
    timeline_entries,
    void_retractions,
)
from projections.read_paging import Providers, in_scope
from projections.retraction_reads import retracted_now
from store.sql import SqlCursor, SqlRunner

#: An order's events (those that count are kept by `_counting`), and the same events for
#: the page, with their retractions. Both read the stream index: (provider_id, kind, ref).
FACTS_OF_ORDER = FACT_ROWS + "WHERE provider_id = ? AND kind = 'authorization' AND ref = ?"
TIMELINE_OF_ORDER = (
    TIMELINE_SELECT
    + "WHERE t.provider_id = ? AND t.kind = 'authorization' AND t.ref = ? "
    + TIMELINE_ORDER
)


@cache
def _shipped_rulebook() -> Rulebook:
    return Rulebook.load_default()


def _fields(provider_id: str, authorization_id: str, order: Authorization | None) -> dict[str, Any]:
    registered = order.registered if order is not None else None
    ended = order.ended if order is not None else None
    data = registered.data if registered is not None else None
    return {
        "provider_id": provider_id,
        "authorization_id": authorization_id,
        "client_id": registered.client_id if registered else None,
        "kind": data.kind if data else None,
        "valid_from": data.valid_from.isoformat() if data else None,
        "valid_until": data.valid_until.isoformat() if data else None,
        "covers": list(data.covers) if data and data.covers is not None else None,
        "ended_at": ended.occurred_at.isoformat() if ended else None,
        "end_reason": ended.data.reason if ended else None,
    }


def authorisation(
    sql: SqlRunner,
    providers: Providers,
    provider_id: str,
    authorization_id: str,
    *,
    rulebook: Rulebook | None = None,
) -> dict[str, Any] | None:
    """One authorisation; None when the provider has no event of it or is outside the scope.

    When every registration of it was retracted it still has its events (shown struck),
    but no kind, validity or client, and covers no measure. `rulebook` maps its kind to a
    framework (default: the shipped rulebook; the mapping is law, not policy).
    """
    if not in_scope(providers, provider_id):
        return None
    key = [provider_id, authorization_id]
    with sql.transaction(commit=False) as c:
        rows = c.execute(TIMELINE_OF_ORDER, key).fetchall()
        entries = timeline_entries(rows, void=void_retractions(c, provider_id, rows))
        facts = _counting(c, provider_id, c.execute(FACTS_OF_ORDER, key).fetchall())
    if not entries:
        return None
    orders = fold_authorizations(sorted(facts, key=sort_key))
    order = orders[0] if orders else None
    result = _fields(provider_id, authorization_id, order)
    result["events"] = entries
    result["measures"] = []
    if order is not None:
        framework = (rulebook or _shipped_rulebook()).authorizations[order.kind].framework
        result["measures"] = [
            row
            for row in client_measures(sql, providers, provider_id, order.registered.client_id)
            if row["framework"] == framework and order.covers(row["category"])
        ]
    return result


def client_authorisations(
    sql: SqlRunner, providers: Providers, provider_id: str, client_id: str
) -> list[dict[str, Any]]:
    """The client's authorisations with a registration that counts, by start of validity.

    The fields of `authorisation`, without its events and measures.
    """
    if not in_scope(providers, provider_id):
        return []
    with sql.transaction(commit=False) as c:
        rows = c.execute(ORDERS_OF_CLIENT, [provider_id, client_id]).fetchall()
        facts = _counting(c, provider_id, rows)
    orders = fold_authorizations(sorted(facts, key=sort_key))
    ordered = sorted(orders, key=lambda o: (o.registered.data.valid_from, o.authorization_id))
    return [_fields(provider_id, order.authorization_id, order) for order in ordered]


def _counting(c: SqlCursor, provider_id: str, rows: Sequence[Any]) -> list[Fact]:
    """The facts of these rows that stand: not retracted by a retraction that counts
    (a retracted registration whose retraction was retracted is in force again)."""
    facts = facts_from_rows(rows)
    gone = retracted_now(c, provider_id, [fact.event_id for fact in facts])
    return [fact for fact in facts if fact.event_id not in gone]
