"""The JSON Lines loader: a file or stdin, read as bytes, in batches, with line numbers.

Lines are read as raw bytes so that invalid UTF-8 reaches the dead-letter store as it was
sent. Blank lines carry no event and are skipped; every other line is one message whose
origin is `name:line`. No line is held whole beyond `MAX_MESSAGE_BYTES`: of a longer one
only its start is kept (for the dead letter, with its real size) and the rest is read past
in pieces, so a 100 MB line costs no more memory than a 1 MiB one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from domain.parsing import KEPT_PREFIX_BYTES, MAX_MESSAGE_BYTES
from ledger.service import IngestCounts, Ledger, RawMessage

BATCH_LINES = 5000
_SKIP_CHUNK = 1024 * 1024


def _lines(stream: BinaryIO) -> Iterator[tuple[bytes, int, int | None]]:
    """`(line, bytes_read, size_if_cut)` per line; a line over the limit is cut to its start."""
    limit = MAX_MESSAGE_BYTES + 2  # room for the line's own \r\n
    while True:
        line = stream.readline(limit)
        if not line:
            return
        if len(line) < limit or line.endswith(b"\n"):
            yield line, len(line), None
            continue
        size = len(line)
        kept = line[:KEPT_PREFIX_BYTES]
        while not line.endswith(b"\n"):
            line = stream.readline(_SKIP_CHUNK)
            if not line:
                break
            size += len(line)
        ending = 2 if line.endswith(b"\r\n") else 1 if line.endswith(b"\n") else 0
        yield kept, size, size - ending


def read_batches(
    stream: BinaryIO, name: str, batch_lines: int = BATCH_LINES
) -> Iterator[tuple[list[RawMessage], int]]:
    """Yield `(messages, bytes_read)` per batch; memory stays at one batch."""
    batch: list[RawMessage] = []
    consumed = 0
    for number, (line, read, cut_size) in enumerate(_lines(stream), start=1):
        consumed += read
        raw = line if cut_size else line.rstrip(b"\r\n")
        if not raw.strip():
            continue
        batch.append(RawMessage(raw, f"{name}:{number}", cut_size))
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
