"""`measure-ledger consume`: the Kafka ingest loop on the command line (CONTRACT §3).

Exit codes: 0 after a requested stop (SIGTERM/SIGINT: batch finished, offsets committed),
1 when the bad-message limit halted the loop, the DLQ topic could not be reconciled at
start, or a Kafka/store error stopped it (nothing committed past what was stored), 2 for a
usage error such as an unknown `--kafka-option`, contradictory Kafka options, or no broker
answering at start.
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable

from cli.arg_types import non_empty, non_negative_seconds, positive_int
from cli.context import CheckFailedError
from cli.kafka_options import add_kafka_arguments, consumer_config, option_parser
from cli.output import emit_json
from consumers.kafka_settings import DEFAULT_BAD_WINDOW, DEFAULT_MAX_BAD_SHARE, IngestSettings

Command = Callable[..., argparse.ArgumentParser]

# Set by dedicated options, or invariants of the loop (it commits, after storing).
RESERVED_OPTIONS = frozenset(
    {"bootstrap_servers", "group_id", "enable_auto_commit", "key_deserializer",
     "value_deserializer"}
)  # fmt: skip


def register(command: Command) -> None:
    """Add this module's subcommands via `command(name, help_text)`."""
    p = command(
        "consume",
        "Run the Kafka ingest loop until stopped (SIGTERM/SIGINT: finish, commit, exit 0).",
    )
    add_kafka_arguments(
        p,
        topic="measure-events",
        topic_help="topic to read",
        option=kafka_option,
        kind="consumer",
        example="max_poll_interval_ms=3000",
    )
    p.add_argument(
        "--group", default="measure-ledger", type=non_empty, help="consumer group (measure-ledger)"
    )
    p.add_argument(
        "--dlq-topic",
        default="measure-events.dlq",
        type=non_empty,
        help="where malformed messages are copied, with origin and reason headers",
    )
    p.add_argument(
        "--max-bad-share",
        type=_share,
        default=DEFAULT_MAX_BAD_SHARE,
        help="stop when more than this share of the last --bad-window messages were "
        f"malformed (default {DEFAULT_MAX_BAD_SHARE}; 1 disables)",
    )
    p.add_argument(
        "--bad-window",
        type=positive_int,
        default=DEFAULT_BAD_WINDOW,
        help=f"messages the bad share is judged over (default {DEFAULT_BAD_WINDOW})",
    )
    p.add_argument(
        "--commit-interval",
        type=non_negative_seconds,
        default=1.0,
        help="seconds between offset commits (default 1; 0 commits every batch)",
    )
    p.add_argument(
        "--allow-provider",
        action="append",
        default=None,
        metavar="PROVIDER_ID",
        help="only these provider ids may arrive on the topic; others are dead-lettered "
        "(repeatable; default: any provider)",
    )
    p.add_argument(
        "--judge-alongside",
        action="store_true",
        help="keep the alert index current while consuming, in a second process (default: "
        "alerts are judged by `feed`, `serve` or the next reading command)",
    )
    p.set_defaults(handler=run_consume)


def run_consume(args: argparse.Namespace) -> int:
    # Imported here: kafka-python is a fifth of a second that no other command should pay.
    from consumers.kafka_dlq import DlqLimitExceededError
    from consumers.kafka_dlq_reconcile import DlqReconcileTimeoutError
    from consumers.kafka_ingest import consume, stop_on_signals

    settings = IngestSettings(
        bootstrap_servers=args.bootstrap_servers,
        topic=args.topic,
        group=args.group,
        dlq_topic=args.dlq_topic,
        consumer_options=dict(args.kafka_option),
        max_bad_share=args.max_bad_share,
        bad_window=args.bad_window,
        commit_interval_s=args.commit_interval,
        allowed_providers=frozenset(args.allow_provider) if args.allow_provider else None,
        health_file=args.health_file,
        dlq_crash_after_flush=_crash_hook(),
        judge_alongside=args.judge_alongside,
    )
    with stop_on_signals(threading.Event()) as stop:
        try:
            totals = consume(args.store, settings, stop, ledger_settings=args.settings)
        except DlqLimitExceededError as error:
            # One line on stderr, and a JSON log line when logs are JSON (cli/main.py).
            raise CheckFailedError(f"halted: {error}") from None
        except DlqReconcileTimeoutError as error:
            raise CheckFailedError(str(error)) from None
    if args.format == "json":
        emit_json(totals.as_dict())
    else:
        print(
            f"accepted {totals.accepted}  duplicates {totals.duplicates}  "
            f"rejected {totals.rejected}  batches {totals.batches}"
        )
    return 0


kafka_option = option_parser(consumer_config, RESERVED_OPTIONS, "consume", "consumer")


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("a share in (0, 1], e.g. 0.2")
    return value


def _crash_hook() -> int | None:
    """Tests only: exit hard right after the N-th DLQ flush, before recording it."""
    from consumers.kafka_dlq import CRASH_AFTER_FLUSH_ENV

    raw = os.environ.get(CRASH_AFTER_FLUSH_ENV)
    return int(raw) if raw else None
