"""`report --delivered` end to end: real processes on a real SQLite file.

The delivery is made from the report at its position, appended as a `report.delivered`
event, printed with its hash; the second run is a duplicate; the delivered file still
checks as identical (a delivery is not care the report counts), and the late delivery
resolves WZD-IGJ-OVERVIEW.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import lifecycle, line

PROVIDER = "AGB:12345678"
SENT = "2026-08-14T09:00:00+02:00"


def cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "--log-format", "console", *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


@pytest.fixture
def world(tmp_path: Path) -> tuple[dict[str, str], str]:
    env = {**os.environ, "LEDGER_REPORT_KEY_FILE": str(tmp_path / "report.key")}
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(line(e) for e in lifecycle("m1")) + b"\n")
    store = f"sqlite:///{tmp_path / 'ledger.db'}"
    done = cli(env, "--store", store, "ingest", str(events), "--format", "json")
    assert done.returncode == 0, done.stderr
    return env, store


def deliver(env: dict[str, str], store: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli(
        env, "--store", store, "report", "--period", "2026H1", "--provider", PROVIDER,
        "--law", "wzd", "--delivered", "--at", SENT, *extra,
    )  # fmt: skip


def test_delivered_records_the_event_once_and_the_file_still_checks(
    world: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, store = world
    made = cli(env, "--store", store, "report", "--period", "2026H1", "--provider", PROVIDER,
               "--format", "json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    saved = tmp_path / "overview.json"
    saved.write_text(made.stdout)
    document = json.loads(made.stdout)

    first = deliver(env, store, "--format", "json", "--receipt", "IGJ-42")
    assert first.returncode == 0, first.stderr
    recorded: dict[str, Any] = json.loads(first.stdout)
    digest = document["body_sha256"]
    assert recorded["outcome"] == "recorded"
    assert recorded["body_sha256"] == digest
    grouped = "_".join(digest[i : i + 4] for i in range(0, 16, 4))
    assert recorded["event_id"] == f"report.delivered:2026H1:wzd:{grouped}"
    assert recorded["report_position"] == document["binding"]["position"]
    assert recorded["checkpoint_id"] == document["binding"]["checkpoint"]["checkpoint_id"]
    assert recorded["occurred_at"] == SENT and recorded["deliver"] is True
    assert recorded["ledger_position"] > recorded["report_position"]

    again = deliver(env, store)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("already recorded (duplicate)")
    assert f"body_sha256 {digest}" in again.stdout
    assert f"at ledger position {recorded['ledger_position']}" in again.stdout

    checked = cli(env, "--store", store, "report", "--check", str(saved))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("identical")

    listed = cli(env, "--store", store, "alerts", "--all", "--as-of", "2026-12-01",
                 "--rule", "WZD-IGJ-OVERVIEW", "--format", "json")  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    [alert] = json.loads(listed.stdout)
    assert alert["measure_id"] is None and alert["status"] == "resolved"
    assert alert["since"].startswith("2026-08-13T00:00:00+02:00")
    assert alert["resolved_at"].startswith("2026-08-14T09:00:00+02:00")

    stored = cli(env, "--store", store, "rejects", "--format", "json")
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout) == []


def test_delivered_needs_the_provider_and_the_law(world: tuple[dict[str, str], str]) -> None:
    env, store = world
    no_law = cli(env, "--store", store, "report", "--period", "2026H1", "--provider",
                 PROVIDER, "--delivered")  # fmt: skip
    assert no_law.returncode == 2 and "--law" in no_law.stderr
    stray = cli(env, "--store", store, "report", "--period", "2026H1", "--at", SENT)
    assert stray.returncode == 2 and "--delivered" in stray.stderr
