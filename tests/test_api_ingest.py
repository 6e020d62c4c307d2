"""`POST /api/v1/events` on a fresh store per test: what is stored, refused and dead-lettered.

The body takes the path a file takes (validation, dead letters, idempotency), plus what
only HTTP has: the ingest token's provider guard, a size limit, a media type and roles.
Every test looks in the store itself as well as at the answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_fixtures import STORES, Served, serving
from conftest import event, lifecycle, line

from api.ingest import MAX_BODY_BYTES
from domain.parsing import MAX_MESSAGE_BYTES

A, B = "AGB:12345678", "AGB:87654321"
NDJSON = "application/x-ndjson"
PROBLEM = "application/problem+json"


@pytest.fixture(params=STORES)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """An empty store of each kind with the tokens of A (provider, ingest, privacy) and B."""
    with serving(request.param, tmp_path, providers=[A, B]) as served:
        yield served


def post(s: Served, body: Any, who: str | None = "ingest-A", kind: str = NDJSON) -> Any:
    headers = {"content-type": kind, **(s.as_(who) if who else {})}
    return s.client.post("/api/v1/events", content=body, headers=headers)


def body_of(*lines: dict[str, Any] | bytes) -> bytes:
    return b"".join((x if isinstance(x, bytes) else line(x)) + b"\n" for x in lines)


def stored(s: Served) -> tuple[int, int]:
    """(events, dead letters) in the store."""
    return s.ledger.app.recorder.max_notification_id() or 0, s.ledger.dead_letters.count()


def ingest_outcomes(s: Served) -> list[str]:
    """The access log's outcomes of POST /events, oldest first."""
    return [e.outcome for e in s.ledger.access_log.read() if e.action == "ingest events"]


def test_counts_reasons_and_dead_letters_attributed_to_the_sender(fresh: Served) -> None:
    foreign = event(event_id="b-1", provider_id=B, measure_id="theirs", client_id="cl-b")
    body = body_of(
        event(event_id="a-1"),  # 1
        b"",  # 2: blank, skipped
        b'{"schema": "measure-event/v1", "event_id": ',  # 3: not JSON
        event(event_id="a-2", data={**event()["data"], "framework": "nope"}),  # 4
        b"\xff\xfe not utf-8",  # 5
        foreign,  # 6: another provider's
        event("measure.applied", event_id="a-3", measure_id="m2"),  # 7: first of its measure
    )
    r = post(fresh, body)
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["accepted"], result["duplicates"], result["rejected"]) == (2, 0, 4)
    rejects = {x["source"]: x["reason"] for x in result["rejects"]}
    assert list(rejects) == ["http:3", "http:4", "http:5", "http:6"]
    assert "not JSON" in rejects["http:3"]
    assert "framework" in rejects["http:4"]
    assert "UTF-8" in rejects["http:5"]
    assert B in rejects["http:6"] and "may not send" in rejects["http:6"]

    letters = {d.source: d for d in fresh.ledger.dead_letters.list()}
    assert set(letters) == set(rejects)
    assert all(d.provider_id == A and d.reason == rejects[d.source] for d in letters.values())
    assert letters["http:6"].raw == line(foreign) and letters["http:5"].raw == b"\xff\xfe not utf-8"

    mine = fresh.client.get("/api/v1/rejects", headers=fresh.as_("A")).json()["items"]
    assert {x["source"] for x in mine} == set(rejects)
    theirs = fresh.client.get("/api/v1/rejects", headers=fresh.as_("B")).json()
    assert theirs["items"] == []
    measures = fresh.client.get("/api/v1/measures", headers=fresh.as_("B")).json()
    assert measures["items"] == []  # the foreign line stored nothing for B
    [entry] = [e for e in fresh.ledger.access_log.read() if e.action == "ingest events"]
    assert entry.outcome == "allowed" and entry.token_id == fresh.token_ids["ingest-A"]


def test_a_resend_is_counted_as_duplicates_and_stores_nothing_new(fresh: Served) -> None:
    body = body_of(*lifecycle(), b"not json")
    first = post(fresh, body).json()
    assert (first["accepted"], first["duplicates"], first["rejected"]) == (8, 0, 1)
    before = stored(fresh)
    again = post(fresh, body).json()
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 8, 1)
    assert stored(fresh) == before  # the same bad line is not kept twice either
    changed = post(fresh, body_of(event(event_id="m1-1", client_id="cl-other"))).json()
    assert (changed["accepted"], changed["rejected"]) == (0, 1)
    assert "already stored" in changed["rejects"][0]["reason"]


