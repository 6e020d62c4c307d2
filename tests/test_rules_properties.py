"""Invariants of the rule engine over random stories (hypothesis); the hand-built
lifecycles they must agree with are in tests/test_rules_lifecycles.py.

- arrival order of facts does not change the result;
- no alert has `since` after `as_of`, and resolved ones were resolved by `as_of`;
- the far-future history, cut at T, is exactly `evaluate(as_of=T)`:
  open at T  <=>  since <= T and (resolved_at is None or resolved_at > T);
  (a 2026.2 LATE-REGISTRATION alert open at T names, as of T, exactly the measure's late
  events that count at T and were recorded by T, and says how many);
- facts that occur after T never delete or move an alert known at T (a retraction resolves);
- between two change points the open alert set does not change;
- a retraction counts the same wherever it is stored (in the measure's stream, or in another
  stream and passed as `retracted_ids`), along chains of retractions of any depth.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.codes import FRAMEWORK_CATEGORIES, HARM_CODES
from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.engine import (
    FAR_FUTURE,
    change_points,
    evaluate,
    evaluate_authorization,
    next_deadline,
)
from domain.rules.timeline_state import active_facts
from tests import factories as f
from tests.factories import DAY, HOUR, T0, WEEK

BOOK = f.locations_book(Rulebook.load_default())
KINDS = f.AUTHORIZATION_KINDS_BY_FRAMEWORK
EVENTS = list(f.FACT_KINDS)
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _moment(draw: st.DrawFn, span_days: int = 150) -> datetime:
    return T0 + timedelta(hours=draw(st.integers(0, 24 * span_days)))


def _later(draw: st.DrawFn, at: datetime) -> datetime:
    return at + timedelta(hours=draw(st.integers(1, 24 * 100)))


def _event(draw: st.DrawFn, kind: str, at: datetime, eid: str) -> Fact:
    return f.drawn_fact(draw, kind, at, eid, lags=(timedelta(0), HOUR, 10 * DAY), later=_later)


@st.composite
def stories(draw: st.DrawFn) -> tuple[list[Fact], list[Fact]]:
    """A random measure (any framework, lawful or not) and its client's authorisations."""
    framework = draw(st.sampled_from(sorted(FRAMEWORK_CATEGORIES)))
    measure: list[Fact] = []
    if draw(st.integers(0, 9)) > 0:
        start = _moment(draw, 5)
        data = {
            "framework": framework,
            "category": draw(st.sampled_from([*FRAMEWORK_CATEGORIES[framework], "admission"])),
            "setting": draw(
                st.sampled_from(["residential", "closed_youth_care", "open_youth_care"])
            ),
            "grounds": draw(st.lists(st.sampled_from(HARM_CODES), max_size=2)),
            "planned_start": start,
            "planned_end": draw(st.sampled_from([None, start + 8 * WEEK, start + 20 * WEEK])),
            "emergency": draw(st.booleans()),
            "client_age_years": draw(st.sampled_from([None, 10, 15])),
            "location_id": draw(st.sampled_from(f.LOCATION_IDS)),
        }
        extra, role = f.drawn_proposal_extras(draw)
        proposal = f.fact(
            "measure.proposed", start, {**data, **extra}, event_id="p0", actor_role=role
        )
        measure.append(proposal)
    for index in range(draw(st.integers(0, 10))):
        measure.append(_event(draw, draw(st.sampled_from(EVENTS)), _moment(draw), f"h{index}"))
    orders = []
    previous = None
    for index in range(draw(st.integers(0, 2))):
        valid_from = _moment(draw, 60)
        kind = draw(st.sampled_from([*KINDS[framework], *f.OTHER_LAW_TITLES]))
        until = valid_from + timedelta(days=draw(st.integers(1, 200)))
        valid_from, until, exam = f.drawn_order_times(draw, kind, valid_from, until, previous)
        previous = until
        orders.append(
            f.authorization(
                _moment(draw, 60),
                kind,
                valid_from,
                until,
                event_id=f"a{index}",
                authorization_id=f"auth-{index}",
                examined_at=exam,
            )
        )
    for index in range(draw(st.integers(0, 3))):  # of retractions too: chains up to depth 3
        targets = [fact.event_id for fact in measure + orders]
        targets += [f"r{index - 1}"] * 2 if index else []  # chains are likely, not rare
        if targets:
            target = draw(st.sampled_from(targets))
            measure.append(f.retracted(_moment(draw), target, event_id=f"r{index}"))
    return measure, orders


