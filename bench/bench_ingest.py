"""JSONL → SQLite ingest, views current: events/s next to a plain SQLite insert loop.

    python bench/bench_ingest.py --events 100000 [--seed 7] [--format json]

Both runs read the same generated file in the same process, so the ratio is what the
ledger costs over the cheapest thing that could store those lines at all: the plain loop
parses each line as JSON and inserts it into one table, committing every BATCH lines,
the same cadence as the ledger's loader.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consumers import jsonl
from ledger.logging import configure
from ledger.service import Ledger
from synthetic import write_jsonl

BATCH = 5000


def plain_sqlite(path: Path, db: Path) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    started = time.perf_counter()
    rows: list[tuple[str]] = []
    with path.open("rb") as source:
        for raw in source:
            rows.append((json.dumps(json.loads(raw)),))
            if len(rows) >= BATCH:
                _flush(conn, rows)
    _flush(conn, rows)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _flush(conn: sqlite3.Connection, rows: list[tuple[str]]) -> None:
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO events (body) VALUES (?)", rows)
    conn.execute("COMMIT")
    rows.clear()


def ledger_ingest(path: Path, db: Path) -> tuple[float, dict[str, int]]:
    ledger = Ledger(f"sqlite:///{db}")
    started = time.perf_counter()
    with path.open("rb") as source:
        counts = jsonl.load(ledger, source, path.name, batch_lines=BATCH)
    elapsed = time.perf_counter() - started
    ledger.close()
    return elapsed, counts.as_dict()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    configure("warning")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        events_file = work / "events.jsonl"
        n = write_jsonl(events_file, args.events, args.seed)
        plain = plain_sqlite(events_file, work / "plain.db")
        ledger_seconds, counts = ledger_ingest(events_file, work / "ledger.db")
    result = {
        "events": n,
        "plain_sqlite_events_per_s": round(n / plain),
        "ledger_events_per_s": round(n / ledger_seconds),
        "ratio": round(plain / ledger_seconds, 3),
        "target_events_per_s": 20_000,
        "target_ratio": 0.35,
        "ledger_seconds": round(ledger_seconds, 2),
        "counts": counts,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.format == "json":
        print(json.dumps(result))
    else:
        print(f"events                 {n}")
        print(f"plain SQLite loop      {result['plain_sqlite_events_per_s']:>8} events/s")
        print(
            f"ledger ingest          {result['ledger_events_per_s']:>8} events/s "
            f"(views current; {counts})"
        )
        print(f"ratio ledger/plain     {result['ratio']:>8} (target >= 0.35; target 20,000 ev/s)")
        print(f"peak RSS               {result['peak_rss_mib']:>8} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
