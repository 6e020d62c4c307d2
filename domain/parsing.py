"""From raw bytes to a provider event or a reason a provider's engineer can act on.

Rejection reasons name the field (as a dotted path, e.g. `data.category`) and what was
wrong, because the dead-letter store is read by people fixing an export on the provider side.
A reason never repeats a BSN-like number from the input (an unknown field named
`x123456782` is reported masked), since reasons are stored and sent on.

Two checks come before the schema: the size of a message (`MAX_MESSAGE_BYTES`, for files,
stdin and Kafka alike), and repeated keys in one JSON object, which pydantic (like most
parsers) resolves silently by keeping the last value: a consumer that keeps the first would
read another event, so the ledger refuses to guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from domain.identifiers import ID_PATTERN, looks_like_bsn, mask_bsn_text
from domain.wire import PROVIDER_EVENT, ProviderEvent

#: The largest message the ledger reads: a measure-event/v1 object is a few hundred bytes,
#: its free-text fields at most 500 characters each, so 1 MiB is far beyond any real event.
MAX_MESSAGE_BYTES = 1024 * 1024
#: How much of an oversized message the dead-letter store keeps, to show what it was.
KEPT_PREFIX_BYTES = 4096
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Malformed:
    reason: str


class _RepeatedKeyError(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKeyError(key)
        seen[key] = value
    return seen


def repeated_key(raw: bytes) -> str | None:
    """The first key that appears twice in one object, at any depth; None if none does.

    The standard library's parser hands each object's pairs to the hook before building it,
    escapes decoded (`"event\\u005fid"` is `event_id`); about 8 µs for a typical event.
    Input that is not JSON at all is left to the schema, which describes it better.
    """
    try:
        json.loads(raw, object_pairs_hook=_unique_keys)
    except _RepeatedKeyError as repeated:
        return repeated.key
    except (ValueError, RecursionError):
        return None
    return None


def claimed_provider(raw: bytes) -> str | None:
    """The `provider_id` a message names, if it parses far enough to name a valid one.

    A malformed message is still some provider's to fix: the dead letter carries the
    provider it claims (channels that vouch for their sender, such as the HTTP ingest token,
    override the claim). None for anything that is not an object with an id-shaped provider.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        return None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, bad UTF-8, nested too deep
        return None
    provider = body.get("provider_id") if isinstance(body, dict) else None
    if not isinstance(provider, str) or not 1 <= len(provider) <= 128:
        return None
    if not _ID.match(provider) or looks_like_bsn(provider):
        return None
    return provider


def oversized(size: int) -> Malformed:
    return Malformed(
        f"message is {size} bytes, more than the limit of {MAX_MESSAGE_BYTES} bytes (1 MiB); "
        f"only its first {KEPT_PREFIX_BYTES} bytes are kept here"
    )


def parse_event(raw: bytes) -> ProviderEvent | Malformed:
    if len(raw) > MAX_MESSAGE_BYTES:
        return oversized(len(raw))
    key = repeated_key(raw)
    if key is not None:
        shown = mask_bsn_text(json.dumps(key, ensure_ascii=False))
        return Malformed(
            f"{shown}: key appears more than once in one JSON object; send each field once "
            "(parsers disagree on which value counts)"
        )
    try:
        return PROVIDER_EVENT.validate_json(raw)
    except ValidationError as error:
        return Malformed(mask_bsn_text(describe(error, raw)))


def describe(error: ValidationError, raw: bytes) -> str:
    """One line per problem, at most five, each `field: what was wrong`."""
    problems = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        if kind == "json_invalid":
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                return f"not UTF-8: invalid byte at offset {bad.start}"
            return f"not JSON: {item['msg'].removeprefix('Invalid JSON: ')}"
        if kind == "dict_type" and not item["loc"]:
            return "not a JSON object: each line or message must be one measure-event/v1 object"
        if kind == "union_tag_not_found":
            problems.append("type: missing; expected one of the measure-event/v1 types")
            continue
        if kind == "union_tag_invalid":
            tag = item.get("ctx", {}).get("tag")
            problems.append(f"type: unknown event type {tag!r}")
            continue
        loc = [str(part) for part in item["loc"]]
        if loc and ("." in loc[0]):  # the discriminator tag pydantic puts first
            loc = loc[1:]
        field = ".".join(loc) or "(event)"
        message = item["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = "unknown field (not in measure-event/v1)"
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "timezone_aware":
            message = "date-time has no offset; send RFC 3339 with an offset, e.g. +01:00 or Z"
        problems.append(f"{field}: {message}")
    shown = problems[:5]
    if len(problems) > 5:
        shown.append(f"... and {len(problems) - 5} more")
    return "; ".join(shown)
