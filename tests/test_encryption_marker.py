"""A store knows whether its events are encrypted and with which key, and refuses the wrong open.

Before, one ingest without `LEDGER_CIPHER_KEY` into an encrypted store wrote plaintext
events, and the next `rebuild` with the right key emptied the views and crashed: every alert
silently gone. Now that ingest is refused (exit 2, a clear line) before anything is written.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
from pathlib import Path

import pytest

from cli.main import main
from ledger.service import Ledger
from store.encryption_marker import StoreEncryptionError, cipher_key_id
from tests.conftest import lifecycle, line, messages

KEY_1 = base64.b64encode(b"1" * 32).decode()
KEY_2 = base64.b64encode(b"2" * 32).decode()
LEGACY = Path(__file__).parent / "data" / "store-2026-11" / "store.db"


def _events(store_url: str) -> int:
    ledger = Ledger(store_url)
    try:
        return ledger.app.recorder.max_notification_id() or 0
    finally:
        ledger.close()


@pytest.fixture
def encrypted(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LEDGER_CIPHER_KEY", KEY_1)
    ledger = Ledger(store_url)
    ledger.submit(messages(*lifecycle()))
    ledger.close()
    return store_url


def _ingest(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "more.jsonl"
    path.write_bytes(b"\n".join(line(e) for e in lifecycle("m2")) + b"\n")
    code = main(["--store", store_url, "ingest", str(path), "--no-progress"])
    return code, capsys.readouterr().err


def test_an_ingest_without_the_key_is_refused_before_writing(
    encrypted: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _events(encrypted)
    monkeypatch.delenv("LEDGER_CIPHER_KEY")
    code, err = _ingest(encrypted, tmp_path, capsys)
    assert code == 2
    assert f"is encrypted (key id {cipher_key_id(KEY_1).removeprefix('aes-gcm:')})" in err
    assert "Traceback" not in err
    monkeypatch.setenv("LEDGER_CIPHER_KEY", KEY_1)
    assert _events(encrypted) == before
    # Nothing was lost: a rebuild with the right key still has every alert.
    assert main(["--store", encrypted, "rebuild", "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["--store", encrypted, "alerts", "--all", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) != []


def test_another_key_is_refused(
    encrypted: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LEDGER_CIPHER_KEY", KEY_2)
    code, err = _ingest(encrypted, tmp_path, capsys)
    assert (code, "is encrypted with another key" in err) == (2, True)
    with pytest.raises(StoreEncryptionError):
        Ledger(encrypted)


def test_the_right_key_opens_it(
    encrypted: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _ingest(encrypted, tmp_path, capsys)
    assert (code, err) == (0, "")


def test_a_key_for_a_plain_store_is_refused(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ledger = Ledger(store_url)
    ledger.submit(messages(*lifecycle()))
    ledger.close()
    monkeypatch.setenv("LEDGER_CIPHER_KEY", KEY_1)
    code, err = _ingest(store_url, tmp_path, capsys)
    assert code == 2
    assert "stores its events unencrypted, but LEDGER_CIPHER_KEY is set" in err


def test_a_store_from_before_the_marker_gets_one_if_its_events_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(LEGACY, tmp_path / "old.db")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "k"))
    monkeypatch.setenv("LEDGER_CIPHER_KEY", KEY_1)
    with pytest.raises(StoreEncryptionError, match="do not decrypt"):
        Ledger(url)  # its plaintext events do not read with a cipher
    monkeypatch.delenv("LEDGER_CIPHER_KEY")
    Ledger(url).close()  # they read without one: recorded as a plain store
    monkeypatch.setenv("LEDGER_CIPHER_KEY", KEY_1)
    with pytest.raises(StoreEncryptionError, match="unencrypted"):
        Ledger(url)


def test_the_key_id_names_the_key_without_revealing_it() -> None:
    assert cipher_key_id(None) == "none"
    assert cipher_key_id(KEY_1) != cipher_key_id(KEY_2)
    assert cipher_key_id(KEY_1).startswith("aes-gcm:") and len(cipher_key_id(KEY_1)) == 24
    assert KEY_1 not in cipher_key_id(KEY_1)


def test_a_new_sqlite_store_and_its_wal_are_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'private.db'}"
    ledger = Ledger(url)
    ledger.submit(messages(*lifecycle()))
    try:
        for name in ("private.db", "private.db-wal", "private.db-shm"):
            path = tmp_path / name
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert (tmp_path / "private.db-wal").exists()  # the check above did look at a WAL
    finally:
        ledger.close()
