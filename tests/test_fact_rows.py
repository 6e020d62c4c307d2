"""Facts read from the timeline view with remembered `data` models (`data_from_text`) equal
facts read by validating every row's JSON, for every event type the simulator writes, and a
shared model cannot be changed by one of the facts that share it."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pydantic
import pytest

from consumers import jsonl
from domain.facts import Fact, data_from_json, data_from_text
from ledger.service import Ledger
from projections.alert_index import FACT_ROWS, facts_from_rows
from synthetic import encode_lines, generate


def _validated(rows: list) -> list[Fact]:
    """The former reading: json.loads and a full validation per row."""
    return [
        Fact(
            provider_id=r["provider_id"],
            measure_id=r["ref"] if r["kind"] == "measure" else None,
            client_id=r["client_id"],
            event_id=r["event_id"],
            type=r["type"],
            occurred_at=datetime.fromisoformat(r["occurred_at"]),
            recorded_at=datetime.fromisoformat(r["recorded_at"]),
            data=data_from_json(r["type"], json.loads(r["data"])),
            actor_role=r["actor_role"],
            actor_id=r["actor_id"],
            source=r["source"],
            position=r["position"],
        )
        for r in rows
    ]


def test_remembered_data_gives_the_same_facts(sqlite_url: str) -> None:
    ledger = Ledger(sqlite_url)
    try:
        data = b"".join(encode_lines(generate(measures=150, seed=3), malformed_share=0))
        jsonl.load(ledger, io.BytesIO(data), "facts.jsonl")
        with ledger.sql.transaction(commit=False) as c:
            rows = c.execute(FACT_ROWS + "ORDER BY position").fetchall()
    finally:
        ledger.close()
    data_from_text.cache_clear()
    read = facts_from_rows(rows)
    again = facts_from_rows(rows)  # now from the memory
    expected = _validated(rows)
    assert read == expected and again == expected
    assert [type(f.data) for f in again] == [type(f.data) for f in expected]
    assert len({f.type for f in read}) >= 10
    assert data_from_text.cache_info().hits > len(rows)  # most rows came from the memory
    shared = [f.data for f in again if f.type == "measure.evaluated"]
    assert len({id(d) for d in shared}) < len(shared)  # facts share a model
    with pytest.raises(pydantic.ValidationError):
        shared[0].outcome = "end"
