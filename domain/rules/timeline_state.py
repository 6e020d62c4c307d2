"""Fold the facts of one measure, as they stood at a moment, into what the rules ask about.

"As they stood at τ" (CONTRACT.md §2): a fact counts when `occurred_at <= τ`, whenever it was
recorded, unless a retraction that itself counts at τ names it. A retraction therefore takes
effect at its own `occurred_at`: before it the retracted event counts, from then on it does
not. Retracting a retraction brings the original back from that moment.

Validity windows are half-open: an authorisation holds on `[valid_from, valid_until)` and
stops at the `occurred_at` of its `authorization.ended`; an approved review holds from its
decision until its `valid_until` or the next review decision. At `valid_until` itself the
basis is gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.facts import Fact

RETRACTED = "event.retracted"


def sort_key(fact: Fact) -> tuple[datetime, bool, int, str]:
    """Care order: occurred_at, then the ledger position (unknown last), then event_id."""
    return (fact.occurred_at, fact.position is None, fact.position or 0, fact.event_id)


#: One retraction known from elsewhere: its own event id and its `occurred_at`.
Retraction = tuple[str, datetime]
#: Retractions stored in other streams, by the event they name (`retracts_event_id`).
#: A retraction of a retraction is an entry too, so a chain can be followed by id.
External = Mapping[str, Sequence[Retraction]]


def active_facts(facts: Sequence[Fact], moment: datetime, external: External) -> list[Fact]:
    """The facts that count at `moment`, in care order (see the module docstring)."""
    known = [fact for fact in facts if fact.occurred_at <= moment]
    verdict = counting(known, moment, external)
    return sorted((fact for fact in known if verdict[fact.event_id]), key=sort_key)


def counting(known: Sequence[Fact], moment: datetime, external: External) -> dict[str, bool]:
    """Whether each known fact (by event_id) counts at `moment`.

    A fact counts unless a retraction of it that has occurred by `moment` counts itself; so
    a retraction that was retracted retracts nothing, and retracting that one again takes
    the fact away again, at any depth and whether each retraction is a fact here or comes
    from `external`. A retraction is judged by its event id alone, since one from
    elsewhere is known by its id and time only.

    `known` must be the facts with `occurred_at <= moment` in the caller's order: only a
    (malformed) retraction cycle makes the answer depend on that order, and keeping it means
    the fast path (`domain.rules.incremental`) agrees with `active_facts` even then.
    """
    retractions: dict[str, list[str]] = {}
    for target, entries in external.items():
        for retraction_id, at in entries:
            if at <= moment:
                retractions.setdefault(target, []).append(retraction_id)
    for fact in known:
        if fact.type == RETRACTED:
            named = retractions.setdefault(fact.data.retracts_event_id, [])
            if fact.event_id not in named:  # also known from elsewhere: the same retraction
                named.append(fact.event_id)
    return standing([fact.event_id for fact in known], retractions)


def standing(event_ids: Iterable[str], retractions: Mapping[str, Sequence[str]]) -> dict[str, bool]:
    """Whether each event counts, given which retractions (by id) name which event: an
    event counts unless a retraction of it counts, recursively. Every id it had to judge
    is in the answer. `retractions` holds only the retractions that have occurred."""
    memo: dict[str, bool] = {}

    def counts(event_id: str, seen: frozenset[str]) -> bool:
        if event_id in memo:
            return memo[event_id]
        result = True
        if event_id not in seen:  # `seen` guards a (malformed) retraction cycle
            inner = seen | {event_id}
            result = not any(counts(r, inner) for r in retractions.get(event_id, ()))
        memo[event_id] = result
        return result

    for event_id in event_ids:
        counts(event_id, frozenset())
    return memo


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open span `[start, end)` in which a basis holds; `end=None` is open-ended."""

    start: datetime
    end: datetime | None

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


