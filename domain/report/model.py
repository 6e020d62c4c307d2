"""The overview's model: what a report holds, per provider and per law.

Pydantic models, so a saved report is read back with the same validation it was written
with (`report --check`), and the JSON is canonical: fields in declaration order, mappings
sorted by key. Every count is an integer and every moment a string, so the bytes of a report
do not depend on the store, the platform or the float formatting of a language.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

BODY_FORMAT = "measure-ledger-report-body/v1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WzdForm(_Frozen):
    """One form of onvrijwillige zorg (Wzd art. 2 lid 1) at one location in the period."""

    clients: int = Field(description="Unique clients who received the form here.")
    clients_planned: int = Field(description="Of those, clients with a planned application.")
    clients_unplanned: int = Field(
        description="Of those, clients with an unplanned one (art. 15 emergency); a client "
        "with both is counted in both."
    )
    measures: int = Field(description="Measures of this form with an application counted.")
    applications: int = Field(description="Applications received in the period.")
    applications_unplanned: int = Field(description="Of those, art. 15 emergencies.")
    episodes_ended: int = Field(description="Applications with an end (`ended_at`).")
    episode_seconds: int = Field(
        description="Total duration of the ended episodes, the part inside the period."
    )


class LeftOut(_Frozen):
    """The art. 2 lid 2 forms, left out of the overview (IGJ) and counted as left out."""

    clients: int
    measures: int
    applications: int


class WzdSection(_Frozen):
    deliver: bool = Field(description="False: no Wzd care in the period, nothing to deliver.")
    locations: dict[str, dict[str, WzdForm]] = Field(description="location_id -> form -> counts")
    without_location: dict[str, WzdForm] = Field(
        description="Measures whose proposal names no location_id (see data_quality)."
    )
    totals: dict[str, WzdForm] = Field(
        description="Per form over all locations: `clients` counts each client once in the "
        "provider, the other figures are the sums over the locations."
    )
    left_out_art_2_lid_2: LeftOut


class WvggzForm(_Frozen):
    """One form of verplichte zorg (Wvggz art. 3:2 lid 2) given to one client."""

    dates: list[str] = Field(description="Amsterdam calendar days in the period it was given.")
    titles: list[str] = Field(
        description="The legal titles in force when it was given (art. 3:1 a-d); empty: none."
    )
    emergency_8_11: bool = Field(description="Given at least once under art. 8:11.")
    applications: int


class WvggzSection(_Frozen):
    deliver: bool
    clients: int = Field(description="Unique clients of the provider in the period.")
    locations: dict[str, dict[str, dict[str, WvggzForm]]] = Field(
        description="location_id -> report pseudonym of the client -> form -> what was given"
    )
    without_location: dict[str, dict[str, WvggzForm]]


class JeugdwetForm(_Frozen):
    """One category of gesloten jeugdhulp measures (Jeugdwet 6.3.2.1-6.3.2.5)."""

    young_people: int
    measures: int
    applications: int


class JeugdwetSection(_Frozen):
    deliver: bool
    locations: dict[str, dict[str, JeugdwetForm]]
    without_location: dict[str, JeugdwetForm]
    totals: dict[str, JeugdwetForm]


class DataQuality(_Frozen):
    """What the provider must fix in its record before delivering."""

    late_registrations: int = Field(
        description="Unretracted events that occurred in the period and were recorded later "
        "than the registration lag of the rulebook."
    )
    measures_without_location: int = Field(
        description="Measures counted in the period whose proposal names no location_id."
    )
    applications_without_framework: int = Field(
        description="Applications in the period of measures with no (unretracted) proposal."
    )
    measures_outside_framework: int = Field(
        description="Measures whose category is not a form of their framework: not counted."
    )
    open_critical_alerts: dict[str, int] = Field(
        description="Per rule, the measures with a critical alert open at some moment in the "
        "period."
    )


class ProviderReport(_Frozen):
    nothing_to_deliver: bool = Field(description="No compulsory care under any law.")
    wzd: WzdSection
    wvggz: WvggzSection
    jeugdwet: JeugdwetSection
    data_quality: DataQuality


class ReportBody(_Frozen):
    """The overview itself: a pure function of the facts, the rulebook and the report key."""

    format: str = BODY_FORMAT
    period: str
    start: str = Field(description="First instant, Amsterdam time with its offset.")
    end: str = Field(description="First instant after the period.")
    timezone: str = "Europe/Amsterdam"
    rulebook_version: str
    providers: dict[str, ProviderReport]
