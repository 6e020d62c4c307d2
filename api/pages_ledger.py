"""The ledger's own pages: rejected input, integrity (with downloads) and the access log.

Rejects are the provider's dead letters (what it must fix and send again); integrity lets
anyone who reads check the chain with `measure-ledger verify --against` on their own copy;
the access log is the privacy officer's view of who read what of the provider's clients
(NEN 7513) — reading it is itself logged, like every read.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from api import ledger_records
from api.auth import Audit
from api.clock import start_of_day
from api.deps import ledger_of
from api.problems import ProblemError
from api.routes_ops import seq_cursor
from api.web import page_reader, render
from projections import api_reads
from projections.api_reads import CursorError
from store.access_log import Subject

router = APIRouter(include_in_schema=False)
Cursor = Annotated[str | None, Query(max_length=1000)]
CheckpointReader = Annotated[Audit, Depends(page_reader("read checkpoint"))]


@router.get("/rejects", response_class=HTMLResponse)
def rejects_page(
    request: Request,
    audit: Annotated[Audit, Depends(page_reader("list rejects", ("provider",)))],
    cursor: Cursor = None,
) -> HTMLResponse:
    """The provider's dead letters, newest first, 50 a page."""
    principal = audit.principal
    assert principal is not None
    try:
        page = api_reads.rejects(ledger_of(request).sql, principal.providers, cursor=cursor)
    except CursorError:
        page = api_reads.Page(items=[], next_cursor=None)
    audit.allowed([Subject(p) for p in principal.token.providers])
    link = "/rejects?" + urlencode({"cursor": page.next_cursor or ""})
    return render(
        request, audit, "rejects.html", rejects=page.items, next_cursor=page.next_cursor, link=link
    )


@router.get("/integrity", response_class=HTMLResponse)
def integrity_page(request: Request, audit: CheckpointReader) -> HTMLResponse:
    """The latest signed checkpoint and how to check the ledger against it."""
    ledger = ledger_of(request)
    audit.allowed()
    return render(
        request,
        audit,
        "integrity.html",
        checkpoint=ledger_records.checkpoint(ledger),
        has_key=ledger_records.public_key(ledger) is not None,
        verified=ledger.verify_runs.latest(),
    )


@router.get("/integrity/checkpoint.json")
def checkpoint_download(request: Request, audit: CheckpointReader) -> JSONResponse:
    """The body of `GET /api/v1/checkpoint`, as a file to keep and verify against."""
    found = ledger_records.checkpoint(ledger_of(request))
    if found is None:
        raise audit.not_found([], "no signed checkpoint yet")
    audit.allowed()
    name = f"checkpoint-{found.position}.json"
    return JSONResponse(
        found.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/integrity/public-key.pem")
def public_key_download(request: Request, audit: CheckpointReader) -> PlainTextResponse:
    """The PEM of the signing key, as `GET /api/v1/checkpoint/public-key` answers it."""
    pem = ledger_records.public_key(ledger_of(request))
    if pem is None:
        raise audit.not_found([], "no signing key yet")
    audit.allowed()
    return PlainTextResponse(
        pem,
        media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="measure-ledger-public-key.pem"'},
    )


@router.get("/access-log", response_class=HTMLResponse)
def access_log_page(
    request: Request,
    audit: Annotated[Audit, Depends(page_reader("read access log", ("privacy",)))],
    provider: Annotated[str | None, Query(max_length=128)] = None,
    client: Annotated[str | None, Query(max_length=128)] = None,
    token: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """Who read what, oldest first; `since` and `until` are whole days on the Amsterdam clock."""
    principal = audit.principal
    assert principal is not None
    scope = principal.token.providers
    chosen = provider or (scope[0] if scope else "")
    if chosen not in scope:
        raise audit.denied(403, "this token may not read that provider's access log")
    try:
        after = seq_cursor(cursor or None)
    except ProblemError:
        after = None
    page = ledger_records.access_page(
        ledger_of(request),
        chosen,
        client=client or None,
        token=token or None,
        since=start_of_day(since) if since else None,
        until=start_of_day(until + timedelta(days=1)) if until else None,
        after_seq=after,
    )
    audit.allowed([Subject(chosen, client or None, None)])
    filters = {
        "provider": chosen,
        "client": client or "",
        "token": token or "",
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    link = "/access-log?" + urlencode({**filters, "cursor": page.next_cursor or ""})
    return render(
        request,
        audit,
        "access_log.html",
        entries=page.items,
        filters=filters,
        providers=scope,
        next_cursor=page.next_cursor,
        link=link,
    )
