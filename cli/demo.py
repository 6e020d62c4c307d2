"""`measure-ledger demo`: a synthetic year of care, ingested into a fresh store, summarised.

The stream comes from the seeded generator, so a run is reproducible; it is written as
JSON Lines and loaded through the same path a provider's file takes.

The synthetic year ends at `DEMO_CUTOFF`, and the summary judges the care as it stood then
(`as_of = DEMO_CUTOFF`), and says so. Judged as of today instead, the measures still running
at the cutoff would fall overdue one by one as the calendar moves on (no evaluation or
extension was ever recorded after it): true of the stored data, but alerts about care the
demo never played, shown as if the lawful measures had gone wrong, and a different summary
on every day it is run.

The half-year overview of January-June, the last full half-year before the cutoff, was due
on 12 August: the demo's providers deliver it in time (`report --delivered`, sent on 10
August), so the rules WZD-IGJ-OVERVIEW and WVGGZ-IGJ-OVERVIEW have nothing to say about its
lawful care; July-December is due after the cutoff. The demo prints that overview's figures
per provider, law and form (the full one, per location, is `report --period 2026H1`).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cli.context import InputError
from cli.output import emit_json, emit_table
from cli.progress import progress_bar, refresh_alerts
from cli.report_formats import TOTALS, provider_totals
from consumers import jsonl
from domain.report.period import HalfYear
from ledger.report_delivery import record_delivery
from ledger.reporting import make_report
from ledger.service import Ledger
from projections import queries
from store.presence import StoreMissingError
from store.sql import SQLITE
from store.urls import StoreUrl
from synthetic import DEFAULT_START, encode_lines, generate

DEMO_FILE = "measure-ledger-demo.db"
#: The demo stream stops here, so some measures are still running and deadlines lie ahead;
#: the summary judges as of this moment. A fixed moment (not "now") keeps every run of the
#: demo identical.
DEMO_CUTOFF = DEFAULT_START + timedelta(days=320)
MALFORMED_SHARE = 0.004
#: The last full half-year before the cutoff (its overview fell due before it too), and
#: when the demo sends that overview.
DELIVERED_PERIOD = HalfYear(2026, 1)
DELIVERED_AT = datetime.fromisoformat("2026-08-10T10:00:00+02:00")


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


def deliver_overviews(ledger: Ledger) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each provider's overview of `DELIVERED_PERIOD`, per law with care in it, delivered:
    what was delivered (provider, law, body hash) and the overviews' figures per form."""
    with ledger.sql.transaction(commit=False) as c:
        rows = c.execute("SELECT DISTINCT provider_id FROM view_status").fetchall()
    found, figures = [], []
    for provider_id in sorted(r["provider_id"] for r in rows):
        made = make_report(ledger, DELIVERED_PERIOD, None, provider_id)
        figures += provider_totals(made.document)
        sections = made.document.body.providers[provider_id]
        for law in ("wzd", "wvggz", "jeugdwet"):
            if not getattr(sections, law).deliver:
                continue  # no care of that law in the half-year: nothing to deliver
            record_delivery(ledger, DELIVERED_PERIOD, provider_id, law, DELIVERED_AT, made=made)
            digest = made.document.body_sha256
            found.append({"provider_id": provider_id, "law": law, "body_sha256": digest})
    return found, figures


def run_demo(args: argparse.Namespace) -> int:
    store = demo_store(args)
    data = b"".join(demo_lines(args.measures, args.seed))
    started = time.perf_counter()
    ledger = Ledger(store, settings=args.settings)
    try:
        with progress_bar(len(data), "demo ingest") as advance:
            counts = jsonl.load(ledger, io.BytesIO(data), "demo.jsonl", progress=advance)
        judged = refresh_alerts(ledger)
        delivered, overview = deliver_overviews(ledger)
        elapsed = time.perf_counter() - started
        phases = queries.phase_counts(ledger.sql)
        measures = queries.status(ledger.sql)
        as_of = DEMO_CUTOFF
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
        "as_of": as_of.isoformat(),
        "open_alerts_by_rule": by_rule,
        "overview": {"period": DELIVERED_PERIOD.name, "totals": overview},
        "overviews_delivered": delivered,
    }
    if args.format == "json":
        emit_json(summary)
        return 0
    print(
        f"Ingested {counts.total} events ({counts.accepted} accepted, {counts.duplicates} "
        f"duplicates, {counts.rejected} rejected) for {summary['measures']} measures of "
        f"{summary['providers']} providers in {elapsed:.1f} s into {summary['store']}.\n"
    )
    period = DELIVERED_PERIOD
    print(
        f"The half-year overview of {period.name} ({period.first_day.isoformat()} to "
        f"{period.last_day.isoformat()}, Europe/Amsterdam), the last full half-year,\n"
        "per provider, law and form over all locations:"
    )
    emit_table(overview, TOTALS)
    print(
        "(clients: each client, or young person, once per provider; emergency: Wzd\n"
        "applications under art. 15, Wvggz clients given the form under art. 8:11.\n"
        f"Per location, with the data quality: report --period {period.name} --provider ID)\n"
    )
    print(
        f"Overviews of {period.name} delivered on "
        f"{DELIVERED_AT.date().isoformat()}, in time (report --delivered):"
    )
    emit_table(delivered, ("provider_id", "law", "body_sha256"))
    print()
    print("Measures by framework and phase:")
    emit_table(phases, ("framework", "phase", "measures"))
    print(
        f"\nOpen alerts as of {as_of.isoformat(timespec='minutes')}, the last moment of the "
        "synthetic year (the care as it stood then), by rule:"
    )
    emit_table(by_rule, ("severity", "rule", "open"))
    if not any(r["rule"] == "LATE-REGISTRATION" for r in by_rule):
        print(
            "(No LATE-REGISTRATION as of then: a late record counts from when it is made, and "
            "the demo records its whole year now. `alerts` without --as-of shows today: those, "
            "and the measures still running at the end of the synthetic year overdue, since no "
            "later care was recorded.)"
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
            f"  {cli} alerts --as-of {as_of.isoformat()}\n"
            f"  {cli} alerts --as-of {as_of.isoformat()} --all --format json\n"
            f"  {cli} report --period {DELIVERED_PERIOD.name} --provider {example['provider_id']}\n"
            f"  {cli} rejects\n"
            f"  {cli} verify\n"
            "\nOpen it in a browser (the token is printed once; keep it):\n"
            f"  {cli} token create --role provider --provider {example['provider_id']} "
            "--label 'demo officer'\n"
            f"  {cli} serve    # then http://127.0.0.1:8000/ and sign in with that token"
        )
    return 0
