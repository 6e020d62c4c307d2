"""Identifiers: the id alphabet, the BSN guard and the ledger's deterministic aggregate ids.

Deterministic ids (uuid5) let any process find a measure's stream from the provider's own
ids without a lookup table, and make redelivery land on the same stream.
"""

from __future__ import annotations

import re
from functools import lru_cache
from uuid import UUID, uuid5

ID_PATTERN = r"^[A-Za-z0-9._:-]+$"

#: Namespace of every aggregate id the ledger derives; fixed forever (changing it would
#: orphan every stored stream).
LEDGER_NAMESPACE = UUID("5b0f6f0e-6a43-4c1e-9d1f-2f7a0c4d9e11")

_NINE_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")


def passes_elfproef(digits: str) -> bool:
    """The BSN check: weights 9..2 on the first eight digits, -1 on the last, sum % 11 == 0."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0


def looks_like_bsn(value: str) -> bool:
    """True when the value is, or contains as a separate run, nine digits passing the elfproef.

    The contract rejects a `client_id` that is a BSN; an embedded run ("client-123456782")
    is treated the same, because the ledger must never hold a citizen service number.
    """
    if len(value) < 9 or _NINE_DIGIT_RUN.search(value) is None:
        return False  # the common case, decided without scanning every run
    return any(passes_elfproef(m.group()) for m in _NINE_DIGIT_RUN.finditer(value))


_NINE_DIGIT_BYTES = re.compile(rb"(?<![0-9])[0-9]{9}(?![0-9])")
BSN_MASK = b"#########"


def mask_bsns(raw: bytes) -> bytes:
    """The bytes with every BSN-like run replaced by `#########` (same length, same offsets).

    Rejected input is kept raw so a provider can see what it sent, but a BSN must not enter
    the ledger even there: the number is masked and the rest of the bytes stay as they were.
    """
    if len(raw) < 9 or _NINE_DIGIT_BYTES.search(raw) is None:
        return raw
    return _NINE_DIGIT_BYTES.sub(
        lambda m: BSN_MASK if passes_elfproef(m.group().decode()) else m.group(), raw
    )


@lru_cache(maxsize=65536)
def measure_stream_id(provider_id: str, measure_id: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"measure\x1f{provider_id}\x1f{measure_id}")


@lru_cache(maxsize=65536)
def authorization_stream_id(provider_id: str, authorization_id: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"authorization\x1f{provider_id}\x1f{authorization_id}")
