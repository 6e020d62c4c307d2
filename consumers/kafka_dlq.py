"""Dead letters over Kafka: the `measure-events.dlq` topic, and the limit that halts the loop.

The dead-letter store keeps every malformed message already (`Ledger.submit`); the DLQ topic
tells the provider's side, in Kafka, what was refused and why, without anyone reading our
database. Headers carry the origin and the reason so a DLQ record can be traced back to the
exact offset and replayed after a fix.

`BadShareLimit` is arroyo's `DlqLimit` idea: a provider's bad deploy (every message
malformed) must stop the consumer with a clear error instead of silently draining the topic
into the dead-letter store.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from store.dead_letters import DeadLetter

DEFAULT_MAX_BAD_SHARE = 0.2
DEFAULT_BAD_WINDOW = 1000
FLUSH_TIMEOUT_S = 30.0

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


def dlq_headers(record: ConsumerRecord, reason: str) -> list[tuple[str, bytes]]:
    """Origin and reason of a dead letter, UTF-8, as Kafka headers."""
    return [
        (ORIGIN_TOPIC, record.topic.encode()),
        (ORIGIN_PARTITION, str(record.partition).encode()),
        (ORIGIN_OFFSET, str(record.offset).encode()),
        (REASON, reason.encode()),
    ]


class DlqPublisher:
    """Writes dead letters to the DLQ topic and waits until the broker has them all."""

    def __init__(self, producer: KafkaProducer, topic: str) -> None:
        self.producer = producer
        self.topic = topic

    def publish(self, letters: Sequence[DeadLetter], records: Mapping[str, ConsumerRecord]) -> None:
        """Send each letter with its origin record's key, then flush; raise on any failure,
        so the caller never commits offsets whose dead letters are not in the topic."""
        if not letters:
            return
        futures: list[Any] = []
        for letter in letters:
            record = records[letter.source]
            futures.append(
                self.producer.send(
                    self.topic,
                    value=letter.raw,
                    key=record.key,
                    headers=dlq_headers(record, letter.reason),
                )
            )
        self.producer.flush(timeout=FLUSH_TIMEOUT_S)
        for future in futures:
            if not future.is_done:
                raise DlqPublishError(f"DLQ write to {self.topic} did not finish in time")
            if future.failed():
                raise DlqPublishError(f"DLQ write to {self.topic} failed") from future.exception

    def close(self) -> None:
        self.producer.close(timeout=FLUSH_TIMEOUT_S)
