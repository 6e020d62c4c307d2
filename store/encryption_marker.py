"""Whether a store's events are encrypted, and with which key: recorded once, checked on open.

Without this a store cannot tell: one ingest without `LEDGER_CIPHER_KEY` into an encrypted
store writes plaintext events beside ciphertext ones, the next `rebuild` with the right key
fails on them, and every view and alert is gone. So a store records its encryption when it
is first opened (`ledger_store_info`), as a key id that names the key without revealing it
(HMAC-SHA256 of a fixed label under the key), and every later open with no key, another key
or a key for a plain store is refused before anything is written.

A store made before the marker existed gets one on its first open, if its first stored event
reads with the configured key (or without one); otherwise that open is refused too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from store.sql import SqlRunner

DDL = "CREATE TABLE IF NOT EXISTS ledger_store_info (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
_PLAIN = "none"
_LABEL = b"measure-ledger/cipher-key-id/v1"


class StoreEncryptionError(Exception):
    """The configured cipher key does not fit the store; nothing was written."""


def cipher_key_id(key_b64: str | None) -> str:
    """`none`, or `aes-gcm:` and 16 hex digits that name the key (not derivable backwards)."""
    if not key_b64:
        return _PLAIN
    digest = hmac.new(base64.b64decode(key_b64), _LABEL, hashlib.sha256).hexdigest()
    return f"aes-gcm:{digest[:16]}"


def check_encryption(
    sql: SqlRunner,
    configured: str,
    first_event_reads: Callable[[], bool | None],
    where: str,
) -> None:
    """Record the store's encryption on first use; refuse an open that does not match it.

    `first_event_reads()` says whether the first stored event decodes with the configured
    cipher (None: the store has no events yet).
    """
    with sql.transaction(commit=True) as c:
        c.execute(DDL)
        row = c.execute("SELECT value FROM ledger_store_info WHERE name = 'encryption'").fetchone()
    recorded = row["value"] if row else None
    if recorded is None:
        readable = first_event_reads()
        if readable is False:
            raise StoreEncryptionError(_unreadable(where, configured))
        _record(sql, configured)
        return
    if recorded != configured:
        raise StoreEncryptionError(_mismatch(where, recorded, configured))


def _record(sql: SqlRunner, configured: str) -> None:
    with sql.transaction(commit=True) as c:
        c.execute(
            "INSERT INTO ledger_store_info (name, value) VALUES ('encryption', ?) "
            "ON CONFLICT (name) DO NOTHING",
            [configured],
        )


def _mismatch(where: str, recorded: str, configured: str) -> str:
    if recorded == _PLAIN:
        return (
            f"{where} stores its events unencrypted, but LEDGER_CIPHER_KEY is set; unset it "
            "to use this store (a store is encrypted from its first event or not at all)"
        )
    if configured == _PLAIN:
        return (
            f"{where} is encrypted (key id {recorded.removeprefix('aes-gcm:')}); set "
            "LEDGER_CIPHER_KEY to its key: without it, events would be stored in the clear"
        )
    return (
        f"{where} is encrypted with another key (key id {recorded.removeprefix('aes-gcm:')}, "
        f"configured {configured.removeprefix('aes-gcm:')}); set LEDGER_CIPHER_KEY to the "
        "store's key"
    )


def _unreadable(where: str, configured: str) -> str:
    if configured == _PLAIN:
        return f"{where} holds encrypted events; set LEDGER_CIPHER_KEY to its key"
    return f"{where} holds events that do not decrypt with LEDGER_CIPHER_KEY; use its key"


def first_event_reads(app: Any) -> bool | None:
    """Whether the store's first event decodes with the application's cipher (None: none)."""
    page = app.recorder.select_notifications(1, 1)
    if not page:
        return None
    try:
        app.mapper.to_domain_event(page[0])
    except Exception:  # a wrong key, no key for ciphertext, or a cipher for plaintext
        return False
    return True
