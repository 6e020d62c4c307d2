"""Shared fixtures: real SQLite files, the real PostgreSQL, and event builders."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.logging import configure
from ledger.service import Ledger, RawMessage

POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # any failure to reach it is a reason to skip locally
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}"
    return None


@pytest.fixture(autouse=True, scope="session")
def _quiet_logs() -> None:
    """Logs go where the product sends them (stderr, warnings and up), never into stdout."""
    configure("warning", "console")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (CI=true requires PostgreSQL)")
        pytest.skip(problem)
    return POSTGRES_URL


def stop(process: subprocess.Popen[Any], timeout: float = 5) -> None:
    """End a server a test started: asked first (SIGTERM, its clean shutdown), then killed."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Each behaviour test runs once per store."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    # The PostgreSQL store's signing key would otherwise go to the user's data directory.
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "postgres.signing.key"))
    return url


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    opened = Ledger(store_url)
    yield opened
    opened.close()


def event(
    type_: str = "measure.proposed",
    *,
    event_id: str = "e1",
    provider_id: str = "AGB:12345678",
    measure_id: str | None = "m1",
    client_id: str = "cl-001",
    occurred_at: str = "2026-03-02T09:00:00+01:00",
    data: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid wire event; defaults describe a Wzd seclusion proposal."""
    if data is None:
        data = DEFAULT_DATA[type_]
    body: dict[str, Any] = {
        "schema": "measure-event/v1",
        "event_id": event_id,
        "provider_id": provider_id,
        "client_id": client_id,
        "type": type_,
        "occurred_at": occurred_at,
        "data": data,
        **extra,
    }
    if measure_id is not None and not type_.startswith("authorization."):
        body["measure_id"] = measure_id
    return body


DEFAULT_DATA: dict[str, dict[str, Any]] = {
    "measure.proposed": {
        "framework": "wzd",
        "category": "seclusion",
        "setting": "residential",
        "grounds": ["serious_bodily_harm"],
        "planned_start": "2026-03-05T09:00:00+01:00",
        "planned_end": "2026-06-01T09:00:00+02:00",
    },
    "stappenplan.step_completed": {"step": "multidisciplinary_consultation"},
    "review.requested": {},
    "review.decided": {"decision": "approved"},
    "measure.applied": {},
    "measure.evaluated": {"outcome": "continue"},
    "measure.extended": {"planned_end": "2026-09-01T09:00:00+02:00"},
    "afbouw.started": {},
    "measure.ended": {"reason": "afgebouwd"},
    "event.retracted": {"retracts_event_id": "e0", "reason": "entered on the wrong measure"},
    "authorization.registered": {
        "authorization_id": "ZM-1",
        "kind": "zorgmachtiging",
        "valid_from": "2026-01-01T00:00:00+01:00",
        "valid_until": "2026-06-30T00:00:00+02:00",
    },
    "authorization.ended": {"authorization_id": "ZM-1"},
}


def line(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def messages(*bodies: dict[str, Any] | bytes, name: str = "test.jsonl") -> list[RawMessage]:
    return [
        RawMessage(b if isinstance(b, bytes) else line(b), f"{name}:{i}")
        for i, b in enumerate(bodies, start=1)
    ]


def lifecycle(measure_id: str = "m1", prefix: str = "") -> list[dict[str, Any]]:
    """A clean Wzd lifecycle, in care order."""
    p = prefix or measure_id
    return [
        event(
            "measure.proposed",
            event_id=f"{p}-1",
            measure_id=measure_id,
            occurred_at="2026-03-02T09:00:00+01:00",
        ),
        event(
            "stappenplan.step_completed",
            event_id=f"{p}-2",
            measure_id=measure_id,
            occurred_at="2026-03-03T09:00:00+01:00",
        ),
        event(
            "review.requested",
            event_id=f"{p}-3",
            measure_id=measure_id,
            occurred_at="2026-03-03T10:00:00+01:00",
        ),
        event(
            "review.decided",
            event_id=f"{p}-4",
            measure_id=measure_id,
            occurred_at="2026-03-04T10:00:00+01:00",
        ),
        event(
            "measure.applied",
            event_id=f"{p}-5",
            measure_id=measure_id,
            occurred_at="2026-03-05T10:00:00+01:00",
        ),
        event(
            "measure.evaluated",
            event_id=f"{p}-6",
            measure_id=measure_id,
            occurred_at="2026-03-30T10:00:00+02:00",
        ),
        event(
            "afbouw.started",
            event_id=f"{p}-7",
            measure_id=measure_id,
            occurred_at="2026-04-15T10:00:00+02:00",
        ),
        event(
            "measure.ended",
            event_id=f"{p}-8",
            measure_id=measure_id,
            occurred_at="2026-05-01T10:00:00+02:00",
        ),
    ]