def uncovered(windows: Iterable[Window], start: datetime) -> list[Window]:
    """The spans from `start` on that no window covers, in order (the last may be open-ended)."""
    gaps: list[Window] = []
    cursor: datetime | None = start
    ordered = sorted(windows, key=lambda w: w.start)
    while cursor is not None:
        covering = [w for w in ordered if w.holds(cursor)]
        if covering:
            ends = [w.end for w in covering]
            cursor = None if None in ends else max(e for e in ends if e is not None)
            continue
        later = [w.start for w in ordered if w.start > cursor]
        gaps.append(Window(cursor, min(later) if later else None))
        cursor = min(later) if later else None
    return gaps


@dataclass(frozen=True, slots=True)
class Authorization:
    """One authorisation as it stands: the latest registration of its id, and its end."""

    registered: Fact
    ended: Fact | None

    @property
    def authorization_id(self) -> str:
        return self.registered.data.authorization_id

    @property
    def kind(self) -> str:
        return self.registered.data.kind

    @property
    def window(self) -> Window:
        data = self.registered.data
        end = data.valid_until
        if self.ended is not None and self.ended.occurred_at < end:
            end = self.ended.occurred_at
        return Window(data.valid_from, max(end, data.valid_from))

    def covers(self, category: str | None) -> bool:
        covers = self.registered.data.covers
        return covers is None or category in covers

    @property
    def evidence(self) -> tuple[str, ...]:
        ended = () if self.ended is None else (self.ended.event_id,)
        return (self.registered.event_id, *ended)


def fold_authorizations(facts: Iterable[Fact]) -> tuple[Authorization, ...]:
    """Authorisations by id: the latest registration wins, the first end counts."""
    registered: dict[str, Fact] = {}
    ended: dict[str, Fact] = {}
    for fact in facts:
        if fact.type == "authorization.registered":
            registered[fact.data.authorization_id] = fact
        elif fact.type == "authorization.ended":
            ended.setdefault(fact.data.authorization_id, fact)
    return tuple(Authorization(reg, ended.get(key)) for key, reg in registered.items())


def _of(facts: Sequence[Fact], type_name: str) -> tuple[Fact, ...]:
    return tuple(fact for fact in facts if fact.type == type_name)


#: The fact types `MeasureState` groups, and the field each group becomes.
GROUPS: dict[str, str] = {
    "measure.proposed": "proposals",
    "stappenplan.step_completed": "steps",
    "review.requested": "review_requests",
    "review.decided": "decisions",
    "measure.applied": "applications",
    "measure.evaluated": "evaluations",
    "measure.extended": "extensions",
    "measure.ended": "ends",
}


