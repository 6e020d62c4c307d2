"""Security headers on every answer, and a logged problem instead of a traceback.

A plain ASGI middleware, not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs
every request through an extra task and a pair of memory streams. Without it (and with
`/healthz` on the event loop) the static route and `/healthz` took about 40% less server CPU
per request in bench/bench_serve.py (docs/serving.md); here a request costs one wrapped `send`.
"""

from __future__ import annotations

from typing import Any

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response

log = structlog.get_logger("measure_ledger.serve")

#: No inline script or style, nothing from another origin: the pages work without scripts.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


#: Bodies other than events (the sign-in and sign-out forms) are a few hundred bytes.
MAX_FORM_BYTES = 64 * 1024


def oversized(scope: Scope) -> Response | None:
    """Refuse a body before it is read: events have their own cap, everything else is tiny."""
    if scope.get("method") not in ("POST", "PUT", "PATCH") or scope.get("path") == (
        "/api/v1/events"
    ):
        return None
    declared = Headers(scope=scope).get("content-length")
    if declared is None:
        return problem_response(411, "send a Content-Length with the body", "length-required")
    if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
        return problem_response(413, "the body is too large for this form", "too-large")
    return None


class Guard:
    """Adds the security headers to each response, refuses an oversized form before it is
    read, and answers an unhandled error with a 500
    problem (the cause goes to the log, never to the client) and logs it as a failed access."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        refused = oversized(scope)
        if refused is not None:
            await refused(scope, receive, send_guarded)
            return
        try:
            await self.app(scope, receive, send_guarded)
        except Exception:
            log.exception("request failed", path=scope.get("path"), method=scope.get("method"))
            audit: Any = (scope.get("state") or {}).get("audit")
            if audit is not None:  # the access log is a database write: not on the event loop
                await run_in_threadpool(audit.failed, "internal error")
            if started:  # half an answer is out: the connection can only be dropped
                raise
            response = problem_response(500, "internal error; the ledger's log has the cause")
            await response(scope, receive, send_guarded)
