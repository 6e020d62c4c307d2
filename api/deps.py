"""What routes share: the ledger, the feed key, the moment and the page parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query, Request

from api.auth import Audit, Principal
from api.problems import ProblemError
from domain.identifiers import ID_PATTERN
from domain.wire_types import Timestamp
from ledger.service import Ledger

#: Ids in paths and filters take the contract's id alphabet and lengths (CONTRACT §1), so a
#: request that could never name an object is refused as invalid (422) before any read.
ProviderPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=ID_PATTERN, examples=["AGB:12345678"])
]
IdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]
ClientQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=128, pattern=ID_PATTERN, description="A client pseudonym."),
]
ClientRefQuery = Annotated[
    str | None,
    Query(
        pattern="^[0-9a-f]{64}$",
        description="A client as the inspectorate knows it: the client_ref of the feed.",
    ),
]
#: Free text in a filter, without control characters: PostgreSQL cannot compare a NUL, and
#: no stored value holds one (a NUL cannot be in a JSON text the store keeps).
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
LocationQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=64, pattern=PRINTABLE, description="A location_id."),
]
ProviderQuery = Annotated[
    str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN, description="A provider.")
]

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1–500).")]
Cursor = Annotated[
    str | None, Query(max_length=1000, description="`next_cursor` of the page before.")
]
#: RFC 3339 with an offset, read as the contract reads event times: pydantic alone would also
#: take a number as Unix seconds (`as_of=0.5`) or a time without seconds.
AsOf = Annotated[
    Timestamp | None,
    Query(description="RFC 3339 date-time with offset; default now."),
]
Since = Annotated[Timestamp | None, Query(description="From this moment on (RFC 3339).")]
Until = Annotated[Timestamp | None, Query(description="Before this moment (RFC 3339).")]


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
