"""`verify`'s checks of the signed checkpoints: their sequence, signatures and outside copies.

None of them needs the events: the walk (store/verify.py) has already recomputed the chain
and filled the report's head; these compare checkpoints with it and with each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.chain import GENESIS
from store.chain_store import global_hash_at
from store.checkpoints import Checkpoint
from store.sql import SqlRunner
from store.verify_report import Damage, DamageFoundError, Outside, Report


def check_sequence(checkpoints: Sequence[Checkpoint]) -> None:
    """Ids run 1, 2, 3, … and each linked checkpoint signs the link of the one before.

    So a checkpoint deleted from the middle, renumbered or replaced is named; deleting the
    newest ones leaves a consistent shorter sequence, which only the records they covered
    (now unsealed) or an outside copy reveal.
    """
    previous: Checkpoint | None = None
    for expected, cp in enumerate(checkpoints, start=1):
        if cp.checkpoint_id != expected:
            raise DamageFoundError(
                Damage(
                    f"checkpoint {expected} is missing (the next one is {cp.checkpoint_id}): "
                    "checkpoints were deleted",
                    checkpoint_id=expected,
                )
            )
        if cp.linked:
            link = previous.link() if previous else GENESIS.hex()
            if cp.previous != link or (previous and cp.position < previous.position):
                raise DamageFoundError(
                    Damage(
                        f"checkpoint {expected} does not follow checkpoint {expected - 1}: "
                        "a checkpoint was replaced, reordered or inserted",
                        position=cp.position,
                        checkpoint_id=expected,
                    )
                )
        elif previous is not None and previous.linked:
            raise DamageFoundError(
                Damage(
                    f"checkpoint {expected} is unlinked but follows linked ones: inserted "
                    "outside the ledger",
                    position=cp.position,
                    checkpoint_id=expected,
                )
            )
        previous = cp


def check_outside(
    sql: SqlRunner,
    outside: Outside,
    checkpoints: Sequence[Checkpoint],
    trusted: Ed25519PublicKey | None,
    report: Report,
) -> None:
    """Every checkpoint the inspectorate holds must be in the ledger, and the chain extend it."""
    by_id = {cp.checkpoint_id: cp for cp in checkpoints}
    report.against_checkpoints = len(outside.checkpoints)
    for theirs in sorted(outside.checkpoints, key=lambda cp: (cp.position, cp.checkpoint_id or 0)):
        name = (
            outside.what
            if len(outside.checkpoints) == 1
            else f"checkpoint {theirs.checkpoint_id} of {outside.what}"
        )
        report.against = max(report.against or 0, theirs.position)
        check_checkpoint(theirs, trusted, report, name)
        with sql.transaction(commit=False) as c:
            stored = global_hash_at(c, theirs.position)
        if stored is None or stored.hex() != theirs.head_hash:
            raise DamageFoundError(
                Damage(
                    f"the ledger does not extend {name}: position {theirs.position} has hash "
                    f"{stored.hex() if stored else 'none'}, the checkpoint says "
                    f"{theirs.head_hash}",
                    position=theirs.position,
                    checkpoint_id=theirs.checkpoint_id,
                )
            )
        if theirs.checkpoint_id is None:
            continue  # exported before checkpoints carried their id
        ours = by_id.get(theirs.checkpoint_id)
        if ours is None:
            raise DamageFoundError(
                Damage(
                    f"{name} is missing from the ledger, which holds {len(checkpoints)} "
                    "checkpoints: checkpoints were deleted",
                    position=theirs.position,
                    checkpoint_id=theirs.checkpoint_id,
                )
            )
        if not ours.same_as(theirs):
            raise DamageFoundError(
                Damage(
                    f"the ledger's checkpoint {ours.checkpoint_id} differs from {name}: "
                    "the checkpoints were replaced",
                    position=theirs.position,
                    checkpoint_id=theirs.checkpoint_id,
                )
            )


def check_checkpoint(
    cp: Checkpoint, trusted: Ed25519PublicKey | None, report: Report, what: str
) -> None:
    if trusted is not None and not cp.signed_by(trusted):
        raise DamageFoundError(
            Damage(
                f"{what} at position {cp.position} is not signed by the trusted key "
                f"{report.key_id} (key id {cp.key_id!r}): forged or re-signed",
                position=cp.position,
                checkpoint_id=cp.checkpoint_id,
            )
        )
    if cp.position > report.head_position:
        raise DamageFoundError(
            Damage(
                f"{what} covers position {cp.position} but the chain ends at "
                f"{report.head_position}: records were removed from the end",
                position=cp.position,
                checkpoint_id=cp.checkpoint_id,
            )
        )
