"""`serve` under load: the real server process, N clients on loopback, beside a static route.

    python bench/bench_serve.py                                  # 100k events, 50 clients, 60 s
    python bench/bench_serve.py --events 20000 --duration 15     # a quick look
    python bench/bench_serve.py --store sqlite:///big.db --events 1000000 --shape local
    python bench/bench_serve.py --store sqlite:///big.db         # again, reusing big.db
    python bench/bench_serve.py --measures 100000 --duration 30  # the alerts page at 100k measures

Builds a SQLite store (bench/shapes.py; `--measures N` takes N measures of the synthetic
year instead) through `measure-ledger ingest`, or reuses `--store` when it holds events (an
empty `--store` is built and kept, so the 1M-event store is built once). Makes a provider
and an inspectorate token with `ledger.tokens.create`, starts `python -m cli --store URL
serve --port FREE` with LEDGER_FEED_KEY set, waits for /readyz, signs in for the pages, and
measures three ways (serve_load.py):

1. sequential: one client, `--samples` requests per route: single-request latency, the
   figure the targets name (API and measure page p99 <= 50 ms at 1M events; an alerts page
   <= 200 ms at 100k measures);
2. solo: `--clients` clients on one route at a time for `--solo-seconds`: its throughput,
   as a share of the static route's (the server's floor: no ledger work at all);
3. mix: `--clients` clients for `--duration` s on every route at once, the soak test.
   Any error (a non-200 answer or a failed connection) in any pass exits 1.

Routes: the API's measure detail (a random measure in the reader's scope), alerts page 1
as of now, the measures list; the HTML alerts page; the HTML measure page of a random
measure in the reader's scope (signed in: a session cookie, as a browser reads it); and as
baselines /static/style.css and /healthz. Each request reads as the provider or the
inspectorate at random. Client and server share
the machine: on 2 cores the client takes a good part of one, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import serve_load
from serve_load import Route, httpx
from shapes import SHAPES, write

from ledger.logging import configure
from ledger.service import Ledger
from synthetic import encode_lines, generate

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Fixture:
    """What the clients need: tokens, sessions, and the measures each reader may open."""

    tokens: dict[str, str]  # reader -> bearer token
    scope: dict[str, list[tuple[str, str]]]  # reader -> (provider_id, measure_id) it may read
    events: int
    measures: int
    sessions: dict[str, str] | None = None  # reader -> session cookie


def build(url: str, args: argparse.Namespace, work: Path) -> dict[str, float]:
    """Write the stream and store it with `measure-ledger ingest` (views and alerts current)."""
    source = work / "events.jsonl"
    if args.measures:
        events = generate(measures=args.measures, seed=args.seed)
        with source.open("wb") as out:
            out.writelines(encode_lines(iter(events), malformed_share=0.0, seed=args.seed))
        del events
    else:
        write(args.shape, source, args.events, args.seed)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cli", "--store", url, "ingest", str(source), "--no-progress",
         "--format", "json"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    source.unlink()
    return {"ingest_s": round(time.perf_counter() - started, 1)}


def prepare(url: str) -> Fixture:
    """Tokens made the ledger's own way, and the measures of the busiest provider."""
    ledger = Ledger(url)
    try:
        with ledger.sql.transaction(commit=False) as c:
            rows = c.execute("SELECT provider_id, measure_id FROM view_status").fetchall()
        events = ledger.app.recorder.max_notification_id() or 0
        everything = [(r["provider_id"], r["measure_id"]) for r in rows]
        if not everything:
            raise SystemExit(f"{url} holds no measures; give another --store or none")
        busiest = Counter(p for p, _ in everything).most_common(1)[0][0]
        now = datetime.now(UTC)
        _, provider_token = ledger.tokens.create("provider", [busiest], "bench_serve", now)
        _, inspectorate_token = ledger.tokens.create("inspectorate", [], "bench_serve", now)
    finally:
        ledger.close()
    return Fixture(
        tokens={"provider": provider_token, "inspectorate": inspectorate_token},
        scope={"provider": [k for k in everything if k[0] == busiest], "inspectorate": everything},
        events=events,
        measures=len(everything),
    )


@contextmanager
def server(url: str, port: int, timeout_s: float, log: Path) -> Iterator[str]:
    """`serve` as its own process, ready (views and alert index current), stopped by SIGTERM.

    Its stderr goes to `log`, a file: a pipe nobody reads fills up and then blocks the
    server in the middle of a request, which would be measured as the server being slow.
    """
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_FEED_KEY_FILE"}
    env |= {"LEDGER_FEED_KEY": secrets.token_hex(32), "LEDGER_LOG_LEVEL": "warning"}
    with log.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "--store", url, "serve", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, timeout_s, log)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"serve exited {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"serve was not ready within {timeout_s:.0f} s")


