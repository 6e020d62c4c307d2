"""The `data` object of each `measure-event/v1` type: the facts a provider states (CONTRACT §1).

Split from the envelopes (domain/wire.py) so each file reads as one list: here what each
event type carries, there how the envelope and the discriminated union around them look.
The ledger re-reads stored data with these models (`DATA_MODELS`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
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
from domain.report.period import HalfYear
from domain.wire_types import (
    EventId,
    Timestamp,
    no_bsn,
    text,
)


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
    zorgverantwoordelijke_psychiatrist: bool | None = Field(
        default=None,
        description=(
            "Wvggz art. 8:9 lid 1 c (extension): whether the zorgverantwoordelijke who takes "
            "the decision is a psychiatrist; false means the decision needs the "
            "geneesheer-directeur's agreement (step geneesheer_directeur_agreement)."
        ),
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
    psychiatrist_examined_at: Timestamp | None = Field(
        default=None,
        description=(
            "Wvggz art. 7:3 lid 2 (extension), for tijdelijke_verplichte_zorg: when the "
            "psychiatrist examined the person; the care may last at most 12 hours from then."
        ),
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


def _half_year(value: str) -> str:
    HalfYear.parse(value)  # the year's range, with the reason a PeriodError gives
    return value


class ReportDeliveredData(_Data):
    """`report.delivered` (extension): the provider sent a half-year overview to IGJ.

    The one type about the provider rather than a measure or a client, so its envelope has
    no `measure_id` and no `client_id`. Recorded by `report --delivered` from the report it
    made; what the rules WZD-IGJ-OVERVIEW and WVGGZ-IGJ-OVERVIEW look for (docs/report.md).
    """

    period: Annotated[str, AfterValidator(_half_year)] = Field(
        pattern=r"^\d{4}H[12]$", description="The half-year of the overview, e.g. 2026H1."
    )
    law: Literal["wzd", "wvggz", "jeugdwet"] = Field(description="The law of the file sent.")
    body_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="The report's `body_sha256` (64 lowercase hex)."
    )
    position: int = Field(ge=1, description="The ledger position the report counted up to.")
    checkpoint_id: int = Field(ge=1, description="The signed checkpoint the report is bound to.")
    receipt: text(128) | None = Field(
        default=None, description="IGJ's reference for the delivery, if one was given."
    )


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
    "report.delivered": ReportDeliveredData,
}
