"""`measure-ledger serve`: the HTTP API and the web pages, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import structlog

from cli.arg_types import positive_int
from cli.context import open_ledger
from ledger.keys import FeedKeyError, feed_key

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
        print(
            f"serving {ledger.store.redacted()} on http://{_host(args.host)}:{args.port}/ "
            "(sign in with a token from `measure-ledger token create`; Ctrl-C stops)",
            file=sys.stderr,
        )
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_config=None,  # our structlog configuration, not uvicorn's own
            access_log=False,  # reads are logged in the access log, without tokens
            proxy_headers=True,
            server_header=False,
        )
    return 0


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
