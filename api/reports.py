"""What the report route and the report pages share: whose report, made how, logged as what.

A provider reads the reports of its own providers; the inspectorate, which receives them as
delivered files, reads any provider's (docs/report.md, "Over HTTP"). A report names clients
only by their report pseudonyms, so it is the same document for both roles; an explanation
also names the provider's pseudonyms, which the inspectorate is not shown. Another
provider's report is "not found", worded exactly like a provider that does not exist.
Reading a report is an export of every client in it: each is a subject of the access log.
"""

from __future__ import annotations

from fastapi import Request

from api.auth import Audit, Principal
from api.deps import ledger_of
from api.problems import ProblemError
from domain.report.explain_model import ExplainedCell, Explanation
from domain.report.period import HalfYear, PeriodError
from ledger.report_reads import clients_in, explain_cell
from ledger.reporting import BindingError, Made, ReportError, make_report
from store.access_log import Subject

NO_REPORT = "no report of that provider"


def provider_of(audit: Audit, asked: str | None) -> str:
    """The one provider whose report is read: asked for, or the token's only one."""
    principal = audit.principal
    assert principal is not None
    if asked is not None:
        if not principal.may_see(asked):
            raise audit.not_found([Subject(asked)], NO_REPORT)
        return asked
    scope = principal.providers
    if scope is not None and len(scope) == 1:
        return scope[0]
    choices = f": one of {', '.join(scope)}" if scope else ""
    raise audit.invalid(422, f"name the provider (?provider=...){choices}", slug="no-provider")


def half_year(audit: Audit, period: str) -> HalfYear:
    try:
        return HalfYear.parse(period)
    except PeriodError as error:
        raise audit.invalid(422, str(error), slug="bad-period") from None


def _position(request: Request, at_position: int | None) -> int | None:
    """The position to count at (the latest checkpoint's unless asked), with the views
    brought up to it under the write lock, as the refresher does; the report itself is
    made outside the lock, which it would hold for seconds (docs/report.md, Benchmark).
    None: no checkpoint yet (the report says so)."""
    ledger = ledger_of(request)
    latest = ledger.checkpoints.latest()
    at = at_position if at_position is not None else (latest.position if latest else None)
    if at is not None and ledger.views.position() < at:
        with request.app.state.write_lock:
            ledger.catch_up()
    return at


def report_of(
    request: Request, audit: Audit, period: HalfYear, provider: str, at_position: int | None
) -> Made:
    """The bound report at the latest checkpoint (or `at_position`)."""
    ledger = ledger_of(request)
    try:
        return make_report(ledger, period, _position(request, at_position), provider)
    except ReportError as error:
        raise audit.invalid(422, str(error), slug="no-report") from None
    except BindingError as error:
        audit.failed(str(error))
        raise ProblemError(409, str(error), slug="ledger-changed") from None


def exported(audit: Audit, made: Made) -> None:
    """Log the read as an export of every client in the report (and of its provider)."""
    providers = [Subject(p) for p in made.document.body.providers]
    audit.allowed([*providers, *(Subject(p, c, None) for p, c in clients_in(made))])


def explanation_of(
    request: Request,
    audit: Audit,
    period: HalfYear,
    provider: str,
    location: str,
    form: str,
    at_position: int | None,
) -> Explanation:
    ledger = ledger_of(request)
    try:
        at = _position(request, at_position)
        found = explain_cell(ledger, period, location, form, at, provider)
    except ReportError as error:
        raise audit.invalid(422, str(error), slug="no-report") from None
    except BindingError as error:
        audit.failed(str(error))
        raise ProblemError(409, str(error), slug="ledger-changed") from None
    return found


def shown_to(principal: Principal, explanation: Explanation) -> Explanation:
    """The inspectorate sees the report pseudonyms only: the provider's are taken out."""
    if principal.role == "provider":
        return explanation
    return explanation.model_copy(
        update={
            "providers": {
                p: [_without_client_ids(cell) for cell in cells]
                for p, cells in explanation.providers.items()
            }
        }
    )


def _without_client_ids(cell: ExplainedCell) -> ExplainedCell:
    return cell.model_copy(
        update={
            "measures": [m.model_copy(update={"client_id": None}) for m in cell.measures],
            "left_out": [i.model_copy(update={"client_id": None}) for i in cell.left_out],
        }
    )


def explained(audit: Audit, explanation: Explanation) -> None:
    """Log every client the explanation names (counted or left out)."""
    subjects = {
        Subject(p, item.client_id, item.measure_id)
        for p, cells in explanation.providers.items()
        for cell in cells
        for item in [*cell.measures, *cell.left_out]
        if item.client_id is not None
    }
    providers = [Subject(p) for p in explanation.providers]
    ordered = sorted(subjects, key=lambda s: (s.client_id or "", s.measure_id or ""))
    audit.allowed([*providers, *ordered])
