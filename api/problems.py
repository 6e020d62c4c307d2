"""Errors as RFC 9457 problem details, one shape for every refusal of the API.

A provider's engineer and the inspectorate's tooling read `type`, `title`, `status` and
`detail`; nothing in a problem ever says whether another provider's object exists (a
measure of another provider is "not found", worded exactly like one that does not exist).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"
_BASE = "https://measure-ledger.example/problems/"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed for this role",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    411: "Length required",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    500: "Internal error",
    503: "Not available",
}


class Problem(BaseModel):
    """RFC 9457 problem details (application/problem+json)."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, and how to fix it.")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Per-parameter problems of an invalid request."
    )


class ProblemError(Exception):
    """Raised by a route: answered as a problem with this status and detail."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or TITLES.get(status, "error").lower().replace(" ", "-")


def problem_response(
    status: int, detail: str, slug: str | None = None, **extra: Any
) -> JSONResponse:
    title = TITLES.get(status, "Error")
    body = Problem(
        type=_BASE + (slug or title.lower().replace(" ", "-")),
        title=title,
        status=status,
        detail=detail,
        **extra,
    ).model_dump(exclude_none=True)
    headers = {"WWW-Authenticate": 'Bearer realm="measure-ledger"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def on_api_problem(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    return problem_response(error.status, error.detail, error.slug)


async def on_http_exception(_request: Request, error: Exception) -> JSONResponse:
    """Starlette's own refusals (no route, wrong method) as problems, keeping their headers:
    a 405 must still name the methods that are allowed (`Allow`, RFC 9110)."""
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code, "")
    response = problem_response(error.status_code, detail)
    for name, value in (error.headers or {}).items():
        response.headers.setdefault(name, value)
    return response


async def on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    """A bad query parameter names the parameter and why; never echoes a token or body."""
    assert isinstance(error, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in error.errors()
    ]
    where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
    return problem_response(422, f"invalid request: {where}", "invalid-request", errors=errors)


PROBLEM_REF = "#/components/schemas/Problem"


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Problem answers for the OpenAPI: every route documents the refusals it can give.

    Only as application/problem+json, the media type they are sent with: FastAPI's `model`
    would document them as application/json, so a client's validator (and schemathesis)
    would never check a problem's body. The app adds `Problem` to the components.
    """
    return {
        s: {
            "description": TITLES[s],
            "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
        }
        for s in statuses
    }


#: The refusals of the lists of client data (measures, alerts: a bad cursor is a 400) and of
#: one object of it (404). 503: the inspectorate reads clients as client_ref, which needs
#: the feed key (docs/serving.md).
LIST_ERRORS = responses(400, 401, 403, 422, 503)
ERRORS = responses(401, 403, 404, 422, 503)
