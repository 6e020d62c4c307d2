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
how many earlier orders of the same kind the client had (first term, next, later).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from domain.facts import Fact
from domain.rulebook import Limit, Rulebook
from domain.rules.findings import Finding, article, day
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
    start = order.registered.data.valid_from
    return sum(
        1
        for other in orders
        if other.kind == order.kind
        and other.authorization_id != order.authorization_id
        and other.registered.data.valid_from < start
    )


def authorization_too_long(facts: Iterable[Fact], book: Rulebook) -> Iterator[Finding]:
    orders = fold_authorizations(facts)
    for order in orders:
        rules = book.authorizations[order.kind]
        earlier = _earlier_terms(order, orders)
        maximum = rules.maximum_for(earlier)
        data = order.registered.data
        if data.valid_until <= maximum.after(data.valid_from):
            continue
        term = "first" if earlier == 0 else "follow-up"
        message = (
            f"{order.kind} {order.authorization_id} is valid from {day(data.valid_from)} to "
            f"{day(data.valid_until)}, longer than the {maximum} a {term} order may last "
            f"({article(rules.source)})."
        )
        yield Finding(
            "AUTHORIZATION-TOO-LONG",
            order.authorization_id,
            order.registered.occurred_at,
            (order.registered.event_id,),
            message,
            framework=rules.framework,
        )
