"""`Fact`: one provider event as the ledger knows it, the shared input of projections and rules.

A fact is the validated wire event plus what the ledger added when it stored it: the two
clocks (`occurred_at` from the provider, `recorded_at` from the ledger), the ledger position,
and where the event came from. Rules and projections read facts, never wire messages or
stored records, so they do not depend on how the store encodes things.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from domain.wire import DATA_MODELS


@dataclass(frozen=True, slots=True)
class Fact:
    provider_id: str
    measure_id: str | None  # None on authorization.* and report.delivered events
    client_id: str  # "" on report.delivered: it names no client
    event_id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    data: Any  # the pydantic model of DATA_MODELS[type]
    actor_role: str | None = None
    actor_id: str | None = None
    source: str = ""
    position: int | None = None  # the ledger's global order; None before it is stored

    @property
    def key(self) -> tuple[str, str]:
        """The idempotency key `(provider_id, event_id)`."""
        return (self.provider_id, self.event_id)

    @property
    def authorization_id(self) -> str | None:
        return getattr(self.data, "authorization_id", None)


def data_from_json(type_name: str, data: dict[str, Any]) -> Any:
    """Re-read stored `data` (JSON form) into its typed model."""
    return DATA_MODELS[type_name].model_validate(data, strict=False)


@lru_cache(maxsize=4096)
def data_from_text(type_name: str, text: str) -> Any:
    """`data_from_json` of stored JSON text, remembered for the most recent texts.

    A refresh reads every fact of each judged measure, and half of the stored `data` texts
    are one of a few ("{}", `{"outcome":"continue"}`, a step name): validating each again
    gave the same model each time. The models are frozen, so facts can share one; rules
    read data and never change it. `tests/test_fact_rows.py` checks that facts read this
    way equal facts read by validating every row.
    """
    return data_from_json(type_name, json.loads(text))


def fact_from_stored(event: Any, position: int | None = None) -> Fact:
    """A fact from a stored `Stream.Recorded` event (the ledger's own record of it)."""
    type_name = event.type_name
    return Fact(
        provider_id=event.provider_id,
        measure_id=event.ref if event.kind == "measure" else None,
        client_id=event.client_id,
        event_id=event.event_id,
        type=type_name,
        occurred_at=event.occurred_at,
        recorded_at=event.timestamp,
        data=data_from_json(type_name, event.data),
        actor_role=event.actor_role,
        actor_id=event.actor_id,
        source=event.source,
        position=position,
    )
