"""The inspectorate asks for one client by `client_ref`, the name the feed gives it.

The inspectorate never sees a provider's pseudonym, so `client` is not its filter; the feed's
keyed hash is. It finds exactly that client's measures, paged like any list, and nothing in
the answer (items, cursor) carries the pseudonym. A provider cannot use the filter at all:
it has its own pseudonyms, and a hash it could not make must not become a probe.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any

from api_fixtures import FEED_KEY, Served, served  # noqa: F401  (the module-scoped fixture)

from domain.feed_changes import client_ref
from ledger.service import RawMessage


def measures(s: Served, who: str, **params: Any) -> Any:
    r = s.client.get("/api/v1/measures", headers=s.as_(who), params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return r.json()


def busiest_client(s: Served, who: str) -> tuple[str, str, list[str]]:
    """A client of `who`'s provider with the most measures: provider, pseudonym, measures."""
    mine = measures(s, who)["items"]
    client, _ = Counter(m["client_id"] for m in mine).most_common(1)[0]
    ids = sorted(m["measure_id"] for m in mine if m["client_id"] == client)
    return mine[0]["provider_id"], client, ids


def test_the_inspectorate_finds_one_clients_measures_by_client_ref(served: Served) -> None:
    """Exactly the measures the provider lists for that client, each with that client_ref."""
    provider, pseudonym, ids = busiest_client(served, "B")
    ref = client_ref(FEED_KEY, provider, pseudonym)
    body = measures(served, "igj", client_ref=ref)
    assert sorted(m["measure_id"] for m in body["items"]) == ids
    assert {(m["provider_id"], m["client_ref"]) for m in body["items"]} == {(provider, ref)}
    assert pseudonym not in str(body)
    assert all(m["client_id"] is None for m in body["items"])


def second_measure(s: Served, provider: str, pseudonym: str) -> None:
    """One more measure for a client of the demo (which gives each client one)."""
    proposed = {
        "schema": "measure-event/v1",
        "event_id": "client-ref-second",
        "provider_id": provider,
        "measure_id": "ZZ-client-ref-second",
        "client_id": pseudonym,
        "type": "measure.proposed",
        "occurred_at": "2026-06-01T10:00:00+02:00",
        "data": {
            "framework": "wzd",
            "category": "supervision",
            "setting": "residential",
            "grounds": ["serious_neglect"],
            "planned_start": "2026-06-02T10:00:00+02:00",
        },
    }
    s.ledger.submit([RawMessage(json.dumps(proposed).encode(), "client-ref.jsonl:1")])
    s.ledger.refresh_alerts()


def test_client_ref_pages_without_naming_the_pseudonym(served: Served) -> None:
    """Page by page the same measures; no cursor holds the pseudonym (its filters name the ref)."""
    provider, pseudonym, _ = busiest_client(served, "A")
    second_measure(served, provider, pseudonym)
    with served.ledger.sql.transaction(commit=False) as c:
        found = c.execute(
            "SELECT measure_id FROM view_status WHERE provider_id = ? AND client_id = ?",
            [provider, pseudonym],
        ).fetchall()
    ids = sorted(r["measure_id"] for r in found)
    ref = client_ref(FEED_KEY, provider, pseudonym)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        paging = {"cursor": cursor} if cursor else {}
        body = measures(served, "igj", client_ref=ref, limit=1, **paging)
        seen += [m["measure_id"] for m in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        assert pseudonym not in decoded
    assert seen == ids
    with served.ledger.sql.transaction(commit=False) as c:
        rows = c.execute("SELECT client_id FROM view_status WHERE provider_id = ?", [provider])
        others = sorted({r["client_id"] for r in rows.fetchall()} - {pseudonym})
    other = client_ref(FEED_KEY, provider, others[0])
    first = measures(served, "igj", client_ref=ref, limit=1)["next_cursor"]
    refused = served.client.get(
        "/api/v1/measures",
        headers=served.as_("igj"),
        params={"client_ref": other, "limit": 1, "cursor": first},
    )
    assert refused.status_code == 400  # a cursor of one client's list is not another's


def test_an_unknown_client_ref_is_an_empty_list_and_logged(served: Served) -> None:
    """A ref no client has: nothing, like a filter nothing matches; the read is logged."""
    before = len(served.ledger.access_log.read(token_id=served.token_ids["igj"]))
    body = measures(served, "igj", client_ref="0" * 64)
    assert body == {"items": [], "next_cursor": None}
    logged = served.ledger.access_log.read(token_id=served.token_ids["igj"])[before:]
    assert [(e.action, e.outcome) for e in logged] == [("list measures", "allowed")]


def test_a_provider_may_not_filter_by_client_ref(served: Served) -> None:
    """Refused and logged as denied, for its own client's ref and another provider's alike."""
    own = busiest_client(served, "A")
    theirs = busiest_client(served, "B")
    answers = []
    for provider, pseudonym, _ in (own, theirs):
        r = served.client.get(
            "/api/v1/measures",
            headers=served.as_("A"),
            params={"client_ref": client_ref(FEED_KEY, provider, pseudonym)},
        )
        answers.append((r.status_code, r.json()["detail"]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 403 and "inspectorate" in answers[0][1]
    last = served.ledger.access_log.read(token_id=served.token_ids["A"])[-1]
    assert last.outcome == "denied"


def test_a_malformed_client_ref_is_an_invalid_request(served: Served) -> None:
    """Not 64 hex digits: a 422 naming the parameter, the value not echoed."""
    r = served.client.get(
        "/api/v1/measures", headers=served.as_("igj"), params={"client_ref": "c-1'--"}
    )
    assert r.status_code == 422 and "client_ref" in r.json()["detail"]
    assert "c-1'--" not in r.text
