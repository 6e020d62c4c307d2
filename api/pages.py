"""The overview, the alerts and the measures list: the pages opened every morning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api import shaping
from api.auth import Audit
from api.clock import end_of_day
from api.deps import feed_key_of, ledger_of
from api.web import page_reader, render
from projections import api_reads
from projections.api_reads import SEVERITY_ORDER, CursorError
from projections.deadline_reads import deadlines_as_of
from store.access_log import Subject

router = APIRouter(include_in_schema=False)
Reader = Annotated[Audit, Depends(page_reader("view overview"))]
#: What the overview lists as falling due: (heading, days ahead), the widest last.
DUE_WINDOWS = (("Next 7 days", 7), ("Next 30 days", 30))


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, audit: Reader) -> HTMLResponse:
    principal = audit.principal
    assert principal is not None
    ledger = ledger_of(request)
    sql, scope = ledger.sql, principal.providers
    now = datetime.now(UTC)
    widest = timedelta(days=DUE_WINDOWS[-1][1])
    due = due_windows(api_reads.due(sql, scope, as_of=now, within=widest), now)
    rejects = None
    if principal.role == "provider":
        rejects = api_reads.rejects(sql, scope, limit=5).items
    positions = ledger.projection_positions()
    head = ledger.app.recorder.max_notification_id() or 0
    audit.allowed([Subject(p) for p in (scope or ())])
    return render(
        request,
        audit,
        "overview.html",
        as_of=now,
        alert_counts=api_reads.alert_counts(sql, scope, now),
        due=due,
        phases=api_reads.phase_counts(sql, scope),
        rejects=rejects,
        last_ingest=api_reads.last_ingest(sql, scope),
        checkpoint=ledger.checkpoints.latest(),
        verified=ledger.verify_runs.latest(),
        ready=positions.views >= head and positions.alerts >= head,
    )


def due_windows(
    rows: list[dict[str, Any]], as_of: datetime
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each window of DUE_WINDOWS from one read of the widest, soonest first.

    `rows` are `api_reads.due` of the widest window: sorted by deadline, so each narrower
    window is a prefix of them, the same rows (and as many, up to the read's limit) as its
    own read would give. Deadlines are compared as instants, not as text with its offset.
    """
    return [
        (label, [r for r in rows if _instant(r["next_deadline"]) <= as_of + timedelta(days=d)])
        for label, d in DUE_WINDOWS
    ]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    audit: Annotated[Audit, Depends(page_reader("list alerts"))],
    as_of_date: Annotated[date | None, Query()] = None,
    min_severity: Annotated[str | None, Query(max_length=10)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    framework: Annotated[str | None, Query(max_length=10)] = None,
    location: Annotated[str | None, Query(max_length=64)] = None,
    all: bool = False,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> HTMLResponse:
    principal = audit.principal
    assert principal is not None
    ledger = ledger_of(request)
    book = ledger.alert_index.index.rulebook
    filters: dict[str, Any] = {
        "min_severity": min_severity if min_severity in SEVERITY_ORDER else None,
        "rule": rule if rule in book.rules else None,
        "framework": framework if framework in ("wzd", "wvggz", "jeugdwet") else None,
        "location": location or None,
        "all": all,
    }
    as_of = end_of_day(as_of_date)
    try:
        page = api_reads.alerts(
            ledger.sql,
            principal.providers,
            as_of=as_of,
            include_resolved=all,
            min_severity=filters["min_severity"],
            rule=filters["rule"],
            framework=filters["framework"],
            location=filters["location"],
            limit=100,
            cursor=cursor,
        )
    except CursorError:
        page = api_reads.Page(items=[], next_cursor=None)
    key = feed_key_of(request)
    shown = [shaping.alert(principal, key, r.alert, r.client_id) for r in page.items]
    audit.allowed(
        [Subject(r.alert.provider_id, r.client_id, r.alert.measure_id) for r in page.items]
    )
    query = {k: v for k, v in filters.items() if v} | {"cursor": page.next_cursor or ""}
    if as_of_date:
        query["as_of_date"] = as_of_date.isoformat()
    return render(
        request,
        audit,
        "alerts.html",
        as_of=as_of,
        as_of_date=as_of_date.isoformat() if as_of_date else "",
        alerts=shown,
        filters=filters,
        severities=SEVERITY_ORDER,
        rules=sorted(book.rules),
        articles={r: info.source for r, info in book.rules.items()},
        next_cursor=page.next_cursor,
        next_link="/alerts?" + urlencode(query),
    )


@router.get("/measures", response_class=HTMLResponse)
def measures_page(
    request: Request,
    audit: Annotated[Audit, Depends(page_reader("list measures"))],
    framework: Annotated[str | None, Query(max_length=10)] = None,
    phase: Annotated[str | None, Query(max_length=40)] = None,
    location: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> HTMLResponse:
    principal = audit.principal
    assert principal is not None
    filters = {"framework": framework or None, "phase": phase or None, "location": location or None}
    ledger, now = ledger_of(request), datetime.now(UTC)
    try:
        page = api_reads.measures(
            ledger.sql,
            principal.providers,
            as_of=now,
            overdue=overdue or None,
            limit=100,
            cursor=cursor,
            **filters,
        )
    except CursorError:
        page = api_reads.Page(items=[], next_cursor=None)
    key = feed_key_of(request)
    as_of_now = deadlines_as_of(ledger.sql, ledger.alert_index.index.rulebook, page.items, now)
    rows = [shaping.measure(principal, key, row) for row in as_of_now]
    audit.allowed(shaping.measure_subjects(page.items))
    query = {k: v for k, v in filters.items() if v} | {"cursor": page.next_cursor or ""}
    return render(
        request,
        audit,
        "measures.html",
        measures=rows,
        filters=filters,
        overdue=overdue,
        next_cursor=page.next_cursor,
        next_link="/measures?" + urlencode(query),
    )
