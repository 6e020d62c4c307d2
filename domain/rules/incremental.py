"""The findings at each moment of a sweep, computed incrementally: the same lists as
`domain.rules.reference`, several times faster (the alert index calls this for every
changed measure, so rebuilding the projections spends most of its time here).

Why it is faster, and why the answer is the same:

- `domain.rules.folding` sorts the facts once and, sweeping forward, folds only the facts
  a moment adds, reporting which `MeasureState` groups changed.
- A rule part (`domain.rules.parts`) none of whose groups changed keeps its previous
  findings: rules are pure functions of the state and the rulebook. A part per application
  is judged once per application while the rest of what it reads stays the same. Parts
  that cannot apply to the framework do not run.
- Whether a fact was registered late depends on that fact alone: it is judged once per
  fact, not per moment; per moment only the late facts that count are collected (and, under
  2026.2, grouped into one finding per measure or authorisation, reused while they stay the
  same facts).
- `measure_findings` lets `next_deadline` right after `evaluate` on the same facts reuse the
  swept instance.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import chain

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.findings import Finding
from domain.rules.folding import Folder, Timeline, same
from domain.rules.parts import PARTS, Part
from domain.rules.registration import (
    authorization_too_long,
    grouped_findings,
    is_late,
    late_finding,
)
from domain.rules.timeline_state import External, MeasureState
from domain.rules.title_precedence import title_precedence
from domain.rules.wvggz_procedure import pre_crisis_too_long
from domain.wire import AUTHORIZATION_TYPES

#: For each group, the parts (by index) that must re-run when it changes.
_TRIGGERED_BY: dict[str, frozenset[int]] = {
    group: frozenset(i for i, part in enumerate(PARTS) if group in part.triggers)
    for group in {group for part in PARTS for group in part.triggers}
}


def _framed(
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


class _Lateness:
    """LATE-REGISTRATION of a measure's or a client's facts: which facts are late is judged
    once per fact (keyed by object id; the facts outlive it); the findings at a moment are
    those of the late facts that count then, per event (2026.1) or grouped (2026.2)."""

    def __init__(self, facts: Iterable[Fact], book: Rulebook) -> None:
        self._per_event = book.registration == "per_event"
        self._late: dict[int, Finding | None] = {}
        self._last: tuple[int, ...] | None = None
        self._grouped: list[Finding] = []
        if not book.enabled("LATE-REGISTRATION"):
            return
        lag = book.limit("registration_lag")
        self._lag = lag
        for fact in facts:
            if is_late(fact, lag, book):
                self._late[id(fact)] = late_finding(fact, lag) if self._per_event else None

    def __bool__(self) -> bool:
        return bool(self._late)

    def findings(self, counting: Iterable[Fact]) -> list[Finding]:
        """The findings of the late facts among `counting` (the facts that count, in order)."""
        late = self._late
        facts = [fact for fact in counting if id(fact) in late]
        if self._per_event:
            return [late[id(fact)] for fact in facts]  # type: ignore[misc]
        ids = tuple(id(fact) for fact in facts)
        if ids != self._last:
            self._last, self._grouped = ids, grouped_findings(facts, self._lag)
        return self._grouped


def _forget(
    each: dict[int, list[Finding]],
    part: Part,
    state: MeasureState,
    changed: set[str],
    since: datetime | None,
) -> None:
    """Drop the per-application findings that what changed can affect.

    If only `as_of` groups changed, by facts that occurred from `since` on, an application
    that occurred before `since` is judged as before.
    """
    if since is None or not (part.reads - part.as_of).isdisjoint(changed):
        each.clear()
        return
    for applied in state.applications:
        if applied.occurred_at >= since:
            each.pop(id(applied), None)


class MeasureFindings:
    """`reference.measure_findings`, for moments visited in any order (fastest forwards)."""

    def __init__(self, facts: Sequence[Fact], book: Rulebook, external: External) -> None:
        self._book = book
        self._timeline = Timeline(facts, external)
        self._folder = Folder()
        self._late = _Lateness(facts, book)
        self._folded: int | None = None  # facts folded so far, while only appending
        # per part: its last findings, and for a part per application those per application
        self._outputs: list[list[Finding]] = [[] for _ in PARTS]
        self._each: list[dict[int, list[Finding]]] = [{} for _ in PARTS]
        self._live: list[int] = []  # the parts that apply to the framework
        self._found: list[Finding] | None = None  # every part's findings, in order

    def _fold(self, moment: datetime) -> tuple[set[str], datetime | None]:
        """What changed since the previous moment, and from when the changed facts occurred
        (None: anything may have changed). Without retractions a later moment only appends
        facts, which occurred no earlier than any folded one: fold just those."""
        timeline = self._timeline
        if timeline.plain:
            count, folded = timeline.count(moment), self._folded
            self._folded = count
            if folded is not None and count >= folded:
                if count == folded:
                    return set(), None
                later = timeline.between(folded, count)
                return self._folder.extend(later), later[0].occurred_at
        return self._folder.fold(timeline.active(moment)), None

    def __call__(self, moment: datetime) -> list[Finding]:
        changed, since = self._fold(moment)
        if self._found is None or changed:
            self._found = self._rules(changed, since)
        found = list(self._found)
        late = self._late
        if late:
            lateness = late.findings(self._folder.facts)
            if lateness:
                plan = self._folder.plan
                framework, category = (
                    (None, None) if plan is None else (plan.framework, plan.category)
                )
                found.extend(_framed(lateness, framework, category))
        return found

    def _rules(self, changed: set[str], since: datetime | None) -> list[Finding]:
        """Every part's findings, re-running only the parts whose groups changed."""
        if self._found is None or "proposals" in changed:
            plan = self._folder.plan
            framework = None if plan is None else plan.framework
            self._live = [i for i, part in enumerate(PARTS) if part.applies(framework)]
            self._outputs = [[] for _ in PARTS]
            self._each = [{} for _ in PARTS]
            rerun = self._live
        else:
            triggered = set().union(*(_TRIGGERED_BY.get(group, ()) for group in changed))
            rerun = [i for i in self._live if i in triggered]
            if not rerun:
                return self._found
        state = self._folder.state()
        book, framework, category = self._book, state.framework, state.category
        for index in rerun:
            part = PARTS[index]
            if not part.per_application:
                self._outputs[index] = _framed(part.run(state, book), framework, category)
                continue
            each = self._each[index]
            if not part.reads.isdisjoint(changed):
                _forget(each, part, state, changed, since)
            output: list[Finding] = []
            for applied in state.applications:
                key = id(applied)
                if key not in each:
                    each[key] = _framed(part.run(state, book, applied), framework, category)
                output.extend(each[key])
            self._outputs[index] = output
        return list(chain.from_iterable(self._outputs))


