"""Tamper evidence: edits made straight in the database are caught by `verify`, on both stores.

Each test stores two clean lifecycles in two batches (m1: positions 1–9, m2: 10–18; position
1 opens m1's stream, position k of m1 holds event m1-(k-1)), changes the database behind the
ledger's back with SQL, and runs `measure-ledger verify` as the inspectorate would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.main import main
from ledger.service import Ledger
from tests.conftest import lifecycle, messages
from tests.tamper_fixtures import PROVIDER, key_file, named, rechain, sql, stored, verify  # noqa: F401 - fixtures, used by name


def test_untouched_ledger_verifies(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing changed: exit 0, every record checked, both batch checkpoints valid."""
    code, report = verify(stored.store.url, capsys)
    assert code == 0
    assert report["intact"] is True
    assert (report["records"], report["head_position"], report["checkpoints"]) == (18, 18, 2)
    assert report["unsigned_records"] == 0


def test_each_verify_run_is_recorded_for_the_integrity_page(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stored.verify_runs.latest() is None
    verify(stored.store.url, capsys)
    run = stored.verify_runs.latest()
    assert run is not None and (run.state, run.records, run.views) == ("intact", 18, None)
    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 3", [b"{}"])
    verify(stored.store.url, capsys)
    damaged = stored.verify_runs.latest()
    assert damaged is not None and damaged.state == "damaged" and damaged.at >= run.at


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
