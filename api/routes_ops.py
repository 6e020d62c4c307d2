"""Ingest, rejects, checkpoints, the access log and health: the ledger's own business."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth import Audit, audited
from api.deps import Cursor, Limit, ledger_of, moment
from api.ingest import MAX_BODY_BYTES, ingest_body, read_limited
from api.problems import ProblemError, responses
from api.schemas import AccessPage, AccessRecord, Checkpoint, Health, IngestResult, RejectPage
from projections import api_reads
from projections.api_reads import CursorError
from store.access_log import Subject
from store.checkpoints import public_pem

router = APIRouter(prefix="/api/v1", tags=["ledger"])
health = APIRouter(tags=["health"])


@router.post(
    "/events",
    response_model=IngestResult,
    responses=responses(401, 403, 413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"JSON Lines: one event (CONTRACT §1) per line; at most "
            f"{MAX_BODY_BYTES // (1024 * 1024)} MiB.",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
async def post_events(
    request: Request, audit: Annotated[Audit, Depends(audited("ingest events", ("ingest",)))]
) -> IngestResult:
    """Store events the way a file or Kafka batch is stored; malformed lines are dead-lettered."""
    principal = audit.principal
    assert principal is not None
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-ndjson", "application/jsonl", "application/json", "text/plain"):
        raise ProblemError(415, "send JSON Lines as application/x-ndjson", slug="media-type")
    body = await read_limited(request)
    result = await run_in_threadpool(ingest_body, request.app.state, principal.providers, body)
    audit.allowed([Subject(p) for p in principal.token.providers])
    return result


@router.get("/rejects", response_model=RejectPage, responses=responses(400, 401, 403, 422))
def list_rejects(
    request: Request,
    audit: Annotated[Audit, Depends(audited("list rejects", ("provider",)))],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RejectPage:
    """The provider's own dead letters, newest first: what it must fix and send again."""
    principal = audit.principal
    assert principal is not None
    try:
        page = api_reads.rejects(
            ledger_of(request).sql, principal.providers, limit=limit, cursor=cursor
        )
    except CursorError as error:
        raise ProblemError(400, str(error), slug="bad-cursor") from None
    audit.allowed([Subject(p) for p in principal.token.providers])
    return RejectPage.model_validate({"items": page.items, "next_cursor": page.next_cursor})


@router.get("/checkpoint", response_model=Checkpoint, responses=responses(401, 403, 404))
def latest_checkpoint(
    request: Request,
    audit: Annotated[Audit, Depends(audited("read checkpoint"))],
) -> Checkpoint:
    """The latest signed chain head with the public key: check it with `verify --against`."""
    ledger = ledger_of(request)
    latest = ledger.checkpoints.latest()
    if latest is None or not ledger.checkpoints.key_path.exists():
        raise audit.not_found([], "no signed checkpoint yet")
    audit.allowed()
    body = latest.export(ledger.checkpoints.key.public_key())
    return Checkpoint.model_validate(body)


@router.get(
    "/checkpoint/public-key",
    responses={200: {"content": {"application/x-pem-file": {}}}, **responses(401, 403, 404)},
    response_class=JSONResponse,
)
def public_key(
    request: Request, audit: Annotated[Audit, Depends(audited("read checkpoint"))]
) -> JSONResponse:
    """The Ed25519 public key (PEM) that signs the checkpoints."""
    from fastapi.responses import PlainTextResponse

    ledger = ledger_of(request)
    if not ledger.checkpoints.key_path.exists():
        raise audit.not_found([], "no signing key yet")
    audit.allowed()
    return PlainTextResponse(  # type: ignore[return-value]
        public_pem(ledger.checkpoints.key.public_key()), media_type="application/x-pem-file"
    )


@router.get("/access-log", response_model=AccessPage, responses=responses(400, 401, 403, 422))
def access_log(
    request: Request,
    audit: Annotated[Audit, Depends(audited("read access log", ("privacy",)))],
    provider: Annotated[str | None, Query(max_length=128)] = None,
    client: Annotated[str | None, Query(max_length=128)] = None,
    token: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> AccessPage:
    """Who read what of this provider's clients (NEN 7513), oldest first; this read is logged."""
    principal = audit.principal
    assert principal is not None
    scope = principal.token.providers
    if provider is None:
        if len(scope) != 1:
            raise ProblemError(422, f"name the provider: one of {', '.join(scope)}")
        provider = scope[0]
    if provider not in scope:
        raise audit.denied(403, "this token may not read that provider's access log")
    after = _seq_cursor(cursor)
    entries = ledger_of(request).access_log.read(
        provider_id=provider,
        client_id=client,
        token_id=token,
        since=moment(since) if since else None,
        until=moment(until) if until else None,
        limit=limit + 1,
        after_seq=after,
    )
    more = len(entries) > limit
    entries = entries[:limit]
    audit.allowed([Subject(provider, client, None)])
    items = [
        AccessRecord(
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
                {"provider_id": s.provider_id, "client_id": s.client_id, "measure_id": s.measure_id}
                for s in e.subjects
            ],
            detail=e.detail,
        )
        for e in entries
    ]
    return AccessPage(items=items, next_cursor=str(entries[-1].seq) if more and entries else None)


def _seq_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise ProblemError(400, "cursor: not a cursor of this list", slug="bad-cursor")
    return int(cursor)


@health.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process answers (no store access: for a liveness probe).

    Answered on the event loop, not in the worker threads: under load those are all busy
    reading the store, and a liveness probe queued behind them would fail a healthy server.
    """
    return Health(status="ok")


@health.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(request: Request) -> JSONResponse:
    """The store answers and the views and alert index stand at the ledger's last position."""
    ledger = ledger_of(request)
    try:
        head = ledger.app.recorder.max_notification_id() or 0
        positions = ledger.projection_positions()
    except Exception as error:  # any store failure means not ready; say which kind
        body = Health(status="unavailable", detail={"store": type(error).__name__})
        return JSONResponse(body.model_dump(), status_code=503)
    detail = {"position": head, "views": positions.views, "alerts": positions.alerts}
    ready = positions.views >= head and positions.alerts >= head
    body = Health(status="ready" if ready else "catching up", detail=detail)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
