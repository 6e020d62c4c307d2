"""A seeded, reproducible synthetic provider stream of `measure-event/v1` events.

Used by `measure-ledger demo`, the benchmarks and the tests. It plays several care
providers (Wzd, Wvggz and Jeugdwet hoofdstuk 6) through about a year of lawful lifecycles,
plants one problem of a known kind in a small share of the measures (see `PROBLEM_RULES`
for the rule each should raise), and sends everything in a realistic arrival order.
Standard library only: same arguments, same bytes.

    events = generate(measures=300, seed=7)
    events, manifest = generate(seed=7, return_manifest=True)
    for line in iter_jsonl(seed=7, malformed_share=0.01): ...
    for event in generate_events(1_000_000, seed=7): ...   # flat memory
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, overload

from synthetic.clock import DEFAULT_START
from synthetic.malformed import MALFORMED_KINDS, encode, encode_lines
from synthetic.problems import PROBLEM_RULES
from synthetic.stream import (
    Manifest,
    PlantedProblem,
    generate_events,
    generate_with_manifest,
)

__all__ = [
    "DEFAULT_START",
    "MALFORMED_KINDS",
    "PROBLEM_RULES",
    "Manifest",
    "PlantedProblem",
    "encode",
    "encode_lines",
    "generate",
    "generate_events",
    "generate_with_manifest",
    "iter_jsonl",
    "write_jsonl",
]


@overload
def generate(
    measures: int = ...,
    seed: int = ...,
    start: datetime = ...,
    providers: int = ...,
    problem_share: float = ...,
    *,
    return_manifest: Literal[False] = ...,
) -> list[dict[str, Any]]: ...


@overload
def generate(
    measures: int = ...,
    seed: int = ...,
    start: datetime = ...,
    providers: int = ...,
    problem_share: float = ...,
    *,
    return_manifest: Literal[True],
) -> tuple[list[dict[str, Any]], Manifest]: ...


def generate(
    measures: int = 300,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    providers: int = 3,
    problem_share: float = 0.05,
    *,
    return_manifest: bool = False,
) -> list[dict[str, Any]] | tuple[list[dict[str, Any]], Manifest]:
    """Wire events (JSON-able dicts) of `measures` measures in arrival order; with
    `return_manifest=True` also the `Manifest` of planted problems and late deliveries."""
    events, manifest = generate_with_manifest(measures, seed, start, providers, problem_share)
    return (events, manifest) if return_manifest else events


def iter_jsonl(
    measures: int = 300,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    providers: int = 3,
    problem_share: float = 0.05,
    *,
    malformed_share: float = 0.0,
) -> Iterator[bytes]:
    """The `generate` stream as JSON Lines (each line ends in b"\\n"), with about
    `malformed_share` extra lines that the ledger must dead-letter."""
    events = generate(measures, seed, start, providers, problem_share)
    return encode_lines(events, malformed_share=malformed_share, seed=seed)


def write_jsonl(path: Path, n_events: int, seed: int = 7) -> int:
    """Write about `n_events` events as JSON Lines (flat memory); return how many were written."""
    count = 0
    with path.open("wb") as out:
        for body in generate_events(n_events, seed=seed):
            out.write(encode(body))
            count += 1
    return count
