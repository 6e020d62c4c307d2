"""The report from the narrow rows is the report from every fact, on both stores.

At the alert index's position `report` reads only the rows a half-year's overview counts
from (`projections/report_period_reads.py`, folded by `domain/report/period_rows.py`)
instead of every fact. Each case here stores events in batches and, with the views at the
head after each batch, compares that report with `compute` over every fact at the same
position, given the same critical alerts: the body byte for byte, which measures stand
behind each cell (what `--check` and `--explain` name), and the client each is named by.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledger.reporting as reporting
from domain.report.document import body_sha256
from domain.report.measures import group
from domain.report.overview import compute, compute_from_rows
from domain.report.period import HalfYear
from domain.report.quality import _critical_alerts
from ledger.keys import report_key
from ledger.report_reads import clients_in
from ledger.reporting import make_report
from ledger.service import Ledger
from ledger.settings import Settings
from projections.report_facts import facts_up_to
from projections.report_period_reads import period_rows, period_rows_query, providers_up_to
from store.sql import utc_key
from synthetic import generate
from tests.conftest import event, messages

PERIODS = ("2025H2", "2026H1", "2026H2")
P = "AGB:77770001"


def edge_cases() -> list[dict[str, Any]]:
    """What the narrow rows must fold as the full facts do, each once."""
    ids = {"provider_id": P}
    wvggz = {
        "framework": "wvggz",
        "category": "admission",
        "setting": "residential",
        "grounds": ["serious_bodily_harm"],
        "planned_start": "2025-12-01T09:00:00+01:00",
        "location_id": "L-9",
    }
    title = {
        "authorization_id": "ZM-e",
        "kind": "zorgmachtiging",
        "valid_from": "2025-12-01T00:00:00+01:00",
        "valid_until": "2026-12-01T00:00:00+01:00",
    }
    return [
        # a client named last: the proposal names c-a, a later application c-b
        event("measure.proposed", event_id="sw-p", measure_id="sw", client_id="c-a", **ids),
        event("measure.applied", event_id="sw-a", measure_id="sw", client_id="c-b",
              occurred_at="2026-03-03T09:00:00+01:00", data={}, **ids),
        # a retracted retraction: the application counts again
        event("measure.proposed", event_id="rr-p", measure_id="rr", client_id="c-r", **ids),
        event("measure.applied", event_id="rr-a", measure_id="rr", client_id="c-r",
              occurred_at="2026-03-04T09:00:00+01:00", data={}, **ids),
        event("event.retracted", event_id="rr-r1", measure_id="rr", client_id="c-r",
              occurred_at="2026-03-05T09:00:00+01:00",
              data={"retracts_event_id": "rr-a", "reason": "wrong measure"}, **ids),
        event("event.retracted", event_id="rr-r2", measure_id="rr", client_id="c-r",
              occurred_at="2026-03-06T09:00:00+01:00",
              data={"retracts_event_id": "rr-r1", "reason": "it was the right one"}, **ids),
        # an episode from 2025H2 into 2026H1, under a Wvggz title; a retracted later proposal
        event("authorization.registered", event_id="zm-e", client_id="c-w",
              occurred_at="2025-11-30T09:00:00+01:00", data=title, **ids),
        event("measure.proposed", event_id="ep-p", measure_id="ep", client_id="c-w",
              occurred_at="2025-12-01T09:00:00+01:00", data=wvggz, **ids),
        event("measure.applied", event_id="ep-a", measure_id="ep", client_id="c-w",
              occurred_at="2025-12-31T20:00:00+01:00",
              data={"ended_at": "2026-01-02T08:00:00+01:00", "emergency": True}, **ids),
        event("measure.proposed", event_id="ep-p2", measure_id="ep", client_id="c-w",
              occurred_at="2025-12-20T09:00:00+01:00", data={**wvggz, "location_id": "L-8"},
              **ids),
        event("event.retracted", event_id="ep-r", measure_id="ep", client_id="c-w",
              occurred_at="2025-12-21T09:00:00+01:00",
              data={"retracts_event_id": "ep-p2", "reason": "entered twice"}, **ids),
    ]  # fmt: skip


@pytest.fixture
def ledger(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    monkeypatch.setenv("LEDGER_REPORT_KEY_FILE", str(tmp_path / "report.key"))
    opened = Ledger(store_url, settings=Settings())
    yield opened
    opened.close()


def assert_same_both_ways(ledger: Ledger) -> int:
    """At the views' position, every period and provider: the same report both ways.
    Returns how many applications the reports counted (so a case cannot pass empty)."""
    at, book, key = ledger.views.position(), ledger.alert_index.index.rulebook, b"k" * 32
    counted = 0
    for name in PERIODS:
        period = HalfYear.parse(name)
        for provider in providers_up_to(ledger.sql, at):
            facts = facts_up_to(ledger.sql, at, provider)
            judged = {provider: _critical_alerts(group(facts), period, book)}
            full = compute(facts, period, book, key, providers=[provider], judged=judged)
            rows = period_rows(ledger.sql, at, provider, period)
            narrow = compute_from_rows({provider: rows}, period, book, key, judged)
            assert narrow.body == full.body
            assert body_sha256(narrow.body) == body_sha256(full.body)
            assert narrow.sources == full.sources
            named = {f.measure_id: f.client_id for f in sorted(facts, key=lambda f: f.position)}
            behind = full.sources.get(("providers", provider), set())
            assert {m: rows.clients[m] for m in behind} == {m: named[m] for m in behind}
            section = full.body.providers[provider]
            counted += sum(f.applications for f in section.wzd.totals.values())
            counted += sum(f.applications for f in section.jeugdwet.totals.values())
    return counted


def test_rows_give_the_report_every_fact_gives(ledger: Ledger) -> None:
    stream = messages(*generate(measures=40, seed=5), *edge_cases())
    third = len(stream) // 3
    counted = 0
    for batch in (stream[:third], stream[third : 2 * third], stream[2 * third :]):
        counts, _ = ledger.submit(batch)
        assert counts.rejected == 0
        counted += assert_same_both_ways(ledger)
    assert counted > 0


def test_report_at_the_index_reads_the_rows_and_names_the_same_clients(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the index's position `report` reads no fact (reading them fails here); what the
    report lists and which clients an export of it names are what every fact gives."""
    counts, _ = ledger.submit(messages(*generate(measures=30, seed=8), *edge_cases()))
    assert counts.rejected == 0
    ledger.refresh_alerts()
    period = HalfYear.parse("2026H1")

    def no_facts(*args: Any) -> Any:
        raise AssertionError("the report read every fact")

    with monkeypatch.context() as patched:
        patched.setattr(reporting, "facts_up_to", no_facts)
        made = make_report(ledger, period)
    assert made.document.binding.position == ledger.views.position()
    rejudged = compute(
        made.facts, period, ledger.alert_index.index.rulebook, report_key(ledger.report_key_path)
    )
    assert made.document.body == rejudged.body
    assert made.overview.sources == rejudged.sources
    last = {}
    for f in sorted(made.facts, key=lambda f: f.position):
        if f.measure_id is not None:
            last[(f.provider_id, f.measure_id)] = f.client_id
    expected = sorted(
        {(p, last[(p, m)]) for p in made.document.body.providers
         for m in made.overview.sources.get(("providers", p), set())}
    )  # fmt: skip
    assert clients_in(made) == expected and (P, "c-b") in expected


