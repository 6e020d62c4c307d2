"""`report --delivered`: record that a half-year overview was sent, as a provider event.

The delivery is a fact in the ledger, not a row beside it (docs/report.md "Delivery as a
fact"): the report is made at its position as always, and a `report.delivered` event naming
its body hash, position and checkpoint goes through `Ledger.submit` like any provider event,
so it is validated, deduplicated, chained and signed the same way. Its event id is derived
from the period, the law and the body hash: the same delivery recorded twice is one event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from domain.facts import Fact
from domain.report.period import HalfYear
from domain.wire import SCHEMA_V1, delivery_event_id
from ledger.reporting import Made, ReportError, make_report
from ledger.service import Ledger, RawMessage
from projections.delivery_reads import delivery

#: Who records it: the ledger's operator, on the provider's behalf (CONTRACT §1 roles).
ACTOR = {"role": "administrator", "id": "measure-ledger-report"}
SOURCE = "report --delivered"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What was recorded, as stored: on a duplicate, the earlier event's moment, report
    position and checkpoint (its body hash is this run's, which is why it is a duplicate)."""

    made: Made  # this run's report
    event_id: str
    outcome: str  # "recorded", or "duplicate": this delivery was stored before
    occurred_at: datetime
    report_position: int
    checkpoint_id: int
    position: int | None  # the ledger position of the stored event


def _stored(made: Made, event_id: str, outcome: str, stored: Fact) -> Delivery:
    return Delivery(
        made,
        event_id,
        outcome,
        stored.occurred_at,
        stored.data.position,
        stored.data.checkpoint_id,
        stored.position,
    )


def record_delivery(
    ledger: Ledger,
    period: HalfYear,
    provider_id: str,
    law: str,
    sent_at: datetime,
    *,
    position: int | None = None,
    receipt: str | None = None,
    made: Made | None = None,
) -> Delivery:
    """Make the report of `provider_id` (or take `made`, that report made before) and record
    its delivery to IGJ at `sent_at`."""
    if made is None:
        made = make_report(ledger, period, position, provider_id)
    document = made.document
    event_id = delivery_event_id(period.name, law, document.body_sha256)
    stored = delivery(ledger.sql, provider_id, event_id)
    if stored is not None:
        return _stored(made, event_id, "duplicate", stored)
    checkpoint_id = document.binding.checkpoint.checkpoint_id
    if checkpoint_id is None:
        raise ReportError("the report's checkpoint has no id: run `measure-ledger checkpoint`")
    data: dict[str, object] = {
        "period": period.name,
        "law": law,
        "body_sha256": document.body_sha256,
        "position": document.binding.position,
        "checkpoint_id": checkpoint_id,
    }
    if receipt is not None:
        data["receipt"] = receipt
    body = {
        "schema": SCHEMA_V1,
        "event_id": event_id,
        "provider_id": provider_id,
        "occurred_at": sent_at.isoformat(),
        "actor": ACTOR,
        "type": "report.delivered",
        "data": data,
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    counts, letters = ledger.submit([RawMessage(raw, SOURCE, sender=provider_id)])
    if letters:
        raise ReportError(f"the delivery was not recorded: {letters[0].reason}")
    ledger.refresh_alerts()
    stored = delivery(ledger.sql, provider_id, event_id)
    if stored is None:  # not reached: submit stored it or named why not
        raise ReportError("the delivery was not recorded")
    return _stored(made, event_id, "recorded" if counts.accepted else "duplicate", stored)
