"""`verify`: recompute the hash chain from the stored events and check the checkpoints.

One pass in position order over two keyset-paged reads (stored events, chain rows), so
memory stays flat apart from one hash per stream. The first damage found stops the walk:
after it, every later hash differs anyway, and the first one is what an auditor needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain.chain import GENESIS, GLOBAL_TAG, STREAM_TAG, ChainLink, link, record_hash
from store.chain_store import as_uuid, chain_page, event_key_at
from store.checkpoints import Checkpoint, key_id
from store.sql import SqlRunner
from store.verify_checkpoints import check_checkpoint, check_outside, check_sequence
from store.verify_report import (
    DAMAGED,
    DEFAULT_GRACE_S,
    EMPTY,
    INTACT,
    UNCHECKED,
    UNSEALED,
    Damage,
    DamageFoundError,
    Outside,
    Report,
)

__all__ = [
    "DAMAGED",
    "DEFAULT_GRACE_S",
    "INTACT",
    "UNCHECKED",
    "Damage",
    "Outside",
    "Report",
    "verify_ledger",
]

PAGE = 5000


@dataclass(frozen=True, slots=True)
class Source:
    """What the walk reads: the stored events (through the library) and the ledger's tables."""

    app: Application[UUID]
    sql: SqlRunner


def verify_ledger(
    app: Application[UUID],
    sql: SqlRunner,
    checkpoints: Sequence[Checkpoint],
    trusted: Ed25519PublicKey | None,
    against: Outside | None = None,
    progress: Callable[[int], None] = lambda _n: None,
    *,
    unchecked_because: str | None = None,
    grace_s: float = DEFAULT_GRACE_S,
    now: datetime | None = None,
) -> Report:
    """Check every record, the checkpoints' sequence and signatures, then the outside copy.

    The chain and the checkpoints' sequence need no key; without `trusted` the signatures
    are reported unchecked, with `unchecked_because` as the reason, and the walk goes on.
    """
    report = Report(key_id=key_id(trusted) if trusted else None)
    source = Source(app, sql)
    report.checkpoints = len(checkpoints)
    if not checkpoints and against is None:
        report.signatures = "none yet"
    elif trusted is None:
        report.signatures = f"unchecked: {unchecked_because or 'no public key'}"
    covered = max((cp.position for cp in checkpoints), default=0)
    try:
        first_unsigned = _walk(source, report, checkpoints, covered, progress)
        check_sequence(checkpoints)
        for cp in checkpoints:
            check_checkpoint(cp, trusted, report, f"checkpoint {cp.checkpoint_id}")
        if against is not None:
            check_outside(source.sql, against, checkpoints, trusted, report)
    except DamageFoundError as stop:
        report.damage, report.state = stop.damage, DAMAGED
        return report
    if report.records == 0:
        report.state = EMPTY
        report.damage = Damage(
            "the ledger holds no records: nothing was stored yet, or everything was deleted; "
            "an empty ledger is not an intact one"
        )
    elif first_unsigned is not None:
        recorded = _recorded_at(source, first_unsigned)
        moment = now or datetime.now(UTC)
        if recorded is None or (moment - recorded).total_seconds() > grace_s:
            report.state = UNSEALED
            report.damage = _unsealed(source, first_unsigned, report, covered, recorded, grace_s)
    if report.state == INTACT and trusted is None and (checkpoints or against):
        report.state = UNCHECKED
    return report


def _unsealed(
    source: Source,
    first: Any,
    report: Report,
    covered: int,
    recorded: datetime | None,
    grace_s: float,
) -> Damage:
    when = (
        f"the first was recorded at {recorded.isoformat()}, more than {grace_s:g} s ago"
        if recorded
        else "the first one's recording time cannot be read"
    )
    return _describe(
        source,
        first.id,
        _stored(first),
        f"unsealed: {report.unsigned_records} records after position {covered} are covered "
        f"by no signed checkpoint and {when}: checkpoints were deleted, the process died "
        "before signing, or records were added outside the ledger",
    )


def _recorded_at(source: Source, notification: Any) -> datetime | None:
    """When the ledger stored the record (the event's timestamp); None if it cannot say."""
    try:
        moment = source.app.mapper.to_domain_event(notification).timestamp
    except Exception:  # an unreadable record cannot prove it is in flight
        return None
    return moment if isinstance(moment, datetime) and moment.tzinfo else None