class AuthorizationFindings:
    """`reference.authorization_findings`: AUTHORIZATION-TOO-LONG and GEN-TITLE-PRECEDENCE
    re-judged only when the orders change."""

    def __init__(self, facts: Sequence[Fact], book: Rulebook, external: External) -> None:
        self._book = book
        self._timeline = Timeline(facts, external)
        self._late = _Lateness(facts, book)
        self._orders: tuple[Fact, ...] | None = None
        self._too_long: list[Finding] = []
        self._precedence: list[Finding] = []

    def __call__(self, moment: datetime) -> list[Finding]:
        orders = [f for f in self._timeline.active(moment) if f.type in AUTHORIZATION_TYPES]
        if self._orders is None or not same(orders, self._orders):
            self._orders = tuple(orders)
            self._too_long = [
                *authorization_too_long(orders, self._book),
                *pre_crisis_too_long(orders, self._book),
            ]
            self._precedence = list(title_precedence(orders, self._book))
        late = self._late
        return [
            *self._too_long,
            *(late.findings(orders) if late else ()),
            *self._precedence,
        ]


class _Recent(threading.local):
    """The last `MeasureFindings` built on this thread, and what it was built from."""

    facts: Sequence[Fact] = ()
    book: Rulebook | None = None
    external: External | None = None
    findings: MeasureFindings | None = None


_RECENT = _Recent()


def measure_findings(facts: Sequence[Fact], book: Rulebook, external: External) -> MeasureFindings:
    """A `MeasureFindings`, reusing this thread's previous one when built from the same
    inputs: the alert index calls `evaluate` and then `next_deadline` on the same facts, and
    the second call then costs one look-up instead of folding every fact again.

    Reused only for the very same fact objects in the same order (facts and their data are
    immutable), the same rulebook object and equal retractions from elsewhere, so the answer
    is the one a fresh instance gives (which answers moments in any order).
    """
    recent = _RECENT
    hit = recent.book is book and recent.external == external and same(facts, recent.facts)
    if hit and recent.findings is not None:
        return recent.findings
    findings = MeasureFindings(facts, book, external)
    recent.facts, recent.book, recent.external, recent.findings = facts, book, external, findings
    return findings
