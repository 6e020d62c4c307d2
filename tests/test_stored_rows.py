"""The write path stores exactly what the library's aggregates and mapper would have stored.

store/stored_rows.py builds each event's state by hand and encodes it with orjson; the event
classes in domain/measure.py remain the definition of the format. These tests hold the two
to the same bytes: for every event of the synthetic year (every type, both stream kinds),
for arbitrary JSON values, and for the values orjson leaves to the library.
"""

from __future__ import annotations

import json
import sqlite3
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from domain.measure import content_hash, open_stream, stream_of
from domain.parsing import parse_event
from domain.wire import DATA_MODELS, EVENT_TYPES
from ledger.service import Ledger
from store.application import LedgerApplication
from store.stored_rows import client_of, encode_state, opened_state, recorded_state, topic_of
from synthetic import generate
from tests.conftest import line, messages
from tests.test_overview_delivery_index import delivery


@pytest.fixture(scope="module")
def mapper() -> Any:
    app = LedgerApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
    )
    yield app.mapper
    app.close()


def library_rows(body: dict[str, Any], mapper: Any) -> list[Any]:
    """What the aggregate path stores for one event on a new stream: Opened, then it."""
    event = parse_event(line(body))
    assert not isinstance(event, str) and hasattr(event, "event_id"), event
    stream = open_stream(event)
    stream.record(event, source="year.jsonl:7", digest=content_hash(event))
    return [mapper.to_stored_event(e) for e in stream.collect_events()], event


def test_every_event_of_the_synthetic_year_is_stored_byte_for_byte_as_before(
    mapper: Any,
) -> None:
    # The synthetic year, and a provider's own fact (no measure, no client), which it lacks.
    own = delivery("2026-08-10T10:00:00+02:00")
    own["data"]["receipt"] = "IGJ-2026-0815"
    bodies = [*generate(seed=7), own]
    seen: set[str] = set()
    for body in bodies:
        (opened, recorded), event = library_rows(body, mapper)
        cls, ref, stream_id = stream_of(event)
        opened_event = mapper.to_domain_event(opened)
        state = opened_state(cls, opened_event.timestamp, event.provider_id, ref, client_of(event))
        assert (topic_of(cls.Opened), encode_state(state, mapper)) == (opened.topic, opened.state)
        timestamp = mapper.to_domain_event(recorded).timestamp
        state = recorded_state(
            timestamp, event.provider_id, ref, event, "year.jsonl:7", content_hash(event)
        )
        fast = (topic_of(cls.recorded_class(event.type)), encode_state(state, mapper))
        assert fast == (recorded.topic, recorded.state), body["event_id"]
        assert recorded.originator_id == opened.originator_id == stream_id
        seen.add(event.type)
    assert seen == set(EVENT_TYPES)  # every type, so every class is compared


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(_JSON)
def test_orjson_writes_what_the_library_transcoder_writes(value: Any) -> None:
    """Every value a provider event can hold: control characters, non-BMP text, big ints."""
    app_mapper = LedgerApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
    ).mapper
    state = {"data": value, "n": [value]}
    try:
        expected = app_mapper.transcoder.encode(state)
    except UnicodeEncodeError:  # a lone surrogate: refused either way
        with pytest.raises(UnicodeEncodeError):
            encode_state(state, app_mapper)
        return
    assert encode_state(state, app_mapper) == expected


def test_values_orjson_refuses_are_left_to_the_library(mapper: Any) -> None:
    state = {"big": 2**70, "text": "é\u2028\x00"}
    assert encode_state(state, mapper) == mapper.transcoder.encode(state)


def _annotations(model: type[BaseModel]) -> typing.Iterator[Any]:
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            kind = stack.pop()
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _annotations(kind)
            else:
                yield kind
            stack.extend(typing.get_args(kind))


def test_no_wire_field_is_a_float() -> None:
    """orjson and `json` write floats differently (`1e-7`, `1e-07`): a float field in the
    contract would need the library's encoder for its events."""
    for model in DATA_MODELS.values():
        assert float not in set(_annotations(model)), model.__name__


def test_a_store_written_by_the_batch_path_reads_back_through_the_library(
    tmp_path: Path,
) -> None:
    """Aggregates load from the rows (versions without gaps), and decode to the same state."""
    bodies = generate(seed=7)[:400]
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = Ledger(url)
    ledger.submit(messages(*bodies))
    streams = {stream_of(parse_event(line(b)))[2] for b in bodies}
    counts: dict[Any, int] = {}
    for body in bodies:
        sid = stream_of(parse_event(line(body)))[2]
        counts[sid] = counts.get(sid, 0) + 1
    for stream_id in streams:
        aggregate = ledger.app.repository.get(stream_id)
        assert aggregate.fact_count == counts[stream_id]
        assert aggregate.version == counts[stream_id] + 1
    ledger.close()
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        rows = conn.execute("SELECT rowid, state FROM stored_events ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(json.loads(r[1]) for r in rows)
