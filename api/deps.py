"""What routes share: the ledger, the feed key, the moment and the page parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query, Request

from api.auth import Audit, Principal
from api.problems import ProblemError
from ledger.service import Ledger

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1–500).")]
Cursor = Annotated[
    str | None, Query(max_length=1000, description="`next_cursor` of the page before.")
]
AsOf = Annotated[
    datetime | None,
    Query(description="RFC 3339 date-time with offset; default now."),
]


def ledger_of(request: Request) -> Ledger:
    return request.app.state.ledger  # type: ignore[no-any-return]


def feed_key_of(request: Request) -> bytes | None:
    return request.app.state.feed_key  # type: ignore[no-any-return]


def moment(as_of: datetime | None) -> datetime:
    """`as_of`, refused when naive (ambiguous by an hour or two), else now."""
    if as_of is None:
        return datetime.now(UTC)
    if as_of.tzinfo is None:
        raise ProblemError(422, "as_of has no offset; add one, e.g. +01:00 or Z")
    return as_of


def reader_of(audit: Audit, request: Request) -> tuple[Principal, Ledger, bytes | None]:
    """The reader a route's dependency let in, with the ledger and the feed key it reads by."""
    assert audit.principal is not None  # `audited` and `page_reader` refuse a request without
    return audit.principal, ledger_of(request), feed_key_of(request)
