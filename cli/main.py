"""`measure-ledger`: the command line of CONTRACT §3.

Exit codes: 0 success, 1 a failed check, 2 a usage or input error. Every command that prints
data takes `--format table|json`.
"""

from __future__ import annotations

import argparse
import os
import sys
import typing
from collections.abc import Sequence

from ledger import cyclic_gc

# Every command module is imported here, which is most of a command's start (a third of a
# second for `serve`). Nearly all the objects those imports create live on (about 1,100 of
# 57,000 are cyclic garbage), so the cyclic collector, walking them again as they pile up,
# cost a fifth of that time. Paused for the imports only: it is back on, and collects that
# garbage, before any command runs.
with cyclic_gc.paused():
    import structlog
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from cli import access, alerts, commands, consume, feed, report, rules, serve, tamper
    from cli.arg_types import log_level, non_negative_int, positive_int
    from cli.context import CheckFailedError, InputError
    from cli.demo import DEMO_FILE
    from consumers.kafka_setup_error import KafkaSetupError
    from domain.rulebook import RulebookError
    from ledger.logging import configure
    from ledger.settings import Settings
    from projections.recorders import RulebookChangedError
    from store.encryption_marker import StoreEncryptionError
    from store.presence import StoreMissingError, StoreUnavailableError
    from store.urls import StoreUrlError

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2
LOG_LEVELS = ("debug", "info", "warning", "error")
log = structlog.get_logger("measure_ledger.cli")


class UsageError(Exception):
    """Bad input from the user: a message and exit code 2."""


#: Errors that are the operator's to fix: one line on stderr, exit 2, never a traceback.
OPERATOR_ERRORS: tuple[type[Exception], ...] = (
    UsageError,
    InputError,
    StoreUrlError,
    StoreMissingError,
    StoreUnavailableError,
    StoreEncryptionError,
    KafkaSetupError,
    RulebookError,
    RulebookChangedError,
)


class _Logs:
    """Whether log lines are JSON: then a refusal is also a log event, for log collectors."""

    json = False


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error also logged when logs are JSON (compose, systemd)."""

    def error(self, message: str) -> typing.NoReturn:
        self.print_usage(sys.stderr)
        _log_refusal(self.prog, message, EXIT_USAGE)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _log_refusal(command: str, message: str, code: int) -> None:
    if _Logs.json:
        log.error("command refused", command=command, error=message, exit_code=code)


def fail(command: str, message: str, code: int = EXIT_USAGE) -> int:
    """Say why the command stopped, in one line (and one JSON log line when logs are JSON)."""
    print(f"{command}: {message}", file=sys.stderr)
    _log_refusal(command, message, code)
    return code


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = Parser(
        prog="measure-ledger",
        description="Audit ledger for compulsory-care measures (Wzd, Wvggz, Jeugdwet ch. 6).",
    )
    parser.add_argument(
        "--store",
        default=None,
        help=f"store URL (default: $LEDGER_STORE or {settings.store})",
    )
    parser.add_argument(
        "--log-level", default=settings.log_level, type=log_level, choices=LOG_LEVELS
    )
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
    p.add_argument(
        "--limit", type=non_negative_int, default=None, metavar="N", help="show at most N"
    )
    p.set_defaults(handler=commands.rejects)

    p = command("status", "Current phase and next deadline of each measure.")
    p.add_argument("--provider", default=None, help="only this provider_id")
    p.set_defaults(handler=commands.status)

    p = command("timeline", "Every event of one measure in occurred_at order, corrections shown.")
    p.add_argument("provider", metavar="PROVIDER")
    p.add_argument("measure", metavar="MEASURE")
    p.set_defaults(handler=commands.timeline)

    p = command("rebuild", "Rebuild every projection from the stored events, from zero.")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="processes that judge the alert index (default: 2, or 1 on one core)",
    )
    p.set_defaults(handler=commands.rebuild)

    p = command(
        "demo",
        "Generate a synthetic stream, ingest it into a fresh store, summarise. The store is "
        f"--store or $LEDGER_STORE, else {DEMO_FILE}.",
    )
    p.add_argument(
        "--measures", type=positive_int, default=300, help="number of measures (default 300)"
    )
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace a non-empty SQLite store named by --store or $LEDGER_STORE "
        f"(the default {DEMO_FILE} is always replaced)",
    )
    p.set_defaults(handler=commands.demo)

    for extension in (alerts, tamper, consume, feed, report, rules, access, serve):
        extension.register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = Settings()
    except ValidationError as error:
        return fail("measure-ledger", f"bad setting in the environment: {_settings_problem(error)}")
    except SettingsError as error:  # a JSON setting (LEDGER_POLICY, ...) that is not JSON
        return fail("measure-ledger", f"bad setting in the environment: {error}")
    # Configured from the environment first, so a usage error can be logged too.
    _Logs.json = configure(settings.log_level, settings.log_format)
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    args.settings = settings  # read once here, handed to every adapter from here
    args.store_given = args.store is not None
    args.store = args.store or settings.store
    _Logs.json = configure(args.log_level, args.log_format)
    try:
        return int(args.handler(args) or EXIT_OK)
    except OPERATOR_ERRORS as error:
        return fail(f"measure-ledger {args.command}", str(error))
    except CheckFailedError as error:
        return fail(f"measure-ledger {args.command}", str(error), EXIT_CHECK_FAILED)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) left; say nothing more and do not fail on flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _settings_problem(error: ValidationError) -> str:
    """Which LEDGER_* variable is wrong and why; never its value (it may be a key)."""
    return "; ".join(
        f"LEDGER_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
        for e in error.errors(include_input=False)
    )


if __name__ == "__main__":
    sys.exit(main())
