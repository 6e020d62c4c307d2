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
- The findings come in pieces (`MeasureFindings.changes`): a sweep that moves forward is
  told only the pieces that changed, and `domain.rules.sweep_changes` re-decides only their
  keys, so judging a measure stays linear in its history (`tests/test_rules_linear.py`).
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
from domain.rules.lateness import Lateness, framed
from domain.rules.parts import PARTS, Part
from domain.rules.registration import authorization_too_long
from domain.rules.sweep_changes import Changes, PieceKey
from domain.rules.timeline_state import External, MeasureState
from domain.rules.title_precedence import title_precedence
from domain.rules.wvggz_procedure import pre_crisis_too_long
from domain.wire import AUTHORIZATION_TYPES

#: For each group, the parts (by index) that must re-run when it changes.
_TRIGGERED_BY: dict[str, frozenset[int]] = {
    group: frozenset(i for i, part in enumerate(PARTS) if group in part.triggers)
    for group in {group for part in PARTS for group in part.triggers}
}
#: The pieces of LATE-REGISTRATION come after every part's (rule order).
_LATE = len(PARTS)

Pieces = dict[PieceKey, list[Finding]]


def _kept(
    each: dict[int, list[Finding]],
    part: Part,
    applications: tuple[Fact, ...],
    known: int,
    changed: set[str],
    since: datetime | None,
) -> int:
    """Drop the per-application findings that what changed can affect; how many of the
    first `known` applications keep theirs.

    If only `as_of` groups changed, by facts that occurred from `since` on, an application
    that occurred before `since` is judged as before. Applications are in care order, so
    the ones judged again are a suffix: walk back from the end, not over the history.
    """
    if part.reads.isdisjoint(changed):
        return known
    if since is None or not (part.reads - part.as_of).isdisjoint(changed):
        each.clear()
        return 0
    while known and applications[known - 1].occurred_at >= since:
        known -= 1
        each.pop(id(applications[known]), None)
    for applied in applications[known:]:  # the new ones: nothing to keep
        each.pop(id(applied), None)
    return known


