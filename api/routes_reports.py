"""`GET /api/v1/reports/{period}`: the half-year overview in every format, and its cells explained.

The same bound document as `measure-ledger report` (docs/report.md): made at a signed
checkpoint (or `at_position`), the same bytes as the CLI's `--format json|csv|xml`. Every
read is logged as an export of every client in it (NEN 7513).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from api import reports
from api.auth import Audit, audited
from api.deps import PRINTABLE, ProviderQuery
from api.problems import responses
from domain.codes import Category
from domain.report.csv_mapping import csv_text
from domain.report.document import ReportDocument, serialise
from domain.report.explain_model import Explanation
from domain.report.xml_mapping import to_xml

router = APIRouter(prefix="/api/v1", tags=["reports"])

PeriodPath = Annotated[
    str, Path(pattern=r"^\d{4}H[12]$", description="A half-year: 2026H1 or 2026H2.")
]
AtPosition = Annotated[
    int | None,
    Query(
        ge=1,
        description="Count the events at positions <= N (default: the latest signed checkpoint).",
    ),
]
Law = Annotated[Literal["wzd", "wvggz", "jeugdwet"] | None, Query(description="With format=xml.")]
LocationCell = Annotated[
    str,
    Query(
        min_length=1,
        max_length=64,
        pattern=PRINTABLE,
        description="A location_id, `(none)` or `(all)`.",
    ),
]
ERRORS = responses(401, 403, 404, 409, 422, 503)
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xml": "application/xml",
}


@router.get(
    "/reports/{period}",
    response_class=JSONResponse,
    responses={
        200: {
            "model": ReportDocument,
            "description": "The bound report (`schema/measure-ledger-report-v1.json`), or its "
            "CSV (`format=csv`), or one law's XML (`format=xml&law=...`, valid against "
            "`schema/report-{law}-v1.xsd`).",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/xml": {"schema": {"type": "string"}},
            },
        },
        **ERRORS,
    },
)
def get_report(
    request: Request,
    audit: Annotated[Audit, Depends(audited("export report"))],
    period: PeriodPath,
    format: Literal["json", "csv", "xml"] = "json",
    law: Law = None,
    at_position: AtPosition = None,
    provider: ProviderQuery = None,
) -> Response:
    """One provider's overview of a half-year; `provider` may be left out by a token of one."""
    half = reports.half_year(audit, period)
    if (format == "xml") != (law is not None):
        raise audit.invalid(422, "format=xml and law go together: one XML file per law")
    who = reports.provider_of(audit, provider)
    made = reports.report_of(request, audit, half, who, at_position)
    if format == "xml":
        assert law is not None
        content = to_xml(made.document, who, law)
    elif format == "csv":
        content = csv_text(made.document)
    else:
        content = serialise(made.document)
    reports.exported(audit, made)
    name = f"report-{half.name}{'-' + law if law else ''}.{format}"
    return Response(
        content,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/{period}/explain", response_model=Explanation, responses=ERRORS)
def explain_report(
    request: Request,
    audit: Annotated[Audit, Depends(audited("explain report"))],
    period: PeriodPath,
    location: LocationCell,
    form: Annotated[Category, Query(description="A category code.")],
    at_position: AtPosition = None,
    provider: ProviderQuery = None,
) -> Explanation:
    """The measures and events behind one cell, and what was left out and why.

    The inspectorate is shown the clients only by their report pseudonyms.
    """
    half = reports.half_year(audit, period)
    who = reports.provider_of(audit, provider)
    found = reports.explanation_of(request, audit, half, who, location, form, at_position)
    reports.explained(audit, found)
    principal = audit.principal
    assert principal is not None
    return reports.shown_to(principal, found)
