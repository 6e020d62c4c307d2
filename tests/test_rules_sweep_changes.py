"""The sweep fed with changed pieces gives exactly what the sweep over whole lists gives.

`domain.rules.sweep_changes` keeps the findings present and re-decides only the keys that
changed; `domain.rules.sweep.sweep` rescans every finding at every moment. Compared here on
random pieces (keys repeated within and across pieces, ties, mixed offsets, accumulating
findings, resets), and end to end on long measures and on change points against the
reference rules path.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.bench_judge import long_measure
from domain.rulebook import Rulebook
from domain.rules import engine, reference
from domain.rules.findings import Finding, Growth
from domain.rules.sweep import sweep
from domain.rules.sweep_changes import sweep_changes
from domain.wire import AUTHORIZATION_TYPES
from tests.factories import DAY, HOUR, T0
from tests.test_rules_performance_equivalence import (
    BOOKS,
    _reference_evaluate,
    stories,
)

PLUS_ONE = timezone(timedelta(hours=1))
PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _words(count: int, lag: timedelta) -> str:
    return f"{count} late, at most {lag}"


def _at(draw: st.DrawFn) -> datetime:
    moment = T0 + HOUR * draw(st.integers(0, 30))
    return moment.astimezone(PLUS_ONE) if draw(st.booleans()) else moment


@st.composite
def _finding(draw: st.DrawFn) -> Finding:
    due = _at(draw)
    until = draw(st.sampled_from([None, None, due + HOUR * draw(st.integers(0, 8))]))
    growth = None
    if draw(st.integers(0, 4)) == 0:
        # as in LATE-REGISTRATION: due is the first event's moment, the others come later
        later = (due + HOUR * draw(st.integers(0, 6)) for _ in range(draw(st.integers(0, 2))))
        visible = (due, *sorted(later))
        growth = Growth(visible, tuple(HOUR for _ in visible), _words)
    evidence = tuple(f"e{i}" for i in range(len(growth.visible) if growth else 1))
    return Finding(
        draw(st.sampled_from(["A", "B"])),
        draw(st.sampled_from(["x", "y", "z"])),
        due,
        evidence,
        draw(st.sampled_from(["m1", "m2"])),
        until=until,
        growth=growth,
    )


@st.composite
def _script(draw: st.DrawFn) -> tuple[list[datetime], list[tuple[bool, dict]]]:
    """Event times, and per distinct time (in order) a reset flag and the pieces changed."""
    times = [_at(draw) for _ in range(draw(st.integers(1, 8)))]
    distinct = len({moment for moment in times})
    steps = []
    for index in range(distinct):
        keys = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=4))
        pieces = {key: draw(st.lists(_finding(), max_size=3)) for key in keys}
        steps.append((index == 0 or draw(st.integers(0, 5)) == 0, pieces))
    return times, steps


def _shown(result) -> tuple[str, str]:
    intervals = sorted(
        result.intervals,
        key=lambda i: (i.since, i.finding.rule, i.finding.occurrence, i.ordinal),
    )
    return repr(intervals), repr(result.points)


@PROPS
@given(_script(), st.integers(0, 40))
def test_sweep_of_changes_equals_the_sweep_of_lists(script, horizon_hours) -> None:
    """Intervals (with their findings) and visited points are the same, offsets included."""
    times, steps = script
    horizon = T0 + HOUR * horizon_hours
    order = sorted({moment for moment in times if moment <= horizon})
    by_time = dict(zip(order, steps, strict=False))
    current: dict = {}

    def whole(moment: datetime) -> list[Finding]:
        reset, pieces = by_time[moment]
        if reset:
            current.clear()
        current.update(pieces)
        return [finding for key in sorted(current) for finding in current[key]]

    expected = _shown(sweep(times, whole, horizon))
    current.clear()

    def changes(moment: datetime, full: bool):
        reset, pieces = by_time[moment]
        if reset:
            current.clear()
        current.update(pieces)
        return (True, list(current.items())) if full else (reset, list(pieces.items()))

    assert _shown(sweep_changes(times, changes, horizon)) == expected


def _reference_points(measure, orders, book, retracted) -> list[str]:
    own = [fact for fact in measure if fact.type not in AUTHORIZATION_TYPES]
    if not own:
        return []
    facts = [*own, *orders]
    external = engine._external(retracted, facts)  # its order picks the offsets of ties
    times = engine._event_times(facts, external)
    findings_at = reference.measure_findings(facts, book, external)
    return [repr(moment) for moment in sweep(times, findings_at, engine.FAR_FUTURE).points]


@settings(PROPS, max_examples=150)
@given(stories(), st.sampled_from(BOOKS))
def test_change_points_equal_the_reference(story, book) -> None:
    """Every moment visited, as written in the facts, as the reference sweep visits them."""
    measure, orders, retracted = story
    points = engine.change_points(measure, orders, book, retracted)
    assert [repr(moment) for moment in points] == _reference_points(
        measure, orders, book, retracted
    )


def test_long_measures_equal_the_reference() -> None:
    """A long measure per framework, with an emergency application, a new plan and a
    decision halfway: the alerts, change points and next deadline of the reference."""
    book = Rulebook.load_default()
    for framework in ("wzd", "wvggz"):
        facts = long_measure(framework, 120)
        middle = facts[len(facts) // 2]
        flagged = middle.data.model_copy(update={"emergency": True})
        facts[len(facts) // 2] = replace(middle, data=flagged)
        plan = facts[0].data.model_copy(update={"emergency": True})
        later = middle.occurred_at + DAY
        later_plan = replace(facts[0], event_id="late-plan", occurred_at=later, data=plan)
        for story in (facts, [*facts, later_plan]):
            for as_of in (engine.FAR_FUTURE, middle.occurred_at + 3 * DAY):
                fast = [a.model_dump_json() for a in engine.evaluate(story, [], book, as_of)]
                assert fast == _reference_evaluate(story, [], book, as_of, frozenset())
            points = [repr(m) for m in engine.change_points(story, [], book)]
            assert points == _reference_points(story, [], book, frozenset())


def test_a_long_measure_has_alerts_to_compare() -> None:
    """The long measures above are not trivially equal: they raise alerts."""
    book = Rulebook.load_default()
    alerts = engine.evaluate(long_measure("wvggz", 120), [], book, engine.FAR_FUTURE)
    assert len(alerts) > 50
    assert datetime(2025, 1, 1, tzinfo=UTC) < alerts[0].since
