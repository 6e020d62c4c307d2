"""Every new signed checkpoint → the checkpoint topic (`measure-checkpoints`), exactly once.

The signing key sits beside the database, so whoever can rewrite the database can re-sign
it; what protects the history is a copy the provider no longer controls. The alert feed's
loop (consumers/alert_feed.py) also publishes each checkpoint the ledger signs, in id order,
and records it with its partition and offset (projections/checkpoint_feed_store.py), with
the same argument for exactly once: produce only what is not recorded, record only what the
broker acknowledged (acks=all, one request in flight), and at start read the topic from the
recorded positions to its end and record what is already there.

Reconciliation counts a message as this ledger's checkpoint only when it is the *same*
signed checkpoint as the one the ledger holds under that id: a message from another ledger,
or a forged one, never stops a checkpoint from being published.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from kafka import KafkaConsumer, KafkaProducer

from consumers.checkpoint_topic import checkpoint_of, message
from consumers.feed_reconcile import read_to_end
from ledger.service import Ledger
from projections.checkpoint_feed_store import CheckpointFeedStore, PlacedCheckpoint

log = structlog.get_logger("measure_ledger.feed")


class CheckpointFeed:
    """Publishes the ledger's signed checkpoints on the alert feed's producer."""

    def __init__(
        self,
        ledger: Ledger,
        producer: KafkaProducer,
        topic: str,
        *,
        batch_limit: int = 1000,
        flush_timeout_s: float = 30.0,
    ) -> None:
        self.ledger, self.producer, self.topic = ledger, producer, topic
        self.batch_limit, self.flush_timeout_s = batch_limit, flush_timeout_s
        self.store = CheckpointFeedStore(ledger.sql, topic)
        self.store.create_tables()

    def reconcile(self, consumer: KafkaConsumer, now: datetime, timeout_s: float) -> int:
        """Record the checkpoints already on the topic; must run before the first `tick`."""
        partitions = self.producer.partitions_for(self.topic)  # creates the topic if allowed
        records, ends = read_to_end(
            consumer, self.topic, partitions, self.store.positions(), timeout_s
        )
        ours = {cp.checkpoint_id: cp for cp in self.ledger.checkpoints.all()}
        found = []
        for record in records:
            try:
                theirs = checkpoint_of(record)
            except ValueError:
                continue  # not a checkpoint this feed wrote
            mine = ours.get(theirs.checkpoint_id)
            if mine is not None and mine.same_as(theirs):
                found.append(
                    PlacedCheckpoint(theirs.checkpoint_id, record.partition, record.offset)
                )  # type: ignore[arg-type]
        marked = self.store.reconciled(found, ends, now)
        log.info("checkpoints reconciled", topic=self.topic, found=len(found), marked=marked)
        return marked

    def tick(self, now: datetime) -> int:
        """Publish the checkpoints signed since the last one recorded; return how many."""
        pending = self.ledger.checkpoints.after(self.store.last_published(), self.batch_limit)
        if not pending:
            return 0
        sent = [(cp, self.producer.send(self.topic, **message(cp))) for cp in pending]
        self.producer.flush(timeout=self.flush_timeout_s)
        placed = []
        for cp, future in sent:
            meta = future.get(timeout=0)  # raises the send's error: nothing is recorded
            placed.append(PlacedCheckpoint(cp.checkpoint_id, meta.partition, meta.offset))  # type: ignore[arg-type]
        self.store.record(placed, now)
        log.info(
            "checkpoints published",
            topic=self.topic,
            published=len(placed),
            last_checkpoint=pending[-1].checkpoint_id,
        )
        return len(placed)
