"""The overview's counting rules on hand-built facts; every expected number is worked out
here by hand from the facts, never taken from the code under test."""

from __future__ import annotations

from domain.report.overview import report_pseudonym
from domain.report.period import HalfYear
from tests.report_builders import (
    KEY,
    PROVIDER,
    applied,
    fact,
    proposed,
    report,
    retracted,
    section,
)


def test_a_client_with_several_measures_of_one_form_counts_once_per_location() -> None:
    facts = [
        proposed("m1", "wzd", "seclusion", location="L1"),
        applied("m1", "2026-02-01T10:00:00+01:00"),
        applied("m1", "2026-02-03T10:00:00+01:00"),
        proposed("m2", "wzd", "seclusion", location="L1"),
        applied("m2", "2026-03-01T10:00:00+01:00"),
        proposed("m3", "wzd", "seclusion", location="L2"),
        applied("m3", "2026-04-01T10:00:00+02:00"),
        proposed("m4", "wzd", "seclusion", client="c2", location="L1"),
        applied("m4", "2026-04-02T10:00:00+02:00", client="c2"),
    ]
    wzd = section(facts, "wzd")
    l1 = wzd.locations["L1"]["seclusion"]
    # L1: c1 through m1 and m2, c2 through m4 -> 2 clients, 3 measures, 2 + 1 + 1 applications
    assert (l1.clients, l1.measures, l1.applications) == (2, 3, 4)
    l2 = wzd.locations["L2"]["seclusion"]
    assert (l2.clients, l2.measures, l2.applications) == (1, 1, 1)
    total = wzd.totals["seclusion"]
    # c1 is at both locations but one client of the provider; measures and applications add up
    assert (total.clients, total.measures, total.applications) == (2, 4, 5)


def test_a_measure_applied_in_both_halves_counts_in_both() -> None:
    facts = [
        proposed("m1", "wzd", "restrict_movement"),
        applied("m1", "2026-03-01T10:00:00+01:00"),
        applied("m1", "2026-09-01T10:00:00+02:00"),
        # one episode across the summer edge: 22:00-02:00 local, 2 h in each half
        applied("m1", "2026-06-30T22:00:00+02:00", ended="2026-07-01T02:00:00+02:00"),
    ]
    first = section(facts, "wzd", "2026H1").locations["L1"]["restrict_movement"]
    second = section(facts, "wzd", "2026H2").locations["L1"]["restrict_movement"]
    assert (first.clients, first.measures, first.applications) == (1, 1, 2)
    assert (second.clients, second.measures, second.applications) == (1, 1, 2)
    assert first.episode_seconds == 2 * 3600 == second.episode_seconds
    assert first.episodes_ended == second.episodes_ended == 1


def test_period_edges_are_midnight_in_amsterdam_winter_and_summer() -> None:
    h1 = HalfYear.parse("2026H1")
    assert h1.start.isoformat() == "2026-01-01T00:00:00+01:00"  # CET
    assert h1.end.isoformat() == "2026-07-01T00:00:00+02:00"  # CEST
    moments = {  # one measure per moment, so the counted ones can be named
        "w-last-2025": "2025-12-31T22:59:59+00:00",  # 23:59:59 local on 31 December
        "w-first-2026": "2025-12-31T23:00:00+00:00",  # 00:00 local on 1 January
        "s-last-h1": "2026-06-30T21:59:59+00:00",  # 23:59:59 local on 30 June
        "s-first-h2": "2026-06-30T22:00:00+00:00",  # 00:00 local on 1 July
    }
    facts = [proposed(m, "wzd", "supervision") for m in moments]
    facts += [applied(m, when) for m, when in moments.items()]
    sources = report(facts, "2026H1").sources
    assert sources[("providers", PROVIDER, "wzd", "locations", "L1", "supervision")] == {
        "w-first-2026",
        "s-last-h1",
    }
    assert report(facts, "2025H2").sources[
        ("providers", PROVIDER, "wzd", "locations", "L1", "supervision")
    ] == {"w-last-2025"}
    assert report(facts, "2026H2").sources[
        ("providers", PROVIDER, "wzd", "locations", "L1", "supervision")
    ] == {"s-first-h2"}


def test_an_episode_over_a_whole_half_year_lasts_its_real_hours_not_its_wall_clock() -> None:
    # 1 January 00:00 (+01:00) to 1 July 00:00 (+02:00): 181 calendar days, but the clocks
    # went forward on 29 March, so 181 * 24 - 1 hours passed
    facts = [
        proposed("m1", "wzd", "seclusion"),
        applied("m1", "2025-12-20T10:00:00+01:00", ended="2026-07-10T10:00:00+02:00"),
    ]
    cell = section(facts, "wzd", "2026H1").locations["L1"]["seclusion"]
    assert cell.episode_seconds == (181 * 24 - 1) * 3600
    # July-December gains the hour back on 25 October: 184 days * 24 + 1 hours
    facts[1] = applied("m1", "2026-06-20T10:00:00+02:00", ended="2027-01-10T10:00:00+01:00")
    cell = section(facts, "wzd", "2026H2").locations["L1"]["seclusion"]
    assert cell.episode_seconds == (184 * 24 + 1) * 3600


