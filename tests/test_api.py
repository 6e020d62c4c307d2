"""The HTTP API per role on both stores: what each reader gets, and what it never gets."""

from __future__ import annotations

from typing import Any

import pytest
from api_fixtures import NOW, Served, served  # noqa: F401  (the module-scoped fixture)

PROBLEM = "application/problem+json"


def _get(s: Served, who: str | None, path: str, **params: Any) -> Any:
    headers = s.as_(who) if who else {}
    return s.client.get(path, headers=headers, params=params)


def _walk(s: Served, who: str, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(200):
        r = _get(s, who, path, **params, **({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def test_no_token_is_a_logged_401_problem(served: Served) -> None:
    before = len(served.ledger.access_log.read(provider_id=None))
    r = _get(served, None, "/api/v1/measures")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == 401 and "Bearer" in body["detail"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    entries = served.ledger.access_log.read(provider_id=None)
    assert len(entries) == before + 1
    assert entries[-1].outcome == "denied" and entries[-1].token_id is None


def test_a_provider_lists_only_its_own_measures_with_its_pseudonyms(served: Served) -> None:
    a = served.providers[0]
    items = _walk(served, "A", "/api/v1/measures", limit=7)
    assert items and {m["provider_id"] for m in items} == {a}
    assert all(m["client_id"] and m["client_ref"] is None for m in items)
    ids = [m["measure_id"] for m in items]
    assert len(ids) == len(set(ids))


def test_the_inspectorate_sees_every_provider_but_only_client_refs(served: Served) -> None:
    items = _walk(served, "igj", "/api/v1/measures", limit=50)
    assert {m["provider_id"] for m in items} == set(served.providers)
    assert all(m["client_id"] is None and len(m["client_ref"]) == 64 for m in items)


def test_one_measure_has_status_timeline_alerts_and_basis(served: Served) -> None:
    alerts = _walk(served, "A", "/api/v1/alerts", all="true")
    with_measure = next(a for a in alerts if a["measure_id"])
    r = _get(
        served, "A", f"/api/v1/measures/{with_measure['provider_id']}/{with_measure['measure_id']}"
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["measure"]["measure_id"] == with_measure["measure_id"]
    assert with_measure["alert_id"] in {a["alert_id"] for a in body["alerts"]}
    assert body["timeline"] and all(e["recorded_at"] and e["occurred_at"] for e in body["timeline"])
    assert isinstance(body["legal_basis"], list)


def test_another_providers_measure_is_not_found_like_a_missing_one(served: Served) -> None:
    b = served.providers[1]
    theirs = _walk(served, "B", "/api/v1/measures", limit=500)[0]["measure_id"]
    foreign = _get(served, "A", f"/api/v1/measures/{b}/{theirs}")
    missing = _get(served, "A", f"/api/v1/measures/{b}/no-such-measure")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    last = served.ledger.access_log.read(provider_id=b)[-2:]
    assert [e.outcome for e in last] == ["not_found", "not_found"]
    assert last[0].token_id == served.token_ids["A"]


def test_alerts_come_most_serious_first_then_by_since(served: Served) -> None:
    items = _walk(served, "igj", "/api/v1/alerts", all="true", limit=9)
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    keys = [(order[a["severity"]], a["since"]) for a in items]
    ranks = [k[0] for k in keys]
    assert ranks == sorted(ranks) and len({a["alert_id"] for a in items}) == len(items)
    assert all(a["schema"] == "measure-alert/v1" and a["client_ref"] for a in items)


@pytest.mark.parametrize("least", ["critical", "high", "medium"])
def test_min_severity_keeps_that_severity_and_above(served: Served, least: str) -> None:
    order = ["critical", "high", "medium", "low"]
    allowed = set(order[: order.index(least) + 1])
    every = _walk(served, "igj", "/api/v1/alerts", all="true", limit=500)
    kept = _walk(served, "igj", "/api/v1/alerts", all="true", min_severity=least, limit=500)
    assert {a["alert_id"] for a in kept} == {
        a["alert_id"] for a in every if a["severity"] in allowed
    }


def test_an_alert_shows_its_evidence_and_is_hidden_from_other_providers(served: Served) -> None:
    alert = _walk(served, "A", "/api/v1/alerts", all="true", limit=500)[0]
    r = _get(served, "A", f"/api/v1/alerts/{alert['alert_id']}")
    assert r.status_code == 200
    evidence = r.json()["evidence"]
    assert {e["event_id"] for e in evidence} == set(alert["evidence"])
    assert _get(served, "B", f"/api/v1/alerts/{alert['alert_id']}").status_code == 404


def test_the_inspectorate_may_not_read_clients_or_rejects(served: Served) -> None:
    a = served.providers[0]
    m = _walk(served, "A", "/api/v1/measures", limit=500)[0]
    assert _get(served, "A", f"/api/v1/clients/{a}/{m['client_id']}").status_code == 200
    assert _get(served, "igj", f"/api/v1/clients/{a}/{m['client_id']}").status_code == 403
    assert _get(served, "igj", "/api/v1/rejects").status_code == 403
    assert _get(served, "igj", "/api/v1/measures", client=m["client_id"]).status_code == 403


@pytest.mark.parametrize("role", ["ingest-A", "privacy-A"])
def test_ingest_and_privacy_tokens_read_no_care_data(served: Served, role: str) -> None:
    for path in ("/api/v1/measures", "/api/v1/alerts", "/api/v1/checkpoint"):
        r = _get(served, role, path)
        assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)


def test_a_revoked_token_is_refused(served: Served) -> None:
    secret = served.token("short-lived", "provider", (served.providers[0],))
    assert _get(served, "short-lived", "/api/v1/measures").status_code == 200
    assert secret and served.ledger.tokens.revoke(served.token_ids["short-lived"], NOW)
    assert _get(served, "short-lived", "/api/v1/measures").status_code == 401


def test_the_checkpoint_comes_with_its_public_key(served: Served) -> None:
    r = _get(served, "igj", "/api/v1/checkpoint")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["position"] > 0 and "BEGIN PUBLIC KEY" in body["public_key"]
    pem = _get(served, "A", "/api/v1/checkpoint/public-key")
    assert pem.status_code == 200 and pem.text == body["public_key"]


def test_health_and_readiness(served: Served) -> None:
    assert served.client.get("/healthz").json()["status"] == "ok"
    ready = served.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_a_bad_cursor_and_a_naive_as_of_are_problems(served: Served) -> None:
    r = _get(served, "A", "/api/v1/alerts", cursor="garbage!")
    assert r.status_code == 400 and r.headers["content-type"].startswith(PROBLEM)
    r = _get(served, "A", "/api/v1/alerts", as_of="2026-05-01T10:00:00")
    assert r.status_code == 422


def test_privacy_officers_see_every_read_of_their_providers_data(served: Served) -> None:
    a, b = served.providers[:2]
    _get(served, "igj", "/api/v1/measures", limit=500)
    r = _get(served, "privacy-A", "/api/v1/access-log", limit=500)
    assert r.status_code == 200, r.text
    entries = r.json()["items"]
    assert any(e["token_id"] == served.token_ids["igj"] for e in entries)
    assert all(
        a in e["scope"] or any(s["provider_id"] == a for s in e["subjects"]) for e in entries
    )
    assert _get(served, "privacy-A", "/api/v1/access-log", provider=b).status_code == 403
    # the read of the log is itself logged
    last = served.ledger.access_log.read(provider_id=a)[-1]
    assert last.action == "read access log" and last.token_id == served.token_ids["privacy-A"]


def test_without_a_feed_key_the_inspectorate_is_refused_and_providers_are_not(
    served: Served,
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    keyless = TestClient(create_app(served.ledger, feed_key=None, refresh_interval_s=None))
    r = keyless.get("/api/v1/measures", headers=served.as_("igj"))
    assert r.status_code == 503 and "feed key" in r.json()["detail"]
    assert served.ledger.access_log.read(token_id=served.token_ids["igj"])[-1].outcome == "failed"
    assert keyless.get("/api/v1/measures", headers=served.as_("A")).status_code == 200


def test_a_form_body_is_bounded_before_it_is_read(served: Served) -> None:
    big = served.client.post(
        "/sign-in",
        content=b"token=" + b"x" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413 and big.headers["content-type"].startswith(PROBLEM)
