"""Catalogue 2: the art. 15 emergency decision.

WZD-EMERGENCY-NOTIFY: the Wzd-functionaris informed (`functionaris_informed`) within the
policy term (24 hours, elapsed) of the first emergency application. WZD-EMERGENCY-TERM: an
emergency decision planned for more than 2 weeks (Amsterdam wall clock, inclusive).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from domain.rulebook import Rulebook
from tests import factories as f
from tests.factories import DAY, HOUR, SECOND, T0, WEEK

# Fixed offsets, as times arrive on the wire (RFC 3339): winter and summer time.
CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
V1 = Rulebook.load_default(version="2026.1")
NOTIFY = "WZD-EMERGENCY-NOTIFY"
TERM = "WZD-EMERGENCY-TERM"
MICRO = timedelta(microseconds=1)


def _emergency(at: datetime, **extra):
    return f.proposed(at, emergency=True, planned_start=at, **extra)


def test_functionaris_not_informed_within_a_day_across_the_spring_change() -> None:
    """24 hours from Saturday 28 March 2026 12:00 (+01:00) end Sunday 13:00 (+02:00)."""
    start = datetime(2026, 3, 28, 12, 0, tzinfo=CET)
    due = datetime(2026, 3, 29, 13, 0, tzinfo=CEST)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    facts = [_emergency(start - HOUR), f.applied(start)]
    [alert] = f.only(f.alerts_at(facts), NOTIFY)
    assert alert.since == due + MICRO and alert.severity == "medium"
    assert NOTIFY not in f.open_rules(facts, as_of=due)
    assert NOTIFY in f.open_rules(facts, as_of=due + MICRO)


def test_informed_at_the_due_instant_is_in_time() -> None:
    """A `functionaris_informed` exactly 24 hours after the application: silent."""
    start = datetime(2026, 3, 28, 12, 0, tzinfo=CET)
    facts = [
        _emergency(start),
        f.applied(start),
        f.step(start + 24 * HOUR, "functionaris_informed"),
    ]
    assert f.only(f.alerts_at(facts), NOTIFY) == []


def test_informed_beforehand_is_what_the_law_prefers() -> None:
    """ "Zo mogelijk vooraf": a notice before the first application is in time."""
    facts = [_emergency(T0), f.step(T0, "functionaris_informed"), f.applied(T0 + HOUR)]
    assert f.only(f.alerts_at(facts), NOTIFY) == []


def test_a_late_notice_resolves_the_alert_at_its_moment() -> None:
    """Informed after the due time: open from due until the notice, then resolved."""
    facts = [_emergency(T0), f.applied(T0), f.step(T0 + 30 * HOUR, "functionaris_informed")]
    [alert] = f.only(f.alerts_at(facts), NOTIFY)
    assert (alert.since, alert.resolved_at) == (T0 + 24 * HOUR + MICRO, T0 + 30 * HOUR)


def test_an_ended_emergency_still_needs_the_notice() -> None:
    """The duty to inform outlives a short emergency."""
    facts = [_emergency(T0), f.applied(T0, ended_at=T0 + HOUR), f.ended(T0 + 2 * HOUR)]
    assert NOTIFY in f.open_rules(facts)


def test_no_emergency_no_notice_rule() -> None:
    """A plan measure applied regularly is outside art. 15 lid 4."""
    assert f.only(f.alerts_at(f.lawful_wzd()), NOTIFY) == []


def test_notify_term_is_policy_and_configurable() -> None:
    """`wzd.emergency_notify` may be changed by the operator (it is not statute)."""
    book = Rulebook.load_default(policy={"wzd.emergency_notify": "48 hours"})
    facts = [_emergency(T0), f.applied(T0), f.step(T0 + 30 * HOUR, "functionaris_informed")]
    assert f.only(f.alerts_at(facts, book=book), NOTIFY) == []


def test_emergency_planned_beyond_two_weeks_across_the_spring_change() -> None:
    """From 20 March 2026 10:00 (+01:00), 2 weeks end 3 April 10:00 (+02:00): 13 days 23 h."""
    start = datetime(2026, 3, 20, 10, 0, tzinfo=CET)
    limit = datetime(2026, 4, 3, 10, 0, tzinfo=CEST)
    inside = [_emergency(start, planned_end=limit)]
    assert f.only(f.alerts_at(inside), TERM) == []
    beyond = _emergency(start, planned_end=limit + SECOND)
    [alert] = f.only(f.alerts_at([beyond]), TERM)
    assert alert.since == start and alert.severity == "medium"
    assert alert.evidence == (beyond.event_id,)


def test_emergency_planned_two_weeks_across_the_autumn_change() -> None:
    """From 20 October 2026 10:00 (+02:00), 2 weeks end 3 November 10:00 (+01:00)."""
    start = datetime(2026, 10, 20, 10, 0, tzinfo=CEST)
    limit = datetime(2026, 11, 3, 10, 0, tzinfo=CET)
    assert limit.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=14, hours=1)
    assert f.only(f.alerts_at([_emergency(start, planned_end=limit)]), TERM) == []
    assert len(f.only(f.alerts_at([_emergency(start, planned_end=limit + SECOND)]), TERM)) == 1


def test_a_regular_plan_of_a_month_is_no_emergency_term() -> None:
    """The 2-week maximum is the emergency's; a plan of 8 weeks is lawful."""
    facts = [f.proposed(T0, planned_end=T0 + 8 * WEEK)]
    assert f.only(f.alerts_at(facts), TERM) == []


def test_rulebook_2026_1_never_judges_the_emergency_decision() -> None:
    """Neither rule exists in 2026.1."""
    facts = [_emergency(T0, planned_end=T0 + 3 * WEEK), f.applied(T0 + DAY)]
    rules = f.open_rules(facts, book=V1)
    assert NOTIFY not in rules and TERM not in rules
    assert {NOTIFY, TERM} <= f.open_rules(facts)
