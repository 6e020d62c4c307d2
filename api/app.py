"""The ASGI application of `serve`: the API under /api/v1, the pages, health and OpenAPI.

One `Ledger` serves every request (its store pools connections); a background thread keeps
the views and alert index current when another process (`ingest`, `consume`) writes, so a
page never shows alerts judged on half the facts — `/readyz` says when it is behind.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import (
    pages,
    pages_ledger,
    pages_measure,
    pages_records,
    pages_report,
    routes_alerts,
    routes_measures,
    routes_ops,
    routes_reports,
    web_sign_in,
)
from api.auth import Audit
from api.guard import Guard
from api.problems import (
    Problem,
    ProblemError,
    on_api_problem,
    on_http_exception,
    on_validation_error,
)
from api.sessions import Sessions
from api.web import TEMPLATES, SignInRequiredError, to_sign_in
from ledger.service import Ledger

log = structlog.get_logger("measure_ledger.serve")

REFRESH_INTERVAL_S = 2.0
#: Connections kept back from the worker threads: the refresher's, and one to spare.
RESERVED_CONNECTIONS = 2


def worker_threads(ledger: Ledger) -> int:
    """As many threads for the sync routes as the store's pool has connections, less a few.

    anyio's default is 40 threads; the SQLite pool hands out 15 connections, PostgreSQL's
    14. With slow reads (a measure of a provider with 30k measures took 2 s) the threads
    beyond the pool waited for a connection until the pool gave up, and answered 500
    (ConnectionUnavailableError, bench/bench_serve.py --measures 100000). With no more
    threads than connections a request waits on the event loop instead, where nothing
    times out, and more threads would not read faster under the GIL anyway.
    """
    connections = ledger.store.pool_connections(ledger.sql.datastore)
    return max(2, connections - RESERVED_CONNECTIONS)


class Refresher:
    """Brings views and alerts up to what other processes stored, every few seconds."""

    def __init__(self, ledger: Ledger, lock: threading.Lock, interval_s: float) -> None:
        self.ledger = ledger
        self.lock = lock
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def once(self) -> None:
        with self.lock:
            self.ledger.catch_up()
            if self.ledger.alerts_behind():
                self.ledger.refresh_alerts()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.once()
            except Exception:  # keep serving; /readyz shows the views falling behind
                log.exception("refresh failed")


def _logged(
    handler: Callable[[Request, Exception], Awaitable[Response]],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """An invalid request of a signed-in reader is a failed access, logged like the others."""

    async def handle(request: Request, error: Exception) -> Response:
        audit: Audit | None = getattr(request.state, "audit", None)
        if audit is not None:
            audit.failed("invalid request")
        return await handler(request, error)

    return handle


def _html_for_pages(
    handler: Callable[[Request, Exception], Awaitable[Response]],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """A refusal on a page is a page (the same words as the API's problem detail)."""

    async def handle(request: Request, error: Exception) -> Response:
        if request.url.path.startswith("/api/") or not isinstance(error, ProblemError):
            return await handler(request, error)
        title = {403: "Not allowed", 404: "Not found"}.get(error.status, "Refused")
        audit: Audit | None = getattr(request.state, "audit", None)
        principal = audit.principal if audit is not None else None
        session = principal.session if principal is not None else None
        context = {
            "request": request,
            "principal": principal if session is not None else None,
            "csrf": session.csrf if session is not None else "",
            "title": title,
            "detail": error.detail,
        }
        return TEMPLATES.TemplateResponse(request, "error.html", context, status_code=error.status)

    return handle


def _with_problem(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document with the `Problem` schema the error responses refer to (they name
    it by reference, under application/problem+json, so FastAPI does not add it itself)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        return app.openapi_schema  # type: ignore[return-value]

    return openapi


def create_app(
    ledger: Ledger,
    *,
    feed_key: bytes | None = None,
    refresh_interval_s: float | None = REFRESH_INTERVAL_S,
) -> FastAPI:
    """`refresh_interval_s=None`: no background refresh (tests that drive it themselves)."""
    lock = threading.Lock()
    refresher = Refresher(ledger, lock, refresh_interval_s or REFRESH_INTERVAL_S)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads(ledger)
        refresher.once()
        if refresh_interval_s is not None:
            refresher.start()
        try:
            yield
        finally:
            if refresh_interval_s is not None:
                refresher.stop()

    app = FastAPI(
        title="measure-ledger",
        version="1",
        description=(
            "Read the audit ledger of compulsory care by role (provider, inspectorate, "
            "privacy) and send events (ingest). Every read of client data is logged."
        ),
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI loads scripts from a CDN: not here
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ledger = ledger
    app.state.feed_key = feed_key
    app.state.sessions = Sessions()
    app.state.write_lock = lock
    app.state.refresher = refresher
    app.add_exception_handler(ProblemError, _html_for_pages(on_api_problem))
    app.add_exception_handler(SignInRequiredError, to_sign_in)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, _logged(on_validation_error))
    app.include_router(routes_measures.router)
    app.include_router(routes_alerts.router)
    app.include_router(routes_ops.router)
    app.include_router(routes_reports.router)
    app.include_router(routes_ops.health)
    app.include_router(web_sign_in.router)
    app.include_router(pages.router)
    app.include_router(pages_measure.router)
    app.include_router(pages_records.router)
    app.include_router(pages_ledger.router)
    app.include_router(pages_report.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.openapi = _with_problem(app)  # type: ignore[method-assign]

    app.add_middleware(Guard)

    return app
