"""Builders for `Fact`s, so rule tests read as given/when/then stories.

Every builder takes the moment the event occurred; ids are generated unless given, and
`recorded_at` equals `occurred_at` unless a test is about late registration.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.alerts import Alert
from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate
from domain.wire import DATA_MODELS

PROVIDER = "AGB:12345678"
MEASURE = "m-1"
CLIENT = "client-1"

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)

_ids = itertools.count(1)


def fact(
    type_name: str,
    at: datetime,
    data: dict[str, Any],
    *,
    event_id: str | None = None,
    recorded_at: datetime | None = None,
    measure_id: str | None = MEASURE,
    provider_id: str = PROVIDER,
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
    data = {
        "framework": framework,
        "category": category,
        "setting": setting,
        "grounds": list(grounds),
        "planned_start": planned_start or at,
        "planned_end": planned_end,
        **extra,
    }
    return fact("measure.proposed", at, data, event_id=event_id)


def step(at: datetime, name: str = "multidisciplinary_consultation") -> Fact:
    return fact("stappenplan.step_completed", at, {"step": name})


def requested(at: datetime) -> Fact:
    return fact("review.requested", at, {})


def decided(at: datetime, decision: str = "approved", valid_until: datetime | None = None) -> Fact:
    return fact("review.decided", at, {"decision": decision, "valid_until": valid_until})


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


def extended(at: datetime, planned_end: datetime) -> Fact:
    return fact("measure.extended", at, {"planned_end": planned_end})


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
    **kwargs: Any,
) -> Fact:
    data = {
        "authorization_id": authorization_id,
        "kind": kind,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "covers": None if covers is None else list(covers),
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
    return evaluate(list(measure), list(orders), book or Rulebook.load_default(), as_of)


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
