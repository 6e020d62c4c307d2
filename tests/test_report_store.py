"""`report` on a real store (SQLite and PostgreSQL): bound, reproducible, checked."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.report.document import serialise
from domain.report.period import HalfYear
from ledger.reporting import check_report, make_report
from ledger.service import Ledger
from ledger.settings import Settings
from synthetic import generate
from tests.conftest import event, messages, reset_postgres

H1 = HalfYear.parse("2026H1")
_stores = itertools.count()


def fresh(store_url: str, tmp_path: Path) -> str:
    """A new empty store of the fixture's kind, for each Hypothesis example."""
    if store_url.startswith("postgresql"):
        reset_postgres(store_url)
        return store_url
    return f"sqlite:///{tmp_path / f'store-{next(_stores)}.db'}"


def opened(url: str, tmp_path: Path) -> Ledger:
    return Ledger(url, settings=Settings(report_key_file=str(tmp_path / "report.key")))


def ingest(ledger: Ledger, bodies: list[dict[str, Any]], batch: int = 200) -> None:
    for i in range(0, len(bodies), batch):
        counts, _ = ledger.submit(messages(*bodies[i : i + batch]))
        assert counts.rejected == 0


def report_text(ledger: Ledger, position: int | None = None) -> str:
    return serialise(make_report(ledger, H1, position).document)


@pytest.fixture
def stream() -> list[dict[str, Any]]:
    return generate(measures=40, seed=3)


def test_a_report_is_the_same_bytes_on_every_run_and_store(
    store_url: str, tmp_path: Path, stream: list[dict[str, Any]]
) -> None:
    ledger = opened(store_url, tmp_path)
    ingest(ledger, stream)
    first = report_text(ledger)
    ledger.close()
    again = opened(store_url, tmp_path)
    assert report_text(again) == first
    again.close()
    other = opened(f"sqlite:///{tmp_path / 'other.db'}", tmp_path)  # same events, SQLite
    ingest(other, stream)
    body = json.loads(first)
    mirrored = json.loads(report_text(other))
    other.close()
    assert mirrored["body"] == body["body"]
    assert mirrored["body_sha256"] == body["body_sha256"]
    assert body["body"]["providers"], "the stream has compulsory care in 2026H1"


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 50), share=st.floats(0.2, 0.8))
def test_events_recorded_after_n_do_not_change_the_report_at_n(
    store_url: str, tmp_path: Path, seed: int, share: float
) -> None:
    events = generate(measures=30, seed=seed)
    cut = int(len(events) * share)
    ledger = opened(fresh(store_url, tmp_path), tmp_path)
    try:
        ingest(ledger, events[:cut])
        before = report_text(ledger)
        n = json.loads(before)["binding"]["position"]
        ingest(ledger, events[cut:])
        ingest(ledger, _late_changes(ledger, n))
        assert report_text(ledger, n) == before
        assert check_report(ledger, before).identical is False  # ... but it did change since
    finally:
        ledger.close()


def _late_changes(ledger: Ledger, n: int) -> list[dict[str, Any]]:
    """A late application in H1 and the retraction of an application counted at N, and a
    measure of a client not counted yet, applied in H1: the first two alone may cancel out
    (one application more, one less), the third always changes a count."""
    made = make_report(ledger, H1, n)
    counted = [
        f for f in made.facts if f.type == "measure.applied" and H1.start <= f.occurred_at < H1.end
    ]
    target = counted[0]
    proposal = next(
        f
        for f in made.facts
        if f.type == "measure.proposed"
        and (f.provider_id, f.measure_id) == (target.provider_id, target.measure_id)
    )
    newcomer = {"provider_id": target.provider_id, "measure_id": "late-m", "client_id": "late-c"}
    return [
        event(
            "measure.proposed",
            event_id="late-proposal",
            occurred_at="2026-04-01T10:00:00+02:00",
            data=proposal.data.model_dump(mode="json", exclude_none=True),
            **newcomer,
        ),
        event(
            "measure.applied",
            event_id="late-newcomer",
            occurred_at="2026-04-02T10:00:00+02:00",
            data={},
            **newcomer,
        ),
        event(
            "measure.applied",
            event_id="late-application",
            provider_id=target.provider_id,
            measure_id=target.measure_id,
            client_id=target.client_id,
            occurred_at="2026-05-01T10:00:00+02:00",
            data={},
        ),
        event(
            "event.retracted",
            event_id="late-retraction",
            provider_id=target.provider_id,
            measure_id=target.measure_id,
            client_id=target.client_id,
            occurred_at="2026-11-30T10:00:00+01:00",
            data={"retracts_event_id": target.event_id, "reason": "recorded on the wrong client"},
        ),
    ]


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 50), order=st.randoms(use_true_random=False))
def test_arrival_order_does_not_change_a_report(
    store_url: str, tmp_path: Path, seed: int, order: random.Random
) -> None:
    events = generate(measures=30, seed=seed)
    shuffled = list(events)
    order.shuffle(shuffled)
    hashes = []
    for url, bodies in (
        (fresh(store_url, tmp_path), events),
        (f"sqlite:///{tmp_path / f'shuffled-{next(_stores)}.db'}", shuffled),
    ):
        ledger = opened(url, tmp_path)
        try:
            ingest(ledger, bodies, batch=37)
            hashes.append(make_report(ledger, H1).document.body_sha256)
        finally:
            ledger.close()
    assert hashes[0] == hashes[1]


def test_a_provider_s_own_report_is_its_section_of_the_whole(
    store_url: str, tmp_path: Path, stream: list[dict[str, Any]]
) -> None:
    ledger = opened(store_url, tmp_path)
    try:
        ingest(ledger, stream)
        whole = make_report(ledger, H1).document
        assert len(whole.body.providers) > 1
        for provider_id, section in whole.body.providers.items():
            own = make_report(ledger, H1, provider=provider_id).document
            assert own.body.providers == {provider_id: section}
            assert own.binding.provider_id == provider_id
            assert own.binding.position == whole.binding.position
    finally:
        ledger.close()
