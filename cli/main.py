"""`measure-ledger`: the command line of CONTRACT §3.

Exit codes: 0 success, 1 a failed check, 2 a usage or input error. Every command that prints
data takes `--format table|json`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cli import alerts, commands, consume, feed, report, tamper
from cli.context import InputError
from domain.rulebook import RulebookError
from ledger.logging import configure
from ledger.settings import Settings
from projections.recorders import RulebookChangedError
from store.encryption_marker import StoreEncryptionError
from store.urls import StoreUrlError

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: a message and exit code 2."""


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="measure-ledger",
        description="Audit ledger for compulsory-care measures (Wzd, Wvggz, Jeugdwet ch. 6).",
    )
    parser.add_argument(
        "--store",
        default=None,
        help=f"store URL (default: $LEDGER_STORE or {settings.store})",
    )
    parser.add_argument("--log-level", default=settings.log_level, help="debug|info|warning")
    parser.add_argument(
        "--log-format", default=settings.log_format, choices=("auto", "console", "json")
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, *, data: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if data:
            p.add_argument("--format", choices=("table", "json"), default="table")
        return p

    p = command("ingest", "Append the JSON Lines events of FILE (or - for stdin).")
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=commands.ingest)

    p = command("rejects", "List the dead-letter store: source, reason and raw input.")
    p.add_argument("--limit", type=int, default=None, help="show at most N")
    p.set_defaults(handler=commands.rejects)

    p = command("status", "Current phase and next deadline of each measure.")
    p.add_argument("--provider", default=None, help="only this provider_id")
    p.set_defaults(handler=commands.status)

    p = command("timeline", "Every event of one measure in occurred_at order, corrections shown.")
    p.add_argument("provider", metavar="PROVIDER")
    p.add_argument("measure", metavar="MEASURE")
    p.set_defaults(handler=commands.timeline)

    p = command("rebuild", "Rebuild every projection from the stored events, from zero.")
    p.set_defaults(handler=commands.rebuild)

    p = command("demo", "Generate a synthetic stream, ingest it into a fresh store, summarise.")
    p.add_argument("--measures", type=int, default=300, help="number of measures (default 300)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.set_defaults(handler=commands.demo)

    for extension in (alerts, tamper, consume, feed, report):
        extension.register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings = Settings()
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    args.settings = settings  # read once here, handed to every adapter from here
    args.store_given = args.store is not None
    args.store = args.store or settings.store
    configure(args.log_level, args.log_format)
    try:
        return int(args.handler(args) or EXIT_OK)
    except (
        UsageError,
        InputError,
        StoreUrlError,
        StoreEncryptionError,
        RulebookError,
        RulebookChangedError,
    ) as error:
        print(f"measure-ledger {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) left; say nothing more and do not fail on flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