def test_the_alerts_are_current_when_the_post_answers(fresh: Served) -> None:
    """Applied without a review or the multidisciplinary step: the alerts are there at once."""
    body = body_of(
        event(event_id="x-1", measure_id="mx"),
        event("measure.applied", event_id="x-2", measure_id="mx"),
    )
    assert post(fresh, body).json()["accepted"] == 2
    alerts = fresh.client.get("/api/v1/alerts", headers=fresh.as_("A"), params={"limit": 500})
    rules = {a["rule"] for a in alerts.json()["items"] if a["measure_id"] == "mx"}
    assert {"APPLIED-WITHOUT-REVIEW", "STEPPLAN-SKIPPED"} <= rules
    detail = fresh.client.get(f"/api/v1/measures/{A}/mx", headers=fresh.as_("A")).json()
    assert rules <= {a["rule"] for a in detail["alerts"]}
    assert fresh.client.get("/readyz").json()["status"] == "ready"


def test_text_with_a_nul_is_rejected_with_a_reason_on_each_store(fresh: Served) -> None:
    """PostgreSQL cannot keep a NUL in text: it is a malformed event, not a failed request."""
    registered = event("authorization.registered", event_id="z-1")
    registered["data"] = {**registered["data"], "authorization_id": "ZM\u00001"}
    unknown = event(event_id="z-2", data={**event()["data"], "\u0000": 1})
    r = post(fresh, body_of(registered, unknown, event(event_id="z-3")))
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["accepted"], result["rejected"]) == (1, 2)
    assert "NUL" in result["rejects"][0]["reason"]
    assert {d.source for d in fresh.ledger.dead_letters.list()} == {"http:1", "http:2"}


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_is_a_413_and_stores_nothing(fresh: Served, chunked: bool) -> None:
    head = body_of(event(event_id="big-1"))
    body = head + b" " * (MAX_BODY_BYTES + 1 - len(head))
    sent: Any = body
    if chunked:  # no Content-Length: the limit holds while the body is read

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), MAX_MESSAGE_BYTES):
                yield body[start : start + MAX_MESSAGE_BYTES]

        sent = chunks()
    r = post(fresh, sent)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith(PROBLEM) and r.json()["status"] == 413
    assert stored(fresh) == (0, 0)
    assert ingest_outcomes(fresh) == ["failed"]


@pytest.mark.parametrize("kind", ["application/xml", "multipart/form-data", ""])
def test_another_media_type_is_a_415_and_stores_nothing(fresh: Served, kind: str) -> None:
    r = post(fresh, body_of(event()), kind=kind)
    assert r.status_code == 415 and r.headers["content-type"].startswith(PROBLEM)
    assert stored(fresh) == (0, 0)
    assert ingest_outcomes(fresh) == ["failed"]


@pytest.mark.parametrize(("who", "status"), [("A", 403), ("igj", 403), ("privacy-A", 403)])
def test_only_the_ingest_role_may_post(fresh: Served, who: str, status: int) -> None:
    r = post(fresh, body_of(event()), who=who)
    assert r.status_code == status and r.headers["content-type"].startswith(PROBLEM)
    assert "ingest" in r.json()["detail"]
    assert stored(fresh) == (0, 0)
    [entry] = [e for e in fresh.ledger.access_log.read() if e.action == "ingest events"]
    assert entry.outcome == "denied" and entry.token_id == fresh.token_ids[who]


def test_no_token_is_a_401_and_stores_nothing(fresh: Served) -> None:
    r = post(fresh, body_of(event()), who=None)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert stored(fresh) == (0, 0)


def test_the_answer_names_every_rejected_line_in_line_order(fresh: Served) -> None:
    """Lines rejected by the guard and by validation interleave in the order they were sent."""
    lines = [
        event(event_id=f"o-{i}", provider_id=B if i % 3 == 0 else A, client_id="bad id")
        if i % 2
        else event(event_id=f"o-{i}", provider_id=B if i % 3 == 0 else A)
        for i in range(1, 13)
    ]
    result = post(fresh, body_of(*lines)).json()
    expected = [f"http:{i}" for i, x in enumerate(lines, 1) if x["provider_id"] == B or i % 2]
    assert [x["source"] for x in result["rejects"]] == expected
    assert result["rejected"] == len(expected) and result["accepted"] == 12 - len(expected)
    assert json.loads(json.dumps(result)) == result
