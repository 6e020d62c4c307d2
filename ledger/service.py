"""The ledger as one object: the event store, the dead-letter store and the views, wired.

This is the composition root: the one place that reads the settings (or takes them from the
caller) and hands each adapter what it needs — a store URL, a key path, a cipher key, a
rulebook. Every way in (a JSON Lines file, stdin, Kafka) hands batches of raw messages to
`submit`, so validation, idempotency and dead-lettering behave the same whatever the source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.parsing import Malformed, parse_event
from domain.rulebook import Rulebook
from ledger.keys import signing_key_path
from ledger.settings import Settings
from projections.alert_index import AlertIndex
from projections.measure_views import NAME as VIEWS
from projections.recorders import (
    AlertIndexPostgres,
    AlertIndexSQLite,
    MeasureViewsPostgres,
    MeasureViewsSQLite,
)
from projections.runner import PullProjector
from projections.view_audit import Positions, ViewsReport, audit_views
from store.application import Incoming, LedgerApplication
from store.checkpoints import Checkpoints
from store.dead_letters import DeadLetter, DeadLetterStore
from store.sql import SQLITE, SqlRunner
from store.urls import StoreUrl
from store.verify import DEFAULT_GRACE_S, Outside, Report, verify_ledger

log = structlog.get_logger("measure_ledger.ingest")


@dataclass(frozen=True, slots=True)
class RawMessage:
    raw: bytes
    source: str  # "file.jsonl:12", "measure-events/3@1042"


@dataclass
class IngestCounts:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0

    def __iadd__(self, other: IngestCounts) -> IngestCounts:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        return self

    @property
    def total(self) -> int:
        return self.accepted + self.duplicates + self.rejected

    def as_dict(self) -> dict[str, int]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


class Ledger:
    def __init__(
        self,
        store_url: str,
        rulebook: Rulebook | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        """`settings` as read once by the entry point; None reads the environment now."""
        settings = settings if settings is not None else Settings()
        self.store = StoreUrl(store_url)
        self.app = LedgerApplication(env=self.store.environment() | cipher_environment(settings))
        datastore = self.app.recorder.datastore  # type: ignore[attr-defined]
        self.sql = SqlRunner(datastore, self.store.dialect)
        self.dead_letters = DeadLetterStore(self.sql)
        self.dead_letters.create_table()
        sqlite = self.store.dialect is SQLITE
        factory = self.app.factory
        self.views = factory.tracking_recorder(  # type: ignore[arg-type]
            MeasureViewsSQLite if sqlite else MeasureViewsPostgres
        )
        self.projector = PullProjector(self.app, self.views)
        self.alert_index = factory.tracking_recorder(  # type: ignore[arg-type]
            AlertIndexSQLite if sqlite else AlertIndexPostgres
        )
        self.alert_index.index = AlertIndex(rulebook or configured_rulebook(settings))
        self.checkpoints = Checkpoints(self.sql, signing_key_path(self.store, settings))
        self.checkpoints.upgrade_table()

    def submit(
        self, messages: Sequence[RawMessage], *, project: bool = True
    ) -> tuple[IngestCounts, list[DeadLetter]]:
        """Store a batch: malformed messages and reused ids go to the dead-letter store."""
        counts = IngestCounts()
        letters: list[DeadLetter] = []
        good: list[Incoming] = []
        for message in messages:
            parsed = parse_event(message.raw)
            if isinstance(parsed, Malformed):
                letters.append(_letter(message, parsed.reason))
            else:
                good.append(Incoming(parsed, message.source, message.raw))
        self.dead_letters.add(letters)
        outcome = self.app.append(good)
        if outcome.accepted and self.app.recorder.chain_enabled:  # type: ignore[attr-defined]
            self.checkpoints.seal()  # tamper evidence: sign the new chain head
        conflicts = [
            DeadLetter(
                source=c.incoming.source,
                reason=c.reason,
                raw=c.incoming.raw,
                provider_id=c.incoming.event.provider_id,
                event_id=c.incoming.event.event_id,
            )
            for c in outcome.conflicts
        ]
        self.dead_letters.add(conflicts)
        letters += conflicts
        counts.accepted, counts.duplicates, counts.rejected = (
            outcome.accepted,
            outcome.duplicates,
            len(letters),
        )
        if project:
            self.projector.catch_up(recent=outcome.recordings)
        log.debug("batch stored", messages=len(messages), **counts.as_dict())
        return counts, letters

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        return self.projector.catch_up(progress)

    def alerts_behind(self) -> int:
        """How many ledger positions the alert index has still to judge (for progress bars)."""
        return max(self.views.position() - self.alert_index.position(), 0)

    def refresh_alerts(self, progress: Callable[[int], None] | None = None) -> int:
        """Bring the alert index up to the measure views; return how many measures were judged.

        Rule evaluation costs far more than storing an event, so it runs once per measure per
        refresh (after a file, between Kafka batches, before a read), not once per batch.
        """
        return self.alert_index.refresh(self.views.position(), progress)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Views and alert index from zero; `progress` counts positions, once for each."""
        self.alert_index.reset()
        applied = self.projector.rebuild(progress)
        self.refresh_alerts(progress)
        return applied

    def verify(
        self,
        trusted: Ed25519PublicKey | None,
        against: Outside | None = None,
        progress: Callable[[int], None] = lambda _n: None,
        *,
        unchecked_because: str | None = None,
        grace_s: float = DEFAULT_GRACE_S,
    ) -> Report:
        """Recompute the hash chain and check every checkpoint (store/verify.py)."""
        return verify_ledger(
            self.app,
            self.sql,
            self.checkpoints.all(),
            trusted,
            against,
            progress,
            unchecked_because=unchecked_because,
            grace_s=grace_s,
        )

    def projection_positions(self) -> Positions:
        """Where the stored measure views and alert index stand (read, nothing reset)."""
        return Positions(self.views.max_tracking_id(VIEWS) or 0, self.alert_index.position())

    def verify_views(self, progress: Callable[[int], None] = lambda _n: None) -> ViewsReport:
        """Recompute every projection from the events and compare (projections/view_audit.py).

        A difference found while another process moved the views is marked `moved`: the
        comparison then saw two moments and proves nothing either way.
        """
        before = self.projection_positions()
        report = audit_views(self.app, self.sql, self.alert_index.index.rulebook, before, progress)
        if report.difference is not None and self.projection_positions() != before:
            report.moved = True
        return report

    def close(self) -> None:
        self.app.close()


def cipher_environment(settings: Settings) -> dict[str, str]:
    """Encryption at rest, when a key is configured; the key never reaches a log."""
    key = settings.cipher_key
    if key is None:
        return {}
    return {
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": key.get_secret_value(),
    }


def configured_rulebook(settings: Settings) -> Rulebook:
    """The shipped rulebook with this installation's policy values and provider profiles."""
    return Rulebook.load_default(
        policy=settings.policy or None, provider_profiles=settings.provider_profiles or None
    )


def _letter(message: RawMessage, reason: str) -> DeadLetter:
    return DeadLetter(source=message.source, reason=reason, raw=message.raw)
