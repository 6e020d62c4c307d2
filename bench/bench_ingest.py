"""The `ingest` command, alerts current, on a realistic stream shape, next to a plain loop.

    python bench/bench_ingest.py --events 200000 --shape interleaved [--seed 7] [--format json]
    python bench/bench_ingest.py --store postgresql://postgres@127.0.0.1:5432/bench  # emptied first

Shapes (bench/shapes.py): `local` (cohort by cohort), `interleaved` (a year in occurred_at
order: thousands of measures open at once), `long` (measures with hundreds of applications).

What is timed is what a provider's engineer runs: `measure-ledger ingest FILE` in this
process (cli.main), which stores every line, brings the views up and judges the alert index
before it returns. The baseline, in the same run on the same file: a plain SQLite loop that
parses each line as JSON and inserts it into one table, committing every 5,000 lines (the
ledger's batch); with `--store postgresql://...`, a psycopg `executemany` of the same parsed
lines into one table of a scratch schema, committing every 5,000. Printed: events/s of both,
their ratio, the ledger's CPU seconds (user + system, with the judge's), how much of it the
last alert refresh took (judging, after the file is stored) and, when the command judged
alongside (a file of 8 MiB or more, on two cores: ledger/judging_alongside.py), the judge
process's CPU; and the peak RSS of the storing process. `--in-turn` makes the command store,
then judge, in one process, for the comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shapes import SHAPES, describe, write

from cli import commands
from cli.main import main as cli_main
from ledger.logging import configure

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


def plain_postgres(path: Path, url: str) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS bench_plain CASCADE")
        conn.execute("CREATE SCHEMA bench_plain")
        conn.execute("CREATE TABLE bench_plain.events (id BIGSERIAL PRIMARY KEY, body TEXT)")
        started = time.perf_counter()
        rows: list[tuple[str]] = []
        with path.open("rb") as source, conn.cursor() as cursor:
            for raw in source:
                rows.append((json.dumps(json.loads(raw)),))
                if len(rows) >= BATCH:
                    with conn.transaction():
                        cursor.executemany(
                            "INSERT INTO bench_plain.events (body) VALUES (%s)", rows
                        )
                    rows.clear()
            with conn.transaction():
                cursor.executemany("INSERT INTO bench_plain.events (body) VALUES (%s)", rows)
        elapsed = time.perf_counter() - started
        conn.execute("DROP SCHEMA bench_plain CASCADE")
    return elapsed


def empty_postgres(url: str) -> None:
    """The ledger's tables dropped: the benchmark times a first ingest into an empty store."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _flush(conn: sqlite3.Connection, rows: list[tuple[str]]) -> None:
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO events (body) VALUES (?)", rows)
    conn.execute("COMMIT")
    rows.clear()


