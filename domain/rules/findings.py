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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    growth: Growth | None = None  # evidence that accumulates while the alert is open

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.occurrence)

    def holds(self, moment: datetime) -> bool:
        return self.due <= moment and (self.until is None or moment < self.until)

    def as_of(self, moment: datetime, *, inclusive: bool) -> Finding:
        """The finding as it read at `moment` (just before it, unless `inclusive`): an
        accumulating one with only the evidence visible by then; any other unchanged."""
        growth = self.growth
        if growth is None:
            return self
        keep = [
            index
            for index, at in enumerate(growth.visible)
            if at < moment or (inclusive and at == moment)
        ]
        if len(keep) == len(growth.visible):
            return self
        kept = tuple(growth.visible[i] for i in keep)
        lags = tuple(growth.lags[i] for i in keep)
        return Finding(
            self.rule,
            self.occurrence,
            self.due,
            tuple(self.evidence[i] for i in keep),
            growth.words(len(keep), max(lags)),
            self.until,
            self.deadline,
            self.framework,
            self.category,
            self.deadline_at,
            Growth(kept, lags, growth.words),
        )


@dataclass(frozen=True, slots=True)
class Growth:
    """What an accumulating finding needs to say what it showed at a moment.

    One finding stands for a condition made of several events (LATE-REGISTRATION per measure
    under rulebook 2026.2): each evidence event becomes part of it only from its own moment
    (`visible`, parallel to `Finding.evidence`), so the alert's evidence and message as of a
    moment name only the events visible by then. `domain.rules.sweep` keeps one interval per
    key and takes its content from the latest finding, cut by `Finding.as_of`.
    """

    visible: tuple[datetime, ...]  # per evidence event: from when it belongs to the finding
    lags: tuple[timedelta, ...]  # per evidence event: the figure the message reports
    words: Callable[[int, timedelta], str]  # the message for (how many, the largest figure)


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
