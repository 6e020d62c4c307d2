"""Signed checkpoints: the chain head at a moment, signed with the ledger's Ed25519 key.

A checkpoint is what leaves the building: the inspectorate keeps exported checkpoints and
the public key, and a later `verify --against` proves the ledger still extends them. The
private key lives in a file (0600, created on first use, never logged); which file is the
composition root's choice (ledger/keys.py), handed to `Checkpoints`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.chain import checkpoint_message
from store.chain_store import chain_head
from store.sql import SqlRunner

FORMAT = "measure-ledger-checkpoint/v1"


class KeyFileError(Exception):
    """The signing key or a public key file cannot be read."""


def key_id(public: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw 32-byte public key: a name, not a proof."""
    return hashlib.sha256(raw_public(public)).hexdigest()[:16]


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """Read the PKCS#8 PEM key, or create it with 0600 permissions if there is none yet."""
    try:
        return _read_private(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written whole under a temporary name, then linked into place: the key file appears
    # complete or not at all, so several processes starting at once (compose's consumers)
    # never read a half-written key; the loser of the race reads the winner's.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_private(path)
    finally:
        os.unlink(temporary)
    return key


def _read_private(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise KeyFileError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file as exported by `checkpoint --public-key` (PEM)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise KeyFileError(f"cannot read public key {path}: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} is not an Ed25519 public key")
    return key


@dataclass(frozen=True, slots=True)
class Checkpoint:
    position: int
    head_hash: str  # hex
    created_at: str  # ISO 8601 UTC
    key_id: str
    signature: str  # hex
    checkpoint_id: int | None = None

    def message(self) -> bytes:
        return checkpoint_message(
            self.position, bytes.fromhex(self.head_hash), self.created_at, self.key_id
        )

    def signed_by(self, public: Ed25519PublicKey) -> bool:
        if self.key_id != key_id(public):
            return False
        try:
            public.verify(bytes.fromhex(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def export(self, public: Ed25519PublicKey | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"format": FORMAT, **asdict(self)}
        if public is not None:
            body["public_key"] = public_pem(public)
        return body

    @classmethod
    def from_export(cls, body: dict[str, Any]) -> Checkpoint:
        if body.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document")
        fields = ("position", "head_hash", "created_at", "key_id", "signature")
        return cls(**{f: body[f] for f in fields}, checkpoint_id=body.get("checkpoint_id"))


_COLUMNS = "checkpoint_id, position, head_hash, created_at, key_id, signature"


class Checkpoints:
    """Records and reads the signed checkpoints of one store."""

    def __init__(self, sql: SqlRunner, key_path: Path) -> None:
        self.sql = sql
        self.key_path = key_path
        self._key: Ed25519PrivateKey | None = None

    @property
    def key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = load_or_create_key(self.key_path)
        return self._key

    def seal(self, *, force: bool = False) -> Checkpoint | None:
        """Sign the current head, unless the latest checkpoint already covers it."""
        with self.sql.transaction(commit=False) as c:
            position, head = chain_head(c)
        latest = self.latest()
        if latest is not None and latest.position == position and not force:
            return None
        kid = key_id(self.key.public_key())
        created_at = datetime.now(UTC).isoformat(timespec="microseconds")
        signature = self.key.sign(checkpoint_message(position, head, created_at, kid)).hex()
        with self.sql.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO ledger_checkpoints "
                "(position, head_hash, created_at, key_id, signature) VALUES (?, ?, ?, ?, ?)",
                [position, head.hex(), created_at, kid, signature],
            )
        return self.latest()

    def latest(self) -> Checkpoint | None:
        with self.sql.transaction(commit=False) as c:
            row = c.execute(
                f"SELECT {_COLUMNS} FROM ledger_checkpoints ORDER BY checkpoint_id DESC LIMIT 1"
            ).fetchone()
        return _checkpoint(row) if row else None

    def all(self) -> list[Checkpoint]:
        with self.sql.transaction(commit=False) as c:
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM ledger_checkpoints ORDER BY checkpoint_id"
            ).fetchall()
        return [_checkpoint(r) for r in rows]


def _checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(
        position=row["position"],
        head_hash=row["head_hash"],
        created_at=row["created_at"],
        key_id=row["key_id"],
        signature=row["signature"],
        checkpoint_id=row["checkpoint_id"],
    )
