"""A measure and an alert: where an officer checks what happened against what the law asks.

Both pages show exactly what the API's detail answers (`api.details`), so a page never shows
a reader more than the JSON would; another provider's measure or alert is the same "not
found" page as one that does not exist, and the attempt is logged as such.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api import details, page_timeline, time_axis
from api.auth import Audit
from api.clock import end_of_day
from api.deps import reader_of
from api.web import page_reader, render
from domain.alerts import Alert
from domain.rulebook import Rulebook
from store.access_log import Subject

router = APIRouter(include_in_schema=False)


def articles(book: Rulebook, alerts: list[Alert]) -> dict[str, str]:
    """Each alert's rule and the article of law (or policy) it rests on."""
    return {a.rule: book.rules[a.rule].source for a in alerts if a.rule in book.rules}


@router.get("/measures/{provider_id}/{measure_id}", response_class=HTMLResponse)
def measure_page(
    request: Request,
    provider_id: str,
    measure_id: str,
    audit: Annotated[Audit, Depends(page_reader("view measure"))],
    alert: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """Header, time axis, timeline and alerts; `alert` (one of its own) marks its evidence."""
    principal, ledger, key = reader_of(audit, request)
    now, book = datetime.now(UTC), ledger.alert_index.index.rulebook
    found = details.logged(
        audit,
        details.measure_detail(ledger.sql, principal, key, provider_id, measure_id, now, book),
        [Subject(provider_id, None, measure_id)],
        "no such measure",
    )
    detail = found.detail
    m = detail.measure
    chosen = next((a for a in detail.alerts if a.alert_id == alert), None)
    evidence = set(chosen.evidence) if chosen else set()
    due = (m.next_deadline, m.next_deadline_rule or "") if m.next_deadline else None
    axis = time_axis.draw(
        detail.timeline,
        detail.alerts,
        found.covering,
        now=now,
        selected=chosen.alert_id if chosen else None,
        next_deadline=due,
    )
    rows = page_timeline.rows(
        detail.timeline, evidence=evidence, late=page_timeline.late_after(book, provider_id)
    )
    return render(
        request,
        audit,
        "measure.html",
        m=m,
        basis=detail.legal_basis,
        alerts=detail.alerts,
        articles=articles(book, detail.alerts),
        selected=chosen,
        axis=Markup(axis),  # noqa: S704  (built by time_axis.draw, every text in it escaped)
        rows=rows,
        late_count=sum(1 for r in rows if r.late_by),
        now=now,
    )


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(
    request: Request,
    alert_id: str,
    audit: Annotated[Audit, Depends(page_reader("view alert"))],
    as_of_date: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    """The alert's sentence, article, rulebook, both moments, its evidence and its measure."""
    principal, ledger, key = reader_of(audit, request)
    as_of = end_of_day(as_of_date)
    found = details.logged(
        audit,
        details.alert_detail(ledger.sql, principal, key, alert_id, as_of),
        [],
        "no such alert",
    )
    a = found.detail.alert
    book = ledger.alert_index.index.rulebook
    rows = page_timeline.rows(
        found.detail.evidence,
        evidence=a.evidence,
        late=page_timeline.late_after(book, a.provider_id),
    )
    return render(
        request,
        audit,
        "alert.html",
        a=a,
        article=articles(book, [a]).get(a.rule, ""),
        as_of=as_of,
        rows=rows,
        orders=[ref for kind, ref in found.refs if kind == "authorization"],
    )
