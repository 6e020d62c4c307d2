"""`measure-ledger serve`: the HTTP API and the web pages, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING

import structlog

from cli.arg_types import positive_int
from cli.context import open_ledger
from ledger.keys import FeedKeyError, feed_key

if TYPE_CHECKING:
    import uvicorn

Command = Callable[..., argparse.ArgumentParser]
log = structlog.get_logger("measure_ledger.serve")


def register(command: Command) -> None:
    p = command(
        "serve",
        "Serve the HTTP API (/api/v1, OpenAPI at /openapi.json) and the web pages, read by "
        "token per role (see `token create`).",
        data=False,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=positive_int, default=8000, help="port (default 8000)")
    p.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    # Imported here: FastAPI and uvicorn cost about a second, which no other command pays.
    import uvicorn

    from api.app import create_app

    try:
        key: bytes | None = feed_key(args.settings)
    except FeedKeyError as error:
        key = None
        log.warning("inspectorate reads are refused until a feed key is set", reason=str(error))
    with open_ledger(args) as ledger:
        app = create_app(ledger, feed_key=key)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=args.host,
                port=args.port,
                log_config=None,  # our structlog configuration, not uvicorn's own
                access_log=False,  # reads are logged in the access log, without tokens
                proxy_headers=True,
                server_header=False,
            )
        )
        print(
            f"serving {ledger.store.redacted()} on http://{_host(args.host)}:{args.port}/ "
            "(sign in with a token from `measure-ledger token create`; Ctrl-C stops)",
            file=sys.stderr,
        )
        with _stop_on_signals(server):
            try:
                server.run()
            except SystemExit:  # uvicorn exits 3 itself when it cannot listen; ours is 2
                if server.started:
                    raise
    if not server.started:
        print(f"measure-ledger serve: could not listen on {args.host}:{args.port}", file=sys.stderr)
        return 2
    return 0


@contextlib.contextmanager
def _stop_on_signals(server: uvicorn.Server) -> Iterator[None]:
    """SIGTERM (`docker stop`, systemd) and Ctrl-C stop the server gracefully; exit 0.

    uvicorn takes both signals itself while it runs (stop listening, finish the requests in
    hand, run the lifespan shutdown), then sends the signal again to the handler it found,
    so that the process ends as the signal would end it: with Python's default handler
    SIGTERM killed the process (exit -15) before the store was closed. This handler only
    asks the server to stop, so `serve` returns, closes the ledger and exits 0, as
    `consume` does; a signal that arrives while the server is still starting stops it as
    soon as it has started. A second Ctrl-C while it shuts down still forces it (uvicorn's).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only (an in-process test server)
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
