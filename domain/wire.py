"""The `measure-event/v1` wire schema: what a provider sends, exactly as CONTRACT.md §1.

Wire messages are not domain events: these models only decide whether input is well-formed.
Whether the care it describes was lawful is the rulebook's business, so nothing here refuses
an event for describing wrong care (an empty `grounds` list, a category outside its
framework, a minor in open youth care are all well-formed).

One module-level `TypeAdapter` over the discriminated union validates raw bytes with
`validate_json`, which is both the fastest path and the one that sees invalid UTF-8. The
`data` models of each type are in domain/wire_data.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    TypeAdapter,
    model_validator,
)

from domain.wire_data import (
    DATA_MODELS,
    Actor,
    AfbouwStartedData,
    AppliedData,
    AuthorizationEndedData,
    AuthorizationRegisteredData,
    EndedData,
    EvaluatedData,
    ExtendedData,
    ProposedData,
    ReportDeliveredData,
    RetractedData,
    ReviewDecidedData,
    ReviewRequestedData,
    StepCompletedData,
    _Strict,
)
from domain.wire_types import (
    ClientId,
    EventId,
    MeasureId,
    ProviderId,
    Timestamp,
)

SCHEMA_V1 = "measure-event/v1"


class _Envelope(_Strict):
    schema_: Literal["measure-event/v1"] = Field(
        alias="schema", description='Exactly "measure-event/v1".'
    )
    event_id: EventId = Field(description="Unique per provider; the idempotency key.")
    provider_id: ProviderId = Field(description='The care provider, e.g. "AGB:12345678".')
    client_id: ClientId = Field(
        description="Provider-scoped pseudonym of the client; a BSN is rejected."
    )
    occurred_at: Timestamp = Field(description="When it happened in care.")
    actor: Actor | None = Field(default=None, description="Who did it.")


class _MeasureEnvelope(_Envelope):
    measure_id: MeasureId = Field(description="Provider-scoped id of the measure.")


class MeasureProposed(_MeasureEnvelope):
    __doc__ = ProposedData.__doc__
    type: Literal["measure.proposed"] = Field(description="The event type.")
    data: ProposedData = Field(description="The facts of this event type.")


class StepCompleted(_MeasureEnvelope):
    __doc__ = StepCompletedData.__doc__
    type: Literal["stappenplan.step_completed"] = Field(description="The event type.")
    data: StepCompletedData = Field(description="The facts of this event type.")


class ReviewRequested(_MeasureEnvelope):
    __doc__ = ReviewRequestedData.__doc__
    type: Literal["review.requested"] = Field(description="The event type.")
    data: ReviewRequestedData = Field(description="The facts of this event type.")


class ReviewDecided(_MeasureEnvelope):
    __doc__ = ReviewDecidedData.__doc__
    type: Literal["review.decided"] = Field(description="The event type.")
    data: ReviewDecidedData = Field(description="The facts of this event type.")


class MeasureApplied(_MeasureEnvelope):
    __doc__ = AppliedData.__doc__
    type: Literal["measure.applied"] = Field(description="The event type.")
    data: AppliedData = Field(description="The facts of this event type.")

    @model_validator(mode="after")
    def _episode_is_forward(self) -> MeasureApplied:
        if self.data.ended_at is not None and self.data.ended_at < self.occurred_at:
            raise ValueError("data.ended_at is before occurred_at")
        return self


class MeasureEvaluated(_MeasureEnvelope):
    __doc__ = EvaluatedData.__doc__
    type: Literal["measure.evaluated"] = Field(description="The event type.")
    data: EvaluatedData = Field(description="The facts of this event type.")


class MeasureExtended(_MeasureEnvelope):
    __doc__ = ExtendedData.__doc__
    type: Literal["measure.extended"] = Field(description="The event type.")
    data: ExtendedData = Field(description="The facts of this event type.")


class AfbouwStarted(_MeasureEnvelope):
    __doc__ = AfbouwStartedData.__doc__
    type: Literal["afbouw.started"] = Field(description="The event type.")
    data: AfbouwStartedData = Field(description="The facts of this event type.")


class MeasureEnded(_MeasureEnvelope):
    __doc__ = EndedData.__doc__
    type: Literal["measure.ended"] = Field(description="The event type.")
    data: EndedData = Field(description="The facts of this event type.")


class EventRetracted(_MeasureEnvelope):
    __doc__ = RetractedData.__doc__
    type: Literal["event.retracted"] = Field(description="The event type.")
    data: RetractedData = Field(description="The facts of this event type.")

    @model_validator(mode="after")
    def _retracts_another_event(self) -> EventRetracted:
        if self.data.retracts_event_id == self.event_id:
            raise ValueError(
                "data.retracts_event_id names this event itself; a retraction retracts an "
                "earlier event (to withdraw a retraction, retract it with a new event)"
            )
        return self


class AuthorizationRegistered(_Envelope):
    __doc__ = AuthorizationRegisteredData.__doc__
    type: Literal["authorization.registered"] = Field(description="The event type.")
    data: AuthorizationRegisteredData = Field(description="The facts of this event type.")


class AuthorizationEnded(_Envelope):
    __doc__ = AuthorizationEndedData.__doc__
    type: Literal["authorization.ended"] = Field(description="The event type.")
    data: AuthorizationEndedData = Field(description="The facts of this event type.")


class ReportDelivered(_Strict):
    """`report.delivered` (extension, README): a half-year overview was sent to IGJ.

    About the provider, not a measure or a client: the one envelope without `measure_id`
    and `client_id` (an unknown field here, like any other). Its `event_id` is derived from
    what was delivered (`delivery_event_id`), so recording the same delivery twice is a
    duplicate, never a second delivery.
    """

    schema_: Literal["measure-event/v1"] = Field(
        alias="schema", description='Exactly "measure-event/v1".'
    )
    event_id: EventId = Field(
        description=(
            "report.delivered:<period>:<law>:<first 16 hex digits of body_sha256, in groups "
            "of four joined by '_'>."
        )
    )
    provider_id: ProviderId = Field(description="The care provider that delivered it.")
    occurred_at: Timestamp = Field(description="When the overview was sent.")
    actor: Actor | None = Field(default=None, description="Who recorded it.")
    type: Literal["report.delivered"] = Field(description="The event type.")
    data: ReportDeliveredData = Field(description="What was delivered.")

    @model_validator(mode="after")
    def _event_id_names_the_delivery(self) -> ReportDelivered:
        expected = delivery_event_id(self.data.period, self.data.law, self.data.body_sha256)
        if self.event_id != expected:
            raise ValueError(
                f"event_id must be {expected!r} for this delivery "
                "(report.delivered:<period>:<law>:<first 16 hex of body_sha256, 4 by 4 with _>)"
            )
        return self


def delivery_event_id(period: str, law: str, body_sha256: str) -> str:
    """The idempotency key of a delivery: the same file of the same law twice is one event.

    The hash's first 16 hex digits go in groups of four joined by `_` (not a separator of
    grouped digits, as `-`, `.` and a space are): an id is checked for BSNs like every id,
    and nine decimal digits in a row of a hash would otherwise be taken for one and the
    delivery refused.
    """
    head = body_sha256[:16]
    return f"report.delivered:{period}:{law}:" + "_".join(head[i : i + 4] for i in range(0, 16, 4))


ProviderEvent = Annotated[
    MeasureProposed
    | StepCompleted
    | ReviewRequested
    | ReviewDecided
    | MeasureApplied
    | MeasureEvaluated
    | MeasureExtended
    | AfbouwStarted
    | MeasureEnded
    | EventRetracted
    | AuthorizationRegistered
    | AuthorizationEnded
    | ReportDelivered,
    Field(discriminator="type"),
]

PROVIDER_EVENT = TypeAdapter(ProviderEvent)

EVENT_TYPES: tuple[str, ...] = tuple(DATA_MODELS)
AUTHORIZATION_TYPES = frozenset({"authorization.registered", "authorization.ended"})
#: Types about the provider itself: no measure, no client (stored on the provider's stream).
PROVIDER_TYPES = frozenset({"report.delivered"})


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of `measure-event/v1` (shipped as schema/measure-event-v1.json)."""
    schema = PROVIDER_EVENT.json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://measure-ledger/schema/measure-event-v1.json"
    schema["title"] = "measure-event/v1"
    return schema
