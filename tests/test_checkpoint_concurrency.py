"""Writers signing at once: checkpoint ids stay 1, 2, 3, … and each links to the one before.

Three real processes store small batches into one store at the same time; each batch ends
with a checkpoint unless another writer's already covers its head. On both stores the
signing transaction is serialised (SQLite's write lock, a PostgreSQL table lock), so no two
checkpoints share an id, skip one or fork the checkpoint chain, and `verify` finds the
whole history intact.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from ledger.service import Ledger
from tests.kafka_fixtures import repo_root

WRITER = """
import sys
from ledger.service import Ledger
from tests.conftest import lifecycle, messages
url, prefix, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
ledger = Ledger(url)
for i in range(batches):
    ledger.submit(messages(*lifecycle(f"{prefix}-{i}")), project=False)
ledger.close()
"""


def test_concurrent_writers_keep_one_linked_sequence(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = tmp_path / "signing.key"
    monkeypatch.setenv("LEDGER_KEY_FILE", str(key))
    Ledger(store_url).close()  # tables exist before the writers race
    env = {**os.environ, "LEDGER_KEY_FILE": str(key)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, store_url, f"w{n}", "12"], cwd=repo_root(), env=env
        )
        for n in range(3)
    ]
    assert [w.wait(timeout=240) for w in writers] == [0, 0, 0]

    ledger = Ledger(store_url)
    try:
        checkpoints = ledger.checkpoints.all()
    finally:
        ledger.close()
    # A batch whose head another writer's checkpoint already covers signs nothing new.
    assert 12 <= len(checkpoints) <= 36
    assert [cp.checkpoint_id for cp in checkpoints] == list(range(1, len(checkpoints) + 1))
    assert checkpoints[-1].position == 3 * 12 * 9  # the last one covers the head
    for before, after in itertools.pairwise(checkpoints):
        assert after.previous == before.link()
        assert after.position >= before.position
    code = main(["--store", store_url, "verify", "--format", "json", "--no-progress"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["state"], report["checkpoints"]) == (0, "intact", len(checkpoints))
    assert report["records"] == 3 * 12 * 9
