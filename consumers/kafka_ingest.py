"""The Kafka ingest loop: `measure-events` → `Ledger.submit` → commit, in a consumer group.

One loop, no auto-commit (STYLE points 8–10, after arroyo and quix-streams):

1. poll a batch; every record becomes `RawMessage(value, "topic/partition@offset")`;
2. `ledger.submit` stores it durably — malformed messages land in the dead-letter store;
3. those dead letters are produced to the DLQ topic (once per origin: a redelivered one is
   recognised and not sent again), flushed, and recorded as published;
4. only then are the batch's next offsets (offset + 1) queued for commit; `CommitPolicy`
   throttles the commits, and a rebalance or shutdown forces one.

A crash anywhere before step 4's commit means redelivery, never loss, and redelivery is a
no-op in the ledger. A `BadShareLimit` halts the loop when too much of the stream is
malformed. Any other error stops the loop without committing and propagates: we never log
and continue past a message we could not store. SIGTERM/SIGINT only set a flag; the loop
finishes the batch in hand, commits, closes and returns. Before the loop starts, the DLQ
topic is reconciled with the store's record of publications (kafka_dlq_reconcile.py).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType

import structlog
from kafka import AsyncConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka import errors as kafka_errors
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata, TopicPartition

from consumers.heartbeat import Heartbeat
from consumers.kafka_clients import kafka_client
from consumers.kafka_dlq import BadShareLimit, DlqPublisher, Origin
from consumers.kafka_dlq_reconcile import reconcile_dlq
from consumers.kafka_guard import ProviderGuard
from consumers.kafka_offsets import CommitPolicy, PendingOffsets
from consumers.kafka_settings import IngestSettings
from consumers.kafka_undecodable import failed_position, is_decode_error, undecodable_letter
from ledger.judging_alongside import judging_alongside
from ledger.service import IngestCounts, Ledger, RawMessage
from ledger.settings import Settings

log = structlog.get_logger("measure_ledger.kafka")

# The group has moved on without us: the offsets we hold belong to a partition someone else
# now reads from the last commit. Not committing them costs redelivery, nothing more.
STALE_MEMBERSHIP = (
    kafka_errors.CommitFailedError,
    kafka_errors.RebalanceInProgressError,
    kafka_errors.UnknownMemberIdError,
    kafka_errors.IllegalGenerationError,
)


@dataclass
class IngestTotals(IngestCounts):
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return {**super().as_dict(), "batches": self.batches}


class CommitOnRevoke(AsyncConsumerRebalanceListener):
    """Commits stored-but-uncommitted offsets before a partition moves to another consumer.

    Async because kafka-python 3 runs listeners on its IO thread, where a blocking
    `commit()` is refused; awaiting `commit_async` keeps heartbeats going meanwhile.
    """

    def __init__(self, consumer: KafkaConsumer, pending: PendingOffsets) -> None:
        self.consumer = consumer
        self.pending = pending

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        offsets = self.pending.take(revoked)
        if not offsets:
            return
        try:
            await self.consumer.commit_async(offsets)
        except STALE_MEMBERSHIP as error:
            log.warning("commit on revoke refused; the new owner re-reads", error=repr(error))
        else:
            log.info("committed on revoke", offsets=_describe(offsets))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("partitions assigned", partitions=sorted(_name(tp) for tp in assigned))

    async def on_partitions_lost(self, lost: set[TopicPartition]) -> None:
        self.pending.drop(lost)
        log.warning("partitions lost; their new owner re-reads", partitions=len(lost))


class IngestLoop:
    """The run loop; built by `consume`, or by a test with its own clients."""

    def __init__(
        self,
        ledger: Ledger,
        consumer: KafkaConsumer,
        dlq: DlqPublisher,
        settings: IngestSettings,
        stop: threading.Event,
    ) -> None:
        self.ledger, self.consumer, self.dlq, self.settings = ledger, consumer, dlq, settings
        self.stop = stop
        self.pending = PendingOffsets()
        self.policy = CommitPolicy(settings.commit_interval_s, settings.commit_every)
        self.limit = BadShareLimit(settings.max_bad_share, settings.bad_window)
        allowed = settings.allowed_providers
        self.guard = ProviderGuard({settings.topic: allowed} if allowed is not None else {})
        self.totals = IngestTotals()
        self.heartbeat = Heartbeat(settings.health_file)

    def run(self) -> IngestTotals:
        """Consume until `stop` is set; then commit and return. On any error: no commit."""
        listener = CommitOnRevoke(self.consumer, self.pending)
        self.consumer.subscribe([self.settings.topic], listener=listener)
        log.info("consuming", topic=self.settings.topic, group=self.settings.group)
        while not self.stop.is_set():
            self.heartbeat.beat()
            try:
                polled = self.consumer.poll(timeout_ms=self.settings.poll_timeout_ms)
            except Exception as error:
                self._skip_undecodable(error)
                continue
            batch = {tp: records for tp, records in polled.items() if records}
            if batch:
                self._handle(batch)
            if self.policy.due():
                self.commit()
        self.commit()
        log.info("stopped", **self.totals.as_dict())
        return self.totals

    def _handle(self, batch: Mapping[TopicPartition, Sequence[ConsumerRecord]]) -> None:
        """Store one poll's records (all partitions, one `submit`), publish its dead letters,
        then queue its next offsets for commit — in that order, so a failure at any step
        leaves the offsets uncommitted."""
        by_source = {_source(r): r for records in batch.values() for r in records}
        messages = [RawMessage(r.value or b"", source) for source, r in by_source.items()]
        messages, foreign = self.guard.split(self.settings.topic, messages)
        self.ledger.dead_letters.add(foreign)
        counts, letters = self.ledger.submit(messages)
        letters = [*foreign, *letters]
        counts.rejected = len(letters)
        self.limit.record(len(by_source), len(letters))  # raises before anything is committed
        self.dlq.publish(letters, {s: Origin.of(r) for s, r in by_source.items()})
        next_offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        self.pending.advance(next_offsets)
        self.policy.stored(len(by_source))
        self.totals += counts
        self.totals.batches += 1
        self._log_batch(batch, counts, next_offsets)

    def _skip_undecodable(self, error: Exception) -> None:
        """Dead-letter the offset kafka-python could not decode and seek past it
        (consumers/kafka_undecodable.py); re-raise any other error.

        The dead letter is stored and on the DLQ before the offset is queued for commit, as
        for any malformed message. It does not count towards the bad-message limit: halting
        would not help, because a restart meets the same batch (a crash loop)."""
        located = failed_position(self.consumer) if is_decode_error(error) else None
        if located is None:
            raise error
        tp, offset = located
        origin = Origin(tp.topic, tp.partition, offset)
        letter = undecodable_letter(origin, error)
        self.ledger.dead_letters.add([letter])
        self.dlq.publish([letter], {letter.source: origin})
        self.consumer.seek(tp, offset + 1)
        self.pending.advance({tp: offset + 1})
        self.policy.stored(1)
        self.totals.rejected += 1
        log.warning(
            "undecodable record dead-lettered",
            partition=_name(tp),
            offset=offset,
            error=type(error).__name__,
        )

    def commit(self) -> None:
        """Commit the queued offsets of partitions we still own; drop the others (their new
        owner re-reads from the last commit, which the ledger absorbs)."""
        queued = self.pending.take()
        owned = self.consumer.assignment()
        offsets = {tp: meta for tp, meta in queued.items() if tp in owned}
        if offsets:
            try:
                self.consumer.commit(offsets)
            except STALE_MEMBERSHIP as error:
                log.warning("commit refused; the new owner re-reads", error=repr(error))
        self.policy.committed()

    def _log_batch(
        self,
        batch: Mapping[TopicPartition, Sequence[ConsumerRecord]],
        counts: IngestCounts,
        next_offsets: Mapping[TopicPartition, int],
    ) -> None:
        lag = 0
        for tp, next_offset in next_offsets.items():
            highwater = self.consumer.highwater(tp)  # cached from the fetch: no round trip
            lag += max((highwater or next_offset) - next_offset, 0)
        log.info(
            "kafka batch",
            messages=sum(len(records) for records in batch.values()),
            accepted=counts.accepted,
            duplicates=counts.duplicates,
            rejected=counts.rejected,
            offsets={_name(tp): f"{r[0].offset}-{r[-1].offset}" for tp, r in batch.items()},
            lag=lag,
        )


def consume(
    store_url: str,
    settings: IngestSettings,
    stop: threading.Event,
    *,
    ledger_settings: Settings | None = None,
) -> IngestTotals:
    """Run the loop until `stop` is set. On success the final commit has happened before
    the consumer closes; on an error the consumer closes without committing and the error
    propagates."""
    with open_loop(store_url, settings, stop, ledger_settings=ledger_settings) as loop:
        return loop.run()


@contextlib.contextmanager
def open_loop(
    store_url: str,
    settings: IngestSettings,
    stop: threading.Event,
    *,
    ledger_settings: Settings | None = None,
) -> Iterator[IngestLoop]:
    """The loop's parts: the ledger and both Kafka clients, closed in reverse order on the
    way out (the consumer never commits on close: the loop does). The DLQ topic is
    reconciled with the store first, so no dead letter already on it is published again."""
    with contextlib.ExitStack() as stack:
        # Kafka first: a wrong setting or an absent broker must not leave a new, empty store.
        consumer = kafka_client(KafkaConsumer, settings.consumer_config(), "consumer")
        stack.callback(consumer.close, autocommit=False)
        producer = kafka_client(KafkaProducer, settings.producer_config(), "DLQ producer")
        stack.callback(producer.close, timeout=10)
        ledger = Ledger(store_url, settings=ledger_settings)
        stack.callback(ledger.close)
        # Stopped before the ledger closes, after the chunk it is judging: a stop is prompt.
        stack.enter_context(
            judging_alongside(
                store_url,
                ledger_settings or Settings(),
                enabled=settings.judge_alongside,
                finish=False,
            )
        )
        reader = kafka_client(KafkaConsumer, settings.reader_config(), "DLQ reader")
        try:
            reconcile_dlq(
                reader,
                ledger.dlq_publications,
                settings.dlq_topic,
                settings.dlq_reconcile_timeout_s,
            )
        finally:
            reader.close(autocommit=False)
        dlq = DlqPublisher(
            producer, settings.dlq_topic, ledger.dlq_publications, settings.dlq_crash_after_flush
        )
        yield IngestLoop(ledger, consumer, dlq, settings, stop)


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """SIGTERM and SIGINT only set `stop`; the loop finishes its batch and commits."""

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("stop requested", signal=signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _source(record: ConsumerRecord) -> str:
    return f"{record.topic}/{record.partition}@{record.offset}"


def _name(tp: TopicPartition) -> str:
    return f"{tp.topic}/{tp.partition}"


def _describe(offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> dict[str, int]:
    return {_name(tp): meta.offset for tp, meta in offsets.items()}
