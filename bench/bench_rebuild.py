"""The `rebuild` command on a large store of a realistic shape, next to a plain read of its events.

    python bench/bench_rebuild.py --events 1000000 --shape interleaved \\
        [--cache-dir /tmp/rebuild-bench] [--workers 1,2] [--verify-views] [--format json]

Builds the store once (the shape's JSON Lines through `Ledger.submit`, views current; the
alert index is left to the rebuild) and keeps it under `--cache-dir`, keyed by shape, events
and seed: building a million events takes several minutes, a rebuild leaves the events as
they were, so later runs reuse it. Then, in the same run:
- the baseline: a plain `SELECT` of every stored event row and a JSON parse of each, the
  least any rebuild must read;
- `measure-ledger --store ... rebuild --format json` in this process (cli.main), once per
  `--workers` value: wall seconds, events/s, the ratio to the baseline, CPU seconds of this
  process and of its judging workers, and peak RSS of both;
- with `--verify-views`, `verify --views` afterwards (every projection recomputed and
  compared; at 1M events it takes minutes).
The load average is printed too: the machine is shared, so the ratios are the figures to trust.
Target (issue 13, DESIGN.md): rebuild of 1M interleaved events <= 60 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shapes import SHAPES, write

from cli.main import main as cli_main
from consumers import jsonl
from ledger.logging import configure
from ledger.service import Ledger


def cached_store(cache: Path, shape: str, events: int, seed: int) -> Path:
    """The store of this shape, built on first use; a half-built one is built again."""
    home = cache / f"{shape}-{events}-{seed}"
    db, done = home / "ledger.db", home / "built"
    if done.exists():
        return db
    home.mkdir(parents=True, exist_ok=True)
    for stale in home.glob("ledger.db*"):
        stale.unlink()
    source = home / "events.jsonl"
    write(shape, source, events, seed)
    ledger = Ledger(f"sqlite:///{db}")
    with source.open("rb") as handle:
        jsonl.load(ledger, handle, source.name)
    ledger.close()
    source.unlink()
    done.write_text("ok\n")
    return db


def plain_read(db: Path) -> tuple[int, float]:
    """Every stored event row read and its state parsed as JSON: (rows, seconds)."""
    conn = sqlite3.connect(db)
    started = time.perf_counter()
    rows = 0
    for (state,) in conn.execute("SELECT state FROM stored_events"):
        json.loads(state)
        rows += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return rows, elapsed


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def rebuild_command(db: Path, workers: int) -> dict[str, float]:
    out = io.StringIO()
    started = time.perf_counter()
    own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    with contextlib.redirect_stdout(out):
        code = cli_main(
            ["--store", f"sqlite:///{db}", "rebuild", "--workers", str(workers), "--format",
             "json"]
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"rebuild exited {code}")
    return {
        "workers": workers,
        "seconds": round(elapsed, 1),
        "rebuilt_events": json.loads(out.getvalue())["rebuilt_events"],
        "cpu_s": round(_cpu(resource.RUSAGE_SELF) - own, 1),
        "workers_cpu_s": round(_cpu(resource.RUSAGE_CHILDREN) - children, 1),
    }


def verify_views(db: Path) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_main(
            ["--store", f"sqlite:///{db}", "verify", "--views", "--no-progress", "--format",
             "json"]
        )  # fmt: skip
    return str(json.loads(out.getvalue())["views"]["state"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--shape", choices=SHAPES, default="interleaved")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/rebuild-bench"))
    parser.add_argument("--workers", default="2", help="comma-separated, e.g. 1,2")
    parser.add_argument("--verify-views", action="store_true")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    configure("warning")
    built = time.perf_counter()
    db = cached_store(args.cache_dir, args.shape, args.events, args.seed)
    built = time.perf_counter() - built
    rows, plain_s = plain_read(db)
    runs = []
    for workers in (int(w) for w in args.workers.split(",")):
        run = rebuild_command(db, workers)
        run["events_per_s"] = round(rows / run["seconds"])
        run["ratio"] = round(plain_s / run["seconds"], 4)
        runs.append(run)
    result = {
        "shape": args.shape,
        "events": args.events,
        "stored_rows": rows,
        "store_built_s": round(built, 1),
        "plain_read_s": round(plain_s, 2),
        "plain_read_rows_per_s": round(rows / plain_s),
        "rebuilds": runs,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "workers_peak_rss_mib": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "target": "rebuild of 1M interleaved events <= 60 s",
    }
    if args.verify_views:
        result["verify_views"] = verify_views(db)
    if args.format == "json":
        print(json.dumps(result))
    else:
        for key, value in result.items():
            if key != "rebuilds":
                print(f"{key:<24} {value}")
        for run in runs:
            print(f"rebuild --workers {run['workers']}     {run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
