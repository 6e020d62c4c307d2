"""Dead letters over Kafka: the `measure-events.dlq` topic, and the limit that halts the loop.

The dead-letter store keeps every malformed message already (`Ledger.submit`); the DLQ topic
tells the provider's side, in Kafka, what was refused and why, without anyone reading our
database. Headers carry the origin and the reason so a DLQ record can be traced back to the
exact offset and replayed after a fix.

Each origin `topic/partition@offset` gets one DLQ message, however often the consumer reads
it: a redelivered malformed message (after a crash before the offset commit) is recognised
in the store's record of publications (store/dlq_publications.py) and not sent again.

`BadShareLimit` is arroyo's `DlqLimit` idea: a provider's bad deploy (every message
malformed) must stop the consumer with a clear error instead of silently draining the topic
into the dead-letter store.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from consumers.kafka_settings import DEFAULT_BAD_WINDOW, DEFAULT_MAX_BAD_SHARE
from store.dead_letters import DeadLetter
from store.dlq_publications import DlqPublications, Published

log = structlog.get_logger("measure_ledger.kafka")

FLUSH_TIMEOUT_S = 30.0
# Tests only: exit hard right after the N-th DLQ flush, before the publications are recorded
# (the crash the reconciliation at start exists for).
CRASH_AFTER_FLUSH_ENV = "LEDGER_DLQ_CRASH_AFTER_FLUSH"
CRASH_EXIT_CODE = 70

ORIGIN_TOPIC, ORIGIN_PARTITION, ORIGIN_OFFSET, REASON = (
    "origin_topic",
    "origin_partition",
    "origin_offset",
    "reason",
)


class DlqLimitExceededError(Exception):
    """Too many of the recent messages were malformed: stop rather than drain the topic."""


class DlqPublishError(Exception):
    """A dead letter could not be written to the DLQ topic; the batch must not be committed."""


@dataclass
class BadShareLimit:
    """Stop when more than `max_share` of the last `window` messages were dead-lettered.

    The share is counted against the whole window (bad / window), not against the messages
    seen so far, so a handful of bad messages right after start-up does not trip it, while
    a stream that turns bad trips it within one window. `max_share=1` disables the limit.
    """

    max_share: float = DEFAULT_MAX_BAD_SHARE
    window: int = DEFAULT_BAD_WINDOW

    def __post_init__(self) -> None:
        if not 0 < self.max_share <= 1 or self.window < 1:
            raise ValueError("max_share must be in (0, 1] and window at least 1")
        self._outcomes: deque[bool] = deque(maxlen=self.window)
        self._bad = 0

    def record(self, total: int, bad: int) -> None:
        """Count a batch of `total` messages of which `bad` were dead-lettered; raise
        `DlqLimitExceededError` when the window now holds too many bad ones."""
        outcomes = [True] * bad + [False] * (total - bad)
        for outcome in outcomes[-self.window :]:
            if len(self._outcomes) == self.window and self._outcomes[0]:
                self._bad -= 1
            self._outcomes.append(outcome)
            self._bad += outcome
        if self.max_share < 1 and self._bad > self.max_share * self.window:
            raise DlqLimitExceededError(
                f"{self._bad} of the last {self.window} messages were malformed "
                f"(limit: more than {self.max_share:.0%} of {self.window}); stopped without "
                "committing this batch — fix the producer, or raise --max-bad-share"
            )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a dead letter came from: the record's place in the ingest topic, and its key."""

    topic: str
    partition: int
    offset: int
    key: bytes | None = None

    @classmethod
    def of(cls, record: ConsumerRecord) -> Origin:
        return cls(record.topic, record.partition, record.offset, record.key)

    @property
    def source(self) -> str:
        """The dead-letter store's name for it, `topic/partition@offset`."""
        return origin_source(self.topic, self.partition, self.offset)


def origin_source(topic: str, partition: int, offset: int) -> str:
    return f"{topic}/{partition}@{offset}"


def dlq_headers(origin: Origin, reason: str) -> list[tuple[str, bytes]]:
    """Origin and reason of a dead letter, UTF-8, as Kafka headers."""
    return [
        (ORIGIN_TOPIC, origin.topic.encode()),
        (ORIGIN_PARTITION, str(origin.partition).encode()),
        (ORIGIN_OFFSET, str(origin.offset).encode()),
        (REASON, reason.encode()),
    ]


class DlqPublisher:
    """Writes dead letters to the DLQ topic, once per origin, and waits until the broker has
    them all before recording them as published."""

    def __init__(
        self,
        producer: KafkaProducer,
        topic: str,
        publications: DlqPublications,
        crash_after_flush: int | None = None,
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.publications = publications
        self.flushes = 0
        self.crash_after_flush = crash_after_flush  # test hook, see CRASH_AFTER_FLUSH_ENV

    def publish(self, letters: Sequence[DeadLetter], origins: Mapping[str, Origin]) -> int:
        """Send each letter not yet on the topic with its origin's key, flush, then record
        them; raise on any failure, so the caller never commits offsets whose dead letters
        are not in the topic. Returns how many were sent (the others were there already)."""
        if not letters:
            return 0
        already = self.publications.published(self.topic, (x.source for x in letters))
        fresh = {x.source: x for x in letters if x.source not in already}
        if already:
            log.info(
                "dead letters already on the DLQ topic", topic=self.topic, skipped=len(already)
            )
        if not fresh:
            return 0
        futures: list[tuple[str, Any]] = []
        for source, letter in fresh.items():
            origin = origins[source]
            future = self.producer.send(
                self.topic,
                value=letter.raw,
                key=origin.key,
                headers=dlq_headers(origin, letter.reason),
            )
            futures.append((source, future))
        self.producer.flush(timeout=FLUSH_TIMEOUT_S)
        placed: list[Published] = []
        for source, future in futures:
            if not future.is_done:
                raise DlqPublishError(f"DLQ write to {self.topic} did not finish in time")
            if future.failed():
                raise DlqPublishError(f"DLQ write to {self.topic} failed") from future.exception
            meta = future.value
            placed.append(Published(source, meta.partition, meta.offset))
        self._maybe_crash()
        self.publications.record(self.topic, placed)
        return len(placed)

    def _maybe_crash(self) -> None:
        self.flushes += 1
        if self.crash_after_flush is not None and self.flushes >= self.crash_after_flush:
            os._exit(CRASH_EXIT_CODE)

    def close(self) -> None:
        self.producer.close(timeout=FLUSH_TIMEOUT_S)
