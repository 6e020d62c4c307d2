"""From raw bytes to a provider event or a reason a provider's engineer can act on.

Rejection reasons name the field (as a dotted path, e.g. `data.category`) and what was
wrong, because the dead-letter store is read by people fixing an export on the provider side.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from domain.wire import PROVIDER_EVENT, ProviderEvent


@dataclass(frozen=True, slots=True)
class Malformed:
    reason: str


def parse_event(raw: bytes) -> ProviderEvent | Malformed:
    try:
        return PROVIDER_EVENT.validate_json(raw)
    except ValidationError as error:
        return Malformed(describe(error, raw))


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
