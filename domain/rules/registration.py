"""LATE-REGISTRATION (policy) and AUTHORIZATION-TOO-LONG: rules about the records themselves.

LATE-REGISTRATION: an event recorded more than the registration lag after it occurred
(`recorded_at > occurred_at + lag`). Its lateness holds from `recorded_at`, the moment the
late record was made, so the answer for `as_of` never depends on a recording that had not
happened yet: an event that occurred before `as_of` but was recorded after it counts as
care, but its lateness shows only from its `recorded_at` on.

How it is reported depends on the rulebook (`[registration] alerts`):

- "per_event" (2026.1): one finding per late event (occurrence: its event_id), open until
  the event is retracted.
- "per_measure" (2026.2): one finding per measure (occurrence "measure"), and for
  authorisation events, judged per client, one per authorisation (occurrence: its
  authorization_id). Its evidence is every late event of it that counts, in care order
  (occurred_at, then event_id); its message their number and the longest lag; it holds
  from the first late recording (the earliest `recorded_at` among them, the clock the
  per-event finding used) and, as an accumulating finding (`Growth`), each later late
  event joins it from its own `recorded_at`: the alert stays one alert while its evidence
  grows. It resolves when no late event of it counts any more (every one retracted); a
  late event recorded after that opens it again as a second interval (ordinal 2).

A provider's onboarding moment (`Rulebook.onboarding`, 2026.2 only): events that occurred
before it are history loaded when the provider was connected and are not judged for
registration lag; an event at the moment itself is judged.

AUTHORIZATION-TOO-LONG is about an authorisation, not a measure: one measure may rely on
several orders and one order serves every measure of the client. It is therefore evaluated
by `engine.evaluate_authorization` over the provider's authorisation facts of one client,
with `measure_id = None` and the `authorization_id` as occurrence. The maximum depends on
how many earlier orders of the same kind the client had (first term, next, later).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from domain.facts import Fact
from domain.rulebook import Limit, Rulebook
from domain.rules.findings import Finding, Growth, article, day
from domain.rules.timeline_state import Authorization, fold_authorizations
from domain.wire import AUTHORIZATION_TYPES

RULE = "LATE-REGISTRATION"
#: The occurrence of a measure's one LATE-REGISTRATION alert (2026.2): part of its alert_id.
MEASURE_OCCURRENCE = "measure"


def late_registration(facts: Iterable[Fact], book: Rulebook) -> Iterator[Finding]:
    """LATE-REGISTRATION over the facts that count at a moment (the reference)."""
    if not book.enabled(RULE):
        return
    lag = book.limit("registration_lag")
    late = [fact for fact in facts if is_late(fact, lag, book)]
    if book.registration == "per_event":
        yield from (late_finding(fact, lag) for fact in late)
    else:
        yield from grouped_findings(late, lag)


def is_late(fact: Fact, lag: Limit, book: Rulebook) -> bool:
    """Recorded after the lag, and judged at all (not history from before onboarding)."""
    if fact.recorded_at <= lag.period.after(fact.occurred_at):
        return False
    start = book.onboarding.get(fact.provider_id)
    return start is None or fact.occurred_at >= start


def late_finding(fact: Fact, lag: Limit) -> Finding:
    """LATE-REGISTRATION of one late fact (2026.1): it depends on nothing else."""
    message = (
        f"The {fact.type} event of {day(fact.occurred_at)} was recorded only on "
        f"{day(fact.recorded_at)}, more than {lag.period} later ({article(lag.source)})."
    )
    return Finding(RULE, fact.event_id, fact.recorded_at, (fact.event_id,), message)


def grouped_findings(late: Iterable[Fact], lag: Limit) -> list[Finding]:
    """One accumulating finding per measure or authorisation of the late facts (2026.2),
    ordered by occurrence, whatever order the facts come in."""
    groups: dict[str, list[Fact]] = {}
    for fact in late:
        groups.setdefault(_occurrence(fact), []).append(fact)
    return [_grouped(key, groups[key], lag) for key in sorted(groups)]


def _occurrence(fact: Fact) -> str:
    if fact.type in AUTHORIZATION_TYPES:
        return str(fact.data.authorization_id)  # type: ignore[union-attr]
    return MEASURE_OCCURRENCE


def _grouped(occurrence: str, facts: Sequence[Fact], lag: Limit) -> Finding:
    ordered = sorted(facts, key=lambda fact: (fact.occurred_at, fact.event_id))
    visible = tuple(fact.recorded_at for fact in ordered)
    lags = tuple(fact.recorded_at - fact.occurred_at for fact in ordered)
    subject = "this measure" if occurrence == MEASURE_OCCURRENCE else f"authorisation {occurrence}"
    words = LateWords(subject, str(lag.period), article(lag.source))
    return Finding(
        RULE,
        occurrence,
        min(visible),
        tuple(fact.event_id for fact in ordered),
        words(len(ordered), max(lags)),
        growth=Growth(visible, lags, words),
    )


@dataclass(frozen=True, slots=True)
class LateWords:
    """The message of a grouped LATE-REGISTRATION: a value (not a closure), so two findings
    built alike compare equal (tests/test_rules_performance_equivalence.py)."""

    subject: str  # "this measure", "authorisation zm-1"
    period: str  # "7 days"
    source: str

    def __call__(self, count: int, longest: timedelta) -> str:
        limit = f"more than {self.period} after it occurred is late ({self.source})"
        if count == 1:
            return (
                f"1 event of {self.subject} was recorded late, {lag_words(longest)} after "
                f"it occurred; {limit}."
            )
        return (
            f"{count} events of {self.subject} were recorded late; the longest "
            f"{lag_words(longest)} after it occurred; {limit}."
        )


def lag_words(lag: timedelta) -> str:
    """A lag as a compliance officer says it, in its two largest units: "12 days",
    "7 days and 3 hours", "5 hours"; "more than 7 days" when the rest is left out, so a
    lag of 7 days and 1 second never reads as exactly the limit."""
    seconds = int(lag.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    amounts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    first = next((i for i, (amount, _) in enumerate(amounts) if amount), None)
    if first is None:
        return "less than a minute"
    shown = [(a, unit) for a, unit in amounts[first : first + 2] if a]
    dropped = rest or lag.microseconds or any(a for a, _ in amounts[first + 2 :])
    text = " and ".join(f"{a} {unit}{'' if a == 1 else 's'}" for a, unit in shown)
    return f"more than {text}" if dropped else text


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
