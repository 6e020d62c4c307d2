"""SQL pieces the API reads share, in each dialect where the two stores differ.

Two values the views do not keep in a column are computed in SQL rather than in a Python
loop per row, so a page of 500 costs one statement:

- a measure's location: the `location_id` of its latest unretracted `measure.proposed` (the
  proposal whose plan the status shows), read from the stored JSON of the timeline row;
- a stored time as the ledger's UTC sort key (`measure_views.utc_key`). `next_deadline` is
  kept as the rules give it, with its own offset (+01:00 in winter, +02:00 in summer), and
  compared as text against an `as_of` in another offset it would be off by hours. Its index
  on the raw text is read with bounds widened by the largest offset, then tested exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from projections.queries import STATUS_COLUMNS
from projections.read_indexes import json_field
from store.sql import Dialect

#: An ISO 8601 time with offset, as `utc_key` writes it (microseconds kept: the fraction of
#: an isoformat() string sits before its offset, which is a whole number of minutes).
_UTC_KEY = {
    "sqlite": "(strftime('%Y-%m-%dT%H:%M:%S', {column}) || '.' || CASE WHEN "
    "substr({column}, 20, 1) = '.' THEN substr({column}, 21, 6) ELSE '000000' END || 'Z')",
    "postgresql": "to_char(({column})::timestamptz AT TIME ZONE 'UTC', "
    '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')',
}


def utc_key_of(dialect: Dialect, column: str) -> str:
    return _UTC_KEY[dialect.name].format(column=column)


#: UTC offsets lie within 14 hours: a stored time's wall-clock text is that close to its instant.
_OFFSET_MARGIN = timedelta(hours=14, seconds=1)


def wall_clock_bounds(start: datetime, end: datetime) -> tuple[str, str]:
    """Text bounds `[low, high)` of every ISO time with offset whose instant is in
    [start, end]: a range an index on the stored text can read before the exact test.

    Only the first 19 characters (the wall clock) decide, which compare the same in any
    collation; the extra second keeps `high` above every text that starts with it.
    """

    def wall(moment: datetime, shift: timedelta, extreme: datetime) -> str:
        try:
            moment = moment.astimezone(UTC) + shift
        except OverflowError:
            moment = extreme
        return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S")

    low = wall(start, -_OFFSET_MARGIN, datetime.min)
    return low, wall(end, _OFFSET_MARGIN, datetime.max)


#: How deep `not_retracted` follows a chain of retractions exactly (retraction of a
#: retraction of ...); in a longer chain the `CHAIN_DEPTH`-th retraction is taken to count.
CHAIN_DEPTH = 6


def not_retracted(alias: str, depth: int = CHAIN_DEPTH) -> str:
    """SQL: the timeline row `alias` stands, i.e. no retraction that counts names it.

    A retraction counts when no retraction that counts names it, so the test nests: each
    level is one primary-key look-up on `view_retractions`, made only where the level
    above found a retraction, so an event nothing retracts costs what it did before.
    """
    clause = ""
    for level in range(depth, 0, -1):
        named = f"{alias}.event_id" if level == 1 else f"r{level - 1}.retraction_event_id"
        owner = f"{alias}.provider_id" if level == 1 else f"r{level - 1}.provider_id"
        inner = f" AND {clause}" if clause else ""
        clause = (
            f"NOT EXISTS (SELECT 1 FROM view_retractions r{level} WHERE "
            f"r{level}.provider_id = {owner} AND r{level}.target_event_id = {named}{inner})"
        )
    return clause


def location_of(dialect: Dialect, provider_column: str, measure_column: str) -> str:
    """A scalar subquery: the measure's location as its latest counting proposal names it.

    Care order (occurred, type rank, event id) as the status fold uses; it reads the
    measure's rows from the stream index, so it costs one short index range per row.
    """
    value = json_field(dialect, "p.data", "location_id")
    return (
        f"(SELECT {value} FROM view_timeline p WHERE p.provider_id = {provider_column} "
        f"AND p.kind = 'measure' AND p.ref = {measure_column} "
        f"AND p.type = 'measure.proposed' AND {not_retracted('p')} "
        "ORDER BY p.occurred_utc DESC, p.type_rank DESC, p.event_id DESC LIMIT 1)"
    )


def measures_at_location(dialect: Dialect) -> str:
    """A subquery, the location its two parameters: (provider_id, ref) of the measures at it.

    The candidates (a proposal names the location) come from the location index
    (`read_indexes`), and only they get the exact test (their latest counting proposal names
    it). Kept inside the subquery, the exact test cannot be planned onto every row of a list
    the measures are joined to, which PostgreSQL did: a page then cost a second.
    """
    named = json_field(dialect, "l.data", "location_id")
    return (
        "(SELECT DISTINCT l.provider_id, l.ref FROM view_timeline l "
        f"WHERE l.type = 'measure.proposed' AND {named} = ? "
        f"AND {location_of(dialect, 'l.provider_id', 'l.ref')} = ?)"
    )


def status_select(dialect: Dialect) -> str:
    """The status columns of `view_status s` and the measure's `location_id`."""
    columns = ", ".join(f"s.{name}" for name in STATUS_COLUMNS)
    location = location_of(dialect, "s.provider_id", "s.measure_id")
    return f"SELECT {columns}, {location} AS location_id FROM view_status s"


def status_row(row: Any) -> dict[str, Any]:
    item = {name: row[name] for name in (*STATUS_COLUMNS, "location_id")}
    item["emergency"] = bool(item["emergency"])
    return item
