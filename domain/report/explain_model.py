"""What `report --explain LOCATION FORM` shows: the measures and events behind one cell.

Kept apart from the report body (`model.py`): an explanation names the provider's own client
pseudonyms and event ids, which the delivered overview never holds, and it is not hashed or
delivered; it is read by the provider (and, without the provider's pseudonyms, by the
inspectorate) to see why a number is what it is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.report.model import JeugdwetForm, LeftOut, WvggzForm, WzdForm

EXPLAIN_FORMAT = "measure-ledger-report-explain/v1"

#: Why an event or measure at the cell's place and form is not in its count.
Reason = Literal["art_2_lid_2", "retracted", "outside_period", "outside_framework"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CountedApplication(_Frozen):
    """One `measure.applied` received in the period and counted in the cell."""

    event_id: str
    position: int | None = Field(description="Its ledger position.")
    occurred_at: str
    ended_at: str | None
    recorded_at: str
    unplanned: bool = Field(description="Counted as an emergency (art. 15 / art. 8:11).")
    microseconds_in_period: int | None = Field(
        description="For an episode with an end: the part inside the period, as counted "
        "(exact, so the cell's `episode_seconds` is the sum over its episodes, rounded down)."
    )


class CountedMeasure(_Frozen):
    measure_id: str
    client_id: str | None = Field(
        description="The provider's pseudonym of the client (null where only the report "
        "pseudonym may be shown, e.g. to the inspectorate)."
    )
    client_ref: str = Field(description="The client's report pseudonym (R-...).")
    location_id: str | None
    applications: list[CountedApplication]


class LeftOutItem(_Frozen):
    """A measure or event of this place and form that the count does not hold, and why."""

    reason: Reason
    measure_id: str
    client_id: str | None
    client_ref: str
    event_id: str | None = Field(description="The event left out; null for a whole measure.")
    occurred_at: str | None
    detail: str


class ExplainedCell(_Frozen):
    """One law's cell: its figures, computed by the counting code from `measures` alone."""

    law: str
    counted_in: str = Field(
        description="Where the figures are in the report: `locations`, `without_location`, "
        "`totals`, `left_out_art_2_lid_2` (Wzd art. 2 lid 2) or `none` (not a form the "
        "report counts for this law)."
    )
    figures: WzdForm | LeftOut | JeugdwetForm | None = Field(
        description="Wzd and Jeugdwet: the cell as the report shows it."
    )
    clients: dict[str, WvggzForm] = Field(
        description="Wvggz: report pseudonym -> the client's row for this form."
    )
    measures: list[CountedMeasure]
    left_out: list[LeftOutItem]


class Explanation(_Frozen):
    format: str = EXPLAIN_FORMAT
    period: str
    location: str = Field(description="The location asked for: an id, `(none)` or `(all)`.")
    form: str
    position: int = Field(description="The ledger position the cell was counted at.")
    head_hash: str
    providers: dict[str, list[ExplainedCell]]
