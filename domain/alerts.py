"""The `measure-alert/v1` message (CONTRACT.md §2) and its stable id.

An alert is what the rules conclude about one measure (or one authorisation) at a moment;
every field has a description because this model is also the published JSON Schema the
inspectorate builds against. `client_ref` stays None in the domain: only the inspectorate
feed knows the key for the keyed hash of provider and client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from domain.identifiers import LEDGER_NAMESPACE

SCHEMA_ALERT_V1 = "measure-alert/v1"

RuleId = Literal[
    "NO-LEGAL-BASIS",
    "AUTHORIZATION-EXPIRED",
    "APPLIED-WITHOUT-REVIEW",
    "APPLIED-AFTER-REJECTION",
    "STEPPLAN-SKIPPED",
    "REVIEW-OVERDUE",
    "EMERGENCY-OVERRUN",
    "SECLUSION-UNLAWFUL",
    "EVALUATION-OVERDUE",
    "TERM-TOO-LONG",
    "AFBOUW-OVERDUE",
    "EXTENSION-WITHOUT-EXPERT",
    "EXTENSION-WITHOUT-REVIEW",
    "APPLIED-AFTER-END",
    "NO-SERIOUS-HARM-GROUNDS",
    "AUTHORIZATION-TOO-LONG",
    "LATE-REGISTRATION",
    # Catalogue 2 (rulebook 2026.2): Wzd and across the laws (docs/rules.md)
    "WZD-PHYSICIAN-CONSENT",
    "WZD-EMERGENCY-PHYSICIAN",
    "WZD-EMERGENCY-NOTIFY",
    "WZD-EMERGENCY-TERM",
    "WZD-LOCATION-UNREGISTERED",
    "GEN-TITLE-PRECEDENCE",
    # Catalogue 2: Wvggz and Jeugdwet (rulebook 2026.2, docs/rules.md)
    "WVGGZ-DECISION-PSYCH",
    "WVGGZ-NOOD-GD-NOTIFY",
    "WVGGZ-PRE-CM-18H",
    "JW-VBM-GW-CONSENT",
    "JW-NOOD-12H-GW",
    "JW-VBM-NOT-IN-PLAN",
    "JW-AFBOUW-ONAFH",
    # Catalogue 2: the half-year overview (rulebook 2026.2, docs/report.md)
    "WZD-IGJ-OVERVIEW",
    "WVGGZ-IGJ-OVERVIEW",
]
Severity = Literal["critical", "high", "medium", "low"]
Status = Literal["open", "resolved"]

#: Fixed forever: changing it would change every published alert_id.
ALERT_NAMESPACE = uuid5(LEDGER_NAMESPACE, SCHEMA_ALERT_V1)


def alert_id(rule: str, provider_id: str, measure_id: str | None, occurrence: str) -> str:
    """Deterministic id: the same rule, measure (or authorisation) and occurrence, the same id.

    The occurrence key names what the alert is about, e.g. the offending event_id or the
    anchor of a deadline, so replays and projections agree on identity without storage.
    """
    subject = measure_id if measure_id is not None else ""
    return str(uuid5(ALERT_NAMESPACE, f"{rule}\x1f{provider_id}\x1f{subject}\x1f{occurrence}"))


class Alert(BaseModel):
    """One alert: a rule that held for a measure from `since` until `resolved_at`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["measure-alert/v1"] = Field(
        default=SCHEMA_ALERT_V1, alias="schema", description='Exactly "measure-alert/v1".'
    )
    alert_id: str = Field(
        description="Stable id: the same rule, measure and occurrence always give the same id."
    )
    rule: RuleId = Field(description="Rule id from the catalogue (CONTRACT.md §2).")
    severity: Severity = Field(description="critical | high | medium | low, from the catalogue.")
    status: Status = Field(description="open or resolved, as of the moment it was judged.")
    provider_id: str = Field(description="The care provider.")
    measure_id: str | None = Field(
        description=(
            "The provider's measure id; null for an alert about an authorisation "
            "(AUTHORIZATION-TOO-LONG, or LATE-REGISTRATION of an authorisation event) or "
            "about the provider itself (WZD-IGJ-OVERVIEW, WVGGZ-IGJ-OVERVIEW)."
        )
    )
    framework: str | None = Field(
        description="wzd | wvggz | jeugdwet, from the proposal (null if none was recorded)."
    )
    category: str | None = Field(
        description="The form of care from the proposal (null for authorisation alerts)."
    )
    client_ref: str | None = Field(
        default=None,
        description=(
            "Keyed hash of provider and client, filled by the inspectorate feed; never the "
            "provider's pseudonym. Null inside the ledger."
        ),
    )
    since: AwareDatetime = Field(
        description="When the condition first held: a deadline's due time or the event's time."
    )
    resolved_at: AwareDatetime | None = Field(
        description="When it stopped holding (e.g. the retraction's occurred_at), or null."
    )
    rulebook_version: str = Field(description="The rulebook version that judged it.")
    message: str = Field(description="One sentence a compliance officer understands.")
    evidence: tuple[str, ...] = Field(description="The event_ids that prove it.")

    def open_at(self, moment: datetime) -> bool:
        """Open at `moment`: since <= moment and (never resolved, or resolved after it)."""
        return self.since <= moment and (self.resolved_at is None or self.resolved_at > moment)


ALERTS = TypeAdapter(list[Alert])


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of `measure-alert/v1`."""
    schema = Alert.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://measure-ledger/schema/measure-alert-v1.json"
    schema["title"] = SCHEMA_ALERT_V1
    return schema
