"""Was each application backed by a basis? NO-LEGAL-BASIS, AUTHORIZATION-EXPIRED,
APPLIED-WITHOUT-REVIEW, APPLIED-AFTER-REJECTION, APPLIED-AFTER-END.

An application of a measure whose framework was never recorded has no basis the rules can
find (rulebook 2026.2, `[applications] without_framework`): NO-LEGAL-BASIS, withdrawn when
the proposal arrives and the measure can be judged under its law.

Each is judged per `measure.applied` at its `occurred_at`, with every fact that counts now:
an authorisation registered later but valid at the time of the application gives the
application its basis (and resolves the alert from the moment it is registered).

One cause, one alert. For the court-order basis (Wvggz, Jeugdwet): no order of the right
kind ever started before the application is NO-LEGAL-BASIS; one that had run out (past
`valid_until` or ended) is AUTHORIZATION-EXPIRED. For the review basis: the latest decision
rejected is APPLIED-AFTER-REJECTION; approved but past its `valid_until` is
AUTHORIZATION-EXPIRED; no decision at all (Wzd, non-emergency) is APPLIED-WITHOUT-REVIEW.
These findings are facts about the past: they stay open until a retraction (or a newly
registered fact) removes their cause.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.facts import Fact
from domain.rulebook import FrameworkRules, Rulebook
from domain.rules.findings import Finding, article, day, unique
from domain.rules.timeline_state import MeasureState

_ARTICLES = {
    "wzd": "Wzd art. 10-13",
    "wvggz": "Wvggz art. 3:1 and 8:7",
    "jeugdwet": "Jeugdwet art. 6.1.2 and 6.3.1.1",
}


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    for applied in state.applications:
        yield from each_application(state, book, applied)


def each_application(state: MeasureState, book: Rulebook, applied: Fact) -> Iterator[Finding]:
    """The findings about one application. They read the plan, the end, the decisions and
    the authorisations, never the other applications (`domain.rules.incremental` relies on
    that to judge each application once while those stay the same)."""
    yield from _after_end(state, applied)
    if state.framework is None:
        if book.unframed_is_unlawful:
            yield _unframed(applied)
        return
    rules = book.frameworks[state.framework]
    yield from _setting_and_category(state, rules, applied)
    yield from _authorization(state, rules, applied)
    yield from _review(state, rules, applied, book)


def _unframed(applied: Fact) -> Finding:
    message = (
        f"The measure was applied on {day(applied.occurred_at)}, but no event of it names "
        "the law it is given under (no measure.proposed was recorded): a measure without "
        "recorded legal basis (Wzd art. 17 lid 1 e; Wvggz art. 8:24; Jeugdwet art. 6.7.3)."
    )
    return _finding("NO-LEGAL-BASIS", ":no-framework", applied, message)


def _finding(rule: str, suffix: str, applied: Fact, message: str, *more: str) -> Finding:
    evidence = unique(applied.event_id, *more)
    return Finding(rule, f"{applied.event_id}{suffix}", applied.occurred_at, evidence, message)


def _after_end(state: MeasureState, applied: Fact) -> Iterator[Finding]:
    end = state.end
    if end is not None and applied.occurred_at > end.occurred_at:
        message = (
            f"The measure was applied on {day(applied.occurred_at)}, after it was ended on "
            f"{day(end.occurred_at)} ({end.data.reason}); an ended measure has no basis."
        )
        yield _finding("APPLIED-AFTER-END", "", applied, message, end.event_id)


def _setting_and_category(
    state: MeasureState, rules: FrameworkRules, applied: Fact
) -> Iterator[Finding]:
    plan = state.plan
    if not rules.setting_permitted(plan.setting):
        message = (
            f"A {rules.law} measure was applied in {plan.setting}, where the law gives no "
            f"basis for it ({article(rules.basis_source)})."
        )
        yield _finding("NO-LEGAL-BASIS", ":setting", applied, message, state.proposal.event_id)
    if plan.category not in rules.categories:
        message = (
            f"'{plan.category}' is not a form of care the {rules.law} permits "
            f"({article(rules.categories_source)}), yet it was applied on "
            f"{day(applied.occurred_at)}."
        )
        yield _finding("NO-LEGAL-BASIS", ":category", applied, message, state.proposal.event_id)


def _authorization(state: MeasureState, rules: FrameworkRules, applied: Fact) -> Iterator[Finding]:
    if not rules.requires_authorization:
        return
    emergency = state.is_emergency(applied) and rules.emergency_exempts_authorization
    at = applied.occurred_at
    orders = state.authorizations_for(rules.authorization_kinds)
    in_force = [order for order in orders if order.window.holds(at)]
    article = _ARTICLES[rules.name]
    if in_force:
        if emergency or any(order.covers(state.category) for order in in_force):
            return
        ids = [eid for order in in_force for eid in order.evidence]
        message = (
            f"'{state.category}' was applied on {day(at)} but is not among the forms the "
            f"authorisation in force covers ({article})."
        )
        yield _finding("NO-LEGAL-BASIS", ":covers", applied, message, *ids)
        return
    if emergency:
        return
    lapsed = [order for order in orders if order.window.start <= at]
    if lapsed:
        last = max(lapsed, key=lambda order: order.window.end or at)
        message = (
            f"The measure was applied on {day(at)} after {last.kind} "
            f"{last.authorization_id} had run out on {day(last.window.end or at)} ({article})."
        )
        yield _finding("AUTHORIZATION-EXPIRED", ":authorization", applied, message, *last.evidence)
        return
    kinds = ", ".join(sorted(rules.authorization_kinds))
    message = (
        f"A {rules.law} measure was applied on {day(at)} without an authorisation in force "
        f"({kinds}; {article})."
    )
    yield _finding("NO-LEGAL-BASIS", ":authorization", applied, message)


def _review(
    state: MeasureState, rules: FrameworkRules, applied: Fact, book: Rulebook
) -> Iterator[Finding]:
    at = applied.occurred_at
    latest = state.latest_decision(at, state.reviews(rules))
    if latest is not None and latest.data.decision == "rejected":
        message = (
            f"The measure was applied on {day(at)} after its review was rejected on "
            f"{day(latest.occurred_at)} (Wzd art. 11a lid 2: the plan must be adjusted)."
        )
        yield _finding("APPLIED-AFTER-REJECTION", "", applied, message, latest.event_id)
    elif latest is not None:
        until = latest.data.valid_until
        if until is not None and at >= until:
            message = (
                f"The measure was applied on {day(at)} after the approval of its review "
                f"ran out on {day(until)} (Wzd art. 11a)."
            )
            yield _finding("AUTHORIZATION-EXPIRED", ":review", applied, message, latest.event_id)
    elif (
        rules.requires_approved_review
        and not state.is_emergency(applied)
        and book.enabled("APPLIED-WITHOUT-REVIEW")
    ):
        message = (
            f"The Wzd measure was applied on {day(at)} before the Wzd-functionaris approved "
            "the care plan (policy under Wzd art. 11a)."
        )
        yield _finding("APPLIED-WITHOUT-REVIEW", "", applied, message)