def _grows(alert) -> bool:
    """Under 2026.2 a measure's one LATE-REGISTRATION alert accumulates its late events."""
    return alert.rule == "LATE-REGISTRATION" and BOOK.registration == "per_measure"


def _late_at(facts, moment, alert):
    """What a LATE-REGISTRATION alert names at `moment`, worked out from the facts: the late
    events of its measure (or of its authorisation, for a client's title alert) that count
    then and were recorded by then, in care order."""
    lag = BOOK.period("registration_lag")
    active = active_facts(facts, moment, {})
    if alert.measure_id is None:
        by_id = {fact.event_id: fact for fact in facts}
        titles = {by_id[e].authorization_id for e in alert.evidence if e in by_id}
        own = [f for f in active if f.measure_id is None and f.authorization_id in titles]
    else:
        own = [fact for fact in active if fact.measure_id is not None]
    late = [fact for fact in own if lag.after(fact.occurred_at) < fact.recorded_at <= moment]
    return tuple(fact.event_id for fact in sorted(late, key=lambda x: (x.occurred_at, x.event_id)))


def _cut(alerts, moment, facts):
    """The far-future history as it stood at `moment`.

    An alert's message and evidence are the history's, except for an accumulating one
    (2026.2 LATE-REGISTRATION), whose far-future content names late events recorded after
    `moment`: as it stood then it names only those recorded by then (computed from the facts).
    """
    out = set()
    for alert in alerts:
        if alert.since <= moment:
            closed = (
                alert.resolved_at if alert.resolved_at and alert.resolved_at <= moment else None
            )
            content = (
                (len(_late_at(facts, moment, alert)), _late_at(facts, moment, alert))
                if _grows(alert) and closed is None
                else (alert.message, alert.evidence)
            )
            out.add((alert.alert_id, alert.since, closed, *content))
    return out


def _as_seen(alerts):
    return {
        (
            a.alert_id,
            a.since,
            a.resolved_at,
            int(a.message.split(" ")[0]) if _grows(a) and a.resolved_at is None else a.message,
            a.evidence,
        )
        for a in alerts
    }


@PROPS
@given(stories(), st.randoms(use_true_random=False))
def test_arrival_order_does_not_matter(story, rnd) -> None:
    """Shuffling the facts (both lists) gives the same alerts."""
    measure, orders = story
    expected = evaluate(measure, orders, BOOK, FAR_FUTURE)
    shuffled, shuffled_orders = measure[:], orders[:]
    rnd.shuffle(shuffled)
    rnd.shuffle(shuffled_orders)
    assert evaluate(shuffled, shuffled_orders, BOOK, FAR_FUTURE) == expected


@PROPS
@given(stories(), st.integers(0, 24 * 400))
def test_history_cut_at_t_equals_evaluate_at_t(story, hours) -> None:
    """evaluate(as_of=T) equals the far-future intervals cut at T; no alert starts after T."""
    measure, orders = story
    history = evaluate(measure, orders, BOOK, FAR_FUTURE)
    points = change_points(measure, orders, BOOK)
    for moment in [T0 + timedelta(hours=hours), *points[:6]]:
        now = evaluate(measure, orders, BOOK, moment)
        assert all(a.since <= moment for a in now)
        assert all(a.resolved_at is None or a.since < a.resolved_at <= moment for a in now)
        assert all((a.status == "open") == (a.resolved_at is None) for a in now)
        assert _as_seen(now) == _cut(history, moment, [*measure, *orders])
        open_now = {a.alert_id for a in now if a.status == "open"}
        assert open_now == {a.alert_id for a in history if a.open_at(moment)}


