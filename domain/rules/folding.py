"""Facts in care order, once, and the `MeasureState` groups kept up to date as a sweep
moves forward: the cheap half of `domain.rules.incremental`.

The facts with `occurred_at <= τ` are a prefix of the care order (cut with bisect); without
retractions that prefix is exactly what counts, and a later moment only appends to it.
With retractions, `counting` is asked with the facts in the caller's order, as
`active_facts` does; a stable sort commutes with filtering, so the order is the same.
A group made of the same fact objects as before keeps its tuple, so "did it change" is an
identity check, and the folder reports which groups changed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.facts import Fact
from domain.rules.parts import AUTHORIZATIONS, FIRST_APPLICATION
from domain.rules.timeline_state import (
    GROUPS,
    RETRACTED,
    Authorization,
    External,
    MeasureState,
    counting,
    fold_authorizations,
    sort_key,
)
from domain.wire import AUTHORIZATION_TYPES


def same(new: Sequence[Fact], old: Sequence[Fact]) -> bool:
    """The same fact objects in the same order (identity, so no deep comparison)."""
    return len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))


class Timeline:
    """The facts that count at a moment (`active_facts`), without sorting per moment."""

    __slots__ = ("_external", "_facts", "_ordered", "_times", "plain")

    def __init__(self, facts: Sequence[Fact], external: External) -> None:
        self._facts = facts
        self._ordered = sorted(facts, key=sort_key)
        self._times = [fact.occurred_at for fact in self._ordered]
        self._external = external
        self.plain = not external and all(fact.type != RETRACTED for fact in facts)

    def count(self, moment: datetime) -> int:
        """How many facts occurred by `moment`: when `plain`, the ones that count."""
        return bisect_right(self._times, moment)

    def between(self, start: int, stop: int) -> list[Fact]:
        return self._ordered[start:stop]

    def active(self, moment: datetime) -> list[Fact]:
        known = self._ordered[: bisect_right(self._times, moment)]
        if self.plain:
            return known
        in_order = [fact for fact in self._facts if fact.occurred_at <= moment]
        verdict = counting(in_order, moment, self._external)
        return [fact for fact in known if verdict[fact.event_id]]


class Folder:
    """`MeasureState.fold` that keeps each unchanged group's tuple and says what changed."""

    __slots__ = ("_authorizations", "_emergency", "_facts", "_groups", "_orders")

    def __init__(self) -> None:
        self._groups: dict[str, tuple[Fact, ...]] = {field: () for field in GROUPS.values()}
        self._facts: tuple[Fact, ...] = ()
        self._orders: tuple[Fact, ...] = ()
        self._authorizations: tuple[Authorization, ...] = ()
        # the first application saying emergency, the first saying nothing (`first_emergency`)
        self._emergency: tuple[Fact | None, Fact | None] = (None, None)

    @property
    def facts(self) -> tuple[Fact, ...]:
        """`MeasureState.facts`, without building the state."""
        return self._facts

    @property
    def plan(self) -> Any:
        proposals = self._groups["proposals"]
        return proposals[-1].data if proposals else None

    def state(self) -> MeasureState:
        return MeasureState.of_groups(
            self._facts, self._groups, self._authorizations, self._emergency
        )

    def _note_application(self, applied: Fact) -> None:
        said, silent = self._emergency
        flag = applied.data.emergency
        if flag is True and said is None:
            self._emergency = (applied, silent)
        elif flag is None and silent is None:
            self._emergency = (said, applied)

    def fold(self, active: Sequence[Fact]) -> set[str]:
        """The state of exactly these facts (care order)."""
        buckets: dict[str, list[Fact]] = {field: [] for field in GROUPS.values()}
        own: list[Fact] = []
        orders: list[Fact] = []
        for fact in active:
            if fact.type in AUTHORIZATION_TYPES:
                orders.append(fact)
                continue
            own.append(fact)
            field = GROUPS.get(fact.type)
            if field is not None:
                buckets[field].append(fact)
        changed: set[str] = set()
        groups = self._groups
        for field, new in buckets.items():
            if not same(new, groups[field]):
                if field == "applications" and not same(new[:1], groups[field][:1]):
                    changed.add(FIRST_APPLICATION)
                groups[field] = tuple(new)
                changed.add(field)
                if field == "applications":
                    self._emergency = (None, None)
                    for applied in new:
                        self._note_application(applied)
        if not same(orders, self._orders):
            self._orders = tuple(orders)
            self._authorizations = fold_authorizations(self._orders)
            changed.add(AUTHORIZATIONS)
        if not same(own, self._facts):
            self._facts = tuple(own)
        return changed

    def extend(self, later: Sequence[Fact]) -> set[str]:
        """The state after appending facts that come after all folded ones in care order."""
        changed: set[str] = set()
        groups = self._groups
        for fact in later:
            if fact.type in AUTHORIZATION_TYPES:
                self._orders += (fact,)
                changed.add(AUTHORIZATIONS)
                continue
            self._facts += (fact,)
            field = GROUPS.get(fact.type)
            if field is not None:
                if field == "applications":
                    if not groups[field]:
                        changed.add(FIRST_APPLICATION)
                    self._note_application(fact)
                groups[field] += (fact,)
                changed.add(field)
        if AUTHORIZATIONS in changed:
            self._authorizations = fold_authorizations(self._orders)
        return changed
