"""The fast rules path gives exactly what the plain reference path gives.

`domain.rules.incremental` (sorted once, folds only what changed, re-runs only the rule
parts whose input changed) must return the same findings, in the same order and with the
same datetimes (offsets included), as `domain.rules.reference` (active facts -> fold ->
every rule, at every moment). Compared on random stories with ties, mixed offsets,
retractions (also of retractions, in cycles, and from elsewhere), visited forwards and out
of order, and end to end through the public entry points, including on synthetic data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.codes import FRAMEWORK_CATEGORIES, HARM_CODES, STEPS
from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules import engine, reference
from domain.rules.incremental import AuthorizationFindings, MeasureFindings
from domain.rules.sweep import sweep
from domain.wire import AUTHORIZATION_TYPES
from tests import factories as f
from tests.factories import DAY, HOUR, T0, WEEK

BOOKS = (
    Rulebook.load_default(),
    Rulebook.load_default(policy={"rule.LATE-REGISTRATION": False, "review": "3 days"}),
    Rulebook.load_default(version="2026.1"),  # the previous version stays loadable and equal
    f.locations_book(Rulebook.load_default()),  # catalogue 2's location rule judging
    # an onboarding moment inside the stories: history before it is not judged for lag
    Rulebook.load_default(onboarding={f.PROVIDER: (T0 + 20 * DAY).isoformat()}),
)
KINDS = f.AUTHORIZATION_KINDS_BY_FRAMEWORK
EVENTS = [
    *f.FACT_KINDS,
    *("step", "decided", "applied", "applied"),  # what the per-application parts read
]
PLUS_ONE = timezone(timedelta(hours=1))
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _moment(draw: st.DrawFn, span_days: int = 45) -> datetime:
    """Coarse moments (whole 6 hours), so ties are common; some written in +01:00."""
    moment = T0 + timedelta(hours=6 * draw(st.integers(0, 4 * span_days)))
    return moment.astimezone(PLUS_ONE) if draw(st.booleans()) else moment


def _later(draw: st.DrawFn, at: datetime) -> datetime:
    return at + timedelta(hours=6 * draw(st.integers(0, 4 * 100)))


def _event(draw: st.DrawFn, kind: str, at: datetime, eid: str) -> Fact:
    return f.drawn_fact(
        draw,
        kind,
        at,
        eid,
        lags=(timedelta(0), HOUR, 7 * DAY, 10 * DAY),
        later=_later,
        steps=[*STEPS, "gedragswetenschapper_consent"],
    )


def _proposal(draw: st.DrawFn, framework: str, eid: str) -> Fact:
    start = _moment(draw, 10)
    data = {
        "framework": framework,
        "category": draw(st.sampled_from([*FRAMEWORK_CATEGORIES[framework], "admission"])),
        "setting": draw(st.sampled_from(["residential", "closed_youth_care", "open_youth_care"])),
        "grounds": draw(st.lists(st.sampled_from(HARM_CODES), max_size=2)),
        "planned_start": start,
        "planned_end": draw(st.sampled_from([None, start + 8 * WEEK, start + 30 * WEEK])),
        "emergency": draw(st.booleans()),
        "client_age_years": draw(st.sampled_from([None, 10, 15])),
        "location_id": draw(st.sampled_from(f.LOCATION_IDS)),
    }
    extra, role = f.drawn_proposal_extras(draw)
    return f.fact("measure.proposed", start, {**data, **extra}, event_id=eid, actor_role=role)


Elsewhere = dict[str, tuple[tuple[str, datetime], ...]] | dict[str, datetime] | frozenset


def _elsewhere(draw: st.DrawFn, ids: list[str], local: list[str]) -> Elsewhere:
    """Retractions stored in other streams, in one of the three forms `retracted_ids` takes.

    In the chain form they name this story's facts, each other (chains of depth 2 and 3
    across streams) and this story's own retractions, and this story's retractions may
    name them (`x0`, `x1` ... are drawn as targets below): every way a chain can cross.
    """
    form = draw(st.sampled_from(["set", "times", "chains", "chains"]))
    if form != "chains" or not ids:
        outside = draw(st.lists(st.sampled_from(ids), max_size=2)) if ids else []
        if form == "set":
            return frozenset(outside)
        return {eid: _moment(draw) for eid in outside}
    chains: dict[str, list[tuple[str, datetime]]] = {}
    for index in range(draw(st.integers(0, 4))):
        target = draw(st.sampled_from([*ids, *local, *(f"x{i}" for i in range(index + 1))]))
        chains.setdefault(target, []).append((f"x{index}", _moment(draw)))
    return {target: tuple(entries) for target, entries in chains.items()}


@st.composite
def stories(draw: st.DrawFn) -> tuple[list[Fact], list[Fact], Elsewhere]:
    """A measure, its client's orders, and retractions from elsewhere (any form)."""
    framework = draw(st.sampled_from(sorted(FRAMEWORK_CATEGORIES)))
    measure = [_proposal(draw, framework, f"p{i}") for i in range(draw(st.integers(0, 2)))]
    for index in range(draw(st.integers(0, 14))):
        measure.append(_event(draw, draw(st.sampled_from(EVENTS)), _moment(draw), f"h{index}"))
    orders = []
    previous = None
    for index in range(draw(st.integers(0, 3))):
        valid_from = _moment(draw, 60)
        until = valid_from + timedelta(days=draw(st.integers(1, 400)))
        order_id = f"auth-{draw(st.integers(0, 1))}"  # sometimes a re-registration
        kind = draw(st.sampled_from([*KINDS[framework], *f.OTHER_LAW_TITLES]))
        valid_from, until, exam = f.drawn_order_times(draw, kind, valid_from, until, previous)
        previous = until
        orders.append(
            f.authorization(
                _moment(draw, 60),
                kind,
                valid_from,
                until,
                event_id=f"a{index}",
                authorization_id=order_id,
                covers=draw(st.sampled_from([None, [*FRAMEWORK_CATEGORIES[framework]][:1]])),
                examined_at=exam,
            )
        )
    if orders and draw(st.booleans()):
        orders.append(f.authorization_ended(_moment(draw, 90), "auth-0"))
    for index in range(draw(st.integers(0, 4))):  # retractions, also of retractions
        targets = [fact.event_id for fact in measure + orders] + [f"r{index + 1}", "x0", "x1"]
        target = draw(st.sampled_from(targets))
        measure.append(f.retracted(_moment(draw), target, event_id=f"r{index}"))
    ids = [fact.event_id for fact in measure + orders]
    local = [fact.event_id for fact in measure if fact.type == "event.retracted"]
    return measure, orders, _elsewhere(draw, ids, local)


