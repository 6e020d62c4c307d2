"""LATE-REGISTRATION inside a sweep: judged once per fact, collected as facts come.

Whether a fact was registered late depends on that fact alone, so it is judged once per
fact, not per moment. At a moment the findings are those of the late facts that count then,
one per event (2026.1) or grouped into one per measure or authorisation (2026.2). A sweep
that only appends facts (`extend`) keeps the late facts it has seen, so a moment costs what
it adds, not the whole history.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding
from domain.rules.registration import grouped_findings, is_late, late_finding


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


class Lateness:
    """Which facts are late (keyed by object id; the facts outlive it), and the findings
    of the late facts that count."""

    def __init__(self, facts: Iterable[Fact], book: Rulebook) -> None:
        self.per_event = book.registration == "per_event"
        self._late: dict[int, Finding | None] = {}
        self._last: tuple[int, ...] | None = None
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
        return self._current()

    def extend(self, later: Iterable[Fact]) -> int:
        """After `findings`, the facts that count gained `later` (after all others in care
        order): how many of them are late. The findings are then `current`."""
        late = self._late
        added = [fact for fact in later if id(fact) in late]
        self._counting.extend(added)
        return len(added)

    def current(self) -> list[Finding]:
        return self._current()

    def _current(self) -> list[Finding]:
        facts = self._counting
        if self.per_event:
            return [self._late[id(fact)] for fact in facts]  # type: ignore[misc]
        ids = tuple(id(fact) for fact in facts)
        if ids != self._last:
            self._last, self._grouped = ids, grouped_findings(facts, self._lag)
        return self._grouped

    def newest(self, added: int) -> list[Finding]:
        """Per event: the findings of the last `added` late facts that count."""
        facts = self._counting[len(self._counting) - added :]
        return [self._late[id(fact)] for fact in facts]  # type: ignore[misc]


__all__ = ["Lateness", "framed"]
