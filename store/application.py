"""The ledger application: append batches of provider events, idempotently.

A batch is judged against the idempotency index first: an identical resend of a stored
`(provider_id, event_id)` is a duplicate (a no-op), the same key with other content is a
conflict (rejected, the stored event stands). Everything else is appended to its measure's
or authorisation's stream in arrival order, all streams of the batch in one atomic save
together with their index rows. A concurrent writer that stored one of the same keys first
makes the save fail as a whole; the batch is then judged again, so redelivery across
processes stays harmless.

One data error can only be seen against the store: a retraction dated before the event it
retracts. A correction cannot happen before the thing it corrects, and counted from its own
`occurred_at` it would erase the alerts its target caused instead of resolving them; so it
is refused like a reused key, with the reason, when its target is stored (or earlier in the
batch). A retraction that arrives before its target cannot be checked and is stored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording

from domain.measure import Stream, content_hash, open_stream, stream_of
from domain.wire import ProviderEvent

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Incoming:
    """One well-formed provider event and where it came from (file:line, topic/partition@offset)."""

    event: ProviderEvent
    source: str
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class EventKey:
    """A row of the idempotency index, stored with the event it names."""

    provider_id: str
    event_id: str
    content_hash: str
    stream_id: str
    version: int


@dataclass(frozen=True, slots=True)
class Conflict:
    incoming: Incoming
    reason: str


@dataclass
class BatchOutcome:
    accepted: int = 0
    duplicates: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    recordings: list[Recording[UUID]] = field(default_factory=list)


class EventKeyIndex(Protocol):
    def known_hashes(self, keys: Any) -> dict[tuple[str, str], str]: ...
    def existing_streams(self, stream_ids: Iterable[UUID]) -> set[UUID]: ...
    def stream_of_event(self, provider_id: str, event_id: str) -> tuple[str, int] | None: ...


class ConflictingWriteError(Exception):
    """Another writer kept winning the race for the same keys; the batch was not stored."""


class LedgerApplication(Application[UUID]):
    name = "measure_ledger"
    env = {  # noqa: RUF012 - the library reads this class attribute
        "AGGREGATE_CACHE_MAXSIZE": "50000",
        # One writer per measure (Kafka partitions by measure), so the cache is trusted; a
        # writer that raced anyway gets an IntegrityError, evicts and judges the batch again.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
        "IS_SNAPSHOTTING_ENABLED": "n",
    }

    def append(self, batch: Sequence[Incoming]) -> BatchOutcome:
        """Store the batch's new events; report duplicates and conflicts. All or nothing."""
        for _ in range(MAX_ATTEMPTS):
            try:
                return self._append_once(batch)
            except IntegrityError:
                self._forget_cached(batch)  # another writer won a race: judge again
            except BaseException:
                # The cached streams were changed in place and not stored: keeping them would
                # leave a gap in a stream's versions on the next save.
                self._forget_cached(batch)
                raise
        raise ConflictingWriteError(
            f"gave up after {MAX_ATTEMPTS} attempts: another writer kept storing the same events"
        )

    def _append_once(self, batch: Sequence[Incoming]) -> BatchOutcome:
        outcome = BatchOutcome()
        hashes = [content_hash(item.event) for item in batch]
        stored = self._key_index().known_hashes(
            {(i.event.provider_id, i.event.event_id) for i in batch}
        )
        streams = self._load_streams(item.event for item in batch)
        keys = []
        occurred: dict[tuple[str, str], datetime] = {}  # this batch's accepted events
        for item, digest in zip(batch, hashes, strict=True):
            key = (item.event.provider_id, item.event.event_id)
            known = stored.get(key)
            if known == digest:
                outcome.duplicates += 1
                continue
            if known is not None:
                outcome.conflicts.append(Conflict(item, _conflict_reason(item)))
                continue
            backdated = self._backdated(item.event, occurred)
            if backdated is not None:
                outcome.conflicts.append(Conflict(item, backdated))
                continue
            stream = self._stream_for(item.event, streams)
            stream.record(item.event, source=item.source, digest=digest)
            stored[key] = digest
            occurred[key] = item.event.occurred_at
            keys.append(_event_key(item.event, digest, stream))
            outcome.accepted += 1
        if keys:
            outcome.recordings = self.save(*streams.values(), event_keys=keys)
        return outcome

    def _backdated(
        self, event: ProviderEvent, in_batch: dict[tuple[str, str], datetime]
    ) -> str | None:
        """Why a retraction is dated before its (known) target, or None."""
        if event.type != "event.retracted":
            return None
        target_id = event.data.retracts_event_id  # type: ignore[union-attr]
        target_at = in_batch.get((event.provider_id, target_id))
        if target_at is None:
            target_at = self._stored_occurred_at(event.provider_id, target_id)
        if target_at is None or event.occurred_at >= target_at:
            return None
        return (
            f"occurred_at: {event.occurred_at.isoformat()} is before the retracted event "
            f"{target_id!r} occurred ({target_at.isoformat()}); a retraction takes effect "
            "when the correction was made, so send that moment"
        )

    def _stored_occurred_at(self, provider_id: str, event_id: str) -> datetime | None:
        found = self._key_index().stream_of_event(provider_id, event_id)
        if found is None:
            return None
        stream_id, version = found
        for stored in self.recorder.select_events(UUID(stream_id), gt=version - 1, lte=version):
            return self.mapper.to_domain_event(stored).occurred_at  # type: ignore[attr-defined]
        return None

    def _load_streams(self, events: Iterable[ProviderEvent]) -> dict[UUID, Stream]:
        """The batch's existing streams: from the cache, else one existence query, then loads."""
        cache = self.repository.cache
        streams: dict[UUID, Stream] = {}
        unknown: set[UUID] = set()
        for event in events:
            stream_id = stream_of(event)[2]
            if stream_id in streams or stream_id in unknown:
                continue
            try:
                streams[stream_id] = (
                    cache.get(stream_id) if cache else self.repository.get(stream_id)
                )
            except (KeyError, AggregateNotFoundError):
                unknown.add(stream_id)
        for stream_id in self._key_index().existing_streams(unknown):
            streams[stream_id] = self.repository.get(stream_id)
        return streams

    def _stream_for(self, event: ProviderEvent, streams: dict[UUID, Stream]) -> Stream:
        _, _, stream_id = stream_of(event)
        stream = streams.get(stream_id)
        if stream is None:
            stream = streams[stream_id] = open_stream(event)
        return stream

    def _key_index(self) -> EventKeyIndex:
        return self.recorder  # type: ignore[return-value]

    def _forget_cached(self, batch: Sequence[Incoming]) -> None:
        cache = self.repository.cache
        if cache is None:
            return
        for item in batch:
            with contextlib.suppress(KeyError):
                cache.get(stream_of(item.event)[2], evict=True)


def _event_key(event: ProviderEvent, digest: str, stream: Stream) -> EventKey:
    return EventKey(event.provider_id, event.event_id, digest, stream.id.hex, stream.version)


def _conflict_reason(item: Incoming) -> str:
    return (
        f"event_id: {item.event.event_id!r} was already stored for provider "
        f"{item.event.provider_id!r} with different content; an event_id is the "
        "idempotency key and may not be reused (send event.retracted to correct an event)"
    )
