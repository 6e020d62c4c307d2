"""`POST /api/v1/events`: a provider system's JSON Lines, through the path files take.

The body is read with a cap (a request larger than `MAX_BODY_BYTES` is refused before it is
held whole), split into lines like a file (`consumers.jsonl`), guarded so a token of
provider A can only write A's events (like the Kafka provider guard), and submitted in
batches. Dead letters from this channel belong to the sending provider, whatever the line
claims, so a provider sees its own rejects and never another's input.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Sequence
from typing import Any

from fastapi import Request

from api.problems import ProblemError
from api.schemas import IngestResult, RejectedLine
from consumers.jsonl import read_batches
from consumers.kafka_guard import ProviderGuard
from ledger.service import IngestCounts, Ledger

MAX_BODY_BYTES = 16 * 1024 * 1024
_CHANNEL = "http"


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, _too_large(limit), slug="too-large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, _too_large(limit), slug="too-large")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> str:
    return f"the body is larger than {limit // (1024 * 1024)} MiB: send it in smaller requests"


def ingest_body(state: Any, providers: Sequence[str] | None, body: bytes) -> IngestResult:
    """Store the body's events; the ledger's write path is taken by one request at a time."""
    ledger: Ledger = state.ledger
    lock: threading.Lock = state.write_lock
    own = tuple(providers or ())
    sender = own[0] if len(own) == 1 else None
    guard = ProviderGuard({_CHANNEL: frozenset(own)})
    counts = IngestCounts()
    rejects: list[RejectedLine] = []
    with lock:
        for batch, _read in read_batches(io.BytesIO(body), _CHANNEL):
            batch = [dataclasses.replace(m, sender=sender) for m in batch]
            keep, foreign = guard.split(_CHANNEL, batch, where="this token")
            foreign = [dataclasses.replace(d, provider_id=sender) for d in foreign]
            ledger.dead_letters.add(foreign)
            stored, letters = ledger.submit(keep)
            counts += stored
            counts.rejected += len(foreign)
            rejects += [RejectedLine(source=d.source, reason=d.reason) for d in foreign + letters]
        ledger.refresh_alerts()
    rejects.sort(key=lambda r: int(r.source.rpartition(":")[2] or 0))
    return IngestResult(**counts.as_dict(), rejects=rejects)
