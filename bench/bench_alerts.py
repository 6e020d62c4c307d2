"""Open alerts as of a date over many measures: the alert index next to a naive full replay.

    python bench/bench_alerts.py --events 1200000   # about 100k measures
    python bench/bench_alerts.py --events 60000 --format json

Builds a SQLite ledger from the synthetic stream (ingest and alert-index refresh are timed
and printed too), then answers "which alerts were open on D?" two ways in the same run:
from the index (a range scan), and by replaying every measure's facts through the rules,
which is what the index saves. Target for the index: <= 1 s at 100k measures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consumers import jsonl
from domain.facts import Fact
from domain.rules.engine import evaluate, evaluate_authorization
from ledger.logging import configure
from ledger.service import Ledger
from projections import queries
from projections.alert_index import FACT_ROWS, facts_from_rows, retractions
from synthetic import write_jsonl

AS_OF = datetime(2026, 9, 1, tzinfo=UTC)


def build(path: Path, events: int, seed: int) -> tuple[Ledger, dict[str, float]]:
    source = path.with_suffix(".jsonl")
    write_jsonl(source, events, seed)
    ledger = Ledger(f"sqlite:///{path}")
    started = time.perf_counter()
    with source.open("rb") as handle:
        counts = jsonl.load(ledger, handle, source.name)
    stored = time.perf_counter()
    judged = ledger.refresh_alerts()
    done = time.perf_counter()
    return ledger, {
        "events": counts.accepted,
        "ingest_s": round(stored - started, 1),
        "ingest_events_per_s": round(counts.accepted / (stored - started)),
        "alert_index_s": round(done - stored, 1),
        "measures_judged": judged,
        "measures_judged_per_s": round(judged / (done - stored)) if judged else 0,
    }


def indexed(ledger: Ledger, repeats: int = 5) -> tuple[int, float]:
    times, found = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        found = len(queries.alerts(ledger.sql, AS_OF))
        times.append(time.perf_counter() - started)
    return found, statistics.median(times)


def naive_replay(ledger: Ledger) -> tuple[int, float]:
    """Every measure's facts through the rules at AS_OF: what a query costs without the index."""
    started = time.perf_counter()
    book = ledger.alert_index.index.rulebook
    with ledger.sql.transaction(commit=False) as c:
        facts = facts_from_rows(c.execute(FACT_ROWS).fetchall())
        retracted: dict[str, dict[str, tuple[tuple[str, datetime], ...]]] = {}
        measures: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        orders: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        for fact in facts:
            if fact.measure_id is None:
                orders[(fact.provider_id, fact.client_id)].append(fact)
            else:
                measures[(fact.provider_id, fact.measure_id)].append(fact)
        for provider_id in {key[0] for key in measures}:
            retracted[provider_id] = retractions(c, provider_id)
    found = 0
    for (provider_id, _), own in measures.items():
        client = max(own, key=lambda f: f.position or 0).client_id
        alerts = evaluate(own, orders[(provider_id, client)], book, AS_OF, retracted[provider_id])
        found += sum(1 for a in alerts if a.status == "open")
    for (provider_id, _), client_orders in orders.items():
        alerts = evaluate_authorization(client_orders, book, AS_OF, retracted.get(provider_id))
        found += sum(1 for a in alerts if a.status == "open")
    return found, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    configure("warning")
    with tempfile.TemporaryDirectory() as tmp:
        ledger, built = build(Path(tmp) / "ledger.db", args.events, args.seed)
        measures = len(queries.status(ledger.sql))
        open_count, index_s = indexed(ledger)
        replay_count, replay_s = naive_replay(ledger)
        ledger.close()
    result = {
        **built,
        "measures": measures,
        "as_of": AS_OF.isoformat(),
        "open_alerts_index": open_count,
        "index_query_s": round(index_s, 4),
        "open_alerts_replay": replay_count,
        "naive_replay_s": round(replay_s, 2),
        "target_index_s": 1.0,
    }
    if args.format == "json":
        print(json.dumps(result))
        return 0
    for key, value in result.items():
        print(f"{key:<24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
