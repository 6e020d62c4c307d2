"""Append a batch of provider events: idempotently, as plain rows, in one transaction.

Everything a batch changes is written in one transaction that holds the store's write lock
from its first statement (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the library's `LOCK TABLE
... IN EXCLUSIVE MODE`, taken first, so notification ids are issued in commit order): the
idempotency check, the stored events, their index rows, the hash chain, and whatever the
caller adds (`steps`: the views with their tracking, the signed checkpoint). A crash at any
point leaves either the whole batch or none of it, and because the keys are read under the
lock, two writers can never both store the same key; nothing has to be retried.

Per event: an identical resend of a stored `(provider_id, event_id)` is a duplicate (a
no-op), the same key with other content is a conflict (rejected, the stored event stands),
and everything else is appended to its measure's or authorisation's stream in arrival order.
Stream versions come from the store under the lock, not from a cache of aggregates, so
memory does not grow with the number of streams and another process's writes are seen.

One data error can only be seen against the store: a retraction dated before the event it
retracts. A correction cannot happen before the thing it corrects, and counted from its own
`occurred_at` it would erase the alerts its target caused instead of resolving them; so it
is refused like a reused key, with the reason, when its target is stored (or earlier in the
batch). A retraction that arrives before its target cannot be checked and is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.measure import Stream, content_hash, stream_of
from domain.wire import ProviderEvent
from store.application import BatchOutcome, Conflict, EventKey, Incoming, LedgerApplication
from store.chain_store import extend_chain
from store.sql import SqlCursor, SqlRunner
from store.stored_rows import (
    client_of,
    domain_event,
    encode_state,
    opened_state,
    recorded_state,
    topic_of,
)


@dataclass(frozen=True, slots=True)
class Written:
    """What one batch stored, for the steps that run in its transaction."""

    head_before: int  # the store's last position before the batch
    events: list[tuple[Any, int]] = field(default_factory=list)  # (event, position)


Step = Callable[[SqlCursor, Written], None]


class AppendRecorder(Protocol):
    """What the write path needs of a recorder (store/recorders.py, recorders_postgres.py)."""

    chain_enabled: bool

    def lock_for_append(self, c: SqlCursor) -> None: ...
    def head_position(self, c: SqlCursor) -> int: ...
    def known_hashes_in(self, c: SqlCursor, keys: Any) -> dict[tuple[str, str], str]: ...
    def stream_versions(self, c: SqlCursor, stream_ids: Any) -> dict[UUID, int]: ...
    def stored_row(self, c: SqlCursor, provider_id: str, event_id: str) -> StoredEvent | None: ...
    def insert_rows(self, c: SqlCursor, rows: list[StoredEvent], head: int) -> list[int]: ...
    def insert_keys(self, c: SqlCursor, keys: list[EventKey]) -> None: ...


class BatchAppender:
    def __init__(self, app: LedgerApplication, runner: SqlRunner) -> None:
        self.app = app
        self.runner = runner
        self.recorder: AppendRecorder = app.recorder  # type: ignore[assignment]

    def append(self, batch: Sequence[Incoming], steps: Sequence[Step] = ()) -> BatchOutcome:
        """Store the batch's new events; report duplicates and conflicts. All or nothing.

        `steps` run in the same transaction once the events have their positions, and only
        when something was stored; an exception in one undoes the whole batch.
        """
        hashes = [content_hash(item.event) for item in batch]  # pure: outside the lock
        with self.runner.transaction(commit=True) as c:
            return self._append_locked(c, batch, hashes, steps)

    def _append_locked(
        self, c: SqlCursor, batch: Sequence[Incoming], hashes: list[str], steps: Sequence[Step]
    ) -> BatchOutcome:
        recorder = self.recorder
        recorder.lock_for_append(c)
        head = recorder.head_position(c)
        stored = recorder.known_hashes_in(
            c, {(i.event.provider_id, i.event.event_id) for i in batch}
        )
        targets = [stream_of(item.event) for item in batch]
        versions = recorder.stream_versions(c, {t[2] for t in targets})
        mapper = self.app.mapper
        outcome = BatchOutcome()
        rows: list[StoredEvent] = []
        events: list[Any] = []
        keys: list[EventKey] = []
        occurred: dict[tuple[str, str], datetime] = {}  # this batch's accepted events
        for item, digest, (cls, ref, stream_id) in zip(batch, hashes, targets, strict=True):
            event = item.event
            key = (event.provider_id, event.event_id)
            known = stored.get(key)
            if known == digest:
                outcome.duplicates += 1
                continue
            if known is not None:
                outcome.conflicts.append(Conflict(item, _conflict_reason(item)))
                continue
            backdated = self._backdated(c, event, occurred)
            if backdated is not None:
                outcome.conflicts.append(Conflict(item, backdated))
                continue
            version = versions.get(stream_id, 0)
            if version == 0:  # a new stream: its Opened event first, as the aggregate would
                version = 1
                state = opened_state(
                    cls, cls.Opened.create_timestamp(), event.provider_id, ref, client_of(event)
                )
                rows.append(_row(cls.Opened, state, stream_id, version, mapper))
                events.append(domain_event(cls.Opened, state, stream_id, version))
            version += 1
            recorded = cls.recorded_class(event.type)
            state = recorded_state(
                recorded.create_timestamp(), event.provider_id, ref, event, item.source, digest
            )
            rows.append(_row(recorded, state, stream_id, version, mapper))
            events.append(domain_event(recorded, state, stream_id, version))
            versions[stream_id] = version
            stored[key] = digest
            occurred[key] = event.occurred_at
            keys.append(EventKey(event.provider_id, event.event_id, digest, stream_id.hex, version))
            outcome.accepted += 1
        if not rows:
            return outcome
        positions = recorder.insert_rows(c, rows, head)
        recorder.insert_keys(c, keys)
        if recorder.chain_enabled:
            extend_chain(c, positions, rows)
        written = Written(head, list(zip(events, positions, strict=True)))
        for step in steps:
            step(c, written)
        outcome.positions = positions
        return outcome

    def _backdated(
        self, c: SqlCursor, event: ProviderEvent, in_batch: dict[tuple[str, str], datetime]
    ) -> str | None:
        """Why a retraction is dated before its (known) target, or None."""
        if event.type != "event.retracted":
            return None
        target_id = event.data.retracts_event_id  # type: ignore[union-attr]
        target_at = in_batch.get((event.provider_id, target_id))
        if target_at is None:
            row = self.recorder.stored_row(c, event.provider_id, target_id)
            if row is not None:
                target_at = self.app.mapper.to_domain_event(row).occurred_at  # type: ignore[attr-defined]
        if target_at is None or event.occurred_at >= target_at:
            return None
        return (
            f"occurred_at: {event.occurred_at.isoformat()} is before the retracted event "
            f"{target_id!r} occurred ({target_at.isoformat()}); a retraction takes effect "
            "when the correction was made, so send that moment"
        )


def _row(
    cls: type[Stream.Event], state: dict[str, Any], stream_id: UUID, version: int, mapper: Any
) -> StoredEvent:
    return StoredEvent(
        originator_id=stream_id,
        originator_version=version,
        topic=topic_of(cls),
        state=encode_state(state, mapper),
    )


def _conflict_reason(item: Incoming) -> str:
    return (
        f"event_id: {item.event.event_id!r} was already stored for provider "
        f"{item.event.provider_id!r} with different content; an event_id is the "
        "idempotency key and may not be reused (send event.retracted to correct an event)"
    )
