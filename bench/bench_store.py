"""A large SQLite ledger, then what its readers and auditors pay: timeline, verify, rebuild.

    python bench/bench_store.py --events 1000000 [--seed 7] [--format json]

Builds one store from the synthetic stream (ingest timed), then measures on it:
- the timeline of one measure (1,000 random measures; p50 and p99), next to a plain indexed
  SELECT of the same rows, the least any timeline query can cost;
- `verify` over every record (hash chain and checkpoint signatures);
- `measure-ledger verify --views` as a separate process (chain, then every projection
  recomputed into a scratch file and compared), with that process's peak memory;
- rebuilding the measure views and the alert index from zero.
Targets (DESIGN.md): timeline p99 <= 5 ms at 1M events, rebuild <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consumers import jsonl
from ledger.logging import configure
from ledger.service import Ledger
from projections import queries
from synthetic import write_jsonl


def timed(action: object) -> tuple[object, float]:
    started = time.perf_counter()
    result = action()  # type: ignore[operator]
    return result, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timelines(ledger: Ledger, samples: int, seed: int) -> dict[str, float]:
    """Cold: each measure read for the first time. Warm: the same reads again, as a running
    server sees them once its pages are cached. The plain SELECT runs warm, after ours."""
    keys = [(r["provider_id"], r["measure_id"]) for r in queries.status(ledger.sql)]
    chosen = random.Random(seed).sample(keys, min(samples, len(keys)))
    cold = [_ms(lambda p=p, m=m: queries.timeline(ledger.sql, p, m)) for p, m in chosen]
    warm = [_ms(lambda p=p, m=m: queries.timeline(ledger.sql, p, m)) for p, m in chosen]
    plain = [_ms(lambda p=p, m=m: _plain(ledger, p, m)) for p, m in chosen]
    return {
        "timeline_cold_p50_ms": round(statistics.median(cold), 3),
        "timeline_cold_p99_ms": round(percentile(cold, 0.99), 3),
        "timeline_warm_p50_ms": round(statistics.median(warm), 3),
        "timeline_warm_p99_ms": round(percentile(warm, 0.99), 3),
        "plain_select_warm_p99_ms": round(percentile(plain, 0.99), 3),
    }


def _ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _plain(ledger: Ledger, provider_id: str, measure_id: str) -> list[object]:
    with ledger.sql.transaction(commit=False) as c:
        return c.execute(
            "SELECT * FROM view_timeline WHERE provider_id = ? AND kind = 'measure' AND ref = ?",
            [provider_id, measure_id],
        ).fetchall()


def verify_views_process(url: str) -> tuple[str, float]:
    """`verify --views` as an auditor runs it; its views state and peak RSS in MiB."""
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--store", url, "verify", "--views", "--no-progress",
         "--format", "json"],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, check=False,
    )  # fmt: skip
    state = json.loads(done.stdout)["views"]["state"] if done.stdout else done.stderr[-200:]
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return state, round(peak_kib / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    configure("warning")
    with tempfile.TemporaryDirectory() as tmp:
        source, db = Path(tmp) / "events.jsonl", Path(tmp) / "ledger.db"
        write_jsonl(source, args.events, args.seed)
        ledger = Ledger(f"sqlite:///{db}")
        with source.open("rb") as handle:
            counts, ingest_s = timed(lambda: jsonl.load(ledger, handle, source.name))
        _, index_s = timed(ledger.refresh_alerts)
        reads = timelines(ledger, 1000, args.seed)
        report, verify_s = timed(lambda: ledger.verify(ledger.checkpoints.key.public_key()))
        audit, views_audit_s = timed(lambda: verify_views_process(f"sqlite:///{db}"))
        _, views_s = timed(lambda: ledger.projector.rebuild())
        ledger.alert_index.reset()
        _, alerts_s = timed(ledger.refresh_alerts)
        ledger.close()
    accepted = counts.accepted  # type: ignore[attr-defined]
    result = {
        "events": accepted,
        "ingest_s": round(ingest_s, 1),
        "ingest_events_per_s": round(accepted / ingest_s),
        "alert_index_s": round(index_s, 1),
        **reads,
        "verify_s": round(verify_s, 1),
        "verify_records_per_s": round(report.records / verify_s),  # type: ignore[attr-defined]
        "verify_intact": report.damage is None,  # type: ignore[attr-defined]
        "verify_views_s": round(views_audit_s, 1),
        "verify_views_state": audit[0],  # type: ignore[index]
        "verify_views_peak_rss_mib": audit[1],  # type: ignore[index]
        "rebuild_views_s": round(views_s, 1),
        "rebuild_alert_index_s": round(alerts_s, 1),
        "rebuild_total_s": round(views_s + alerts_s, 1),
    }
    if args.format == "json":
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
