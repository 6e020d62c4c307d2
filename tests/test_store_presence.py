"""Reading commands refuse a store that does not exist; writing commands create it (point 16).

A mistyped `--store sqlite:///typo.db status` used to create an empty store and print
`(none)` with exit 0 — and `verify` called the empty ledger intact. On PostgreSQL "does not
exist" means the database holds none of the ledger's tables, and reading must not create any.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.conftest import event, line, reset_postgres

#: Every command that only reads (or only re-derives what is stored), with its arguments.
READING = [
    ["status"],
    ["rejects"],
    ["timeline", "AGB:12345678", "m1"],
    ["alerts"],
    ["alerts", "--all"],
    ["verify"],
    ["checkpoint"],
    ["rebuild"],
    ["token", "list"],
    ["access-log"],
]


def postgres_tables(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("argv", READING, ids=lambda a: " ".join(a))
def test_reading_a_missing_sqlite_store_is_refused_and_creates_nothing(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "typo.db"
    assert main(["--store", f"sqlite:///{typo}", *argv]) == 2
    err = capsys.readouterr().err
    assert f"no ledger store at {typo}" in err and "does not exist" in err
    assert list(tmp_path.iterdir()) == []  # no database, no WAL, no signing key


@pytest.mark.parametrize("argv", READING, ids=lambda a: " ".join(a))
def test_reading_a_sqlite_file_that_is_no_ledger_is_refused(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty file (e.g. `touch`ed) holds no ledger: refused, and left as it was."""
    empty = tmp_path / "empty.db"
    empty.touch()
    assert main(["--store", f"sqlite:///{empty}", *argv]) == 2
    assert "holds no ledger" in capsys.readouterr().err
    assert empty.stat().st_size == 0


@pytest.mark.postgres
@pytest.mark.parametrize("argv", READING, ids=lambda a: " ".join(a))
def test_reading_a_postgres_database_without_the_ledger_is_refused_and_creates_no_table(
    postgres_url: str,
    tmp_path: Path,
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "signing.key"))
    reset_postgres(postgres_url)
    assert main(["--store", postgres_url, *argv]) == 2
    assert "no ledger in the PostgreSQL database" in capsys.readouterr().err
    assert postgres_tables(postgres_url) == []
    assert not (tmp_path / "signing.key").exists()


def test_writing_commands_create_the_store(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first ingest makes the store; reading it afterwards works on both stores."""
    events = tmp_path / "events.jsonl"
    events.write_bytes(line(event()) + b"\n")
    assert main(["--store", store_url, "ingest", str(events), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["accepted"] == 1
    for argv in READING:
        assert main(["--store", store_url, *argv, "--format", "json"]) == 0, argv
    capsys.readouterr()


def test_an_existing_empty_ledger_is_readable(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store created by a writer that stored nothing yet exists: reading it is no error."""
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["--store", store_url, "ingest", str(empty)]) == 0
    capsys.readouterr()
    assert main(["--store", store_url, "status", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
