"""A file with every kind of bad line: the good lines are stored, each bad one is dead-lettered
with a reason naming what is wrong, and no byte the ledger keeps or logs holds a BSN.

The ingest runs as the real command, at debug log level with JSON logs, into a file named
after a client's BSN; then every table of the store (the SQLite file, or every PostgreSQL
table) and the captured logs are scanned for a nine-digit number passing the elfproef,
however it is grouped. The ledger's own hashes and ids (hex, UUIDs) are left out of the
scan: they are not data a provider sent, and a 64-digit hex hash holds a nine-digit run by
chance.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from domain.identifiers import bsn_spans
from tests.conftest import event, lifecycle, line

_LEDGER_OWN = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,}"
)


def _good() -> list[bytes]:
    story = [line(e) for e in lifecycle()]
    story.append(
        line(event(event_id="n7", measure_id="m7", occurred_at="2026-03-02T09:00:00.1234567Z"))
    )
    story.append(
        line(
            event(event_id="n9", measure_id="m9", occurred_at="2026-03-02T09:00:00.123456789+01:00")
        )
    )
    return story


def _bad() -> dict[str, bytes]:
    base = line(event(event_id="d1"))
    return {
        "repeated event_id": base[:-1] + b', "event_id": "d2"}',
        "repeated client_id with a BSN": base[:-1] + b', "client_id": "123456782"}',
        "BSN as event_id": line(event(event_id="123456782")),
        "BSN as measure_id": line(event(event_id="b2", measure_id="123456782")),
        "BSN with dots": line(event(event_id="b3", client_id="cl-1234.56.782")),
        "BSN with hyphens": line(event(event_id="b4", client_id="123-45-6782")),
        "BSN with spaces in text": line(
            event(
                "measure.evaluated",
                event_id="b5",
                data={"outcome": "continue", "summary": "client 123 456 782"},
            )
        ),
        "BSN as a field name": line({**event(event_id="b6"), "x123456782": 1}),
        "no offset": line(event(event_id="t1", occurred_at="2026-03-02T09:00:00")),
        "year out in UTC": line(event(event_id="t2", occurred_at="1900-01-01T00:30:00+01:00")),
        "self-retraction": line(
            event("event.retracted", event_id="r1", data={"retracts_event_id": "r1", "reason": "x"})
        ),
        "backdated retraction": line(
            event(
                "event.retracted",
                event_id="r2",
                occurred_at="2026-03-01T09:00:00+01:00",
                data={"retracts_event_id": "m1-5", "reason": "wrong client"},
            )
        ),
        "oversized with a BSN at its start": b'{"client_id": "123456782", "pad": "'
        + b"p" * (2 * 1024 * 1024)
        + b'"}',
        "not JSON": b"client 123456782 said hello",
        "invalid UTF-8": b'{"event_id": "\xff\xfe"}',
        "not an object": b"[123456782]",
    }


EXPECTED_REASONS = {
    "repeated event_id": '"event_id": key appears more than once',
    "repeated client_id with a BSN": '"client_id": key appears more than once',
    "BSN as event_id": "event_id: looks like a BSN",
    "BSN as measure_id": "measure_id: looks like a BSN",
    "BSN with dots": "client_id: looks like a BSN",
    "BSN with hyphens": "client_id: looks like a BSN",
    "BSN with spaces in text": "data.summary: looks like a BSN",
    "BSN as a field name": "x#########: unknown field",
    "no offset": "occurred_at: date-time has no offset",
    "year out in UTC": "occurred_at: year 1899 is outside 1900-2200 (in UTC)",
    "self-retraction": "names this event itself",
    "backdated retraction": "occurred_at: 2026-03-01T09:00:00+01:00 is before the retracted event",
    "oversized with a BSN at its start": "more than the limit of 1048576 bytes",
    "not JSON": "not JSON",
    "invalid UTF-8": "not UTF-8",
    "not an object": "not a JSON object",
}


def _scan(where: str, value: Any, found: list[str]) -> None:
    if value is None or isinstance(value, int | float):
        return
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", errors="replace")
    text = _LEDGER_OWN.sub(" ", str(value))
    for start, end in bsn_spans(text):
        found.append(f"{where}: {text[max(start - 20, 0) : end + 20]!r}")


def _ingest(store: str, path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEDGER_LOG_LEVEL": "debug",
        "LEDGER_LOG_FORMAT": "json",
        "LEDGER_KEY_FILE": str(tmp_path / "signing.key"),
    }
    return subprocess.run(
        [sys.executable, "-m", "cli", "--store", store, "ingest", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _rows_sqlite(store: str) -> list[tuple[str, dict[str, Any]]]:
    with sqlite3.connect(store.removeprefix("sqlite:///")) as db:
        db.row_factory = sqlite3.Row
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, dict(r)) for t in tables for r in db.execute(f'SELECT * FROM "{t}"')]


def _rows_postgres(store: str) -> list[tuple[str, dict[str, Any]]]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(store, row_factory=dict_row) as conn:
        tables = [
            r["tablename"]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return [(t, r) for t in tables for r in conn.execute(f'SELECT * FROM "{t}"').fetchall()]


def test_bad_lines_are_dead_lettered_and_no_bsn_is_kept_anywhere(
    store_url: str, tmp_path: Path
) -> None:
    bad = _bad()
    good = _good()
    lines = [*good[:5], b"", *bad.values(), *good[5:]]
    path = tmp_path / "client-123456782.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    result = _ingest(store_url, path, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == {
        "accepted": len(good),
        "duplicates": 0,
        "rejected": len(bad),
    }

    rows = (_rows_sqlite if store_url.startswith("sqlite") else _rows_postgres)(store_url)
    letters = sorted(
        (r for t, r in rows if t == "ledger_dead_letters"),
        key=lambda r: int(r["source"].rsplit(":", 1)[1]),
    )
    assert len(letters) == len(bad)
    for name, letter in zip(bad, letters, strict=True):
        assert EXPECTED_REASONS[name] in letter["reason"], (name, letter["reason"])
        assert letter["source"].startswith("client-#########.jsonl:")

    found: list[str] = []
    for table, row in rows:
        for column, value in row.items():
            _scan(f"{table}.{column}", value, found)
    _scan("stderr", result.stderr, found)
    _scan("stdout", result.stdout, found)
    assert result.stderr.strip(), "debug logging should have written something"
    assert found == []


@pytest.mark.parametrize("number", ["123456782", "1234.56.782", "123-45-6782", "123 456 782"])
def test_the_scan_itself_finds_a_bsn(number: str) -> None:
    """The scan is what makes the test above able to fail."""
    found: list[str] = []
    _scan("probe", f'{{"note": "{number}", "hash": "{"ab" * 32}"}}', found)
    assert len(found) == 1
