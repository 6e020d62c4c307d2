"""WZD-IGJ-OVERVIEW / WVGGZ-IGJ-OVERVIEW as pure functions over hand-built facts.

The rule asks the report's own steps whether a law's section says `deliver`, and compares
the deliveries with the day of `domain.report.deadline`: 23:59 on 12 August (Amsterdam) is
in time for 2026H1, 00:00 on 13 August is late. The store-level judgement (retractions,
re-judging, both stores) is tests/test_overview_delivery_index.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from report_builders import PROVIDER, RULEBOOK, applied, fact, proposed, section

from domain.facts import Fact
from domain.report.period import HalfYear
from domain.rulebook import load_versions
from domain.rules.overview_delivery import care_given, overview_alert, periods_of
from domain.wire import delivery_event_id

H1 = HalfYear(2026, 1)
BODY = "ab" * 32
V1 = next(book for book in load_versions() if book.version == "2026.1")


def delivered(when: str, law: str = "wzd", period: str = "2026H1") -> Fact:
    data = {
        "period": period,
        "law": law,
        "body_sha256": BODY,
        "position": 10,
        "checkpoint_id": 1,
    }
    event_id = delivery_event_id(period, law, BODY)
    return fact("report.delivered", when, data, measure=None, client="", event_id=event_id)


def seclusion_in_h1() -> list[Fact]:
    return [
        proposed("m1", "wzd", "seclusion", when="2026-02-01T09:00:00+01:00"),
        applied("m1", "2026-03-05T10:00:00+01:00", event_id="apply-1"),
    ]


def alert_for(facts: list[Fact], deliveries: list[Fact], law: str = "wzd", book=RULEBOOK):
    care = care_given(facts, H1, law)
    return overview_alert(PROVIDER, H1, law, care, deliveries, book)


def test_no_delivery_opens_the_alert_at_the_first_late_instant() -> None:
    alert = alert_for(seclusion_in_h1(), [])
    assert alert is not None
    assert alert.rule == "WZD-IGJ-OVERVIEW" and alert.severity == "high"
    assert alert.measure_id is None and alert.framework == "wzd" and alert.category is None
    assert alert.since == datetime.fromisoformat("2026-08-13T00:00:00+02:00")
    assert alert.resolved_at is None and alert.status == "open"
    assert alert.evidence == ("apply-1",)
    # the occurrence is the period: the same id however often it is judged
    assert alert == alert_for(seclusion_in_h1(), [])


def test_delivered_at_23_59_on_the_day_is_in_time() -> None:
    assert alert_for(seclusion_in_h1(), [delivered("2026-08-12T23:59:00+02:00")]) is None
    # the same instant written in UTC
    assert alert_for(seclusion_in_h1(), [delivered("2026-08-12T21:59:59.999999Z")]) is None


def test_delivered_the_next_day_is_late_and_resolves_the_alert() -> None:
    late = delivered("2026-08-13T00:00:00+02:00")
    alert = alert_for(seclusion_in_h1(), [late])
    assert alert is not None and alert.status == "resolved"
    assert alert.since == alert.resolved_at == late.occurred_at
    later = delivered("2026-08-20T11:00:00+02:00")
    alert = alert_for(seclusion_in_h1(), [later])
    assert alert is not None
    assert alert.resolved_at == later.occurred_at
    assert alert.evidence == ("apply-1", later.event_id)


def test_a_delivery_of_another_law_or_period_does_not_count() -> None:
    other_law = delivered("2026-08-01T10:00:00+02:00", law="wvggz")
    other_period = delivered("2026-08-01T10:00:00+02:00", period="2025H2")
    alert = alert_for(seclusion_in_h1(), [other_law, other_period])
    assert alert is not None and alert.status == "open"


def test_a_half_year_without_compulsory_care_gives_no_alert() -> None:
    before = [
        proposed("m1", "wzd", "seclusion", when="2025-11-01T09:00:00+01:00"),
        applied("m1", "2025-12-05T10:00:00+01:00"),
    ]
    assert alert_for(before, []) is None  # applied in 2025H2 only
    only_proposed = [proposed("m1", "wzd", "seclusion", when="2026-02-01T09:00:00+01:00")]
    assert alert_for(only_proposed, []) is None
    # art. 2 lid 2 forms are left out of the overview: its Wzd section has deliver: false
    lid_2 = [
        proposed("m1", "wzd", "lockable_stay", when="2026-02-01T09:00:00+01:00"),
        applied("m1", "2026-03-05T10:00:00+01:00"),
    ]
    assert section(lid_2, "wzd").deliver is False
    assert alert_for(lid_2, []) is None
    # Wzd care raises nothing under the Wvggz rule
    assert alert_for(seclusion_in_h1(), [], law="wvggz") is None


def test_the_wvggz_rule_fires_for_wvggz_care() -> None:
    facts = [
        proposed("m2", "wvggz", "seclusion", when="2026-02-01T09:00:00+01:00"),
        applied("m2", "2026-04-01T10:00:00+02:00", event_id="apply-2"),
    ]
    alert = alert_for(facts, [], law="wvggz")
    assert alert is not None and alert.rule == "WVGGZ-IGJ-OVERVIEW"
    assert alert_for(facts, [delivered("2026-08-12T12:00:00+02:00", law="wvggz")], "wvggz") is None


def test_rulebook_2026_1_raises_nothing() -> None:
    assert not V1.enabled("WZD-IGJ-OVERVIEW") and not V1.enabled("WVGGZ-IGJ-OVERVIEW")
    assert alert_for(seclusion_in_h1(), [], book=V1) is None
    assert RULEBOOK.rules["WZD-IGJ-OVERVIEW"].catalogue == 2


def test_periods_of_an_application() -> None:
    at = datetime.fromisoformat
    assert periods_of(at("2026-03-01T10:00:00+01:00"), None) == [H1]
    # 00:30 on 1 July in Amsterdam is in H2, though it is 30 June in UTC
    assert periods_of(at("2026-06-30T22:30:00Z"), None) == [HalfYear(2026, 2)]
    long = periods_of(at("2025-12-01T10:00:00+01:00"), at("2027-01-02T10:00:00+01:00"))
    assert [p.name for p in long] == ["2025H2", "2026H1", "2026H2", "2027H1"]


EPOCH = datetime.fromisoformat("2026-06-20T00:00:00+02:00")


@settings(max_examples=150, deadline=None)
@given(
    starts=st.lists(st.integers(-40 * 24, 40 * 24), min_size=0, max_size=4),
    lengths=st.lists(st.one_of(st.none(), st.integers(0, 30 * 24)), min_size=4, max_size=4),
    category=st.sampled_from(["seclusion", "lockable_stay", "physical_restraint"]),
    framework=st.sampled_from(["wzd", "wvggz"]),
    half=st.sampled_from([1, 2]),
)
def test_care_given_agrees_with_the_reports_section(
    starts: list[int], lengths: list[int | None], category: str, framework: str, half: int
) -> None:
    """Over drawn applications around 1 July: the rule finds care exactly when the law's
    section of the report says `deliver`, and then names an application it counted."""
    facts = [proposed("m1", framework, category, when="2026-01-05T09:00:00+01:00")]
    for start, length in zip(starts, lengths, strict=False):
        begin = EPOCH + timedelta(hours=start)
        end = None if length is None else (begin + timedelta(hours=length)).isoformat()
        facts.append(applied("m1", begin.isoformat(), ended=end))
    period = HalfYear(2026, half)
    found = care_given(facts, period, framework)
    deliver = section(facts, framework, period.name).deliver
    assert (found is not None) == deliver
    if found is not None:
        counted = next(f for f in facts if f.event_id == found)
        assert period.received(counted.occurred_at, counted.data.ended_at)
