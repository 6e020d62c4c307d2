"""Timeline entries as the pages' tables show them: both clocks, lateness, corrections.

A reader checks a record against the law by two clocks: when it happened in care and when
the ledger learnt of it. A row recorded later than the rulebook's registration lag is marked
late with its delay, judged by the same limit LATE-REGISTRATION uses (so the table and the
alerts agree). A retraction is shown right under the event it retracts, which stays in the
table struck through: the ledger never forgets what was once said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from api.clock import duration, local, moment_of
from api.schemas import TimelineEntry
from domain.rulebook import Rulebook

SUMMARY_CHARS = 320
LateAfter = Callable[[datetime], datetime]


@dataclass(frozen=True)
class Row:
    entry: TimelineEntry
    classes: str  # of tr: retracted, retraction, evidence, late
    late_by: str | None  # the delay between the two clocks, when late
    summary: str  # the event's data in a line, times on the Amsterdam clock


def late_after(book: Rulebook, provider_id: str | None = None) -> LateAfter | None:
    """When a record made at `occurred` becomes late; None when the rule is off. An event
    that occurred before the provider's onboarding date is never late, as for the rule."""
    if "LATE-REGISTRATION" not in book.rules or not book.enabled("LATE-REGISTRATION"):
        return None
    after = book.limit("registration_lag").period.after
    start = book.onboarding.get(provider_id) if provider_id is not None else None
    if start is None:
        return after
    return lambda occurred: after(occurred) if occurred >= start else _NEVER


_NEVER = datetime.max.replace(tzinfo=UTC)


def rows(
    entries: Sequence[TimelineEntry],
    *,
    evidence: Iterable[str] = (),
    late: LateAfter | None = None,
) -> list[Row]:
    """The table's rows in care order, each retraction moved under the event it retracts."""
    marked = set(evidence)
    targets = {  # a retraction retracted itself strikes nothing through
        e.data.get("retracts_event_id")
        for e in entries
        if e.type == "event.retracted" and e.retracted_by is None
    }
    ids = {e.event_id for e in entries}
    under: dict[str, list[TimelineEntry]] = {}
    for e in entries:
        target = e.data.get("retracts_event_id") if e.type == "event.retracted" else None
        if isinstance(target, str) and target in ids:
            under.setdefault(target, []).append(e)
    result: list[Row] = []
    for e in entries:
        if e.type == "event.retracted" and e.data.get("retracts_event_id") in ids:
            continue  # shown under its target
        result.append(_row(e, marked, late, e.event_id in targets))
        result += [_row(r, marked, late, False) for r in under.get(e.event_id, [])]
    return result


def _row(e: TimelineEntry, evidence: set[str], late: LateAfter | None, retracted: bool) -> Row:
    occurred, recorded = moment_of(e.occurred_at), moment_of(e.recorded_at)
    is_late = late is not None and recorded > late(occurred)
    classes = [
        name
        for name, on in (
            ("retracted", retracted or e.retracted_by is not None),
            ("retraction", e.type == "event.retracted"),
            ("evidence", e.event_id in evidence),
            ("late", is_late),
        )
        if on
    ]
    late_by = duration(recorded - occurred) if is_late else None
    return Row(e, " ".join(classes), late_by, summary(e.data))


def summary(data: dict[str, Any]) -> str:
    """`key: value` pairs in one line; timestamps on the Amsterdam clock, lists joined."""
    parts = [f"{key.replace('_', ' ')}: {_value(value)}" for key, value in data.items()]
    text = " · ".join(parts)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return local(moment) if moment.tzinfo else value
    return str(value)
