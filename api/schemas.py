"""The API's response shapes, published in the OpenAPI; alerts are `measure-alert/v1` itself.

Clients appear as `client_id` (the provider's own pseudonym) to the provider role and as
`client_ref` (the keyed hash the inspectorate feed uses) to the inspectorate; never both.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from domain.alerts import Alert


class Client(BaseModel):
    client_id: str | None = Field(
        default=None, description="The provider's pseudonym (provider role only)."
    )
    client_ref: str | None = Field(
        default=None, description="Keyed hash of provider and client (inspectorate role only)."
    )


class Measure(Client):
    provider_id: str
    measure_id: str
    phase: str
    framework: str | None
    category: str | None
    setting: str | None
    emergency: bool
    location_id: str | None
    proposed_at: str | None
    planned_start: str | None
    planned_end: str | None
    first_applied_at: str | None
    last_applied_at: str | None
    ended_at: str | None
    end_reason: str | None
    last_occurred_at: str | None
    facts: int
    next_deadline: str | None = Field(
        description="RFC 3339; the soonest deadline after the measure's last event as of the "
        "moment read (`as_of` of the list, else now), so a missed one stays shown: overdue."
    )
    next_deadline_rule: str | None


class TimelineEntry(BaseModel):
    position: int = Field(description="Ledger position: the order it was recorded in.")
    event_id: str
    type: str
    occurred_at: str = Field(description="When it happened in care (as sent, RFC 3339).")
    recorded_at: str = Field(description="When the ledger recorded it (RFC 3339, UTC).")
    actor_role: str | None
    actor_id: str | None
    source: str | None = Field(
        default=None, description="Where it came from (file:line, topic); provider role only."
    )
    data: dict[str, Any]
    retracted_by: str | None
    retracted_at: str | None
    retraction_reason: str | None


class Authorisation(Client):
    provider_id: str
    authorization_id: str
    kind: str | None
    valid_from: str | None
    valid_until: str | None
    covers: list[str] | None
    ended_at: str | None
    end_reason: str | None


class MeasureDetail(BaseModel):
    measure: Measure
    legal_basis: list[Authorisation] = Field(
        description="The authorisations of this client that cover this measure's form now."
    )
    alerts: list[Alert] = Field(description="Every alert of this measure, open and resolved.")
    timeline: list[TimelineEntry]


class AuthorisationDetail(BaseModel):
    authorisation: Authorisation
    events: list[TimelineEntry]
    measures: list[Measure] = Field(description="The client's measures it covers.")


class ClientDetail(BaseModel):
    provider_id: str
    client_id: str
    measures: list[Measure]
    authorisations: list[Authorisation]


class AlertDetail(BaseModel):
    alert: Alert
    evidence: list[TimelineEntry] = Field(description="The events that prove it.")


class MeasurePage(BaseModel):
    items: list[Measure]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last.")


class AlertPage(BaseModel):
    items: list[Alert]
    next_cursor: str | None


class Reject(BaseModel):
    id: int
    received_at: str
    source: str
    reason: str
    provider_id: str | None
    event_id: str | None
    raw: str = Field(description="The input as received (first 4096 characters).")


class RejectPage(BaseModel):
    items: list[Reject]
    next_cursor: str | None


class RejectedLine(BaseModel):
    source: str = Field(description="`http:<line>` of the request body.")
    reason: str


class IngestResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    rejects: list[RejectedLine]


class Checkpoint(BaseModel):
    format: str
    checkpoint_id: int | None
    position: int
    head_hash: str
    created_at: str
    key_id: str
    signature: str
    previous: str | None
    public_key: str | None


class Health(BaseModel):
    status: str
    detail: dict[str, Any] = Field(default_factory=dict)


class AccessSubject(BaseModel):
    """An object an access read: the provider's data, narrowed to a client or measure."""

    provider_id: str
    client_id: str | None
    measure_id: str | None


class AccessRecord(BaseModel):
    seq: int
    at: str
    token_id: str | None
    label: str | None
    role: str | None
    scope: list[str]
    action: str
    outcome: str
    remote: str | None
    subjects: list[AccessSubject]
    detail: str | None


class AccessPage(BaseModel):
    items: list[AccessRecord]
    next_cursor: str | None
