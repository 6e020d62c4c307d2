"""LATE-REGISTRATION inside a sweep: judged once per fact, collected as facts come.

Whether a fact was registered late depends on that fact alone, so it is judged once per
fact, not per moment. At a moment the findings are those of the late facts that count then,
one per event (2026.1) or grouped into one per measure or authorisation (2026.2). A sweep
that only appends facts (`extend`) keeps the late facts it has seen, so a moment costs what
it adds, not the whole history.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta

from domain.facts import Fact
from domain.rulebook import Limit, Rulebook
from domain.rules.findings import Finding, Growth, article
from domain.rules.registration import (
    MEASURE_OCCURRENCE,
    RULE,
    LateWords,
    _occurrence,
    is_late,
    late_finding,
)


def framed(
    findings: Iterable[Finding], framework: str | None, category: str | None
) -> list[Finding]:
    """`dataclasses.replace(f, framework=..., category=...)` for each, without its overhead."""
    return [
        Finding(
            f.rule,
            f.occurrence,
            f.due,
            f.evidence,
            f.message,
            f.until,
            f.deadline,
            framework,
            category,
            f.deadline_at,
            f.growth,
        )
        for f in findings
    ]


class _Group:
    """`registration._grouped` of one occurrence, kept as late facts come: each is put in
    its place (occurred_at, then event_id; after equal ones, as a stable sort does), so a
    new finding costs a few copies of its tuples instead of sorting the history again."""

    __slots__ = ("_first", "_ids", "_keys", "_lags", "_longest", "_visible", "_words", "occurrence")

    def __init__(self, occurrence: str, lag: Limit) -> None:
        subject = (
            "this measure" if occurrence == MEASURE_OCCURRENCE else f"authorisation {occurrence}"
        )
        self.occurrence = occurrence
        self._words = LateWords(subject, str(lag.period), article(lag.source))
        self._keys: list[tuple[datetime, str]] = []
        self._ids: list[str] = []
        self._visible: list[datetime] = []
        self._lags: list[timedelta] = []
        self._first = 0  # where min(visible) is: the first of the earliest, as `min` finds it
        self._longest = timedelta(0)

    def add(self, fact: Fact) -> None:
        key = (fact.occurred_at, fact.event_id)
        at = bisect_right(self._keys, key)
        self._keys.insert(at, key)
        self._ids.insert(at, fact.event_id)
        self._visible.insert(at, fact.recorded_at)
        lag = fact.recorded_at - fact.occurred_at
        self._lags.insert(at, lag)
        self._longest = lag if len(self._lags) == 1 else max(self._longest, lag)
        if len(self._keys) == 1:
            return
        if at <= self._first:
            earliest = self._visible[self._first + 1]
            self._first = at if fact.recorded_at <= earliest else self._first + 1
        elif fact.recorded_at < self._visible[self._first]:
            self._first = at

    def finding(self, framework: str | None, category: str | None) -> Finding:
        """The group's finding now, framed (`framed` of it, without the copy)."""
        visible, lags = tuple(self._visible), tuple(self._lags)
        return Finding(
            RULE,
            self.occurrence,
            visible[self._first],
            tuple(self._ids),
            self._words(len(visible), self._longest),
            framework=framework,
            category=category,
            growth=Growth(visible, lags, self._words),
        )


class Lateness:
    """Which facts are late (keyed by object id; the facts outlive it), and the findings
    of the late facts that count."""

    def __init__(self, facts: Iterable[Fact], book: Rulebook) -> None:
        self.per_event = book.registration == "per_event"
        #: The framework and category the grouped findings are stamped with (per event,
        #: the caller frames them); set by the caller when the plan changes.
        self.framing: tuple[str | None, str | None] = (None, None)
        self._late: dict[int, Finding | None] = {}
        self._groups: dict[str, _Group] = {}
        self._by_group: dict[str, Finding] = {}  # each group's finding, kept while unchanged
        self._grouped: list[Finding] = []
        self._counting: list[Fact] = []  # the late facts that count, while only appending
        if not book.enabled("LATE-REGISTRATION"):
            return
        lag = book.limit("registration_lag")
        self._lag = lag
        for fact in facts:
            if is_late(fact, lag, book):
                self._late[id(fact)] = late_finding(fact, lag) if self.per_event else None

    def __bool__(self) -> bool:
        return bool(self._late)

    def findings(self, counting: Iterable[Fact]) -> list[Finding]:
        """The findings of the late facts among `counting` (the facts that count, in order)."""
        late = self._late
        self._counting = [fact for fact in counting if id(fact) in late]
        if not self.per_event:
            self._groups, self._by_group = {}, {}
            self._regroup(self._counting)
        return self._current()

    def extend(self, later: Iterable[Fact]) -> int:
        """After `findings`, the facts that count gained `later` (after all others in care
        order): how many of them are late. The findings are then `current`."""
        late = self._late
        added = [fact for fact in later if id(fact) in late]
        self._counting.extend(added)
        if added and not self.per_event:
            self._regroup(added)
        return len(added)

    def _regroup(self, added: Iterable[Fact]) -> None:
        """`registration.grouped_findings` of every late fact that counts, after `added`:
        only the groups `added` joined get a new finding, the others keep theirs (the same
        object, so a sweep can tell they did not change)."""
        groups, by_group = self._groups, self._by_group
        touched: set[str] = set()
        for fact in added:
            occurrence = _occurrence(fact)
            if occurrence not in groups:
                groups[occurrence] = _Group(occurrence, self._lag)
            groups[occurrence].add(fact)
            touched.add(occurrence)
        for occurrence in touched:
            by_group[occurrence] = groups[occurrence].finding(*self.framing)
        self._grouped = [by_group[key] for key in sorted(groups)]

    def current(self) -> list[Finding]:
        return self._current()

    def _current(self) -> list[Finding]:
        if self.per_event:
            return [self._late[id(fact)] for fact in self._counting]  # type: ignore[misc]
        return self._grouped

    def newest(self, added: int) -> list[Finding]:
        """Per event: the findings of the last `added` late facts that count."""
        facts = self._counting[len(self._counting) - added :]
        return [self._late[id(fact)] for fact in facts]  # type: ignore[misc]


__all__ = ["Lateness", "framed"]
