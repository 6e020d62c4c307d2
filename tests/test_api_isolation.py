"""Provider isolation: provider A's token on every API endpoint with B's ids finds nothing of B.

B's ids — measures, clients, locations, authorisations, alerts, events, the cursors B was
handed — are gathered through B's own token. Provider A then tries them on every endpoint
and every filter. Each answer is scanned (body, headers and decoded cursors) for anything
of B that A did not send itself; a "not found" for B's object is byte-identical to the one
for an id that does not exist; and each attempt is in the access log, once, with the right
outcome and no B client pseudonym A could not know. The endpoints come from the app's
routes: a new endpoint without a case here fails the suite.

The inspectorate is scanned the same way for every client pseudonym in the store: it sees
clients only as client_ref, and no `source` (a file name may carry a pseudonym).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from api_fixtures import FEED_KEY, Served, served  # noqa: F401  (the module-scoped fixture)
from conftest import event, line
from fastapi.routing import APIRoute

from api.app import create_app
from domain.feed_changes import client_ref
from ledger.service import Ledger
from projections import api_reads

Route = tuple[str, str]


def api_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[Route]:
    """(method, path) of every route under /api/, included routers opened (FastAPI keeps an
    included router whole in `app.routes`)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from api_routes(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute) and (prefix + route.path).startswith("/api/"):
            yield from ((method, prefix + route.path) for method in route.methods)


API_ROUTES = sorted(set(api_routes(create_app(cast(Ledger, None), refresh_interval_s=None).routes)))
SEVERITIES = ("critical", "high", "medium", "low")
AS_OF = "2026-07-01T12:00:00+02:00"


@dataclass
class Them:
    """Provider B as B's own token sees it, and what of it A must never be shown."""

    provider: str
    measures: list[dict[str, Any]]
    clients: list[str]
    locations: list[str]
    authorisations: list[str]
    alerts: list[dict[str, Any]]
    cursors: dict[str, str]
    needles: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Attempt:
    route: Route
    path: str
    params: dict[str, str] = field(default_factory=dict)
    who: str = "A"
    status: int = 200
    outcome: str = "allowed"
    body: bytes | None = None
    twins: tuple[str, ...] = ()  # the same request for ids that do not exist
    client: str | None = None  # a B pseudonym A sends (so A knows it)


