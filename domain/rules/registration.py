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
the order's term (first, next, later). Under 2026.1 every earlier order of the same kind
counts as a previous term. Under 2026.2 only the orders it "follows on" do (Wvggz 6:5
"aansluit op", Wzd 39, Jeugdwet 6.1.12 lid 2: `follows_on` and `follow_on_gap` in the
rulebook): a zorgmachtiging that starts months after the last one ended is a first one
again, and a retracted predecessor (no longer among the facts) does not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from domain.facts import Fact
from domain.rulebook import AuthorizationKindRules, Limit, Period, Rulebook
from domain.rules.findings import Finding, Growth, article, day, unique
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
    if lag.period.within(fact.occurred_at, fact.recorded_at):
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


@lru_cache(maxsize=1 << 12)
def lag_words(lag: timedelta) -> str:
    """A lag as a compliance officer says it, in its two largest units: "12 days",
    "7 days and 3 hours", "5 hours"; "more than 7 days" when the rest is left out, so a
    lag of 7 days and 1 second never reads as exactly the limit.

    Cached: a grouped finding is rebuilt as each late event joins it, mostly with the same
    longest lag, and a file loaded long after its events makes every event late."""
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
