"""Which offsets may be committed, and when: the bookkeeping half of the Kafka ingest loop.

The loop stores a batch first and only then hands its next offsets to `PendingOffsets`;
`CommitPolicy` decides when those are worth a round trip to the broker. A commit that comes
too late only means redelivery, which the ledger absorbs (`(provider_id, event_id)` is an
idempotency key); a commit that comes too early would lose events, so nothing here ever
moves an offset past a record that is not stored. (arroyo `commit.py`, STYLE point 8.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from kafka.structs import OffsetAndMetadata, TopicPartition


@dataclass
class CommitPolicy:
    """Commit when `every_messages` have been stored or `interval_s` has passed since the
    last commit, whichever comes first. `interval_s=0` commits after every batch."""

    interval_s: float = 1.0
    every_messages: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _last: float = field(default=0.0, init=False)
    _since: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._last = self.clock()

    def stored(self, messages: int) -> None:
        self._since += messages

    def due(self) -> bool:
        if self._since == 0:
            return False
        return self._since >= self.every_messages or self.clock() - self._last >= self.interval_s

    def committed(self) -> None:
        self._last, self._since = self.clock(), 0


class PendingOffsets:
    """Next offsets of stored records, per partition, not yet committed.

    Shared between the loop thread (which advances it after each stored batch) and
    kafka-python's IO thread (whose rebalance listener takes the revoked partitions'
    offsets to commit them before another consumer takes over), hence the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[TopicPartition, int] = {}

    def advance(self, next_offsets: Mapping[TopicPartition, int]) -> None:
        with self._lock:
            for tp, offset in next_offsets.items():
                if offset > self._next.get(tp, -1):
                    self._next[tp] = offset

    def take(
        self, partitions: Iterable[TopicPartition] | None = None
    ) -> dict[TopicPartition, OffsetAndMetadata]:
        """Remove and return the commit request for `partitions` (default: all)."""
        with self._lock:
            chosen = list(self._next) if partitions is None else list(partitions)
            taken = {tp: self._next.pop(tp) for tp in chosen if tp in self._next}
        return {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in taken.items()}

    def restore(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        """Put back offsets whose commit did not happen, unless newer ones arrived."""
        self.advance({tp: meta.offset for tp, meta in offsets.items()})

    def drop(self, partitions: Iterable[TopicPartition]) -> None:
        """Forget lost partitions: their new owner re-reads from the last commit."""
        with self._lock:
            for tp in partitions:
                self._next.pop(tp, None)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._next)
