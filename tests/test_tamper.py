"""Tamper evidence: edits made straight in the database are caught by `verify`, on both stores.

Each test stores two clean lifecycles in two batches (m1: positions 1–9, m2: 10–18; position
1 opens m1's stream, position k of m1 holds event m1-(k-1)), changes the database behind the
ledger's back with SQL, and runs `measure-ledger verify` as the inspectorate would.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.main import main
from domain.chain import GENESIS, chain_record
from ledger.service import Ledger
from store.chain_store import as_uuid
from store.checkpoints import Checkpoint, key_id
from tests.conftest import lifecycle, messages

PROVIDER = "AGB:12345678"


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "signing.key"
    monkeypatch.setenv("LEDGER_KEY_FILE", str(path))
    return path


@pytest.fixture
def stored(store_url: str, key_file: Path) -> Iterator[Ledger]:
    """A ledger holding measures m1 and m2, stored in two batches (two checkpoints)."""
    ledger = Ledger(store_url)
    ledger.submit(messages(*lifecycle("m1")))
    ledger.submit(messages(*lifecycle("m2")))
    yield ledger
    ledger.close()


def verify(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code = main(["--store", url, "verify", "--format", "json", "--no-progress", *extra])
    return code, json.loads(capsys.readouterr().out)


def sql(ledger: Ledger, text: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Any]:
    """Run one statement as an intruder would; `{events}` and `{pos}` name the events table."""
    recorder = ledger.app.recorder
    pos = "rowid" if ledger.store.dialect.name == "sqlite" else "notification_id"
    text = text.format(events=recorder.events_table_name, pos=pos)  # type: ignore[attr-defined]
    with ledger.sql.transaction(commit=True) as c:
        c.execute(text, params)
        return c.fetchall() if text.lstrip().upper().startswith("SELECT") else []


def named(report: dict[str, Any]) -> tuple[Any, ...]:
    d = report["damage"]
    return d["position"], d["provider_id"], d["measure_id"], d["event_id"]


def test_untouched_ledger_verifies(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing changed: exit 0, every record checked, both batch checkpoints valid."""
    code, report = verify(stored.store.url, capsys)
    assert code == 0
    assert report["intact"] is True
    assert (report["records"], report["head_position"], report["checkpoints"]) == (18, 18, 2)
    assert report["unsigned_records"] == 0