@PROPS
@given(stories(), st.integers(0, 24 * 150), st.data())
def test_later_facts_never_delete_known_alerts(story, hours, data) -> None:
    """A retraction (or any fact) after T resolves alerts known at T; it never deletes them."""
    measure, orders = story
    moment = T0 + timedelta(hours=hours)
    known = evaluate(measure, orders, BOOK, moment)
    target = data.draw(st.sampled_from([fact.event_id for fact in measure + orders] or ["none"]))
    later = f.retracted(moment + HOUR, target, event_id="r-late")
    after = {a.alert_id: a for a in evaluate([*measure, later], orders, BOOK, FAR_FUTURE)}
    for alert in known:
        assert alert.alert_id in after
        assert after[alert.alert_id].since == alert.since
        if alert.resolved_at is not None:
            assert after[alert.alert_id].resolved_at == alert.resolved_at


@PROPS
@given(stories(), st.data())
def test_open_set_constant_between_change_points(story, data) -> None:
    """Between two consecutive change points nothing opens or closes."""
    measure, orders = story
    points = change_points(measure, orders, BOOK)
    if len(points) < 2:
        return
    index = data.draw(st.integers(0, len(points) - 2))
    low, high = points[index], points[index + 1]
    middle = low + (high - low) / 2
    history = evaluate(measure, orders, BOOK, FAR_FUTURE)
    assert {a.alert_id for a in history if a.open_at(low)} == {
        a.alert_id for a in history if a.open_at(middle)
    }


def _moved(measure: list[Fact], stored_elsewhere: list[bool]) -> tuple[list[Fact], dict]:
    """The measure without the retractions chosen to live in other streams, and those as
    the `retracted_ids` map (target -> (retraction id, occurred_at) ...) a store passes."""
    retractions = [fact for fact in measure if fact.type == "event.retracted"]
    away = {
        fact.event_id for fact, moved in zip(retractions, stored_elsewhere, strict=False) if moved
    }
    elsewhere: dict[str, list[tuple[str, datetime]]] = {}
    for fact in retractions:
        if fact.event_id in away:
            entry = (fact.event_id, fact.occurred_at)
            elsewhere.setdefault(fact.data.retracts_event_id, []).append(entry)
    return [fact for fact in measure if fact.event_id not in away], elsewhere


@PROPS
@given(stories(), st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 24 * 200))
def test_where_a_retraction_is_stored_does_not_matter(story, stored_elsewhere, hours) -> None:
    """Retractions (and retractions of them) moved to other streams judge the same."""
    measure, orders = story
    kept, elsewhere = _moved(measure, stored_elsewhere)
    if not any(fact.type != "event.retracted" for fact in kept):
        return  # a measure needs a fact of its own to be judged at all
    quiet = Rulebook.load_default(policy={"rule.LATE-REGISTRATION": False})  # lag per fact
    moment = T0 + timedelta(hours=hours)
    for as_of in (FAR_FUTURE, moment):
        here = evaluate(measure, orders, quiet, as_of)
        assert evaluate(kept, orders, quiet, as_of, elsewhere) == here
    assert change_points(kept, orders, quiet, elsewhere) == change_points(measure, orders, quiet)
    assert next_deadline(kept, orders, quiet, moment, elsewhere) == next_deadline(
        measure, orders, quiet, moment
    )


