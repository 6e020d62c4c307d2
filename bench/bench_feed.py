"""A feed pass at a million alerts: nothing new, one new alert, a thousand come due.

    python bench/bench_feed.py                          # 1,000,000 alerts, SQLite
    python bench/bench_feed.py --alerts 200000 --format json
    python bench/bench_feed.py --store postgresql://postgres@127.0.0.1:5432/bench

The generator writes N alerts straight through the alert index's own write path (its INSERT,
its row format, in batches of 50,000, with the change-log triggers firing), spread over three
providers and a year: most lie in the past, a few percent are deadline alerts due in the
following year, half of the past ones are resolved. Every change due at `now` is then
marked published on partition 0, as a feed that has drained the store would have left it
(one INSERT ... SELECT; the payloads are not the real messages, which no timed pass reads).
On PostgreSQL the tables are then analysed, as autovacuum would have done on a store that
grew to this size.

Then, with `AlertFeed.tick` itself on a producer that acknowledges in memory (no broker: the
pass's store work is what is measured, and an empty pass sends nothing):

- the first pass, which seeds the feed's due set from the whole index (once per store);
- a pass with nothing new (median and max of `--repeat`);
- a pass after 1 new alert (written through the index's path), which publishes it;
- a pass after 1,000 queued deadline alerts came due (the clock moved past them);
- the old feed's scan (`FeedStore.scan_pending`) on the same store, for comparison;
- baselines in the same run: `SELECT count(*) FROM view_alerts`, an empty indexed range
  read of the due-time queue (the floor of any indexed read), and an empty transaction (on
  PostgreSQL a pass's cost is mostly its handful of transactions' round trips).

Target (DESIGN.md): a pass with nothing new at 1M alerts <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consumers.alert_feed import AlertFeed, FeedSettings
from domain.alerts import Alert
from ledger.logging import configure
from ledger.service import Ledger
from projections import alert_changes
from projections.alert_index import _alert_row, _insert_alert
from projections.measure_views import utc_key

KEY = b"b" * 32
NOW = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 50_000
RULES = (
    ("LATE-REGISTRATION", "low"),
    ("EVALUATION-OVERDUE", "high"),
    ("REVIEW-OVERDUE", "high"),
    ("APPLIED-WITHOUT-REVIEW", "critical"),
)


@dataclass
class Meta:
    partition: int
    offset: int


class Acknowledged:
    """A sent message's future, already acknowledged."""

    def __init__(self, offset: int) -> None:
        self.meta = Meta(0, offset)

    def get(self, timeout: float = 0) -> Meta:
        return self.meta


class MemoryProducer:
    """The producer calls `AlertFeed` makes, acknowledged at once on partition 0."""

    def __init__(self) -> None:
        self.offset = 0

    def send(self, topic: str, **_message: Any) -> Acknowledged:
        self.offset += 1
        return Acknowledged(self.offset - 1)

    def flush(self, timeout: float | None = None) -> None:
        return None

    def partitions_for(self, topic: str) -> set[int]:
        return {0}


def alert(n: int, since: datetime, resolved: datetime | None) -> Alert:
    rule, severity = RULES[n % len(RULES)]
    provider = f"AGB:{10000000 + n % 3}"
    return Alert.model_construct(
        alert_id=f"bench-{n:08d}",
        rule=rule,
        severity=severity,
        status="open",
        provider_id=provider,
        measure_id=f"M-{n // 8:07d}",
        framework="wzd",
        category="seclusion",
        client_ref=None,
        since=since,
        resolved_at=resolved,
        rulebook_version="2026.2",
        message="A generated alert for the feed benchmark.",
        evidence=(f"e-{n}",),
    )


def generated(n: int) -> Alert:
    """Alert n: 4% deadline alerts due in the next year, else the past year, half resolved."""
    if n % 25 == 0:
        return alert(n, NOW + timedelta(days=30 + n % 300), None)
    since = YEAR_START + timedelta(seconds=(n * 7919) % (360 * 86400))
    return alert(n, since, since + timedelta(days=3) if n % 2 else None)


def write(ledger: Ledger, alerts: list[Alert]) -> None:
    """The index's own INSERT of alert rows, in one transaction set up as a refresh chunk's."""
    with ledger.sql.transaction(commit=True) as c:
        ledger.alert_index._lock(c)  # type: ignore[attr-defined]
        c.executemany(_insert_alert(), [_alert_row(a, "cl-bench") for a in alerts])


def build(ledger: Ledger, count: int) -> float:
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        write(ledger, [generated(n) for n in range(first, min(first + BATCH, count))])
        print(f"  {min(first + BATCH, count):,} alerts", file=sys.stderr, flush=True)
    return time.perf_counter() - started


def mark_published(ledger: Ledger, topic: str) -> float:
    """Every change due at NOW recorded, as a drained feed leaves the store."""
    started = time.perf_counter()
    moment = utc_key(NOW)
    insert = (
        "INSERT INTO feed_published (topic, alert_id, change, kafka_partition, kafka_offset, "
        "published_at, recorded_by, provider_id, measure_id, client_id, payload) "
        "SELECT ?, alert_id, ?, 0, 0, ?, 'bench', provider_id, measure_id, client_id, '{}' "
        "FROM view_alerts WHERE {column} <= ?"
    )
    with ledger.sql.transaction(commit=True) as c:
        c.execute(insert.replace("{column}", "since_utc"), [topic, "opened", moment, moment])
        c.execute(insert.replace("{column}", "resolved_utc"), [topic, "resolved", moment, moment])
    return time.perf_counter() - started


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return round((time.perf_counter() - started) * 1000, 2), result


