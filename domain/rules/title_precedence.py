"""GEN-TITLE-PRECEDENCE (catalogue 2): two admission titles of different laws in force for one
client at once (Wzd art. 1 lid 6-7; Wvggz art. 1:1 lid 3-4; Jeugdwet art. 6.1.2 lid 8).

The laws say which title gives way (LAW.md §1.1), as data in `[titles]` of the rulebook:
a later Jeugdwet machtiging cancels an earlier Wzd or Wvggz machtiging, a later Wzd
machtiging tot opname cancels an earlier zorgmachtiging, a Wzd machtiging suspends a
Jeugdwet one, a zorgmachtiging to admission suspends a Wzd machtiging. The ledger keeps one
admission title per client in force: while two overlap, the provider's records hold a title
that the law cancelled or suspended, and measures may be given under the wrong law.

Judged per client over its authorisations, like AUTHORIZATION-TOO-LONG (measure_id None).
A finding holds on the overlap `[later start, earlier end)` of the two windows; ending
(or retracting) the title that gave way resolves it. Titles of the same law are not
compared: their succession (IBS, then its continuation) is that law's own business.
The Wzd's "once the client is admitted" is read as the Wzd title's `valid_from`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rulebook_titles import Precedence, TitleRules
from domain.rules.findings import Finding, article, day
from domain.rules.timeline_state import Authorization, fold_authorizations

RULE = "GEN-TITLE-PRECEDENCE"


def title_precedence(facts: Iterable[Fact], book: Rulebook) -> Iterator[Finding]:
    """Every pair of admission titles of different laws whose windows overlap."""
    titles = book.titles
    if titles is None or not book.enabled(RULE):
        return
    orders = sorted(
        (order for order in fold_authorizations(facts) if _admits(order, titles)),
        key=lambda order: (order.window.start, order.authorization_id),
    )
    for index, first in enumerate(orders):
        for second in orders[index + 1 :]:
            finding = _conflict(first, second, titles, book)
            if finding is not None:
                yield finding


def _admits(order: Authorization, titles: TitleRules) -> bool:
    if order.kind not in titles.admission_kinds:
        return False
    return order.kind not in titles.covers_admission_required or order.covers(
        titles.admission_category
    )


def _law(order: Authorization, book: Rulebook) -> str:
    return book.authorizations[order.kind].framework


def _winner(
    first: Authorization, second: Authorization, titles: TitleRules, book: Rulebook
) -> tuple[Authorization, Authorization, Precedence] | None:
    """(prevailing, giving way, entry) by the first entry that matches either way round;
    `first` came into force no later than `second`."""
    one, two = (_law(first, book), first.kind), (_law(second, book), second.kind)
    later = second.window.start > first.window.start
    for entry in titles.precedence:
        if entry.matches(two, one, later):
            return second, first, entry
        if entry.matches(one, two, False):
            return first, second, entry
    return None


def _conflict(
    first: Authorization, second: Authorization, titles: TitleRules, book: Rulebook
) -> Finding | None:
    if _law(first, book) == _law(second, book):
        return None
    start = second.window.start
    end = min(first.window.end or start, second.window.end or start)
    if start >= end:
        return None
    both = (
        f"{first.kind} {first.authorization_id} and {second.kind} {second.authorization_id} "
        f"are both in force from {day(start)}"
    )
    winner = _winner(first, second, titles, book)
    if winner is None:
        message = (
            f"{both}: two admission titles under different laws, and the law states no "
            f"precedence for this pair ({article(titles.source)}); one must be ended."
        )
        framework = None
    else:
        prevails, gives_way, entry = winner
        message = (
            f"{both}: {prevails.kind} {prevails.authorization_id} {entry.effect} "
            f"{gives_way.kind} {gives_way.authorization_id} ({article(entry.source)}), "
            "which is still recorded as in force."
        )
        framework = _law(prevails, book)
    ids = sorted((first.authorization_id, second.authorization_id))
    return Finding(
        RULE,
        "+".join(ids),
        start,
        (*first.evidence, *second.evidence),
        message,
        until=end,
        framework=framework,
    )
