"""The command handlers: parse nothing, open the ledger, do one thing, print it."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from cli.context import InputError, open_ledger
from cli.demo import run_demo
from cli.output import emit_json, emit_table
from cli.progress import progress_bar, refresh_alerts
from consumers import jsonl
from ledger.judging_alongside import judging_alongside, wanted
from projections import queries


@contextlib.contextmanager
def _input(path: str) -> Iterator[tuple[BinaryIO, str, int | None]]:
    if path == "-":
        yield sys.stdin.buffer, "stdin", None
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        yield handle, Path(path).name, os.fstat(handle.fileno()).st_size


def ingest(args: argparse.Namespace) -> int:
    with (
        _input(args.file) as (stream, name, size),
        open_ledger(args, create=True) as ledger,
    ):
        alongside = judging_alongside(args.store, args.settings, enabled=wanted(size))
        with alongside, progress_bar(size, "ingest", enabled=not args.no_progress) as advance:
            counts = jsonl.load(ledger, stream, name, progress=advance)
        # alerts current whatever the judge did: at most the last batch is left to judge
        refresh_alerts(ledger, enabled=not args.no_progress)
    if args.format == "json":
        emit_json(counts.as_dict())
    else:
        print(
            f"accepted {counts.accepted}  duplicates {counts.duplicates}  "
            f"rejected {counts.rejected}"
        )
        if counts.rejected:
            print("see `measure-ledger rejects` for the reasons", file=sys.stderr)
    return 0


def rejects(args: argparse.Namespace) -> int:
    with open_ledger(args) as ledger:
        letters = ledger.dead_letters.list(args.limit)
    rows = [
        {
            "id": d.id,
            "received_at": d.received_at,
            "source": d.source,
            "reason": d.reason,
            "raw": d.raw_text,
        }
        for d in letters
    ]
    if args.format == "json":
        emit_json(rows)
    else:
        emit_table(rows, ("source", "reason", "raw"))
    return 0


def status(args: argparse.Namespace) -> int:
    with open_ledger(args) as ledger:
        refresh_alerts(ledger)
        rows = queries.status(ledger.sql, args.provider)
    if args.format == "json":
        emit_json(rows)
        return 0
    now = datetime.now(UTC)
    for row in rows:
        due = row["next_deadline"]
        if due and row["phase"] != "ended" and datetime.fromisoformat(due) <= now:
            row["next_deadline_rule"] = f"{row['next_deadline_rule']} (overdue)"
    emit_table(
        rows,
        (
            "provider_id",
            "measure_id",
            "framework",
            "category",
            "phase",
            "next_deadline",
            "next_deadline_rule",
        ),
    )
    return 0


def timeline(args: argparse.Namespace) -> int:
    with open_ledger(args) as ledger:
        entries = queries.timeline(ledger.sql, args.provider, args.measure)
    if not entries:
        raise InputError(f"no events for measure {args.measure!r} of provider {args.provider!r}")
    if args.format == "json":
        emit_json(entries)
    else:
        for entry in entries:
            details = json.dumps(entry["data"], ensure_ascii=False, separators=(",", ":"))
            if entry["retracted_by"]:
                details = (
                    f"RETRACTED by {entry['retracted_by']} ({entry['retraction_reason']}) {details}"
                )
            entry["details"] = details
        emit_table(entries, ("occurred_at", "recorded_at", "type", "event_id", "details"))
    return 0


def rebuild(args: argparse.Namespace) -> int:
    with open_ledger(args) as ledger:
        total = ledger.app.recorder.max_notification_id() or 0
        with progress_bar(2 * total, "rebuild", unit="ev") as advance:  # views, then alerts
            applied = ledger.rebuild(advance, workers=args.workers)
    if args.format == "json":
        emit_json({"rebuilt_events": applied})
    else:
        print(f"rebuilt the views from {applied} stored events")
    return 0


def demo(args: argparse.Namespace) -> int:
    return run_demo(args)
