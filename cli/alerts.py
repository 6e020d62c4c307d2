"""`measure-ledger alerts`: alerts as of a moment, from the alert index."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime

from cli.arg_types import utc_instant
from cli.context import InputError, open_ledger
from cli.output import emit_json_array, emit_table
from cli.progress import refresh_alerts
from projections import queries
from projections.api_reads import SEVERITY_ORDER

Command = Callable[..., argparse.ArgumentParser]


def register(command: Command) -> None:
    p = command("alerts", "Alerts as of T (default now): open ones, or all with --all.")
    p.add_argument(
        "--as-of",
        type=utc_instant,
        default=None,
        metavar="T",
        help="RFC 3339 date-time with offset, or a date (its start, UTC); default now",
    )
    p.add_argument("--all", action="store_true", help="include resolved alerts (history)")
    p.add_argument("--provider", default=None, help="only this provider_id")
    p.add_argument("--rule", default=None, help="only this rule id, e.g. REVIEW-OVERDUE")
    p.set_defaults(handler=alerts)


def alerts(args: argparse.Namespace) -> int:
    as_of = args.as_of or datetime.now(UTC)
    with open_ledger(args) as ledger:
        known = ledger.alert_index.index.rulebook.rules
        if args.rule is not None and args.rule not in known:
            # A typo would otherwise print "(none)": as if the care broke no such rule.
            raise InputError(
                f"--rule: {args.rule!r} is no rule of the rulebook; one of {', '.join(known)}"
            )
        refresh_alerts(ledger)
        which = {"include_resolved": args.all, "provider_id": args.provider, "rule": args.rule}
        if args.format == "json":  # written as read: memory bounded by a chunk
            emit_json_array(queries.alert_json_chunks(ledger.sql, as_of, **which))
            return 0
        found = queries.alerts(ledger.sql, as_of, **which)
    # A person reads the table top-down: the most serious first (as the pages and the API
    # list them), then by `since`; JSON keeps the index's order for machines.
    ordered = sorted(found, key=lambda a: (SEVERITY_ORDER.index(a.severity), a.since))
    rows = [a.model_dump(mode="json", by_alias=True) for a in ordered]
    emit_table(
        rows,
        ("severity", "rule", "status", "provider_id", "measure_id", "since", "message"),
    )
    return 0
