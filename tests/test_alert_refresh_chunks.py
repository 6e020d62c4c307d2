"""A refresh judges each touched measure once, however many chunks its rows fall in.

Interleaved streams spread a measure's events over the whole ledger; the index works in
chunks of positions (to bound how long a writer waits), and used to judge such a measure
again for every chunk although each judgement already read all of its facts.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from pathlib import Path

import pytest

from ledger.service import Ledger
from projections import queries
from tests.conftest import event, lifecycle, messages

AS_OF = "2027-01-01T00:00:00+00:00"


def _interleaved() -> list[dict]:
    stories = [lifecycle(f"m{i}") for i in range(1, 5)]
    stories[1][4] = event(  # m2 applied without review: an alert to compare
        "measure.applied",
        event_id="m2-5x",
        measure_id="m2",
        occurred_at="2026-03-03T09:30:00+01:00",
    )
    return [e for step in zip(*stories, strict=True) for e in step]


def _alerts(ledger: Ledger) -> list[str]:
    """Every alert, but LATE-REGISTRATION only by its evidence: its `since` is the moment
    each store recorded the events, which differs between two stores by microseconds."""
    found = queries.alerts(ledger.sql, datetime.fromisoformat(AS_OF), include_resolved=True)
    return sorted(
        f"{a.rule} {a.evidence}" if a.rule == "LATE-REGISTRATION" else a.model_dump_json()
        for a in found
    )


@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_each_measure_is_judged_once_and_the_alerts_do_not_change(
    tmp_path: Path, chunk: int
) -> None:
    events = _interleaved()
    whole = Ledger(f"sqlite:///{tmp_path / 'whole.db'}")
    chunked = Ledger(f"sqlite:///{tmp_path / 'chunked.db'}")
    try:
        for ledger in (whole, chunked):
            ledger.submit(messages(*events), project=True)
        chunked.alert_index.chunk = chunk
        assert whole.refresh_alerts() == 4
        assert chunked.refresh_alerts() == 4  # was one judgement per measure per chunk
        assert _alerts(chunked) == _alerts(whole)
        assert any("APPLIED-WITHOUT-REVIEW" in a for a in _alerts(whole))
        # A later refresh judges only what the new rows touched.
        more = event(
            "measure.evaluated",
            event_id="m3-9",
            measure_id="m3",
            occurred_at="2026-06-01T10:00:00+02:00",
        )
        for ledger in (whole, chunked):
            ledger.submit(messages(more))
        assert chunked.refresh_alerts() == 1
        assert whole.refresh_alerts() == 1
        assert _alerts(chunked) == _alerts(whole)
    finally:
        whole.close()
        chunked.close()


def test_interleaving_really_spreads_each_measure() -> None:
    positions = {}
    for position, body in enumerate(_interleaved(), start=1):
        positions.setdefault(body["measure_id"], []).append(position)
    assert all(p[-1] - p[0] > 20 for p in positions.values())
    assert list(chain.from_iterable(positions.values()))
