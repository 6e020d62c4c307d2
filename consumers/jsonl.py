"""The JSON Lines loader: a file or stdin, read as bytes, in batches, with line numbers.

Lines are read as raw bytes so that invalid UTF-8 reaches the dead-letter store as it was
sent. Blank lines carry no event and are skipped; every other line is one message whose
origin is `name:line`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from ledger.service import IngestCounts, Ledger, RawMessage

BATCH_LINES = 5000


def read_batches(
    stream: BinaryIO, name: str, batch_lines: int = BATCH_LINES
) -> Iterator[tuple[list[RawMessage], int]]:
    """Yield `(messages, bytes_read)` per batch; memory stays at one batch."""
    batch: list[RawMessage] = []
    consumed = 0
    for number, line in enumerate(stream, start=1):
        consumed += len(line)
        raw = line.rstrip(b"\r\n")
        if not raw.strip():
            continue
        batch.append(RawMessage(raw, f"{name}:{number}"))
        if len(batch) >= batch_lines:
            yield batch, consumed
            batch, consumed = [], 0
    if batch or consumed:
        yield batch, consumed


def load(
    ledger: Ledger,
    stream: BinaryIO,
    name: str,
    progress: Callable[[int], None] | None = None,
    batch_lines: int = BATCH_LINES,
) -> IngestCounts:
    """Submit every line; the views are current when this returns."""
    total = IngestCounts()
    for batch, consumed in read_batches(stream, name, batch_lines):
        if batch:
            counts, _ = ledger.submit(batch)
            total += counts
        if progress:
            progress(consumed)
    return total
