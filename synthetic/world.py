"""The cast of the synthetic stream: providers, their staff and locations, and clients.

Every identifier is a pseudonym shaped like what real care systems send (an AGB code for the
provider, short hex pseudonyms for clients and staff) and none contains a nine-digit run, so
nothing the generator writes can be mistaken for a BSN by the ledger's guard.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: Share of measures per framework: the Wzd dominates the national registrations.
FRAMEWORK_WEIGHTS: dict[str, float] = {"wzd": 0.62, "wvggz": 0.24, "jeugdwet": 0.14}

#: Each provider mostly works under one law (VG/PG care, GGZ, JeugdzorgPlus).
PROVIDER_KINDS: tuple[str, ...] = ("wzd", "wvggz", "jeugdwet")

UNITS: tuple[str, ...] = (
    "Afdeling De Linde",
    "Woongroep Het Anker",
    "Huis Zonnehoek",
    "Paviljoen Eikenhof",
    "Groep Horizon",
    "Kliniek De Berk",
    "Woonvoorziening Het Baken",
)

_STAFF_PREFIX: dict[str, str] = {
    "zorgverantwoordelijke": "zv",
    "wzd_functionaris": "wf",
    "geneesheer_directeur": "gd",
    "arts": "ar",
    "gedragswetenschapper": "gw",
    "external_expert": "ex",
    "jeugdhulpverlener": "jh",
    "administrator": "ad",
}


@dataclass(frozen=True, slots=True)
class Provider:
    """One care provider: its AGB-style id, main law, locations and staff pseudonyms."""

    provider_id: str
    kind: str
    locations: tuple[str, ...]
    staff: dict[str, tuple[str, ...]] = field(hash=False)


def agb_code(index: int) -> str:
    """A distinct eight-digit AGB-style provider id per index (multiplication by a prime is
    a bijection mod 9e7, so ids never collide across benchmark cohorts)."""
    return f"AGB:{10_000_000 + (index * 7_919 + 2_210_377) % 90_000_000:08d}"


def client_pseudonym(index: int, salt: int) -> str:
    """A distinct `cl-xxxxxx` pseudonym: an odd multiplier is a bijection mod 2**24."""
    return f"cl-{(index * 0x9E3779B1 + salt) % (1 << 24):06x}"


def make_provider(rng: random.Random, index: int, kind: str) -> Provider:
    """A provider with 2–5 locations (twelve-digit vestigingsnummers) and a small staff."""
    locations = tuple(f"{rng.randrange(10**11, 10**12)}" for _ in range(rng.randint(2, 5)))
    staff = {
        role: tuple(f"{prefix}-{rng.getrandbits(16):04x}" for _ in range(rng.randint(2, 5)))
        for role, prefix in _STAFF_PREFIX.items()
    }
    return Provider(agb_code(index), kind, locations, staff)


def make_providers(rng: random.Random, count: int, first_index: int = 0) -> list[Provider]:
    """`count` providers cycling through the three kinds; a single provider does everything."""
    if count < 1:
        raise ValueError("providers must be at least 1")
    kinds = ["mixed"] if count == 1 else [PROVIDER_KINDS[i % 3] for i in range(count)]
    return [make_provider(rng, first_index + i, kind) for i, kind in enumerate(kinds)]


def pick_framework(rng: random.Random) -> str:
    """A framework drawn with the national mix."""
    return rng.choices(tuple(FRAMEWORK_WEIGHTS), weights=tuple(FRAMEWORK_WEIGHTS.values()))[0]


def pick_provider(rng: random.Random, providers: list[Provider], framework: str) -> Provider:
    """Mostly a provider of that law's kind; sometimes another (a GGZ client on a VG ward)."""
    own = [p for p in providers if p.kind in (framework, "mixed")]
    if own and rng.random() < 0.9:
        return rng.choice(own)
    return rng.choice(providers)
