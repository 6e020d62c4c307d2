"""What `verify` found: the report, its states, and the first damage it names.

Kept apart from the walk (store/verify.py) and the checkpoint checks
(store/verify_checkpoints.py) so that both can raise and fill the same report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from domain.chain import GENESIS
from store.checkpoints import Checkpoint


@dataclass
class Damage:
    """The first place where the ledger is not what was chained and signed."""

    problem: str
    position: int | None = None
    provider_id: str | None = None
    measure_id: str | None = None  # the stream's ref: measure or authorisation id
    event_id: str | None = None
    stream_id: str | None = None
    version: int | None = None
    checkpoint_id: int | None = None


#: How long records may wait for their checkpoint: the gap between storing a batch and
#: signing it is one transaction, so a record older than this and still unsigned is unsealed.
DEFAULT_GRACE_S = 60.0

INTACT, DAMAGED, UNSEALED, EMPTY, UNCHECKED = "intact", "damaged", "unsealed", "empty", "unchecked"


@dataclass
class Report:
    """What was verified: records up to `head_position` (all of them when intact).

    `state` says what the result means: `intact` (exit 0), `damaged`, `unsealed`, `empty`
    (exit 1), `unchecked` (the chain is whole but no key was at hand for the signatures).
    """

    records: int = 0
    head_position: int = 0
    head_hash: str = GENESIS.hex()
    checkpoints: int = 0
    key_id: str | None = None
    against: int | None = None
    unsigned_records: int = 0  # after the latest checkpoint: in flight, or unsealed
    damage: Damage | None = None
    state: str = INTACT
    signatures: str = "checked"
    against_checkpoints: int = 0

    @property
    def intact(self) -> bool:
        return self.state == INTACT

    def as_dict(self) -> dict[str, Any]:
        return {"intact": self.intact, **asdict(self)}


@dataclass(frozen=True, slots=True)
class Outside:
    """Checkpoints kept outside the provider (an exported file, the checkpoint topic)."""

    what: str  # "the exported checkpoint", "the topic measure-checkpoints"
    checkpoints: Sequence[Checkpoint]


class DamageFoundError(Exception):
    """Stops the walk at the first damage."""

    def __init__(self, damage: Damage) -> None:
        self.damage = damage
