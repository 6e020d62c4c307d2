"""The report's critical alerts from the alert index are the ones it would judge itself.

When the alert index and the views stand at the report's position, `report` reads the
critical alerts from the index instead of judging every measure again; anywhere else it
judges them. Both must give the same report, byte for byte, on both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import domain.report.quality as quality
from domain.report.document import body_sha256
from domain.report.overview import compute
from domain.report.period import HalfYear
from ledger.keys import report_key
from ledger.report_alerts import judged_at
from ledger.reporting import make_report
from ledger.service import Ledger
from ledger.settings import Settings
from projections.report_facts import facts_up_to
from synthetic import generate
from tests.conftest import event, messages

PERIODS = ("2025H2", "2026H1", "2026H2")


@pytest.fixture
def ledger(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    monkeypatch.setenv("LEDGER_REPORT_KEY_FILE", str(tmp_path / "report.key"))
    opened = Ledger(store_url, settings=Settings())
    stream = messages(*generate(measures=60, seed=3), *resolved_in_2025())
    half = len(stream) // 2
    for batch in (stream[:half], stream[half:]):  # two batches: two signed checkpoints
        counts, _ = opened.submit(batch)
        assert counts.rejected == 0
    opened.refresh_alerts()
    yield opened
    opened.close()


def resolved_in_2025() -> list[dict[str, Any]]:
    """A critical alert open and resolved within 2025H2: youth care applied in an open
    setting (NO-LEGAL-BASIS), the application retracted a month later."""
    ids = {"provider_id": "AGB:99990001", "measure_id": "open-1", "client_id": "cl-open"}
    data = {
        "framework": "jeugdwet",
        "category": "restrict_movement",
        "setting": "open_youth_care",
        "grounds": [],
        "planned_start": "2025-09-01T09:00:00+02:00",
    }
    return [
        event("measure.proposed", event_id="o-p", occurred_at="2025-09-01T09:00:00+02:00",
              data=data, **ids),
        event("measure.applied", event_id="o-a", occurred_at="2025-09-02T09:00:00+02:00",
              data={}, **ids),
        event("event.retracted", event_id="o-r", occurred_at="2025-10-02T09:00:00+02:00",
              data={"retracts_event_id": "o-a", "reason": "wrong client"}, **ids),
    ]  # fmt: skip


def judged_here(ledger: Ledger, period: HalfYear, position: int) -> Any:
    """The report body with every critical alert judged again from the facts."""
    facts = facts_up_to(ledger.sql, position)
    book = ledger.alert_index.index.rulebook
    return compute(facts, period, book, report_key(ledger.report_key_path)).body


def test_the_index_gives_the_report_judging_again_gives(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the index's position the report reads it (judging would fail here), same bytes."""
    calls: list[int] = []
    judge = quality._critical_alerts
    monkeypatch.setattr(quality, "_critical_alerts", lambda *a: calls.append(1) or judge(*a))
    found = 0
    for name in PERIODS:
        period = HalfYear.parse(name)
        made = make_report(ledger, period)
        assert calls == [], "the index stands at the position: nothing is judged again"
        position = made.document.binding.position
        again = judged_here(ledger, period, position)
        calls.clear()
        assert made.document.body == again
        assert made.document.body_sha256 == body_sha256(again)
        found += sum(
            sum(p.data_quality.open_critical_alerts.values()) for p in again.providers.values()
        )
    assert found > 0, "the synthetic stream plants critical problems"
    h2 = make_report(ledger, HalfYear.parse("2025H2")).document.body.providers["AGB:99990001"]
    h1 = make_report(ledger, HalfYear.parse("2026H1")).document.body.providers["AGB:99990001"]
    assert h2.data_quality.open_critical_alerts == {"NO-LEGAL-BASIS": 1}
    assert h1.data_quality.open_critical_alerts == {}


def test_behind_the_index_the_report_judges_itself(ledger: Ledger) -> None:
    """An earlier position, or views ahead of the index: judged again, nothing read."""
    period = HalfYear.parse("2026H1")
    first = ledger.checkpoints.all()[0].position
    head = ledger.views.position()
    assert first < head
    assert judged_at(ledger, first, period, None, []) is None
    assert judged_at(ledger, head, period, None, []) is not None
    late = event(
        "measure.proposed",
        event_id="late-p",
        measure_id="late-m",
        client_id="late-client",
        occurred_at="2026-02-01T09:00:00+01:00",
    )
    ledger.submit(messages(late))
    moved = ledger.views.position()
    assert ledger.alert_index.position() < moved
    assert judged_at(ledger, moved, period, None, []) is None
    made = make_report(ledger, period)
    assert made.document.body == judged_here(ledger, period, made.document.binding.position)
