"""Builders for `Fact`s, so rule tests read as given/when/then stories.

Every builder takes the moment the event occurred; ids are generated unless given, and
`recorded_at` equals `occurred_at` unless a test is about late registration.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from domain.alerts import Alert
from domain.codes import STEPS
from domain.facts import Fact
from domain.parsing import Malformed, parse_event
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate
from domain.wire import DATA_MODELS
from synthetic import generate

PROVIDER = "AGB:12345678"
MEASURE = "m-1"
CLIENT = "client-1"

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)

_ids = itertools.count(1)

#: The rulebook version `alerts_at`/`open_rules` judge with when no book is given (None:
#: the latest). Test modules written for 2026.1's clock pin it (see `pin_version`).
VERSION: str | None = None


def default_book() -> Rulebook:
    return Rulebook.load_default(version=VERSION)


def fact(
    type_name: str,
    at: datetime,
    data: dict[str, Any],
    *,
    event_id: str | None = None,
    recorded_at: datetime | None = None,
    measure_id: str | None = MEASURE,
    provider_id: str = PROVIDER,
    actor_role: str | None = None,
) -> Fact:
    """Any fact; `data` is validated by the wire model of its type, like stored data."""
    return Fact(
        provider_id=provider_id,
        measure_id=None if type_name.startswith("authorization.") else measure_id,
        client_id=CLIENT,
        event_id=event_id or f"e{next(_ids)}",
        type=type_name,
        occurred_at=at,
        recorded_at=recorded_at or at,
        data=DATA_MODELS[type_name].model_validate(data, strict=False),
        actor_role=actor_role,
        actor_id=None if actor_role is None else f"staff-{actor_role}",
    )


def proposed(
    at: datetime,
    framework: str = "wzd",
    category: str = "restrict_movement",
    *,
    setting: str = "residential",
    grounds: Sequence[str] = ("serious_bodily_harm",),
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
    **extra: Any,
) -> Fact:
    event_id = extra.pop("event_id", None)
    actor_role = extra.pop("actor_role", None)
    data = {
        "framework": framework,
        "category": category,
        "setting": setting,
        "grounds": list(grounds),
        "planned_start": planned_start or at,
        "planned_end": planned_end,
        **extra,
    }
    return fact("measure.proposed", at, data, event_id=event_id, actor_role=actor_role)


def step(
    at: datetime, name: str = "multidisciplinary_consultation", *, actor_role: str | None = None
) -> Fact:
    return fact("stappenplan.step_completed", at, {"step": name}, actor_role=actor_role)


def requested(at: datetime) -> Fact:
    return fact("review.requested", at, {})


def decided(
    at: datetime,
    decision: str = "approved",
    valid_until: datetime | None = None,
    *,
    actor_role: str | None = None,
) -> Fact:
    data = {"decision": decision, "valid_until": valid_until}
    return fact("review.decided", at, data, actor_role=actor_role)


def applied(
    at: datetime,
    *,
    ended_at: datetime | None = None,
    emergency: bool | None = None,
    **kwargs: Any,
) -> Fact:
    return fact("measure.applied", at, {"ended_at": ended_at, "emergency": emergency}, **kwargs)


def evaluated(at: datetime, outcome: str = "continue", next_due: datetime | None = None) -> Fact:
    return fact("measure.evaluated", at, {"outcome": outcome, "next_evaluation_due": next_due})


def extended(at: datetime, planned_end: datetime, *, actor_role: str | None = None) -> Fact:
    return fact("measure.extended", at, {"planned_end": planned_end}, actor_role=actor_role)


def afbouw(at: datetime) -> Fact:
    return fact("afbouw.started", at, {})


def ended(at: datetime, reason: str = "afgebouwd") -> Fact:
    return fact("measure.ended", at, {"reason": reason})


def authorization(
    at: datetime,
    kind: str,
    valid_from: datetime,
    valid_until: datetime,
    *,
    authorization_id: str = "auth-1",
    covers: Sequence[str] | None = None,
    examined_at: datetime | None = None,
    **kwargs: Any,
) -> Fact:
    data = {
        "authorization_id": authorization_id,
        "kind": kind,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "covers": None if covers is None else list(covers),
        "psychiatrist_examined_at": examined_at,
    }
    return fact("authorization.registered", at, data, **kwargs)


def authorization_ended(at: datetime, authorization_id: str = "auth-1") -> Fact:
    return fact("authorization.ended", at, {"authorization_id": authorization_id})


def retracted(at: datetime, target: Fact | str, **kwargs: Any) -> Fact:
    target_id = target if isinstance(target, str) else target.event_id
    data = {"retracts_event_id": target_id, "reason": "registered in error"}
    return fact("event.retracted", at, data, **kwargs)


# -- reading results ------------------------------------------------------------------------
def alerts_at(
    measure: Iterable[Fact],
    orders: Iterable[Fact] = (),
    as_of: datetime = FAR_FUTURE,
    book: Rulebook | None = None,
) -> list[Alert]:
    return evaluate(list(measure), list(orders), book or default_book(), as_of)


def open_rules(
    measure: Iterable[Fact],
    orders: Iterable[Fact] = (),
    as_of: datetime = FAR_FUTURE,
    book: Rulebook | None = None,
) -> set[str]:
    """The rule ids with an open alert at `as_of`."""
    return {a.rule for a in alerts_at(measure, orders, as_of, book) if a.status == "open"}


def only(alerts: Iterable[Alert], rule: str) -> list[Alert]:
    return [alert for alert in alerts if alert.rule == rule]


def lawful_wzd(start: datetime = T0) -> list[Fact]:
    """A Wzd measure done by the book: consulted, approved, applied, evaluated, phased out."""
    begin = start + 2 * DAY
    return [
        proposed(start, planned_start=begin, planned_end=begin + 8 * WEEK),
        step(start + DAY),
        requested(start + DAY),
        decided(start + DAY + HOUR),
        applied(begin, ended_at=begin + HOUR),
        applied(begin + WEEK),
        evaluated(begin + 3 * WEEK),
        afbouw(begin + 4 * WEEK),
        applied(begin + 5 * WEEK),
        ended(begin + 6 * WEEK),
    ]


# --- drawn facts: the one strategy of the rule property tests ---------------------------

#: The authorisation kinds that can give each framework a basis, for drawn stories.
AUTHORIZATION_KINDS_BY_FRAMEWORK = {
    "wzd": ["rechterlijke_machtiging_wzd"],
    "wvggz": ["zorgmachtiging", "crisismaatregel", "tijdelijke_verplichte_zorg"],
    "jeugdwet": ["machtiging_gesloten_jeugdhulp", "spoedmachtiging_gesloten_jeugdhulp"],
}
#: Catalogue 2 in drawn stories: where a measure is (the registered
#: locations of `LOCATIONS_BOOK`), and another law's admission titles (title precedence).
LOCATION_IDS = (None, "loc-registered", "loc-other")
OTHER_LAW_TITLES = (
    "rechterlijke_machtiging_wzd",
    "machtiging_gesloten_jeugdhulp",
    "zorgmachtiging",
)


def locations_book(book: Rulebook) -> Rulebook:
    """`book` with a register for the test provider, so WZD-LOCATION-UNREGISTERED runs."""
    return book.with_registered_locations({PROVIDER: ["loc-registered"]})


#: Who may have recorded a drawn proposal or step: none, the role the law names, or another
#: (the catalogue-2 rules read who set the plan and who consented or agreed).
ACTOR_ROLES = (
    None,
    "zorgverantwoordelijke",
    "jeugdhulpverlener",
    "gedragswetenschapper",
    "geneesheer_directeur",
    "external_expert",
    "arts",
)


def drawn_proposal_extras(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    """Optional proposal data the catalogue-2 rules read, and the proposal's actor role."""
    extra = {"zorgverantwoordelijke_psychiatrist": draw(st.sampled_from([None, True, False]))}
    return extra, draw(st.sampled_from(ACTOR_ROLES))