def test_an_episode_ending_at_the_first_instant_is_not_in_the_period() -> None:
    facts = [
        proposed("m1", "wzd", "seclusion"),
        applied("m1", "2025-12-31T22:00:00+01:00", ended="2026-01-01T00:00:00+01:00"),
    ]
    assert section(facts, "wzd").deliver is False
    h2 = section(facts, "wzd", "2025H2").locations["L1"]["seclusion"]
    assert (h2.applications, h2.episode_seconds) == (1, 7200)


def test_retracted_applications_do_not_count() -> None:
    kept = applied("m1", "2026-02-01T10:00:00+01:00")
    wrong = applied("m1", "2026-02-02T10:00:00+01:00", ended="2026-02-02T11:00:00+01:00")
    facts = [
        proposed("m1", "wzd", "seclusion"),
        kept,
        wrong,
        retracted("m1", wrong.event_id, "2026-08-01T10:00:00+02:00"),
        proposed("m2", "wzd", "seclusion", client="c2"),
        (only := applied("m2", "2026-02-05T10:00:00+01:00", client="c2")),
        retracted("m2", only.event_id, "2026-02-06T10:00:00+01:00", client="c2"),
    ]
    cell = section(facts, "wzd").locations["L1"]["seclusion"]
    # m1 keeps one application (no episode); m2 has none left, so c2 is not counted
    assert (cell.clients, cell.measures, cell.applications) == (1, 1, 1)
    assert (cell.episodes_ended, cell.episode_seconds) == (0, 0)


def test_an_application_whose_retraction_was_retracted_counts_again() -> None:
    """A retraction that is retracted itself corrects nothing; retracting that one does."""
    back = applied("m1", "2026-02-01T10:00:00+01:00")
    gone = applied("m1", "2026-02-03T10:00:00+01:00")
    facts = [
        proposed("m1", "wzd", "seclusion"),
        back,
        retracted("m1", back.event_id, "2026-02-02T10:00:00+01:00", event_id="r1"),
        retracted("m2", "r1", "2026-02-04T10:00:00+01:00", event_id="r2"),  # another stream
        gone,
        retracted("m1", gone.event_id, "2026-02-05T10:00:00+01:00", event_id="r3"),
        retracted("m1", "r3", "2026-02-06T10:00:00+01:00", event_id="r4"),
        retracted("m2", "r4", "2026-02-07T10:00:00+01:00", event_id="r5"),  # depth 3
    ]
    cell = section(facts, "wzd").locations["L1"]["seclusion"]
    # `back` stands (r1 was retracted by r2); `gone` does not (r5 took r4 away, r3 stands)
    assert (cell.clients, cell.measures, cell.applications) == (1, 1, 1)


def test_art_2_lid_2_forms_are_left_out_and_counted_as_left_out() -> None:
    facts = [
        proposed("m1", "wzd", "lockable_stay"),
        applied("m1", "2026-02-01T10:00:00+01:00"),
        applied("m1", "2026-02-08T10:00:00+01:00"),
        proposed("m2", "wzd", "behavioural_medication_off_guideline", client="c2"),
        applied("m2", "2026-03-01T10:00:00+01:00", client="c2"),
        proposed("m3", "wzd", "temporary_movement_restriction", client="c2"),
        applied("m3", "2026-03-02T10:00:00+01:00", client="c2"),
    ]
    wzd = section(facts, "wzd")
    assert wzd.locations == {} and wzd.totals == {}
    assert wzd.deliver is False
    left = wzd.left_out_art_2_lid_2
    assert (left.clients, left.measures, left.applications) == (2, 3, 4)


def test_art_15_and_8_11_emergencies_are_unplanned() -> None:
    facts = [
        proposed("m1", "wzd", "seclusion", emergency=True),  # art. 15: every application
        applied("m1", "2026-02-01T10:00:00+01:00"),
        proposed("m2", "wzd", "seclusion", client="c2"),  # planned, one emergency application
        applied("m2", "2026-02-02T10:00:00+01:00", client="c2"),
        applied("m2", "2026-02-03T10:00:00+01:00", client="c2", emergency=True),
        proposed("g1", "wvggz", "seclusion", client="c3", emergency=True),  # art. 8:11
        applied("g1", "2026-02-04T10:00:00+01:00", client="c3"),
        proposed("g2", "wvggz", "search_room", client="c4"),
        applied("g2", "2026-02-05T10:00:00+01:00", client="c4"),
    ]
    body = report(facts).body.providers[PROVIDER]
    cell = body.wzd.locations["L1"]["seclusion"]
    # c1: unplanned only; c2: planned and unplanned -> planned {c2}, unplanned {c1, c2}
    assert (cell.clients, cell.clients_planned, cell.clients_unplanned) == (2, 1, 2)
    assert (cell.applications, cell.applications_unplanned) == (3, 2)
    wvggz = body.wvggz.locations["L1"]
    c3 = wvggz[report_pseudonym(KEY, PROVIDER, "c3")]["seclusion"]
    c4 = wvggz[report_pseudonym(KEY, PROVIDER, "c4")]["search_room"]
    assert c3.emergency_8_11 is True and c4.emergency_8_11 is False


