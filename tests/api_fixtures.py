"""A served ledger for the API and page tests: the demo's providers, a token per role.

One store per module and store kind (building it costs a second or two), read through
FastAPI's TestClient — the real application, the real store, no server process. Tests that
write (POST events) use their own `fresh_served` fixture.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import POSTGRES_URL, _postgres_problem, reset_postgres
from fastapi.testclient import TestClient

from api.app import create_app
from cli.demo import deliver_overviews, demo_lines
from ledger.service import Ledger, RawMessage

FEED_KEY = b"k" * 32
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class Served:
    ledger: Ledger
    client: TestClient
    providers: list[str]
    tokens: dict[str, str] = field(default_factory=dict)  # name -> secret token
    token_ids: dict[str, str] = field(default_factory=dict)

    def as_(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def token(self, name: str, role: str, providers: tuple[str, ...] = ()) -> str:
        record, secret = self.ledger.tokens.create(role, providers, f"test {name}", NOW)
        self.tokens[name] = secret
        self.token_ids[name] = record.token_id
        return secret


def fill(ledger: Ledger, measures: int = 36, seed: int = 7) -> list[str]:
    lines = demo_lines(measures, seed)
    ledger.submit([RawMessage(raw, f"demo.jsonl:{i}") for i, raw in enumerate(lines, 1)])
    ledger.refresh_alerts()
    deliver_overviews(ledger)  # as the demo does: 2026H1's overviews, delivered in time
    with ledger.sql.transaction(commit=False) as c:
        rows = c.execute("SELECT DISTINCT provider_id FROM view_status ORDER BY 1").fetchall()
        titled = c.execute(
            "SELECT DISTINCT provider_id FROM view_timeline WHERE kind = 'authorization'"
        ).fetchall()
    # A, the first, is a provider with authorisations, whichever providers the demo's draw
    # gave them: the tests read its orders and its titled measures.
    with_orders = {r["provider_id"] for r in titled}
    providers = [r["provider_id"] for r in rows]
    return sorted(providers, key=lambda p: (p not in with_orders, p))


def serve(ledger: Ledger, providers: list[str]) -> Served:
    app = create_app(ledger, feed_key=FEED_KEY, refresh_interval_s=None)
    client = TestClient(app, base_url="http://testserver")
    served = Served(ledger, client, providers)
    a, b = providers[0], providers[1]
    served.token("A", "provider", (a,))
    served.token("B", "provider", (b,))
    served.token("igj", "inspectorate")
    served.token("ingest-A", "ingest", (a,))
    served.token("privacy-A", "privacy", (a,))
    served.token("privacy-B", "privacy", (b,))
    return served


def _store(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'ledger.db'}"
    problem = _postgres_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (CI=true requires PostgreSQL)")
        pytest.skip(problem)
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@contextmanager
def serving(kind: str, tmp: Path, providers: list[str] | None = None) -> Iterator[Served]:
    """A new store of `kind` behind the API: the demo's data, or (given `providers`, A and
    B first) an empty store with the tokens of those providers."""
    with key_file(tmp / "signing.key"):
        ledger = Ledger(_store(kind, tmp))
        try:
            result = serve(ledger, providers or fill(ledger))
            with result.client:
                yield result
        finally:
            ledger.close()


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=STORES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The demo's data behind the API, on each store; read-only for the tests that use it."""
    with serving(request.param, tmp_path_factory.mktemp("served")) as result:
        yield result


@contextmanager
def key_file(path: Path) -> Iterator[None]:
    """`LEDGER_KEY_FILE` at `path` while a ledger is opened (it reads the path then): a
    module's store signs with its own key (a PostgreSQL store's would go to the user's data
    directory), and the setting is put back for the next. The report key (its pseudonyms)
    goes beside it, for the same reason."""
    names = {"LEDGER_KEY_FILE": path, "LEDGER_REPORT_KEY_FILE": path.with_suffix(".report.key")}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: str(value) for name, value in names.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