def test_a_retracted_retraction_elsewhere_brings_the_alert_back() -> None:
    """End retracted in another stream, that retraction retracted: the alert opens again."""
    late = f.applied(T0 + 50 * DAY)
    lifecycle = f.lawful_wzd()
    end = lifecycle[-1]
    facts = [*lifecycle, late]
    elsewhere = {end.event_id: [("r1", T0 + 51 * DAY)], "r1": [("r2", T0 + 52 * DAY)]}
    alerts = evaluate(facts, [], BOOK, FAR_FUTURE, elsewhere)
    spans = [(a.since, a.resolved_at) for a in alerts if a.rule == "APPLIED-AFTER-END"]
    assert spans == [(T0 + 50 * DAY, T0 + 51 * DAY), (T0 + 52 * DAY, None)]
    assert {a.rule for a in alerts} == {"APPLIED-AFTER-END"}
    deeper = {**elsewhere, "r2": [("r3", T0 + 53 * DAY)]}  # depth 3: the end is gone again
    alerts = evaluate(facts, [], BOOK, FAR_FUTURE, deeper)
    spans = [(a.since, a.resolved_at) for a in alerts if a.rule == "APPLIED-AFTER-END"]
    assert spans == [(T0 + 50 * DAY, T0 + 51 * DAY), (T0 + 52 * DAY, T0 + 53 * DAY)]


@PROPS
@given(stories(), st.integers(0, 24 * 150))
def test_next_deadline_is_after_as_of(story, hours) -> None:
    """A next deadline is always strictly after as_of."""
    measure, orders = story
    moment = T0 + timedelta(hours=hours)
    upcoming = next_deadline(measure, orders, BOOK, moment)
    assert upcoming is None or upcoming[0] > moment


@PROPS
@given(stories(), st.randoms(use_true_random=False), st.integers(0, 24 * 150))
def test_authorization_alerts_ignore_arrival_order_and_cut_at_t(story, rnd, hours) -> None:
    """A client's title alerts (GEN-TITLE-PRECEDENCE among them): order-free, and the
    far-future history cut at T is evaluate_authorization(as_of=T)."""
    measure, orders = story
    facts = [*orders, *(fact for fact in measure if fact.type == "event.retracted")]
    history = evaluate_authorization(facts, BOOK, FAR_FUTURE)
    shuffled = facts[:]
    rnd.shuffle(shuffled)
    assert evaluate_authorization(shuffled, BOOK, FAR_FUTURE) == history
    moment = T0 + timedelta(hours=hours)
    assert _as_seen(evaluate_authorization(facts, BOOK, moment)) == _cut(history, moment, facts)


def test_drawn_stories_reach_the_catalogue_2_rules() -> None:
    """The generators can produce every new rule (else the properties above prove nothing
    about them): one hand-picked story per rule through the same builders."""
    zv = "zorgverantwoordelijke"
    emergency = {"emergency": True, "planned_end": T0 + 3 * WEEK}
    cases = {
        "WZD-PHYSICIAN-CONSENT": [f.proposed(T0, actor_role=zv), f.applied(T0 + DAY)],
        "WZD-EMERGENCY-PHYSICIAN": [f.proposed(T0, actor_role=zv, **emergency), f.applied(T0)],
        "WZD-EMERGENCY-NOTIFY": [f.proposed(T0, **emergency), f.applied(T0)],
        "WZD-EMERGENCY-TERM": [f.proposed(T0, **emergency)],
        "WZD-LOCATION-UNREGISTERED": [
            f.proposed(T0, location_id=f.LOCATION_IDS[2]),
            f.applied(T0 + DAY),
        ],
    }
    for rule, facts in cases.items():
        assert rule in {a.rule for a in evaluate(facts, [], BOOK, FAR_FUTURE)}, rule
    titles = [
        f.authorization(T0, f.OTHER_LAW_TITLES[0], T0, T0 + 9 * WEEK, authorization_id="a"),
        f.authorization(T0, f.OTHER_LAW_TITLES[1], T0 + WEEK, T0 + 9 * WEEK, authorization_id="b"),
    ]
    rules = {a.rule for a in evaluate_authorization(titles, BOOK, FAR_FUTURE)}
    assert "GEN-TITLE-PRECEDENCE" in rules