def test_wvggz_rows_name_the_client_by_report_pseudonym_with_dates_and_title() -> None:
    order = {
        "authorization_id": "ZM-1",
        "kind": "zorgmachtiging",
        "valid_from": "2026-01-10T00:00:00+01:00",
        "valid_until": "2026-07-10T00:00:00+02:00",
    }
    facts = [
        fact("authorization.registered", "2026-01-10T00:00:00+01:00", order, measure=None),
        proposed("g1", "wvggz", "admission"),
        applied("g1", "2026-01-05T10:00:00+01:00"),  # before the order: no title
        # an episode from the evening of 29 March over two nights (the clock goes forward)
        applied("g1", "2026-03-28T22:00:00+01:00", ended="2026-03-30T08:00:00+02:00"),
    ]
    clients = section(facts, "wvggz").locations["L1"]
    assert list(clients) == [report_pseudonym(KEY, PROVIDER, "c1")]
    assert "c1" not in str(clients)
    given = clients[report_pseudonym(KEY, PROVIDER, "c1")]["admission"]
    assert given.dates == ["2026-01-05", "2026-03-28", "2026-03-29", "2026-03-30"]
    assert given.titles == ["zorgmachtiging"]
    assert given.applications == 2


def test_jeugdwet_counts_young_people_measures_and_applications_per_category() -> None:
    facts = [
        proposed("j1", "jeugdwet", "physical_restraint", location="J1"),
        applied("j1", "2026-02-01T10:00:00+01:00"),
        applied("j1", "2026-02-02T10:00:00+01:00"),
        proposed("j2", "jeugdwet", "physical_restraint", client="c2", location="J1"),
        applied("j2", "2026-02-03T10:00:00+01:00", client="c2"),
    ]
    cell = section(facts, "jeugdwet").locations["J1"]["physical_restraint"]
    assert (cell.young_people, cell.measures, cell.applications) == (2, 2, 3)


def test_data_quality_names_what_to_fix() -> None:
    facts = [
        proposed("m1", "wzd", "seclusion", location=None),  # no location
        applied("m1", "2026-02-01T10:00:00+01:00"),
        applied("x1", "2026-02-02T10:00:00+01:00", client="c2"),  # no proposal: no framework
        applied("x1", "2026-02-03T10:00:00+01:00", client="c2"),
        proposed("m3", "wzd", "physical_restraint", client="c3"),  # a Jeugdwet code under Wzd
        applied("m3", "2026-02-04T10:00:00+01:00", client="c3"),
        # recorded 30 days after it occurred (the rulebook's lag is 7 days)
        applied(
            "m1", "2026-03-01T10:00:00+01:00", recorded="2026-03-31T10:00:00+02:00", event_id="lt"
        ),
    ]
    body = report(facts).body.providers[PROVIDER]
    q = body.data_quality
    assert q.measures_without_location == 1
    assert q.applications_without_framework == 2
    assert q.measures_outside_framework == 1
    assert q.late_registrations == 1
    # m1 (no review, no stappenplan), m3 (a category outside its framework) and x1 (applied
    # with no framework recorded: no recorded legal basis, rulebook 2026.2) are critical;
    # the count is of measures
    assert q.open_critical_alerts["APPLIED-WITHOUT-REVIEW"] >= 1
    assert q.open_critical_alerts["NO-LEGAL-BASIS"] == 2
    # the measure without a location is still counted, apart from the located ones
    assert body.wzd.without_location["seclusion"].applications == 2
    assert body.wzd.locations == {}


def test_a_period_without_compulsory_care_has_nothing_to_deliver() -> None:
    facts = [proposed("m1", "wzd", "seclusion"), applied("m1", "2025-11-01T10:00:00+01:00")]
    body = report(facts).body.providers[PROVIDER]
    assert body.nothing_to_deliver is True
    assert not (body.wzd.deliver or body.wvggz.deliver or body.jeugdwet.deliver)
    nobody = report([], providers=["AGB:87654321"]).body.providers["AGB:87654321"]
    assert nobody.nothing_to_deliver is True