def _cpu() -> float:
    """This process's CPU seconds and its reaped children's: the command's judge alongside
    (ledger/judging_alongside.py) is a child it joins before it returns."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def timed_refresh(spent: dict[str, float]) -> Iterator[None]:
    """Time the command's alert refresh (`cli.commands.refresh_alerts`) apart from storing:
    its wall and CPU seconds land in `spent`."""
    original = commands.refresh_alerts

    def refresh(*args: Any, **kwargs: Any) -> int:
        started, cpu = time.perf_counter(), _cpu()
        try:
            return int(original(*args, **kwargs))
        finally:
            spent["seconds"] = spent.get("seconds", 0.0) + time.perf_counter() - started
            spent["cpu"] = spent.get("cpu", 0.0) + _cpu() - cpu

    commands.refresh_alerts = refresh  # type: ignore[assignment]
    try:
        yield
    finally:
        commands.refresh_alerts = original  # type: ignore[assignment]


def ingest_command(
    path: Path, store: str, key: Path, refresh: dict[str, float], in_turn: bool
) -> tuple[float, float, dict[str, int]]:
    """`measure-ledger --store STORE ingest path --format json`, timed wall and CPU (with its
    judge's, when it judges alongside); the parent's last alert refresh is put in `refresh`,
    the judge's CPU in `refresh["judge_cpu"]`. `in_turn`: store, then judge, in one process."""
    os.environ["LEDGER_KEY_FILE"] = str(key)
    out = io.StringIO()
    decide = commands.wanted
    if in_turn:
        commands.wanted = lambda size: False  # type: ignore[assignment]
    refresh["alongside"] = float(commands.wanted(path.stat().st_size))
    started, cpu, children = time.perf_counter(), _cpu(), _children_cpu()
    try:
        with contextlib.redirect_stdout(out), timed_refresh(refresh):
            code = cli_main(
                ["--store", store, "ingest", str(path), "--no-progress", "--format", "json"]
            )
    finally:
        commands.wanted = decide  # type: ignore[assignment]
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    refresh["judge_cpu"] = _children_cpu() - children
    if code != 0:
        raise SystemExit(f"ingest exited {code}")
    return elapsed, cpu, json.loads(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--shape", choices=SHAPES, default="interleaved")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument(
        "--store", default=None, help="a PostgreSQL URL whose database is emptied first"
    )
    parser.add_argument(
        "--in-turn",
        action="store_true",
        help="store, then judge, in one process (default: as the command decides; a file "
        "of 8 MiB or more is judged alongside, in a second process)",
    )
    args = parser.parse_args()
    configure("warning")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        events_file = work / "events.jsonl"
        # Generated in a child: the generator holds the whole stream in memory, which would
        # otherwise be this process's peak RSS instead of the ledger's.
        child = multiprocessing.get_context("spawn").Process(
            target=write, args=(args.shape, events_file, args.events, args.seed)
        )
        child.start()
        child.join()
        shape = describe(events_file)
        n = shape["events"]
        if args.store:
            plain = plain_postgres(events_file, args.store)
            empty_postgres(args.store)
            store = args.store
        else:
            plain = plain_sqlite(events_file, work / "plain.db")
            store = f"sqlite:///{work / 'ledger.db'}"
        refresh: dict[str, float] = {}
        seconds, cpu, counts = ingest_command(
            events_file, store, work / "key", refresh, args.in_turn
        )
    result = {
        "shape": args.shape,
        "events": n,
        "measures": shape["measures"],
        "store": "postgresql" if args.store else "sqlite",
        "plain_events_per_s": round(n / plain),
        "ledger_events_per_s": round(n / seconds),
        "ratio": round(plain / seconds, 3),
        "ledger_seconds": round(seconds, 2),
        "ledger_cpu_seconds": round(cpu, 2),
        "refresh_seconds": round(refresh["seconds"], 2),
        "refresh_cpu_seconds": round(refresh["cpu"], 2),
        "refresh_cpu_share": round(refresh["cpu"] / cpu, 3),
        "judged_alongside": bool(refresh["alongside"]),
        "judge_cpu_seconds": round(refresh["judge_cpu"], 2),
        "counts": counts,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "targets": "≥ 20,000 ev/s and ≥ 0.20× plain (then 0.30×), alerts current",
    }
    if args.format == "json":
        print(json.dumps(result))
    else:
        print(f"shape                  {args.shape} ({n} events, {shape['measures']} measures)")
        print(f"plain {result['store']:<10} loop {result['plain_events_per_s']:>8} events/s")
        print(
            f"ingest command         {result['ledger_events_per_s']:>8} events/s "
            f"(alerts current; {counts})"
        )
        print(f"ratio ledger/plain     {result['ratio']:>8} (target >= 0.20, then 0.30)")
        print(f"ledger CPU             {result['ledger_cpu_seconds']:>8} s")
        print(
            f"  of it last refresh   {result['refresh_cpu_seconds']:>8} s "
            f"({result['refresh_cpu_share']:.0%}; {result['refresh_seconds']} s wall)"
        )
        if result["judged_alongside"]:
            print(f"  of it the judge      {result['judge_cpu_seconds']:>8} s (a second process)")
        print(f"peak RSS               {result['peak_rss_mib']:>8} MiB (the storing process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
