"""`measure-ledger demo`: a synthetic year of care, ingested into a fresh store, summarised.

The stream comes from the seeded generator, so a run is reproducible; it is written as
JSON Lines and loaded through the same path a provider's file takes.
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli.context import InputError
from cli.output import emit_json, emit_table
from cli.progress import progress_bar, refresh_alerts
from consumers import jsonl
from ledger.service import Ledger
from projections import queries
from store.urls import StoreUrl
from synthetic import DEFAULT_START, encode_lines, generate

DEMO_FILE = "measure-ledger-demo.db"
#: The demo stream stops here, so some measures are still running and deadlines lie ahead.
#: A fixed moment (not "now") keeps every run of the demo identical.
DEMO_CUTOFF = DEFAULT_START + timedelta(days=320)
MALFORMED_SHARE = 0.004


def demo_lines(measures: int, seed: int) -> list[bytes]:
    """The synthetic year up to the cutoff, with a few malformed lines for the dead letters."""
    events = [
        e
        for e in generate(measures=measures, seed=seed)
        if datetime.fromisoformat(e["occurred_at"]) <= DEMO_CUTOFF
    ]
    return list(encode_lines(events, malformed_share=MALFORMED_SHARE, seed=seed))


def demo_store(args: argparse.Namespace) -> str:
    """A fresh store: the demo file is replaced; a store the user named must be empty."""
    if not args.store_given:
        for suffix in ("", "-wal", "-shm"):
            Path(DEMO_FILE + suffix).unlink(missing_ok=True)
        return f"sqlite:///{DEMO_FILE}"
    return args.store


def run_demo(args: argparse.Namespace) -> int:
    store = demo_store(args)
    data = b"".join(demo_lines(args.measures, args.seed))
    started = time.perf_counter()
    ledger = Ledger(store, settings=args.settings)
    try:
        if ledger.app.recorder.max_notification_id():
            raise InputError(
                f"{StoreUrl(store).redacted()} is not empty; the demo needs a fresh store"
            )
        with progress_bar(len(data), "demo ingest") as advance:
            counts = jsonl.load(ledger, io.BytesIO(data), "demo.jsonl", progress=advance)
        judged = refresh_alerts(ledger)
        elapsed = time.perf_counter() - started
        phases = queries.phase_counts(ledger.sql)
        measures = queries.status(ledger.sql)
        as_of = max(datetime.now(UTC), DEMO_CUTOFF)
        by_rule = queries.alert_counts(ledger.sql, as_of)
        examples = [
            a for a in queries.alerts(ledger.sql, as_of) if a.severity in ("critical", "high")
        ]
    finally:
        ledger.close()
    summary = {
        "store": StoreUrl(store).redacted(),
        "measures": len(measures),
        "providers": len({m["provider_id"] for m in measures}),
        "ingest": counts.as_dict(),
        "seconds": round(elapsed, 2),
        "phases": phases,
        "measures_judged": judged,
        "open_alerts_by_rule": by_rule,
    }
    if args.format == "json":
        emit_json(summary)
        return 0
    print(
        f"Ingested {counts.total} events ({counts.accepted} accepted, {counts.duplicates} "
        f"duplicates, {counts.rejected} rejected) for {summary['measures']} measures of "
        f"{summary['providers']} providers in {elapsed:.1f} s into {summary['store']}.\n"
    )
    print("Measures by framework and phase:")
    emit_table(phases, ("framework", "phase", "measures"))
    print(f"\nOpen alerts as of {as_of:%Y-%m-%d %H:%M %Z}, by rule:")
    emit_table(by_rule, ("severity", "rule", "open"))
    if any(r["rule"] == "LATE-REGISTRATION" for r in by_rule):
        print(
            "(LATE-REGISTRATION: the demo stores a year of history at once, so the ledger sees "
            "nearly every event registered long after it occurred — as it would in reality.)"
        )
    print("\nA few critical and high alerts:")
    shown = {}
    rank = {"critical": 0, "high": 1}
    for alert in sorted(examples, key=lambda a: (rank[a.severity], a.since)):
        shown.setdefault(alert.rule, alert)  # one per rule keeps the list short and varied
    emit_table(
        [a.model_dump(mode="json") for a in list(shown.values())[:8]],
        ("severity", "rule", "provider_id", "measure_id", "message"),
    )
    example = next(
        (m for m in measures if m["phase"] == "ended"), measures[0] if measures else None
    )
    if example:
        cli = f"measure-ledger --store {summary['store']}"
        print(
            "\nExplore it:\n"
            f"  {cli} status\n"
            f"  {cli} timeline {example['provider_id']} {example['measure_id']}\n"
            f"  {cli} alerts --all --format json\n"
            f"  {cli} rejects\n"
            f"  {cli} verify"
        )
    return 0
