"""LATE-REGISTRATION (policy) and AUTHORIZATION-TOO-LONG: rules about the records themselves.

LATE-REGISTRATION: an event recorded more than the registration lag after it occurred
(`recorded_at > occurred_at + lag`). It holds from `recorded_at`, the moment the late record
was made, so the answer for `as_of` never depends on a recording that had not happened yet:
an event that occurred before `as_of` but was recorded after it counts as care, but its
lateness shows only from its `recorded_at` on. It stays open as a finding about the record
until the event is retracted.

AUTHORIZATION-TOO-LONG is about an authorisation, not a measure: one measure may rely on
several orders and one order serves every measure of the client. It is therefore evaluated
by `engine.evaluate_authorization` over the provider's authorisation facts of one client,
with `measure_id = None` and the `authorization_id` as occurrence. The maximum depends on
the order's term (first, next, later). Under 2026.1 every earlier order of the same kind
counts as a previous term. Under 2026.2 only the orders it "follows on" do (Wvggz 6:5
"aansluit op", Wzd 39, Jeugdwet 6.1.12 lid 2: `follows_on` and `follow_on_gap` in the
rulebook): a zorgmachtiging that starts months after the last one ended is a first one
again, and a retracted predecessor (no longer among the facts) does not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from domain.facts import Fact
from domain.rulebook import AuthorizationKindRules, Limit, Period, Rulebook
from domain.rules.findings import Finding, article, day, unique
from domain.rules.timeline_state import Authorization, fold_authorizations


def late_registration(facts: Iterable[Fact], book: Rulebook) -> Iterator[Finding]:
    if not book.enabled("LATE-REGISTRATION"):
        return
    lag = book.limit("registration_lag")
    for fact in facts:
        finding = late_finding(fact, lag)
        if finding is not None:
            yield finding


def late_finding(fact: Fact, lag: Limit) -> Finding | None:
    """LATE-REGISTRATION of one fact: it depends on nothing else, so it can be judged once."""
    if fact.recorded_at <= lag.period.after(fact.occurred_at):
        return None
    message = (
        f"The {fact.type} event of {day(fact.occurred_at)} was recorded only on "
        f"{day(fact.recorded_at)}, more than {lag.period} later ({article(lag.source)})."
    )
    return Finding("LATE-REGISTRATION", fact.event_id, fact.recorded_at, (fact.event_id,), message)


def _earlier_terms(order: Authorization, orders: tuple[Authorization, ...]) -> int:
    """2026.1: every earlier order of the same kind is a previous term."""
    start = order.registered.data.valid_from
    return sum(
        1
        for other in orders
        if other.kind == order.kind
        and other.authorization_id != order.authorization_id
        and other.registered.data.valid_from < start
    )


def end_for_follow_on(previous: Authorization, order: Authorization) -> datetime:
    """Until when `previous` was in force as the court granting `order` found it: its
    valid_until, or its authorization.ended if that came first and no later than `order`
    was registered (an end recorded afterwards does not undo a lawful follow-on)."""
    end = previous.registered.data.valid_until
    ended = previous.ended
    if ended is not None and ended.occurred_at <= order.registered.occurred_at:
        end = min(end, ended.occurred_at)
    return end


def follows_on(order: Authorization, previous: Authorization, book: Rulebook) -> bool:
    """Whether `order` follows on `previous` (Wvggz 6:5 "aansluit op", Wzd 39, Jeugdwet
    6.1.12 lid 2): a predecessor kind that started earlier, and `order` starts no later than
    its end plus the framework's follow_on_gap (inclusive)."""
    rules = book.authorizations[order.kind]
    if rules.follows_on is None or previous.kind not in rules.follows_on:
        return False
    start = order.registered.data.valid_from
    if previous.authorization_id == order.authorization_id:
        return False
    if not previous.registered.data.valid_from < start:
        return False
    gap = book.period("follow_on_gap", rules.framework)
    return start <= gap.after(end_for_follow_on(previous, order))


class _Terms:
    """Per order: how many terms of the chain it follows on came before it, and the
    predecessor it continues (the one with the longest chain; None for a first order)."""

    def __init__(self, orders: tuple[Authorization, ...], book: Rulebook) -> None:
        self._orders, self._book = orders, book
        self._memo: dict[str, tuple[int, Authorization | None]] = {}

    def of(self, order: Authorization) -> tuple[int, Authorization | None]:
        key = order.authorization_id
        if key not in self._memo:  # predecessors start strictly earlier: no cycle
            best: tuple[int, Authorization | None] = (0, None)
            for previous in self._orders:
                if follows_on(order, previous, self._book):
                    terms = self.of(previous)[0] + 1
                    if terms > best[0]:
                        best = (terms, previous)
            self._memo[key] = best
        return self._memo[key]


def authorization_too_long(facts: Iterable[Fact], book: Rulebook) -> Iterator[Finding]:
    orders = fold_authorizations(facts)
    terms = _Terms(orders, book)
    for order in orders:
        rules = book.authorizations[order.kind]
        if rules.follows_on is None:
            earlier, previous = _earlier_terms(order, orders), None
        else:
            earlier, previous = terms.of(order)
        maximum = rules.maximum_for(earlier)
        data = order.registered.data
        if data.valid_until <= maximum.after(data.valid_from):
            continue
        yield Finding(
            "AUTHORIZATION-TOO-LONG",
            order.authorization_id,
            order.registered.occurred_at,
            unique(
                order.registered.event_id,
                None if previous is None else previous.registered.event_id,
            ),
            _too_long_message(order, rules, maximum, earlier, previous, book),
            framework=rules.framework,
        )


def _too_long_message(
    order: Authorization,
    rules: AuthorizationKindRules,
    maximum: Period,
    earlier: int,
    previous: Authorization | None,
    book: Rulebook,
) -> str:
    data = order.registered.data
    head = (
        f"{order.kind} {order.authorization_id} is valid from {day(data.valid_from)} to "
        f"{day(data.valid_until)}, longer than the {maximum}"
    )
    if rules.follows_on is None:  # 2026.1's wording
        term = "first" if earlier == 0 else "follow-up"
        return f"{head} a {term} order may last ({article(rules.source)})."
    if previous is not None:
        return (
            f"{head} an order that follows on {previous.kind} {previous.authorization_id} "
            f"may last ({article(rules.source)})."
        )
    kinds = " or ".join(sorted(rules.follows_on))
    gap = book.period("follow_on_gap", rules.framework)
    return (
        f"{head} a first order may last: it does not follow on a {kinds} in force until "
        f"at most {gap} before it ({article(rules.source)})."
    )
