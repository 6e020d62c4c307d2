"""`measure-ledger feed`: publish alert changes to `measure-alerts`, exactly once (CONTRACT §3),
and every new signed checkpoint to `measure-checkpoints` (`--checkpoint-topic`).

Exit codes: 0 after a requested stop (SIGTERM/SIGINT: batch flushed and recorded), 1 when a
Kafka or store error stopped the loop (nothing recorded that was not acknowledged), 2 for a
usage error: an unknown `--kafka-option`, or no usable key for `client_ref`.

The key of the keyed hash comes from `LEDGER_FEED_KEY_FILE` (preferred: a file only the
feed can read) or `LEDGER_FEED_KEY`; it is never logged, never printed, and never a command
line argument (those show in `ps`).
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable

from cli.context import InputError
from cli.kafka_options import add_kafka_arguments, option_parser, producer_config
from cli.output import emit_json
from ledger.keys import FeedKeyError, feed_key

Command = Callable[..., argparse.ArgumentParser]

# Set by dedicated options, or invariants of the feed (acks=all, ordered retries, bytes).
RESERVED_OPTIONS = frozenset(
    {"bootstrap_servers", "acks", "max_in_flight_requests_per_connection", "key_serializer",
     "value_serializer", "transactional_id"}
)  # fmt: skip


def register(command: Command) -> None:
    """Add this module's subcommands via `command(name, help_text)`."""
    p = command(
        "feed",
        "Publish alert changes (opened, resolved) to Kafka exactly once, until stopped "
        "(SIGTERM/SIGINT: flush, record, exit 0). Needs LEDGER_FEED_KEY_FILE or LEDGER_FEED_KEY.",
    )
    add_kafka_arguments(
        p,
        topic="measure-alerts",
        topic_help="topic to publish to",
        option=producer_option,
        kind="producer",
        example="linger_ms=20",
    )
    p.add_argument(
        "--checkpoint-topic",
        default="measure-checkpoints",
        help="topic for every new signed checkpoint, the inspectorate's outside copy "
        "(measure-checkpoints)",
    )
    p.set_defaults(handler=feed)


def feed(args: argparse.Namespace) -> int:
    # Imported here: kafka-python is a fifth of a second that no other command should pay.
    from consumers.alert_feed import FeedSettings, run_feed
    from consumers.kafka_ingest import stop_on_signals

    try:
        key = feed_key(args.settings)
    except FeedKeyError as error:
        raise InputError(str(error)) from None  # exit 2, one line (cli/main.py)
    if args.checkpoint_topic == args.topic:
        raise InputError(f"--checkpoint-topic must differ from --topic ({args.topic})")
    settings = FeedSettings(
        bootstrap_servers=args.bootstrap_servers,
        topic=args.topic,
        checkpoint_topic=args.checkpoint_topic,
        producer_options=dict(args.kafka_option),
        crash_after_flush=_crash_hook(),
        health_file=args.health_file,
    )
    with stop_on_signals(threading.Event()) as stop:
        totals = run_feed(args.store, settings, key, stop, ledger_settings=args.settings)
    if args.format == "json":
        emit_json(totals.as_dict())
    else:
        print(
            f"opened {totals.opened}  resolved {totals.resolved}  "
            f"(withdrawn {totals.withdrawn})  batches {totals.batches}  "
            f"reconciled {totals.reconciled}  checkpoints {totals.checkpoints}"
        )
    return 0


producer_option = option_parser(producer_config, RESERVED_OPTIONS, "feed", "producer")


def _crash_hook() -> int | None:
    """Tests only: exit hard right after the N-th flush, before recording (see alert_feed)."""
    from consumers.alert_feed import CRASH_AFTER_FLUSH_ENV

    raw = os.environ.get(CRASH_AFTER_FLUSH_ENV)
    return int(raw) if raw else None