@dataclass(frozen=True, slots=True)
class MeasureState:
    """One measure at a moment: its counting facts grouped by what the rules ask about.

    `plan`, `framework` and `category` are stored, not derived on each access: the rules ask
    for them hundreds of thousands of times in a rebuild.
    """

    facts: tuple[Fact, ...]  # every counting fact of the measure, in care order
    proposal: Fact | None  # the latest proposal: a new one replaces the plan
    steps: tuple[Fact, ...]
    review_requests: tuple[Fact, ...]
    decisions: tuple[Fact, ...]
    applications: tuple[Fact, ...]
    evaluations: tuple[Fact, ...]
    extensions: tuple[Fact, ...]
    end: Fact | None  # the first measure.ended
    authorizations: tuple[Authorization, ...]
    plan: Any  # the proposal's data (framework, category, term ...), None without a proposal
    framework: str | None
    category: str | None
    # every counting proposal in care order (`proposal` is the last): the plan's versions,
    # which the Jeugdwet plan rules read (an application is in the plan if one came before)
    proposals: tuple[Fact, ...] = ()
    # (the first application that says it is an emergency, the first that says nothing),
    # when the caller tracked them as facts came in; None: `first_emergency` scans
    emergency_hint: tuple[Fact | None, Fact | None] | None = None

    @classmethod
    def fold(cls, measure: Sequence[Fact], authorizations: Sequence[Fact]) -> MeasureState:
        """Group already-active facts (care order) of one measure and its client's orders."""
        groups = {field: _of(measure, type_name) for type_name, field in GROUPS.items()}
        return cls.of_groups(tuple(measure), groups, fold_authorizations(authorizations))

    @classmethod
    def of_groups(
        cls,
        facts: tuple[Fact, ...],
        groups: Mapping[str, tuple[Fact, ...]],
        authorizations: tuple[Authorization, ...],
        emergency_hint: tuple[Fact | None, Fact | None] | None = None,
    ) -> MeasureState:
        """From facts already grouped by `GROUPS` field name (each group in care order)."""
        proposals, ends = groups["proposals"], groups["ends"]
        proposal = proposals[-1] if proposals else None
        plan = None if proposal is None else proposal.data
        return cls(  # positional, in field order: built once per sweep moment
            facts,
            proposal,
            groups["steps"],
            groups["review_requests"],
            groups["decisions"],
            groups["applications"],
            groups["evaluations"],
            groups["extensions"],
            ends[0] if ends else None,
            authorizations,
            plan,
            None if plan is None else plan.framework,
            None if plan is None else plan.category,
            proposals,
            emergency_hint,
        )

    # -- what the measure is ----------------------------------------------------------
    @property
    def active(self) -> bool:
        """Applied at least once and not ended (CONTRACT.md §2 'active measure')."""
        return bool(self.applications) and self.end is None

    def is_emergency(self, applied: Fact) -> bool:
        """An application is an emergency if it says so, else if the proposal was one."""
        if applied.data.emergency is not None:
            return applied.data.emergency
        return bool(self.plan is not None and self.plan.emergency)

    def first_emergency(self) -> Fact | None:
        """The first application that `is_emergency`, in care order.

        Without a hint this scans the applications; a sweep that folds facts as they come
        passes `emergency_hint` so that the rules asking this at every moment stay linear.
        """
        if self.emergency_hint is None:
            return next((fact for fact in self.applications if self.is_emergency(fact)), None)
        said, silent = self.emergency_hint
        if silent is None or not (self.plan is not None and self.plan.emergency):
            return said
        if said is None:
            return silent
        return min(said, silent, key=sort_key)

    def steps_before(self, moment: datetime) -> set[str]:
        return {fact.data.step for fact in self.steps if fact.occurred_at <= moment}

    # -- reviews ----------------------------------------------------------------------
    def reviews(self, rules: Any) -> tuple[Fact, ...]:
        """The review decisions that count as the review for the framework's `rules`
        (`FrameworkRules.counts_as_review`: who may decide)."""
        if rules.reviewer_roles is None:
            return self.decisions
        return tuple(fact for fact in self.decisions if rules.counts_as_review(fact))

    def latest_decision(
        self, moment: datetime, reviews: Sequence[Fact] | None = None
    ) -> Fact | None:
        decisions = self.decisions if reviews is None else reviews
        earlier = [fact for fact in decisions if fact.occurred_at <= moment]
        return earlier[-1] if earlier else None

    def approval_windows(self, reviews: Sequence[Fact] | None = None) -> list[Window]:
        """When an approved review was in force: until valid_until or the next decision."""
        decisions = self.decisions if reviews is None else reviews
        windows = []
        for index, fact in enumerate(decisions):
            if fact.data.decision != "approved":
                continue
            ends = [fact.data.valid_until] if fact.data.valid_until else []
            ends += [later.occurred_at for later in decisions[index + 1 :]][:1]
            windows.append(
                Window(fact.occurred_at, max(min(ends), fact.occurred_at) if ends else None)
            )
        return windows

    def authorizations_for(self, kinds: frozenset[str]) -> tuple[Authorization, ...]:
        return tuple(auth for auth in self.authorizations if auth.kind in kinds)
