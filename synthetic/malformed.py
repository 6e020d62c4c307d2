"""JSON Lines encoding, with optional poison lines for the dead-letter path.

Each malformed kind mirrors a mistake a provider's export really makes (a truncated write,
a timezone-less timestamp, a field name typo, a BSN in the pseudonym column, a code from a
newer vocabulary, a Latin-1 byte), so benchmarks and tests exercise every rejection reason.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

MALFORMED_KINDS: tuple[str, ...] = (
    "invalid_json",
    "not_an_object",
    "naive_timestamp",
    "unknown_field",
    "bsn_client_id",
    "unknown_category",
    "invalid_utf8",
)


def encode(event: dict[str, Any]) -> bytes:
    """One compact JSON line; key order is the dict's, so equal input gives equal bytes."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def encode_lines(
    events: Iterable[dict[str, Any]],
    *,
    malformed_share: float = 0.0,
    seed: int = 7,
    counts: Counter[str] | None = None,
) -> Iterator[bytes]:
    """Encode events as JSON Lines, inserting a malformed line after about
    `malformed_share` of them. `counts` (if given) tallies `events` and each bad kind."""
    rng = random.Random(f"malformed:{seed}")
    tally = counts if counts is not None else Counter()
    last_proposed: dict[str, Any] | None = None
    for event in events:
        yield encode(event)
        tally["events"] += 1
        if event["type"] == "measure.proposed":
            last_proposed = event
        if malformed_share > 0 and rng.random() < malformed_share:
            kind = rng.choice(MALFORMED_KINDS)
            if kind == "unknown_category" and last_proposed is None:
                kind = "unknown_field"
            tally[f"malformed:{kind}"] += 1
            yield bad_line(rng, kind, event, last_proposed)


def bad_line(
    rng: random.Random, kind: str, event: dict[str, Any], proposed: dict[str, Any] | None
) -> bytes:
    """A line the ledger must reject, derived from a good event (with a fresh event id, so
    it can never be mistaken for a redelivery)."""
    copy = {**event, "event_id": f"{event['event_id']}-x{rng.getrandbits(16):04x}"}
    if kind == "invalid_json":
        line = encode(copy)
        return line[: rng.randint(1, len(line) - 2)].rstrip(b"\n") + b"\n"
    if kind == "not_an_object":
        shapes = (b"[]", b"42", b'"measure.applied"', b"null", encode([copy])[:-1])
        return rng.choice(shapes) + b"\n"
    if kind == "naive_timestamp":
        return encode({**copy, "occurred_at": copy["occurred_at"][:-6]})
    if kind == "unknown_field":
        return encode({**copy, rng.choice(("priority", "occured_at", "measureId")): "x"})
    if kind == "bsn_client_id":
        return encode({**copy, "client_id": elfproef_number(rng)})
    if kind == "unknown_category" and proposed is not None:
        data = {**proposed["data"], "category": rng.choice(("restraint_chair", "fixatie"))}
        return encode({**proposed, "event_id": copy["event_id"], "data": data})
    line = encode(copy)
    return line.replace(b'"client_id":"', b'"client_id":"\xff\xfe', 1)


def elfproef_number(rng: random.Random) -> str:
    """Nine digits passing the BSN elfproef: what a provider must never send."""
    while True:
        digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(7)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)
