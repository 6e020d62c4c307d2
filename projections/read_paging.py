"""Pages, cursors and provider scope: what every list the API serves has in common.

Lists are paged by keyset, never by OFFSET: a page is a range scan from the last row's sort
key, so page 2,000 costs what page 1 costs, and rows inserted meanwhile neither repeat nor
vanish between pages. The cursor is that sort key as urlsafe base64 of JSON; it also names
the list and a digest of its filters, so a cursor taken from one query and replayed on
another (or edited by hand) is refused with a message instead of silently paging elsewhere.
It carries no secret and needs none: every query still applies the caller's provider scope,
so a forged cursor can only move within what the caller may read anyway.

Scope is the list of providers a caller may read (None: every provider, the inspectorate).
It is applied in SQL on every read, never after, so another provider's rows are never read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

MAX_LIMIT = 500
_MAX_CURSOR_CHARS = 2048

Providers = Sequence[str] | None


class CursorError(ValueError):
    """A cursor that this list did not hand out: garbled, edited, or from another query."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # None: this is the last page


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    return limit


def scope(providers: Providers) -> list[str] | None:
    """The providers to read, sorted and unique; None for every provider.

    A bare string is refused: it is a sequence of characters, and reading it as one would
    widen a provider's scope to providers named by single letters.
    """
    if providers is None:
        return None
    if isinstance(providers, str | bytes):
        raise TypeError("providers must be a sequence of provider ids or None, not a string")
    return sorted(set(providers))


def in_scope(providers: Providers, provider_id: str) -> bool:
    chosen = scope(providers)
    return chosen is None or provider_id in chosen


def scope_clause(column: str, providers: list[str] | None) -> tuple[str, list[str]]:
    """` AND column IN (...)` for a scope (empty for every provider); never called empty."""
    if providers is None:
        return "", []
    return f" AND {column} IN ({', '.join('?' * len(providers))})", list(providers)


def filters_digest(name: str, filters: dict[str, Any]) -> str:
    text = json.dumps([name, filters], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(name: str, filters: dict[str, Any], key: Sequence[Any]) -> str:
    body = {"l": name, "f": filters_digest(name, filters), "k": list(key)}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str | None,
    name: str,
    filters: dict[str, Any],
    valid: Callable[[list[Any]], bool],
) -> list[Any] | None:
    """The sort key a cursor of list `name` with these `filters` carries (None: first page)."""
    if cursor is None:
        return None
    if not isinstance(cursor, str) or not cursor or len(cursor) > _MAX_CURSOR_CHARS:
        raise CursorError("the cursor is empty or too long; start again without a cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError) as error:
        raise CursorError("the cursor is not one this service handed out (garbled)") from error
    if not isinstance(body, dict) or set(body) != {"l", "f", "k"}:
        raise CursorError("the cursor is not one this service handed out (wrong shape)")
    if body["l"] != name:
        raise CursorError(f"the cursor belongs to another list ({body['l']!r}), not {name!r}")
    if body["f"] != filters_digest(name, filters):
        raise CursorError("the cursor was made with other filters; start again without it")
    key = body["k"]
    if not isinstance(key, list) or not valid(key):
        raise CursorError("the cursor's position is not a valid sort key for this list")
    return key


def texts(key: list[Any], count: int) -> bool:
    """A key of `count` non-empty strings, the shape of most sort keys here."""
    return len(key) == count and all(isinstance(v, str) and 0 < len(v) <= 256 for v in key)
