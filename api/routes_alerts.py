"""Alerts, most serious first: what a compliance officer works through each morning."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api import details, shaping
from api.auth import Audit, audited
from api.deps import (
    AsOf,
    Cursor,
    IdPath,
    Limit,
    LocationQuery,
    feed_key_of,
    ledger_of,
    moment,
    reader_of,
)
from api.problems import ERRORS, LIST_ERRORS
from api.schemas import AlertDetail, AlertPage
from domain.rulebook import load_versions
from projections import api_reads
from projections.api_reads import CursorError
from store.access_log import Subject

router = APIRouter(prefix="/api/v1", tags=["alerts"])
#: The catalogue's rule ids (CONTRACT §2) of every shipped version: policy values and
#: profiles change periods, never which rules exist, so the OpenAPI can name them.
RULES = sorted({rule for book in load_versions() for rule in book.rules})
Rule = Annotated[
    str | None, Query(pattern=f"^({'|'.join(RULES)})$", description="A rule id of the catalogue.")
]
Severity = Annotated[str | None, Query(pattern="^(critical|high|medium|low)$")]


@router.get("/alerts", response_model=AlertPage, responses=LIST_ERRORS)
def list_alerts(
    request: Request,
    audit: Annotated[Audit, Depends(audited("list alerts"))],
    as_of: AsOf = None,
    all: Annotated[bool, Query(description="Include alerts resolved by as_of.")] = False,
    rule: Rule = None,
    severity: Severity = None,
    min_severity: Severity = None,
    framework: Annotated[str | None, Query(pattern="^(wzd|wvggz|jeugdwet)$")] = None,
    location: LocationQuery = None,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AlertPage:
    """Alerts as of `as_of` (default now), by severity (critical first), then `since`."""
    principal = audit.principal
    assert principal is not None
    ledger = ledger_of(request)
    if rule is not None and rule not in ledger.alert_index.index.rulebook.rules:
        raise audit.invalid(422, f"rule {rule!r} is no rule of the rulebook", slug="unknown-rule")
    try:
        page = api_reads.alerts(
            ledger.sql,
            principal.providers,
            as_of=moment(as_of),
            include_resolved=all or status == "resolved",
            rule=rule,
            severity=severity,
            min_severity=min_severity,
            framework=framework,
            location=location,
            status=status,
            limit=limit,
            cursor=cursor,
        )
    except CursorError as error:
        raise audit.invalid(400, str(error), slug="bad-cursor") from None
    key = feed_key_of(request)
    items = [shaping.alert(principal, key, r.alert, r.client_id) for r in page.items]
    audit.allowed(
        [Subject(r.alert.provider_id, r.client_id or None, r.alert.measure_id) for r in page.items]
    )
    return AlertPage(items=items, next_cursor=page.next_cursor)


@router.get("/alerts/{alert_id}", response_model=AlertDetail, responses=ERRORS)
def get_alert(
    request: Request,
    alert_id: IdPath,
    audit: Annotated[Audit, Depends(audited("view alert"))],
    as_of: AsOf = None,
) -> AlertDetail:
    """One alert with its evidence events (each a timeline entry of its measure)."""
    principal, ledger, key = reader_of(audit, request)
    found = details.alert_detail(ledger.sql, principal, key, alert_id, moment(as_of))
    return details.logged(audit, found, [], "no such alert").detail