def _walk(s: Served, who: str, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        more = {"cursor": cursor} if cursor else {}
        page = s.client.get(path, headers=s.as_(who), params={**params, **more})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def _ids_of(s: Served, provider: str) -> set[str]:
    """Every id of a provider, read in the store itself (not through the API under test)."""
    with s.ledger.sql.transaction(commit=False) as c:
        rows = c.execute(
            "SELECT event_id, ref, client_id FROM view_timeline WHERE provider_id = ?",
            [provider],
        ).fetchall()
        alerts = c.execute("SELECT alert_id FROM view_alerts WHERE provider_id = ?", [provider])
        ids = {r[k] for r in rows for k in ("event_id", "ref", "client_id")}
        ids |= {r["alert_id"] for r in alerts.fetchall()}
    page = api_reads.measures(s.ledger.sql, [provider], as_of=datetime.now(UTC), limit=500)
    return ids | {m["location_id"] for m in page.items if m["location_id"]} | {provider}


@pytest.fixture(scope="module")
def them(served: Served) -> Them:
    b = served.providers[1]
    measures = _walk(served, "B", "/api/v1/measures", limit=500)
    clients = sorted({m["client_id"] for m in measures})
    orders: set[str] = set()
    for client in clients:
        detail = served.client.get(f"/api/v1/clients/{b}/{client}", headers=served.as_("B"))
        orders |= {a["authorization_id"] for a in detail.json()["authorisations"]}
    alerts = _walk(served, "B", "/api/v1/alerts", all="true", limit=500)
    cursors = {}
    for path, params in (("/api/v1/measures", {}), ("/api/v1/alerts", {"all": "true"})):
        page = served.client.get(path, headers=served.as_("B"), params={**params, "limit": 1})
        cursors[path] = page.json()["next_cursor"]
    assert measures and alerts and orders and all(cursors.values()), "the demo gives B data"
    found = Them(
        b,
        measures,
        clients,
        sorted({m["location_id"] for m in measures if m["location_id"]}),
        sorted(orders),
        alerts,
        cursors,
    )
    ours = _ids_of(served, served.providers[0])
    theirs = _ids_of(served, b) | {a["alert_id"] for a in alerts}
    found.needles = {n for n in theirs if not any(n in mine for mine in ours)}
    assert {b, *clients} <= found.needles, "B's ids must be told apart from A's"
    return found


def _measures(t: Them) -> list[Attempt]:
    route = ("GET", "/api/v1/measures")
    filters: list[dict[str, str]] = [{}, {"cursor": t.cursors["/api/v1/measures"]}]
    filters += [{"framework": f} for f in sorted({m["framework"] for m in t.measures})]
    filters += [{"phase": p} for p in sorted({m["phase"] for m in t.measures})]
    filters += [{"category": c} for c in sorted({m["category"] for m in t.measures})]
    filters += [{"location": loc} for loc in t.locations]
    filters += [{"overdue": "true"}, {"overdue": "false"}, {"as_of": AS_OF, "limit": "3"}]
    filters += [{"min_open_severity": s} for s in SEVERITIES]
    attempts = [Attempt(route, "/api/v1/measures", f) for f in filters]
    attempts += [Attempt(route, "/api/v1/measures", {"client": c}, client=c) for c in t.clients]
    # client_ref is the inspectorate's filter: a provider may not probe with it, however right
    # the hash (the API's own key) and whose ever client it names.
    refs = [client_ref(FEED_KEY, t.provider, c) for c in t.clients]
    attempts += [
        Attempt(route, "/api/v1/measures", {"client_ref": r}, status=403, outcome="denied")
        for r in refs
    ]
    return attempts


def _missing(path: str, *providers: str) -> tuple[str, ...]:
    """`path` ("{}" for the provider) for an id that does not exist: at B, at A itself, and
    at a provider that does not exist; all must answer exactly what B's real object gets."""
    return tuple(path.format(p) for p in (*providers, "AGB:00000000"))


def _details(t: Them, a: str, route: Route, ids: list[str], clients: bool = False) -> list[Attempt]:
    """A's reads of each of B's objects of one kind, asked at B and at A itself."""
    base = route[1].rsplit("/", 2)[0]
    return [
        Attempt(
            route,
            f"{base}/{p}/{x}",
            status=404,
            outcome="not_found",
            twins=_missing(f"{base}/{{}}/nobody-{i}", t.provider, a),
            client=x if clients else None,
        )
        for i, x in enumerate(ids)
        for p in (t.provider, a)
    ]


def _alerts(t: Them) -> list[Attempt]:
    route = ("GET", "/api/v1/alerts")
    filters: list[dict[str, str]] = [{}, {"all": "true", "cursor": t.cursors["/api/v1/alerts"]}]
    filters += [{"all": "true", "rule": r} for r in sorted({x["rule"] for x in t.alerts})]
    filters += [{"all": "true", "severity": s} for s in SEVERITIES]
    filters += [{"min_severity": s} for s in SEVERITIES]
    filters += [{"framework": f} for f in sorted({x["framework"] for x in t.alerts} - {None})]
    filters += [{"all": "true", "location": loc} for loc in t.locations]
    filters += [{"status": "open"}, {"status": "resolved"}, {"as_of": AS_OF, "all": "true"}]
    return [Attempt(route, "/api/v1/alerts", f) for f in filters]


def _alert(t: Them) -> list[Attempt]:
    route = ("GET", "/api/v1/alerts/{alert_id}")
    return [
        Attempt(
            route,
            f"/api/v1/alerts/{x['alert_id']}",
            params,
            status=404,
            outcome="not_found",
            twins=(f"/api/v1/alerts/00000000-0000-5000-8000-{i:012d}",),
        )
        for i, x in enumerate(t.alerts)
        for params in ({}, {"as_of": "2100-01-01T00:00:00Z"})[: 1 if i >= 5 else 2]
    ]


def _ops(t: Them) -> dict[Route, list[Attempt]]:
    log, events = ("GET", "/api/v1/access-log"), ("POST", "/api/v1/events")
    rejects, checkpoint = ("GET", "/api/v1/rejects"), ("GET", "/api/v1/checkpoint")
    key = ("GET", "/api/v1/checkpoint/public-key")
    theirs = line(event(event_id="probe-1", provider_id=t.provider, client_id="cl-probe"))
    b = {"provider": t.provider}
    return {
        rejects: [Attempt(rejects, rejects[1], p) for p in ({}, {"limit": "1"})],
        checkpoint: [Attempt(checkpoint, checkpoint[1])],
        key: [Attempt(key, key[1])],
        log: [
            Attempt(log, log[1], status=403, outcome="denied"),
            Attempt(log, log[1], b, status=403, outcome="denied"),
            Attempt(log, log[1], b, who="privacy-A", status=403, outcome="denied"),
            *[
                Attempt(log, log[1], {"client": c, "limit": "500"}, "privacy-A", client=c)
                for c in t.clients
            ],
            Attempt(log, log[1], {"limit": "500"}, "privacy-A"),
        ],
        events: [
            Attempt(events, events[1], status=403, outcome="denied", body=theirs),
            Attempt(events, events[1], who="ingest-A", body=theirs),
        ],
    }


def _reports(t: Them) -> dict[Route, list[Attempt]]:
    """A's own report in each format, B's as "not found" (the byte-identical twin for a
    provider that does not exist is in test_api_reports.py: a twin here changes the path,
    and the provider is a parameter)."""
    report, explain = (
        ("GET", "/api/v1/reports/{period}"),
        ("GET", "/api/v1/reports/{period}/explain"),
    )
    path = "/api/v1/reports/2026H1"
    b = {"provider": t.provider}
    formats: list[dict[str, str]] = [{}, {"format": "csv"}]
    formats += [{"format": "xml", "law": law} for law in ("wzd", "wvggz", "jeugdwet")]
    cells = [{"location": loc, "form": "admission"} for loc in t.locations]
    cells += [
        {"location": "(all)", "form": "seclusion"},
        {"location": "(none)", "form": "seclusion"},
    ]
    return {
        report: [
            *[Attempt(report, path, f) for f in formats],
            *[Attempt(report, path, {**f, **b}, status=404, outcome="not_found") for f in formats],
        ],
        explain: [
            *[Attempt(explain, f"{path}/explain", c) for c in cells],
            *[
                Attempt(explain, f"{path}/explain", {**c, **b}, status=404, outcome="not_found")
                for c in cells
            ],
        ],
    }


def attempts_for(t: Them, a: str) -> dict[Route, list[Attempt]]:
    measure = ("GET", "/api/v1/measures/{provider_id}/{measure_id}")
    client = ("GET", "/api/v1/clients/{provider_id}/{client_id}")
    order = ("GET", "/api/v1/authorisations/{provider_id}/{authorization_id}")
    builders: dict[Route, Callable[[], list[Attempt]]] = {
        ("GET", "/api/v1/measures"): lambda: _measures(t),
        measure: lambda: _details(t, a, measure, [m["measure_id"] for m in t.measures]),
        client: lambda: _details(t, a, client, t.clients, clients=True),
        order: lambda: _details(t, a, order, t.authorisations),
        ("GET", "/api/v1/alerts"): lambda: _alerts(t),
        ("GET", "/api/v1/alerts/{alert_id}"): lambda: _alert(t),
    }
    return {route: build() for route, build in builders.items()} | _ops(t) | _reports(t)


def test_every_endpoint_has_an_isolation_case(served: Served, them: Them) -> None:
    cases = attempts_for(them, served.providers[0])
    assert sorted(cases) == API_ROUTES, "an API endpoint without an isolation case"
    assert all(cases.values())


def _send(s: Served, attempt: Attempt, path: str | None = None) -> Any:
    headers = s.as_(attempt.who)
    if attempt.body is not None:
        headers["content-type"] = "application/x-ndjson"
        return s.client.post(attempt.path, content=attempt.body, headers=headers)
    return s.client.get(path or attempt.path, headers=headers, params=attempt.params)


def _seen(response: Any, own_tokens: set[str]) -> str:
    """What A is shown: body, headers and decoded cursors; A's own log entries left out
    (they record what A's users typed, B's ids they probed with included)."""
    text = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    if not response.headers.get("content-type", "").startswith("application/json"):
        return text
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        mine = [x for x in body["items"] if isinstance(x, dict) and x.get("token_id") in own_tokens]
        text = json.dumps({**body, "items": [x for x in body["items"] if x not in mine]})
        if body.get("next_cursor") and not body["next_cursor"].isdigit():
            c = body["next_cursor"]
            text += base64.urlsafe_b64decode(c + "=" * (-len(c) % 4)).decode()
    return text


def _last_seq(s: Served) -> int:
    with s.ledger.sql.transaction(commit=False) as c:
        return int(c.execute("SELECT MAX(seq) AS m FROM ledger_access_log").fetchone()["m"] or 0)


@pytest.mark.parametrize("route", API_ROUTES, ids=" ".join)
def test_provider_a_finds_nothing_of_b(served: Served, them: Them, route: Route) -> None:
    a = served.providers[0]
    own_tokens = {served.token_ids[n] for n in ("A", "ingest-A", "privacy-A")}
    b_measures = len(_walk(served, "B", "/api/v1/measures", limit=500))
    # An inspectorate read spans every provider: the log now holds B's pseudonyms beside A's.
    assert served.client.get("/api/v1/measures?limit=500", headers=served.as_("igj")).is_success
    for attempt in attempts_for(them, a)[route]:
        mark = _last_seq(served)
        r = _send(served, attempt)
        where = f"{attempt.who} {attempt.path} {attempt.params}"
        assert r.status_code == attempt.status, (where, r.text[:300])
        sent = {attempt.client, *attempt.path.split("/"), *attempt.params.values()}
        sent |= {n for n in them.needles if attempt.body and n.encode() in attempt.body}
        leaked = sorted(n for n in them.needles - sent if n in _seen(r, own_tokens))
        assert not leaked, (where, leaked)
        body = r.json() if r.headers["content-type"].startswith("application/json") else {}
        if "items" in body and attempt.who == "A":
            assert {x["provider_id"] for x in body["items"]} <= {a}, where

        [entry] = served.ledger.access_log.read(after_seq=mark)
        assert entry.token_id == served.token_ids[attempt.who], where
        assert entry.outcome == attempt.outcome, (where, entry)
        foreign = [x for x in entry.subjects if x.provider_id != a]
        assert all(x.client_id in (None, attempt.client) for x in foreign), (where, entry)
        if attempt.outcome == "allowed":
            assert not foreign, (where, entry)
        if attempt.outcome == "not_found" and them.provider in attempt.path:
            visible = served.ledger.access_log.read(provider_id=them.provider, after_seq=mark)
            assert [e.seq for e in visible] == [entry.seq], "B's privacy officer sees the probe"

        for twin_path in attempt.twins:
            twin = _send(served, attempt, twin_path)
            assert (twin.status_code, twin.content) == (r.status_code, r.content), twin_path
            assert twin.headers["content-type"] == r.headers["content-type"], twin_path
        outcomes = [e.outcome for e in served.ledger.access_log.read(after_seq=mark)]
        assert outcomes == [attempt.outcome] * (1 + len(attempt.twins)), where
    assert len(_walk(served, "B", "/api/v1/measures", limit=500)) == b_measures
    assert _walk(served, "B", "/api/v1/rejects", limit=500) == []


def _json_values(body: Any, key: str) -> list[Any]:
    if isinstance(body, dict):
        found = [body[key]] if key in body else []
        return found + [v for x in body.values() for v in _json_values(x, key)]
    if isinstance(body, list):
        return [v for x in body for v in _json_values(x, key)]
    return []


def test_the_inspectorate_never_sees_a_pseudonym_or_a_source(served: Served) -> None:
    with served.ledger.sql.transaction(commit=False) as c:
        rows = c.execute("SELECT DISTINCT client_id FROM view_timeline").fetchall()
        # a provider's own events (report.delivered) name no client: '' is no pseudonym
        pseudonyms = {r["client_id"] for r in rows if r["client_id"]}
        orders = c.execute(
            "SELECT DISTINCT provider_id, ref FROM view_timeline WHERE kind = 'authorization'"
        ).fetchall()
    measures = _walk(served, "igj", "/api/v1/measures", limit=500)
    alerts = _walk(served, "igj", "/api/v1/alerts", all="true", limit=500)
    paths = ["/api/v1/checkpoint", "/api/v1/measures?limit=500&min_open_severity=low"]
    paths += [f"/api/v1/alerts?all=true&limit=500&framework={f}" for f in ("wzd", "wvggz")]
    paths += [f"/api/v1/measures/{m['provider_id']}/{m['measure_id']}" for m in measures]
    one_of_each = {(x["provider_id"], x["rule"], x["measure_id"] is None): x for x in alerts}
    paths += [f"/api/v1/alerts/{x['alert_id']}" for x in one_of_each.values()]
    paths += [f"/api/v1/authorisations/{r['provider_id']}/{r['ref']}" for r in orders]
    for p in sorted({m["provider_id"] for m in measures}):
        paths += [f"/api/v1/reports/2026H1?provider={p}"]
        paths += [
            f"/api/v1/reports/2026H1/explain?provider={p}&location=(all)&form={form}"
            for form in ("seclusion", "admission", "restrict_movement", "supervision")
        ]
    assert measures and alerts and orders and pseudonyms
    for path in paths:
        r = served.client.get(path, headers=served.as_("igj"))
        assert r.status_code == 200, (path, r.text[:300])
        assert not [p for p in pseudonyms if p in r.text], path
        body = r.json()
        assert all(v is None for v in _json_values(body, "source")), path
        assert all(v is None for v in _json_values(body, "client_id")), path
    assert all(len(x["client_ref"]) == 64 for x in measures + alerts if x["measure_id"])
    for path in (f"/api/v1/clients/{measures[0]['provider_id']}/x", "/api/v1/rejects"):
        assert served.client.get(path, headers=served.as_("igj")).status_code == 403
