"""What the tamper tests share: a ledger of two stored lifecycles, and an intruder's tools.

The ledger holds measures m1 (positions 1–9) and m2 (10–18), stored in two batches, so it
has two signed checkpoints; `sql` runs a statement behind the ledger's back, `rechain`
recomputes the public chain encoding and re-signs checkpoints as an insider would.
"""

from __future__ import annotations

import json
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
