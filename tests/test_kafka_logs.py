"""Logs never carry message content, at any level: `consume` at debug on a real broker.

kafka-python logs whole requests and responses at DEBUG (record batches included), so a
ledger at `LEDGER_LOG_LEVEL=debug` would write pseudonyms, staff ids and BSN-like numbers
into its log lines unless the library's loggers are held back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import event
from tests.kafka_fixtures import (  # noqa: F401
    Topics,
    broker_fixture,
    committed_offsets,
    consume_command,
    keyed,
    produce,
    repo_root,
    topics_fixture,
    wait_for,
)

pytestmark = pytest.mark.kafka

PSEUDONYM = "cl-ZEBRA-7731"
STAFF_ID = "st-OKAPI-42"
BSN_LIKE = "123456782"  # passes the elfproef


def test_debug_logs_carry_no_message_content(
    topics: Topics, sqlite_url: str, tmp_path: Path
) -> None:
    """A good event with a recognisable pseudonym and staff id, and a malformed line holding
    a BSN-like number, consumed at debug level: neither appears anywhere in stderr."""
    good = event(event_id="e-log-1", client_id=PSEUDONYM)
    good["actor"] = {"role": "arts", "id": STAFF_ID}
    malformed = (b"AGB:12345678:m1", f'{{"client_id": "{BSN_LIKE}", not json'.encode())
    ends = produce(topics.bootstrap, topics.events, [*keyed([good]), malformed])
    command = [
        c if c != "info" else "debug"
        for c in consume_command(sqlite_url, topics, "logs", "--commit-interval", "0")
    ]
    log_path = tmp_path / "stderr.log"  # a file, not a pipe: debug output fills a pipe
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=repo_root(),
            stdout=subprocess.PIPE,
            stderr=log_file,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "LEDGER_LOG_LEVEL": "debug"},
        )
    try:
        wait_for(
            lambda: committed_offsets(topics.bootstrap, "logs", topics.events) == ends,
            30,
            "both messages committed",
        )
        time.sleep(1)  # a few more fetch round trips at debug level
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    lines = log_path.read_bytes().decode(errors="replace").splitlines()
    assert process.returncode == 0, "\n".join(lines[-20:])
    assert json.loads(stdout)["accepted"] == 1
    assert any('"level": "debug"' in line for line in lines), "the run did not log at debug"
    for secret in (PSEUDONYM, STAFF_ID, BSN_LIKE, "not json"):
        leaking = [line for line in lines if secret in line]
        assert leaking == [], f"{secret!r} in the log: {leaking[0][:300]}"
