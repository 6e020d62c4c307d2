"""The report pages: the half-year overview with a drill-down per cell to its explanation.

The same document as `GET /api/v1/reports/{period}` (and the same access-log entry: an
export of every client in it); each cell links to `/reports/{period}/explain`, the page of
`report --explain LOCATION FORM`. Who may read what is `api/reports.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api import reports
from api.auth import Audit
from api.clock import AMSTERDAM
from api.deps import ledger_of
from api.web import page_reader, render
from domain.codes import ALL_CATEGORIES
from domain.report.deadline import due, next_due
from domain.report.delivery_status import DeliveryStatus, delivery_statuses
from domain.report.explain import ALL_LOCATIONS, WITHOUT_LOCATION
from domain.report.period import HalfYear
from domain.report.xml_mapping import LAWS
from projections.delivery_reads import OverdueOverview, overdue_overviews, standing_deliveries

router = APIRouter(include_in_schema=False)
ProviderParam = Annotated[str | None, Query(max_length=64)]
#: The inspectorate's list of overviews not delivered by their day is cut here; the rest are
#: in /alerts?rule=WZD-IGJ-OVERVIEW (and WVGGZ-).
OVERDUE_SHOWN = 500


def recent_periods(now: datetime, count: int = 4) -> list[HalfYear]:
    """The current half-year and the ones before it, newest first (Amsterdam calendar)."""
    local = now.astimezone(AMSTERDAM)
    period = HalfYear(local.year, 1 if local.month <= 6 else 2)
    found = []
    for _ in range(count):
        found.append(period)
        period = HalfYear(period.year, 1) if period.half == 2 else HalfYear(period.year - 1, 2)
    return found


def statuses(
    request: Request, provider: str, periods: list[HalfYear], now: datetime
) -> list[DeliveryStatus]:
    """Each period's overview per law: delivered (with the hash), due or late."""
    deliveries = standing_deliveries(ledger_of(request).sql, provider)
    return delivery_statuses(periods, LAWS, deliveries, now)


@router.get("/reports", response_class=HTMLResponse)
def reports_index(
    request: Request,
    audit: Annotated[Audit, Depends(page_reader("list reports"))],
) -> HTMLResponse:
    """The half-years to open (the last full one first after the current one)."""
    principal = audit.principal
    assert principal is not None
    audit.allowed()
    now = datetime.now(UTC)
    periods = recent_periods(now)
    # A provider sees where its own overviews stand; the inspectorate, which providers sent
    # none by the day of a listed half-year although they gave compulsory care in it.
    delivery = {p: statuses(request, p, periods, now) for p in principal.providers or ()}
    overdue: list[OverdueOverview] | None = None
    if principal.providers is None:
        since = due(periods[-1]).late_from
        overdue = overdue_overviews(ledger_of(request).sql, since, now, None, OVERDUE_SHOWN)
    return render(
        request,
        audit,
        "reports.html",
        periods=[p.name for p in periods],
        next_delivery=next_due(now),
        providers=principal.providers,
        delivery=delivery,
        overdue=overdue,
        overdue_shown=OVERDUE_SHOWN,
        overdue_since=periods[-1].name,
    )


@router.get("/reports/{period}", response_class=HTMLResponse)
def report_page(
    request: Request,
    period: str,
    audit: Annotated[Audit, Depends(page_reader("export report"))],
    provider: ProviderParam = None,
    at_position: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    half = reports.half_year(audit, period)
    who = reports.provider_of(audit, provider or None)
    made = reports.report_of(request, audit, half, who, at_position)
    reports.exported(audit, made)
    position = made.document.binding.position

    def explain_link(location: str | None, form: str) -> str:
        query = {
            "provider": who,
            "location": location if location is not None else WITHOUT_LOCATION,
            "form": form,
            "at_position": position,
        }
        return f"/reports/{half.name}/explain?" + urlencode(query)

    return render(
        request,
        audit,
        "report.html",
        document=made.document,
        section=made.document.body.providers[who],
        provider=who,
        link=explain_link,
        all_locations=ALL_LOCATIONS,
        api_link=f"/api/v1/reports/{half.name}?" + urlencode({"provider": who}),
        delivery=statuses(request, who, [half], datetime.now(UTC)),
    )


@router.get("/reports/{period}/explain", response_class=HTMLResponse)
def explain_page(
    request: Request,
    period: str,
    audit: Annotated[Audit, Depends(page_reader("explain report"))],
    location: Annotated[str, Query(min_length=1, max_length=64)],
    form: Annotated[str, Query(min_length=1, max_length=64)],
    provider: ProviderParam = None,
    at_position: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    half = reports.half_year(audit, period)
    if form not in ALL_CATEGORIES:
        raise audit.invalid(422, f"{form!r} is not a category code")
    who = reports.provider_of(audit, provider or None)
    found = reports.explanation_of(request, audit, half, who, location, form, at_position)
    reports.explained(audit, found)
    principal = audit.principal
    assert principal is not None
    shown: Any = reports.shown_to(principal, found)
    back = f"/reports/{half.name}?" + urlencode({"provider": who, "at_position": found.position})
    return render(
        request, audit, "report_explain.html", e=shown, cells=shown.providers[who], back=back
    )
