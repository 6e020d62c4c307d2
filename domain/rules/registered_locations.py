"""WZD-LOCATION-UNREGISTERED (catalogue 2; Wzd art. 20): care given from a location that is
not in the provider's registered locations (the public locatieregister Wvggz/Wzd).

The register is configuration, not law and not an event: the composition root reads one
file per provider and hands the ids in (`Rulebook.with_registered_locations`). Where no
register is configured for the provider the rule is silent, since nothing can be compared.

The location is the proposal's `location_id` (the vestiging the half-year overview counts
per); `measure.applied`'s free-text `location` is a unit inside the provider and is not
compared. A proposal without `location_id` says nothing and raises nothing. One alert per
measure and location, from the first application: care given there, not a proposal only.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.rulebook import Rulebook
from domain.rules.findings import Finding, day, unique
from domain.rules.timeline_state import MeasureState


def location_unregistered(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    """Reads the plan and only the first application."""
    if state.framework != "wzd" or not state.applications:
        return
    location = state.plan.location_id
    if location is None or not book.enabled("WZD-LOCATION-UNREGISTERED"):
        return
    proposal = state.proposal
    register = book.locations_of(proposal.provider_id)
    if register is None or location in register:
        return
    first = state.applications[0]
    message = (
        f"The Wzd measure was applied from {day(first.occurred_at)} at location {location}, "
        "which is not among the provider's registered locations (Wzd art. 20, "
        "locatieregister)."
    )
    yield Finding(
        "WZD-LOCATION-UNREGISTERED",
        f"location:{location}",
        first.occurred_at,
        unique(proposal.event_id, first.event_id),
        message,
    )


def check(state: MeasureState, book: Rulebook) -> Iterator[Finding]:
    yield from location_unregistered(state, book)
