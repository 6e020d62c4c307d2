"""Ingest, rejects, checkpoints, the access log and health: the ledger's own business."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from api import ledger_records
from api.auth import Audit, audited
from api.deps import ClientQuery, Cursor, Limit, ProviderQuery, Since, Until, ledger_of, moment
from api.ingest import MAX_BODY_BYTES, ingest_body, read_limited
from api.problems import ProblemError, responses
from api.schemas import (
    AccessPage,
    Checkpoint,
    Health,
    IngestResult,
    RejectPage,
)
from projections import api_reads
from projections.api_reads import CursorError
from store.access_log import Subject

router = APIRouter(prefix="/api/v1", tags=["ledger"])
health = APIRouter(tags=["health"])


class PemResponse(PlainTextResponse):
    """The public key as PEM text, so `curl -o key.pem` saves what `verify --against` reads."""

    media_type = "application/x-pem-file"


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
        raise audit.invalid(415, "send JSON Lines as application/x-ndjson", slug="media-type")
    try:
        body = await read_limited(request)
    except ProblemError as error:  # too large: refused before anything is stored
        raise audit.invalid(error.status, error.detail, slug=error.slug) from None
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
        raise audit.invalid(400, str(error), slug="bad-cursor") from None
    audit.allowed([Subject(p) for p in principal.token.providers])
    return RejectPage.model_validate({"items": page.items, "next_cursor": page.next_cursor})


@router.get("/checkpoint", response_model=Checkpoint, responses=responses(401, 403, 404))
def latest_checkpoint(
    request: Request,
    audit: Annotated[Audit, Depends(audited("read checkpoint"))],
) -> Checkpoint:
    """The latest signed chain head with the public key: check it with `verify --against`."""
    found = ledger_records.checkpoint(ledger_of(request))
    if found is None:
        raise audit.not_found([], "no signed checkpoint yet")
    audit.allowed()
    return found


@router.get(
    "/checkpoint/public-key",
    response_class=PemResponse,
    responses={
        200: {
            "description": "The public key, PEM (SubjectPublicKeyInfo).",
            "content": {PemResponse.media_type: {"schema": {"type": "string"}}},
        },
        **responses(401, 403, 404),
    },
)
def public_key(
    request: Request, audit: Annotated[Audit, Depends(audited("read checkpoint"))]
) -> PemResponse:
    """The Ed25519 public key (PEM) that signs the checkpoints."""
    pem = ledger_records.public_key(ledger_of(request))
    if pem is None:
        raise audit.not_found([], "no signing key yet")
    audit.allowed()
    return PemResponse(pem)


@router.get("/access-log", response_model=AccessPage, responses=responses(400, 401, 403, 422))
def access_log(
    request: Request,
    audit: Annotated[Audit, Depends(audited("read access log", ("privacy",)))],
    provider: ProviderQuery = None,
    client: ClientQuery = None,
    token: Annotated[str | None, Query(pattern="^[0-9a-f]{12}$", description="A token id.")] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> AccessPage:
    """Who read what of this provider's clients (NEN 7513), oldest first; this read is logged.

    Each entry shows only its subjects of this provider: one inspectorate read can span
    every provider, and another provider's pseudonyms are not this officer's to see.
    """
    principal = audit.principal
    assert principal is not None
    scope = principal.token.providers
    if provider is None:
        if len(scope) != 1:
            raise audit.invalid(422, f"name the provider: one of {', '.join(scope)}")
        provider = scope[0]
    if provider not in scope:
        raise audit.denied(403, "this token may not read that provider's access log")
    try:
        after = seq_cursor(cursor)
    except ProblemError as error:
        raise audit.invalid(error.status, error.detail, slug=error.slug) from None
    page = ledger_records.access_page(
        ledger_of(request),
        provider,
        client=client,
        token=token,
        since=moment(since) if since else None,
        until=moment(until) if until else None,
        limit=limit,
        after_seq=after,
    )
    audit.allowed([Subject(provider, client, None)])
    return page


def seq_cursor(cursor: str | None) -> int | None:
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
