"""The rulebook this installation judges by: the shipped one with its settings applied.

Apart from the service because the `rules` command reads it too, without opening a store.
"""

from __future__ import annotations

from domain.rulebook import Rulebook
from ledger.locations import read_registers
from ledger.settings import Settings


def configured_rulebook(settings: Settings) -> Rulebook:
    """The shipped rulebook with this installation's policy values, provider profiles and
    registered locations (read from their files here: the domain does no I/O) and
    onboarding dates."""
    book = Rulebook.load_default(
        policy=settings.policy or None,
        provider_profiles=settings.provider_profiles or None,
        version=settings.rulebook_version,
        onboarding=settings.onboarding or None,
    )
    if settings.location_registers:
        book = book.with_registered_locations(read_registers(settings.location_registers))
    return book
