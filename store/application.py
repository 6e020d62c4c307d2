"""The ledger's eventsourcing application and the values of its write path.

The application is the library's: its recorder (with the ledger's tables), its mapper (the
stored format) and its notification log, which the projections and `verify` read. Batches
are written by store/batch_append.py, as plain rows in one transaction; the aggregates in
domain/measure.py remain the definition of what those rows hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.application import Application

from domain.wire import ProviderEvent


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
    positions: list[int] = field(default_factory=list)  # of the stored events, in order


class LedgerApplication(Application[UUID]):
    name = "measure_ledger"
    env = {  # noqa: RUF012 - the library reads this class attribute
        # Streams are read whole only by `tamper` and the tests; the write path keeps no
        # aggregates (store/batch_append.py), so there is nothing to cache.
        "IS_SNAPSHOTTING_ENABLED": "n",
    }
