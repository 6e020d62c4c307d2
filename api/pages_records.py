"""A client and an authorisation: the records behind a measure's legal basis.

The client page is the provider's own (it names the client by the provider's pseudonym);
the inspectorate, which sees clients only as `client_ref`, has no such page. Another
provider's client or authorisation is "not found", the same page as a missing one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import details, page_timeline
from api.auth import Audit
from api.deps import reader_of
from api.web import page_reader, render
from store.access_log import Subject

router = APIRouter(include_in_schema=False)


@router.get("/clients/{provider_id}/{client_id}", response_class=HTMLResponse)
def client_page(
    request: Request,
    provider_id: str,
    client_id: str,
    audit: Annotated[Audit, Depends(page_reader("view client", ("provider",)))],
) -> HTMLResponse:
    """The client's measures and authorisations, each linked to its page."""
    principal, ledger, key = reader_of(audit, request)
    found = details.client_detail(ledger.sql, principal, key, provider_id, client_id)
    missing = [Subject(provider_id, client_id, None)]
    d = details.logged(audit, found, missing, "no such client").detail
    return render(request, audit, "client.html", d=d)


@router.get("/authorisations/{provider_id}/{authorization_id}", response_class=HTMLResponse)
def authorisation_page(
    request: Request,
    provider_id: str,
    authorization_id: str,
    audit: Annotated[Audit, Depends(page_reader("view authorisation"))],
) -> HTMLResponse:
    """Its validity, its events (both clocks, corrections) and the measures it covers."""
    principal, ledger, key = reader_of(audit, request)
    found = details.authorisation_detail(ledger.sql, principal, key, provider_id, authorization_id)
    missing = [Subject(provider_id, None, None)]
    d = details.logged(audit, found, missing, "no such authorisation").detail
    late = page_timeline.late_after(ledger.alert_index.index.rulebook, provider_id)
    return render(
        request,
        audit,
        "authorisation.html",
        a=d.authorisation,
        in_force=details.in_force(d.authorisation.model_dump(), datetime.now(UTC)),
        rows=page_timeline.rows(d.events, late=late),
        measures=d.measures,
    )
