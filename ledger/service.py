"""The ledger as one object: the event store, the dead letters, the views and the access
tables (tokens and the access log), wired.

This is the composition root: the one place that reads the settings (or takes them from the
caller) and hands each adapter what it needs — a store URL, a key path, a cipher key, a
rulebook. Every way in (a JSON Lines file, stdin, Kafka) hands batches of raw messages to
`submit`, so validation, idempotency and dead-lettering behave the same whatever the source.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.identifiers import mask_bsn_text
from domain.parsing import (
    KEPT_PREFIX_BYTES,
    MAX_MESSAGE_BYTES,
    Malformed,
    claimed_provider,
    oversized,
    parse_event,
)
from domain.rulebook import Rulebook
from ledger import cyclic_gc
from ledger.keys import report_key_path, signing_key_path
from ledger.rulebook_settings import configured_rulebook
from ledger.settings import Settings
from projections.alert_index import AlertIndex
from projections.alert_rebuild import rebuild_index
from projections.measure_views import NAME as VIEWS
from projections.recorders import recorder_classes
from projections.runner import PullProjector
from projections.view_audit import Positions, ViewsReport, audit_views
from store.access_log import AccessLog
from store.access_tokens import AccessTokens
from store.application import BatchOutcome, Incoming, LedgerApplication
from store.batch_append import BatchAppender, Step
from store.checkpoints import Checkpoints
from store.dead_letters import DeadLetter, DeadLetterStore
from store.dlq_publications import DlqPublications
from store.encryption_marker import (
    StoreEncryptionError,
    check_encryption,
    cipher_key_id,
    first_event_reads,
)
from store.presence import check_store
from store.schema_lock import schema_lock
from store.sql import SqlRunner
from store.urls import StoreUrl
from store.verify import DEFAULT_GRACE_S, Outside, Report, verify_ledger
from store.verify_runs import VerifyRuns

log = structlog.get_logger("measure_ledger.ingest")


@dataclass(frozen=True, slots=True)
class RawMessage:
    raw: bytes
    source: str  # "file.jsonl:12", "measure-events/3@1042"
    #: When a reader kept only the start of a message too large to hold (see
    #: `domain.parsing.MAX_MESSAGE_BYTES`): the size the message really had.
    size: int | None = None
    #: The provider the channel itself vouches for (an `ingest` token of the HTTP API): a
    #: message too broken to name its provider is still that provider's to see and fix.
    sender: str | None = None


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
        create: bool = True,
    ) -> None:
        """`settings` as read once by the entry point; None reads the environment now.

        `create=False` is for commands that only read: a store that does not exist yet is
        refused (StoreMissingError) instead of being created empty.
        """
        settings = settings if settings is not None else Settings()
        self.store = StoreUrl(store_url)
        check_store(self.store, create=create)
        if create:
            self.store.create_private_file()  # 0600 before the library opens it (and its WAL)
        cipher = cipher_environment(settings)
        with self.schema_lock():  # every table of the ledger, created one process at a time
            self.app = LedgerApplication(env=self.store.environment() | cipher)
            datastore = self.app.recorder.datastore  # type: ignore[attr-defined]
            self.store.match_pool_wait(datastore)
            self.sql = SqlRunner(datastore, self.store.dialect)
            try:
                check_encryption(
                    self.sql,
                    cipher_key_id(cipher.get("CIPHER_KEY")),
                    lambda: first_event_reads(self.app),
                    self.store.redacted(),
                )
            except StoreEncryptionError:
                self.app.close()
                raise
            self.dead_letters = DeadLetterStore(self.sql)
            self.dead_letters.create_table()
            self.dlq_publications = DlqPublications(self.sql)
            self.dlq_publications.create_tables()
            self.verify_runs = VerifyRuns(self.sql)
            self.verify_runs.create_table()
            self.tokens = AccessTokens(self.sql)  # who may read through `serve`
            self.tokens.create_table()
            self.access_log = AccessLog(self.sql)  # every such read (NEN 7513)
            self.access_log.create_tables()
            views, alerts = recorder_classes(self.store.dialect)
            self.views = self.app.factory.tracking_recorder(views)
            self.alert_index = self.app.factory.tracking_recorder(alerts)
        self.projector = PullProjector(self.app, self.views)
        self.appender = BatchAppender(self.app, self.sql)
        self.alert_index.index = AlertIndex(rulebook or configured_rulebook(settings))
        self.checkpoints = Checkpoints(self.sql, signing_key_path(self.store, settings))
        with self.schema_lock():
            self.checkpoints.upgrade_table()
        self.report_key_path = report_key_path(self.store, settings)  # read when reporting

    def schema_lock(self) -> AbstractContextManager[None]:
        """Hold while creating tables: concurrent creation collides in PostgreSQL."""
        return schema_lock(self.store)

    def submit(
        self, messages: Sequence[RawMessage], *, project: bool = True
    ) -> tuple[IngestCounts, list[DeadLetter]]:
        """Store a batch: malformed messages and reused ids go to the dead-letter store."""
        with cyclic_gc.paused():
            return self._submit(messages, project=project)

    def _submit(
        self, messages: Sequence[RawMessage], *, project: bool
    ) -> tuple[IngestCounts, list[DeadLetter]]:
        counts = IngestCounts()
        letters: list[DeadLetter] = []
        good: list[Incoming] = []
        for message in messages:
            source = mask_bsn_text(message.source)  # a file may be named after a client
            size = message.size or len(message.raw)
            if size > MAX_MESSAGE_BYTES:
                letters.append(
                    DeadLetter(
                        source,
                        oversized(size).reason,
                        message.raw[:KEPT_PREFIX_BYTES],
                        provider_id=message.sender,
                    )
                )
                continue
            parsed = parse_event(message.raw)
            if isinstance(parsed, Malformed):
                owner = message.sender or claimed_provider(message.raw)
                letters.append(DeadLetter(source, parsed.reason, message.raw, provider_id=owner))
            else:
                good.append(Incoming(parsed, source, message.raw))
        self.dead_letters.add(letters)
        outcome = self._append(good, project=project)
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
            self.projector.catch_up()  # nothing to do unless the views were behind
        log.debug("batch stored", messages=len(messages), **counts.as_dict())
        return counts, letters

    def _append(self, good: list[Incoming], *, project: bool) -> BatchOutcome:
        """Store the batch, and in its transaction the views and a checkpoint of its head."""
        steps: list[Step] = []
        if project:
            steps.append(self.views.apply_within)
        if self.app.recorder.chain_enabled:  # type: ignore[attr-defined]
            steps.append(lambda c, _written: self.checkpoints.seal_in(c))  # tamper evidence
        committed = False
        try:
            outcome = self.appender.append(good, steps)
            committed = True
        finally:
            self.views.settle(committed=committed)
        return outcome

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        return self.projector.catch_up(progress)

    def alerts_behind(self) -> int:
        """How many ledger positions the alert index has still to judge (for progress bars)."""
        return max(self.views.position() - self.alert_index.position(), 0)

    def refresh_alerts(
        self,
        progress: Callable[[int], None] | None = None,
        until: Callable[[], bool] | None = None,
    ) -> int:
        """Bring the alert index up to the measure views; return how many measures were judged.

        Rule evaluation costs far more than storing an event, so it runs once per measure per
        refresh (after a file, between Kafka batches, before a read), not once per batch.
        `until`: asked between chunks; True stops the refresh there (what is judged stays).
        """
        with cyclic_gc.paused():
            return self.alert_index.refresh(self.views.position(), progress, until)

    def rebuild(
        self, progress: Callable[[int], None] | None = None, workers: int | None = None
    ) -> int:
        """Views and alert index from zero; `progress` counts positions, once for each.

        The index is judged measure by measure over the complete views, on `workers`
        processes (default: two, or one on a one-core machine; projections/alert_rebuild.py),
        then refreshed as usual for whatever arrived meanwhile.
        """
        workers = workers or min(2, os.cpu_count() or 1)
        with cyclic_gc.paused():
            self.alert_index.reset()
            applied = self.projector.rebuild(progress)
            rebuild_index(self.alert_index, self.views.position(), progress, workers)
            self.refresh_alerts()
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
