"""Schemathesis against the published OpenAPI: no 5xx, and every answer is what it documents.

The document is the one `serve` publishes at `/openapi.json` (checked below); schemathesis
generates requests from it — valid ones and invalid ones — and sends them in process to the
ASGI app on the demo store, with a valid token of the role each operation is for (provider
and inspectorate for the reads, privacy for the access log, ingest for `POST /events`).
Every answer is checked: not a server error, a documented status code and media type, a body
that matches its schema, invalid input refused, a missing token refused.

Runtime is bounded (few examples per operation, no deadline, derandomized so CI is
reproducible); nothing but the in-process app is reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from api_fixtures import Served, served, serving  # noqa: F401  (module-scoped fixture)
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection

from api.app import create_app
from ledger.service import Ledger

MAX_EXAMPLES = 12


def published() -> dict[str, Any]:
    """The OpenAPI document as the app builds it; it reads no store."""
    return create_app(cast(Ledger, None), refresh_interval_s=None).openapi()


DOCUMENT = published()
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {
            # What a schema cannot say: a cursor is opaque (only a list's own `next_cursor` is
            # one: 400 otherwise), and a time must fall in the ledger's years 1900-2200 and be
            # a real one (no leap second): 422 otherwise.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "422"]
            },
        },
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
#: A JSON Lines body is text on the wire: send the generated string as UTF-8, like text/plain.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

#: Who sends each operation's requests: every role that may call it.
READERS = ("A", "igj")
ROLES: dict[str, tuple[str | None, ...]] = {
    "POST /api/v1/events": ("ingest-A",),
    "GET /api/v1/access-log": ("privacy-A",),
    "GET /api/v1/clients/{provider_id}/{client_id}": ("A",),
    "GET /api/v1/rejects": ("A",),
    "GET /healthz": (None,),
    "GET /readyz": (None,),
}


@pytest.fixture(scope="module")
def sqlite_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The generated requests run on SQLite only, to bound the time; what PostgreSQL alone
    refuses (a NUL in text) has its own test on both stores below."""
    with serving("sqlite", tmp_path_factory.mktemp("schema")) as result:
        yield result


def _roles(method: str, path: str) -> tuple[str | None, ...]:
    return ROLES.get(f"{method.upper()} {path}", READERS)


def test_the_document_is_the_one_served(served: Served) -> None:
    r = served.client.get("/openapi.json")
    assert r.status_code == 200 and r.json() == DOCUMENT


def test_every_operation_has_its_roles() -> None:
    """A new operation is tested with the roles it is for: ROLES names every non-reader one."""
    operations = {f"{m.upper()} {p}" for p, ops in DOCUMENT["paths"].items() for m in ops}
    assert set(ROLES) <= operations
    readers = operations - set(ROLES)
    assert all(op.startswith("GET /api/v1/") for op in readers), readers


def _real_cases(store: Served) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(path, path parameters, query) naming objects that exist, one of each kind."""
    a = store.providers[0]
    get = store.client.get
    measure = get("/api/v1/measures", headers=store.as_("A"), params={"limit": 1}).json()
    m = measure["items"][0]
    alerts = get("/api/v1/alerts", headers=store.as_("A"), params={"all": "true", "limit": 500})
    alert = alerts.json()["items"][0]
    with store.ledger.sql.transaction(commit=False) as c:
        order = c.execute(
            "SELECT ref FROM view_timeline WHERE provider_id = ? AND kind = 'authorization'",
            [a],
        ).fetchone()
    assert order is not None, "the demo gives provider A an authorisation"
    return [
        (
            "/api/v1/measures/{provider_id}/{measure_id}",
            {"provider_id": a, "measure_id": m["measure_id"]},
            {},
        ),
        (
            "/api/v1/clients/{provider_id}/{client_id}",
            {"provider_id": a, "client_id": m["client_id"]},
            {},
        ),
        (
            "/api/v1/authorisations/{provider_id}/{authorization_id}",
            {"provider_id": a, "authorization_id": order["ref"]},
            {},
        ),
        ("/api/v1/alerts/{alert_id}", {"alert_id": alert["alert_id"]}, {}),
        ("/api/v1/measures", {}, {"client": m["client_id"], "min_open_severity": "low"}),
        ("/api/v1/alerts", {}, {"all": "true", "status": "resolved"}),
    ]


def test_real_objects_are_answered_as_documented(served: Served) -> None:
    """Random ids are almost never found: each detail is also read once for a real object."""
    for path, parameters, query in _real_cases(served):
        operation = schema[path]["GET"]
        operation.app = operation.schema.app = served.client.app
        for who in _roles("GET", path):
            case = operation.Case(path_parameters=parameters, query=query)
            response = case.call_and_validate(headers=served.as_(who) if who else {})
            expected = 403 if who == "igj" and "client" in query else 200  # no pseudonyms
            assert response.status_code == expected, (path, who, response.text[:300])


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/measures", "location"),
        ("/api/v1/alerts", "location"),
        ("/api/v1/measures/AGB:1/{}", None),
        ("/api/v1/authorisations/AGB:1/{}", None),
    ],
)
def test_a_nul_in_a_request_is_invalid_not_a_server_error(
    served: Served, path: str, parameter: str | None
) -> None:
    """PostgreSQL cannot compare a NUL: caught as invalid input, never sent to the store."""
    url = path.format("a%00b")
    params = {parameter: "a\x00b"} if parameter else {}
    r = served.client.get(url, headers=served.as_("A"), params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_as_documented(case: Any, sqlite_served: Served) -> None:
    store = sqlite_served
    # This module's app, also for the requests the checks send themselves (e.g. no token).
    case.operation.app = case.operation.schema.app = store.client.app
    # Any body is a string on the wire: a "non-string" JSON Lines body cannot be sent.
    excluded = [negative_data_rejection] if case.method == "POST" else []
    for who in _roles(case.method, case.operation.path):
        headers = store.as_(who) if who else {}
        case.call_and_validate(headers=headers, excluded_checks=excluded)
