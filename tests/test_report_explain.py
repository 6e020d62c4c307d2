"""`report --explain LOCATION FORM`: the measures and events behind a cell add up to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from domain.report.explain import ALL_LOCATIONS, WITHOUT_LOCATION, explain
from domain.report.explain_model import ExplainedCell
from domain.report.period import HalfYear
from ledger.service import Ledger
from ledger.settings import Settings
from synthetic import generate
from tests.conftest import messages
from tests.report_builders import KEY, PROVIDER, applied, proposed, report, retracted
from tests.test_report_properties import build, measure, positioned

H1 = HalfYear.parse("2026H1")


def cells(facts: list[Any], location: str, form: str, period: HalfYear = H1) -> dict:
    found = explain(positioned(facts), period, location, form, KEY, providers=[PROVIDER])
    return {cell.law: cell for cell in found[PROVIDER]}


def hand_built() -> list[Any]:
    """Client c1: two seclusions at L1 (one of them retracted once, one also in 2025),
    client c2: one seclusion at L1 applied as an emergency; c1 also a lockable stay at L1."""
    a_retracted = applied("m1", "2026-02-02T10:00:00+01:00", event_id="m1-a2")
    return [
        proposed("m1", "wzd", "seclusion", event_id="m1-p"),
        applied(
            "m1", "2026-02-01T10:00:00+01:00", ended="2026-02-01T12:00:00+01:00", event_id="m1-a1"
        ),
        a_retracted,
        retracted("m1", "m1-a2", "2026-02-03T10:00:00+01:00", event_id="m1-r"),
        proposed("m2", "wzd", "seclusion", event_id="m2-p"),
        applied("m2", "2025-12-20T10:00:00+01:00", event_id="m2-a0"),
        applied("m2", "2026-03-01T10:00:00+01:00", event_id="m2-a1"),
        proposed("m3", "wzd", "seclusion", client="c2", emergency=True, event_id="m3-p"),
        applied("m3", "2026-06-30T23:59:00+02:00", client="c2", event_id="m3-a1"),
        applied("m3", "2026-07-01T00:00:00+02:00", client="c2", event_id="m3-a2"),
        proposed("m4", "wzd", "lockable_stay", event_id="m4-p"),
        applied("m4", "2026-04-01T10:00:00+02:00", event_id="m4-a1"),
    ]


def test_a_cell_lists_its_measures_and_what_was_left_out_by_hand() -> None:
    """Two clients, three measures, three applications; one retracted, two outside H1."""
    cell = cells(hand_built(), "L1", "seclusion")["wzd"]
    assert cell.counted_in == "locations"
    assert [m.measure_id for m in cell.measures] == ["m1", "m2", "m3"]
    assert [[a.event_id for a in m.applications] for m in cell.measures] == [
        ["m1-a1"],
        ["m2-a1"],
        ["m3-a1"],
    ]
    assert cell.figures is not None
    figures = cell.figures.model_dump()
    assert figures["clients"] == 2
    assert figures["measures"] == 3
    assert figures["applications"] == 3
    assert figures["applications_unplanned"] == 1  # m3, proposed as an emergency
    assert figures["clients_unplanned"] == 1
    assert figures["episode_seconds"] == 2 * 3600
    assert cell.measures[0].applications[0].microseconds_in_period == 2 * 3600 * 10**6
    left = {(i.reason, i.event_id) for i in cell.left_out}
    assert left == {
        ("retracted", "m1-a2"),
        ("outside_period", "m2-a0"),
        ("outside_period", "m3-a2"),  # the first instant of H2
    }
    assert next(i for i in cell.left_out if i.event_id == "m1-a2").detail == "retracted by m1-r"
    # the same cell in the report
    assert (
        report(positioned(hand_built()))
        .body.providers[PROVIDER]
        .wzd.locations["L1"]["seclusion"]
        .model_dump()
        == figures
    )


def test_an_art_2_lid_2_form_is_explained_as_left_out() -> None:
    """The lockable stay is not counted; it is the left-out figure, and named as such."""
    cell = cells(hand_built(), "L1", "lockable_stay")["wzd"]
    assert cell.counted_in == "left_out_art_2_lid_2"
    assert cell.figures is not None
    assert cell.figures.model_dump() == {"clients": 1, "measures": 1, "applications": 1}
    assert [(i.reason, i.measure_id) for i in cell.left_out] == [("art_2_lid_2", "m4")]


def test_a_retracted_proposal_is_named_where_it_put_the_measure() -> None:
    """A measure whose only proposal was retracted is in no cell: explained as retracted."""
    facts = [
        proposed("m1", "wzd", "seclusion", event_id="m1-p"),
        applied("m1", "2026-02-01T10:00:00+01:00", event_id="m1-a1"),
        retracted("m1", "m1-p", "2026-02-02T10:00:00+01:00", event_id="m1-r"),
    ]
    cell = cells(facts, "L1", "seclusion")["wzd"]
    assert cell.measures == []
    assert [(i.reason, i.event_id, i.measure_id) for i in cell.left_out] == [
        ("retracted", "m1-p", "m1")
    ]


def test_a_category_outside_its_framework_is_named() -> None:
    """physical_restraint under wzd is in no section: explained, not silently missing."""
    facts = [
        proposed("m1", "wzd", "physical_restraint", event_id="m1-p"),
        applied("m1", "2026-02-01T10:00:00+01:00", event_id="m1-a1"),
    ]
    found = cells(facts, "L1", "physical_restraint")
    assert found["wzd"].counted_in == "none"
    assert [i.reason for i in found["wzd"].left_out] == ["outside_framework"]
    assert found["jeugdwet"].measures == []


def test_wvggz_is_explained_per_client() -> None:
    """Each client's row is the report's row for that pseudonym."""
    facts = [
        proposed("w1", "wvggz", "admission", client="c1", event_id="w1-p"),
        applied("w1", "2026-02-01T10:00:00+01:00", client="c1", event_id="w1-a1"),
        applied("w1", "2026-02-01T11:00:00+01:00", client="c1", event_id="w1-a2"),
        proposed("w2", "wvggz", "admission", client="c2", event_id="w2-p"),
        applied("w2", "2026-03-01T10:00:00+01:00", client="c2", event_id="w2-a1"),
    ]
    cell = cells(facts, "L1", "admission")["wvggz"]
    rows = report(positioned(facts)).body.providers[PROVIDER].wvggz.locations["L1"]
    assert len(cell.clients) == 2
    for ref, row in cell.clients.items():
        assert row == rows[ref]["admission"]
    by_ref = {m.client_ref: m for m in cell.measures}
    assert sorted(len(m.applications) for m in by_ref.values()) == [1, 2]
    assert all(m.client_ref.startswith("R-") and m.client_id in ("c1", "c2") for m in cell.measures)


def _hand_sums(cell: ExplainedCell) -> dict[str, int]:
    """The figures added up here, in the test, from the listed measures alone.

    As docs/report.md defines them: `clients` is unique over the cell; in `(all)` every
    other figure is the sum over the locations, so a client planned at two locations is
    two there (its planned/unplanned client sets are counted per location, then summed).
    """
    apps = [(m.client_id, m.location_id, a) for m in cell.measures for a in m.applications]
    episodes = [a.microseconds_in_period for *_, a in apps if a.microseconds_in_period is not None]
    return {
        "clients": len({m.client_id for m in cell.measures}),
        "clients_planned": len({(c, loc) for c, loc, a in apps if not a.unplanned}),
        "clients_unplanned": len({(c, loc) for c, loc, a in apps if a.unplanned}),
        "measures": len({m.measure_id for m in cell.measures}),
        "applications": len(apps),
        "applications_unplanned": sum(a.unplanned for *_, a in apps),
        "episodes_ended": len(episodes),
        "episode_seconds": sum(episodes) // 10**6,
    }


@settings(max_examples=120, deadline=None)
@given(st.lists(measure, max_size=12), st.sampled_from(["2026H1", "2025H2"]))
def test_every_cell_is_what_its_explained_items_add_up_to(
    drawn: list[dict[str, Any]], period: str
) -> None:
    """Over drawn facts: each Wzd and Jeugdwet cell, and each Wvggz client row."""
    facts = build(drawn)
    half = HalfYear.parse(period)
    body = report(positioned(facts), period, providers=[PROVIDER]).body.providers[PROVIDER]
    places = [*body.wzd.locations, WITHOUT_LOCATION, ALL_LOCATIONS]
    for place in places:
        wzd = (
            body.wzd.totals
            if place == ALL_LOCATIONS
            else body.wzd.without_location
            if place == WITHOUT_LOCATION
            else body.wzd.locations[place]
        )
        for form, counts in wzd.items():
            cell = cells(facts, place, form, half)["wzd"]
            assert _hand_sums(cell) == counts.model_dump(), (place, form)
            assert cell.figures == counts
    for place, forms in [
        *body.jeugdwet.locations.items(),
        (WITHOUT_LOCATION, body.jeugdwet.without_location),
        (ALL_LOCATIONS, body.jeugdwet.totals),
    ]:
        for form, counts in forms.items():
            sums = _hand_sums(cells(facts, place, form, half)["jeugdwet"])
            assert (sums["clients"], sums["measures"], sums["applications"]) == (
                counts.young_people,
                counts.measures,
                counts.applications,
            )
    left = body.wzd.left_out_art_2_lid_2
    lid_2 = cells(facts, ALL_LOCATIONS, "lockable_stay", half)["wzd"]
    assert _hand_sums(lid_2)["applications"] == left.applications
    assert len({i.measure_id for i in lid_2.left_out if i.reason == "art_2_lid_2"}) == left.measures
    for place, clients in [
        *body.wvggz.locations.items(),
        (WITHOUT_LOCATION, body.wvggz.without_location),
    ]:
        cell = cells(facts, place, "admission", half)["wvggz"]
        for ref, forms in clients.items():
            mine = [a for m in cell.measures if m.client_ref == ref for a in m.applications]
            assert len(mine) == forms["admission"].applications
            assert cell.clients[ref] == forms["admission"]


@pytest.fixture
def synthetic_store(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LEDGER_REPORT_KEY_FILE", str(tmp_path / "report.key"))
    ledger = Ledger(store_url, settings=Settings())
    counts, _ = ledger.submit(messages(*generate(measures=30, seed=7)))
    assert counts.rejected == 0
    ledger.close()
    return store_url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--log-format", "console", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_explains_every_wzd_cell_of_the_stored_report(
    capsys: pytest.CaptureFixture[str], synthetic_store: str
) -> None:
    """On SQLite and PostgreSQL: `--explain` at the report's position adds up to its cells."""
    code, out, err = _run(
        capsys, "--store", synthetic_store, "report", "--period", "2026H1", "--format", "json"
    )
    assert code == 0, err
    document = json.loads(out)
    position = str(document["binding"]["position"])
    checked = 0
    for provider, section in document["body"]["providers"].items():
        for location, forms in section["wzd"]["locations"].items():
            for form, counts in forms.items():
                code, out, err = _run(
                    capsys, "--store", synthetic_store, "report", "--period", "2026H1",
                    "--explain", location, form, "--provider", provider,
                    "--at-position", position, "--format", "json",
                )  # fmt: skip
                assert code == 0, err
                explained = json.loads(out)
                assert explained["position"] == document["binding"]["position"]
                assert explained["head_hash"] == document["binding"]["head_hash"]
                cell = ExplainedCell.model_validate(
                    next(c for c in explained["providers"][provider] if c["law"] == "wzd")
                )
                assert _hand_sums(cell) == counts
                checked += 1
    assert checked > 0  # the synthetic stream has Wzd care at a location in 2026H1


