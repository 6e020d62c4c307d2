"""Identifiers: the id alphabet, the BSN guard and the ledger's deterministic aggregate ids.

Deterministic ids (uuid5) let any process find a measure's stream from the provider's own
ids without a lookup table, and make redelivery land on the same stream.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from uuid import UUID, uuid5

ID_PATTERN = r"^[A-Za-z0-9._:-]+$"

#: Namespace of every aggregate id the ledger derives; fixed forever (changing it would
#: orphan every stored stream).
LEDGER_NAMESPACE = UUID("5b0f6f0e-6a43-4c1e-9d1f-2f7a0c4d9e11")

#: Digits written in groups: "123456782", "1234.56.782", "123-45-6782", "123 456 782". A
#: group boundary is one separator; two separators, or any other character, end the run.
_SEPARATORS = " .-"
_GROUPED_RUN = re.compile(r"[0-9]+(?:[ .\-][0-9]+)*")
_GROUPED_RUN_BYTES = re.compile(rb"[0-9]+(?:[ .\-][0-9]+)*")
#: A quick filter: nine digits with at most one separator between each two.
_NINE_DIGITS = re.compile(r"[0-9](?:[ .\-]?[0-9]){8}")
_NINE_DIGITS_BYTES = re.compile(rb"[0-9](?:[ .\-]?[0-9]){8}")


def passes_elfproef(digits: str) -> bool:
    """The BSN check: weights 9..2 on the first eight digits, -1 on the last, sum % 11 == 0."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0


def _bsn_spans(run: str, offset: int) -> Iterator[tuple[int, int]]:
    """Spans of consecutive digit groups of `run` that hold nine digits passing the elfproef.

    Only whole groups count, so "1-123456782" is caught (its second group) but a date and a
    time ("2026-03-02 09") or a ten-digit number are not: there the groups never add up to
    exactly nine digits. A plain nine-digit run is one group and the common case.
    """
    groups = [(m.start(), m.end()) for m in re.finditer(r"[0-9]+", run)]
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += run[groups[last][0] : groups[last][1]]
            if len(digits) >= 9:
                if len(digits) == 9 and passes_elfproef(digits):
                    yield offset + groups[first][0], offset + groups[last][1]
                break


def bsn_spans(value: str) -> list[tuple[int, int]]:
    """Where `value` holds a BSN-like number, however its digits are grouped."""
    if len(value) < 9 or _NINE_DIGITS.search(value) is None:
        return []  # the common case, decided without looking at every run
    spans: list[tuple[int, int]] = []
    for match in _GROUPED_RUN.finditer(value):
        if match.end() - match.start() >= 9:
            spans.extend(_bsn_spans(match.group(), match.start()))
    return spans


def looks_like_bsn(value: str) -> bool:
    """True when the value holds nine digits passing the elfproef, grouped in any way.

    The contract rejects a `client_id` that is a BSN; an embedded one ("client-123456782",
    "123-45-6782") is treated the same, because the ledger must never hold a citizen service
    number, in any field, however it is written.
    """
    return bool(bsn_spans(value))


BSN_MASK_DIGIT = "#"
BSN_MASK = b"#########"


def mask_bsn_text(value: str) -> str:
    """The text with the digits of every BSN-like number replaced by `#` (separators kept)."""
    spans = bsn_spans(value)
    if not spans:
        return value
    chars = list(value)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] not in _SEPARATORS:
                chars[i] = BSN_MASK_DIGIT
    return "".join(chars)


def mask_bsns(raw: bytes) -> bytes:
    """The bytes with the digits of every BSN-like number replaced by `#` (same offsets).

    Rejected input is kept raw so a provider can see what it sent, but a BSN must not enter
    the ledger even there: the number is masked and the rest of the bytes stay as they were.
    """
    if len(raw) < 9 or _NINE_DIGITS_BYTES.search(raw) is None:
        return raw
    masked = bytearray(raw)
    for match in _GROUPED_RUN_BYTES.finditer(raw):
        if match.end() - match.start() < 9:
            continue
        for start, end in _bsn_spans(match.group().decode("ascii"), match.start()):
            for i in range(start, end):
                if masked[i] in b"0123456789":
                    masked[i] = ord(BSN_MASK_DIGIT)
    return bytes(masked)


@lru_cache(maxsize=65536)
def measure_stream_id(provider_id: str, measure_id: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"measure\x1f{provider_id}\x1f{measure_id}")


@lru_cache(maxsize=65536)
def authorization_stream_id(provider_id: str, authorization_id: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"authorization\x1f{provider_id}\x1f{authorization_id}")


def provider_stream_id(provider_id: str) -> UUID:
    """The stream of the facts about the provider itself (`report.delivered`)."""
    return uuid5(LEDGER_NAMESPACE, f"provider\x1f{provider_id}")
