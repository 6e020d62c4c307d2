"""Several processes starting at once on a fresh PostgreSQL database all succeed (point 18).

Concurrent `CREATE TABLE IF NOT EXISTS` collides in PostgreSQL (`IntegrityError ...
pg_type_typname_nsp_index`): two of three consumers started together died. Each process
here imports everything first and then waits for one shared start moment, so they reach
table creation together, as containers started by `docker compose up --scale consume=3` do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import event, line

PROCESSES = 4
#: Runs the real command line in a process that starts work at a given moment.
AT_ONCE = (
    "import sys, time\n"
    "from cli.main import main\n"
    "start = float(sys.argv[1])\n"
    "time.sleep(max(0.0, start - time.time()))\n"
    "sys.exit(main(sys.argv[2:]))\n"
)
#: Opens the ledger and creates the feed's tables, as `feed` does before it connects.
FEED_TABLES = (
    "import sys, time\n"
    "from ledger.service import Ledger\n"
    "from projections.feed_store import FeedStore\n"
    "start = float(sys.argv[1])\n"
    "time.sleep(max(0.0, start - time.time()))\n"
    "ledger = Ledger(sys.argv[2])\n"
    "with ledger.schema_lock():\n"
    "    FeedStore(ledger.sql, 'measure-alerts', ledger.alert_index.tracking_table)"
    ".create_tables()\n"
    "ledger.close()\n"
)


def drop_everything(url: str) -> None:
    """A fresh database: no tables, and none of the composite types the library creates."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def public_tables(url: str) -> set[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r[0] for r in rows.fetchall()}


def start_together(scripts: list[list[str]], tmp_path: Path) -> list[tuple[int, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_KEY_FILE": str(tmp_path / "signing.key"), "LEDGER_LOG_FORMAT": "json"}
    start = time.time() + 4.0  # after every interpreter has imported the ledger
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script[0], str(start), *script[1:]],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for script in scripts
    ]
    results = []
    for process in processes:
        _, err = process.communicate(timeout=120)
        results.append((process.returncode, err))
    return results


@pytest.mark.postgres
@pytest.mark.slow
def test_processes_starting_at_once_on_a_fresh_database_all_succeed(
    postgres_url: str, tmp_path: Path
) -> None:
    drop_everything(postgres_url)
    files = []
    for n in range(PROCESSES):
        path = tmp_path / f"events-{n}.jsonl"
        path.write_bytes(line(event(event_id=f"e{n}", measure_id=f"m{n}")) + b"\n")
        files.append(path)
    scripts = [
        [AT_ONCE, "--store", postgres_url, "ingest", "--no-progress", str(path)] for path in files
    ] + [[FEED_TABLES, postgres_url] for _ in range(2)]
    results = start_together(scripts, tmp_path)
    for code, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "IntegrityError" not in err
    tables = public_tables(postgres_url)
    assert {"measure_ledger_events", "ledger_chain", "view_alerts", "feed_published"} <= tables
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM ledger_event_keys").fetchone()
    assert stored is not None and stored[0] == PROCESSES


#: Creates (or reads) the signing key at a given moment and prints its public key.
KEY_AT_ONCE = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from cryptography.hazmat.primitives import serialization\n"
    "from store.checkpoints import load_or_create_key\n"
    "start = float(sys.argv[1])\n"
    "time.sleep(max(0.0, start - time.time()))\n"
    "key = load_or_create_key(Path(sys.argv[2]))\n"
    "print(key.public_key().public_bytes(serialization.Encoding.Raw,"
    " serialization.PublicFormat.Raw).hex())\n"
)


def test_processes_creating_the_signing_key_at_once_share_one_complete_key(
    tmp_path: Path,
) -> None:
    """Without an init service the first consumers to sign create the key together: each
    must read a whole key (never a half-written file) and all the same one."""
    for round_ in range(3):
        path = tmp_path / f"signing-{round_}.key"
        start = time.time() + 3.0
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", KEY_AT_ONCE, str(start), str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(6)
        ]
        outputs = [p.communicate(timeout=60) for p in processes]
        assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
        assert len({out.strip() for out, _ in outputs}) == 1
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