def test_the_table_names_the_counted_and_the_left_out(
    capsys: pytest.CaptureFixture[str], synthetic_store: str
) -> None:
    """The reader's view: the figures line, the counted events, the left-out count."""
    code, out, err = _run(
        capsys, "--store", synthetic_store, "report", "--period", "2026H1",
        "--explain", ALL_LOCATIONS, "seclusion",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("Behind seclusion at (all) in 2026H1, counted at ledger position")
    assert "wzd (in the report: totals)" in out
    assert "counted:" in out and "left out:" in out


def test_an_unknown_form_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], synthetic_store: str
) -> None:
    """A typo in FORM is exit 2 with one line, not an empty explanation."""
    code, _, err = _run(
        capsys, "--store", synthetic_store, "report", "--period", "2026H1",
        "--explain", "L1", "seclusoin",
    )  # fmt: skip
    assert code == 2
    assert "'seclusoin' is not a category code" in err


def test_a_retraction_is_named_by_one_that_counts() -> None:
    """a1's first retraction was itself retracted: the one named is the later that stands."""
    facts = [
        proposed("m1", "wzd", "seclusion", event_id="m1-p"),
        applied("m1", "2026-02-01T10:00:00+01:00", event_id="m1-a1"),
        retracted("m1", "m1-a1", "2026-02-03T10:00:00+01:00", event_id="m1-r1"),
        retracted("m1", "m1-r1", "2026-02-04T10:00:00+01:00", event_id="m1-r2"),
        retracted("m1", "m1-a1", "2026-02-05T10:00:00+01:00", event_id="m1-r3"),
    ]
    cell = cells(facts, "L1", "seclusion")["wzd"]
    assert cell.measures == []
    [item] = cell.left_out
    assert (item.reason, item.event_id, item.detail) == ("retracted", "m1-a1", "retracted by m1-r3")
