"""Tamper evidence of the seals: checkpoints deleted, renumbered or unsealed records, and a
verifier without the key. `verify` must never call such a ledger intact, on both stores.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from cli.main import main
from domain.chain import GENESIS
from ledger.service import Ledger
from store.checkpoints import Checkpoint, key_id
from tests.conftest import lifecycle, messages
from tests.tamper_fixtures import PROVIDER, key_file, named, rechain, sql, stored, verify  # noqa: F401 - fixtures, used by name


def test_verify_without_a_key_checks_the_chain_and_says_unchecked(
    stored: Ledger, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No key file: the chain is still checked and printed; exit 2, "cannot fully check"."""
    key_file.unlink()
    code, report = verify(stored.store.url, capsys)
    assert code == 2
    assert (report["state"], report["intact"], report["records"]) == ("unchecked", False, 18)
    assert report["signatures"].startswith(f"unchecked: no key file at {key_file}")
    assert report["damage"] is None


def test_edited_event_is_caught_with_the_key_file_deleted(
    stored: Ledger, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The chain needs no key: deleting the key file does not hide an edited event."""
    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 4", [b'{"forged":true}'])
    key_file.unlink()
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert report["state"] == "damaged"
    assert named(report) == (4, PROVIDER, "m1", "m1-3")
    assert report["signatures"].startswith("unchecked: no key file")


def test_a_key_file_that_is_not_a_key_is_named_so(
    stored: Ledger, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A garbage key file is "not a key", not "missing"; the chain result is still printed."""
    key_file.write_bytes(b"this is not a PEM key\n")
    main(["--store", stored.store.url, "verify", "--no-progress"])
    captured = capsys.readouterr()
    assert "unchecked" in captured.out and "records" in captured.out
    assert "not an Ed25519 key file" in captured.err
    assert "missing" not in captured.err
    code, report = verify(stored.store.url, capsys)
    assert (code, report["state"], report["records"]) == (2, "unchecked", 18)
    assert "this is not a PEM key" not in json.dumps(report)


def test_deleted_checkpoints_leave_the_ledger_unsealed(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edit, rechain, delete every checkpoint: the records are covered by no signature."""
    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 4", [b'{"forged":true}'])
    rechain(stored)
    sql(stored, "DELETE FROM ledger_checkpoints")
    code, report = verify(stored.store.url, capsys, "--grace", "0")
    assert code == 1
    assert (report["state"], report["checkpoints"], report["unsigned_records"]) == (
        "unsealed",
        0,
        18,
    )
    assert report["damage"]["position"] == 1
    assert report["damage"]["problem"].startswith("unsealed: 18 records after position 0")


def test_records_of_a_batch_in_flight_are_not_unsealed(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unsigned records younger than the grace window are a batch still being signed."""
    sql(stored, "DELETE FROM ledger_checkpoints WHERE checkpoint_id = 2")
    code, report = verify(stored.store.url, capsys)
    assert (code, report["state"], report["unsigned_records"]) == (0, "intact", 9)
    code, report = verify(stored.store.url, capsys, "--grace", "0")
    assert (code, report["state"]) == (1, "unsealed")
    assert named(report) == (10, PROVIDER, "m2", None)  # the opening of m2's stream


def test_an_emptied_ledger_is_not_intact(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deleting every event, chain row and checkpoint leaves nothing to call intact."""
    for table in ("{events}", "ledger_chain", "ledger_checkpoints"):
        sql(stored, f"DELETE FROM {table}")
    code, report = verify(stored.store.url, capsys)
    assert (code, report["state"], report["records"]) == (1, "empty", 0)
    assert "empty ledger is not an intact one" in report["damage"]["problem"]


def test_a_checkpoint_deleted_from_the_sequence_is_named(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checkpoint ids run from 1 without gaps: deleting one names the missing id."""
    sql(stored, "DELETE FROM ledger_checkpoints WHERE checkpoint_id = 1")
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert report["damage"]["checkpoint_id"] == 1
    assert "checkpoint 1 is missing (the next one is 2)" in report["damage"]["problem"]


def test_a_renumbered_checkpoint_breaks_the_checkpoint_chain(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Closing the gap by renumbering fails: each checkpoint signs its id and predecessor."""
    sql(stored, "DELETE FROM ledger_checkpoints WHERE checkpoint_id = 1")
    sql(stored, "UPDATE ledger_checkpoints SET checkpoint_id = 1 WHERE checkpoint_id = 2")
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert report["damage"]["checkpoint_id"] == 1
    assert "does not follow" in report["damage"]["problem"]


def test_an_exported_checkpoint_catches_deleted_newest_checkpoints(
    stored: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The number of checkpoints only grows: one the inspectorate holds must still be there."""
    exported = tmp_path / "cp.json"
    assert main(["--store", stored.store.url, "checkpoint", "--export", str(exported)]) == 0
    capsys.readouterr()
    assert json.loads(exported.read_text())["checkpoint_id"] == 2
    sql(stored, "DELETE FROM ledger_checkpoints WHERE checkpoint_id = 2")
    code, report = verify(stored.store.url, capsys, "--against", str(exported))
    assert code == 1
    assert report["damage"]["checkpoint_id"] == 2
    assert "missing from the ledger" in report["damage"]["problem"]


def test_checkpoints_are_numbered_from_one_and_linked(stored: Ledger) -> None:
    """Each checkpoint signs its own id and the link of the one before (GENESIS first)."""
    first, second = stored.checkpoints.all()
    assert (first.checkpoint_id, second.checkpoint_id) == (1, 2)
    assert (first.previous, second.previous) == (GENESIS.hex(), first.link())
    public = stored.checkpoints.key.public_key()
    assert first.signed_by(public) and second.signed_by(public)
    assert not replace(second, checkpoint_id=3).signed_by(public)


def test_key_file_is_private_and_public_key_exports(
    stored: Ledger, key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The signing key is created 0600; the exported checkpoint names the public key's id."""
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    public = tmp_path / "pub.pem"
    assert (
        main(
            [
                "--store",
                stored.store.url,
                "checkpoint",
                "--format",
                "json",
                "--public-key",
                str(public),
            ]
        )
        == 0
    )
    body = json.loads(capsys.readouterr().out)
    assert body["key_id"] == key_id(stored.checkpoints.key.public_key())
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert Checkpoint.from_export(body).signed_by(stored.checkpoints.key.public_key())


def test_a_batch_of_duplicates_adds_no_checkpoint(stored: Ledger) -> None:
    """Checkpoints follow the head: a batch that stores nothing signs nothing new."""
    stored.submit(messages(*lifecycle("m1")))
    assert len(stored.checkpoints.all()) == 2


def test_a_malformed_exported_checkpoint_is_a_usage_error_naming_the_field(
    stored: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A document with a wrong field is refused before anything is checked: exit 2, named."""
    exported = tmp_path / "cp.json"
    assert main(["--store", stored.store.url, "checkpoint", "--export", str(exported)]) == 0
    capsys.readouterr()
    body = json.loads(exported.read_text())
    for field, value in (("position", "18"), ("head_hash", "zz"), ("previous", 7)):
        exported.write_text(json.dumps({**body, field: value}))
        assert main(["--store", stored.store.url, "verify", "--against", str(exported)]) == 2
        captured = capsys.readouterr()
        assert f"checkpoint field {field} must be" in captured.err
        assert captured.out == ""
    exported.write_text("{not json")
    assert main(["--store", stored.store.url, "verify", "--against", str(exported)]) == 2
    assert "is not JSON" in capsys.readouterr().err
