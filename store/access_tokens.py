"""Access tokens for `serve`: who may read what, each stored only as a hash of its secret.

A token is `mlt_<token_id>_<secret>`. The id (12 hex characters) is not secret: it names the
token in `token list`, `token revoke` and the access log, and finds its row without a scan.
The secret (`secrets.token_urlsafe(32)`, 256 bits) is shown once, when the token is made, and
never stored: the table keeps its SHA-256, so a copy of the database (a backup, a replica, a
support dump) lets no one read as anyone.

A role says what a token may do (docs/access.md); `provider`, `ingest` and `privacy` act for
one or more providers and must name them, `inspectorate` reads every provider and names none
(a provider list on it would look like a limit that nothing enforces).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.identifiers import looks_like_bsn
from store.sql import SqlRunner, utc_key

ROLES = ("provider", "inspectorate", "ingest", "privacy")
#: Roles that act for named providers; the rest (the inspectorate) read every provider.
SCOPED_ROLES = frozenset({"provider", "ingest", "privacy"})
PREFIX = "mlt"
MAX_LABEL = 100
_TOKEN_ID = re.compile(r"[0-9a-f]{12}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32): 32 bytes, base64url, no padding
_PROVIDER_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: Longer than any token this module makes; longer input is refused before it is hashed.
MAX_TOKEN_CHARS = 80
#: Compared against when the id is unknown, so both answers take the same work.
_NO_HASH = hashlib.sha256(b"no such token").hexdigest()

DDL = (
    "CREATE TABLE IF NOT EXISTS ledger_access_tokens ("
    "token_id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL, role TEXT NOT NULL, "
    "providers TEXT NOT NULL, label TEXT NOT NULL, created_at TEXT NOT NULL, "
    "created_utc TEXT NOT NULL, revoked_at TEXT)"
)


class TokenError(ValueError):
    """A token that cannot be made as asked: unknown role, providers that do not fit, a bad
    label. The message names what to change."""


@dataclass(frozen=True)
class TokenRecord:
    """What is known about a token; never its secret, nor the secret's hash."""

    token_id: str
    role: str
    providers: tuple[str, ...]
    label: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def check_grant(role: str, providers: Iterable[str]) -> tuple[str, ...]:
    """The providers a token of `role` acts for, each once in the order given; or TokenError."""
    if role not in ROLES:
        raise TokenError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    chosen = tuple(dict.fromkeys(providers))
    if role not in SCOPED_ROLES:
        if chosen:
            raise TokenError(f"{_a(role)} token reads every provider; give it no --provider")
        return ()
    if not chosen:
        raise TokenError(f"{_a(role)} token needs at least one --provider")
    for provider in chosen:
        if not _PROVIDER_ID.fullmatch(provider):
            raise TokenError(
                f"provider id {provider!r}: 1-128 characters of A-Za-z0-9._:- (CONTRACT §1)"
            )
        if looks_like_bsn(provider):
            raise TokenError(f"provider id {provider!r} holds a BSN-like number")
    return chosen


def _a(role: str) -> str:
    return f"{'an' if role[0] in 'aeiou' else 'a'} {role}"


def check_label(label: str) -> str:
    """A label names the person or system holding the token: 1-100 printable characters.

    It is shown in tables and written to the access log, so no line breaks or control
    characters (they would forge lines), and no BSN-like number (the ledger never holds one).
    """
    if not label.strip():
        raise TokenError("the label must not be empty; name the person or system")
    if len(label) > MAX_LABEL:
        raise TokenError(f"the label has {len(label)} characters; at most {MAX_LABEL}")
    if not label.isprintable():
        raise TokenError("the label must be printable: no line breaks or control characters")
    if looks_like_bsn(label):
        raise TokenError("the label holds a BSN-like number; name the person another way")
    return label


