"""`report`: the half-year overview for the inspectorate, and `report --check` of a saved one.

Exit codes: 0 made, or identical on `--check`; 1 `--check` found a change, or the ledger no
longer is the state the report names; 2 a usage error (no period, no checkpoint yet, a file
that is not a report).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.arg_types import amsterdam_instant
from cli.context import InputError, open_ledger
from cli.output import emit_json
from cli.report_delivered import delivered
from cli.report_explain import explain_text
from cli.report_formats import csv_text, table_text
from domain.codes import ALL_CATEGORIES
from domain.report.document import ReportDocument, serialise
from domain.report.period import HalfYear, PeriodError
from domain.report.xml_mapping import LAWS, to_xml
from ledger.keys import ReportKeyError
from ledger.report_reads import explain_cell
from ledger.reporting import BindingError, CheckResult, ReportError, check_report, make_report

Command = Callable[..., argparse.ArgumentParser]
EXIT_OK, EXIT_CHANGED, EXIT_USAGE = 0, 1, 2


def register(command: Command) -> None:
    p = command(
        "report",
        "The half-year overview for the inspectorate, bound to a signed ledger position.",
        data=False,
    )
    p.add_argument("--period", default=None, help="the half-year, e.g. 2026H1 or 2026H2")
    p.add_argument(
        "--at-position",
        type=int,
        default=None,
        metavar="N",
        help="count the events at positions <= N (default: the latest signed checkpoint)",
    )
    p.add_argument("--provider", default=None, help="only this provider_id (default: every one)")
    p.add_argument(
        "--check",
        metavar="REPORT.json",
        default=None,
        help="recompute a saved report: identical, or what changed since and why",
    )
    p.add_argument(
        "--explain",
        nargs=2,
        metavar=("LOCATION", "FORM"),
        default=None,
        help="with --period: the measures and events behind one cell (LOCATION may be "
        "(none) for measures without a location, or (all) for the totals)",
    )
    p.add_argument("--format", choices=("table", "json", "csv", "xml"), default="table")
    p.add_argument(
        "--law",
        choices=LAWS,
        default=None,
        help="with --format xml: the law of the file (IGJ takes one file per law); with "
        "--delivered: the law of the file that was sent",
    )
    p.add_argument(
        "--delivered",
        action="store_true",
        help="with --period, --provider and --law: record that this overview was sent to "
        "the inspectorate (a report.delivered event) and print its hash",
    )
    p.add_argument(
        "--at",
        type=amsterdam_instant,
        default=None,
        metavar="T",
        help="with --delivered: when it was sent (RFC 3339, or a date: its midnight in "
        "Amsterdam; default now)",
    )
    p.add_argument(
        "--receipt", default=None, help="with --delivered: IGJ's reference for it, if any"
    )
    p.set_defaults(handler=report)


def report(args: argparse.Namespace) -> int:
    try:
        if args.delivered:
            return delivered(args)
        if args.at is not None or args.receipt is not None:
            raise InputError("--at and --receipt go with --delivered")
        if args.check is not None:
            return _check(args)
        if args.explain is not None:
            return _explain(args)
        return _make(args)
    except (ReportError, PeriodError, ReportKeyError) as error:
        raise InputError(str(error)) from None
    except BindingError as error:
        print(f"measure-ledger report: {error}", file=sys.stderr)
        return EXIT_CHANGED


def _make(args: argparse.Namespace) -> int:
    if args.period is None:
        raise InputError("give --period (e.g. 2026H1) or --check REPORT.json")
    period = HalfYear.parse(args.period)
    if (args.format == "xml") != (args.law is not None):
        raise InputError("--format xml and --law go together: one XML file per law")
    with open_ledger(args) as ledger:
        made = make_report(ledger, period, args.at_position, args.provider)
    if args.format == "xml":
        sys.stdout.write(_xml(made.document, args))
    elif args.format == "json":
        sys.stdout.write(serialise(made.document))
    elif args.format == "csv":
        sys.stdout.write(csv_text(made.document))
    else:
        sys.stdout.write(table_text(made.document))
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    if args.period is None:
        raise InputError("--explain needs --period (e.g. 2026H1)")
    if args.format not in ("table", "json") or args.law is not None:
        raise InputError("--explain prints --format table or json, every law of the cell")
    location, form = args.explain
    if form not in ALL_CATEGORIES:
        raise InputError(f"--explain: {form!r} is not a category code (CONTRACT §1)")
    period = HalfYear.parse(args.period)
    with open_ledger(args) as ledger:
        explanation = explain_cell(ledger, period, location, form, args.at_position, args.provider)
    if args.format == "json":
        sys.stdout.write(explanation.model_dump_json() + "\n")
    else:
        sys.stdout.write(explain_text(explanation))
    return EXIT_OK


def _xml(document: ReportDocument, args: argparse.Namespace) -> str:
    providers = list(document.body.providers)
    if len(providers) != 1:
        named = ", ".join(providers) or "none at this position"
        raise InputError(f"an XML file is of one provider: add --provider (one of: {named})")
    return to_xml(document, providers[0], args.law)


def _check(args: argparse.Namespace) -> int:
    given = (args.period, args.at_position, args.provider, args.law, args.explain)
    if any(v is not None for v in given):
        raise InputError("--check takes the period, position and provider from the report")
    if args.format not in ("table", "json"):
        raise InputError("--check prints --format table or json")
    try:
        text = Path(args.check).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(f"cannot read {args.check}: {reason}") from None
    with open_ledger(args) as ledger:
        result = check_report(ledger, text)
    _print_check(result, args.format)
    return EXIT_OK if result.identical else EXIT_CHANGED


def _print_check(result: CheckResult, fmt: str) -> None:
    changes = [
        {
            "figure": " / ".join(c.path),
            "was": c.old,
            "now": c.new,
            "events": [dict(e) for e in c.events],
        }
        for c in result.changes
    ]
    if fmt == "json":
        emit_json(
            {
                "identical": result.identical,
                "position": result.position,
                "recomputed_at": result.current_position,
                "checkpoint_id": result.checkpoint_id,
                "changes": changes,
            }
        )
        return
    if result.identical:
        print(
            f"identical: the report made at position {result.position} is what the ledger "
            f"says at position {result.current_position} (checkpoint {result.checkpoint_id})"
        )
        return
    print(
        f"changed: {len(changes)} figure(s) differ between position {result.position} and "
        f"position {result.current_position} (checkpoint {result.checkpoint_id})"
    )
    groups: dict[tuple[tuple[Any, ...], ...], list[dict[str, Any]]] = {}
    for change in changes:
        key = tuple(tuple(e.items()) for e in change["events"])
        groups.setdefault(key, []).append(change)
    for key, figures in groups.items():
        if key:
            print(f"\nbecause of {len(key)} event(s) recorded after position {result.position}:")
            for e in map(dict, key):
                print(
                    f"  {e['type']} {e['event_id']} (measure {e['measure_id'] or '-'}) at "
                    f"position {e['position']}, occurred {e['occurred_at']}, recorded "
                    f"{e['recorded_at']}"
                )
        else:
            print("\nno event after the report's position touches these:")
        print("these figures changed:")
        for change in figures:
            print(f"  {change['figure']}: {_figure(change['was'])} -> {_figure(change['now'])}")


def _figure(value: Any) -> Any:
    """A figure as a reader says it: one that is not in a report is absent (JSON: null)."""
    return "(absent)" if value is None else value
