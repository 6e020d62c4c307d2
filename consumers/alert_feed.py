"""The inspectorate feed: alert changes (opened, resolved) → `measure-alerts`, each exactly once.

The loop, every `period_s` (at most 1 s, so a deadline alert is out within 2 s of coming due):

1. `ledger.refresh_alerts()` brings the alert index up to the stored facts;
2. the changes due at now (UTC) that the store has not recorded (domain/feed_changes.py),
   looked for only among the alerts the index changed and those that came due since the
   last pass (the due set, projections/feed_due.py), never by reading every alert;
3. each is produced, keyed by `alert_id` (one alert's changes stay ordered in one partition),
   with a `change-id: <alert_id>:<opened|resolved>` header, acks=all, one request in flight;
4. flush; every acknowledgement is checked — one failure stops the feed with nothing of the
   batch recorded;
5. one transaction records the batch's changes with their partition and offset and moves
   each partition's position past them (projections/feed_store.py).

Exactly once across restarts, without Kafka transactions (Tansu does not isolate them):

- *At most once.* A change is produced only if the store has no record of it. A record is
  missing after publication only if the process died (or failed) between steps 3 and 5;
  every later batch would have been recorded first, and a failure stops the loop, so those
  messages lie at or after the recorded position of their partition (positions only move
  past acknowledged, recorded offsets, and the log only grows). At start, before any
  publishing, `reconcile` reads each partition from its recorded position to its end and
  records every change it finds. So each change that ever reached the topic is in the store
  before the loop can consider producing it again.
- *At least once.* A change is recorded only with the broker's acknowledgement for it
  (acks=all) or after it was read back from the topic; the loop retries what is not recorded
  on every pass, so nothing due is skipped.
- The residue: a process killed while a produce request is still on the wire could see that
  write land after its successor's reconciliation read the end. Stopping the old process
  before starting the new one (as any supervisor does) makes that window a few
  milliseconds of a request that had already left; one feed per store and topic.

Each pass also publishes the checkpoints the ledger signed since the last one recorded to
the checkpoint topic (`checkpoint_topic`, default `measure-checkpoints`), with the same
guarantee and its own reconciliation at start (consumers/checkpoint_feed.py).

SIGTERM/SIGINT only set a flag: the batch in hand is flushed and recorded, then the loop
returns. `LEDGER_FEED_CRASH_AFTER_FLUSH=N` (tests only) exits hard right after the N-th
flush, before recording — the crash the reconciliation exists for.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError, OperationalError
from kafka import KafkaConsumer, KafkaProducer

from consumers.checkpoint_feed import CheckpointFeed
from consumers.feed_reconcile import CHANGE_ID_HEADER, reconcile
from consumers.heartbeat import Heartbeat
from consumers.kafka_clients import kafka_client
from consumers.kafka_settings import SHARED_PREFIXES
from domain.feed_changes import FeedChange, due_changes, lag_ms
from ledger.service import Ledger
from ledger.settings import Settings
from projections.feed_store import FeedStore, Placed

log = structlog.get_logger("measure_ledger.feed")

CRASH_AFTER_FLUSH_ENV = "LEDGER_FEED_CRASH_AFTER_FLUSH"
CRASH_EXIT_CODE = 70
MAX_REFRESH_CONFLICTS = 20  # passes in a row (about 10 s) before a store conflict stops the feed
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class FeedSettings:
    """Everything `feed` can be told; the producer invariants are not among it."""

    bootstrap_servers: str
    topic: str = "measure-alerts"
    checkpoint_topic: str = "measure-checkpoints"
    producer_options: Mapping[str, Any] = field(default_factory=dict)
    period_s: float = 0.5
    batch_limit: int = 1000
    flush_timeout_s: float = 30.0
    reconcile_timeout_s: float = 30.0
    crash_after_flush: int | None = None  # test hook, see the module docstring
    health_file: str | None = None  # touched each pass (consumers/heartbeat.py)

    def producer_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"linger_ms": 5, "client_id": "measure-ledger-feed"}
        config.update(self.producer_options)
        # Invariants: every write on all in-sync replicas before it counts, and one request in
        # flight so a retried "opened" can never land after its "resolved".
        config.update(
            bootstrap_servers=self.bootstrap_servers.split(","),
            acks="all",
            max_in_flight_requests_per_connection=1,
        )
        return config

    def consumer_config(self) -> dict[str, Any]:
        """The reconciliation reader: no group, nothing committed, same cluster and auth."""
        shared = {k: v for k, v in self.producer_options.items() if k.startswith(SHARED_PREFIXES)}
        return {
            **shared,
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "client_id": "measure-ledger-feed-reconcile",
        }


@dataclass
class FeedTotals:
    opened: int = 0
    resolved: int = 0
    withdrawn: int = 0
    batches: int = 0
    reconciled: int = 0
    checkpoints: int = 0
    checkpoints_reconciled: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class AlertFeed:
    """The run loop; built by `run_feed`, or by a test with its own clients and clock."""

    def __init__(
        self,
        ledger: Ledger,
        producer: KafkaProducer,
        settings: FeedSettings,
        key: bytes,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.ledger, self.producer, self.settings = ledger, producer, settings
        self._key = key  # never logged, never in a message
        self.clock = clock
        tracking = ledger.alert_index.tracking_table  # type: ignore[attr-defined]
        self.store = FeedStore(ledger.sql, settings.topic, tracking)
        with ledger.schema_lock():  # the feed's tables, created one process at a time
            self.store.create_tables()
            self.checkpoint_feed = CheckpointFeed(
                ledger,
                producer,
                settings.checkpoint_topic,
                batch_limit=settings.batch_limit,
                flush_timeout_s=settings.flush_timeout_s,
            )
        self.totals = FeedTotals()
        self._flushes = 0
        self._conflicts = 0
        self._reconciled = False

    def reconcile(self, consumer: KafkaConsumer) -> int:
        """Account for what is on the topic; must run before the first `tick`."""
        partitions = self.producer.partitions_for(self.settings.topic)  # creates if allowed
        marked = reconcile(
            consumer, self.store, partitions, self.clock(), self.settings.reconcile_timeout_s
        )
        self.totals.reconciled += marked
        self.totals.checkpoints_reconciled += self.checkpoint_feed.reconcile(
            consumer, self.clock(), self.settings.reconcile_timeout_s
        )
        self._reconciled = True
        return marked

    def run(self, stop: threading.Event) -> FeedTotals:
        """Publish until `stop` is set; each pass ends flushed and recorded."""
        log.info("feed started", topic=self.settings.topic, period_s=self.settings.period_s)
        heartbeat = Heartbeat(self.settings.health_file)
        while not stop.is_set():
            heartbeat.beat()
            started = self.clock()
            published = self.tick()
            if published >= self.settings.batch_limit:
                continue  # a backlog: go on at once
            spent = (self.clock() - started).total_seconds()
            stop.wait(min(max(self.settings.period_s - spent, 0.0), 1.0))
        log.info("feed stopped", **self.totals.as_dict())
        return self.totals

    def tick(self) -> int:
        """One pass: refresh, publish what is due, record it. Returns how many alert changes
        were published (the checkpoints published count in `totals.checkpoints`)."""
        if not self._reconciled:
            raise RuntimeError("reconcile() first: the topic may hold unrecorded changes")
        self.totals.checkpoints += self.checkpoint_feed.tick(self.clock())
        self._refresh()
        now = self.clock()
        indexed, withdrawn = self.store.pending(now, self.settings.batch_limit)
        changes = due_changes(indexed, withdrawn, now, self._key)[: self.settings.batch_limit]
        if changes:
            self._publish(changes)
        return len(changes)

    def _refresh(self) -> None:
        """Bring the index up to date; a write conflict with another process is not fatal.

        The index is consistent either way (each chunk is one transaction), so a pass that
        could not refresh publishes from the index as it stands and the next pass tries
        again — but only a bounded number of times in a row, then the error stops the feed.
        """
        try:
            self.ledger.refresh_alerts()
        except IntegrityError:
            # Another process (an ingest, the CLI) judged the same positions first and wrote
            # the tracking row: the index is up to date, which is all this pass needs.
            log.info("alert index refreshed by another process")
        except OperationalError as error:
            # SQLite: a deferred transaction that read first cannot take the write lock after
            # another process wrote ("database is locked", without waiting).
            self._conflicts += 1
            if self._conflicts > MAX_REFRESH_CONFLICTS:
                raise
            log.warning("alert index refresh conflicted; retrying", error=str(error))
        else:
            self._conflicts = 0

    def _publish(self, changes: list[FeedChange]) -> None:
        sent = [(c, self.producer.send(self.settings.topic, **_message(c))) for c in changes]
        self.producer.flush(timeout=self.settings.flush_timeout_s)
        placed = []
        for change, future in sent:
            meta = future.get(timeout=0)  # raises the send's error: nothing below is recorded
            placed.append(Placed(change, meta.partition, meta.offset))
        self._flushes += 1
        if self._flushes == self.settings.crash_after_flush:
            os._exit(CRASH_EXIT_CODE)  # test hook: die between flush and record
        at = self.clock()
        self.store.record(placed, at)
        self._count_and_log(changes, placed, at)

    def _count_and_log(self, changes: list[FeedChange], placed: list[Placed], at: datetime) -> None:
        withdrawn = sum(c.reason == "withdrawn" for c in changes)
        opened = sum(c.change == "opened" for c in changes)
        self.totals.opened += opened
        self.totals.resolved += len(changes) - opened
        self.totals.withdrawn += withdrawn
        self.totals.batches += 1
        log.info(
            "feed batch",
            topic=self.settings.topic,
            published=len(changes),
            opened=opened,
            resolved=len(changes) - opened,
            withdrawn=withdrawn,
            partitions=sorted({p.partition for p in placed}),
            lag_ms=lag_ms(changes, at),
        )


def _message(change: FeedChange) -> dict[str, Any]:
    return {
        "key": change.alert_id.encode(),
        "value": change.value.model_dump_json(by_alias=True).encode(),
        "headers": [
            (CHANGE_ID_HEADER, change.change_id.encode()),
            ("change-reason", change.reason.encode()),
        ],
    }


def run_feed(
    store_url: str,
    settings: FeedSettings,
    key: bytes,
    stop: threading.Event,
    *,
    ledger_settings: Settings | None = None,
) -> FeedTotals:
    """Reconcile, then publish until `stop` is set."""
    with open_feed(store_url, settings, key, ledger_settings=ledger_settings) as feed:
        consumer = kafka_client(KafkaConsumer, settings.consumer_config(), "reconcile consumer")
        try:
            feed.reconcile(consumer)
        finally:
            consumer.close(autocommit=False)
        return feed.run(stop)


@contextlib.contextmanager
def open_feed(
    store_url: str,
    settings: FeedSettings,
    key: bytes,
    *,
    ledger_settings: Settings | None = None,
) -> Iterator[AlertFeed]:
    """The feed's parts: the ledger and the producer, closed in reverse order.

    The producer closes with a flush, but the loop has flushed and recorded every batch
    before it returns, so closing adds nothing unrecorded to the topic.
    """
    with contextlib.ExitStack() as stack:
        # Kafka first: a wrong setting or an absent broker must not leave a new, empty store.
        producer = kafka_client(KafkaProducer, settings.producer_config(), "producer")
        stack.callback(producer.close, timeout=10)
        ledger = Ledger(store_url, settings=ledger_settings)
        stack.callback(ledger.close)
        yield AlertFeed(ledger, producer, settings, key)