class MeasureFindings:
    """`reference.measure_findings`, for moments visited in any order (fastest forwards).

    Called with a moment it returns the whole list of findings; `changes` gives a sweep
    (`domain.rules.sweep_changes`) only the pieces that changed since the previous moment:
    one per rule part, one per application of a part per application, and the
    LATE-REGISTRATION ones, keyed in rule order. Moving forward without retractions only
    appends facts, and then a moment costs what it adds.
    """

    def __init__(self, facts: Sequence[Fact], book: Rulebook, external: External) -> None:
        self._book = book
        self._timeline = Timeline(facts, external)
        self._folder = Folder()
        self._late = Lateness(facts, book)
        self._folded: int | None = None  # facts folded so far, while only appending
        # per part: its last findings (whole), or per application by position (pieces),
        # and for a part per application a cache by application (object id)
        self._outputs: list[list[Finding]] = [[] for _ in PARTS]
        self._apps: list[list[list[Finding]]] = [[] for _ in PARTS]
        self._each: list[dict[int, list[Finding]]] = [{} for _ in PARTS]
        self._live: list[int] = []  # the parts that apply to the framework
        self._lateness: list[Finding] = []  # framed
        self._framing: tuple[str | None, str | None] = (None, None)  # the plan's
        self._started = False

    def _fold(self, moment: datetime) -> tuple[set[str], datetime | None, list[Fact] | None]:
        """What changed since the previous moment, from when the changed facts occurred
        (None: anything may have changed), and the facts appended (None: refolded).
        Without retractions a later moment only appends facts, which occurred no earlier
        than any folded one: fold just those."""
        timeline = self._timeline
        if timeline.plain:
            count, folded = timeline.count(moment), self._folded
            self._folded = count
            if folded is not None and count >= folded:
                if count == folded:
                    return set(), None, []
                later = timeline.between(folded, count)
                return self._folder.extend(later), later[0].occurred_at, later
        return self._folder.fold(timeline.active(moment)), None, None

    def __call__(self, moment: datetime) -> list[Finding]:
        self.changes(moment, False)
        found: list[Finding] = []
        for index, part in enumerate(PARTS):
            if part.per_application:
                found.extend(chain.from_iterable(self._apps[index]))
            else:
                found.extend(self._outputs[index])
        found.extend(self._lateness)
        return found

    def changes(self, moment: datetime, full: bool) -> Changes:
        """The pieces that changed since the previous call (`full`: every piece, reset)."""
        changed, since, later = self._fold(moment)
        if later is None or not self._started or "proposals" in changed:
            self._rebuild(changed)
            self._started = True
            return True, self._all()
        pieces: Pieces = {}
        if changed:
            self._rules(changed, since, pieces)
        late = self._late
        if late and later:
            own = [fact for fact in later if fact.type not in AUTHORIZATION_TYPES]
            added = late.extend(own)
            if added:
                self._relate(pieces, added)
        if full:
            return True, self._all()
        return False, pieces.items()

    def _all(self) -> list[tuple[PieceKey, list[Finding]]]:
        """Every piece that has findings (after a reset the sweep holds none)."""
        pieces: list[tuple[PieceKey, list[Finding]]] = []
        for index in self._live:
            if PARTS[index].per_application:
                apps = self._apps[index]
                pieces.extend(((index, pos), out) for pos, out in enumerate(apps) if out)
            elif self._outputs[index]:
                pieces.append(((index, 0), self._outputs[index]))
        pieces.extend(((_LATE, pos), [f]) for pos, f in enumerate(self._lateness))
        return pieces

    def _frame(self, findings: Iterable[Finding]) -> list[Finding]:
        """With the plan's framework and category (set when the plan changes: a reset)."""
        return framed(findings, *self._framing)

    def _relate(self, pieces: Pieces, added: int) -> None:
        """LATE-REGISTRATION after `added` more late facts count."""
        late = self._late
        if late.per_event:
            start = len(self._lateness)
            self._lateness.extend(self._frame(late.newest(added)))
            for pos in range(start, len(self._lateness)):
                pieces[(_LATE, pos)] = [self._lateness[pos]]
            return
        before = self._lateness
        self._lateness = late.current()  # grouped findings come framed, unchanged ones kept
        after = self._lateness
        for pos in range(max(len(before), len(after))):
            was = before[pos] if pos < len(before) else None
            if pos >= len(after) or after[pos] is not was:
                pieces[(_LATE, pos)] = after[pos : pos + 1]

    def _rebuild(self, changed: set[str]) -> None:
        """Every piece again, after a refold, a new plan, or at the first moment; only the
        parts whose groups changed re-run (and per application only where what it reads
        changed)."""
        fresh = not self._started or "proposals" in changed
        if fresh:
            plan = self._folder.plan
            self._framing = (None, None) if plan is None else (plan.framework, plan.category)
            self._late.framing = self._framing
            framework = self._framing[0]
            self._live = [i for i, part in enumerate(PARTS) if part.applies(framework)]
            self._outputs = [[] for _ in PARTS]
            self._apps = [[] for _ in PARTS]
            self._each = [{} for _ in PARTS]
        triggered = set().union(*(_TRIGGERED_BY.get(group, ()) for group in changed))
        state = self._folder.state()
        book = self._book
        for index in self._live:
            if not fresh and index not in triggered:
                continue
            part = PARTS[index]
            if not part.per_application:
                self._outputs[index] = self._frame(part.run(state, book))
                continue
            each = self._each[index]
            _kept(each, part, (), 0, changed, None)  # a refold: anything may have changed
            judged = [self._judged(part, each, state, applied) for applied in state.applications]
            self._apps[index] = judged
        late = self._late
        if not late:
            self._lateness = []
        elif late.per_event:
            self._lateness = self._frame(late.findings(self._folder.facts))
        else:  # grouped: framed as they are built
            self._lateness = late.findings(self._folder.facts)

    def _judged(
        self, part: Part, each: dict[int, list[Finding]], state: MeasureState, applied: Fact
    ) -> list[Finding]:
        key = id(applied)
        if key not in each:
            each[key] = framed(part.run(state, self._book, applied), *self._framing)
        return each[key]

    def _rules(self, changed: set[str], since: datetime | None, pieces: Pieces) -> None:
        """Re-run only the parts whose groups changed, after appended facts."""
        triggered = set().union(*(_TRIGGERED_BY.get(group, ()) for group in changed))
        rerun = [i for i in self._live if i in triggered]
        if not rerun:
            return
        state = self._folder.state()
        book = self._book
        for index in rerun:
            part = PARTS[index]
            if not part.per_application:
                self._outputs[index] = output = framed(part.run(state, book), *self._framing)
                pieces[(index, 0)] = output
                continue
            each, judged = self._each[index], self._apps[index]
            apps = state.applications
            known = len(judged)
            if not part.reads.isdisjoint(changed):
                known = _kept(each, part, apps, known, changed, since)
            del judged[known:]
            for pos in range(known, len(apps)):
                judged.append(self._judged(part, each, state, apps[pos]))
                pieces[(index, pos)] = judged[pos]


class AuthorizationFindings:
    """`reference.authorization_findings`: AUTHORIZATION-TOO-LONG and GEN-TITLE-PRECEDENCE
    re-judged only when the orders change."""

    def __init__(self, facts: Sequence[Fact], book: Rulebook, external: External) -> None:
        self._book = book
        self._timeline = Timeline(facts, external)
        self._late = Lateness(facts, book)
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
