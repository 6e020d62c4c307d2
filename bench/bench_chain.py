"""What tamper evidence costs: JSONL → SQLite ingest with and without the hash chain, and verify.

    python bench/bench_chain.py --events 100000 [--seed 7] [--rounds 2] [--format json]

Both ingests read the same generated file in the same process; the baseline switches the
chain (and with it the per-batch signed checkpoint) off on the recorder class, which only
this benchmark does. Projections are kept current in both runs, as in production. Then
`verify` runs over the chained store; its 1M-event figure is extrapolated linearly when
`--events` is smaller, and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consumers import jsonl
from ledger.logging import configure
from ledger.service import Ledger
from store.recorders import LedgerSQLiteRecorder
from synthetic import write_jsonl

BATCH = 2000
MILLION = 1_000_000


def ingest(path: Path, db: Path, *, chained: bool) -> tuple[float, float]:
    """(wall, CPU) seconds to ingest the file into a fresh store.

    CPU time is reported too because on a shared machine wall time swings with other load."""
    LedgerSQLiteRecorder.chain_enabled = chained
    try:
        ledger = Ledger(f"sqlite:///{db}")
        started, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as source:
            jsonl.load(ledger, source, path.name, batch_lines=BATCH)
        elapsed = time.perf_counter() - started, time.process_time() - cpu
        ledger.close()
    finally:
        LedgerSQLiteRecorder.chain_enabled = True
    return elapsed


def verify_seconds(db: Path) -> tuple[float, int, bool]:
    ledger = Ledger(f"sqlite:///{db}")
    started = time.perf_counter()
    report = ledger.verify(ledger.checkpoints.key.public_key())
    elapsed = time.perf_counter() - started
    ledger.close()
    return elapsed, report.records, report.intact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2, help="best of N for each ingest")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    configure("warning")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["LEDGER_KEY_FILE"] = str(work / "bench-signing.key")
        source = work / "events.jsonl"
        events = write_jsonl(source, args.events, args.seed)
        plain, chained = [], []
        for n in range(args.rounds):  # alternate, so drift in the machine hits both alike
            plain.append(ingest(source, work / f"plain{n}.db", chained=False))
            chained.append(ingest(source, work / f"chained{n}.db", chained=True))
        verify_s, records, intact = verify_seconds(work / "chained0.db")
    wall_plain, wall_chained = min(w for w, _ in plain), min(w for w, _ in chained)
    cpu_plain, cpu_chained = min(c for _, c in plain), min(c for _, c in chained)
    result = {
        "events": events,
        "stored_records": records,
        "ingest_plain_events_per_s": round(events / wall_plain),
        "ingest_chained_events_per_s": round(events / wall_chained),
        "slowdown_percent": round((wall_chained / wall_plain - 1) * 100, 1),
        "cpu_slowdown_percent": round((cpu_chained / cpu_plain - 1) * 100, 1),
        "verify_seconds": round(verify_s, 2),
        "verify_records_per_s": round(records / verify_s),
        "verify_seconds_1m_records": round(verify_s * MILLION / records, 1),
        "verify_1m_extrapolated": records < MILLION,
        "intact": intact,
    }
    if args.format == "json":
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:30} {value}")
    return 0 if intact else 1


if __name__ == "__main__":
    sys.exit(main())
