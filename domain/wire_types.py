"""The field types of the wire schema: ids, free text and times, each with its checks.

Kept apart from the event models so the rules a provider's engineer meets most (id
alphabets, the BSN guard, RFC 3339 with an offset, plausible years) read in one place.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

from domain.identifiers import ID_PATTERN, looks_like_bsn


def no_bsn(value: str) -> str:
    if looks_like_bsn(value):
        raise ValueError(
            "looks like a BSN (nine digits passing the elfproef); "
            "send the provider's pseudonym, never a citizen service number"
        )
    return value


def no_nul(value: str) -> str:
    """A NUL is no text: PostgreSQL cannot store it, so one would fail the whole batch."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000); send text without it")
    return value


def text(max_length: int) -> Any:
    """Free text: bounded, without NUL, and never a carrier for a BSN."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length),
        AfterValidator(no_nul),
        AfterValidator(no_bsn),
    ]


def ident(max_length: int) -> Any:
    """An id of the id alphabet; never a BSN, since ids are shown in timelines and alerts."""
    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=max_length, pattern=ID_PATTERN),
        AfterValidator(no_bsn),
    ]


EventId = ident(128)
ProviderId = ident(64)
MeasureId = ident(128)
ClientId = ident(128)
#: Any number of fractional digits (RFC 3339 sets no limit: .NET's "o" writes 7, Java's
#: Instant 9); the ledger keeps microseconds and drops the digits beyond the sixth.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
#: Care happens between these years, in UTC. Outside them a time is a data error, and it
#: must be refused here: every later step (UTC keys, deadlines, the feed) does arithmetic on
#: it in UTC, so `1900-01-01T00:30:00+01:00` (1899 in UTC) is outside too.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def _rfc3339_text(value: Any) -> Any:
    """Text must be RFC 3339 proper; pydantic alone also takes `+0100`, no seconds, spaces."""
    if not isinstance(value, str):
        return value  # a number or null: the datetime type itself names the error
    if not _RFC3339.match(value):
        if _NAIVE.match(value):
            raise ValueError(
                "date-time has no offset; send RFC 3339 with an offset, e.g. +01:00 or Z"
            )
        raise ValueError(
            "not an RFC 3339 date-time; send e.g. 2026-03-01T09:30:00+01:00 "
            "(date, T, time with seconds, offset)"
        )
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError as error:
        raise ValueError(f"not a valid date-time: {error}") from None


def _plausible(value: datetime) -> datetime:
    # Only years 1 and 9999 cannot move to UTC (out of datetime's range): those are out anyway.
    year = value.astimezone(UTC).year if 1 < value.year < 9999 else value.year
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"year {year} is outside {EARLIEST_YEAR}-{LATEST_YEAR} (in UTC)")
    return value


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_text),
    AfterValidator(_plausible),
    Field(description="RFC 3339 date-time with an offset, e.g. 2026-03-01T09:30:00+01:00"),
]