def test_one_changed_byte_is_named(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """An UPDATE of one byte of a stored event's state names that event."""
    [row] = sql(stored, "SELECT state FROM {events} WHERE {pos} = 4")
    state = bytes(row["state"])
    i = state.index(b'"source"') + 12
    edited = state[:i] + bytes([state[i] ^ 1]) + state[i + 1 :]
    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 4", [edited])
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert named(report) == (4, PROVIDER, "m1", "m1-3")
    assert "changed" in report["damage"]["problem"]


def test_deleted_event_is_named(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """A DELETE of a stored event names the event that is gone."""
    sql(stored, "DELETE FROM {events} WHERE {pos} = 6")
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert named(report) == (6, PROVIDER, "m1", "m1-5")
    assert "deleted" in report["damage"]["problem"]


def test_deleted_event_and_chain_row_break_the_next_link(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Removing an event together with its chain row breaks the link of the next record."""
    sql(stored, "DELETE FROM {events} WHERE {pos} = 6")
    sql(stored, "DELETE FROM ledger_chain WHERE position = 6")
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert named(report) == (7, PROVIDER, "m1", "m1-6")
    assert "removed" in report["damage"]["problem"]


def test_swapped_events_are_caught(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """Swapping the topic and state of two stored events names the first of them."""
    rows = sql(stored, "SELECT {pos} AS p, topic, state FROM {events} WHERE {pos} IN (3, 5)")
    by_pos = {r["p"]: (r["topic"], bytes(r["state"])) for r in rows}
    for target, source in ((3, 5), (5, 3)):
        topic, state = by_pos[source]
        sql(
            stored,
            "UPDATE {events} SET topic = ?, state = ? WHERE {pos} = ?",
            [topic, state, target],
        )
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert named(report) == (3, PROVIDER, "m1", "m1-2")


def test_forged_row_is_caught(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """A row inserted into the events table outside the ledger has no chain link."""
    sql(
        stored,
        "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 100, topic, state FROM {events} "
        "WHERE {pos} = 18",
    )
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert named(report) == (19, PROVIDER, "m2", "m2-8")
    assert "inserted" in report["damage"]["problem"]


def test_rewritten_chain_is_caught_by_the_signed_checkpoint(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """An intruder who edits an event and recomputes every hash still fails the checkpoints."""
    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 4", [b'{"forged":true}'])
    rechain(stored)
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert report["damage"]["checkpoint_id"] == 1
    assert report["damage"]["position"] == 9
    assert "rewritten" in report["damage"]["problem"]


def test_checkpoint_resigned_with_another_key_is_caught(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint re-signed with a key that is not the ledger's is named."""
    rechain(stored, forger=Ed25519PrivateKey.generate(), only_checkpoint=2)
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert (report["damage"]["checkpoint_id"], report["damage"]["position"]) == (2, 18)
    assert "not signed by the trusted key" in report["damage"]["problem"]


def test_truncated_tail_is_caught(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """Deleting the newest events and their chain rows leaves a checkpoint beyond the end."""
    sql(stored, "DELETE FROM {events} WHERE {pos} > 12")
    sql(stored, "DELETE FROM ledger_chain WHERE position > 12")
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert "removed from the end" in report["damage"]["problem"]


def test_exported_checkpoint_proves_an_insider_rewrite(
    stored: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the signing key an insider can rewrite and re-sign; the exported copy still differs."""
    exported, public = tmp_path / "cp.json", tmp_path / "pub.pem"
    argv = ["--store", stored.store.url, "checkpoint", "--export", str(exported)]
    assert main([*argv, "--public-key", str(public), "--format", "json"]) == 0
    capsys.readouterr()
    stored.submit(messages(*lifecycle("m3")))
    assert verify(stored.store.url, capsys, "--against", str(exported))[0] == 0

    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 4", [b'{"forged":true}'])
    rechain(stored, forger=stored.checkpoints.key)
    assert verify(stored.store.url, capsys)[0] == 0  # the insider's rewrite is consistent
    code, report = verify(
        stored.store.url, capsys, "--against", str(exported), "--public-key", str(public)
    )
    assert code == 1
    assert "does not extend the exported checkpoint" in report["damage"]["problem"]


def test_store_without_chain_says_so(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """A store written before tamper evidence existed is reported as unchained, not intact."""
    sql(stored, "DELETE FROM ledger_chain")
    sql(stored, "DELETE FROM ledger_checkpoints")
    code, report = verify(stored.store.url, capsys)
    assert code == 1
    assert "no hash chain" in report["damage"]["problem"]
    assert report["damage"]["position"] == 1


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


def rechain(
    ledger: Ledger,
    *,
    forger: Ed25519PrivateKey | None = None,
    only_checkpoint: int | None = None,
) -> None:
    """What an intruder with database access does: recompute the chain, re-sign checkpoints."""
    if only_checkpoint is None:
        global_prev, streams = GENESIS, {}
        for n in ledger.app.recorder.select_notifications(1, 10_000):
            sid = as_uuid(n.originator_id)
            link = chain_record(
                n.id,
                sid,
                n.originator_version,
                n.topic,
                bytes(n.state),
                global_prev=global_prev,
                stream_prev=streams.get(sid, GENESIS),
            )
            global_prev, streams[sid] = link.global_hash, link.stream_hash
            sql(
                ledger,
                "UPDATE ledger_chain SET record_hash = ?, global_hash = ?, stream_hash = ? "
                "WHERE position = ?",
                [link.record_hash, link.global_hash, link.stream_hash, n.id],
            )
    if forger is None:
        return
    previous = GENESIS.hex()
    for cp in ledger.checkpoints.all():
        if only_checkpoint not in (None, cp.checkpoint_id):
            previous = cp.link()  # left as it is: the next one links to it unchanged
            continue
        [row] = sql(
            ledger, "SELECT global_hash FROM ledger_chain WHERE position = ?", [cp.position]
        )
        kid = key_id(forger.public_key())
        head = bytes(row["global_hash"])
        forged = Checkpoint(
            cp.position, head.hex(), cp.created_at, kid, "", cp.checkpoint_id, previous
        )
        forged = replace(forged, signature=forger.sign(forged.message()).hex())
        previous = forged.link()
        sql(
            ledger,
            "UPDATE ledger_checkpoints SET head_hash = ?, key_id = ?, signature = ?, "
            "previous = ? WHERE checkpoint_id = ?",
            [head.hex(), kid, forged.signature, forged.previous, cp.checkpoint_id],
        )


def test_state_rewritten_as_text_is_named_not_crashed(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An SQL string function that turns a stored event into TEXT is caught as a change."""
    import sqlite3

    ledger = Ledger(sqlite_url)
    ledger.submit(messages(*lifecycle()[:3]))
    ledger.close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE stored_events SET state = replace(state, 'seclusion', 'supervisn') "
            "WHERE rowid = 2"
        )
    code, report = verify(sqlite_url, capsys)
    assert code == 1
    assert named(report) == (2, "AGB:12345678", "m1", "m1-1")


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
