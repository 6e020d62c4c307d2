"""`measure-ledger feed`: publish alert changes to `measure-alerts`, exactly once (CONTRACT §3).

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
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaProducer

from consumers.alert_feed import CRASH_AFTER_FLUSH_ENV, FeedSettings, run_feed
from consumers.kafka_ingest import stop_on_signals
from domain.feed_changes import MIN_KEY_BYTES
from ledger.kafka_options import option_parser
from ledger.output import emit_json
from ledger.settings import Settings

Command = Callable[..., argparse.ArgumentParser]

# Set by dedicated options, or invariants of the feed (acks=all, ordered retries, bytes).
RESERVED_OPTIONS = frozenset(
    {"bootstrap_servers", "acks", "max_in_flight_requests_per_connection", "key_serializer",
     "value_serializer", "transactional_id"}
)  # fmt: skip
EXIT_USAGE = 2


class FeedKeyError(Exception):
    """No usable key for client_ref: the feed refuses to start."""


def register(command: Command) -> None:
    """Add this module's subcommands via `command(name, help_text)`."""
    p = command(
        "feed",
        "Publish alert changes (opened, resolved) to Kafka exactly once, until stopped "
        "(SIGTERM/SIGINT: flush, record, exit 0). Needs LEDGER_FEED_KEY_FILE or LEDGER_FEED_KEY.",
    )
    p.add_argument(
        "--bootstrap-servers",
        metavar="H:P[,H:P]",
        default=os.environ.get("LEDGER_KAFKA_BOOTSTRAP_SERVERS"),
        required="LEDGER_KAFKA_BOOTSTRAP_SERVERS" not in os.environ,
        help="Kafka brokers (default: $LEDGER_KAFKA_BOOTSTRAP_SERVERS)",
    )
    p.add_argument("--topic", default="measure-alerts", help="topic to publish to (measure-alerts)")
    p.add_argument(
        "--kafka-option",
        action="append",
        default=[],
        type=producer_option,
        metavar="KEY=VALUE",
        help="a kafka-python producer setting, e.g. linger_ms=20 (repeatable)",
    )
    p.set_defaults(handler=feed)


def feed(args: argparse.Namespace) -> int:
    try:
        key = load_key(Settings())
    except FeedKeyError as error:
        print(f"measure-ledger feed: {error}", file=sys.stderr)
        return EXIT_USAGE
    settings = FeedSettings(
        bootstrap_servers=args.bootstrap_servers,
        topic=args.topic,
        producer_options=dict(args.kafka_option),
        crash_after_flush=_crash_hook(),
    )
    with stop_on_signals(threading.Event()) as stop:
        totals = run_feed(args.store, settings, key, stop)
    if args.format == "json":
        emit_json(totals.as_dict())
    else:
        print(
            f"opened {totals.opened}  resolved {totals.resolved}  "
            f"(withdrawn {totals.withdrawn})  batches {totals.batches}  "
            f"reconciled {totals.reconciled}"
        )
    return 0


def load_key(settings: Settings) -> bytes:
    """The HMAC key from a file or the environment; exactly one source, at least 32 bytes."""
    inline = settings.feed_key.get_secret_value() if settings.feed_key else ""
    if settings.feed_key_file and inline:
        raise FeedKeyError("set LEDGER_FEED_KEY_FILE or LEDGER_FEED_KEY, not both")
    if settings.feed_key_file:
        try:
            key = Path(settings.feed_key_file).read_bytes().strip()
        except OSError as error:
            raise FeedKeyError(
                f"cannot read LEDGER_FEED_KEY_FILE {settings.feed_key_file}: {error.strerror}"
            ) from None
    elif inline:
        key = inline.strip().encode()
    else:
        raise FeedKeyError(
            "no key for client_ref: set LEDGER_FEED_KEY_FILE (a file holding at least "
            f"{MIN_KEY_BYTES} random bytes, e.g. from `openssl rand -hex 32`) or LEDGER_FEED_KEY"
        )
    if len(key) < MIN_KEY_BYTES:
        raise FeedKeyError(
            f"the feed key is too short: {len(key)} bytes, at least {MIN_KEY_BYTES} needed "
            "(a short key lets anyone with the pseudonyms recompute client_ref)"
        )
    return key


producer_option = option_parser(KafkaProducer.DEFAULT_CONFIG, RESERVED_OPTIONS, "feed", "producer")


def _crash_hook() -> int | None:
    """Tests only: exit hard right after the N-th flush, before recording (see alert_feed)."""
    raw = os.environ.get(CRASH_AFTER_FLUSH_ENV)
    return int(raw) if raw else None
