"""Providers' registered locations (Wzd art. 20, the locatieregister Wvggz/Wzd): one file per
provider, read once at the composition root and handed to the rulebook as data.

`LEDGER_LOCATION_REGISTERS` maps each provider to its file, as JSON:
`{"AGB:12345678": "/etc/measure-ledger/locations/agb-12345678.txt"}`. A file holds the
provider's registered location ids (the `location_id` its proposals carry, e.g. the KvK
vestigingsnummer), one per line; blank lines and text after `#` are ignored. A provider
without a file has no register configured, and WZD-LOCATION-UNREGISTERED stays silent for it.
A file that cannot be read, or holds no id, is a configuration error: an empty register
would flag every measure of the provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from domain.rulebook import RulebookError


class LocationRegisterError(RulebookError):
    """A configured location register cannot be used (a usage error, like a bad policy)."""


def parse_register(text: str) -> frozenset[str]:
    """The location ids in a register file's text."""
    ids = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(location for location in ids if location)


def read_registers(files: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """provider_id -> registered location ids, from the configured files."""
    registers = {}
    for provider, name in files.items():
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise LocationRegisterError(
                f"location register of {provider} ({name}): {error.__class__.__name__}"
            ) from None
        locations = parse_register(text)
        if not locations:
            raise LocationRegisterError(f"location register of {provider} ({name}) is empty")
        registers[provider] = locations
    return registers
