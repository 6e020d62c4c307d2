"""`report --period P --provider X --law L --delivered [--at T] [--receipt REF]`.

Records that the overview was sent to the inspectorate (ledger/report_delivery.py) and
prints what was recorded: the body hash names the file, and `report --at-position N
--provider X --format json` at the printed position makes that same file again.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from cli.context import InputError, open_ledger
from cli.output import emit_json
from domain.report.period import HalfYear
from ledger.report_delivery import record_delivery


def delivered(args: argparse.Namespace) -> int:
    if args.period is None or args.provider is None or args.law is None:
        raise InputError("--delivered needs --period, --provider and --law")
    if args.format not in ("table", "json") or args.check is not None or args.explain:
        raise InputError("--delivered prints --format table or json, of one made report")
    period = HalfYear.parse(args.period)
    sent_at = args.at if args.at is not None else datetime.now(UTC)
    with open_ledger(args) as ledger:
        result = record_delivery(
            ledger,
            period,
            args.provider,
            args.law,
            sent_at,
            position=args.at_position,
            receipt=args.receipt,
        )
    document = result.made.document
    section = getattr(document.body.providers[args.provider], args.law)
    summary = {
        "outcome": result.outcome,
        "event_id": result.event_id,
        "provider_id": args.provider,
        "period": period.name,
        "law": args.law,
        "body_sha256": document.body_sha256,
        "report_position": result.report_position,
        "checkpoint_id": result.checkpoint_id,
        "occurred_at": result.occurred_at.isoformat(),
        "ledger_position": result.position,
        "deliver": section.deliver,
    }
    if args.format == "json":
        emit_json(summary)
        return 0
    verb = "recorded" if result.outcome == "recorded" else "already recorded (duplicate)"
    print(
        f"{verb}: {args.law} overview {period.name} of {args.provider}, sent "
        f"{summary['occurred_at']}\n"
        f"  body_sha256 {document.body_sha256}\n"
        f"  report at position {result.report_position} (checkpoint "
        f"{summary['checkpoint_id']}); event {result.event_id} at ledger position "
        f"{result.position}"
    )
    if not section.deliver:
        print(f"  note: the report has no {args.law} care in {period.name} (deliver: false)")
    sys.stdout.flush()
    return 0
