"""Which keys the ledger uses, decided once from the settings and handed to the adapters.

The signing key of the checkpoints lives in a file: `LEDGER_KEY_FILE`, else
`<sqlite file>.signing.key` beside a SQLite store, else
`$XDG_DATA_HOME/measure-ledger/<host>_<port>_<db>.signing.key` for PostgreSQL. The key of
the feed's `client_ref` comes from `LEDGER_FEED_KEY_FILE` (preferred: a file only the feed
can read) or `LEDGER_FEED_KEY`. The key of the report pseudonyms lives in a file like the
signing key (`LEDGER_REPORT_KEY_FILE`, else `.report.key` beside the store). None is ever
logged, printed or a command line argument.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from domain.feed_changes import MIN_KEY_BYTES
from domain.report.overview import MIN_REPORT_KEY_BYTES
from ledger.settings import Settings
from store.urls import StoreUrl


def signing_key_path(store: StoreUrl, settings: Settings) -> Path:
    """Where the signing key lives (see the module docstring)."""
    if settings.key_file:
        return Path(settings.key_file).expanduser()
    return _beside_store(store, "signing.key")


def report_key_path(store: StoreUrl, settings: Settings) -> Path:
    """Where the key of the report pseudonyms lives: like the signing key, its own file."""
    if settings.report_key_file:
        return Path(settings.report_key_file).expanduser()
    return _beside_store(store, "report.key")


def _beside_store(store: StoreUrl, suffix: str) -> Path:
    if store.dialect.name == "sqlite":
        return Path(store.environment()["SQLITE_DBNAME"] + "." + suffix)
    parts = urlsplit(store.url)
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    name = f"{parts.hostname}_{parts.port or 5432}_{parts.path.strip('/')}.{suffix}"
    return data_home / "measure-ledger" / name


class ReportKeyError(Exception):
    """The report key file cannot be read or is too short."""


def report_key(path: Path) -> bytes:
    """The report pseudonyms' key: read it, or create 32 random bytes (hex) with 0600.

    Created with O_EXCL, so two processes starting together agree on one key. Losing it
    changes every pseudonym of later reports (and `report --check` says so): back it up.
    """
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return report_key(path)
        key = secrets.token_hex(32).encode()
        with os.fdopen(fd, "wb") as out:
            out.write(key + b"\n")
    except OSError as error:
        raise ReportKeyError(f"cannot read the report key {path}: {error.strerror}") from None
    if len(key) < MIN_REPORT_KEY_BYTES:
        raise ReportKeyError(
            f"the report key {path} is too short: {len(key)} bytes, at least "
            f"{MIN_REPORT_KEY_BYTES} needed"
        )
    return key


class FeedKeyError(Exception):
    """No usable key for client_ref: the feed refuses to start."""


def feed_key(settings: Settings) -> bytes:
    """The HMAC key from a file or the environment; exactly one source, at least 32 bytes."""
    inline = settings.feed_key.get_secret_value() if settings.feed_key else ""
    if settings.feed_key_file and inline:
        raise FeedKeyError("set LEDGER_FEED_KEY_FILE or LEDGER_FEED_KEY, not both")
    if settings.feed_key_file:
        try:
            key = Path(settings.feed_key_file).read_bytes().strip()
        except OSError as error:
            raise FeedKeyError(
                f"cannot read LEDGER_FEED_KEY_FILE {settings.feed_key_file}: {error.strerror}"
            ) from None
    elif inline:
        key = inline.strip().encode()
    else:
        raise FeedKeyError(
            "no key for client_ref: set LEDGER_FEED_KEY_FILE (a file holding at least "
            f"{MIN_KEY_BYTES} random bytes, e.g. from `openssl rand -hex 32`) or LEDGER_FEED_KEY"
        )
    if len(key) < MIN_KEY_BYTES:
        raise FeedKeyError(
            f"the feed key is too short: {len(key)} bytes, at least {MIN_KEY_BYTES} needed "
            "(a short key lets anyone with the pseudonyms recompute client_ref)"
        )
    return key