def sign_in(base: str, token: str) -> str:
    """A page session, the way a browser gets one: the form, its CSRF cookie, the post."""
    with httpx.Client(base_url=base, timeout=10) as http:
        form = http.get("/sign-in")
        csrf = re.search(r'name="form_csrf" value="([^"]+)"', form.text)
        if csrf is None:
            raise SystemExit("the sign-in form has no form_csrf field")
        answer = http.post("/sign-in", data={"token": token, "form_csrf": csrf.group(1)})
        session = answer.cookies.get("ml_session")
        if answer.status_code != 303 or not session:
            raise SystemExit(f"sign-in refused: HTTP {answer.status_code}")
        return session


def routes(fixture: Fixture) -> list[Route]:
    sessions = fixture.sessions or {}

    def reader(rng: random.Random) -> str:
        return "provider" if rng.random() < 0.5 else "inspectorate"

    def api(path: str) -> serve_load.Target:
        def target(rng: random.Random) -> tuple[str, dict[str, str]]:
            return path, {"Authorization": f"Bearer {fixture.tokens[reader(rng)]}"}

        return target

    def measure(prefix: str, page: bool) -> serve_load.Target:
        def target(rng: random.Random) -> tuple[str, dict[str, str]]:
            who = reader(rng)
            provider_id, measure_id = rng.choice(fixture.scope[who])
            path = f"{prefix}/{provider_id}/{measure_id}"
            if page:
                return path, {"Cookie": f"ml_session={sessions[who]}"}
            return path, {"Authorization": f"Bearer {fixture.tokens[who]}"}

        return target

    def page(path: str) -> serve_load.Target:
        return lambda rng: (path, {"Cookie": f"ml_session={sessions[reader(rng)]}"})

    return [
        Route("api measure", measure("/api/v1/measures", page=False)),
        Route("api alerts p1", api("/api/v1/alerts")),
        Route("api measures", api("/api/v1/measures")),
        Route("page alerts", page("/alerts")),
        Route("page measure", measure("/measures", page=True)),
        Route("static css", lambda _rng: ("/static/style.css", {}), baseline=True),
        Route("healthz", lambda _rng: ("/healthz", {}), baseline=True),
    ]


def measure_all(base: str, fixture: Fixture, args: argparse.Namespace) -> dict:
    fixture.sessions = {who: sign_in(base, token) for who, token in fixture.tokens.items()}
    chosen = routes(fixture)
    seq = asyncio.run(serve_load.sequential(base, chosen, args.samples, args.seed))
    solo: dict[str, dict] = {}
    for route in chosen:
        found, _ = asyncio.run(
            serve_load.closed_loop(base, [route], args.clients, args.solo_seconds, args.seed)
        )
        solo |= found
    floor = solo["static css"]["req_per_s"] or 1.0
    for summary in solo.values():
        summary["x_static"] = round(summary["req_per_s"] / floor, 3)
    mix, span = asyncio.run(
        serve_load.closed_loop(base, chosen, args.clients, args.duration, args.seed)
    )
    return {
        "sequential": seq,
        "solo": solo,
        "mix": mix,
        "mix_total": serve_load.total(mix, span) | {"seconds": round(span, 1)},
    }


def holds_events(url: str) -> bool:
    ledger = Ledger(url)
    try:
        return bool(ledger.app.recorder.max_notification_id())
    finally:
        ledger.close()


def run(args: argparse.Namespace, work: Path) -> dict:
    url = args.store or f"sqlite:///{work / 'ledger.db'}"
    built = {} if args.store and holds_events(url) else build(url, args, work)
    fixture = prepare(url)
    log = work / "serve.log"
    with server(url, serve_load.free_port(), args.ready_timeout, log) as base:
        found = measure_all(base, fixture, args)
    errors = [line for line in log.read_text().splitlines() if '"error"' in line or "Error" in line]
    return {
        "store": "reused" if args.store and not built else "built",
        **built,
        "events": fixture.events,
        "measures": fixture.measures,
        "provider_measures": len(fixture.scope["provider"]),
        "clients": args.clients,
        "cpus": os.cpu_count(),
        **found,
        "server_errors": errors[-5:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="about this many events")
    parser.add_argument(
        "--measures", type=int, default=None, help="build N measures instead of --events"
    )
    parser.add_argument("--shape", choices=SHAPES, default="interleaved")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--store", default=None, help="reuse it if it holds events, else build into it and keep it"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the mix")
    parser.add_argument("--solo-seconds", type=float, default=5.0, help="seconds per route alone")
    parser.add_argument("--samples", type=int, default=200, help="sequential requests per route")
    parser.add_argument("--ready-timeout", type=float, default=600.0)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    configure("warning")
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args, Path(tmp))
    if args.format == "json":
        print(json.dumps(result))
    else:
        serve_load.table(result)
    errors = serve_load.errors_of(result)
    if errors:
        print(f"{errors} requests failed", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
