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

from domain.chain import GENESIS, checkpoint_link, checkpoint_message, checkpoint_message_v2
from store.chain_store import chain_head
from store.sql import SqlCursor, SqlRunner

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
    """One signed chain head.

    `previous` (hex) is the link of checkpoint `checkpoint_id - 1` (`GENESIS` for the
    first); a checkpoint without it was signed before checkpoints were linked (message v1).
    """

    position: int
    head_hash: str  # hex
    created_at: str  # ISO 8601 UTC
    key_id: str
    signature: str  # hex
    checkpoint_id: int | None = None
    previous: str | None = None  # hex; None: an unlinked (v1) checkpoint

    @property
    def linked(self) -> bool:
        return self.previous is not None

    def message(self) -> bytes:
        head = bytes.fromhex(self.head_hash)
        if self.previous is None:
            return checkpoint_message(self.position, head, self.created_at, self.key_id)
        return checkpoint_message_v2(
            self.checkpoint_id or 0,
            self.position,
            head,
            self.created_at,
            self.key_id,
            bytes.fromhex(self.previous),
        )

    def link(self) -> str:
        """The hex hash the next checkpoint signs as its `previous`."""
        return checkpoint_link(self.message(), bytes.fromhex(self.signature)).hex()

    def same_as(self, other: Checkpoint) -> bool:
        """Every signed field equal: the same checkpoint, wherever the copy came from."""
        return self.message() == other.message() and self.signature == other.signature

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
        missing = [f for f in fields if f not in body]
        if missing:
            raise ValueError(f"checkpoint document lacks {', '.join(missing)}")
        _check_fields(body)
        return cls(
            **{f: body[f] for f in fields},
            checkpoint_id=body.get("checkpoint_id"),
            previous=body.get("previous"),
        )


def _check_fields(body: dict[str, Any]) -> None:
    """Each field of an outside document has its type and length, or it names the field."""

    def integer(name: str, value: Any, least: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"checkpoint field {name} must be an integer >= {least}")

    def hex_digits(name: str, value: Any, length: int) -> None:
        ok = isinstance(value, str) and len(value) == length
        if not ok or any(ch not in "0123456789abcdef" for ch in value):
            raise ValueError(f"checkpoint field {name} must be {length} lowercase hex digits")

    integer("position", body["position"], 0)
    if body.get("checkpoint_id") is not None:
        integer("checkpoint_id", body["checkpoint_id"], 1)
    hex_digits("head_hash", body["head_hash"], 64)
    hex_digits("signature", body["signature"], 128)
    hex_digits("key_id", body["key_id"], 16)
    if body.get("previous") is not None:
        hex_digits("previous", body["previous"], 64)
    if not isinstance(body["created_at"], str):
        raise ValueError("checkpoint field created_at must be a string")


_COLUMNS = "checkpoint_id, position, head_hash, created_at, key_id, signature, previous"
_ADD_PREVIOUS = "ALTER TABLE ledger_checkpoints ADD COLUMN previous TEXT"


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

    def upgrade_table(self) -> None:
        """Stores from before linked checkpoints get the `previous` column (NULL there: v1)."""
        postgres = self.sql.dialect.name == "postgresql"
        probe = (
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'ledger_checkpoints'"
            if postgres
            else "PRAGMA table_info(ledger_checkpoints)"
        )
        with self.sql.transaction(commit=False) as c:
            columns = {r["name"] for r in c.execute(probe).fetchall()}
        if "previous" in columns:
            return
        with self.sql.transaction(commit=True) as c:  # two processes may both get here
            if postgres:
                c.execute(_ADD_PREVIOUS.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"))
            elif "previous" not in {r["name"] for r in c.execute(probe).fetchall()}:
                c.execute(_ADD_PREVIOUS)

    def seal(self, *, force: bool = False) -> Checkpoint | None:
        """Sign the current head, unless the latest checkpoint already covers it.

        Head, latest checkpoint and the new row are read and written in one transaction
        under a lock, so ids stay a gap-free sequence from 1 and each checkpoint links to
        the one before it even with several processes sealing at once.
        """
        with self.sql.transaction(commit=True) as c:
            sealed = self.seal_in(c, force=force)
        return self.latest() if sealed else None

    def seal_in(self, c: SqlCursor, *, force: bool = False) -> bool:
        """`seal` inside the caller's transaction (the write path's: events and their
        checkpoint commit together); True when a checkpoint was written."""
        key = self.key
        self._lock(c)
        position, head = chain_head(c)
        latest = _latest(c)
        if latest is not None and latest.position == position and not force:
            return False
        cp = Checkpoint(
            position=position,
            head_hash=head.hex(),
            created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
            key_id=key_id(key.public_key()),
            signature="",
            checkpoint_id=(latest.checkpoint_id or 0) + 1 if latest else 1,
            previous=latest.link() if latest else GENESIS.hex(),
        )
        signature = key.sign(cp.message()).hex()
        c.execute(
            f"INSERT INTO ledger_checkpoints ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [cp.checkpoint_id, position, cp.head_hash, cp.created_at, cp.key_id, signature,
             cp.previous],
        )  # fmt: skip
        return True

    def _lock(self, c: SqlCursor) -> None:
        """SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a lock."""
        if self.sql.dialect.name == "postgresql":
            c.execute("LOCK TABLE ledger_checkpoints IN SHARE ROW EXCLUSIVE MODE")

    def latest(self) -> Checkpoint | None:
        with self.sql.transaction(commit=False) as c:
            return _latest(c)

    def all(self) -> list[Checkpoint]:
        with self.sql.transaction(commit=False) as c:
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM ledger_checkpoints ORDER BY checkpoint_id"
            ).fetchall()
        return [_checkpoint(r) for r in rows]

    def after(self, checkpoint_id: int, limit: int) -> list[Checkpoint]:
        """The checkpoints with a higher id, oldest first (what the feed has still to send)."""
        with self.sql.transaction(commit=False) as c:
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM ledger_checkpoints WHERE checkpoint_id > ? "
                "ORDER BY checkpoint_id LIMIT ?",
                [checkpoint_id, limit],
            ).fetchall()
        return [_checkpoint(r) for r in rows]


def _latest(c: SqlCursor) -> Checkpoint | None:
    row = c.execute(
        f"SELECT {_COLUMNS} FROM ledger_checkpoints ORDER BY checkpoint_id DESC LIMIT 1"
    ).fetchone()
    return _checkpoint(row) if row else None


def _checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(
        position=row["position"],
        head_hash=row["head_hash"],
        created_at=row["created_at"],
        key_id=row["key_id"],
        signature=row["signature"],
        checkpoint_id=row["checkpoint_id"],
        previous=row["previous"],
    )
