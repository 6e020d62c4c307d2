"""Measures, clients and authorisations: what a compliance officer looks up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api import shaping
from api.auth import Audit, audited
from api.deps import (
    PRINTABLE,
    AsOf,
    ClientQuery,
    Cursor,
    IdPath,
    Limit,
    LocationQuery,
    ProviderPath,
    feed_key_of,
    ledger_of,
    moment,
)
from api.problems import responses
from api.schemas import AuthorisationDetail, ClientDetail, MeasureDetail, MeasurePage
from domain.codes import Category
from domain.lifecycle import Phase
from projections import api_reads, queries
from projections.api_reads import SEVERITY_ORDER, CursorError
from store.access_log import Subject

router = APIRouter(prefix="/api/v1", tags=["measures"])
#: 503: the inspectorate reads clients as client_ref, which needs the feed key.
LIST_ERRORS = responses(400, 401, 403, 422, 503)
ERRORS = responses(401, 403, 404, 422, 503)
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
    overdue: Annotated[bool | None, Query(description="Next deadline already passed.")] = None,
    min_open_severity: Severity = None,
    as_of: AsOf = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> MeasurePage:
    """Measures in scope, filtered; `min_open_severity`: with an alert open at `as_of`;
    `client` (the provider's pseudonym): provider role only."""
    principal = audit.principal
    assert principal is not None
    if client is not None and principal.role != "provider":
        raise audit.denied(403, "the inspectorate sees clients only as client_ref")
    try:
        page = api_reads.measures(
            ledger_of(request).sql,
            principal.providers,
            as_of=moment(as_of),
            framework=framework,
            phase=phase,
            category=category,
            location=location,
            client_id=client,
            overdue=overdue,
            min_open_severity=min_open_severity,
            limit=limit,
            cursor=cursor,
        )
    except CursorError as error:
        raise audit.invalid(400, str(error), slug="bad-cursor") from None
    key = feed_key_of(request)
    items = [shaping.measure(principal, key, row) for row in page.items]
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
    principal = audit.principal
    assert principal is not None
    sql = ledger_of(request).sql
    row = api_reads.measure(sql, principal.providers, provider_id, measure_id)
    if row is None:
        raise audit.not_found([Subject(provider_id, None, measure_id)], "no such measure")
    key = feed_key_of(request)
    now = datetime.now(UTC)
    alerts = _all_alerts(sql, principal.providers, (provider_id, measure_id), now)
    timeline = queries.timeline(sql, provider_id, measure_id)
    basis = legal_basis(sql, principal.providers, row, now)
    detail = MeasureDetail(
        measure=shaping.measure(principal, key, row),
        legal_basis=[shaping.authorisation(principal, key, a) for a in basis],
        alerts=[shaping.alert(principal, key, a.alert, a.client_id) for a in alerts],
        timeline=[shaping.entry(principal, e) for e in timeline],
    )
    audit.allowed(shaping.measure_subjects([row]))
    return detail


def _all_alerts(sql: Any, providers: Any, measure: tuple[str, str], now: datetime) -> list[Any]:
    found: list[Any] = []
    cursor = None
    while True:
        page = api_reads.alerts(
            sql,
            providers,
            as_of=now,
            include_resolved=True,
            measure=measure,
            limit=500,
            cursor=cursor,
        )
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def legal_basis(
    sql: Any, providers: Any, row: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
    """The client's authorisations in force now whose covered measures include this one."""
    basis = []
    for a in api_reads.client_authorisations(sql, providers, row["provider_id"], row["client_id"]):
        full = api_reads.authorisation(sql, providers, row["provider_id"], a["authorization_id"])
        if full is None or full.get("ended_at"):
            continue
        covered = {m["measure_id"] for m in full["measures"]}
        if row["measure_id"] in covered and _in_force(full, now):
            basis.append(full)
    return basis


def _in_force(authorisation: dict[str, Any], now: datetime) -> bool:
    start, until = authorisation.get("valid_from"), authorisation.get("valid_until")
    return (start is None or datetime.fromisoformat(start) <= now) and (
        until is None or now <= datetime.fromisoformat(until)
    )


@router.get("/clients/{provider_id}/{client_id}", response_model=ClientDetail, responses=ERRORS)
def get_client(
    request: Request,
    provider_id: ProviderPath,
    client_id: IdPath,
    audit: Annotated[Audit, Depends(audited("view client", roles=("provider",)))],
) -> ClientDetail:
    """A client's measures and authorisations, by the provider's own pseudonym."""
    principal = audit.principal
    assert principal is not None
    sql = ledger_of(request).sql
    subject = Subject(provider_id, client_id, None)
    measures = api_reads.client_measures(sql, principal.providers, provider_id, client_id)
    authorisations = api_reads.client_authorisations(
        sql, principal.providers, provider_id, client_id
    )
    if not measures and not authorisations:
        raise audit.not_found([subject], "no such client")
    key = feed_key_of(request)
    detail = ClientDetail(
        provider_id=provider_id,
        client_id=client_id,
        measures=[shaping.measure(principal, key, m) for m in measures],
        authorisations=[shaping.authorisation(principal, key, a) for a in authorisations],
    )
    audit.allowed([subject, *shaping.measure_subjects(measures)])
    return detail


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
    principal = audit.principal
    assert principal is not None
    sql = ledger_of(request).sql
    found = api_reads.authorisation(sql, principal.providers, provider_id, authorization_id)
    if found is None:
        raise audit.not_found([Subject(provider_id, None, None)], "no such authorisation")
    key = feed_key_of(request)
    detail = AuthorisationDetail(
        authorisation=shaping.authorisation(principal, key, found),
        events=[shaping.entry(principal, e) for e in found["events"]],
        measures=[shaping.measure(principal, key, m) for m in found["measures"]],
    )
    audit.allowed(
        [
            Subject(provider_id, found["client_id"], None),
            *shaping.measure_subjects(found["measures"]),
        ]
    )
    return detail


__all__ = ["SEVERITY_ORDER", "router"]