def _walk(
    source: Source,
    report: Report,
    checkpoints: Sequence[Checkpoint],
    covered: int,
    progress: Callable[[int], None],
) -> Any:
    """Check every record; return the first one after `covered` (no checkpoint), if any."""
    first_unsigned = None
    expected: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        expected.setdefault(cp.position, []).append(cp)
    _check_heads(expected.pop(0, []), GENESIS)
    events, links = _events(source), _links(source)
    event, chain = next(events, None), next(links, None)
    global_prev = GENESIS
    streams: dict[UUID, bytes] = {}
    while event is not None or chain is not None:
        if chain is None or (event is not None and event.id < chain.position):
            problem = _UNCHAINED if report.records == 0 else _NO_LINK
            raise DamageFoundError(_describe(source, event.id, _stored(event), problem))  # type: ignore[union-attr]
        if event is None or chain.position < event.id:
            raise DamageFoundError(_describe(source, chain.position, None, _NO_EVENT, chain))
        stored = _stored(event)
        problem = _problem(stored, event.id, chain, global_prev, streams)
        if problem:
            raise DamageFoundError(_describe(source, event.id, stored, problem, chain))
        _check_heads(expected.get(chain.position, []), chain.global_hash)
        global_prev = chain.global_hash
        streams[chain.stream_id] = chain.stream_hash
        report.records += 1
        report.head_position, report.head_hash = chain.position, chain.global_hash.hex()
        if chain.position > covered:
            report.unsigned_records += 1
            first_unsigned = first_unsigned or event
        progress(1)
        event, chain = next(events, None), next(links, None)
    return first_unsigned


_NO_LINK = "stored event has no chain row: inserted outside the ledger"
_UNCHAINED = (
    "no hash chain covers the start of the ledger: events stored before tamper evidence "
    "was enabled (or inserted outside the ledger) cannot be verified"
)
_NO_EVENT = "chain row without its stored event: the event was deleted"


def _problem(
    stored: StoredEvent,
    position: int,
    chain: ChainLink,
    global_prev: bytes,
    streams: dict[UUID, bytes],
) -> str | None:
    stream_id = as_uuid(stored.originator_id)
    if (stream_id, stored.originator_version) != (chain.stream_id, chain.version):
        return "stored event is not the one chained at this position: moved or replaced"
    recomputed = record_hash(position, stream_id, chain.version, stored.topic, stored.state)
    if recomputed != chain.record_hash:
        return "stored event changed: its hash differs from the chained hash"
    if link(GLOBAL_TAG, global_prev, recomputed) != chain.global_hash:
        return "global chain broken here: a record before it was removed or the chain rewritten"
    if link(STREAM_TAG, streams.get(stream_id, GENESIS), recomputed) != chain.stream_hash:
        return "stream chain broken here: an event of this stream was removed or reordered"
    return None


def _check_heads(checkpoints: list[Checkpoint], head: bytes) -> None:
    for cp in checkpoints:
        if cp.head_hash != head.hex():
            raise DamageFoundError(
                Damage(
                    f"checkpoint {cp.checkpoint_id} signed hash {cp.head_hash} at position "
                    f"{cp.position}; the chain now has {head.hex()}: history up to there "
                    "was rewritten",
                    position=cp.position,
                    checkpoint_id=cp.checkpoint_id,
                )
            )


def _events(source: Source) -> Iterator[Any]:
    recorder = source.app.recorder
    after = 0
    while True:
        page = recorder.select_notifications(after, PAGE, inclusive_of_start=False)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].id


def _links(source: Source) -> Iterator[ChainLink]:
    after = 0
    while True:
        with source.sql.transaction(commit=False) as c:
            page = chain_page(c, after, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].position


def _stored(notification: Any) -> StoredEvent:
    """The stored record as the chain hashes it; a value of the wrong type is damage too."""
    state = notification.state
    try:
        if isinstance(state, str):  # e.g. rewritten by an SQL string function
            state = state.encode("utf-8")
        return StoredEvent(
            originator_id=as_uuid(notification.originator_id),
            originator_version=int(notification.originator_version),
            topic=str(notification.topic),
            state=bytes(state),
        )
    except (TypeError, ValueError) as error:
        raise DamageFoundError(
            Damage(
                f"stored event is unreadable ({error}): edited outside the ledger", notification.id
            )
        ) from None


def _describe(
    source: Source,
    position: int,
    stored: StoredEvent | None,
    problem: str,
    chain: ChainLink | None = None,
) -> Damage:
    """Name the record: the idempotency index knows provider and event id by stream version."""
    stream_id = chain.stream_id if chain else as_uuid(stored.originator_id)  # type: ignore[union-attr]
    version = chain.version if chain else stored.originator_version  # type: ignore[union-attr]
    damage = Damage(problem, position, stream_id=stream_id.hex, version=version)
    with source.sql.transaction(commit=False) as c:
        key = event_key_at(c, stream_id, version)
    if key:
        damage.provider_id, damage.event_id = key
    candidates = ([stored] if stored else []) + list(
        source.app.recorder.select_events(stream_id, limit=3)
    )
    for candidate in candidates:
        try:
            decoded = source.app.mapper.to_domain_event(candidate)
        except Exception:  # noqa: S112 - a tampered event may not decode; try a sibling
            continue
        damage.provider_id = damage.provider_id or getattr(decoded, "provider_id", None)
        damage.measure_id = getattr(decoded, "ref", None)
        if candidate is stored:
            damage.event_id = damage.event_id or getattr(decoded, "event_id", None)
        if damage.measure_id:
            break
    return damage