def drawn_order_times(
    draw: st.DrawFn, kind: str, valid_from: datetime, until: datetime, previous: datetime | None
) -> tuple[datetime, datetime, datetime | None]:
    """(valid_from, valid_until, psychiatrist_examined_at) of a drawn order: 7:3 orders last
    hours, sometimes right after the previous order, with an examination time or not."""
    if kind != "tijdelijke_verplichte_zorg":
        return valid_from, until, None
    if previous is not None and draw(st.booleans()):
        valid_from = previous
    until = valid_from + timedelta(hours=draw(st.integers(1, 20)))
    exam = draw(st.sampled_from([None, valid_from, valid_from - 6 * HOUR]))
    return valid_from, until, exam


#: What `drawn_fact` can draw after the proposal, in the lifecycle's order.
FACT_KINDS = ("step", "requested", "decided", "applied", "evaluated", "extended", "afbouw", "ended")


def drawn_fact(
    draw: st.DrawFn,
    kind: str,
    at: datetime,
    event_id: str,
    *,
    lags: Sequence[timedelta],
    later: Callable[[st.DrawFn, datetime], datetime],
    steps: Sequence[str] = STEPS,
) -> Fact:
    """One fact of `kind` at `at`, recorded after one of `lags`, its details drawn.

    `later` draws a moment after `at` for the deadlines a fact may carry (a review's
    `valid_until`, the next evaluation, an extension's planned end); each property test
    chooses its own grain of time, and so how often moments tie.
    """
    extra = {"event_id": event_id, "recorded_at": at + draw(st.sampled_from(list(lags)))}
    after = later(draw, at)
    if kind == "step":
        data = {"step": draw(st.sampled_from(steps))}
        role = draw(st.sampled_from(ACTOR_ROLES))
        return fact("stappenplan.step_completed", at, data, actor_role=role, **extra)
    if kind == "requested":
        return fact("review.requested", at, {}, **extra)
    if kind == "decided":
        data = {
            "decision": draw(st.sampled_from(["approved", "approved", "rejected"])),
            "valid_until": draw(st.sampled_from([None, after])),
        }
        role = draw(st.sampled_from([None, "wzd_functionaris", "zorgverantwoordelijke"]))
        return fact("review.decided", at, data, actor_role=role, **extra)
    if kind == "applied":
        data = {
            "ended_at": draw(st.sampled_from([None, at + HOUR, at + 2 * DAY])),
            "emergency": draw(st.sampled_from([None, True, False])),
        }
        return fact("measure.applied", at, data, **extra)
    if kind == "evaluated":
        data = {"outcome": "continue", "next_evaluation_due": draw(st.sampled_from([None, after]))}
        return fact("measure.evaluated", at, data, **extra)
    if kind == "extended":
        role = draw(st.sampled_from(ACTOR_ROLES))
        return fact("measure.extended", at, {"planned_end": after}, actor_role=role, **extra)
    if kind == "afbouw":
        return fact("afbouw.started", at, {}, **extra)
    return fact("measure.ended", at, {"reason": "afgebouwd"}, **extra)


# --- the synthetic stream as facts: the rule benchmark and the equivalence test ---------


def synthetic_facts(
    seed: int,
    measures: int,
    delay: Callable[[str, int], timedelta],
    source: str = "",
) -> list[Fact]:
    """The synthetic stream of one seed, parsed like ingest, as facts in arrival order.

    `delay(event_id, position)` is each event's registration lag; positions count from 1.
    """
    facts = []
    for position, body in enumerate(generate(measures=measures, seed=seed), start=1):
        event = parse_event(json.dumps(body).encode())
        if isinstance(event, Malformed):
            raise ValueError(f"synthetic event rejected: {event.reason}")
        facts.append(
            Fact(
                provider_id=event.provider_id,
                measure_id=getattr(event, "measure_id", None),
                client_id=event.client_id,
                event_id=event.event_id,
                type=event.type,
                occurred_at=event.occurred_at,
                recorded_at=event.occurred_at + delay(event.event_id, position),
                data=event.data,
                actor_role=event.actor.role if event.actor else None,
                actor_id=event.actor.id if event.actor else None,
                source=source,
                position=position,
            )
        )
    return facts
