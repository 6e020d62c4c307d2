"""What the pages share: templates, the Amsterdam clock, and the signed-in reader.

Pages read through the same `Audit` as the API, so each page that shows client data is in
the access log before it is sent. A page asked for without a session goes to the sign-in
form (and the refusal is logged); a reader whose role has no pages is told so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.auth import READERS, Audit, resolve
from api.clock import duration, local, local_date

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescapes .html
TEMPLATES.env.filters["local"] = local
TEMPLATES.env.filters["local_date"] = local_date
TEMPLATES.env.filters["duration"] = duration


class SignInRequiredError(Exception):
    """No session: the page answers with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def to_sign_in(_request: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, SignInRequiredError)
    return RedirectResponse(f"/sign-in?next={quote(error.next_path, safe='')}", status_code=303)


def page_reader(action: str, roles: Sequence[str] = READERS) -> Callable[[Request], Audit]:
    """A dependency for pages: the session's reader with one of `roles`, or a logged refusal."""

    def dependency(request: Request) -> Audit:
        principal = resolve(request)
        audit = Audit(request, action, principal)
        if principal is None or principal.session is None:
            audit.denied(401, "no session")
            query = request.url.query
            raise SignInRequiredError(request.url.path + (f"?{query}" if query else ""))
        if principal.role not in roles:
            raise audit.denied(403, f"the role {principal.role!r} has no such page")
        request.state.audit = audit
        return audit

    return dependency


def render(
    request: Request, audit: Audit, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    principal = audit.principal
    context.update(
        request=request,
        principal=principal,
        csrf=principal.session.csrf if principal and principal.session else "",
    )
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)
