"""The ledger's own records — its latest checkpoint, its key, a page of its access log —
read once for the API and the pages, so a download from a page is the API's body exactly.
"""

from __future__ import annotations

from datetime import datetime

from api.schemas import AccessPage, AccessRecord, AccessSubject, Checkpoint
from ledger.service import Ledger
from store.access_log import AccessEntry
from store.checkpoints import public_pem


def checkpoint(ledger: Ledger) -> Checkpoint | None:
    """The latest signed chain head with the public key; None before the first one."""
    latest = ledger.checkpoints.latest()
    if latest is None or not ledger.checkpoints.key_path.exists():
        return None
    return Checkpoint.model_validate(latest.export(ledger.checkpoints.key.public_key()))


def public_key(ledger: Ledger) -> str | None:
    """The PEM of the key that signs the checkpoints; None before there is one."""
    if not ledger.checkpoints.key_path.exists():
        return None
    return public_pem(ledger.checkpoints.key.public_key())


def access_page(
    ledger: Ledger,
    provider: str,
    *,
    client: str | None = None,
    token: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    after_seq: int | None = None,
) -> AccessPage:
    """One page of who read what of the provider's data, oldest first."""
    entries = ledger.access_log.read(
        provider_id=provider,
        client_id=client,
        token_id=token,
        since=since,
        until=until,
        limit=limit + 1,
        after_seq=after_seq,
    )
    more = len(entries) > limit
    entries = entries[:limit]
    items = [record(e, provider) for e in entries]
    return AccessPage(items=items, next_cursor=str(entries[-1].seq) if more and entries else None)


def record(e: AccessEntry, provider: str) -> AccessRecord:
    """Only the entry's subjects of `provider`: one inspectorate read can span every
    provider, and another provider's pseudonyms are not this officer's to see."""
    return AccessRecord(
        seq=e.seq or 0,
        at=e.at.isoformat(),
        token_id=e.token_id,
        label=e.label,
        role=e.role,
        scope=list(e.scope),
        action=e.action,
        outcome=e.outcome,
        remote=e.remote,
        subjects=[
            AccessSubject(provider_id=s.provider_id, client_id=s.client_id, measure_id=s.measure_id)
            for s in e.subjects
            if s.provider_id == provider
        ],
        detail=e.detail,
    )