def digest(secret: str) -> str:
    """SHA-256 of the secret, hex.

    A fast hash is right here and a password hash (bcrypt, argon2) would be wrong: those slow
    down guessing a low-entropy password, while this secret is 256 random bits that no one
    can guess at any speed. Slowness would only cost every API request its latency.
    """
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse_token(token: str) -> tuple[str, str] | None:
    """(token_id, secret) of a well-formed token string, else None."""
    if len(token) > MAX_TOKEN_CHARS:
        return None
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token_id, secret = parts[1], parts[2]
    if not _TOKEN_ID.fullmatch(token_id) or not _SECRET.fullmatch(secret):
        return None
    return token_id, secret


class AccessTokens:
    def __init__(self, sql: SqlRunner) -> None:
        self.sql = sql

    def create_table(self) -> None:
        with self.sql.transaction(commit=True) as c:
            c.execute(DDL)

    def create(
        self, role: str, providers: Iterable[str], label: str, now: datetime
    ) -> tuple[TokenRecord, str]:
        """A new token: its record, and the token string, which nothing can show again."""
        chosen = check_grant(role, providers)
        check_label(label)
        if now.tzinfo is None:
            raise ValueError("now must carry an offset")
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self.sql.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO ledger_access_tokens (token_id, secret_sha256, role, providers, "
                "label, created_at, created_utc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    token_id,
                    digest(secret),
                    role,
                    json.dumps(chosen),
                    label,
                    now.isoformat(),
                    utc_key(now),
                ],
            )
        record = TokenRecord(token_id, role, chosen, label, now, None)
        return record, f"{PREFIX}_{token_id}_{secret}"

    def list(self) -> list[TokenRecord]:
        """Every token, revoked ones too, oldest first."""
        with self.sql.transaction(commit=False) as c:
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM ledger_access_tokens ORDER BY created_utc, token_id"
            ).fetchall()
        return [_record(r) for r in rows]

    def get(self, token_id: str) -> TokenRecord | None:
        with self.sql.transaction(commit=False) as c:
            row = c.execute(
                f"SELECT {_COLUMNS} FROM ledger_access_tokens WHERE token_id = ?", [token_id]
            ).fetchone()
        return None if row is None else _record(row)

    def revoke(self, token_id: str, now: datetime) -> bool:
        """Revoke the token from `now` on; False if there is no such token. A token revoked
        before keeps its first revocation time: that is when it stopped working."""
        if now.tzinfo is None:
            raise ValueError("now must carry an offset")
        with self.sql.transaction(commit=True) as c:
            row = c.execute(
                "SELECT revoked_at FROM ledger_access_tokens WHERE token_id = ?", [token_id]
            ).fetchone()
            if row is None:
                return False
            if row["revoked_at"] is None:
                c.execute(
                    "UPDATE ledger_access_tokens SET revoked_at = ? "
                    "WHERE token_id = ? AND revoked_at IS NULL",
                    [now.isoformat(), token_id],
                )
        return True

    def authenticate(self, token: str) -> TokenRecord | None:
        """The record of an active token; None for a malformed, unknown or revoked one.

        The three are not told apart to the caller: an answer that says "revoked" or "no such
        id" tells someone probing tokens which ids exist.
        """
        parsed = parse_token(token)
        if parsed is None:
            return None
        token_id, secret = parsed
        with self.sql.transaction(commit=False) as c:
            row = c.execute(
                f"SELECT {_COLUMNS}, secret_sha256 FROM ledger_access_tokens WHERE token_id = ?",
                [token_id],
            ).fetchone()
        stored = _NO_HASH if row is None else row["secret_sha256"]
        if not hmac.compare_digest(digest(secret), stored) or row is None:
            return None
        record = _record(row)
        return record if record.active else None


_COLUMNS = "token_id, role, providers, label, created_at, revoked_at"


def _record(row: Any) -> TokenRecord:
    revoked = row["revoked_at"]
    return TokenRecord(
        token_id=row["token_id"],
        role=row["role"],
        providers=tuple(json.loads(row["providers"])),
        label=row["label"],
        created_at=datetime.fromisoformat(row["created_at"]),
        revoked_at=None if revoked is None else datetime.fromisoformat(revoked),
    )
