"""LATE-REGISTRATION in the alert index, on both stores: one row per measure that grows with
its late events, onboarding dates, and a changed onboarding date needing a rebuild.

The events below occurred in spring 2026 and are recorded now (by the ledger's clock), so
every one of them is registered late unless an onboarding date says it is loaded history.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api import page_timeline
from cli.main import main
from domain.alerts import Alert
from domain.report.overview import compute
from domain.report.period import HalfYear
from domain.rulebook import Rulebook
from ledger.service import Ledger
from projections import queries
from projections.recorders import RulebookChangedError
from tests.conftest import lifecycle, line, messages
from tests.report_builders import KEY, RULEBOOK
from tests.report_builders import applied as report_applied
from tests.report_builders import proposed as report_proposed

PROVIDER = "AGB:12345678"
FAR = datetime(9000, 1, 1, tzinfo=UTC)


def _late(ledger: Ledger) -> dict[str, tuple[str, ...]]:
    """measure_id -> evidence of its LATE-REGISTRATION alerts (open or resolved)."""
    ledger.refresh_alerts()
    found = queries.alerts(ledger.sql, FAR, include_resolved=True, rule="LATE-REGISTRATION")
    assert len({a.alert_id for a in found}) == len(found)
    return {str(a.measure_id): a.evidence for a in found}


def _of_m1(ledger: Ledger) -> list[Alert]:
    found = queries.alerts(ledger.sql, FAR, rule="LATE-REGISTRATION")
    return [a for a in found if a.measure_id == "m1"]


def test_one_row_per_measure_growing_over_batches(store_url: str) -> None:
    """Two measures, their events in several batches: one alert row each, same alert_id
    throughout, evidence every event of the measure in care order."""
    first, second = lifecycle("m1"), lifecycle("m2")
    ledger = Ledger(store_url)
    try:
        ledger.submit(messages(*first[:3], *second[:2]))
        early = _late(ledger)
        [opened] = _of_m1(ledger)
        ledger.submit(messages(*first[3:], *second[2:]))
        grown = _late(ledger)
        [later] = _of_m1(ledger)
    finally:
        ledger.close()
    assert early == {"m1": ("m1-1", "m1-2", "m1-3"), "m2": ("m2-1", "m2-2")}
    assert grown == {
        "m1": tuple(e["event_id"] for e in first),
        "m2": tuple(e["event_id"] for e in second),
    }
    assert later.alert_id == opened.alert_id and later.since == opened.since
    assert later.message.startswith(f"{len(first)} events of this measure were recorded late")


def test_onboarding_date_keeps_loaded_history_quiet(store_url: str) -> None:
    """With onboarding on 3 March 2026 (inclusive, Amsterdam clock) the event of 2 March is
    history; the events of 3 March on are judged; the other rules judge all of them."""
    plain_ledger = Ledger(store_url)
    try:
        plain_ledger.submit(messages(*lifecycle("m1")))
        plain_ledger.refresh_alerts()
        others = {a.rule for a in queries.alerts(plain_ledger.sql, FAR, include_resolved=True)} - {
            "LATE-REGISTRATION"
        }
    finally:
        plain_ledger.close()
    book = Rulebook.load_default(onboarding={PROVIDER: "2026-03-03"})
    ledger = Ledger(store_url, rulebook=book)
    try:
        ledger.rebuild()
        late = _late(ledger)
        rest = {a.rule for a in queries.alerts(ledger.sql, FAR, include_resolved=True)}
    finally:
        ledger.close()
    assert late == {"m1": tuple(e["event_id"] for e in lifecycle("m1")[1:])}
    assert rest - {"LATE-REGISTRATION"} == others


def test_a_changed_onboarding_date_needs_a_rebuild(store_url: str) -> None:
    """The onboarding date is a rulebook input: another date refuses to mix judgements until
    `rebuild`, which then judges with it (here: every event is history)."""
    ledger = Ledger(store_url, rulebook=Rulebook.load_default(onboarding={PROVIDER: "2026-03-03"}))
    try:
        ledger.submit(messages(*lifecycle("m1")))
        assert set(_late(ledger)) == {"m1"}
    finally:
        ledger.close()
    moved = Rulebook.load_default(onboarding={PROVIDER: "2026-06-01"})
    again = Ledger(store_url, rulebook=moved)
    try:
        with pytest.raises(RulebookChangedError, match="measure-ledger rebuild"):
            again.refresh_alerts()
        again.rebuild()
        assert _late(again) == {}
    finally:
        again.close()


def test_onboarding_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """LEDGER_ONBOARDING reaches the rules; changing it makes `alerts` refuse until
    `rebuild`; a value that is not a date is a usage error naming the provider."""
    store = f"sqlite:///{tmp_path / 'l.db'}"
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(line(e) for e in lifecycle("m1")) + b"\n")

    def late_rows() -> int:
        code, out, err = _run(capsys, "--store", store, "alerts", "--all", "--format", "json")
        assert code == 0, err
        return sum(1 for a in json.loads(out) if a["rule"] == "LATE-REGISTRATION")

    assert _run(capsys, "--store", store, "ingest", str(path))[0] == 0
    assert late_rows() == 1
    monkeypatch.setenv("LEDGER_ONBOARDING", json.dumps({PROVIDER: "2026-06-01"}))
    code, _, err = _run(capsys, "--store", store, "alerts")
    assert code == 2 and "measure-ledger rebuild" in err
    assert _run(capsys, "--store", store, "rebuild")[0] == 0
    assert late_rows() == 0
    monkeypatch.setenv("LEDGER_ONBOARDING", json.dumps({PROVIDER: "June"}))
    code, _, err = _run(capsys, "--store", store, "alerts")
    assert code == 2 and PROVIDER in err


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_timeline_table_marks_late_as_the_rule_does() -> None:
    """The pages mark a row late by the rule's limit; history from before the provider's
    onboarding date is not marked, the date itself is, another provider's history is."""
    book = Rulebook.load_default(onboarding={PROVIDER: "2026-03-03"})
    on_the_day = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 00:00 in Amsterdam
    recorded = datetime(2026, 6, 1, tzinfo=UTC)
    late = page_timeline.late_after(book, PROVIDER)
    assert late is not None
    assert recorded > late(on_the_day)
    assert not recorded > late(on_the_day - timedelta(microseconds=1))
    other = page_timeline.late_after(book, "AGB:99999999")
    assert other is not None and recorded > other(on_the_day - timedelta(days=1))


def test_the_report_counts_late_registrations_as_the_rule_does() -> None:
    """The half-year overview's data quality counts no loaded history as late."""
    late = report_applied(
        "m1", "2026-03-01T10:00:00+01:00", recorded="2026-03-31T10:00:00+02:00", event_id="lt"
    )
    facts = [report_proposed("m1", "wzd", "seclusion"), late]
    plain = compute(facts, HalfYear.parse("2026H1"), RULEBOOK, KEY)
    onboarded = compute(
        facts,
        HalfYear.parse("2026H1"),
        RULEBOOK.with_onboarding({PROVIDER: "2026-03-02"}),
        KEY,
    )
    assert plain.body.providers[PROVIDER].data_quality.late_registrations == 1
    assert onboarded.body.providers[PROVIDER].data_quality.late_registrations == 0
