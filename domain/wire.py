"""The `measure-event/v1` wire schema: what a provider sends, exactly as CONTRACT.md §1.

Wire messages are not domain events: these models only decide whether input is well-formed.
Whether the care it describes was lawful is the rulebook's business, so nothing here refuses
an event for describing wrong care (an empty `grounds` list, a category outside its
framework, a minor in open youth care are all well-formed).

One module-level `TypeAdapter` over the discriminated union validates raw bytes with
`validate_json`, which is both the fastest path and the one that sees invalid UTF-8.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from domain.codes import (
    FRAMEWORK_CATEGORIES,
    AuthorizationKind,
    Category,
    EndReason,
    Framework,
    HarmCode,
    Role,
    Setting,
    Step,
)
from domain.identifiers import ID_PATTERN
from domain.wire_types import (
    ClientId,
    EventId,
    MeasureId,
    ProviderId,
    Timestamp,
    no_bsn,
    text,
)

SCHEMA_V1 = "measure-event/v1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Data(_Strict):
    """Base of every `data` object: unknown keys are an error, like at the envelope."""


class Actor(_Strict):
    """Who did it: a role and a pseudonymous staff id, never a name."""

    role: Role = Field(description="The actor's role in the procedure.")
    id: Annotated[str, AfterValidator(no_bsn)] = Field(
        min_length=1,
        max_length=128,
        pattern=ID_PATTERN,
        description="Pseudonymous staff id, scoped to the provider.",
    )


class ProposedData(_Data):
    """`measure.proposed`: the zorgverantwoordelijke proposes the measure for the care plan."""

    framework: Framework = Field(description="The law the measure is taken under.")
    category: Category = Field(
        description=(
            "Form of compulsory care. A code of another framework is accepted and raises "
            "NO-LEGAL-BASIS; an unknown code is rejected."
        )
    )
    setting: Setting = Field(description="Where the care is given.")
    grounds: list[HarmCode] = Field(
        description="Harm codes (ernstig nadeel, Wzd art. 1 lid 2); may be empty (alerted)."
    )
    planned_start: Timestamp = Field(description="Planned start of the term.")
    planned_end: Timestamp | None = Field(
        default=None, description="End of the term in the care plan."
    )
    emergency: bool = Field(
        default=False,
        description="Unforeseen situation: Wzd art. 15, Wvggz art. 8:11, Jeugdwet 6.3.1.2 lid 3.",
    )
    alternatives_considered: list[text(200)] = Field(
        default_factory=list, description="Less intrusive alternatives considered."
    )
    description: text(500) | None = Field(default=None, description="Short description.")
    client_resists: bool | None = Field(default=None, description="The client shows verzet.")
    client_age_years: int | None = Field(
        default=None, ge=0, le=120, description="The client's age when the measure was proposed."
    )
    location_id: text(64) | None = Field(
        default=None,
        description="The provider's location (e.g. KvK vestigingsnummer), for per-location counts.",
    )

    @model_validator(mode="after")
    def _term_is_forward(self) -> ProposedData:
        if self.planned_end is not None and self.planned_end < self.planned_start:
            raise ValueError("planned_end is before planned_start")
        return self

    @property
    def in_framework(self) -> bool:
        return self.category in FRAMEWORK_CATEGORIES[self.framework]


class StepCompletedData(_Data):
    """`stappenplan.step_completed`: one step of the statutory procedure was done."""

    step: Step = Field(description="The step, named after its article.")
    summary: text(500) | None = Field(default=None, description="Short summary.")


class ReviewRequestedData(_Data):
    """`review.requested`: the plan was put before the reviewer."""

    reviewer_role: Role | None = Field(default=None, description="Who is asked to review.")


class ReviewDecidedData(_Data):
    """`review.decided`: the Wzd-functionaris (or equivalent) approved or rejected the plan."""

    decision: Literal["approved", "rejected"] = Field(description="The decision.")
    valid_until: Timestamp | None = Field(
        default=None, description="End of the approval, if it has one."
    )
    conditions: text(500) | None = Field(default=None, description="Conditions attached.")


class AppliedData(_Data):
    """`measure.applied`: the measure was carried out (one episode, or from now on)."""

    ended_at: Timestamp | None = Field(
        default=None, description="End of this episode, e.g. of one seclusion."
    )
    emergency: bool | None = Field(default=None, description="Applied as an emergency.")
    location: text(100) | None = Field(default=None, description="Where, in the provider.")


class EvaluatedData(_Data):
    """`measure.evaluated`: the measure was evaluated (Wzd art. 8, Jeugdwet 6.2.9)."""

    outcome: Literal["continue", "afbouw", "end"] = Field(description="What follows.")
    next_evaluation_due: Timestamp | None = Field(
        default=None, description="When the next evaluation is due, if set."
    )
    summary: text(500) | None = Field(default=None, description="Short summary.")


class ExtendedData(_Data):
    """`measure.extended`: the term was extended (Wzd art. 11)."""

    planned_end: Timestamp = Field(description="The new end of the term.")


class AfbouwStartedData(_Data):
    """`afbouw.started`: the measure is being phased out."""

    target_end: Timestamp | None = Field(default=None, description="Target end of afbouw.")
    plan: text(500) | None = Field(default=None, description="Short afbouw plan.")


class EndedData(_Data):
    """`measure.ended`: the measure is no longer applied."""

    reason: EndReason = Field(description="Why it ended.")


class AuthorizationRegisteredData(_Data):
    """`authorization.registered`: a court order or decision that gives a legal basis."""

    authorization_id: text(128) = Field(min_length=1, description="The provider's id of it.")
    kind: AuthorizationKind = Field(description="The kind of authorisation.")
    valid_from: Timestamp = Field(description="Start of validity.")
    valid_until: Timestamp = Field(description="End of validity.")
    covers: list[Category] | None = Field(
        default=None,
        description="Categories it allows; absent means every form its framework allows.",
    )

    @model_validator(mode="after")
    def _validity_is_forward(self) -> AuthorizationRegisteredData:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class AuthorizationEndedData(_Data):
    """`authorization.ended`: the authorisation stopped before (or at) its end of validity."""

    authorization_id: text(128) = Field(min_length=1, description="The provider's id of it.")
    reason: text(500) | None = Field(default=None, description="Why it ended.")


class RetractedData(_Data):
    """`event.retracted`: an earlier event was wrong; it stays, marked retracted."""

    retracts_event_id: EventId = Field(description="The provider's earlier event_id.")
    reason: text(500) = Field(min_length=1, description="Why it is retracted.")


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


class AuthorizationRegistered(_Envelope):
    __doc__ = AuthorizationRegisteredData.__doc__
    type: Literal["authorization.registered"] = Field(description="The event type.")
    data: AuthorizationRegisteredData = Field(description="The facts of this event type.")


class AuthorizationEnded(_Envelope):
    __doc__ = AuthorizationEndedData.__doc__
    type: Literal["authorization.ended"] = Field(description="The event type.")
    data: AuthorizationEndedData = Field(description="The facts of this event type.")


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
    | AuthorizationEnded,
    Field(discriminator="type"),
]

PROVIDER_EVENT = TypeAdapter(ProviderEvent)

#: type name -> the model of its `data` object; the ledger re-reads stored data with these.
DATA_MODELS: dict[str, type[_Data]] = {
    "measure.proposed": ProposedData,
    "stappenplan.step_completed": StepCompletedData,
    "review.requested": ReviewRequestedData,
    "review.decided": ReviewDecidedData,
    "measure.applied": AppliedData,
    "measure.evaluated": EvaluatedData,
    "measure.extended": ExtendedData,
    "afbouw.started": AfbouwStartedData,
    "measure.ended": EndedData,
    "authorization.registered": AuthorizationRegisteredData,
    "authorization.ended": AuthorizationEndedData,
    "event.retracted": RetractedData,
}

EVENT_TYPES: tuple[str, ...] = tuple(DATA_MODELS)
AUTHORIZATION_TYPES = frozenset({"authorization.registered", "authorization.ended"})


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of `measure-event/v1` (shipped as schema/measure-event-v1.json)."""
    schema = PROVIDER_EVENT.json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://measure-ledger/schema/measure-event-v1.json"
    schema["title"] = "measure-event/v1"
    return schema
