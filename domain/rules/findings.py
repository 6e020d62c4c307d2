"""`Finding`: what a rule concludes from the facts known at one moment, before it is an alert.

A rule never looks at the clock. From the facts that count at τ it returns findings that
would hold from `due` (until `until`, if the facts already bound it) if nothing else
happened: an offending event gives `due = occurred_at`, a missed deadline gives its due time,
possibly after τ. The engine sweeps τ over every change point and turns the moments at which
a finding holds into alert intervals, so a rule stays a pure function of a fact set.

Deadline semantics: a due time is the last instant to act. An act whose `occurred_at` equals
the due time is in time (facts at τ count at τ). Under rulebook 2026.2 ("after_due") nothing
is overdue at the due instant either: a deadline finding holds from the first instant after
it (`Rulebook.overdue_from`: due + 1 µs, the ledger's resolution), and `deadline_at` keeps
the due time itself for messages and `next_deadline`. Under 2026.1 ("at_due") the alert is
open from the due instant itself, so `since == due`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

_LAW_MD = re.compile(r"\s*\(LAW\.md[^)]*\)")


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    occurrence: str  # what it is about, e.g. the offending event_id: part of the alert_id
    due: datetime  # holds from here ...
    evidence: tuple[str, ...]
    message: str
    until: datetime | None = None  # ... until here (exclusive), when the facts already say
    deadline: bool = False  # a due time a status view can show as "next deadline"
    framework: str | None = None
    category: str | None = None
    deadline_at: datetime | None = None  # the due time as the law states it, when `due` is
    # the first instant after it (None: `due` itself)

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.occurrence)

    def holds(self, moment: datetime) -> bool:
        return self.due <= moment and (self.until is None or moment < self.until)


def day(moment: datetime) -> str:
    """A moment as a compliance officer reads it in a sentence: date and time with offset."""
    return moment.isoformat(timespec="minutes")


@cache
def article(source: str) -> str:
    """A rulebook source as a reader cites it: without the pointer into LAW.md.

    Cached: a rulebook has a few dozen sources, and a rebuild cites them millions of times.
    """
    return _LAW_MD.sub("", source)


def unique(*event_ids: str | None) -> tuple[str, ...]:
    """Evidence ids in order, without repeats or gaps."""
    return tuple(dict.fromkeys(event_id for event_id in event_ids if event_id))
