"""`verify`: recompute the hash chain from the stored events and check the checkpoints.

One pass in position order over two keyset-paged reads (stored events, chain rows), so
memory stays flat apart from one hash per stream. The first damage found stops the walk:
after it, every later hash differs anyway, and the first one is what an auditor needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain.chain import GENESIS, GLOBAL_TAG, STREAM_TAG, ChainLink, link, record_hash
from store.chain_store import as_uuid, chain_page, event_key_at, global_hash_at
from store.checkpoints import Checkpoint, key_id
from store.sql import SqlRunner

PAGE = 5000


@dataclass
class Damage:
    """The first place where the ledger is not what was chained and signed."""

    problem: str
    position: int | None = None
    provider_id: str | None = None
    measure_id: str | None = None  # the stream's ref: measure or authorisation id
    event_id: str | None = None
    stream_id: str | None = None
    version: int | None = None
    checkpoint_id: int | None = None


@dataclass
class Report:
    """What was verified: records up to `head_position` (all of them when intact)."""

    records: int = 0
    head_position: int = 0
    head_hash: str = GENESIS.hex()
    checkpoints: int = 0
    key_id: str | None = None
    against: int | None = None
    unsigned_records: int = 0  # after the latest checkpoint: appended since, or a forged tail
    damage: Damage | None = None

    @property
    def intact(self) -> bool:
        return self.damage is None

    def as_dict(self) -> dict[str, Any]:
        return {"intact": self.intact, **asdict(self)}


@dataclass(frozen=True, slots=True)
class Source:
    """What the walk reads: the stored events (through the library) and the ledger's tables."""

    app: Application[UUID]
    sql: SqlRunner


class DamageFoundError(Exception):
    """Stops the walk at the first damage."""

    def __init__(self, damage: Damage) -> None:
        self.damage = damage


def verify_ledger(
    app: Application[UUID],
    sql: SqlRunner,
    checkpoints: Sequence[Checkpoint],
    trusted: Ed25519PublicKey | None,
    against: Checkpoint | None = None,
    progress: Callable[[int], None] = lambda _n: None,
) -> Report:
    """Check every record, then every checkpoint signature, then the exported checkpoint."""
    report = Report(key_id=key_id(trusted) if trusted else None)
    source = Source(app, sql)
    report.checkpoints = len(checkpoints)
    try:
        _walk(source, report, checkpoints, progress)
        for cp in checkpoints:
            _check_checkpoint(cp, trusted, report, "checkpoint")
        if against is not None:
            report.against = against.position
            _check_checkpoint(against, trusted, report, "exported checkpoint")
            with source.sql.transaction(commit=False) as c:
                stored = global_hash_at(c, against.position)
            if stored is None or stored.hex() != against.head_hash:
                raise DamageFoundError(
                    Damage(
                        f"the ledger does not extend the exported checkpoint: position "
                        f"{against.position} has hash {stored.hex() if stored else 'none'}, "
                        f"the checkpoint says {against.head_hash}",
                        position=against.position,
                    )
                )
    except DamageFoundError as stop:
        report.damage = stop.damage
    if report.intact:
        covered = max((cp.position for cp in checkpoints), default=0)
        report.unsigned_records = max(report.head_position - covered, 0)
    return report


def _check_checkpoint(
    cp: Checkpoint, trusted: Ed25519PublicKey | None, report: Report, what: str
) -> None:
    if trusted is not None and not cp.signed_by(trusted):
        raise DamageFoundError(
            Damage(
                f"{what} at position {cp.position} is not signed by the trusted key "
                f"{report.key_id} (key id {cp.key_id!r}): forged or re-signed",
                position=cp.position,
                checkpoint_id=cp.checkpoint_id,
            )
        )
    if cp.position > report.head_position:
        raise DamageFoundError(
            Damage(
                f"{what} covers position {cp.position} but the chain ends at "
                f"{report.head_position}: records were removed from the end",
                position=cp.position,
                checkpoint_id=cp.checkpoint_id,
            )
        )


def _walk(
    source: Source,
    report: Report,
    checkpoints: Sequence[Checkpoint],
    progress: Callable[[int], None],
) -> None:
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
        progress(1)
        event, chain = next(events, None), next(links, None)


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