drawn_application = st.fixed_dictionaries(
    {
        "day": st.integers(0, 420),
        "hours": st.none() | st.integers(1, 24 * 40),
        "emergency": st.none() | st.booleans(),
        "retracted": st.sampled_from([0, 0, 1, 2]),  # 2: the retraction is retracted too
    }
)
drawn_measure = st.fixed_dictionaries(
    {
        "client": st.sampled_from(["c1", "c2", "c3"]),
        "switch": st.booleans(),  # the last application names another client
        "form": st.sampled_from(
            [("wzd", "seclusion"), ("wzd", "lockable_stay"), ("wzd", "supervision"),
             ("wvggz", "admission"), ("jeugdwet", "physical_restraint")]
        ),
        "location": st.sampled_from(["L1", "L2", None]),
        "proposal_retracted": st.booleans(),
        "applications": st.lists(drawn_application, max_size=3),
    }
)  # fmt: skip


def story(drawn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wire events of the drawn measures, beginning 1 July 2025 (three half-years)."""
    out: list[dict[str, Any]] = []
    for i, m in enumerate(drawn):
        mid, framework, category = f"m{i}", *m["form"]
        data = {
            "framework": framework,
            "category": category,
            "setting": "closed_youth_care" if framework == "jeugdwet" else "residential",
            "grounds": ["serious_bodily_harm"],
            "planned_start": "2025-07-01T09:00:00+02:00",
        }
        if m["location"]:
            data["location_id"] = m["location"]
        base = {"provider_id": P, "measure_id": mid, "client_id": m["client"]}
        out.append(
            event(
                "measure.proposed",
                event_id=f"{mid}-p",
                data=data,
                occurred_at="2025-07-01T09:00:00+02:00",
                **base,
            )
        )
        if m["proposal_retracted"]:
            out.append(
                event(
                    "event.retracted",
                    event_id=f"{mid}-pr",
                    occurred_at="2025-07-02T09:00:00+02:00",
                    data={"retracts_event_id": f"{mid}-p", "reason": "twice"},
                    **base,
                )
            )
        for j, a in enumerate(m["applications"]):
            if m["switch"] and j == len(m["applications"]) - 1:
                base = {**base, "client_id": m["client"] + "-x"}
            start = 1751360400 + a["day"] * 86400  # 2025-07-01T09:00Z
            applied: dict[str, Any] = {}
            if a["hours"]:
                applied["ended_at"] = _iso(start + a["hours"] * 3600)
            if a["emergency"] is not None:
                applied["emergency"] = a["emergency"]
            out.append(
                event(
                    "measure.applied",
                    event_id=f"{mid}-a{j}",
                    occurred_at=_iso(start),
                    data=applied,
                    **base,
                )
            )
            for k in range(a["retracted"]):
                target = f"{mid}-a{j}" if k == 0 else f"{mid}-a{j}-r0"
                out.append(
                    event(
                        "event.retracted",
                        event_id=f"{mid}-a{j}-r{k}",
                        occurred_at=_iso(start + (k + 1) * 86400),
                        data={"retracts_event_id": target, "reason": "no"},
                        **base,
                    )
                )
    return out  # fmt: skip


def _iso(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).isoformat()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(drawn_measure, min_size=1, max_size=6), cut=st.integers(1, 3))
def test_drawn_stories_give_the_same_report_both_ways(
    drawn: list[dict[str, Any]], cut: int
) -> None:
    """Drawn measures in a real SQLite file, stored in two batches: after each, both ways
    give the same report."""
    stream = messages(*story(drawn))
    with tempfile.TemporaryDirectory() as directory:
        ledger = Ledger(f"sqlite:///{Path(directory) / 'ledger.db'}", settings=Settings())
        try:
            split = min(cut * len(stream) // 4, len(stream))
            for batch in (stream[:split], stream[split:]):
                if batch:
                    counts, _ = ledger.submit(batch)
                    assert counts.rejected == 0
                    assert_same_both_ways(ledger)
        finally:
            ledger.close()


def test_the_period_query_reads_one_provider_by_its_position_index(ledger: Ledger) -> None:
    """The one pass is a range of the provider's rows up to N on its position index (the
    other providers' rows are never read); on PostgreSQL, scans disabled, an index of the
    provider's rows."""
    counts, _ = ledger.submit(messages(*generate(measures=10, seed=2), *edge_cases()))
    assert counts.rejected == 0
    period = HalfYear.parse("2026H1")
    query = period_rows_query(ledger.sql.dialect)
    params = (P, ledger.views.position(), *[utc_key(period.end), utc_key(period.start)])
    params = (*params, utc_key(period.end))
    with ledger.sql.transaction(commit=True) as c:
        if ledger.sql.dialect.name == "postgresql":
            c.execute("ANALYZE")
            c.execute("SET LOCAL enable_seqscan = off")
            c.raw.execute("EXPLAIN " + query, params)
            plan = " ".join(str(next(iter(r.values()))) for r in c.raw.fetchall())
            # its pick among the provider's indexes suits the test store's size only
            assert "Seq Scan" not in plan and "Index Cond: (provider_id = " in plan, plan
        else:
            c.raw.execute("EXPLAIN QUERY PLAN " + query, params)
            details = [r["detail"] for r in c.raw.fetchall()]
            assert details[0].startswith("SEARCH"), details
            assert "view_timeline_provider_position" in details[0], details