def baselines(ledger: Ledger) -> dict[str, float]:
    moment = utc_key(NOW)

    def count() -> Any:
        with ledger.sql.transaction(commit=False) as c:
            return c.execute("SELECT count(*) AS n FROM view_alerts").fetchone()["n"]

    def empty_range() -> Any:
        with ledger.sql.transaction(commit=False) as c:
            query = alert_changes.DUE_OPENINGS + " LIMIT 1"
            return c.execute(query, [moment, moment]).fetchone()

    def empty_transaction() -> Any:
        with ledger.sql.transaction(commit=False) as c:
            return c.execute("SELECT 1 AS one").fetchone()

    return {
        "baseline_empty_transaction_ms": round(
            statistics.median(timed(empty_transaction)[0] for _ in range(20)), 3
        ),
        "baseline_count_ms": round(statistics.median(timed(count)[0] for _ in range(3)), 1),
        "baseline_indexed_range_ms": round(
            statistics.median(timed(empty_range)[0] for _ in range(20)), 3
        ),
    }


def run(store: str, count: int, repeat: int) -> dict[str, Any]:
    ledger = Ledger(store)
    try:
        with ledger.sql.transaction(commit=False) as c:
            if c.execute("SELECT 1 FROM view_alerts LIMIT 1").fetchone() is not None:
                raise SystemExit(f"bench_feed: {store} holds alerts already; give it an empty one")
        figures: dict[str, Any] = {"alerts": count, "store": store.split(":", 1)[0]}
        figures["build_s"] = round(build(ledger, count), 1)
        settings = FeedSettings(bootstrap_servers="memory:0", topic="bench-alerts")
        feed = AlertFeed(ledger, MemoryProducer(), settings, KEY)  # type: ignore[arg-type]
        feed._reconciled = True  # nothing on a memory topic to reconcile
        figures["mark_published_s"] = round(mark_published(ledger, settings.topic), 1)
        if ledger.store.dialect.name == "postgresql":
            # Statistics, as autovacuum gathers them on a store that grew: planned on none,
            # the absorb hashed the topic's published changes (70 ms for one changed alert).
            with ledger.sql.transaction(commit=True) as c:
                c.execute("ANALYZE")
        clock = [NOW]
        feed.clock = lambda: clock[0]
        figures["first_pass_seed_ms"], published = timed(feed.tick)
        assert published == 0, published
        passes = []
        for _ in range(repeat):
            clock[0] += timedelta(milliseconds=500)
            ms, published = timed(feed.tick)
            assert published == 0, published
            passes.append(ms)
        figures["nothing_new_median_ms"] = round(statistics.median(passes), 2)
        figures["nothing_new_max_ms"] = round(max(passes), 2)
        write(ledger, [alert(count + 1, clock[0] - timedelta(hours=1), None)])
        figures["one_new_alert_ms"], published = timed(feed.tick)
        assert published == 1, published
        due = [alert(count + 2 + i, clock[0] + timedelta(seconds=1), None) for i in range(1000)]
        write(ledger, due)
        ms, published = timed(feed.tick)  # the queued alerts are absorbed, none due yet
        assert published == 0, published
        clock[0] += timedelta(seconds=2)
        figures["thousand_came_due_ms"], published = timed(feed.tick)
        assert published == 1000, published
        figures["old_scan_ms"], (indexed, _) = timed(
            lambda: feed.store.scan_pending(clock[0], settings.batch_limit)
        )
        assert indexed == [], len(indexed)
        figures.update(baselines(ledger))
        return figures
    finally:
        ledger.close()


def log_cost(scratch: Path, count: int, rounds: int = 3) -> dict[str, float]:
    """What the change log costs the index's writers: `count` alerts written, then the index
    emptied (a rebuild's first step), with the triggers and with them dropped (SQLite); the
    best of `rounds` rounds that alternate, since the machine is shared."""
    best: dict[str, float] = {}
    for round_ in range(rounds):
        for logged in (True, False) if round_ % 2 == 0 else (False, True):
            ledger = Ledger(f"sqlite:///{scratch / f'log-{logged}-{round_}.db'}")
            try:
                if not logged:
                    with ledger.sql.transaction(commit=True) as c:
                        for name in ("insert", "delete", "update"):
                            c.execute(f"DROP TRIGGER view_alerts_logged_{name}")
                label = "with_log" if logged else "without_log"
                wrote = build(ledger, count)
                emptied, _ = timed(ledger.alert_index.reset)
            finally:
                ledger.close()
            for name, value in (
                (f"write_{count}_{label}_s", wrote),
                (f"reset_{count}_{label}_s", emptied / 1000),
            ):
                best[name] = round(min(best.get(name, value), value), 2)
    return dict(sorted(best.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="passes with nothing new")
    parser.add_argument("--store", help="a store URL (default: a fresh SQLite file)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument(
        "--log-cost",
        type=int,
        default=0,
        metavar="N",
        help="instead: write N alerts and empty the index, with and without the change log",
    )
    args = parser.parse_args()
    configure("warning", "console")
    with tempfile.TemporaryDirectory() as scratch:
        if args.log_cost:
            figures: dict[str, Any] = log_cost(Path(scratch), args.log_cost)
        else:
            store = args.store or f"sqlite:///{Path(scratch) / 'bench-feed.db'}"
            figures = run(store, args.alerts, args.repeat)
    if args.format == "json":
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:28} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
