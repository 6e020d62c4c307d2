"""Stored events as plain rows, byte for byte what the library's aggregates would store.

The write path (store/batch_append.py) does not build an aggregate, trigger an event and
run it through the library's mapper for every provider event: that was most of the cost of
storing one. It builds the same event state as a dict, in the same key order, and encodes it
with orjson, which writes JSON exactly like the library's transcoder (`json` with
`separators=(",", ":")` and `ensure_ascii=False`) for everything a provider event holds:
strings, integers, booleans, null, lists and objects. The two differ on floats (`1e-07`
against `1e-7`), and no wire field is a float (tests/test_stored_rows.py checks the wire
models, and that both encoders agree on every other value). A value orjson refuses (an
integer beyond 64 bits, a lone surrogate) goes through the library's transcoder instead, so
it behaves exactly as it did.

The event classes in domain/measure.py stay the definition of the stored format: their
topics, their fields and, here, the order of those fields. The same test stores one event of
every type both ways and compares the bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper
from eventsourcing.utils import get_topic

from domain.measure import Stream
from domain.wire import ProviderEvent

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
_TOPICS: dict[type, str] = {}


def topic_of(cls: type) -> str:
    topic = _TOPICS.get(cls)
    if topic is None:
        topic = _TOPICS[cls] = get_topic(cls)
    return topic


def opened_state(
    cls: type[Stream], timestamp: datetime, provider_id: str, ref: str, client_id: str
) -> dict[str, Any]:
    """The state of a stream's first event (`Stream.Opened`), fields in the class's order."""
    return {
        "timestamp": timestamp,
        "originator_topic": topic_of(cls),
        "provider_id": provider_id,
        "ref": ref,
        "client_id": client_id,
    }


def client_of(event: ProviderEvent) -> str:
    """The client an event names; "" for a provider's own facts (`report.delivered`)."""
    return getattr(event, "client_id", "")


def recorded_state(
    timestamp: datetime,
    provider_id: str,
    ref: str,
    event: ProviderEvent,
    source: str,
    digest: str,
) -> dict[str, Any]:
    """The state `Stream.record` gives a provider event, fields in the class's order."""
    actor = event.actor
    return {
        "timestamp": timestamp,
        "provider_id": provider_id,
        "ref": ref,
        "event_id": event.event_id,
        "client_id": client_of(event),
        "occurred_at": event.occurred_at,
        "actor_role": actor.role if actor else None,
        "actor_id": actor.id if actor else None,
        "source": source,
        "data": event.data.model_dump(mode="json", exclude_none=True),
        "content_hash": digest,
    }


def _transcode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"_type_": "datetime_iso", "_data_": value.isoformat()}
    raise TypeError(f"not storable: {type(value).__name__}")


def encode_state(state: dict[str, Any], mapper: Mapper[UUID]) -> bytes:
    """The stored state bytes: orjson where it agrees with the library, else the library."""
    try:
        encoded = orjson.dumps(state, default=_transcode, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: let the library encode (or refuse) it
        encoded = mapper.transcoder.encode(state)
    if mapper.compressor:
        encoded = mapper.compressor.compress(encoded)
    if mapper.cipher:
        encoded = mapper.cipher.encrypt(encoded)
    return encoded


def domain_event(cls: type, state: dict[str, Any], stream_id: UUID, version: int) -> Any:
    """The event object the mapper would read back from this row (for the views)."""
    event = object.__new__(cls)
    object.__setattr__(
        event,
        "__dict__",
        {"originator_id": stream_id, "originator_version": version, **state},
    )
    return event
