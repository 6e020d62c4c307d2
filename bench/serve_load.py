"""The load half of bench_serve.py: HTTP clients on loopback, what they measured, the table.

Closed loop: each of N clients sends its next request as soon as the last one answered,
over its own kept-alive connection (one `httpx2.AsyncClient`, a pool of N connections, N
tasks). That is the harshest steady load N users can make, and it means latency under load
is N / throughput: the sequential pass (one client) is where single-request latency is read.

The client runs in this process, on the same two cores as the server, so it takes CPU the
server would otherwise have: the figures are a floor for the server, never a ceiling.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

try:  # the test extras install httpx2 (same API as httpx); plain httpx works too
    import httpx2 as httpx
except ImportError:  # pragma: no cover - depends on the environment
    import httpx  # type: ignore[no-redef]

#: (path, headers) of one request; drawn anew for every request (e.g. a random measure).
Target = Callable[[random.Random], tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class Route:
    name: str
    target: Target
    baseline: bool = False  # a route that does no ledger work: the floor to compare with


@dataclass
class Tally:
    """Latencies (ms) of the answered requests, and what went wrong with the others."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)

    def fail(self, why: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 3:
            self.first_errors.append(why)

    def summary(self, seconds: float) -> dict[str, Any]:
        done = len(self.latencies) + self.errors
        return {
            "requests": done,
            "errors": self.errors,
            "req_per_s": round(done / seconds, 1) if seconds else 0.0,
            "p50_ms": round(percentile(self.latencies, 0.50), 2),
            "p99_ms": round(percentile(self.latencies, 0.99), 2),
            "max_ms": round(max(self.latencies, default=0.0), 2),
            **({"first_errors": self.first_errors} if self.first_errors else {}),
        }


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(share * len(ordered) + 0.999999) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client(base_url: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0)


async def _one(
    http: httpx.AsyncClient, route: Route, rng: random.Random, tally: Tally
) -> float | None:
    """One request; its latency in ms, or None when it failed (counted in `tally`)."""
    path, headers = route.target(rng)
    started = time.perf_counter()
    try:
        response = await http.get(path, headers=headers)
        await response.aread()
    except httpx.HTTPError as error:
        tally.fail(f"{path}: {type(error).__name__}: {error}")
        return None
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        tally.fail(f"{path}: HTTP {response.status_code} {response.text[:120]!r}")
        return None
    tally.latencies.append(elapsed)
    return elapsed


async def sequential(
    base_url: str, routes: Sequence[Route], samples: int, seed: int
) -> dict[str, dict[str, Any]]:
    """One client, `samples` requests per route in turn: latency with nobody else asking.

    The first request of each route is kept apart as `cold_ms` (templates compiled, pages of
    the store read for the first time) and left out of the percentiles.
    """
    tallies = {r.name: Tally() for r in routes}
    cold: dict[str, float | None] = {}
    rng = random.Random(seed)
    async with client(base_url, 1) as http:
        for route in routes:
            first = await _one(http, route, rng, tallies[route.name])
            cold[route.name] = None if first is None else round(first, 2)
            if first is not None:
                tallies[route.name].latencies.clear()
            for _ in range(samples):
                await _one(http, route, rng, tallies[route.name])
    return {
        name: {k: v for k, v in t.summary(0.0).items() if k != "req_per_s"}
        | {"cold_ms": cold[name]}
        for name, t in tallies.items()
    }


async def closed_loop(
    base_url: str, routes: Sequence[Route], clients: int, seconds: float, seed: int
) -> tuple[dict[str, dict[str, Any]], float]:
    """`clients` clients for `seconds`, each request on a route drawn uniformly from `routes`.

    Returns per route its summary, and the wall time the requests took (the last answers
    arrive a little after the deadline; rates divide by the real span).
    """
    tallies = {r.name: Tally() for r in routes}
    deadline = time.perf_counter() + seconds

    async def worker(n: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(seed * 1000 + n)
        while time.perf_counter() < deadline:
            route = rng.choice(routes)
            await _one(http, route, rng, tallies[route.name])

    started = time.perf_counter()
    async with client(base_url, clients) as http:
        await asyncio.gather(*(worker(n, http) for n in range(clients)))
    span = time.perf_counter() - started
    return {name: t.summary(span) for name, t in tallies.items()}, span


def total(results: dict[str, dict[str, Any]], span: float) -> dict[str, Any]:
    requests = sum(r["requests"] for r in results.values())
    errors = sum(r["errors"] for r in results.values())
    return {"requests": requests, "errors": errors, "req_per_s": round(requests / span, 1)}


def errors_of(result: dict) -> int:
    return sum(r["errors"] for part in ("sequential", "solo", "mix") for r in result[part].values())


def table(result: dict) -> None:
    print(
        f"store: {result['store']}, {result['events']} events, {result['measures']} measures "
        f"({result['provider_measures']} of the provider read); {result['clients']} clients; "
        f"{result['cpus']} CPUs shared by server and client"
    )
    head = f"{'route':<14}"
    print(f"\n{head}{'sequential: cold':>17} {'p50':>7} {'p99':>7} {'max':>7} ms   (1 client)")
    for name, r in result["sequential"].items():
        print(f"{name:<14}{r['cold_ms'] or 0:>17.1f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
              f"{r['max_ms']:>7.1f}")  # fmt: skip
    print(f"\n{head}{'solo: requests':>15} {'errors':>7} {'req/s':>8} {'p50':>7} {'p99':>7} ms"
          f"{'× static req/s':>16}")  # fmt: skip
    for name, r in result["solo"].items():
        print(f"{name:<14}{r['requests']:>15} {r['errors']:>7} {r['req_per_s']:>8.1f} "
              f"{r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f}{r['x_static']:>19.3f}")  # fmt: skip
    mix = result["mix_total"]
    print(f"\n{head}{'mix: requests':>15} {'errors':>7} {'req/s':>8} {'p50':>7} {'p99':>7} ms"
          f"   ({mix['seconds']} s, {mix['req_per_s']} req/s in all)")  # fmt: skip
    for name, r in result["mix"].items():
        print(f"{name:<14}{r['requests']:>15} {r['errors']:>7} {r['req_per_s']:>8.1f} "
              f"{r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f}")  # fmt: skip
    for part in ("sequential", "solo", "mix"):
        for name, r in result[part].items():
            for why in r.get("first_errors", []):
                print(f"error ({part}, {name}): {why}")
    for line in result["server_errors"]:
        print(f"server log: {line[:400]}")