def _shown(findings: list) -> str:
    """repr keeps each datetime's offset, which `==` on datetimes would not compare."""
    return repr(findings)


def _moments(measure: list[Fact], orders: list[Fact], draw_order: list[int]) -> list[datetime]:
    times = sorted({fact.occurred_at for fact in measure + orders})
    extra = [T0 - DAY, T0 + 3 * HOUR, T0 + 50 * DAY, engine.FAR_FUTURE]
    forwards = times + extra
    shuffled = [forwards[i % len(forwards)] for i in draw_order]
    return forwards + shuffled


def _assert_same_findings(measure, orders, retracted, book=BOOKS[0], draw_order=()) -> None:
    facts = [*measure, *orders]
    external = engine._external(retracted, facts)
    fast = MeasureFindings(facts, book, external)
    slow = reference.measure_findings(facts, book, external)
    for moment in _moments(measure, orders, list(draw_order)):
        assert _shown(fast(moment)) == _shown(slow(moment)), moment


@settings(PROPS, max_examples=400)
@given(stories(), st.sampled_from(BOOKS), st.lists(st.integers(0, 60), max_size=12))
def test_measure_findings_equal_the_reference(story, book, draw_order) -> None:
    measure, orders, retracted = story
    _assert_same_findings(measure, orders, retracted, book, draw_order)


def test_what_per_application_parts_read_before_the_application() -> None:
    """The cases the per-application caches must notice (`parts.Part.as_of`)."""
    plan = f.proposed(T0, "wzd", planned_end=T0 + 20 * WEEK, event_id="p")
    at = T0 + 2 * DAY
    rejected = f.fact("review.decided", at - DAY, {"decision": "rejected"}, event_id="d1")
    same_time = f.fact("review.decided", at, {"decision": "rejected"}, event_id="d2")
    step = f.fact(
        "stappenplan.step_completed", at - HOUR, {"step": "multidisciplinary_consultation"}
    )
    applied = f.fact("measure.applied", at, {}, event_id="x1")
    later = f.fact("measure.applied", at + DAY, {}, event_id="x2")
    order = f.authorization(
        at + 3 * DAY, "rechterlijke_machtiging_wzd", T0, T0 + 30 * WEEK, event_id="o1"
    )
    stories = [
        [plan, applied, same_time, later],  # a decision at the application's own instant
        [plan, rejected, applied, f.retracted(at + 5 * DAY, rejected)],  # basis comes back
        [plan, step, applied, f.retracted(at + 5 * DAY, step)],  # the step is withdrawn
        [plan, applied, f.ended(at), later],  # ended at the application's own instant
    ]
    for measure in stories:
        _assert_same_findings(measure, [], None)
        _assert_same_findings(measure, [order], {"o1": at + 9 * DAY})


