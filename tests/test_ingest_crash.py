"""`measure-ledger ingest FILE` killed with SIGKILL mid-file, then run again to the end.

Each batch is one transaction (events, keys, chain links, views and their tracking, the
signed checkpoint: store/batch_append.py), so a kill at any moment leaves whole batches
only. Run again, the same file stores what was missing and nothing twice, the chain verifies
up to a checkpoint of the head, and the views equal a recomputation from the events.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.service import Ledger
from tests.conftest import lifecycle
from tests.kafka_fixtures import repo_root, stored_event_ids


def ingest_command(store_url: str, path: Path) -> list[str]:
    return [sys.executable, "-m", "cli", "--store", store_url, "ingest", str(path), "--no-progress"]


def test_sigkill_during_a_file_ingest_leaves_whole_batches_and_a_rerun_completes(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies = [e for m in range(1500) for e in lifecycle(f"m{m}")]  # 12,000 events, 3 batches
    path = tmp_path / "year.jsonl"
    path.write_text("".join(json.dumps(b) + "\n" for b in bodies))
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "signing.key"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    chance = random.Random(os.environ.get("INGEST_CRASH_SEED", time.time_ns()))
    for _ in range(2):
        victim = subprocess.Popen(
            ingest_command(store_url, path), cwd=repo_root(), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(chance.uniform(1.0, 4.0))  # start-up, then somewhere inside a batch
        victim.kill()
        victim.wait(timeout=10)
        ledger = Ledger(store_url)  # what a kill left: whole batches, each sealed
        try:
            report = ledger.verify(None)
            assert report.state == "empty" or report.damage is None, report.damage
            assert report.unsigned_records == 0
            assert ledger.verify_views().equal
        finally:
            ledger.close()
    done = subprocess.run(
        [*ingest_command(store_url, path), "--format", "json"],
        cwd=repo_root(), env=env, capture_output=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    counts = json.loads(done.stdout)
    assert counts["accepted"] + counts["duplicates"] == len(bodies)
    stored = stored_event_ids(store_url)
    assert len(stored) == len(set(stored)) == len(bodies)
    ledger = Ledger(store_url)
    try:
        report = ledger.verify(None)
        assert (report.damage, report.unsigned_records) == (None, 0)
        assert ledger.verify_views().equal
    finally:
        ledger.close()
