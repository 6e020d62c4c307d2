"""Measures, clients and authorisations: what a compliance officer looks up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from api import details, shaping
from api.auth import Audit, audited
from api.deps import (
    PRINTABLE,
    AsOf,
    ClientQuery,
    ClientRefQuery,
    Cursor,
    IdPath,
    Limit,
    LocationQuery,
    ProviderPath,
    feed_key_of,
    ledger_of,
    moment,
    reader_of,
)
from api.problems import ERRORS, LIST_ERRORS
from api.schemas import AuthorisationDetail, ClientDetail, MeasureDetail, MeasurePage
from domain.codes import Category
from domain.lifecycle import Phase
from projections import api_reads
from projections.api_reads import SEVERITY_ORDER, CursorError
from projections.client_refs import client_of_ref
from projections.deadline_reads import deadlines_as_of
from store.access_log import Subject

router = APIRouter(prefix="/api/v1", tags=["measures"])
Severity = Annotated[str | None, Query(pattern="^(critical|high|medium|low)$")]


@router.get("/measures", response_model=MeasurePage, responses=LIST_ERRORS)
def list_measures(
    request: Request,
    audit: Annotated[Audit, Depends(audited("list measures"))],
    framework: Annotated[str | None, Query(pattern="^(wzd|wvggz|jeugdwet)$")] = None,
    phase: Phase | None = None,
    category: Category | None = None,
    location: LocationQuery = None,
    client: ClientQuery = None,
    client_ref: ClientRefQuery = None,
    overdue: Annotated[bool | None, Query(description="Next deadline already passed.")] = None,
    min_open_severity: Severity = None,
    as_of: AsOf = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> MeasurePage:
    """Measures in scope, filtered; `min_open_severity`: with an alert open at `as_of`;
    `client` (the provider's pseudonym): provider role only; `client_ref` (the feed's keyed
    hash): inspectorate role only."""
    principal = audit.principal
    assert principal is not None
    if client is not None and principal.role != "provider":
        raise audit.denied(403, "the inspectorate sees clients only as client_ref")
    if client_ref is not None and principal.role != "inspectorate":
        raise audit.denied(403, "client_ref is the inspectorate's; a provider filters by client")
    ledger, when, key = ledger_of(request), moment(as_of), feed_key_of(request)
    providers = principal.providers
    if client_ref is not None:
        found = client_of_ref(ledger.sql, providers, shaping.ref_key(key), client_ref)
        if found is None:
            audit.allowed([])
            return MeasurePage(items=[], next_cursor=None)
        providers, client = [found[0]], found[1]
    try:
        page = api_reads.measures(
            ledger.sql,
            providers,
            as_of=when,
            framework=framework,
            phase=phase,
            category=category,
            location=location,
            client_id=client,
            overdue=overdue,
            min_open_severity=min_open_severity,
            limit=limit,
            cursor=cursor,
            client_ref=client_ref,
        )
    except CursorError as error:
        raise audit.invalid(400, str(error), slug="bad-cursor") from None
    rows = deadlines_as_of(ledger.sql, ledger.alert_index.index.rulebook, page.items, when)
    items = [shaping.measure(principal, key, row) for row in rows]
    audit.allowed(shaping.measure_subjects(page.items))
    return MeasurePage(items=items, next_cursor=page.next_cursor)


@router.get("/measures/{provider_id}/{measure_id}", response_model=MeasureDetail, responses=ERRORS)
def get_measure(
    request: Request,
    provider_id: ProviderPath,
    measure_id: IdPath,
    audit: Annotated[Audit, Depends(audited("view measure"))],
) -> MeasureDetail:
    """Status, next deadline, legal basis in force, every alert and the whole timeline."""
    principal, ledger, key = reader_of(audit, request)
    rulebook = ledger.alert_index.index.rulebook
    found = details.measure_detail(
        ledger.sql, principal, key, provider_id, measure_id, datetime.now(UTC), rulebook
    )
    missing = [Subject(provider_id, None, measure_id)]
    return details.logged(audit, found, missing, "no such measure").detail


@router.get("/clients/{provider_id}/{client_id}", response_model=ClientDetail, responses=ERRORS)
def get_client(
    request: Request,
    provider_id: ProviderPath,
    client_id: IdPath,
    audit: Annotated[Audit, Depends(audited("view client", roles=("provider",)))],
) -> ClientDetail:
    """A client's measures and authorisations, by the provider's own pseudonym."""
    principal, ledger, key = reader_of(audit, request)
    found = details.client_detail(ledger.sql, principal, key, provider_id, client_id)
    missing = [Subject(provider_id, client_id, None)]
    return details.logged(audit, found, missing, "no such client").detail


@router.get(
    "/authorisations/{provider_id}/{authorization_id}",
    response_model=AuthorisationDetail,
    responses=ERRORS,
)
def get_authorisation(
    request: Request,
    provider_id: ProviderPath,
    authorization_id: Annotated[str, Path(min_length=1, max_length=128, pattern=PRINTABLE)],
    audit: Annotated[Audit, Depends(audited("view authorisation"))],
) -> AuthorisationDetail:
    """One authorisation (machtiging, crisismaatregel, ...), its events and what it covers."""
    principal, ledger, key = reader_of(audit, request)
    found = details.authorisation_detail(ledger.sql, principal, key, provider_id, authorization_id)
    missing = [Subject(provider_id, None, None)]
    return details.logged(audit, found, missing, "no such authorisation").detail


__all__ = ["SEVERITY_ORDER", "router"]