@PROPS
@given(stories(), st.sampled_from(BOOKS), st.lists(st.integers(0, 60), max_size=12))
def test_authorization_findings_equal_the_reference(story, book, draw_order) -> None:
    measure, orders, retracted = story
    facts = [*orders, *[fact for fact in measure if fact.type == "event.retracted"]]
    external = engine._external(retracted, facts)
    fast = AuthorizationFindings(facts, book, external)
    slow = reference.authorization_findings(facts, book, external)
    for moment in _moments([], facts, draw_order):
        assert _shown(fast(moment)) == _shown(slow(moment)), moment


def _reference_evaluate(measure, orders, book, as_of, retracted) -> list[str]:
    """`engine.evaluate` as it was: the reference findings at every sweep point."""
    own = [fact for fact in measure if fact.type not in AUTHORIZATION_TYPES]
    if not own:
        return []
    facts = [*own, *orders]
    external = _reference_external(retracted, facts)
    times = [fact.occurred_at for fact in facts]
    times += [at for entries in external.values() for _, at in entries]
    result = sweep(times, reference.measure_findings(facts, book, external), as_of)
    alerts = engine._ordered(engine._alert(i, own, book, True) for i in result.intervals)
    return [alert.model_dump_json() for alert in alerts]


@PROPS
@given(stories(), st.sampled_from(BOOKS), st.integers(0, 4 * 200))
def test_evaluate_equals_the_reference(story, book, quarter_days) -> None:
    measure, orders, retracted = story
    moment = T0 + timedelta(hours=6 * quarter_days)
    for as_of in (engine.FAR_FUTURE, moment):  # the second call reuses the swept instance
        fast = engine.evaluate(measure, orders, book, as_of, retracted)
        expected = _reference_evaluate(measure, orders, book, as_of, retracted)
        assert [alert.model_dump_json() for alert in fast] == expected
    for as_of in (moment, moment - 3 * DAY, engine.FAR_FUTURE):
        due = engine.next_deadline(measure, orders, book, as_of, retracted)
        assert repr(due) == repr(_reference_next_deadline(measure, orders, book, as_of, retracted))


def _reference_external(retracted: Elsewhere, facts: list[Fact]) -> dict:
    """`engine._external` written plainly: scan the whole map until no chain grows."""
    start = datetime(1, 1, 1, tzinfo=UTC)
    if not isinstance(retracted, dict):
        gone = {fact.event_id for fact in facts} & retracted
        return {eid: ((f"\0retraction-of:{eid}", start),) for eid in gone}
    chains = {
        target: ((f"\0retraction-of:{target}", value),) if isinstance(value, datetime) else value
        for target, value in retracted.items()
    }
    wanted, found = {fact.event_id for fact in facts}, {}
    while True:
        more = {t: e for t, e in chains.items() if t in wanted and t not in found}
        if not more:
            return {t: found[t] for t in sorted(found)}
        found.update(more)
        wanted |= {rid for entries in more.values() for rid, _ in entries}


def _reference_next_deadline(measure, orders, book, as_of, retracted):
    own = [fact for fact in measure if fact.type not in AUTHORIZATION_TYPES]
    if not own:
        return None
    facts = [*own, *orders]
    findings = reference.measure_findings(facts, book, engine._external(retracted, facts))(as_of)
    upcoming = [(f.deadline_at or f.due, f.rule) for f in findings if f.deadline and f.due > as_of]
    return min(upcoming, default=None)


def _late(_event_id: str, position: int) -> timedelta:
    return timedelta(days=9) if position % 17 == 0 else timedelta(hours=position % 5)


def test_synthetic_measures_equal_the_reference() -> None:
    book = BOOKS[0]
    for seed in (3, 11):
        facts = f.synthetic_facts(seed, 120, _late)
        measures: dict[tuple[str, str], list[Fact]] = {}
        orders: dict[tuple[str, str], list[Fact]] = {}
        for fact in facts:
            if fact.measure_id is None:
                orders.setdefault((fact.provider_id, fact.client_id), []).append(fact)
            else:
                measures.setdefault((fact.provider_id, fact.measure_id), []).append(fact)
        for own in measures.values():
            client_orders = orders.get((own[0].provider_id, own[0].client_id), [])
            for as_of in (engine.FAR_FUTURE, datetime(2026, 5, 1, tzinfo=UTC)):
                fast = engine.evaluate(own, client_orders, book, as_of)
                expected = _reference_evaluate(own, client_orders, book, as_of, frozenset())
                assert [alert.model_dump_json() for alert in fast] == expected
