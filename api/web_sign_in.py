"""Signing in with a token and out again: the only forms of the pages.

The token is posted once and never kept by the browser: it becomes a server-side session
whose id travels in an HttpOnly, SameSite=Strict cookie (Secure behind TLS). The sign-in form
carries a per-visit CSRF value bound to a cookie; signing out needs the session's CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Audit
from api.sessions import COOKIE, MAX_AGE_S, same_csrf
from api.web import TEMPLATES

router = APIRouter(include_in_schema=False)
_FORM_COOKIE = "ml_signin"
_ROLE_HOME = {"provider": "/", "inspectorate": "/", "privacy": "/access-log"}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(path: str | None) -> str:
    """Only a path of this site: never an open redirect to another one."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/", error: str | None = None) -> Response:
    value = secrets.token_urlsafe(24)
    response = TEMPLATES.TemplateResponse(
        request,
        "sign_in.html",
        {
            "request": request,
            "form_csrf": value,
            "next": _safe_next(next),
            "error": error,
            "principal": None,
            "csrf": "",
        },
        status_code=401 if error else 200,
    )
    response.set_cookie(
        _FORM_COOKIE,
        value,
        max_age=900,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/sign-in",
    )
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    form_csrf: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    expected = request.cookies.get(_FORM_COOKIE)
    if expected is None or not secrets.compare_digest(expected, form_csrf):
        return RedirectResponse("/sign-in?error=expired", status_code=303)
    record = request.app.state.ledger.tokens.authenticate(token.strip())
    if record is None or record.role == "ingest":
        Audit(request, "sign in", None).denied(401, "bad token")
        return sign_in_form(request, next=_safe_next(next), error="refused")
    session = request.app.state.sessions.start(record.token_id)
    from api.auth import Principal

    Audit(request, "sign in", Principal(record, session)).allowed()
    home = _ROLE_HOME.get(record.role, "/")
    target = _safe_next(next) if record.role != "privacy" else home
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        session.session_id,
        max_age=int(MAX_AGE_S),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(_FORM_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    sessions = request.app.state.sessions
    session = sessions.get(request.cookies.get(COOKIE))
    if session is not None and same_csrf(session, csrf):
        sessions.end(session.session_id)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
