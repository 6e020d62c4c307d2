"""`measure-ledger demo`: a synthetic year of care, ingested into a fresh store, summarised.

The stream comes from the seeded generator, so a run is reproducible; it is written as
JSON Lines and loaded through the same path a provider's file takes.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli.context import InputError
from cli.output import emit_json, emit_table
from cli.progress import progress_bar, refresh_alerts
from consumers import jsonl
from ledger.service import Ledger
from projections import queries
from store.presence import StoreMissingError
from store.sql import SQLITE
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
    """The store the demo fills: `--store` or `$LEDGER_STORE` when given, else its own file.

    The demo needs a fresh store. Its own file it may replace (it made it), saying so; a store
    the user named it replaces only with `--replace`, and only a SQLite file: a PostgreSQL
    database may hold a real ledger, and no demo drops one.
    """
    given = args.store_given or "store" in args.settings.model_fields_set
    store = args.store if given else f"sqlite:///{DEMO_FILE}"
    url = StoreUrl(store)
    held = _held(args, url)
    if held is None:
        return store
    if url.dialect is not SQLITE:
        raise InputError(
            f"{url.redacted()} is not empty ({held}); the demo never deletes a PostgreSQL "
            "ledger: empty that database yourself, or name a SQLite file"
        )
    if given and not args.replace:
        raise InputError(
            f"{url.redacted()} is not empty ({held}); the demo needs a fresh store: "
            "pass --replace to replace it, or name another --store"
        )
    path = url.sqlite_path()
    why = (
        "as --replace asks" if given else "the demo owns this file; --store keeps a demo elsewhere"
    )
    print(f"measure-ledger demo: replacing {path} ({held}): {why}", file=sys.stderr)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return store


def _held(args: argparse.Namespace, url: StoreUrl) -> str | None:
    """What the store holds ("12 stored events, 3 dead letters"), or None when it is fresh.

    A SQLite file that exists but is no ledger is refused: it may be anything, so the demo
    neither writes its tables into it nor deletes it.
    """
    if url.dialect is SQLITE:
        path = url.sqlite_path()
        if not path.exists() or (path.is_file() and path.stat().st_size == 0):
            return None
    try:
        ledger = Ledger(url.url, settings=args.settings, create=False)
    except StoreMissingError:
        if url.dialect is SQLITE:
            raise InputError(
                f"{url.redacted()} exists and is not a ledger store; the demo will neither "
                "write into it nor replace it"
            ) from None
        return None
    try:
        with ledger.sql.transaction(commit=False) as c:
            events = int(c.execute("SELECT COUNT(*) AS n FROM ledger_event_keys").fetchone()["n"])
        letters = ledger.dead_letters.count()
    finally:
        ledger.close()
    if not events and not letters:
        return None
    return f"{_count(events, 'event')}, {_count(letters, 'dead letter')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def run_demo(args: argparse.Namespace) -> int:
    store = demo_store(args)
    data = b"".join(demo_lines(args.measures, args.seed))
    started = time.perf_counter()
    ledger = Ledger(store, settings=args.settings)
    try:
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
            "(LATE-REGISTRATION: the demo stores a year of history at once, so nearly every "
            "measure and authorisation has events registered long after they occurred, one "
            "alert each; a provider's onboarding date, LEDGER_ONBOARDING, keeps history loaded "
            "when it is connected from being judged.)"
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
            f"  {cli} verify\n"
            "\nOpen it in a browser (the token is printed once; keep it):\n"
            f"  {cli} token create --role provider --provider {example['provider_id']} "
            "--label 'demo officer'\n"
            f"  {cli} serve    # then http://127.0.0.1:8000/ and sign in with that token"
        )
    return 0
